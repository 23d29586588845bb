"""The stored confidence model: trees evaluated as fitted, monotonic, one threshold."""

import dataclasses
import math

import pytest

from index.ranking.confidence import NAMES, Model, Signals


def test_trees_are_evaluated_as_written():
    # baseline 0.5; tree 1 splits on coverage at 0.4; tree 2 is a single leaf.
    # baseline 0.5; tree 1 splits on coverage at 0.4; tree 2 on the reader at 0.5, a missing
    # reading going right; tree 3 is a single leaf.
    tree = ((NAMES.index("coverage"), 0.4, 1, 2, 0.0, True), (-1, 0.0, 0, 0, -1.0, False),
            (-1, 0.0, 0, 0, 2.0, False))
    read = ((NAMES.index("reader"), 0.5, 1, 2, 0.0, False), (-1, 0.0, 0, 0, -0.5, False),
            (-1, 0.0, 0, 0, 0.5, False))
    model = Model((tree, read, ((-1, 0.0, 0, 0, 0.25, False),)), 0.5, 0.5, (), ())
    low = Signals(0.9, 0.9, 0.3, 0.3, 0.0, 0.0, reader=0.2)
    high = dataclasses.replace(low, coverage=0.41)
    unread = dataclasses.replace(low, reader=math.nan)
    assert model.confidence(low) == pytest.approx(1 / (1 + math.exp(-(0.5 - 1.0 - 0.5 + 0.25))))
    assert model.confidence(high) == pytest.approx(1 / (1 + math.exp(-(0.5 + 2.0 - 0.5 + 0.25))))
    assert model.confidence(unread) == pytest.approx(1 / (1 + math.exp(-(0.5 - 1.0 + 0.5 + 0.25))))


def test_the_shipped_model_never_trusts_a_better_match_less():
    model = Model.load()
    assert 0 < model.threshold < 1 and model.trees
    for reader in (0.5, math.nan):  # read, or too deep in the list to be read
        base = Signals(0.4, 0.45, 0.5, 0.4, 0.2, 0.2, reader)
        for name, direction in [("cosine", 1), ("sentence_cosine", 1), ("coverage", 1),
                                ("sentence_coverage", 1), ("phrases", 1), ("missing", -1), ("reader", 1)]:
            if name == "reader" and math.isnan(reader):
                continue
            scores = [model.confidence(dataclasses.replace(base, **{name: v / 10})) for v in range(11)]
            assert all(0 <= s <= 1 for s in scores)
            steps = [b - a for a, b in zip(scores, scores[1:])]
            assert all(direction * step >= -1e-12 for step in steps), (name, reader, scores)
    # A passage that holds every word of the question and means the same clears the bar;
    # one that shares nothing with it does not.
    for reader in (math.nan, 0.9):
        assert model.confidence(Signals(0.8, 0.8, 1.0, 1.0, 0.0, 1.0, reader)) >= model.threshold
    for reader in (math.nan, 0.01):
        assert model.confidence(Signals(0.05, 0.05, 0.0, 0.0, 0.5, 0.0, reader)) < model.threshold
