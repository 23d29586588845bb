"""A question read toward the language of the passages it is asked of (issue #22).

A multilingual model places a question nearer to passages in its own language than its meaning
alone would: part of its vector says which language it is in. Each language's centre in the
model's question space (the mean vector of its 1,000 most frequent words in wordfreq's lists,
embedded as questions by `benchmarks/language_centroids.py`, stored beside this file for each
model that has one) measures that part; a question asked of passages in another language is
also searched as its vector less STRENGTH x (its language's centre - theirs).

The kind of question it is tuned for, not a language: XQuAD's tuning half, questions in seven
languages on the English paragraphs, hybrid Recall@1 by STRENGTH 0 / 0.5 / 0.75 / 1 (docs/measured.md,
"Every language"); a language without a wordfreq list, or a model without a file, is searched
as asked.
"""

import functools
from collections.abc import Iterable
from pathlib import Path

import numpy as np

STRENGTH = 0.5


def centres_file(model: str) -> Path:
    """Where a model's language centres are kept."""
    return Path(__file__).with_name(f"centroids.{model}.npz")


@functools.cache
def centres(model: str) -> dict[str, np.ndarray]:
    """A model's language centres, read once; empty when it has none (the English default)."""
    path = centres_file(model)
    if not path.exists():
        return {}
    with np.load(path) as data:
        return dict(zip(data["languages"].tolist(), data["centres"]))


def readings(query: np.ndarray, model: str, asked: str, written: Iterable[str]) -> np.ndarray:
    """The question's vector as asked (row 0), then moved toward each other language of `written`
    (the passages'), one row each, of unit length; only row 0 when there is nothing to move."""
    known = centres(model)
    others = sorted({language for language in written if language != asked and language in known}
                    if asked in known else ())
    if not others:
        return query[None, :]
    moved = np.stack([query - STRENGTH * (known[asked] - known[language]) for language in others])
    moved /= np.linalg.norm(moved, axis=1, keepdims=True)
    return np.vstack([query[None, :], moved.astype(query.dtype)])
