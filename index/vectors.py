"""Exact inner-product search over normalised vectors. This module alone talks to FAISS."""

import os
from pathlib import Path

import faiss
import numpy as np

# Single queries run 2.5-3x faster on one thread on this class of machine (MODELS.md),
# and the bot answers one question at a time per worker thread.
faiss.omp_set_num_threads(1)
# From this many chunks on, vectors are held as float16: half the memory (0.77 GB instead of 1.54
# at 1M chunks) and, memory-bound as a flat search is, faster (33 ms instead of 59 at 1M, one
# thread; benchmarks/vectors.py); recall@10 against float32 0.998, so smaller indexes (every
# evaluation) keep float32 and their figures exactly.
COMPACT_FROM = 200_000


class VectorIndex:
    """Vectors keyed by chunk id; cosine similarity because rows are normalised."""

    def __init__(self, dim: int, index: faiss.Index | None = None) -> None:
        self.dim = dim
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        held = faiss.vector_to_array(self._index.id_map) if self._index.ntotal else np.zeros(1, np.int64)
        self.last_id = int(held.max())  # the highest chunk id ever added: later ones are newer

    def __len__(self) -> int:
        return int(self._index.ntotal)

    @property
    def compact(self) -> bool:
        return isinstance(faiss.downcast_index(self._index.index), faiss.IndexScalarQuantizer)

    def compacted(self) -> "VectorIndex":
        """This index, or a float16 copy of it once it holds COMPACT_FROM vectors."""
        if self.compact or len(self) < COMPACT_FROM:
            return self
        ids = faiss.vector_to_array(self._index.id_map)
        inner = faiss.IndexScalarQuantizer(self.dim, faiss.ScalarQuantizer.QT_fp16, faiss.METRIC_INNER_PRODUCT)
        copy = VectorIndex(self.dim, faiss.IndexIDMap2(inner))
        for start in range(0, len(ids), 100_000):  # a slice at a time: no second float32 copy
            part = ids[start : start + 100_000]
            copy.add(part, self._index.index.reconstruct_n(start, len(part)))
        copy.last_id = max(copy.last_id, self.last_id)
        return copy

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add rows of `vectors` under the chunk ids `ids`."""
        if len(ids):
            self._index.add_with_ids(_rows(vectors), np.asarray(ids, dtype=np.int64))
            self.last_id = max(self.last_id, int(np.max(ids)))

    def remove(self, ids: np.ndarray) -> None:
        """Forget the given chunk ids."""
        if len(ids):
            self._index.remove_ids(np.asarray(ids, dtype=np.int64))

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Return up to `k` (chunk id, cosine) pairs, best first."""
        if k <= 0 or len(self) == 0:
            return []
        scores, ids = self._index.search(_rows(vector.reshape(1, -1)), min(k, len(self)))
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i != -1]

    def cosines(self, ids: list[int], vector: np.ndarray) -> np.ndarray:
        """Return the cosine of the stored vectors with these ids to `vector` (-1 for an id it
        does not hold: BM25 may still list a chunk removed a moment ago)."""
        if not ids:
            return np.zeros(0, dtype=np.float32)
        rows = np.stack([self._row(int(i)) for i in ids])
        return np.where(np.isnan(rows[:, 0]), -1.0, rows @ _rows(vector.reshape(-1))).astype(np.float32)

    def _row(self, chunk_id: int) -> np.ndarray:
        try:
            return self._index.reconstruct(chunk_id)
        except RuntimeError:
            return np.full(self.dim, np.nan, dtype=np.float32)

    def save(self, path: Path) -> None:
        """Write atomically: a reader sees the old file or the new one, never half of one."""
        tmp = path.with_name(path.name + ".tmp")
        faiss.write_index(self._index, str(tmp))
        os.replace(tmp, path)

    @classmethod
    def load(cls, path: Path, dim: int) -> "VectorIndex":
        """Read an index written by `save`."""
        index = faiss.read_index(str(path))
        if index.d != dim:
            raise ValueError(f"{path} holds {index.d}-d vectors, expected {dim}")
        return cls(dim, index)


def _rows(vectors: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(vectors, dtype=np.float32)
