"""What every `verbatim` command shares: the settings and the --index option."""

from pathlib import Path

import click

from index import Fetcher, Library, Location

from .config import Settings


def index_option(command):
    """Add --index DIR to a command; it overrides VERBATIM_INDEX_DIR."""
    return click.option(
        "--index", "index_dir", type=click.Path(file_okay=False, path_type=Path),
        help="Index directory (default: VERBATIM_INDEX_DIR or data/index).",
    )(command)


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
