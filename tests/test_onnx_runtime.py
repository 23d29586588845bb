"""The packaged model on onnxruntime (fp32 and int8 weights) against sentence-transformers fp32
(slow: real model)."""

import numpy as np
import pytest

from index.models import onnx as onnx_models
from index.models import packaged
from index.models.embedding import DEFAULT_MODEL, SentenceTransformerEmbedder, model_path
from tests.conftest import SAMPLES

pytestmark = pytest.mark.slow

# Worst and mean cosine to sentence-transformers fp32 that each runtime must keep.
CLOSENESS = {False: (0.99999, 0.99999), True: (0.998, 0.999)}


@pytest.fixture(scope="module")
def exact():
    return SentenceTransformerEmbedder(DEFAULT_MODEL, model_path(DEFAULT_MODEL))


@pytest.fixture(scope="module", params=[False, True], ids=["onnx", "onnx-int8"])
def fast(request):
    return onnx_models.OnnxEmbedder(DEFAULT_MODEL, int8=request.param)


def sample_texts() -> list[str]:
    text = " ".join(p.read_text() for p in sorted(SAMPLES.glob("*.*")) if p.suffix in {".md", ".txt"})
    sentences = [s.strip() for s in text.replace("\n", " ").split(". ") if len(s.strip()) > 20]
    return sentences[:60] + [text[:4000]]  # the last is cut at the model's length, as fp32 cuts it


def test_vectors_match_fp32_and_rank_alike(fast, exact):
    texts = sample_texts()
    a, b = fast.embed(texts), exact.embed(texts)
    assert np.allclose(np.linalg.norm(a, axis=1), 1, atol=1e-4)
    cosines = (a * b).sum(1)
    worst, mean = CLOSENESS[fast.runtime == "onnx-int8"]
    assert cosines.min() > worst and cosines.mean() > mean
    questions = ["How much honey does a colony store?", "What do bees collect?", "Who wrote the report?"]
    assert list((fast.embed(questions) @ a.T).argmax(1)) == list((exact.embed(questions) @ b.T).argmax(1))
    assert fast.count_tokens(texts) == exact.count_tokens(texts)
    assert fast.max_tokens == exact.max_tokens and fast.dim == exact.dim


def test_a_text_gets_the_same_vector_alone_and_in_a_batch(fast):
    texts = sample_texts()
    alone = fast.embed([texts[3]])[0]
    # Neither the padding nor the other texts of a batch change a text's vector.
    assert np.allclose(alone, fast.embed(texts)[3], atol=1e-4)


def test_the_export_is_made_once_and_left_whole(tmp_path, monkeypatch):
    monkeypatch.setattr(packaged, "_cache", tmp_path / "verbatim")
    made = onnx_models.prepare(DEFAULT_MODEL, int8=True)
    assert made.parent == tmp_path / "verbatim" and made.stat().st_size > 10_000_000
    assert [p.name for p in made.parent.iterdir()] == [made.name]  # no temporary files left
    stamp = made.stat().st_mtime_ns
    assert onnx_models.prepare(DEFAULT_MODEL, int8=True) == made and made.stat().st_mtime_ns == stamp


@pytest.fixture(scope="module")
def torch_reader():
    from index.models.reader import Reader

    return Reader()


@pytest.mark.parametrize("int8", [False, True], ids=["onnx", "onnx-int8"])
def test_the_reader_on_onnx_scores_as_on_torch_and_picks_the_same_sentence(torch_reader, int8):
    from index.models.onnx_reader import OnnxReader

    fast = OnnxReader(int8=int8)
    sentences = sample_texts()
    for question in ("How much honey does a colony store?", "What do bees collect?", "Who wrote the report?"):
        a, b = fast.score(question, sentences), torch_reader.score(question, sentences)
        assert np.abs(a - b).max() < (0.05 if int8 else 1e-4)
        assert int(a.argmax()) == int(b.argmax())
    # A sentence's score does not depend on what it is read with (lengths are batched together).
    assert abs(fast.score("What do bees collect?", sentences[5:6])[0]
               - fast.score("What do bees collect?", sentences)[5]) < 1e-4


def test_retrained_reader_weights_get_their_own_export(tmp_path, monkeypatch):
    from index.models import onnx_reader
    from index.models.reader import WEIGHTS

    monkeypatch.setattr(packaged, "_cache", tmp_path / "verbatim")
    shipped = onnx_reader.prepare_reader(WEIGHTS)
    copy = tmp_path / "retrained.safetensors"
    copy.write_bytes(WEIGHTS.read_bytes())
    assert onnx_reader.prepare_reader(copy) != shipped
    assert sorted(p.suffix for p in (tmp_path / "verbatim").iterdir()) == [".onnx", ".onnx"]
