"""Hybrid candidates: dense cosine and BM25, fused by a weighted sum of normalised scores."""

import numpy as np

from ..storage.base import DenseSearch, LexicalSearch

METHODS = ("hybrid", "fused", "dense", "bm25")
# Weight of the cosine in the fused score; the rest goes to BM25 divided by the question's best
# BM25 score. Tuned on SciFact train queries and half of XQuAD (benchmarks/fusion.py).
DENSE_WEIGHT = 0.7
DEPTH = 100  # candidates taken from each method before fusing


def fuse(cosines: np.ndarray, bm25: np.ndarray, best_bm25: float, weight: float = DENSE_WEIGHT) -> np.ndarray:
    """Combine scores: weight x cosine + (1 - weight) x BM25 / the best BM25 score for the question.

    Dividing by the best BM25 score puts BM25 on the cosine's scale for every question, where raw
    BM25 grows with the question's length and rare words; reciprocal-rank fusion would throw the
    score gaps away, which is what loses to BM25 on questions that reuse the passage's words.
    """
    lexical = bm25 / best_bm25 if best_bm25 > 0 else np.zeros_like(bm25)
    return weight * cosines + (1 - weight) * lexical


def candidates(
    question: str, query: np.ndarray, vectors: DenseSearch, lexical: LexicalSearch,
    method: str = "fused", depth: int = DEPTH, weight: float = DENSE_WEIGHT, language: str | None = None,
) -> list[tuple[int, float, float]]:
    """Return (chunk id, cosine, ranking score) best first, by the given method.

    `query` is the question's vector, or several readings of it, one per row
    (index/models/centroids.py): a chunk's cosine is then its best. Reads only the top `depth`
    of each method and reading, the BM25 scores of the dense candidates and the cosines of the
    BM25 ones: the same for the embedded index and an engine (index/storage/milvus/search.py).
    BM25 reads `question` in `language` ("": every language's chunks; None: detect it).
    """
    queries = np.atleast_2d(query)
    if method == "dense" and len(queries) == 1:
        return [(i, s, s) for i, s in vectors.search(queries[0], depth)]
    if method == "dense":
        ids = _nearest(vectors, queries, depth)
        cosines = _best(vectors, ids, queries)
        order = np.argsort(-cosines, kind="stable")[:depth]
        return [(ids[j], float(cosines[j]), float(cosines[j])) for j in order]
    dense = [] if method == "bm25" else _nearest(vectors, queries, depth)
    best, bm25 = lexical.scored(question, depth, dense, language=language)
    if method == "bm25":
        ids = [i for i in best if bm25[i] > 0]
        return [(i, float(c), bm25[i]) for i, c in zip(ids, _best(vectors, ids, queries))]
    ids = list(dict.fromkeys(dense + best))
    cosines = _best(vectors, ids, queries)
    fused = fuse(cosines, np.array([bm25[i] for i in ids], dtype=np.float32), bm25[best[0]] if best else 0.0, weight)
    order = np.argsort(-fused, kind="stable")
    return [(ids[j], float(cosines[j]), float(fused[j])) for j in order]


def _nearest(vectors: DenseSearch, queries: np.ndarray, depth: int) -> list[int]:
    """The top `depth` chunks of each reading of the question, each once, in the order found."""
    return list(dict.fromkeys(i for row in queries for i, _ in vectors.search(row, depth)))


def _best(vectors: DenseSearch, ids: list[int], queries: np.ndarray) -> np.ndarray:
    """Each chunk's cosine to the reading of the question that suits it best."""
    if not ids:
        return np.zeros(0, dtype=np.float32)
    return np.max([vectors.cosines(ids, row) for row in queries], axis=0)
