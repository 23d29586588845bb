"""The index as one object: ingest documents, remove them, list them and search them, on any
backend (index/storage/)."""

import contextlib
import logging
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .errors import DocumentNotFound, ModelMismatch
from .models.embedding import DEFAULT_MODEL, CachedEmbedder, Embedder, embed_questions, load_embedder
from .models.reader import Reader
from .models.readers import load_reader
from .ranking.confidence import fitted
from .ranking.question import Question
from .ranking.retrieval import best_per_document, rank, rank_within, search
from . import ingesting
from .sources import indexing
from .sources.fetching import Fetcher
from .storage import Location
from .storage import open as open_storage
from .storage.base import Collections
from .storage.local import SQLiteFile
from .summaries import DigestItem, Summary, build_digest
from .text import terms
from .types import SHARED, Answer, CollectionInfo, Document, DocumentInfo, Hit, IngestReport, SourceText, Span

log = logging.getLogger(__name__)

DEFAULT_CHUNK_TOKENS = 128


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

    def vectors_model(self) -> tuple[str, int]:
        """The model a write records: as built, else this library's (its size from the embedder)."""
        return self.storage.model() or (self.model_name, self.embedder.dim)

    # ----- reading -------------------------------------------------------------------------

    def documents(self, after_generation: int = -1, since: str | None = None,
                  collections: Collections = None) -> list[DocumentInfo]:
        """List stored documents, newest first; optionally only those added after a generation
        or ingested since an ISO date, or in some collections (None: every one)."""
        return self.storage.documents(after_generation, since, collections)

    @property
    def generation(self) -> int:
        """A counter every change to the index increments; a cursor for "what is new"."""
        return self.storage.generation()

    def summary(self, ref: str, collections: Collections = None) -> Summary:
        """Return a document's summary, computed at ingest."""
        doc = self.document(ref, collections)
        info = DocumentInfo.of(doc, self.storage.chunk_count(doc.id))
        spans = self.storage.summary_spans(doc.id)
        if not spans:  # ingested with summaries=False: summarise now, once
            spans = indexing.summary_of(doc.text, self.embedder)
            self.storage.set_summary(doc.id, spans)
        return Summary(info, tuple(Span(doc.text[s:e], s, e) for s, e in spans))

    def digest(self, after_generation: int = -1, since: str | None = None,
               collections: Collections = None) -> list[DigestItem]:
        """Summarise the documents added after a point (in `collections`), one item per story,
        most covered first."""
        docs = self.documents(after_generation, since, collections)
        if not docs:
            return []
        means = self.storage.document_means([d.id for d in docs], self.vectors_model()[1])
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
        ranked = [rank_within(Question.of(topic), embedder, self.storage, chunk_ids, self.scorer) for topic in topics]
        return [best_per_document(hits, self.threshold) for hits in ranked]

    def document(self, ref: str, collections: Collections = None) -> Document:
        """Return a stored document by id, id prefix or source, if `collections` hold it."""
        doc_id = self.storage.find_document_id(ref, collections)
        doc = self.storage.document(doc_id, collections) if doc_id else None
        if doc is None:
            raise DocumentNotFound(f"No document {ref!r}. See: verbatim documents")
        return doc

    def search(self, question: str, k: int = 5, every: bool = False, typed: str | None = None,
               collections: Collections = None) -> Answer:
        """Answer a question with up to `k` verbatim hits from `collections` (None: every one;
        `every`: all `k`, also those under the threshold; `typed`: what was typed when `question`
        is its reading in a thread; see ranking/retrieval.search); blocking, run it off the event
        loop. Threads may search at once."""
        with self._parts(collections) as parts:
            return search(Question.of(question, typed), k, self.threshold, every=every, method=self.method, **parts)

    def rank(self, question: str, k: int = 10, method: str | None = None, typed: str | None = None,
             collections: Collections = None) -> list[Hit]:
        """Return up to `k` hits best first, ignoring the threshold (for evaluation)."""
        with self._parts(collections) as parts:
            return rank(Question.of(question, typed), k, method=method or self.method, **parts)

    @contextlib.contextmanager
    def _parts(self, collections: Collections = None) -> Iterator[dict]:
        """What a question reads: the models, and the storage's search held steady meanwhile."""
        embedder, reader = self.embedder, self.reader
        with self.storage.searching(collections) as found:
            yield {"embedder": embedder, "vectors": found.dense, "lexical": found.lexical, "store": self.storage,
                   "reader": reader, "scorer": self.scorer, "collections": found.collections}

    @property
    def reader(self) -> Reader | None:
        """The reader, loaded on first use once per process; None when switched off."""
        if self._reader is True:
            self._reader = load_reader(self.runtime)
        return self._reader or None

    def chunk_total(self, collections: Collections = None) -> int:
        """How many chunks a question searches now (in `collections`)."""
        with self.storage.searching(collections) as found:
            return len(found.dense)

    def warm(self, languages: Iterable[str] = (), tagger: bool = False) -> threading.Thread:
        """Load what a first question needs (the model, the search indexes, the reader); then, in
        the returned thread, the collection's languages and `languages` (terms.prepare); with
        `tagger`, the tagger a document ingested here needs, in its own thread (a process that
        serves and ingests: its first document then takes 0.2 s, not 1.1 s)."""
        self.embedder, self.reader
        if tagger:
            ingesting.warm_tagger()
        with self.storage.searching():
            pass
        return terms.prepare_in_background(lambda: [*(d.language for d in self.documents()), *languages])

    # ----- writing -------------------------------------------------------------------------

    def ingest(self, targets: Iterable[str], progress: bool = True, collection: str = SHARED) -> IngestReport:
        """Read files, folders and URLs and index what is new or changed, into `collection`."""
        return ingesting.ingest(self, targets, progress, collection)

    def add(self, sources: Iterable[SourceText], progress: bool = False, summaries: bool = True,
            collection: str = SHARED) -> IngestReport:
        """Index documents already read into `collection`; unchanged ones cost nothing, changed
        ones are replaced (index/ingesting.py)."""
        return ingesting.add(self, sources, progress, summaries, collection)

    def remove(self, ref: str, collections: Collections = None) -> DocumentInfo:
        """Delete a document (within `collections`) and its vectors; return what was removed."""
        doc = self.document(ref, collections)
        info = DocumentInfo.of(doc, self.storage.chunk_count(doc.id))
        self.storage.write([], removed=[doc.id], model=self.vectors_model())
        self.storage.settle()
        return info

    def collections(self) -> list[CollectionInfo]:
        """Every collection that holds a document, with its size and last change."""
        return self.storage.collections()

    def drop_collection(self, name: str) -> int:
        """Remove every document of a collection at once; return how many."""
        ids = [d.id for d in self.storage.documents(collections=[name])]
        if ids:
            self.storage.write([], removed=ids, model=self.vectors_model())
            self.storage.settle()
        return len(ids)

    def copy_to(self, target: "Library", progress: bool = True) -> int:
        """Copy every document, its chunks' and sentences' vectors and its summary into another
        index (any backend) without embedding anything; return how many were copied."""
        built = target.storage.model()
        if (built is not None and built[0] != self.model_name) or target.model_name != self.model_name:
            raise ModelMismatch(f"{target.where} holds vectors of another model than {self.model_name!r}")
        model = self.vectors_model()
        copied, batch, chunks = 0, [], 0
        for stored in tqdm(self.storage.export(), desc="Copying", unit="doc", disable=not progress or None):
            batch.append(stored)
            chunks += len(stored.chunks)
            if chunks >= ingesting.EMBED_BATCH * 8:
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

