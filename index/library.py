"""The index as one object: ingest documents, remove them, list them and search them, on any
backend (index/storage/)."""

import contextlib
import logging
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from tqdm import tqdm
from tqdm.contrib.logging import logging_redirect_tqdm

from .errors import DocumentNotFound, ModelMismatch, UnsupportedDocument
from .models.embedding import DEFAULT_MODEL, CachedEmbedder, Embedder, embed_questions, load_embedder
from .models.reader import Reader
from .models.readers import load_reader
from .ranking.confidence import fitted
from .ranking.retrieval import best_per_document, rank, rank_within, search
from .sources import documents as loader
from .sources import indexing, ocr
from .sources.fetching import Fetcher
from .storage import Location, NewSpan, StoredDocument
from .storage import open as open_storage
from .storage.local import SQLiteFile
from .summaries import DigestItem, Summary, build_digest
from .text import terms
from .types import Answer, Document, DocumentInfo, Hit, IngestReport, SourceText, Span

log = logging.getLogger(__name__)

DEFAULT_CHUNK_TOKENS = 128
EMBED_BATCH = 64  # chunks embedded (and committed) together during ingest


class Library:
    """Documents, their chunks and vectors, wherever the index is kept."""

    def __init__(
        self,
        where: Location | Path | str,
        model: str = DEFAULT_MODEL,
        threshold: float | None = None,
        chunk_tokens: int = DEFAULT_CHUNK_TOKENS,
        create: bool = True,
        method: str = "hybrid",
        embedder: Embedder | None = None,
        fetcher: Fetcher | None = None,
        reader: "bool | Reader" = False,
        runtime: str = "onnx",
    ) -> None:
        """Open (or create) the index at `where` (index/storage/opening.py: a directory, or a
        `Location` on Milvus); `embedder` replaces loading `model` (evaluation shares one cached
        embedder across many indexes); `threshold` is the "not found" cut (default: the fitted
        one); `fetcher` says how URLs are downloaded (which private hosts are allowed, size and
        time limits); `reader` (True: the packaged one, loaded on first search) scores the top
        sentences; `runtime` runs the packaged model on onnxruntime ("onnx", "onnx-int8") or on
        torch ("torch")."""
        self.location = Location.of(where)
        self.directory = self.location.directory
        self.storage = open_storage(self.location, create)
        self.model_name = model
        self.runtime = runtime
        self.scorer = fitted(model)  # the confidence fitted on this model's signals
        self.threshold = self.scorer.threshold if threshold is None else threshold
        self.chunk_tokens = chunk_tokens
        self.method = method
        self.fetcher = fetcher or Fetcher()
        self._embedder: Embedder | None = embedder
        self._reader = reader
        self._local: SQLiteFile | None = None
        built = self.storage.model()
        if built is not None and built[0] != self.model_name:
            self.storage.close()
            raise ModelMismatch(
                f"The index in {self.where} was built with model {built[0]!r}, but "
                f"VERBATIM_MODEL is {self.model_name!r}. Set VERBATIM_MODEL={built[0]}, "
                "or choose another --index directory to build a new index."
            )

    where = property(lambda self: self.storage.where, doc="Where the index is, for messages.")

    @property
    def local(self) -> SQLiteFile:
        """This machine's own SQLite file, where modules keep their tables (index/feeds.py)."""
        if self._local is None:
            self._local = SQLiteFile(self.storage.local_state)
        return self._local

    @property
    def embedder(self) -> Embedder:
        """Load the model on first use, once per process."""
        if self._embedder is None:
            embedder = load_embedder(self.model_name, self.runtime)
            built = self.storage.model()
            if built is not None and built[1] != embedder.dim:
                raise ModelMismatch(
                    f"The index in {self.where} holds {built[1]}-d vectors but model "
                    f"{self.model_name!r} makes {embedder.dim}-d ones. Rebuild it in a new directory."
                )
            self._embedder = embedder
        return self._embedder

    def _model(self) -> tuple[str, int]:
        """The model a write records: as built, else this library's (its size from the embedder)."""
        return self.storage.model() or (self.model_name, self.embedder.dim)

    # ----- reading -------------------------------------------------------------------------

    def documents(self, after_generation: int = -1, since: str | None = None) -> list[DocumentInfo]:
        """List stored documents, newest first; optionally only those added after a generation
        or ingested since an ISO date."""
        return self.storage.documents(after_generation, since)

    @property
    def generation(self) -> int:
        """A counter every change to the index increments; a cursor for "what is new"."""
        return self.storage.generation()

    def summary(self, ref: str) -> Summary:
        """Return a document's summary, computed at ingest."""
        doc = self.document(ref)
        info = DocumentInfo.of(doc, self.storage.chunk_count(doc.id))
        spans = self.storage.summary_spans(doc.id)
        if not spans:  # ingested with summaries=False: summarise now, once
            spans = indexing.summary_of(doc.text, self.embedder)
            self.storage.set_summary(doc.id, spans)
        return Summary(info, tuple(Span(doc.text[s:e], s, e) for s, e in spans))

    def digest(self, after_generation: int = -1, since: str | None = None) -> list[DigestItem]:
        """Summarise the documents added after a point, one item per story, most covered first."""
        docs = self.documents(after_generation, since)
        if not docs:
            return []
        means = self.storage.document_means([d.id for d in docs], self._model()[1])
        vectors = np.stack([means[d.id] for d in docs])
        return build_digest(docs, vectors, lambda d: self.summary(d.id))

    def matches_many(self, topics: list[str], document_ids: list[str]) -> list[list[Hit]]:
        """For each topic, the best hit in each of these documents that passes the threshold:
        topics embedded in one batch, and each sentence of the new documents embedded once,
        however many topics look at it."""
        if not document_ids or not topics:
            return [[] for _ in topics]
        embedder = CachedEmbedder(self.embedder)
        embed_questions(embedder, topics)
        chunk_ids = self.storage.chunk_ids(document_ids)
        ranked = [rank_within(topic, embedder, self.storage, chunk_ids, self.scorer) for topic in topics]
        return [best_per_document(hits, self.threshold) for hits in ranked]

    def document(self, ref: str) -> Document:
        """Return a stored document by id, id prefix or source."""
        doc_id = self.storage.find_document_id(ref)
        doc = self.storage.document(doc_id) if doc_id else None
        if doc is None:
            raise DocumentNotFound(f"No document {ref!r}. See: verbatim documents")
        return doc

    def search(self, question: str, k: int = 5, every: bool = False, typed: str | None = None) -> Answer:
        """Answer a question with up to `k` verbatim hits (`every`: all `k`, also those under the
        threshold; `typed`: what was typed when `question` is its reading in a thread; see
        ranking/retrieval.search); blocking, run it off the event loop. Threads may search at once."""
        with self._parts() as parts:
            return search(question, k, self.threshold, every=every, method=self.method, typed=typed, **parts)

    def rank(self, question: str, k: int = 10, method: str | None = None, typed: str | None = None) -> list[Hit]:
        """Return up to `k` hits best first, ignoring the threshold (for evaluation)."""
        with self._parts() as parts:
            return rank(question, k, method=method or self.method, typed=typed, **parts)

    @contextlib.contextmanager
    def _parts(self) -> Iterator[dict]:
        """What a question reads: the models, and the storage's search held steady meanwhile."""
        embedder, reader = self.embedder, self.reader
        with self.storage.searching() as found:
            yield {"embedder": embedder, "vectors": found.dense, "lexical": found.lexical, "store": self.storage,
                   "reader": reader, "scorer": self.scorer}

    @property
    def reader(self) -> Reader | None:
        """The reader, loaded on first use once per process; None when switched off."""
        if self._reader is True:
            self._reader = load_reader(self.runtime)
        return self._reader or None

    def chunk_total(self) -> int:
        """How many chunks a question searches now."""
        with self.storage.searching() as found:
            return len(found.dense)

    def warm(self, languages: Iterable[str] = ()) -> threading.Thread:
        """Load what a first question needs (the model, the search indexes, the reader); then, in
        the returned thread, the collection's languages and `languages` (terms.prepare)."""
        self.embedder, self.reader
        with self.storage.searching():
            pass
        return terms.prepare_in_background(lambda: [*(d.language for d in self.documents()), *languages])

    # ----- writing -------------------------------------------------------------------------

    def ingest(self, targets: Iterable[str], progress: bool = True) -> IngestReport:
        """Read files, folders and URLs and index what is new or changed."""
        files = [f for target in targets for f in loader.expand(target)]
        failures: list[tuple[str, str]] = []

        def readable():
            for target in tqdm(files, desc="Reading", unit="doc", disable=not progress or None):
                try:
                    yield loader.load(target, self.fetcher, ocr.page_bar(target) if progress else None)
                except UnsupportedDocument as error:  # the report says it: the CLI prints it, the bot replies it
                    log.info("skipped %s", error)
                    failures.append((target, str(error)))
                except OSError as error:
                    failures.append((target, f"{target}: {error.strerror or error}"))

        with logging_redirect_tqdm() if progress else contextlib.nullcontext():  # a log line never splits a bar
            report = self.add(readable())  # the "Reading" bar already tracks progress
        return IngestReport(
            report.added, report.updated, report.unchanged, report.failed + len(failures),
            report.chunks_embedded, tuple(failures) + report.errors, report.documents,
        )

    def add(self, sources: Iterable[SourceText], progress: bool = False, summaries: bool = True) -> IngestReport:
        """Index documents already read; unchanged ones cost nothing, changed ones are replaced.

        Reading (a download may be slow), chunking and embedding happen before each batch is
        written: questions are answered from the index as it was until then. With
        `summaries=False` (bulk evaluation), summaries are computed on first request.
        """
        counts = {"added": 0, "updated": 0, "unchanged": 0, "chunks_embedded": 0}
        ids: list[str] = []
        batch: list[indexing.Pending] = []
        for source in tqdm(sources, desc="Indexing", unit="doc", disable=not progress or None):
            doc = indexing.document(source)
            ids.append(doc.id)
            fingerprint = indexing.fingerprint(source, self.model_name, self.chunk_tokens)
            previous = self.storage.content_hash(doc.id)
            if previous == fingerprint:
                counts["unchanged"] += 1
                continue
            counts["updated" if previous else "added"] += 1
            batch.append(indexing.prepare(doc, fingerprint, self.embedder, self.chunk_tokens))
            if sum(len(p.chunks) for p in batch) >= EMBED_BATCH:
                counts["chunks_embedded"] += self._commit(batch, summaries)
                batch = []
        if batch:
            counts["chunks_embedded"] += self._commit(batch, summaries)
        if counts["added"] or counts["updated"]:
            self.storage.settle()
        return IngestReport(**counts, documents=tuple(ids))

    def remove(self, ref: str) -> DocumentInfo:
        """Delete a document and its vectors; return what was removed."""
        doc = self.document(ref)
        info = DocumentInfo.of(doc, self.storage.chunk_count(doc.id))
        self.storage.write([], removed=[doc.id], model=self._model())
        self.storage.settle()
        return info

    def _commit(self, batch: list[indexing.Pending], summaries: bool = True) -> int:
        """Embed what is not embedded yet, then write the batch at once."""
        known = self.storage.vectors_for(h for p in batch for h in indexing.hashes(p, self.model_name))
        embedded = indexing.embed(batch, known, self.embedder, self.model_name, summaries)
        indexing.tag(batch)
        self.storage.write([StoredDocument(
            p.doc, p.fingerprint, None, p.summary,
            [NewSpan(s, e, h, v, said, found) for (s, e, _), h, v, said, found
             in zip(p.chunks, p.hashes, p.vectors, p.languages, p.entities)],
            [NewSpan(s, e, h, v) for (s, e), h, v in zip(p.sentences, p.sentence_hashes, p.sentence_vectors)],
        ) for p in batch], model=self._model())
        return embedded

    def copy_to(self, target: "Library", progress: bool = True) -> int:
        """Copy every document, its chunks' and sentences' vectors and its summary into another
        index (any backend) without embedding anything; return how many were copied."""
        built = target.storage.model()
        if (built is not None and built[0] != self.model_name) or target.model_name != self.model_name:
            raise ModelMismatch(f"{target.where} holds vectors of another model than {self.model_name!r}")
        model = self._model()
        copied, batch, chunks = 0, [], 0
        for stored in tqdm(self.storage.export(), desc="Copying", unit="doc", disable=not progress or None):
            batch.append(stored)
            chunks += len(stored.chunks)
            if chunks >= EMBED_BATCH * 8:
                target.storage.write(batch, model=model)
                copied, batch, chunks = copied + len(batch), [], 0
        target.storage.write(batch, model=model)
        target.storage.settle()
        return copied + len(batch)

    def drop(self) -> None:
        """Delete the index itself (scratch indexes of evaluations on an engine)."""
        self.storage.drop()

    def close(self) -> None:
        """Release the database connections."""
        self.storage.close()
        if self._local is not None:
            self._local.close()

