"""Which sentence of a chunk answers the question: features of each sentence, scored linearly
with weights fitted by `benchmarks/fit_confidence.py` (stored in confidence.json).

The sentence that repeats the question's words is not always the one that answers it: in news
and encyclopaedia text the answer often follows ("The summit was held in July. It took place in
Washington."), and a "how many" question is answered by a sentence with a number in it. So each
sentence is described by its own match, its neighbours' match, and whether it carries the kind
of thing the question asks for.
"""

import re
from collections.abc import Sequence

from ..text import terms

FEATURES = ("cosine", "coverage", "previous_coverage", "next_coverage", "previous_cosine",
            "next_cosine", "answer_type", "reader")

_NUMBER = re.compile(r"\d|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                     r"twenty|thirty|forty|fifty|hundred|thousand|million|billion|dozen|half)\b", re.I)
_DATE = re.compile(r"\b(?:1[0-9]{3}|20[0-9]{2})\b|\b(?:january|february|march|april|may|june|july|"
                   r"august|september|october|november|december|monday|tuesday|wednesday|thursday|"
                   r"friday|saturday|sunday|century|decade|year|years|ago|since|until|before|after)\b",
                   re.I)
_NAME = re.compile(r"(?<!^)(?<![.!?]\s)\b[A-Z][\w’'-]+")
_ASKS = (  # what a question asks for, by its opening words, and what in a sentence supplies it
    (re.compile(r"\bhow (?:many|much|long|old|far|large|big|high|tall|often)\b|\bwhat (?:percentage|"
                r"proportion|number|amount)\b", re.I), _NUMBER),
    (re.compile(r"\bwhen\b|\bwhat (?:year|date|day|month|time|century|decade)\b", re.I), _DATE),
    (re.compile(r"\bwho(?:m|se)?\b|\bwhere\b|\bwhich (?:company|country|city|team|person|group)\b",
                re.I), _NAME),
)


def asked_for(question: str) -> tuple[re.Pattern, set[str]] | None:
    """What kind of thing the question asks for (a pattern that finds it in a sentence), and the
    instances the question already names; None when it asks for no number, date or name."""
    for asks, supplies in _ASKS:
        if asks.search(question):
            return supplies, {m.group().lower() for m in supplies.finditer(question)}
    return None


def answer_type(asked: tuple[re.Pattern, set[str]] | None, sentence: str) -> float:
    """1 when the sentence holds what the question asks for (and does not already say), else 0."""
    if asked is None:
        return 0.0
    supplies, question_has = asked
    return float(any(m.group().lower() not in question_has for m in supplies.finditer(sentence)))


def features(question: str, weights: dict[str, float], texts: Sequence[str], keys: Sequence[set[str]],
             cosines: Sequence[float], readings: Sequence[float] | None = None) -> list[tuple[float, ...]]:
    """Describe each sentence of a chunk (in order) by FEATURES; `readings` are the reader's
    scores (index/models/reader.py), 0 for sentences it did not read."""
    coverage = [terms.coverage(weights, k) for k in keys]
    asked = asked_for(question)  # once per question, not once per sentence
    rows = []
    for i, text in enumerate(texts):
        previous, following = i - 1 >= 0, i + 1 < len(texts)
        rows.append((
            cosines[i], coverage[i],
            coverage[i - 1] if previous else 0.0, coverage[i + 1] if following else 0.0,
            cosines[i - 1] if previous else 0.0, cosines[i + 1] if following else 0.0,
            answer_type(asked, text), readings[i] if readings else 0.0,
        ))
    return rows


def score(row: tuple[float, ...], weights: Sequence[float]) -> float:
    """A sentence's answer score: higher is likelier to hold the answer."""
    return sum(w * x for w, x in zip(weights, row))
