"""The engine's dense and BM25 search, read the way ranking reads `DenseSearch` and `LexicalSearch`
(index/storage/base.py)."""

import json
from collections.abc import Iterable
from typing import TYPE_CHECKING

import numpy as np

from ...text.languages import DEFAULT, detect
from .rows import floats, terms, within

if TYPE_CHECKING:
    from .storage import MilvusStorage


class Dense:
    """The engine's vector search, read the way fusion reads `VectorIndex`."""

    def __init__(self, store: "MilvusStorage") -> None:
        self.store = store

    def __len__(self) -> int:
        return self.store.count()

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Return up to `k` (chunk id, cosine) pairs, best first."""
        if k <= 0 or not self.store.ready():
            return []
        found = self.store.client.search(self.store.names["chunks"], data=[floats(vector)], anns_field="vector",
                                         limit=min(k, 16_384), search_params={"metric_type": "IP"},
                                         output_fields=[])
        return [(int(hit["id"]), float(hit["distance"])) for hit in found[0]]

    def cosines(self, ids: list[int], vector: np.ndarray) -> np.ndarray:
        """Cosines of these chunks to `vector` (-1 for a chunk gone meanwhile)."""
        rows = {r["id"]: r["vector"] for r in self.store.rows_by_id("chunks", ids, ["vector"])}
        query = np.asarray(vector, dtype=np.float32)
        return np.array([float(np.asarray(rows[i], np.float32) @ query) if i in rows else -1.0 for i in ids],
                        dtype=np.float32)


class Lexical:
    """The engine's BM25, read the way fusion reads `LexicalIndex`."""

    def __init__(self, store: "MilvusStorage") -> None:
        self.store = store

    def scored(self, question: str, depth: int, also: Iterable[int] = ()) -> tuple[list[int], dict[int, float]]:
        """The `depth` best BM25 chunk ids, best first, and the scores of those and of `also`."""
        also = [int(i) for i in also]
        language = detect(question, otherwise="")  # "": too short to tell, every chunk counts
        words = terms([question], [language or DEFAULT])[0]
        if not self.store.ready() or not words:
            return [], dict.fromkeys(also, 0.0)
        # Chunks in another language than the question's score 0, as on the embedded backend
        # (index/storage/embedded/bm25.py, `foreign`).
        own = within("language", [language, ""]) if self.store.languages and language else ""
        top = self._search(words, min(depth, 16_384), own)
        scores = dict(top)
        missing = [i for i in also if i not in scores]
        if missing:
            scores.update(dict.fromkeys(missing, 0.0))
            scores.update(self._search(words, len(missing), " and ".join(
                filter(None, ["id in " + json.dumps(missing), own]))))
        return [i for i, _ in top], scores

    def _search(self, words: str, limit: int, where: str = "") -> list[tuple[int, float]]:
        found = self.store.client.search(self.store.names["chunks"], data=[words], anns_field="sparse",
                                         limit=limit, filter=where, search_params={"metric_type": "BM25"},
                                         output_fields=[])
        # Lite reports BM25 negated (best first still); a server reports it as it is. BM25 is never
        # negative, so its size is the score.
        return [(int(hit["id"]), abs(float(hit["distance"]))) for hit in found[0] if hit["distance"]]
