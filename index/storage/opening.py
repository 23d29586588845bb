"""Where an index lives, and the one place that picks its backend."""

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

from ..errors import IndexNotFound
from .base import Storage

LOCAL_NAME = "local.sqlite3"  # on an engine: this machine's own state (followed feeds)


@dataclass(frozen=True)
class Location:
    """An index: a directory on this machine (the embedded backend), or, with `milvus_uri` (a
    Milvus Lite file `path.db` or `http://host:19530`), the `collection`_* collections there,
    `directory` then keeping only this machine's own state."""

    directory: Path
    milvus_uri: str | None = None
    milvus_token: str | None = field(default=None, repr=False)
    collection: str = "verbatim"

    @classmethod
    def of(cls, where: "Location | Path | str") -> "Location":
        """A location as given: a directory stands for an embedded index."""
        return where if isinstance(where, Location) else cls(Path(where).expanduser())

    @classmethod
    def parse(cls, target: str, directory: Path, token: str | None = None) -> "Location":
        """A location named on the command line: a URI (`scheme://…`) or a `.db` file is Milvus
        (keeping this machine's state in `directory`), anything else an index directory."""
        if "://" in target or target.endswith(".db"):
            return cls(Path(directory).expanduser(), target, token)
        return cls(Path(target).expanduser())

    def scratch(self, directory: Path, name: str) -> "Location":
        """A throwaway index like this one (evaluations): in `directory`, and on an engine in
        collections named for this process and `name` (dropped by `Storage.drop`)."""
        return replace(self, directory=directory,
                       collection=f"verbatim_scratch_{os.getpid()}_{name}" if self.milvus_uri else self.collection)


def open(location: Location, create: bool = True) -> Storage:
    """The storage at `location`; IndexNotFound when there is none and `create` is False."""
    if location.milvus_uri:
        from .milvus.storage import MilvusStorage

        storage = MilvusStorage(location.milvus_uri, location.milvus_token, location.collection,
                                location.directory / LOCAL_NAME)
        found = storage.model() is not None
    else:
        from .embedded.storage import EmbeddedStorage

        found = EmbeddedStorage.found_in(location.directory)
        if create:
            location.directory.mkdir(parents=True, exist_ok=True)
        storage = EmbeddedStorage(location.directory) if found or create else None
    if not found and not create:
        where = storage.where if storage is not None else str(location.directory)
        if storage is not None:
            storage.close()
        raise IndexNotFound(f"No index in {where} yet. Add documents first: verbatim ingest PATH")
    location.directory.mkdir(parents=True, exist_ok=True)
    return storage
