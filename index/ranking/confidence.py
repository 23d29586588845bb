"""How sure we are that a hit answers the question: a few signals, combined by small boosted
trees fitted by `benchmarks/fit_confidence.py` and stored in `confidence.json` beside this file.

Every signal is on a scale that does not depend on the collection's size (no BM25 score, no
collection IDF, no rank among other hits), so one threshold holds from one document to many.
"""

import functools
import json
import math
from dataclasses import astuple, dataclass, fields
from pathlib import Path

from . import sentences

MODEL_FILE = Path(__file__).with_name("confidence.json")  # fitted with the default model's signals


@dataclass(frozen=True)
class Signals:
    """What a hit has going for it, each roughly in [0, 1]."""

    cosine: float  # question vs the chunk (with its title), embedded
    sentence_cosine: float  # question vs the chunk's closest sentence (the chunk's cosine when not embedded)
    coverage: float  # weighted share of the question's words found in the chunk or its title
    sentence_coverage: float  # ... found in one sentence of the chunk, at best
    missing: float  # weight share of the most telling question word found nowhere in the chunk
    phrases: float  # share of the question's consecutive word pairs that the chunk has together
    reader: float = math.nan  # the reader's best sentence score (index/models/reader.py); NaN: not read

    def vector(self) -> tuple[float, ...]:
        """Return the signals in the order `confidence.json` lists them."""
        return astuple(self)


NAMES = tuple(f.name for f in fields(Signals))


# One tree node: (signal index, cut, left child, right child, value, a missing signal goes left);
# a leaf has signal index -1.
Node = tuple[int, float, int, int, float, bool]


@dataclass(frozen=True)
class Model:
    """Boosted trees over the signals (monotonic: more match never lowers the confidence);
    `threshold` is the default "not found" cut; `sentence_weights` score each sentence's features
    (index/ranking/sentences.py) to pick the answer; `unread_weights` do it for sentences the reader did
    not read (reader off, or a hit below the top five)."""

    trees: tuple[tuple[Node, ...], ...]
    baseline: float
    threshold: float
    sentence_weights: tuple[float, ...]
    unread_weights: tuple[float, ...]

    def confidence(self, signals: Signals) -> float:
        """Return the probability-like confidence in [0, 1] that the hit answers."""
        x = signals.vector()
        raw = self.baseline
        for nodes in self.trees:
            i = 0
            while nodes[i][0] >= 0:
                feature, cut, left, right, _, missing_left = nodes[i]
                value = x[feature]
                i = left if (missing_left if math.isnan(value) else value <= cut) else right
            raw += nodes[i][4]
        return 1.0 / (1.0 + math.exp(-max(-50.0, min(50.0, raw))))

    @classmethod
    def load(cls, path: Path = MODEL_FILE) -> "Model":
        """Read a fitted model; the signals it names must be the ones computed here."""
        data = json.loads(path.read_text(encoding="utf-8"))
        if tuple(data["signals"]) != NAMES or tuple(data["sentence_features"]) != sentences.FEATURES:
            raise ValueError(f"{path} was fitted on other signals than index/ computes; refit it")
        trees = tuple(tuple((int(f), float(c), int(l), int(r), float(v), bool(m)) for f, c, l, r, v, m in tree)
                      for tree in data["trees"])
        return cls(trees, float(data["baseline"]), float(data["threshold"]),
                   tuple(float(w) for w in data["sentence_weights"]),
                   tuple(float(w) for w in data["unread_weights"]))

    def save(self, path: Path = MODEL_FILE, **about) -> None:
        """Write the model with a note of how it was fitted."""
        data = {**about, "signals": list(NAMES), "threshold": round(self.threshold, 4),
                "sentence_features": list(sentences.FEATURES),
                "sentence_weights": [round(w, 6) for w in self.sentence_weights],
                "unread_weights": [round(w, 6) for w in self.unread_weights],
                "baseline": self.baseline, "trees": [[[*node[:5], int(node[5])] for node in tree] for tree in self.trees]}
        path.write_text(json.dumps(data, separators=(",", ":")) + "\n", encoding="utf-8")


def model_file(embedding_model: str | None = None) -> Path:
    """Where the confidence fitted on an embedding model's signals is: its own file
    (`confidence.<model>.json`: another model's cosines sit on another scale) or the default's."""
    own = MODEL_FILE.with_name(f"confidence.{embedding_model}.json")
    return own if embedding_model and own.exists() else MODEL_FILE


@functools.cache
def fitted(embedding_model: str | None = None) -> Model:
    """The shipped confidence for an embedding model (`model_file`), read once, on first use."""
    return Model.load(model_file(embedding_model))
