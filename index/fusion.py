"""Hybrid candidates: dense cosine and BM25, fused by a weighted sum of normalised scores."""

import numpy as np

from .lexical import LexicalIndex
from .vectors import VectorIndex

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
    question: str, query: np.ndarray, vectors: VectorIndex, lexical: LexicalIndex,
    method: str = "fused", depth: int = DEPTH, weight: float = DENSE_WEIGHT,
) -> list[tuple[int, float, float]]:
    """Return (chunk id, cosine, ranking score) best first, by the given method.

    Work beyond BM25's own scoring is proportional to the candidates, not to the collection:
    the top `depth` BM25 scores are partitioned out, and dense candidates' BM25 scores looked up.
    """
    if method == "dense":
        return [(i, s, s) for i, s in vectors.search(query, depth)]
    bm25 = lexical.scores(question)
    top_bm25 = lexical.ids[top(bm25, depth)].tolist() if len(bm25) else []
    if method == "bm25":
        ids = [i for i, score in zip(top_bm25, _lookup(lexical.ids, bm25, top_bm25)) if score > 0]
        cosines = vectors.cosines(ids, query)
        return [(i, c, b) for i, c, b in zip(ids, cosines, _lookup(lexical.ids, bm25, ids))]
    ids = list(dict.fromkeys([i for i, _ in vectors.search(query, depth)] + top_bm25))
    cosines = vectors.cosines(ids, query)
    best = float(bm25.max()) if len(bm25) else 0.0
    fused = fuse(cosines, _lookup(lexical.ids, bm25, ids), best, weight)
    order = np.argsort(-fused, kind="stable")
    return [(ids[j], float(cosines[j]), float(fused[j])) for j in order]


def top(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the `k` highest scores, best first (ties: lower position first)."""
    if len(scores) > k > 0:
        kth = -np.partition(-scores, k - 1)[k - 1]
        above = np.flatnonzero(scores > kth)
        chosen = np.concatenate([above, np.flatnonzero(scores == kth)[: k - len(above)]])
    else:
        chosen = np.arange(len(scores))[: max(k, 0)]
    return chosen[np.lexsort((chosen, -scores[chosen]))]


def _lookup(ids: np.ndarray, scores: np.ndarray, wanted: list[int]) -> np.ndarray:
    """Scores of the wanted chunk ids (0 for ids BM25 does not hold); `ids` ascend."""
    if not len(ids) or not wanted:
        return np.zeros(len(wanted), dtype=np.float32)
    at = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
    return np.where(ids[at] == wanted, scores[at], 0.0).astype(np.float32)
