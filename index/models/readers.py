"""Which reader answers: on onnxruntime (index/models/onnx_reader.py) or on torch (reader.py)."""

import functools
import logging

from .reader import BASE_MODEL, WEIGHTS, Reader

log = logging.getLogger(__name__)


@functools.cache
def load_reader(runtime: str = "onnx") -> "Reader":
    """Load the reader once per process and runtime: on onnxruntime ("onnx", "onnx-int8";
    index/models/onnx_reader.py, exported on first use) or on torch ("torch")."""
    log.info("Loading the reader (%s + %s, %s)", BASE_MODEL, WEIGHTS.name, runtime)
    if runtime.startswith("onnx"):
        from .onnx_reader import OnnxReader

        return OnnxReader(WEIGHTS, int8=runtime == "onnx-int8")
    return Reader()
