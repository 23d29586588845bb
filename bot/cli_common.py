"""What every `verbatim` command shares: the settings and the --index and --collection options."""

import re
from pathlib import Path

import click

from index import COLLECTION_NAME, SHARED, Fetcher, Library, Location

from .config import Settings


def index_option(command):
    """Add --index DIR to a command; it overrides VERBATIM_INDEX_DIR."""
    return click.option(
        "--index", "index_dir", type=click.Path(file_okay=False, path_type=Path),
        help="Index directory (default: VERBATIM_INDEX_DIR or data/index).",
    )(command)


def _collection_name(ctx, param, value):
    names = value if isinstance(value, tuple) else (value,)
    for name in names:
        if not re.fullmatch(COLLECTION_NAME, name):
            raise click.BadParameter(f"{name!r}: a collection's name is letters, digits, - and _ "
                                     "(see: verbatim collections)")
    return value


def collection_option(command=None, *, several: bool = False):
    """Add --collection NAME (default: the shared one; `several`: repeatable, every one given is
    read). A group's collection is chat-<group id>, a user's user<id> (see: verbatim collections)."""
    def add(command):
        return click.option(
            "--collection", "collection", default=(SHARED,) if several else SHARED, multiple=several,
            show_default=True, callback=_collection_name,
            help=("Read these collections (repeat it for several)" if several else "The collection")
            + f" ({SHARED}: the operator's documents, what every chat reads; chat-<id>: a group's own; "
              "user<id>: a user's own).")(command)
    return add(command) if command is not None else add


class Context:
    """Settings and a lazily opened library for one CLI run."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def library(self, index_dir: Path | None, create: bool = False) -> Library:
        """The index of --index (or the settings'), opened as the settings say."""
        return open_library(self.settings, self.settings.location(index_dir), create)


def open_library(settings: Settings, location: Location, create: bool = False, model: str | None = None) -> Library:
    """The one place `bot/` opens an index: where `location` says, as `settings` say (`model`:
    another model name, for a copy)."""
    s = settings
    return Library(location, model=model or s.model, threshold=s.threshold, chunk_tokens=s.chunk_tokens,
                   create=create, method="hybrid" if s.rerank else "fused",
                   fetcher=Fetcher(allowed_hosts=s.allow_private_hosts), reader=s.reader, runtime=s.runtime)
