"""Inner-product search over normalised vectors, sized to the collection: exact (float32, then
float16) up to APPROXIMATE_FROM chunks, a graph (HNSW) past it. This module alone talks to FAISS."""

import os
from pathlib import Path

import faiss
import numpy as np

from .scope import Scope

# From this many chunks on, vectors are held as float16: half the memory (0.77 GB instead of 1.54
# at 1M chunks) and, memory-bound as a flat search is, faster (33 ms instead of 59 at 1M, one
# thread; benchmarks/vectors.py); recall@10 against float32 0.998, so smaller indexes (every
# evaluation) keep float32 and their figures exactly.
COMPACT_FROM = 200_000
# Past this many, a graph (HNSW over float16 codes): exact float16 search of 1M vectors takes 32
# ms on one core, so up to 2M it stays exact (benchmarks/vectors.py prints time and recall@10
# against exact search by kind). An inverted file (IVF) was measured too: recall@10 0.92-0.97 on
# real embeddings at a quarter of its lists probed.
APPROXIMATE_FROM = 2_000_000
LINKS = 32  # HNSW's M
SEARCH_BREADTH = 128  # HNSW's efSearch (at least k)
EXACT_WITHIN = 10_000  # a scope of so few chunks in a graph is searched exactly instead
# A scope holding this share of the chunks or more is searched unfiltered, for more hits than
# asked, and the others dropped: a selector slows a flat scan of float16 codes by half (1M chunks,
# half of them in: 47 ms against 33; `python benchmarks/collections.py`), and the best k inside
# are those of the best k / share * 1.5 overall, save when too few came (then the selector).
OVERSAMPLE_FROM = 0.2
REMOVED = -1  # HNSW cannot delete: a removed chunk's id becomes this, and searches skip it


class VectorIndex:
    """Vectors keyed by chunk id; cosine similarity because rows are normalised."""

    def __init__(self, dim: int, index: faiss.Index | None = None) -> None:
        # Single queries run 2.5-3x faster on one thread on this class of machine (MODELS.md),
        # and the bot answers one question at a time per worker thread.
        faiss.omp_set_num_threads(1)
        self.dim = dim
        self._index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))
        held = faiss.vector_to_array(self._index.id_map)
        self.last_id = int(held.max()) if len(held) else 0  # the highest id ever added: later ones are newer
        self._removed = int(np.count_nonzero(held == REMOVED))
        inner = faiss.downcast_index(self._index.index)
        # "exact" (float32), "compact" (float16, exact search) or "approximate" (HNSW)
        self.kind = "approximate" if isinstance(inner, faiss.IndexHNSW) else \
            "compact" if isinstance(inner, faiss.IndexScalarQuantizer) else "exact"

    def __len__(self) -> int:
        return int(self._index.ntotal) - self._removed

    def resized(self) -> "VectorIndex":
        """This index, or a copy of the kind its size calls for (COMPACT_FROM, APPROXIMATE_FROM);
        an approximate one is rebuilt when a tenth of it has been removed."""
        kind = "approximate" if len(self) >= APPROXIMATE_FROM else "compact" if len(self) >= COMPACT_FROM else "exact"
        if kind == "exact" or (kind == self.kind and self._removed <= 0.1 * len(self)):
            return self  # never back: a shrinking index keeps its kind
        fp16 = faiss.ScalarQuantizer.QT_fp16
        if kind == "compact":
            inner = faiss.IndexScalarQuantizer(self.dim, fp16, faiss.METRIC_INNER_PRODUCT)
        else:
            inner = faiss.IndexHNSWSQ(self.dim, fp16, LINKS, faiss.METRIC_INNER_PRODUCT)
            inner.train(np.zeros((1, self.dim), dtype=np.float32))  # float16 codes need no statistics
        copy = VectorIndex(self.dim, faiss.IndexIDMap2(inner))
        ids = faiss.vector_to_array(self._index.id_map)
        for start in range(0, len(ids), 50_000):  # a slice at a time: no second full float32 copy
            part = np.arange(start, min(start + 50_000, len(ids)))
            keep = ids[part] != REMOVED
            copy.add(ids[part][keep], self._index.index.reconstruct_n(start, len(part))[keep])
        copy.last_id = max(copy.last_id, self.last_id)
        return copy

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        """Add rows of `vectors` under the chunk ids `ids`."""
        if len(ids):
            self._index.add_with_ids(_rows(vectors), np.asarray(ids, dtype=np.int64))
            self.last_id = max(self.last_id, int(np.max(ids)))

    def remove(self, ids: np.ndarray) -> None:
        """Forget the given chunk ids."""
        if not len(ids):
            return
        if self.kind != "approximate":
            self._index.remove_ids(np.asarray(ids, dtype=np.int64))
            return
        held = faiss.vector_to_array(self._index.id_map)
        gone = np.isin(held, ids) & (held != REMOVED)
        if gone.any():
            held[gone] = REMOVED
            faiss.copy_array_to_vector(held, self._index.id_map)
            self._index.construct_rev_map()
            self._removed += int(gone.sum())

    def search(self, vector: np.ndarray, k: int, scope: Scope | None = None) -> list[tuple[int, float]]:
        """Return up to `k` (chunk id, cosine) pairs, best first; within `scope`, its chunks and
        those newer than it (the caller's reads leave out a newer chunk of another collection)."""
        if k <= 0 or len(self) == 0:
            return []
        if scope is not None and scope.everything:
            scope = None
        if scope is not None and self.kind == "approximate" and len(scope.ids) <= EXACT_WITHIN:
            return self._exact(vector, k, scope)  # a graph walk would find few of so few
        share = len(scope.ids) / max(1, len(self)) if scope is not None else 1.0
        if scope is not None and share >= OVERSAMPLE_FROM:  # most chunks are in: cheaper to search all
            hits = self.search(vector, min(int(k / share * 1.5) + 10, int(self._index.ntotal)))
            inside = [hit for hit, keep in zip(hits, _within(scope, [i for i, _ in hits])) if keep]
            if len(inside) >= k or len(hits) >= len(self):  # then these are the scope's best k
                return inside[:k]
        wanted = min(k + self._removed, int(self._index.ntotal))
        kept = _selector(scope) if scope is not None else None  # held until the search is done
        within = kept[0] if kept is not None else None
        if self.kind == "approximate":
            parameters = faiss.SearchParametersHNSW(efSearch=max(SEARCH_BREADTH, wanted), sel=within)
        else:
            parameters = faiss.SearchParameters(sel=within) if within is not None else None
        scores, ids = self._index.search(_rows(vector.reshape(1, -1)), wanted, params=parameters)
        return [(int(i), float(s)) for i, s in zip(ids[0], scores[0]) if i != -1][:k]

    def _exact(self, vector: np.ndarray, k: int, scope: Scope) -> list[tuple[int, float]]:
        newer = faiss.vector_to_array(self._index.id_map)
        ids = np.concatenate([scope.ids, newer[newer > scope.last_id]])
        cosines = self.cosines(ids.tolist(), vector)
        order = np.argsort(-cosines, kind="stable")[:k]
        return [(int(ids[i]), float(cosines[i])) for i in order if cosines[i] > -1.0]

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


def _within(scope: Scope, ids: list[int]) -> np.ndarray:
    """Which of these chunk ids a search within `scope` may return (newer ones too: see `search`)."""
    ids = np.asarray(ids, dtype=np.int64)
    at = np.minimum(np.searchsorted(scope.ids, ids), max(0, len(scope.ids) - 1))
    return (ids > scope.last_id) | ((scope.ids[at] == ids) if len(scope.ids) else False)


def _selector(scope: Scope) -> tuple:
    """The chunk ids a search may return: the scope's (a bitmap, built once per scope) and any
    newer than it; the selector first, then what it points into (FAISS keeps pointers, not the
    objects: whoever searches holds the whole tuple)."""
    if "faiss" not in scope.cache:
        bits = np.zeros(scope.last_id + 1, dtype=bool)
        bits[scope.ids] = True
        bitmap = np.packbits(bits, bitorder="little")
        inside = faiss.IDSelectorBitmap(len(bitmap), faiss.swig_ptr(bitmap))  # its size in bytes
        newer = faiss.IDSelectorRange(scope.last_id + 1, 2**62)
        scope.cache["faiss"] = (faiss.IDSelectorOr(inside, newer), inside, newer, bitmap)
    return scope.cache["faiss"]


def _rows(vectors: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray(vectors, dtype=np.float32)
