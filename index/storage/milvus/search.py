"""The engine's dense and BM25 search, read the way ranking reads `DenseSearch` and `LexicalSearch`
(index/storage/base.py)."""

import json
from collections.abc import Collection, Iterable
from typing import TYPE_CHECKING

import numpy as np

from ...text.languages import DEFAULT, detect
from ...types import SHARED
from .rows import floats, terms, within

if TYPE_CHECKING:
    from .storage import MilvusStorage


def scope(store: "MilvusStorage", collections: Collection[str] | None) -> str | None:
    """The filter that keeps a search within `collections` ("": none needed); None when no chunk
    can be in them (collections made before collections hold the shared one alone)."""
    if collections is None:
        return ""
    if not store.scoped:
        return "" if SHARED in collections else None
    return within("collection", sorted(collections)) if collections else None


class Dense:
    """The engine's vector search, read the way fusion reads `VectorIndex`; `where` keeps it
    within some collections (`scope`)."""

    def __init__(self, store: "MilvusStorage", where: str | None = "") -> None:
        self.store, self.where = store, where

    def __len__(self) -> int:
        return self.store.count(self.where) if self.where is not None else 0

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Return up to `k` (chunk id, cosine) pairs, best first."""
        if k <= 0 or not self.store.ready() or self.where is None:
            return []
        found = self.store.client.search(self.store.names["chunks"], data=[floats(vector)], anns_field="vector",
                                         limit=min(k, 16_384), search_params={"metric_type": "IP"},
                                         filter=self.where, output_fields=[])
        return [(int(hit["id"]), float(hit["distance"])) for hit in found[0]]

    def cosines(self, ids: list[int], vector: np.ndarray) -> np.ndarray:
        """Cosines of these chunks to `vector` (-1 for a chunk gone meanwhile)."""
        rows = {r["id"]: r["vector"] for r in self.store.rows_by_id("chunks", ids, ["vector"])}
        query = np.asarray(vector, dtype=np.float32)
        return np.array([float(np.asarray(rows[i], np.float32) @ query) if i in rows else -1.0 for i in ids],
                        dtype=np.float32)


class Lexical:
    """The engine's BM25, read the way fusion reads `LexicalIndex`, within `where` (as `Dense`).
    The engine keeps BM25's term statistics per collection of rows, so within a scope a word
    weighs what it weighs in the whole index."""

    def __init__(self, store: "MilvusStorage", where: str | None = "") -> None:
        self.store, self.where = store, where

    def scored(self, question: str, depth: int, also: Iterable[int] = (), language: str | None = None,
               ) -> tuple[list[int], dict[int, float]]:
        """The `depth` best BM25 chunk ids, best first, and the scores of those and of `also`."""
        also = [int(i) for i in also]
        if language is None:  # not analysed where it entered
            language = detect(question, otherwise="")  # "": too short to tell, every chunk counts
        words = terms([question], [language or DEFAULT])[0]
        if not self.store.ready() or not words or self.where is None:
            return [], dict.fromkeys(also, 0.0)
        # Chunks in another language than the question's score 0, as on the embedded backend
        # (index/storage/embedded/bm25.py, `foreign`).
        own = within("language", [language, ""]) if self.store.languages and language else ""
        own = " and ".join(f"({part})" for part in (own, self.where) if part)
        top = self._search(words, min(depth, 16_384), own)
        scores = dict(top)
        missing = [i for i in also if i not in scores]
        if missing:
            scores.update(dict.fromkeys(missing, 0.0))
            scores.update(self._search(words, len(missing), " and ".join(
                filter(None, ["id in " + json.dumps(missing), own]))))
        return [i for i, _ in top], scores

    def known(self, words: Iterable[str], language: str) -> set[str]:
        """Those of `words` that some chunk holds: a BM25 search of each word alone, one hit
        wanted (the engine's inverted index answers it; no vocabulary is exposed)."""
        if not self.store.ready() or self.where is None:
            return set()
        return {word for word in words
                if not (read := terms([word], [language or DEFAULT])[0]) or self._search(read, 1, self.where)}

    def _search(self, words: str, limit: int, where: str = "") -> list[tuple[int, float]]:
        found = self.store.client.search(self.store.names["chunks"], data=[words], anns_field="sparse",
                                         limit=limit, filter=where, search_params={"metric_type": "BM25"},
                                         output_fields=[])
        # Lite reports BM25 negated (best first still); a server reports it as it is. BM25 is never
        # negative, so its size is the score.
        return [(int(hit["id"]), abs(float(hit["distance"]))) for hit in found[0] if hit["distance"]]
