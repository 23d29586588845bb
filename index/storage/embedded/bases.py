"""The index's files, in segments. A base (BM25 folder, FAISS file) is written over every chunk at
one generation (the counter every change advances); the chunks added and removed since are read
from the store (ids past the base's last one; the removal log), so a change costs what it
changes. When the changes since a base pass MERGE_MIN and MERGE_SHARE of it, the process that
made them writes a new base and the older ones go."""

import json
import logging
import shutil
import threading
from pathlib import Path

import numpy as np

from .bm25 import LexicalIndex
from .sqlite import Store
from .dense import VectorIndex

log = logging.getLogger(__name__)

MERGE_MIN = 2000  # chunks added or removed since a base before a new one is written...
MERGE_SHARE = 0.02  # ...and this share of the base, so that merges get rarer as it grows


class SavedBM25:
    """BM25 for the index's current generation: the newest saved base, caught up with the
    changes since; rebuilt and saved by the process whose changes make a merge due."""

    def __init__(self, directory: Path, store: Store) -> None:
        self.directory, self.store = directory, store
        self._lock = threading.Lock()
        self._state: tuple[LexicalIndex, int, int] | None = None  # index, its generation, its base's
        self._building: int | None = None  # the generation `refresh` is working for

    def current(self) -> LexicalIndex:
        """The BM25 index as of now. While `refresh` merges in this process, questions use the
        index as it was (their new documents are still found by meaning) rather than wait."""
        with self._lock:
            generation = self.store.generation()
            if self._state is not None and generation in (self._state[1], self._building):
                return self._state[0]
            self._state = self._caught_up(self._state, generation, save=False)  # a question never writes
            return self._state[0]

    def refresh(self, merge: bool = False) -> None:
        """After a change in this process: catch up, or `merge` (build a new base and save it),
        outside the lock, so that no question pays for it, here or in another process."""
        with self._lock:
            generation = self.store.generation()
            if (self._state is not None and generation == self._state[1]) or (self._state is None and not merge):
                return  # up to date, or never loaded here (a process that only writes)
            self._building, start = generation, self._state
        try:
            state = self._merged(generation) if merge else self._caught_up(start, generation, save=True)
        finally:
            with self._lock:
                self._building = None
        with self._lock:
            if self.store.generation() == generation:
                self._state = state

    def _caught_up(self, state, generation: int, save: bool) -> tuple[LexicalIndex, int, int]:
        """`state` brought to `generation` by the changes since; from the newest base when
        another process saved a newer one. Built anew when no base can be used: saved as a base
        only with `save` (after a change, never on a question's path)."""
        newest = newest_base(self.directory, "bm25-")
        if state is None or (newest is not None and newest[0] != state[2]):
            state = self._loaded(newest, save)
        index, since, base = state
        removed = self.store.removed_since(since)
        if removed is None:  # the removal log was cut past this point: start again
            (index, since, base), removed = self._merged(generation, save), np.zeros(0, dtype=np.int64)
        ids, texts, languages, collections = self.store.chunk_texts(after_id=index.last_id)
        return index.changed(ids, texts, removed, languages, collections), generation, base

    def _loaded(self, newest: tuple[int, Path] | None, save: bool) -> tuple[LexicalIndex, int, int]:
        if newest is not None:
            try:
                return LexicalIndex.load(newest[1]), newest[0], newest[0]
            except (OSError, ValueError):
                pass  # written by an older version, or replaced meanwhile
        return self._merged(self.store.generation(), save)

    def _merged(self, generation: int, save: bool = True) -> tuple[LexicalIndex, int, int]:
        """A new base over every chunk; with `save`, saved for the other processes."""
        index = LexicalIndex.build(*self.store.chunk_texts())
        if save:
            index.save(self.directory / f"bm25-{generation}")
            remove_stale(self.directory, "bm25-", keep=generation)
        return index, generation, generation


class SavedVectors:
    """The FAISS index: the newest saved base, caught up with the changes since."""

    def __init__(self, directory: Path, store: Store) -> None:
        self.directory, self.store = directory, store

    def load(self, dim: int) -> VectorIndex:
        """The newest base with the changes since applied (rebuilt from the store when unreadable),
        of the kind it was written as: only a merge changes the kind, never a question's path."""
        newest = newest_base(self.directory, "vectors-", ".faiss")
        if newest is not None:
            try:
                vectors = VectorIndex.load(newest[1], dim)
                changes = self.changes(vectors, newest[0])
                if changes is not None:
                    apply(vectors, changes)
                    return vectors
            except (RuntimeError, ValueError, OSError) as error:  # or just replaced by a newer one
                log.warning("rebuilding the vectors from the database: %s: %s", newest[1].name, error)
        vectors = VectorIndex(dim)
        vectors.add(*self.store.all_vectors(dim))
        return vectors

    def changes(self, vectors: VectorIndex, since: int):
        """(added ids, their vectors, removed ids) since generation `since`; None when the removal
        log no longer reaches back that far."""
        removed = self.store.removed_since(since)
        if removed is None:
            return None
        return (*self.store.all_vectors(vectors.dim, after_id=vectors.last_id), removed)

    def merge_due(self) -> bool:
        """Whether a base is missing (of either), or the chunks added and removed since the last ones are
        enough to write new bases (`MERGE_MIN`, `MERGE_SHARE`). Read from the store: a process
        that only writes never loads the index to decide."""
        saved, lexical = self._bases(), newest_base(self.directory, "bm25-")
        if saved is None or newest_base(self.directory, "vectors-", ".faiss") is None \
                or lexical is None or not LexicalIndex.current(lexical[1]):
            return True
        changes = self.store.changes_since(saved["generation"], saved["last_id"])
        return changes > max(MERGE_MIN, MERGE_SHARE * saved["size"])

    def _bases(self) -> dict | None:
        """The saved bases' generation, last chunk id and size, as `save` wrote them."""
        return json.loads(self.store.meta("bases") or "null")

    def save(self, vectors: VectorIndex, generation: int) -> VectorIndex:
        """Write `vectors` (compacted when it has grown enough) as the base of `generation`, and
        return what was written; the caller keeps `vectors` from changing meanwhile."""
        vectors = vectors.resized()
        vectors.save(self.directory / f"vectors-{generation}.faiss")
        previous = self._bases()
        with self.store.transaction() as db:
            self.store.set_meta(db, "bases", json.dumps(
                {"generation": generation, "last_id": vectors.last_id, "size": len(vectors)}))
        remove_stale(self.directory, "vectors-", keep=generation, suffix=".faiss")
        if previous is not None:
            # The removal log back to the previous bases stays: a process that caught up since
            # them goes on from where it is; one from before them loads the new bases.
            self.store.forget_removed(previous["generation"])
        return vectors


def apply(vectors: VectorIndex, changes) -> None:
    """Apply what `SavedVectors.changes` returned."""
    ids, matrix, removed = changes
    vectors.remove(removed)
    vectors.add(ids, matrix)


def newest_base(directory: Path, prefix: str, suffix: str = "") -> tuple[int, Path] | None:
    """The (generation, path) of the newest saved base of a kind, if any."""
    return max(_bases(directory, prefix, suffix), default=None)


def remove_stale(directory: Path, prefix: str, keep: int, suffix: str = "") -> None:
    """Delete the bases older than `keep`; processes hold theirs in memory."""
    for generation, path in _bases(directory, prefix, suffix):
        if generation < keep:
            if path.is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                path.unlink(missing_ok=True)


def _bases(directory: Path, prefix: str, suffix: str) -> list[tuple[int, Path]]:
    named = ((path.name[len(prefix) : len(path.name) - len(suffix)], path)
             for path in directory.glob(f"{prefix}*{suffix}"))
    return [(int(tail), path) for tail, path in named if tail.isdigit()]
