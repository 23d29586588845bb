"""BM25 over chunks, in segments: a base built by bm25s over every chunk at one generation, and
the chunks added since scored here with the same formula, so that a change costs what it adds.
This module alone talks to bm25s."""

import json
import logging
import math
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import bm25s
import numpy as np

from ...text.languages import DEFAULT, analyzer, detect
from ...types import SHARED
from ...text.tokens import B, K1, VERSION, analysed
from .recent import Recent, idf
from .scope import Membership, Scope
from .spellings import Spellings

log = logging.getLogger(__name__)

SCOPES_KEPT = 64  # collections' masks kept per snapshot (a chat asks again and again)



class LexicalIndex:
    """BM25 scores for every chunk, keyed by chunk id (`ids`, ascending)."""

    def __init__(self, retriever: bm25s.BM25 | None, base_ids: np.ndarray, base_length: float = 0.0,
                 recent: Recent | None = None, dead: np.ndarray | None = None,
                 base_languages: list[str] | None = None, base_collections: Membership | None = None,
                 spellings: Spellings | None = None) -> None:
        self._retriever = retriever
        self.base_ids, self._base_length = base_ids, base_length
        self._base_languages = base_languages if base_languages is not None else [""] * len(base_ids)
        self._base_collections = base_collections or Membership((SHARED,), np.zeros(len(base_ids), dtype=np.int32))
        self._recent = recent or Recent(np.zeros(0, dtype=np.int64), [], [], [])
        self._dead = dead if dead is not None else np.zeros(0, dtype=np.int64)  # base positions removed since
        self.ids = np.concatenate([base_ids, self._recent.ids])
        self._languages: np.ndarray | None = None
        self._scopes: dict[frozenset[str], Scope] = {}
        self._spellings = spellings or Spellings()  # the base's accented tokens, read once for all its snapshots

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

    def scope(self, collections) -> Scope:
        """The chunks of these collections (cached: a snapshot never changes)."""
        wanted = frozenset(collections)
        if wanted not in self._scopes:
            if len(self._scopes) >= SCOPES_KEPT:
                self._scopes.pop(next(iter(self._scopes)))
            self._scopes[wanted] = Scope.of(self.ids, self._base_collections, self._recent.collections,
                                            self._dead, wanted)
        return self._scopes[wanted]

    @classmethod
    def build(cls, ids: np.ndarray, texts: Sequence[str], languages: Sequence[str] = (),
              collections: Sequence[str] = ()) -> "LexicalIndex":
        """Index chunk texts under their chunk ids, all in the base, each in its language (as
        given, else detected) and collection (default: the shared one)."""
        if not len(ids):
            return cls(None, np.zeros(0, dtype=np.int64))
        ids = np.asarray(ids, dtype=np.int64)
        order = np.argsort(ids, kind="stable")
        read = analysed([texts[i] for i in order], [languages[i] for i in order] if len(languages) else ())
        tokens = [words for _, words in read]
        retriever = bm25s.BM25(k1=K1, b=B, method="lucene")
        retriever.index(tokens, show_progress=False)
        return cls(retriever, ids[order], float(np.mean([len(t) for t in tokens])),
                   base_languages=[language for language, _ in read],
                   base_collections=Membership.of([collections[i] for i in order]) if len(collections) else None)

    def changed(self, added_ids: np.ndarray, added_texts: Sequence[str], removed: np.ndarray,
                added_languages: Sequence[str] = (), added_collections: Sequence[str] = ()) -> "LexicalIndex":
        """A new index with these chunks added (ids past `last_id`) and removed; this one is
        left as it is for the questions still using it."""
        gone = {int(i) for i in removed}
        recent = self._recent.without(gone) if gone & set(self._recent.ids.tolist()) else self._recent
        if len(added_ids):
            read = analysed(added_texts, added_languages)
            recent = Recent(np.concatenate([recent.ids, np.asarray(added_ids, dtype=np.int64)]),
                             recent.tokens + [words for _, words in read],
                             recent.languages + [language for language, _ in read],
                             recent.collections + (list(added_collections) or [SHARED] * len(added_ids)))
        removed = np.asarray(removed, dtype=np.int64)
        at = np.searchsorted(self.base_ids, removed)
        inside = at < len(self.base_ids)
        at = at[inside][self.base_ids[at[inside]] == removed[inside]]
        dead = np.union1d(self._dead, at).astype(np.int64)
        return LexicalIndex(self._retriever, self.base_ids, self._base_length, recent, dead, self._base_languages,
                            self._base_collections, self._spellings)

    def scores(self, question: str, scope: Scope | None = None, language: str | None = None) -> np.ndarray:
        """Return the BM25 score of every chunk (aligned with `ids`) for a question, read in its
        language; chunks in another language score 0 (see `foreign`). Within a `scope`, its
        chunks alone score, with its own term statistics (how many of its chunks hold a word)."""
        if language is None:  # not analysed where it entered
            language = detect(question, otherwise="")  # "": too short to tell, every chunk counts
        words = analyzer(language or DEFAULT).tokens(question)
        within = scope is not None and not scope.everything
        scores = self._scored_within(words, scope.mask) if within else self._scored(words)
        if language:
            scores[self.foreign(language)] = 0.0
        if within:
            scores[~scope.mask] = 0.0
        return scores

    def _columns(self, words: list[str]) -> list[int]:
        # bm25s keeps "" in its vocabulary past the last scored column: asking for it raises.
        vocabulary, columns = self._retriever.vocab_dict, len(self._retriever.scores["indptr"]) - 1
        return [vocabulary[w] for w in words if w and vocabulary.get(w, columns) < columns]

    def _scored(self, words: list[str]) -> np.ndarray:
        base = np.zeros(len(self.base_ids), dtype=np.float32)
        if self._retriever is not None and (known := self._columns(words)):
            base = np.asarray(self._retriever.get_scores_from_ids(known), dtype=np.float32)
            base[self._dead] = 0.0
        df = lambda word: len(self._base_rows(word)) + len(self._recent.rows(word))  # noqa: E731
        recent = self._recent.scores(words, df, len(self.base_ids) + len(self._recent.ids), self._average_length())
        return np.concatenate([base, recent])

    def _average_length(self) -> float:
        """Chunks' mean length in tokens, over the base and the recent chunks."""
        count = len(self.base_ids) + len(self._recent.ids)
        return (self._base_length * len(self.base_ids) + float(self._recent.lengths.sum())) / max(1, count)

    def _scored_within(self, words: list[str], mask: np.ndarray) -> np.ndarray:
        """BM25 with the statistics of the chunks in `mask`: each word's weight rescaled from
        the base's document frequency to the mask's (lengths are still averaged over the index)."""
        inside, recent_inside = mask[: len(self.base_ids)], mask[len(self.base_ids):]
        count = int(mask.sum())
        df = lambda word: int(inside[self._base_rows(word)].sum()) + int(recent_inside[self._recent.rows(word)].sum())  # noqa: E731
        base = np.zeros(len(self.base_ids), dtype=np.float32)
        for word in words:  # as bm25s sums them: a word asked twice counts twice
            rows = self._base_rows(word)
            if len(rows):
                column, pointers = self._retriever.vocab_dict[word], self._retriever.scores["indptr"]
                weight = idf(df(word), count) / idf(len(rows), len(self.base_ids))
                base[rows] += self._retriever.scores["data"][pointers[column]:pointers[column + 1]] * weight
        return np.concatenate([base, self._recent.scores(words, df, count, self._average_length())])

    def _base_rows(self, word: str) -> np.ndarray:
        """The base's chunks (positions) that hold a word, removed ones included."""
        column = self._retriever.vocab_dict.get(word) if self._retriever is not None else None
        pointers = self._retriever.scores["indptr"] if column is not None else ()
        if column is None or column >= len(pointers) - 1:
            return np.zeros(0, dtype=np.int64)
        return self._retriever.scores["indices"][pointers[column]:pointers[column + 1]]

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

    def known(self, words: Sequence[str], language: str, scope: Scope | None = None) -> set[str]:
        """Those of `words` that a chunk still indexed (in `scope`) holds, every token of the word
        read in `language`: the vocabularies' lookups, the postings checked against removals."""
        read = analyzer(language or DEFAULT)
        base = self._retriever.vocab_dict if self._retriever is not None else {}
        return {word for word in words if all(
            any(self._holds(spelt, scope) for spelt in self._spellings.of(token, base, self._recent.vocab))
            for token in read.tokens(word))}

    def _holds(self, token: str, scope: Scope | None) -> bool:
        if scope is not None and not scope.everything:
            base, recent = scope.mask[: len(self.base_ids)], scope.mask[len(self.base_ids):]
            return bool(base[self._base_rows(token)].any() or recent[self._recent.rows(token)].any())
        if token in self._recent.vocab:
            return True
        rows = self._base_rows(token)
        return len(rows) > 0 and (not len(self._dead) or not np.isin(rows, self._dead).all())

    def search(self, question: str, k: int) -> list[tuple[int, float]]:
        """Return up to `k` (chunk id, BM25 score) pairs with a positive score, best first."""
        scores = self.scores(question)
        if not len(scores) or k <= 0:
            return []
        top = np.argsort(-scores, kind="stable")[:k]
        return [(int(self.ids[i]), float(scores[i])) for i in top if scores[i] > 0]

    def scored(self, question: str, depth: int, also: Sequence[int] = (), scope: Scope | None = None,
               language: str | None = None) -> tuple[list[int], dict[int, float]]:
        """The `depth` best-scoring chunk ids, best first, and the BM25 score of each of them
        and of the chunks `also` (0 for a chunk without a question word, or outside `scope`): what
        fusion reads."""
        scores = self.scores(question, scope, language)
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
                                                    "languages": self._base_languages,
                                                    "collections": list(self._base_collections.names)}))
        np.save(tmp / "collections.npy", self._base_collections.codes)
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
        collections = None  # a base made before collections: every chunk in the shared one
        if "collections" in stats:
            collections = Membership(tuple(stats["collections"]), np.load(directory / "collections.npy"))
            if len(collections.codes) != len(ids):
                raise ValueError(f"{directory}: bad collections")
        return cls(retriever, ids, stats["average_length"], base_languages=list(stats["languages"]),
                   base_collections=collections)


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
