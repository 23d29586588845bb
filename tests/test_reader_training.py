"""The reader's training step (benchmarks/train_reader.py) learns: a few steps on a tiny sample
lower its loss on that sample, and a student trained on fewer layers loads back as one."""

import sys

import pytest
import torch

from tests.conftest import ROOT

pytestmark = pytest.mark.slow
sys.path.insert(0, str(ROOT / "benchmarks"))

GROUPS = [  # question, sentences, which hold the answer; one group has none (an unanswerable)
    ("How many members does the alliance have?",
     ["The alliance was founded in 1949.", "It now has 32 members.", "Its headquarters are in Brussels."],
     [0.0, 1.0, 0.0]),
    ("Where are the headquarters of the alliance?",
     ["The alliance was founded in 1949.", "It now has 32 members.", "Its headquarters are in Brussels."],
     [0.0, 0.0, 1.0]),
    ("When did the telegraph cable cross the Atlantic?",
     ["Bees make honey from nectar.", "The cable crossed the Atlantic in 1866.", "Otters hold hands."],
     [0.0, 1.0, 0.0]),
    ("How many troops will be sent?",
     ["The alliance was founded in 1949.", "Its headquarters are in Brussels."], [0.0, 0.0]),
]


def test_a_few_training_steps_lower_the_loss_and_a_student_loads_back(tmp_path):
    from train_reader import _loss, save, train

    from index.models.reader import Reader

    bce = torch.nn.BCEWithLogitsLoss()
    before = train(list(GROUPS), epochs=0, layers=2)  # the untrained student, seeded
    with torch.no_grad():
        start = _loss(before, GROUPS, bce).item()
    trained = train(list(GROUPS), epochs=30, layers=2, checkpoint=tmp_path / "ck", save_every=10)
    with torch.no_grad():
        end = _loss(trained, GROUPS, bce).item()
    assert end < start * 0.9, (start, end)
    assert (tmp_path / "ck" / "state.pt").exists()

    save(trained, tmp_path / "student.safetensors", "test")
    loaded = Reader(weights=tmp_path / "student.safetensors")
    assert len(loaded.encoder.encoder.layer) == 2
    scores = loaded.score(GROUPS[2][0], GROUPS[2][1])
    assert scores.argmax() == 1  # it learned where the cable answer is
