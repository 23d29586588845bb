"""From a question to hits: hybrid candidates, the answering sentence, and a calibrated confidence."""

import numpy as np

from .chunking import split_sentences
from .embedding import Embedder
from .fusion import DEPTH, candidates
from .lexical import LexicalIndex, tokenize
from .store import Store, StoredChunk
from .types import Answer, DocumentInfo, Hit, Span
from .vectors import VectorIndex

# Tuned on half of XQuAD's questions, reported on the other half (`verbatim eval squad`):
# Confidence that a chunk answers = 0.3 x its cosine + 0.7 x the IDF-weighted share of the
# question's terms it contains. Cosine alone said "not found" for 38% of questions whose paragraph
# was removed (at 95% of answerable ones answered); this confidence does so for about 75%.
CONFIDENCE_COSINE = 0.3
DEFAULT_THRESHOLD = 0.37
# The answering sentence: its cosine to the question + this x its share of the question's terms.
COVERAGE_WEIGHT = 1.0
# Reranking: a top chunk's order is its fused score + this x its best sentence's score.
RERANK_WEIGHT = 0.5
SPARE = 2  # extra chunks fetched, so hits that repeat an answer can be dropped
# Chunks whose sentences are embedded to pick the answer and rerank; deeper hits (later pages)
# pick their sentence by shared terms alone. Embedding sentences is most of a query's cost.
RERANK_DEPTH = 5


def search(question: str, k: int, threshold: float, **parts) -> Answer:
    """Return the best `k` hits; `found` is False when even the best is below `threshold`."""
    question = question.strip()
    hits = rank(question, k, **parts)
    passing = [hit for hit in hits if hit.score >= threshold]
    if passing:
        return Answer(question, True, tuple(passing[:k]))
    return Answer(question, False, tuple(sorted(hits, key=lambda h: -h.score)[:1]))


def rank(
    question: str, k: int, embedder: Embedder, vectors: VectorIndex, lexical: LexicalIndex,
    store: Store, method: str = "hybrid",
) -> list[Hit]:
    """Return up to `k` hits best first, each with its answering sentence, with no threshold.

    `method` is "hybrid" (fused, then the top chunks reranked by their best sentence), "fused",
    "dense" or "bm25"; the last three are there to measure what each part adds.
    """
    if not question.strip() or k <= 0:
        return []
    query = embedder.embed([question])[0]
    found = candidates(question, query, vectors, lexical, "fused" if method == "hybrid" else method,
                       depth=max(DEPTH, k + SPARE))[: k + SPARE]
    chunks = store.chunks([chunk_id for chunk_id, *_ in found])
    ranked = [(chunks[i], cosine, key) for i, cosine, key in found if i in chunks]
    return _pick_answers(question, query, embedder, lexical, ranked, rerank=method == "hybrid")[:k]


def rank_within(
    question: str, embedder: Embedder, lexical: LexicalIndex, store: Store, chunk_ids: list[int]
) -> list[Hit]:
    """Rank only the given chunks (exactly, by brute force): is a new document on a topic?"""
    if not question.strip() or not chunk_ids:
        return []
    query = embedder.embed([question])[0]
    chunks = store.chunks(chunk_ids)
    ids = [i for i in chunk_ids if i in chunks]
    cosines = store.chunk_vectors(ids) @ query
    order = np.argsort(-cosines, kind="stable")
    ranked = [(chunks[ids[i]], float(cosines[i]), float(cosines[i])) for i in order]
    return _pick_answers(question, query, embedder, lexical, ranked)


def _pick_answers(
    question: str, query: np.ndarray, embedder: Embedder, lexical: LexicalIndex,
    ranked: list[tuple[StoredChunk, float, float]], rerank: bool = True,
) -> list[Hit]:
    """Choose each chunk's answering sentence, score its confidence, drop hits that repeat an
    answer already chosen, and (with `rerank`) reorder the top chunks by their best sentence."""
    sentences = [_sentences(chunk) for chunk, *_ in ranked]
    flat = [span for spans in sentences for span in spans]
    tokens = iter(tokenize([span.text for span in flat]) if flat else [])
    depth = RERANK_DEPTH if rerank else 0  # without reranking, no sentence is embedded at all
    embedded = [span.text for spans in sentences[:depth] for span in spans]
    cosines = iter((embedder.embed(embedded) @ query).tolist() if embedded else [])
    weights = question_terms(question, lexical)
    scored: list[tuple[bool, float, Hit]] = []
    seen: set[tuple[str, int, int]] = set()
    for position, ((chunk, cosine, key), spans) in enumerate(zip(ranked, sentences)):
        words = [set(next(tokens)) for _ in spans]
        best_score, best = max(
            ((coverage(weights, w) * COVERAGE_WEIGHT + (next(cosines) if position < depth else 0.0), span)
             for w, span in zip(words, spans)), key=lambda pair: pair[0])
        answer_key = (chunk.document.id, best.start, best.end)
        if answer_key in seen:
            continue
        seen.add(answer_key)
        confidence = CONFIDENCE_COSINE * cosine + (1 - CONFIDENCE_COSINE) * coverage(weights, set().union(*words))
        doc = chunk.document
        info = DocumentInfo(doc.id, doc.title, doc.source, doc.published, 0)
        quote = Span(doc.text[chunk.start : chunk.end], chunk.start, chunk.end)
        # A chunk whose best sentence answers well outranks one that is only broadly similar.
        order = key + RERANK_WEIGHT * best_score if position < depth else key
        scored.append((position >= depth, -order, Hit(info, chunk.id, quote, best, confidence)))
    scored.sort(key=lambda row: row[:2])
    return [hit for *_, hit in scored]


def _sentences(chunk: StoredChunk) -> list[Span]:
    text = chunk.document.text[chunk.start : chunk.end]
    spans = [Span(text[s:e], chunk.start + s, chunk.start + e) for s, e in split_sentences(text)]
    return spans or [Span(text, chunk.start, chunk.end)]


def question_terms(question: str, lexical: LexicalIndex) -> dict[str, float]:
    """Weigh the question's terms (stemmed, no stop words) by their IDF in the collection."""
    terms = set(tokenize([question])[0])
    return {term: lexical.idf(term) for term in terms}


def coverage(weights: dict[str, float], words: set[str]) -> float:
    """Return the IDF-weighted share of the question's terms found in `words`, in [0, 1]."""
    total = sum(weights.values())
    return sum(w for term, w in weights.items() if term in words) / total if total else 0.0
