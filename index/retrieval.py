"""From a question to hits: hybrid candidates, then the sentence in each chunk that answers."""

import re
from collections.abc import Sequence

import numpy as np

from .chunking import split_sentences
from .embedding import Embedder
from .fusion import DEPTH, candidates
from .lexical import LexicalIndex
from .store import Store, StoredChunk
from .types import Answer, DocumentInfo, Hit, Span
from .vectors import VectorIndex

# Cosine below which the best chunk is taken not to answer; measured on XQuAD with
# benchmarks/threshold.py (answerable vs. the same questions with their paragraph removed).
DEFAULT_THRESHOLD = 0.35
# How much a sentence's share of the question's words adds to its cosine when picking the
# answering sentence; questions often reuse the answer's own words.
LEXICAL_WEIGHT = 0.5
SPARE = 2  # extra chunks fetched, so hits that repeat an answer can be dropped
# Chunks whose sentences are embedded to find the answer and rerank; deeper hits (later pages)
# pick their sentence by shared words alone. Embedding sentences is most of a query's cost.
RERANK_DEPTH = 5

_WORD = re.compile(r"\w+")
_STOPWORDS = frozenset(
    "a an and are as at be by did do does for from had has have how in is it its of on or "
    "that the their this to was were what when where which who whom whose why will with "
    "about after before into than then there these they those many much".split()
)


def search(question: str, k: int, threshold: float, **parts) -> Answer:
    """Return the best `k` hits; `found` is False when even the best is below `threshold`."""
    question = question.strip()
    hits = rank(question, k, **parts)
    passing = [hit for hit in hits if hit.score >= threshold]
    if passing:
        return Answer(question, True, tuple(passing[:k]))
    return Answer(question, False, tuple(hits[:1]))


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
    return _pick_answers(question, query, embedder, ranked, rerank=method == "hybrid")[:k]


def rank_within(question: str, embedder: Embedder, store: Store, chunk_ids: list[int]) -> list[Hit]:
    """Rank only the given chunks (exactly, by brute force): is a new document on a topic?"""
    if not question.strip() or not chunk_ids:
        return []
    query = embedder.embed([question])[0]
    chunks = store.chunks(chunk_ids)
    ids = [i for i in chunk_ids if i in chunks]
    matrix = store.chunk_vectors(ids)
    order = np.argsort(-(matrix @ query), kind="stable")
    ranked = [(chunks[ids[i]], float(matrix[i] @ query), float(matrix[i] @ query)) for i in order]
    return _pick_answers(question, query, embedder, ranked)


def _pick_answers(
    question: str, query: np.ndarray, embedder: Embedder,
    ranked: list[tuple[StoredChunk, float, float]], rerank: bool = True,
) -> list[Hit]:
    """Choose each chunk's answering sentence, drop hits that repeat one already chosen, and
    (with `rerank`) reorder the top chunks by ranking score + best sentence score."""
    sentences = [_sentences(chunk) for chunk, *_ in ranked]
    flat = [span.text for spans in sentences[:RERANK_DEPTH] for span in spans]
    lexical = [span.text for spans in sentences[RERANK_DEPTH:] for span in spans]
    scores = iter(sentence_scores(question, query, flat, embedder)
                  + [LEXICAL_WEIGHT * overlap for overlap in word_overlap(question, lexical)])
    scored: list[tuple[bool, float, Hit]] = []
    seen: set[tuple[str, int, int]] = set()
    for position, ((chunk, cosine, key), spans) in enumerate(zip(ranked, sentences)):
        best_score, best = max(((next(scores), span) for span in spans), key=lambda pair: pair[0])
        answer_key = (chunk.document.id, best.start, best.end)
        if answer_key in seen:
            continue
        seen.add(answer_key)
        doc = chunk.document
        info = DocumentInfo(doc.id, doc.title, doc.source, doc.published, 0)
        quote = Span(doc.text[chunk.start : chunk.end], chunk.start, chunk.end)
        # A chunk whose best sentence answers well outranks one that is only broadly similar.
        order = key + best_score if rerank and position < RERANK_DEPTH else key
        scored.append((position >= RERANK_DEPTH, -order, Hit(info, chunk.id, quote, best, cosine)))
    scored.sort(key=lambda row: row[:2])
    return [hit for *_, hit in scored]


def _sentences(chunk: StoredChunk) -> list[Span]:
    text = chunk.document.text[chunk.start : chunk.end]
    spans = [
        Span(text[s:e], chunk.start + s, chunk.start + e) for s, e in split_sentences(text)
    ]
    return spans or [Span(text, chunk.start, chunk.end)]


def sentence_scores(
    question: str, query: np.ndarray, sentences: Sequence[str], embedder: Embedder
) -> list[float]:
    """Score sentences as answers: cosine to the question plus shared content words."""
    if not sentences:
        return []
    cosines = embedder.embed(list(sentences)) @ query
    overlaps = word_overlap(question, sentences)
    return [float(c) + LEXICAL_WEIGHT * o for c, o in zip(cosines, overlaps)]


def word_overlap(question: str, sentences: Sequence[str]) -> list[float]:
    """Return the share of the question's content words found in each sentence, in [0, 1]."""
    wanted = _content_words(question)
    if not wanted:
        return [0.0] * len(sentences)
    return [len(wanted & _content_words(sentence)) / len(wanted) for sentence in sentences]


def _content_words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and len(w) > 1}
