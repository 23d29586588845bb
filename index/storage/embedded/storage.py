"""The embedded backend: an index directory on this machine (the `Storage` of index/storage/base.py).

The SQLite file (sqlite.py) is the source of truth; the FAISS index (dense.py) and BM25
(bm25.py) are saved beside it as bases plus the changes since (bases.py), so that several
processes (an ingest, the bot) share one directory. This process keeps the FAISS index in memory,
caught up with every process's changes before a question searches it; its own writes change it
in place, waiting for the questions under way (locking.py).
"""

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ...errors import ModelMismatch
from ...types import CollectionInfo, Document, DocumentInfo
from ..base import Collections, Searching, StoredChunk, StoredDocument
from .bases import SavedBM25, SavedVectors, apply
from .dense import VectorIndex
from .bm25 import LexicalIndex
from .locking import SharedLock
from .scope import Scope
from .sqlite import Store

DB_NAME = "verbatim.sqlite3"


class EmbeddedStorage:
    """An index directory: verbatim.sqlite3, FAISS and BM25 bases."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.where = str(directory)
        self.local_state = directory / DB_NAME  # feeds' tables live in the index's own file
        self._store = Store(directory / DB_NAME)
        self._lock = threading.RLock()  # loading and writing, one thread at a time
        self._searching = SharedLock()  # questions side by side; in-place changes alone
        self._vectors: VectorIndex | None = None  # the FAISS index in memory, as of `_generation`
        self._generation = -1
        self._model: tuple[str, int] | None = None
        self._bm25 = SavedBM25(directory, self._store)
        self._saved_vectors = SavedVectors(directory, self._store)

    @staticmethod
    def found_in(directory: Path) -> bool:
        """True when `directory` holds an embedded index."""
        return (directory / DB_NAME).exists()

    # ----- what the index is ------------------------------------------------------------------

    def model(self) -> tuple[str, int] | None:
        if self._model is None:  # once recorded it never changes: read it once, not per question
            name, dim = self._store.meta("model"), self._store.meta("dim")
            self._model = None if name is None else (name, int(dim or 0))
        return self._model

    def generation(self) -> int:
        return self._store.generation()

    # ----- reads: the SQLite file -----------------------------------------------------------------

    def find_document_id(self, ref: str, collections: Collections = None) -> str | None:
        return self._store.find_document_id(ref, collections)

    def document(self, document_id: str, collections: Collections = None) -> Document | None:
        return self._store.document(document_id, collections)

    def documents(self, after_generation: int = -1, since: str | None = None,
                  collections: Collections = None) -> list[DocumentInfo]:
        return self._store.documents(after_generation, since, collections)

    def collections(self) -> list[CollectionInfo]:
        return self._store.collections()

    def content_hash(self, document_id: str) -> str | None:
        return self._store.content_hash(document_id)

    def summary_spans(self, document_id: str) -> list[tuple[int, int]]:
        return self._store.summary_spans(document_id)

    def document_means(self, document_ids: list[str], dim: int) -> dict[str, np.ndarray]:
        return self._store.document_means(document_ids, dim)

    def export(self) -> Iterator[StoredDocument]:
        return self._store.export()

    def chunk_count(self, document_id: str) -> int:
        return self._store.chunk_count(document_id)

    def chunk_ids(self, document_ids: list[str]) -> list[int]:
        return self._store.chunk_ids(document_ids)

    def chunks(self, ids: list[int], collections: Collections = None) -> dict[int, StoredChunk]:
        return self._store.chunks(ids, collections)

    def chunk_vectors(self, ids: list[int]) -> np.ndarray:
        return self._store.chunk_vectors(ids)

    def sentence_vectors(self, wanted):
        return self._store.sentence_vectors(wanted)

    def vectors_for(self, embed_hashes) -> dict[str, np.ndarray]:
        return self._store.vectors_for(embed_hashes)

    # ----- searching ------------------------------------------------------------------------------

    @contextmanager
    def searching(self, collections: Collections = None) -> Iterator[Searching]:
        """FAISS and BM25 as of now, loaded under the lock, then held only as a reader, so that
        questions run side by side (an in-place change waits for them); within `collections`,
        both read through the scope of their chunks in BM25's snapshot (scope.py)."""
        with self._lock:
            if self.model() is None:
                dense, lexical = _Nothing(), _Nothing()
            else:
                dense, lexical = self._current_vectors(), self._bm25.current()
                if collections is not None:
                    scope = lexical.scope(collections)
                    dense, lexical = _ScopedDense(dense, scope), _ScopedLexical(lexical, scope)
        with self._searching.reading():
            yield Searching(dense, lexical, collections)

    def _current_vectors(self) -> VectorIndex:
        """The FAISS index, caught up with any process's changes since it was loaded (bases.py)."""
        with self._lock:
            generation = self._store.generation()
            if self._vectors is not None and generation != self._generation:
                changes = self._saved_vectors.changes(self._vectors, self._generation)
                if changes is None:  # too far behind: the newest base instead
                    self._vectors = None
                else:
                    with self._searching.writing():
                        apply(self._vectors, changes)
            if self._vectors is None:
                self._vectors = self._saved_vectors.load(self.model()[1])
            self._generation = generation
            return self._vectors

    # ----- changes -----------------------------------------------------------------------------------

    def write(self, documents: Sequence[StoredDocument], removed: Sequence[str] = (), *,
              model: tuple[str, int]) -> None:
        """One SQLite transaction; then the FAISS index in memory (if loaded) changed in place."""
        if not documents and not removed:
            return
        with self._lock:
            vectors = self._vectors  # None in a process that only writes: loaded when a search needs it
            with self._store.transaction() as db:
                generation = self._advance(db, model)
                changes = [(self._store.delete_document(db, doc_id, generation), [], []) for doc_id in removed]
                for d in documents:
                    gone, added = self._store.put_document(db, d.document, d.content_hash, d.chunks, generation,
                                                           d.summary, d.sentences, d.ingested_at)
                    changes.append((gone, added, d.chunks))
            if vectors is None:
                return
            with self._searching.writing():
                for gone, added, new in changes:
                    vectors.remove(np.asarray(gone, dtype=np.int64))
                    if new:
                        vectors.add(np.asarray(added), np.stack([c.vector for c in new]))

    def _advance(self, db, model: tuple[str, int]) -> int:
        """Advance the generation inside a write (the first records the model); the FAISS index
        in memory is reloaded later if another process wrote since it was caught up."""
        current = self._store.generation()
        recorded = self._store.meta("model")
        if recorded is None:
            self._store.set_meta(db, "model", model[0])
            self._store.set_meta(db, "dim", str(model[1]))
        elif recorded != model[0]:
            raise ModelMismatch(f"{self.where} holds vectors of model {recorded!r}, not {model[0]!r}")
        generation = self._store.next_generation(db)
        if current == self._generation:
            self._generation = generation
        else:
            self._vectors = None
        return generation

    def set_summary(self, document_id: str, spans: list[tuple[int, int]]) -> None:
        self._store.set_summary(document_id, spans)

    def settle(self) -> None:
        """BM25 caught up and, when a merge is due, new bases of both written; questions run
        meanwhile (only an in-place change waits for them)."""
        if self.model() is None:
            return
        merge = self._saved_vectors.merge_due()
        self._bm25.refresh(merge)
        if not merge:
            return
        with self._lock:
            vectors, generation = self._current_vectors(), self._generation
        with self._searching.reading():  # no in-place change while it is written
            saved = self._saved_vectors.save(vectors, generation)
        if saved is not vectors:  # resized: questions move to the copy
            with self._lock:
                if self._vectors is vectors:  # else changed meanwhile: reload
                    self._vectors = saved if self._generation == generation else None

    def drop(self) -> None:
        """Nothing: an embedded index is its directory, which its owner removes."""

    def close(self) -> None:
        self._store.close()


class _Nothing:
    """Search over an index nothing was written to yet."""

    def __len__(self) -> int:
        return 0

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        return []

    def cosines(self, ids: list[int], vector: np.ndarray) -> np.ndarray:
        return np.full(len(ids), -1.0, dtype=np.float32)

    def scored(self, question: str, depth: int, also=(), language=None) -> tuple[list[int], dict[int, float]]:
        return [], dict.fromkeys(also, 0.0)

    def known(self, words, language: str) -> set[str]:
        return set()


class _ScopedDense:
    """The vector index read within a scope."""

    def __init__(self, vectors: VectorIndex, scope: Scope) -> None:
        self.vectors, self.scope = vectors, scope

    def __len__(self) -> int:
        return len(self.scope.ids)

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        return self.vectors.search(vector, k, self.scope)

    def cosines(self, ids: list[int], vector: np.ndarray) -> np.ndarray:
        return self.vectors.cosines(ids, vector)


class _ScopedLexical:
    """BM25 read within a scope, with the scope's term statistics."""

    def __init__(self, lexical: LexicalIndex, scope: Scope) -> None:
        self.lexical, self.scope = lexical, scope

    def scored(self, question: str, depth: int, also=(), language=None) -> tuple[list[int], dict[int, float]]:
        return self.lexical.scored(question, depth, also, self.scope, language)

    def known(self, words, language: str) -> set[str]:
        return self.lexical.known(words, language, self.scope)
