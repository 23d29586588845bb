"""The reader (index/models/reader.py) on onnxruntime: the same scores without torch on a question's
path, in fp32 (equal to torch to 1e-5) or with int8 weights (`onnx-int8`, as the embedder).

The network (the packaged model's first layers with the tuned ones, mean pooling and the head)
is exported once from the reader's weights into the user's cache folder, named after those
weights, so that retrained weights get a new file (`verbatim prepare` does it at install).
"""

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .packaged import cache_dir, model_path
from .onnx import export, fingerprint, inputs_of, session, tokenizer_of
from .reader import BASE_MODEL, MAX_TOKENS, WEIGHTS, by_length

log = logging.getLogger(__name__)


def reader_file(weights: Path, int8: bool) -> Path:
    return cache_dir() / f"reader-{fingerprint(weights)}.{'int8' if int8 else 'fp32'}.onnx"


def prepare_reader(weights: Path = WEIGHTS, int8: bool = False) -> Path:
    """Export the reader unless done before; return its file."""
    target = reader_file(weights, int8)
    if target.exists():
        return target
    import torch

    from .reader import Reader

    log.info("Exporting the reader to %s (once)", target)
    reader = Reader(weights)

    class Network(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder, self.head = reader.encoder, reader.head  # registered for the export

        def forward(self, input_ids, attention_mask, token_type_ids):
            return reader.forward(input_ids, attention_mask, token_type_ids)

    sample = reader.tokenizer(["a question?", "another"], ["a sentence.", "and another one."], padding=True,
                              return_tensors="pt")
    export(Network().eval(), sample, target, int8)
    return target


class OnnxReader:
    """Scores (question, sentence) pairs as `Reader.score` does, on onnxruntime (one thread)."""

    def __init__(self, weights: Path = WEIGHTS, int8: bool = False) -> None:
        self._tokenizer = tokenizer_of(model_path(BASE_MODEL), MAX_TOKENS)
        # The longer of the two is cut when the pair is too long (as Reader does): the sentence,
        # unless the question itself runs past the pair's length (a pasted paragraph).
        self._tokenizer.enable_truncation(max_length=MAX_TOKENS, strategy="longest_first")
        self._session = session(prepare_reader(weights, int8))
        self.runtime = "onnx-int8" if int8 else "onnx"

    def score(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        """Return one score per sentence in (0, 1); similar lengths batched together."""
        return by_length(sentences, lambda part: self._session.run(
            None, inputs_of(self._tokenizer.encode_batch([(question, s) for s in part])))[0])
