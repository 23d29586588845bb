"""Which sentence of a chunk answers the question: features of each sentence, scored linearly
with weights fitted by `benchmarks/fit_confidence.py` (stored in confidence.json).

The sentence that repeats the question's words is not always the one that answers it: in news
and encyclopaedia text the answer often follows ("The summit was held in July. It took place in
Washington."), and a "how many" question is answered by a sentence with a number in it. So each
sentence is described by its own match, its neighbours' match, and whether it carries the kind
of thing the question asks for (index/ranking/asked.py).
"""

from collections.abc import Sequence

from ..text import terms
from . import asked

FEATURES = ("cosine", "coverage", "previous_coverage", "next_coverage", "previous_cosine",
            "next_cosine", "answer_type", "reader")


def features(question: str, weights: dict[str, float], texts: Sequence[str], keys: Sequence[set[str]],
             cosines: Sequence[float], readings: Sequence[float] | None = None,
             supplied: Sequence[bool | None] | None = None) -> list[tuple[float, ...]]:
    """Describe each sentence of a chunk (in order) by FEATURES; `readings` are the reader's
    scores (index/models/reader.py), 0 for sentences it did not read; `supplied` whether each
    holds the kind of answer asked (index/ranking/asked.py; found by patterns when not given)."""
    coverage = [terms.coverage(weights, k) for k in keys]
    if supplied is None:
        kind = asked.kind_of(question)
        supplied = [asked.supplies(kind, question, text, 0, None) for text in texts]
    rows = []
    for i, text in enumerate(texts):
        previous, following = i - 1 >= 0, i + 1 < len(texts)
        rows.append((
            cosines[i], coverage[i],
            coverage[i - 1] if previous else 0.0, coverage[i + 1] if following else 0.0,
            cosines[i - 1] if previous else 0.0, cosines[i + 1] if following else 0.0,
            float(bool(supplied[i])), readings[i] if readings else 0.0,
        ))
    return rows


def score(row: tuple[float, ...], weights: Sequence[float]) -> float:
    """A sentence's answer score: higher is likelier to hold the answer."""
    return sum(w * x for w, x in zip(weights, row))
