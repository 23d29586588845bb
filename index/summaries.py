"""Extractive summaries of one document and digests of many: only sentences quoted verbatim."""

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from .text.chunking import split_sentences
from .text.languages import UNSPACED
from .types import DocumentInfo, Span

MAX_SENTENCES = 3
CANDIDATES = 25  # sentences considered: news puts what matters first, and embedding them costs
# Tuned on the even-numbered articles of shared/eval/news_summaries (benchmarks/summaries.py):
LEAD_WEIGHT = 1.5  # news puts the story first: bonus for the first sentence ...
LEAD_DECAY = 2.0  # ... falling off by e every two sentences
LEXICAL_SHARE = 0.5  # centrality: half embedding (meaning), half shared words (names, numbers)
REDUNDANCY = 0.6  # how strongly a sentence similar to one already chosen is held back
REPEAT = 0.95  # sentences this similar say the same thing
DUPLICATE_SIMILARITY = 0.75  # real model: a rewrite of a story ~0.81, same topic but another story ~0.5
# Words; in scripts written without spaces, pairs of characters (about a word each).
_WORDS = re.compile(f"[{UNSPACED}]{{1,2}}|[^\\W{UNSPACED}]+")
_ENDS = (".", "!", "?", '"', "”", "’", "'", ")", "。", "！", "？", "؟", "।", "॥", "۔", "」", "»")
_STOPWORDS = frozenset(
    "the a an and of to in on for is was were be by with as at that this it its from he she they "
    "his her their has have had not but or are will said".split()
)


@dataclass(frozen=True)
class Summary:
    """A document's summary: a few of its own sentences, in document order."""

    document: DocumentInfo
    sentences: tuple[Span, ...]


@dataclass(frozen=True)
class DigestItem:
    """One story in a digest: its summary and every document that carried it."""

    summary: Summary
    sources: tuple[DocumentInfo, ...]


def candidate_sentences(text: str) -> list[tuple[int, int]]:
    """Return the sentences a summary may use: early ones of a reasonable length."""
    spans = split_sentences(text)
    good = [(s, e) for s, e in spans if _is_prose(text[s:e])]
    return (good or spans)[:CANDIDATES]


def _is_prose(sentence: str) -> bool:
    """Skip headings, bylines and run-ons: a summary sentence reads as a sentence."""
    words = len(_WORDS.findall(sentence))
    ends_like_a_sentence = sentence.rstrip().endswith(_ENDS)
    return 5 <= words <= 70 and (ends_like_a_sentence or words >= 12)


def summarize(
    text: str, spans: Sequence[tuple[int, int]], vectors: np.ndarray, limit: int = MAX_SENTENCES
) -> list[tuple[int, int]]:
    """Pick up to `limit` central, non-redundant sentences, favouring the lead.

    Args:
        spans: candidate sentences of `text`, in document order.
        vectors: one normalised embedding row per span.
    """
    if not len(spans):
        return []
    centroid = vectors.mean(axis=0)
    centroid /= np.linalg.norm(centroid) or 1.0
    position = np.arange(len(spans))
    relevance = ((1 - LEXICAL_SHARE) * (vectors @ centroid)
                 + LEXICAL_SHARE * _word_centrality(text, spans)
                 + LEAD_WEIGHT * np.exp(-position / LEAD_DECAY))
    chosen: list[int] = []
    while len(chosen) < min(limit, len(spans)):
        penalty = (vectors @ vectors[chosen].T).max(axis=1) if chosen else np.zeros(len(spans))
        score = relevance - REDUNDANCY * penalty
        score[penalty > REPEAT] = -np.inf  # a sentence said twice (captions, pull quotes) counts once
        score[chosen] = -np.inf
        if not np.isfinite(score).any():
            break
        chosen.append(int(np.argmax(score)))
    return [tuple(spans[i]) for i in sorted(chosen)]


def _word_centrality(text: str, spans: Sequence[tuple[int, int]]) -> np.ndarray:
    """Score sentences by how many of their words recur in other sentences, scaled to [0, 1]."""
    words = [{w for w in _WORDS.findall(text[s:e].lower()) if w not in _STOPWORDS} for s, e in spans]
    frequency: dict[str, int] = {}
    for sentence in words:
        for word in sentence:
            frequency[word] = frequency.get(word, 0) + 1
    scores = np.array([sum(frequency[w] - 1 for w in sentence) / (len(sentence) ** 0.5 or 1.0)
                       for sentence in words])
    return scores / (scores.max() or 1.0)


def lead(text: str, count: int = 3) -> list[tuple[int, int]]:
    """Return the first `count` sentences: the baseline every news summariser must beat."""
    return split_sentences(text)[:count]


def group_duplicates(vectors: np.ndarray, threshold: float = DUPLICATE_SIMILARITY) -> list[list[int]]:
    """Group rows whose cosine similarity reaches `threshold` (transitively), keeping row order."""
    parent = list(range(len(vectors)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    if len(vectors):
        similar = vectors @ vectors.T >= threshold
        for i, j in zip(*np.nonzero(np.triu(similar, k=1))):
            parent[root(int(j))] = root(int(i))
    groups: dict[int, list[int]] = {}
    for i in range(len(vectors)):
        groups.setdefault(root(i), []).append(i)
    return list(groups.values())


def build_digest(
    documents: Sequence[DocumentInfo],
    vectors: np.ndarray,
    summary_of: Callable[[DocumentInfo], Summary],
    threshold: float = DUPLICATE_SIMILARITY,
) -> list[DigestItem]:
    """Merge near-duplicate stories and order them: most sources first, then newest.

    Args:
        documents: newest first.
        vectors: one normalised document vector per document.
    """
    items = []
    for group in group_duplicates(vectors, threshold):
        members = [documents[i] for i in group]
        items.append(DigestItem(summary_of(members[0]), tuple(members)))
    items.sort(key=lambda item: -len(item.sources))  # stable: newest first within a size
    return items
