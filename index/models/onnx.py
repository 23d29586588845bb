"""The packaged embedding model on onnxruntime: the same vectors as sentence-transformers, a
question embedded in a third of the time, and loaded in under a second without torch.

`prepare()` exports the model once from the packaged weights with `torch.onnx.export` (mean
pooling and normalisation included). `VERBATIM_RUNTIME=onnx` (the default) runs it as exported,
in fp32: its vectors equal the torch ones to 1e-6. `onnx-int8` also stores each weight matrix as
int8, one scale per block of 32 weights (`MatMulNBits`, products on int8 with each row's
activations scaled on their own): cosine 0.9997 to fp32, a little faster again (docs/measured.md,
"Runtime"). Measured and not used: onnxruntime's `quantize_dynamic` scales a whole batch's
activations at once, so a text's vector changed with the texts batched with it (cosine 0.992
alone against in a batch) and the top hit changed for 1.8% of questions; 4-bit weights lost
too much (cosine 0.96).
The file goes to the user's cache folder, named after the weights it came from, so other
weights get another file. `make install` runs it (`verbatim prepare`); otherwise the first load.
"""

import contextlib
import hashlib
import json
import logging
import os
import warnings
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from .packaged import TOKENIZE_SLICE, cache_dir, model_path, offline_quietly, threads_for

log = logging.getLogger(__name__)

RECIPE = "onnx-1"  # change it when the export or quantisation changes
BLOCK = 32  # weights per int8 scale
OPSET = 17
# Texts per model call. Small batches are faster on CPU and far lighter: onnxruntime's arena keeps
# the largest call's activations (attention grows with batch x tokens^2). 6,000 sentences, then
# 3,600 five-sentence chunks, on 2 cores: 32 a call 38.5 s / +458 MB and 126 s / +1,311 MB;
# 8 a call 31-36 s / +193 MB and 105 s / +355 MB (issue #19's memory bound for big documents).
BATCH = 8
TOKEN_INPUTS = ("input_ids", "attention_mask", "token_type_ids")


def fingerprint(weights: Path) -> str:
    """Names the weights by path, size and time, not by their contents: hashing 90 MB on every
    start would cost more than the rest of loading. Reinstalled or other weights, another name."""
    stat = weights.stat()
    key = f"{RECIPE}|{weights.resolve()}|{stat.st_size}|{stat.st_mtime_ns}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def embedder_file(name: str, int8: bool) -> Path:
    folder = model_path(name)
    kind = "int8" if int8 else "fp32"
    return cache_dir() / f"{name.split('/')[-1]}-{fingerprint(folder / 'model.safetensors')}.{kind}.onnx"


def prepare(name: str, int8: bool) -> Path:
    """Export (and with `int8`, quantise) the model unless done before; return its file."""
    target = embedder_file(name, int8)
    if target.exists():
        return target
    log.info("Exporting %s to %s (once)", name, target)
    network, tokenizer = _embedding_network(name)
    export(network, tokenizer(["a sample sentence", "another"], padding=True, return_tensors="pt"), target, int8)
    return target


def export(network, sample, target: Path, int8: bool, names: Sequence[str] = TOKEN_INPUTS) -> None:
    """Export a torch network taking `names` (in its forward()'s order; one output, one row per
    text) to `target`, with int8 weights (MatMulNBits) when `int8`."""
    import onnx
    import torch
    from onnxruntime.quantization.matmul_nbits_quantizer import MatMulNBitsQuantizer

    target.parent.mkdir(parents=True, exist_ok=True)
    # Names of this process's own: two processes exporting at once each write whole files.
    plain = target.with_suffix(f".{os.getpid()}.export.tmp")
    quantised = target.with_suffix(f".{os.getpid()}.tmp")
    with torch.inference_mode(), _quiet():
        torch.onnx.export(network, tuple(sample[n] for n in names), str(plain), input_names=list(names),
                          output_names=["output"], opset_version=OPSET, dynamo=False,
                          dynamic_axes={n: {0: "batch", 1: "tokens"} for n in names} | {"output": {0: "batch"}})
        if int8:
            quantiser = MatMulNBitsQuantizer(onnx.load(str(plain)), bits=8, block_size=BLOCK, is_symmetric=True,
                                             accuracy_level=4)
            quantiser.process()
            onnx.save(quantiser.model.model, str(quantised))
            plain.unlink()
        else:
            os.replace(plain, quantised)
    os.replace(quantised, target)  # whole or absent, even if interrupted


@contextlib.contextmanager
def _quiet():
    """The exporter warns about tracing, the quantiser logs every tensor on the root logger."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        root.setLevel(level)


def _embedding_network(name: str):
    """The packaged sentence-transformers model as one network: tokens -> normalised vector."""
    import torch
    from transformers import AutoModel, AutoTokenizer

    offline_quietly()
    folder = model_path(name)
    tokenizer = AutoTokenizer.from_pretrained(str(folder))

    class Network(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(folder)).eval()

        def forward(self, input_ids, attention_mask, token_type_ids):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    return Network(), tokenizer


def session(path: Path):
    """One session on one thread per call: a question never spreads over (and waits for) every
    core; a batch is split over the cores by `embed`, calls running side by side. One session,
    not one per thread count, so the weights are in memory once."""
    import onnxruntime

    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def tokenizer_of(folder: Path, max_tokens: int | None):
    """The model's tokenizer, padding batches and cutting at `max_tokens` (None: counting)."""
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    if max_tokens is None:
        tokenizer.no_truncation()
        tokenizer.no_padding()
    else:
        # The bundled tokenizer.json cuts at 128; sentence-transformers at max_seq_length.
        tokenizer.enable_truncation(max_length=max_tokens)
        tokenizer.enable_padding(pad_id=tokenizer.token_to_id("[PAD]"), pad_token="[PAD]")
    return tokenizer


def inputs_of(encodings) -> dict[str, np.ndarray]:
    return {
        "input_ids": np.array([e.ids for e in encodings], dtype=np.int64),
        "attention_mask": np.array([e.attention_mask for e in encodings], dtype=np.int64),
        "token_type_ids": np.array([e.type_ids for e in encodings], dtype=np.int64),
    }


class OnnxEmbedder:
    """The packaged model on onnxruntime, with int8 or fp32 weights (see the module doc)."""

    def __init__(self, name: str, int8: bool) -> None:
        folder = model_path(name)
        settings = json.loads((folder / "sentence_bert_config.json").read_text())
        self.name = name
        self.dim = json.loads((folder / "config.json").read_text())["hidden_size"]
        self.max_tokens = int(settings["max_seq_length"]) - 2  # room for [CLS] and [SEP]
        self._tokenizer = tokenizer_of(folder, int(settings["max_seq_length"]))
        self._counter = tokenizer_of(folder, None)
        self.runtime = "onnx-int8" if int8 else "onnx"
        self._session = session(prepare(name, int8))
        log.info("loaded model %s (%d dimensions, %s)", name, self.dim, self.runtime)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        counts: list[int] = []
        for start in range(0, len(texts), TOKENIZE_SLICE):  # in slices, as in embedding.py
            part = list(texts[start : start + TOKENIZE_SLICE])
            counts += [len(e.ids) for e in self._counter.encode_batch(part, add_special_tokens=False)]
        return counts

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)

        def run(part: list[int]) -> None:
            out[part] = self._session.run(None, inputs_of(self._tokenizer.encode_batch([texts[i] for i in part])))[0]

        in_batches([len(text) for text in texts], run)
        return out


def in_batches(lengths: Sequence[int], run: Callable[[list[int]], None]) -> None:
    """Call `run` on the texts' positions BATCH at a time, texts of similar `lengths` together
    (little of a batch is padding), over every core when there are many."""
    order = sorted(range(len(lengths)), key=lengths.__getitem__)
    parts = [order[start : start + BATCH] for start in range(0, len(order), BATCH)]
    threads = min(threads_for(len(lengths)), len(parts))
    if threads <= 1:
        for part in parts:
            run(part)
    else:
        with ThreadPoolExecutor(threads) as pool:
            list(pool.map(run, parts))
