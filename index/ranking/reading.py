"""The reader's cascade: which of the top chunks' sentences the reader (index/models/reader.py)
reads, by what the cheap features have already decided. Reading is most of a question's cost.

The hits are first ranked and scored without the reader (the confidence has a path for it). When
that first hit is plainly not an answer, nothing is read; when it plainly is one, only its own
sentences are read, to choose the bold one and to score it; else the top chunks are read. A top
chunk whose hit would be shown as an answer unread is read in every case.
"""

from collections.abc import Sequence

from ..models.reader import Reader
from ..types import Span
from . import sentences as answer_sentences
from .confidence import Model

# Of each chunk read, only this many sentences, the ones the cheap features rank best (0: all).
# `python benchmarks/cascade.py`, tuning questions, 9 hits: reading 2 instead of all read 10
# sentences a question instead of 15 (88-91 ms of the reader instead of 127-130), answer
# sentence 0.832 / 0.689 instead of 0.837 / 0.689.
READ_PER_CHUNK = 2
# How many of the top chunks are read when the first hit is undecided (by the fused order).
# `python benchmarks/cascade.py --chunks 5,3,2`: reading 2 saves 60-70% of the reader's time with
# Recall@1 and the bold sentence within 0.006 on the tuning sets, but XQuAD's report half declines
# 0.746 instead of 0.765 at "all": all five (the reranking depth).
READ_CHUNKS = 5
# The first hit's confidence without the reader under which nothing is read ("not found" stands),
# and from which only its own chunk is read. `python benchmarks/decided.py` (questions with and
# without their passage, collections of 1, 10 and all): on the tuning sets the lowest values that
# keep every figure within 0.002 of reading every question; then 36% of questions read nothing,
# 40% one chunk, 24% five. Held out (XQuAD report, ESTER dev), every figure is that of reading
# every question, at every collection size.
NOTHING_BELOW = 0.05
FIRST_ONLY_FROM = 0.7


def chosen(confidence: float, first: int, depth: int, passing: Sequence[int] = ()) -> list[int]:
    """The positions of the chunks to read, given the confidence of the first hit ranked without
    the reader and its chunk's position `first` among the `depth` reranked ones. The chunks of
    `passing` (hits that would be shown as answers unread) are always read: the reader's score
    tells a quote worth showing from one that only shares the topic."""
    if NOTHING_BELOW <= confidence < FIRST_ONLY_FROM:
        return list(range(min(depth, READ_CHUNKS)))
    wanted = {first, *passing} if confidence >= FIRST_ONLY_FROM else set(passing)
    return sorted(position for position in wanted if position < depth)


def read(question: str, sentences: dict[int, list[Span]], unread: Sequence[list[tuple[float, ...]]],
         reader: Reader, scorer: Model) -> dict[int, list[float]]:
    """The reader's scores of the chunks' sentences (`sentences`, by position), 0 for those it
    skips: of each chunk, only the READ_PER_CHUNK sentences the cheap features (`unread`: cosine,
    shared words, neighbours, answer type) rank best are read; the others count as read at 0."""
    picked: dict[int, list[int]] = {}
    for position, spans in sentences.items():
        rows = unread[position]
        ranked = sorted(range(len(spans)), key=lambda i: -answer_sentences.score(rows[i], scorer.unread_weights))
        picked[position] = sorted(ranked[:READ_PER_CHUNK] if READ_PER_CHUNK else ranked)
    texts = [sentences[position][i].text for position, indices in picked.items() for i in indices]
    scores = iter(reader.score(question, texts).tolist() if texts else [])
    out = {}
    for position, indices in picked.items():
        row = [0.0] * len(sentences[position])
        for i in indices:
            row[i] = next(scores)
        out[position] = row
    return out
