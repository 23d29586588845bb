"""A deterministic embedder for fast tests, registered through the real model interface."""

import re
import zlib
from collections.abc import Sequence

import numpy as np

NAME = "test-hash"
_WORD = re.compile(r"\w+")
# Without stop words a bag of words behaves like a (poor) trained model: unrelated text scores low.
_STOP = frozenset("a an and are as at be by did do does for from had has have how in is it its of "
                  "on or that the their this to was were what when where which who why with".split())


class HashEmbedder:
    """Bag of words hashed into 512 dimensions with crc32 (stable across processes)."""

    name = NAME
    dim = 512
    max_tokens = 126

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        return [max(1, len(_WORD.findall(text))) for text in texts]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        self.calls = getattr(self, "calls", 0) + len(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        for row, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                if word in _STOP:
                    continue
                word = word[:-1] if len(word) > 3 and word.endswith("s") else word
                out[row, zlib.crc32(word.encode()) % self.dim] += 1.0
            norm = np.linalg.norm(out[row])
            out[row] = out[row] / norm if norm else out[row]
        return out


SLOW_NAME = "test-hash-slow"


class SlowHashEmbedder(HashEmbedder):
    """The hash embedder on a busy machine: questions ending in "slowly?" take 9 s to embed."""

    name = SLOW_NAME

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if any(text.endswith("slowly?") for text in texts):
            import time

            time.sleep(9)
        return super().embed(texts)
