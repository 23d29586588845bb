"""BM25 over chunks. This module alone talks to bm25s; it is rebuilt from the store when the index changes."""

import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import Stemmer

log = logging.getLogger(__name__)

_STEMMER = Stemmer.Stemmer("english")


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Lower-case, drop English stop words, stem: the same for chunks and questions."""
    return bm25s.tokenize(list(texts), stopwords="en", stemmer=_STEMMER, return_ids=False,
                          show_progress=False)


class LexicalIndex:
    """BM25 scores for every chunk, keyed by chunk id."""

    def __init__(self, retriever: bm25s.BM25 | None, ids: np.ndarray) -> None:
        self._retriever = retriever
        self.ids = ids
        self._df: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids)

    @classmethod
    def build(cls, ids: np.ndarray, texts: Sequence[str]) -> "LexicalIndex":
        """Index chunk texts under their chunk ids (kept in ascending order, for lookups)."""
        if not len(ids):
            return cls(None, np.zeros(0, dtype=np.int64))
        ids = np.asarray(ids, dtype=np.int64)
        order = np.argsort(ids, kind="stable")
        retriever = bm25s.BM25()
        retriever.index(tokenize([texts[i] for i in order]), show_progress=False)
        return cls(retriever, ids[order])

    def scores(self, question: str) -> np.ndarray:
        """Return the BM25 score of every chunk (aligned with `ids`) for a question."""
        if self._retriever is None:
            return np.zeros(0, dtype=np.float32)
        tokens = [t for t in tokenize([question])[0] if t in self._retriever.vocab_dict]
        if not tokens:
            return np.zeros(len(self.ids), dtype=np.float32)
        return self._retriever.get_scores(tokens)

    def idf(self, term: str) -> float:
        """Return a term's inverse document frequency (BM25's), highest for unseen terms."""
        total = len(self.ids)
        if self._retriever is None:
            return 1.0
        if self._df is None:
            indptr = np.asarray(self._retriever.scores["indptr"])
            self._df = np.diff(indptr)
        index = self._retriever.vocab_dict.get(term)
        df = int(self._df[index]) if index is not None else 0
        return float(np.log(1 + (total - df + 0.5) / (df + 0.5)))

    def search(self, question: str, k: int) -> list[tuple[int, float]]:
        """Return up to `k` (chunk id, BM25 score) pairs with a positive score, best first."""
        scores = self.scores(question)
        if not len(scores) or k <= 0:
            return []
        top = np.argsort(-scores, kind="stable")[:k]
        return [(int(self.ids[i]), float(scores[i])) for i in top if scores[i] > 0]

    def save(self, directory: Path) -> None:
        """Write atomically: build in a temporary folder, then rename it into place."""
        tmp = directory.with_name(directory.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        np.save(tmp / "ids.npy", self.ids)
        if self._retriever is not None:
            self._retriever.save(str(tmp / "bm25"), show_progress=False)
        shutil.rmtree(directory, ignore_errors=True)
        os.replace(tmp, directory)

    @classmethod
    def load(cls, directory: Path) -> "LexicalIndex":
        """Read an index written by `save`."""
        ids = np.load(directory / "ids.npy")
        retriever = bm25s.BM25.load(str(directory / "bm25"), show_progress=False) if len(ids) else None
        return cls(retriever, ids)
