"""Index files named by generation (the counter every change to the index advances): the BM25
folder of each generation, and the clean-up of older ones."""

import shutil
import threading
from pathlib import Path

from .lexical import LexicalIndex
from .store import Store


class SavedBM25:
    """BM25 for the index's current generation: loaded from the folder the process that made the
    change saved, else built from the store and saved for the others."""

    def __init__(self, directory: Path, store: Store) -> None:
        self.directory, self.store = directory, store
        self._lock = threading.Lock()
        self._index: LexicalIndex | None = None
        self._generation = -1
        self._building: int | None = None  # the generation `refresh` is building for

    def current(self) -> LexicalIndex:
        """The BM25 index, loaded (or built) when the index changed since. While `refresh` builds
        it in this process, questions use the previous one (their new documents are still found
        by meaning) rather than wait."""
        with self._lock:
            generation = self.store.generation()
            if self._index is not None and generation in (self._generation, self._building):
                return self._index
            self._index, self._generation = self._load_or_build(generation), generation
            return self._index

    def refresh(self) -> None:
        """After a change: build and save BM25 now, outside the lock, so that no question pays
        for it, here or in another process (which loads the saved one)."""
        with self._lock:
            generation = self.store.generation()
            if generation == self._generation:
                return
            self._building = generation
        try:
            index = self._load_or_build(generation)
        finally:
            with self._lock:
                self._building = None
        with self._lock:
            if self.store.generation() == generation:
                self._index, self._generation = index, generation

    def _load_or_build(self, generation: int) -> LexicalIndex:
        path = self.directory / f"bm25-{generation}"
        try:
            return LexicalIndex.load(path)
        except (OSError, ValueError):
            ids, texts = self.store.chunk_texts()
            index = LexicalIndex.build(ids, texts)
            index.save(path)
            remove_stale(self.directory, "bm25-*", keep=path)
            return index


def remove_stale(directory: Path, pattern: str, keep: Path) -> None:
    """Delete the files or folders of older generations; readers hold theirs in memory."""
    for old in directory.glob(pattern):
        if old == keep:
            continue
        if old.is_dir():
            shutil.rmtree(old, ignore_errors=True)
        else:
            old.unlink(missing_ok=True)
