"""Documents into the index: read (files, folders, URLs), chunked, embedded what is not embedded
yet, tagged, and written a batch at a time into one collection (what `Library.ingest` and
`Library.add` do)."""

import contextlib
import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from collections.abc import Iterable
from typing import TYPE_CHECKING

from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from .errors import UnsupportedDocument
from .sources import documents as loader
from .sources import indexing, ocr
from .text import entities
from .storage import NewSpan, StoredDocument
from .types import IngestReport, SourceText

if TYPE_CHECKING:
    from .library import Library

log = logging.getLogger(__name__)

EMBED_BATCH = 64  # chunks embedded (and committed) together during ingest


@functools.cache
def _tagger() -> ThreadPoolExecutor:
    """The one thread that tags passages (index/text/entities.py): spaCy's English model loads
    there while the first documents are read, and tags each batch while the embedder reads it."""
    pool = ThreadPoolExecutor(1, thread_name_prefix="tagger")
    pool.submit(entities.load)
    return pool


def warm_tagger() -> None:
    """Start loading the tagger now, in its thread (a serving process's first document waits less)."""
    _tagger()


def ingest(library: "Library", targets: Iterable[str], progress: bool, collection: str) -> IngestReport:
    """Read files, folders and URLs and index what is new or changed."""
    files = [f for target in targets for f in loader.expand(target)]
    failures: list[tuple[str, str]] = []

    def readable():
        for target in tqdm(files, desc="Reading", unit="doc", disable=not progress or None):
            try:
                yield loader.load(target, library.fetcher, ocr.page_bar(target) if progress else None)
            except UnsupportedDocument as error:  # the report says it: the CLI prints it, the bot replies it
                log.info("skipped %s", error)
                failures.append((target, str(error)))
            except OSError as error:
                failures.append((target, f"{target}: {error.strerror or error}"))

    with logging_redirect_tqdm() if progress else contextlib.nullcontext():  # a log line never splits a bar
        report = add(library, readable(), False, True, collection)  # the "Reading" bar already tracks progress
    return IngestReport(
        report.added, report.updated, report.unchanged, report.failed + len(failures),
        report.chunks_embedded, tuple(failures) + report.errors, report.documents,
    )


def add(library: "Library", sources: Iterable[SourceText], progress: bool, summaries: bool,
        collection: str) -> IngestReport:
    """Index documents already read; unchanged ones cost nothing, changed ones are replaced.

    Reading (a download may be slow), chunking and embedding happen before each batch is
    written: questions are answered from the index as it was until then. With
    `summaries=False` (bulk evaluation), summaries are computed on first request.
    """
    counts = {"added": 0, "updated": 0, "unchanged": 0, "chunks_embedded": 0}
    ids: list[str] = []
    batch: list[indexing.Pending] = []
    for source in tqdm(sources, desc="Indexing", unit="doc", disable=not progress or None):
        doc = indexing.document(source, collection)
        ids.append(doc.id)
        fingerprint = indexing.fingerprint(source, library.model_name, library.chunk_tokens)
        previous = library.storage.content_hash(doc.id)
        if previous == fingerprint:
            counts["unchanged"] += 1
            continue
        counts["updated" if previous else "added"] += 1
        _tagger()  # loading while the documents are read and embedded
        batch.append(indexing.prepare(doc, fingerprint, library.embedder, library.chunk_tokens))
        if sum(len(p.chunks) for p in batch) >= EMBED_BATCH:
            counts["chunks_embedded"] += commit(library, batch, summaries)
            batch = []
    if batch:
        counts["chunks_embedded"] += commit(library, batch, summaries)
    if counts["added"] or counts["updated"]:
        library.storage.settle()
    return IngestReport(**counts, documents=tuple(ids))


def commit(library: "Library", batch: list[indexing.Pending], summaries: bool = True) -> int:
    """Embed what is not embedded yet, then write the batch at once."""
    model = library.model_name
    known = library.storage.vectors_for(h for p in batch for h in indexing.hashes(p, model))
    tagging = _tagger().submit(indexing.tag, batch)  # spaCy on one core while the embedder runs
    embedded = indexing.embed(batch, known, library.embedder, model, summaries)
    tagging.result()
    library.storage.write([StoredDocument(
        p.doc, p.fingerprint, None, p.summary,
        [NewSpan(s, e, h, v, said, found) for (s, e, _), h, v, said, found
         in zip(p.chunks, p.hashes, p.vectors, p.languages, p.entities)],
        [NewSpan(s, e, h, v) for (s, e), h, v in zip(p.sentences, p.sentence_hashes, p.sentence_vectors)],
    ) for p in batch], model=library.vectors_model())
    return embedded
