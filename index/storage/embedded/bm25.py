"""BM25 over chunks, in segments: a base built by bm25s over every chunk at one generation, and
the chunks added since scored here with the same formula, so that a change costs what it adds.
This module alone talks to bm25s."""

import json
import logging
import math
import os
import shutil
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np
import scipy.sparse

from ...text.languages import DEFAULT, analyzer, detect
from ...text.tokens import B, K1, VERSION, analysed

log = logging.getLogger(__name__)



def idf(df: np.ndarray | float, n: int) -> np.ndarray | float:
    """Lucene's inverse document frequency, as bm25s computes it."""
    return np.log(1 + (n - df + 0.5) / (df + 0.5))


class _Recent:
    """The chunks added since the base, as term counts; scored with the base's statistics
    joined to their own, the way a search engine scores a new segment before merging it."""

    def __init__(self, ids: np.ndarray, tokens: list[list[str]], languages: list[str]) -> None:
        self.ids, self.tokens, self.languages = ids, tokens, languages
        self.vocab: dict[str, int] = {}
        rows, cols, counts = [], [], []
        for row, words in enumerate(tokens):
            for word, count in Counter(words).items():
                rows.append(row)
                cols.append(self.vocab.setdefault(word, len(self.vocab)))
                counts.append(count)
        self.tf = scipy.sparse.csc_matrix((np.array(counts, dtype=np.float32), (rows, cols)),
                                          shape=(len(tokens), len(self.vocab)))
        self.lengths = np.array([len(words) for words in tokens], dtype=np.float32)
        self.df = np.diff(self.tf.indptr)

    def scores(self, words: list[str], base_df, base_count: int, base_length: float) -> np.ndarray:
        """BM25 of every recent chunk; `base_df(word)` is the word's document count in the base."""
        out = np.zeros(len(self.ids), dtype=np.float32)
        count = base_count + len(self.ids)
        if not len(self.ids) or not count:
            return out
        average = (base_length * base_count + float(self.lengths.sum())) / count
        for word in words:
            column = self.vocab.get(word)
            if column is None:
                continue
            start, end = self.tf.indptr[column], self.tf.indptr[column + 1]
            rows, tf = self.tf.indices[start:end], self.tf.data[start:end]
            weight = idf(base_df(word) + int(self.df[column]), count)
            out[rows] += weight * tf / (tf + K1 * (1 - B + B * self.lengths[rows] / average))
        return out

    def without(self, removed: set[int]) -> "_Recent":
        keep = [i for i, chunk_id in enumerate(self.ids) if int(chunk_id) not in removed]
        return _Recent(self.ids[keep], [self.tokens[i] for i in keep], [self.languages[i] for i in keep])


class LexicalIndex:
    """BM25 scores for every chunk, keyed by chunk id (`ids`, ascending)."""

    def __init__(self, retriever: bm25s.BM25 | None, base_ids: np.ndarray, base_length: float = 0.0,
                 recent: _Recent | None = None, dead: np.ndarray | None = None,
                 base_languages: list[str] | None = None) -> None:
        self._retriever = retriever
        self.base_ids, self._base_length = base_ids, base_length
        self._base_languages = base_languages if base_languages is not None else [""] * len(base_ids)
        self._recent = recent or _Recent(np.zeros(0, dtype=np.int64), [], [])
        self._dead = dead if dead is not None else np.zeros(0, dtype=np.int64)  # base positions removed since
        self.ids = np.concatenate([base_ids, self._recent.ids])
        self._df: np.ndarray | None = None
        self._languages: np.ndarray | None = None

    def __len__(self) -> int:
        return len(self.ids) - len(self._dead)

    @property
    def last_id(self) -> int:
        """The highest chunk id indexed: later chunks are newer."""
        return int(self.ids[-1]) if len(self.ids) else 0

    @property
    def pending(self) -> int:
        """Chunks added or removed since the base was built."""
        return len(self._recent.ids) + len(self._dead)

    @property
    def languages(self) -> list[str]:
        """Each chunk's language, aligned with `ids`."""
        return self._base_languages + self._recent.languages

    @classmethod
    def build(cls, ids: np.ndarray, texts: Sequence[str], languages: Sequence[str] = ()) -> "LexicalIndex":
        """Index chunk texts under their chunk ids, all in the base, each in its language (as
        given, else detected)."""
        if not len(ids):
            return cls(None, np.zeros(0, dtype=np.int64))
        ids = np.asarray(ids, dtype=np.int64)
        order = np.argsort(ids, kind="stable")
        read = analysed([texts[i] for i in order], [languages[i] for i in order] if len(languages) else ())
        tokens = [words for _, words in read]
        retriever = bm25s.BM25(k1=K1, b=B, method="lucene")
        retriever.index(tokens, show_progress=False)
        return cls(retriever, ids[order], float(np.mean([len(t) for t in tokens])),
                   base_languages=[language for language, _ in read])

    def changed(self, added_ids: np.ndarray, added_texts: Sequence[str], removed: np.ndarray,
                added_languages: Sequence[str] = ()) -> "LexicalIndex":
        """A new index with these chunks added (ids past `last_id`) and removed; this one is
        left as it is for the questions still using it."""
        gone = {int(i) for i in removed}
        recent = self._recent.without(gone) if gone & set(self._recent.ids.tolist()) else self._recent
        if len(added_ids):
            read = analysed(added_texts, added_languages)
            recent = _Recent(np.concatenate([recent.ids, np.asarray(added_ids, dtype=np.int64)]),
                             recent.tokens + [words for _, words in read],
                             recent.languages + [language for language, _ in read])
        removed = np.asarray(removed, dtype=np.int64)
        at = np.searchsorted(self.base_ids, removed)
        inside = at < len(self.base_ids)
        at = at[inside][self.base_ids[at[inside]] == removed[inside]]
        dead = np.union1d(self._dead, at).astype(np.int64)
        return LexicalIndex(self._retriever, self.base_ids, self._base_length, recent, dead, self._base_languages)

    def scores(self, question: str) -> np.ndarray:
        """Return the BM25 score of every chunk (aligned with `ids`) for a question, read in its
        language; chunks in another language score 0 (see `foreign`)."""
        language = detect(question, otherwise="")  # "": too short to tell, every chunk counts
        scores = self._scored(analyzer(language or DEFAULT).tokens(question))
        if language:
            scores[self.foreign(language)] = 0.0
        return scores

    def _scored(self, words: list[str]) -> np.ndarray:
        base = np.zeros(len(self.base_ids), dtype=np.float32)
        if self._retriever is not None:
            # bm25s keeps "" in its vocabulary past the last scored column: asking for it raises.
            vocabulary, columns = self._retriever.vocab_dict, len(self._retriever.scores["indptr"]) - 1
            known = [vocabulary[w] for w in words if w and vocabulary.get(w, columns) < columns]
            if known:
                base = np.asarray(self._retriever.get_scores_from_ids(known), dtype=np.float32)
                base[self._dead] = 0.0
        recent = self._recent.scores(words, self._base_df, len(self.base_ids), self._base_length)
        return np.concatenate([base, recent])

    def foreign(self, language: str) -> np.ndarray:
        """Which chunks are known to be in another language than `language`. A question in one
        language shares only names and figures with a passage in another, and BM25's best score
        is what fusion divides by: a foreign passage that repeats a name would outrank by words
        the one that answers by meaning (es questions, English paragraphs, fused Recall@1 0.35
        against dense 0.90), so across languages meaning alone decides. Even the words all
        languages share (figures, names in another script) do more harm than good: Chinese
        questions, English paragraphs, hybrid 0.766 without them, 0.737 with (commit 45f616c)."""
        if self._languages is None:
            self._languages = np.array(self.languages, dtype=object)
        return (self._languages != language) & (self._languages != "")

    def _base_df(self, word: str) -> int:
        if self._retriever is None:
            return 0
        if self._df is None:
            self._df = np.diff(np.asarray(self._retriever.scores["indptr"]))
        column = self._retriever.vocab_dict.get(word)
        return int(self._df[column]) if column is not None else 0

    def search(self, question: str, k: int) -> list[tuple[int, float]]:
        """Return up to `k` (chunk id, BM25 score) pairs with a positive score, best first."""
        scores = self.scores(question)
        if not len(scores) or k <= 0:
            return []
        top = np.argsort(-scores, kind="stable")[:k]
        return [(int(self.ids[i]), float(scores[i])) for i in top if scores[i] > 0]

    def scored(self, question: str, depth: int, also: Sequence[int] = ()) -> tuple[list[int], dict[int, float]]:
        """The `depth` best-scoring chunk ids, best first, and the BM25 score of each of them
        and of the chunks `also` (0 for a chunk without a question word): what fusion reads."""
        scores = self.scores(question)
        if not len(scores):
            return [], {int(i): 0.0 for i in also}
        best = [int(self.ids[i]) for i in top(scores, depth) if scores[i] > 0]
        wanted = list(dict.fromkeys(best + [int(i) for i in also]))
        return best, dict(zip(wanted, _lookup(self.ids, scores, wanted).tolist()))

    def save(self, directory: Path) -> None:
        """Write the base (never the recent part) atomically: build in a temporary folder, then
        rename it into place."""
        if self.pending:
            raise ValueError("only a freshly built index is saved")
        tmp = directory.with_name(directory.name + ".tmp")
        shutil.rmtree(tmp, ignore_errors=True)
        tmp.mkdir(parents=True)
        np.save(tmp / "ids.npy", self.base_ids)
        (tmp / "stats.json").write_text(json.dumps({"average_length": self._base_length, "tokens": VERSION,
                                                    "languages": self._base_languages}))
        if self._retriever is not None:
            self._retriever.save(str(tmp / "bm25"), show_progress=False)
        shutil.rmtree(directory, ignore_errors=True)
        os.replace(tmp, directory)

    @staticmethod
    def current(directory: Path) -> bool:
        """Whether a saved base is made of today's tokens (else it is built again)."""
        try:
            return json.loads((directory / "stats.json").read_text()).get("tokens") == VERSION
        except (OSError, ValueError):
            return False

    @classmethod
    def load(cls, directory: Path) -> "LexicalIndex":
        """Read an index written by `save`."""
        ids = np.load(directory / "ids.npy")
        stats = json.loads((directory / "stats.json").read_text())
        if not math.isfinite(stats["average_length"]) or len(stats.get("languages", ())) != len(ids):
            raise ValueError(f"{directory}: bad statistics")
        if stats.get("tokens") != VERSION:
            raise ValueError(f"{directory}: made of other tokens (version {stats.get('tokens', 1)})")
        retriever = bm25s.BM25.load(str(directory / "bm25"), mmap=True, show_progress=False) if len(ids) else None
        return cls(retriever, ids, stats["average_length"], base_languages=list(stats["languages"]))


def top(scores: np.ndarray, k: int) -> np.ndarray:
    """Positions of the `k` highest scores, best first (ties: lower position first)."""
    if len(scores) > k > 0:
        kth = -np.partition(-scores, k - 1)[k - 1]
        above = np.flatnonzero(scores > kth)
        chosen = np.concatenate([above, np.flatnonzero(scores == kth)[: k - len(above)]])
    else:
        chosen = np.arange(len(scores))[: max(k, 0)]
    return chosen[np.lexsort((chosen, -scores[chosen]))]


def _lookup(ids: np.ndarray, scores: np.ndarray, wanted: list[int]) -> np.ndarray:
    """Scores of the wanted chunk ids (0 for ids not held); `ids` ascend."""
    if not len(ids) or not wanted:
        return np.zeros(len(wanted), dtype=np.float32)
    at = np.minimum(np.searchsorted(ids, wanted), len(ids) - 1)
    return np.where(ids[at] == wanted, scores[at], 0.0).astype(np.float32)
