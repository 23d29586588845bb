"""Which sentence of a chunk answers the question: features of each sentence, scored linearly
with weights fitted by `benchmarks/fit_confidence.py` (stored in confidence.json).

The sentence that repeats the question's words is not always the one that answers it: in news
and encyclopaedia text the answer often follows ("The summit was held in July. It took place in
Washington."), and a "how many" question is answered by a sentence with a number in it. So each
sentence is described by its own match, its neighbours' match, and whether it carries the kind
of thing the question asks for (index/ranking/asked.py).
"""

from collections.abc import Mapping, Sequence

from ..text import terms

FEATURES = ("cosine", "coverage", "previous_coverage", "next_coverage", "previous_cosine",
            "next_cosine", "answer_type", "reader")


def features(weights: Mapping[str, float], texts: Sequence[str], keys: Sequence[set[str]],
             cosines: Sequence[float], supplied: Sequence[bool | None], readings: Sequence[float] | None = None,
             ) -> list[tuple[float, ...]]:
    """Describe each sentence of a chunk (in order) by FEATURES, for a question whose words weigh
    `weights`; `supplied`: whether each holds the kind of answer asked (index/ranking/asked.py);
    `readings` are the reader's scores (index/models/reader.py), 0 for sentences it did not read."""
    coverage = [terms.coverage(weights, k) for k in keys]
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
