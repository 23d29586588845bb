"""The index as one object: ingest documents, remove them, list them and search them."""

import contextlib
import logging
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np
from tqdm import tqdm

from .sources import documents as loader
from .sources import indexing
from .models.embedding import DEFAULT_MODEL, CachedEmbedder, Embedder, load_embedder
from .errors import DocumentNotFound, IndexNotFound, ModelMismatch, UnsupportedDocument
from .sources.fetching import Fetcher
from .models.reader import Reader, load_reader
from .ranking.retrieval import DEFAULT_THRESHOLD, rank, rank_within, search
from .summaries import DigestItem, Summary, build_digest
from .storage.embedded.bases import SavedBM25, SavedVectors, apply
from .storage.embedded.bm25 import LexicalIndex
from .storage.embedded.locking import SharedLock
from .storage.milvus.store import MilvusStore
from .storage.embedded.sqlite import NewSpan, Store
from .types import Answer, Document, DocumentInfo, Hit, IngestReport, SourceText, Span
from .storage.embedded.dense import VectorIndex

log = logging.getLogger(__name__)

DB_NAME = "verbatim.sqlite3"
LOCAL_NAME = "local.sqlite3"  # on Milvus: what stays on this machine (followed feeds)
DEFAULT_CHUNK_TOKENS = 128
EMBED_BATCH = 64  # chunks embedded (and committed) together during ingest


class Library:
    """Documents, their chunks and vectors: in one index directory, or in Milvus."""

    def __init__(
        self,
        directory: Path | str,
        model: str = DEFAULT_MODEL,
        threshold: float = DEFAULT_THRESHOLD,
        chunk_tokens: int = DEFAULT_CHUNK_TOKENS,
        create: bool = True,
        method: str = "hybrid",
        embedder: Embedder | None = None,
        fetcher: Fetcher | None = None,
        reader: "bool | Reader" = False,
        runtime: str = "onnx",
        milvus_uri: str | None = None,
        milvus_token: str | None = None,
        collection: str = "verbatim",
    ) -> None:
        """Open (or create) the index in `directory`; `embedder` replaces loading `model`
        (evaluation shares one cached embedder across many indexes); `fetcher` says how URLs
        are downloaded (which private hosts are allowed, size and time limits); `reader`
        (True: the packaged one, loaded on first search) scores the top sentences; `runtime`
        runs the packaged model on onnxruntime ("onnx", "onnx-int8") or on torch ("torch").
        With `milvus_uri` (a Lite file `path.db` or `http://host:19530`) the index is the
        `collection`_* collections there and `directory` keeps only this machine's own state."""
        self.directory = Path(directory).expanduser()
        shared = MilvusStore(milvus_uri, milvus_token, collection) if milvus_uri else None
        found = shared.ready() if shared else (self.directory / DB_NAME).exists()
        if not found and not create:
            where = f"{milvus_uri} (collections {collection}_*)" if milvus_uri else str(self.directory)
            raise IndexNotFound(f"No index in {where} yet. Add documents first: verbatim ingest PATH")
        self.directory.mkdir(parents=True, exist_ok=True)
        self.model_name = model
        self.runtime = runtime
        self.threshold = threshold
        self.chunk_tokens = chunk_tokens
        self.store: Store | MilvusStore = shared or Store(self.directory / DB_NAME)
        # Followed feeds (index/feeds.py): beside the documents, or on this machine with Milvus.
        self.local = Store(self.directory / LOCAL_NAME) if shared else self.store
        self._lock = threading.RLock()  # loading and writing, one thread at a time
        self._searching = SharedLock()  # questions side by side; in-place index changes alone
        self._embedder: Embedder | None = embedder
        self._vectors: VectorIndex | None = None
        self._generation = -1
        # The saved FAISS and BM25 files of an embedded index (Milvus searches itself).
        self._bm25 = SavedBM25(self.directory, self.store) if not shared else None
        self._saved_vectors = SavedVectors(self.directory, self.store) if not shared else None
        self.method = method
        self.fetcher = fetcher or Fetcher()
        self._reader = reader
        self._check_model()

    def _check_model(self) -> None:
        built_with = self.store.meta("model")
        if built_with is not None and built_with != self.model_name:
            raise ModelMismatch(
                f"The index in {self.where} was built with model {built_with!r}, but "
                f"VERBATIM_MODEL is {self.model_name!r}. Set VERBATIM_MODEL={built_with}, "
                "or choose another --index directory to build a new index."
            )

    @property
    def where(self) -> str:
        """Where the index is, for messages."""
        return self.store.uri if self.store.shared else str(self.directory)

    @property
    def embedder(self) -> Embedder:
        """Load the model on first use, once per process."""
        if self._embedder is None:
            embedder = load_embedder(self.model_name, self.runtime)
            dim = self.store.meta("dim")
            if dim is not None and int(dim) != embedder.dim:
                raise ModelMismatch(
                    f"The index in {self.where} holds {dim}-d vectors but model "
                    f"{self.model_name!r} makes {embedder.dim}-d ones. Rebuild it in a new directory."
                )
            self._embedder = embedder
        return self._embedder

    # ----- reading -------------------------------------------------------------------------

    def documents(self, after_generation: int = -1, since: str | None = None) -> list[DocumentInfo]:
        """List stored documents, newest first; optionally only those added after a generation
        or ingested since an ISO date."""
        return self.store.documents(after_generation, since)

    @property
    def generation(self) -> int:
        """A counter every change to the index increments; a cursor for "what is new"."""
        return self.store.generation()

    def summary(self, ref: str) -> Summary:
        """Return a document's summary, computed at ingest."""
        doc = self.document(ref)
        info = DocumentInfo(doc.id, doc.title, doc.source, doc.published, self.store.chunk_count(doc.id))
        spans = self.store.summary_spans(doc.id)
        if not spans:  # ingested with summaries=False: summarise now, once
            spans = indexing.summary_of(doc.text, self.embedder)
            self.store.set_summary(doc.id, spans)
        return Summary(info, tuple(Span(doc.text[s:e], s, e) for s, e in spans))

    def digest(self, after_generation: int = -1, since: str | None = None) -> list[DigestItem]:
        """Summarise the documents added after a point, one item per story, most covered first."""
        docs = self.documents(after_generation, since)
        if not docs:
            return []
        means = self.store.document_means([d.id for d in docs], int(self.store.meta("dim") or 0))
        vectors = np.stack([means[d.id] for d in docs])
        return build_digest(docs, vectors, lambda d: self.summary(d.id))

    def matches(self, topic: str, document_ids: list[str]) -> list[Hit]:
        """Return the best hit in each of these documents that passes the threshold for `topic`."""
        return self.matches_many([topic], document_ids)[0]

    def matches_many(self, topics: list[str], document_ids: list[str]) -> list[list[Hit]]:
        """`matches` for many topics at once: topics embedded in one batch, and each sentence
        of the new documents embedded once, however many topics look at it."""
        if not document_ids or not topics:
            return [[] for _ in topics]
        with self._lock:
            embedder = CachedEmbedder(self.embedder)
            embedder.embed(topics)
            chunk_ids = self.store.chunk_ids(document_ids)
            ranked = [rank_within(topic, embedder, self.store, chunk_ids) for topic in topics]
        return [self._best_per_document(hits) for hits in ranked]

    def _best_per_document(self, hits: list[Hit]) -> list[Hit]:
        best: dict[str, Hit] = {}
        for hit in hits:
            if hit.score >= self.threshold and hit.document.id not in best:
                best[hit.document.id] = hit
        return list(best.values())

    def document(self, ref: str) -> Document:
        """Return a stored document by id, id prefix or source."""
        doc_id = self.store.find_document_id(ref)
        doc = self.store.document(doc_id) if doc_id else None
        if doc is None:
            raise DocumentNotFound(f"No document {ref!r}. See: verbatim documents")
        return doc

    def search(self, question: str, k: int = 5, every: bool = False) -> Answer:
        """Answer a question with up to `k` verbatim hits (`every`: all `k`, also those under the
        threshold; see retrieval.search); blocking, run it off the event loop. Several threads
        may search at once."""
        with self._parts() as parts:
            return search(question, k, self.threshold, every=every, method=self.method, **parts)

    def rank(self, question: str, k: int = 10, method: str | None = None) -> list[Hit]:
        """Return up to `k` hits best first, ignoring the threshold (for evaluation)."""
        with self._parts() as parts:
            return rank(question, k, method=method or self.method, **parts)

    @contextlib.contextmanager
    def _parts(self) -> Iterator[dict]:
        """What a search reads, loaded under the library's lock, then held only as a reader, so
        that questions run side by side."""
        with self._lock:
            vectors = self.vectors()  # first: it notices changes by other processes
            parts = {"embedder": self.embedder, "vectors": vectors, "lexical": self.lexical(),
                     "store": self.store, "reader": self.reader}
        with self._searching.reading():
            yield parts

    @property
    def reader(self) -> Reader | None:
        """The reader, loaded on first use once per process; None when switched off."""
        if self._reader is True:
            self._reader = load_reader(self.runtime)
        return self._reader or None

    def lexical(self) -> LexicalIndex:
        """Return the BM25 index for the index as it is now (index/generations.py), or the
        engine's BM25 on Milvus."""
        return self.store.lexical if self.store.shared else self._bm25.current()

    def vectors(self) -> VectorIndex:
        """Return the vector index, caught up with any process's changes since (generations.py),
        or the engine's vector search on Milvus."""
        if self.store.shared:
            return self.store.dense
        with self._lock:
            generation = self.store.generation()
            if self._vectors is not None and generation != self._generation:
                changes = self._saved_vectors.changes(self._vectors, self._generation)
                if changes is None:  # too far behind: the newest base instead
                    self._vectors = None
                else:
                    with self._searching.writing():
                        apply(self._vectors, changes)
            if self._vectors is None:
                self._vectors = self._saved_vectors.load(int(self.store.meta("dim") or 0) or self.embedder.dim)
            self._generation = generation
            return self._vectors

    # ----- writing -------------------------------------------------------------------------

    def ingest(self, targets: Iterable[str], progress: bool = True) -> IngestReport:
        """Read files, folders and URLs and index what is new or changed."""
        files = [f for target in targets for f in loader.expand(target)]
        failures: list[tuple[str, str]] = []

        def readable():
            for target in tqdm(files, desc="Reading", unit="doc", disable=not progress or None):
                try:
                    yield loader.load(target, self.fetcher)
                except UnsupportedDocument as error:
                    log.warning("skipped %s", error)
                    failures.append((target, str(error)))
                except OSError as error:
                    failures.append((target, f"{target}: {error.strerror or error}"))

        report = self.add(readable())  # the "Reading" bar already tracks progress
        return IngestReport(
            report.added, report.updated, report.unchanged, report.failed + len(failures),
            report.chunks_embedded, tuple(failures) + report.errors, report.documents,
        )

    def add(self, sources: Iterable[SourceText], progress: bool = False, summaries: bool = True) -> IngestReport:
        """Index documents already read; unchanged ones cost nothing, changed ones are replaced.

        Reading (a download may be slow), chunking and embedding happen outside the lock that
        searches take: questions are answered from the index as it was until each batch is
        written. With `summaries=False` (bulk evaluation), summaries are computed on first request.
        """
        counts = {"added": 0, "updated": 0, "unchanged": 0, "chunks_embedded": 0}
        ids: list[str] = []
        batch: list[indexing.Pending] = []
        for source in tqdm(sources, desc="Indexing", unit="doc", disable=not progress or None):
            doc = indexing.document(source)
            ids.append(doc.id)
            fingerprint = indexing.fingerprint(source, self.model_name, self.chunk_tokens)
            previous = self.store.content_hash(doc.id)
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
            self._saved()
        return IngestReport(**counts, documents=tuple(ids))

    def remove(self, ref: str) -> DocumentInfo:
        """Delete a document and its vectors; return what was removed."""
        with self._lock:
            doc = self.document(ref)
            info = DocumentInfo(doc.id, doc.title, doc.source, doc.published,
                                self.store.chunk_count(doc.id))
            vectors = self._vectors
            with self.store.transaction() as db:
                removed = self.store.delete_document(db, doc.id, self._bump(db))
            if vectors is not None:
                with self._searching.writing():
                    vectors.remove(np.asarray(removed, dtype=np.int64))
        self._saved()
        return info

    def _commit(self, batch: list[indexing.Pending], summaries: bool = True) -> int:
        """Embed what is not embedded yet (no lock held), then store the batch in one transaction."""
        known = self.store.vectors_for(h for p in batch for h in indexing.hashes(p, self.model_name))
        embedded = indexing.embed(batch, known, self.embedder, self.model_name, summaries)
        with self._lock:
            self._write(batch)
        return embedded

    def _write(self, batch: list[indexing.Pending]) -> None:
        vectors = self._vectors  # None in a process that only writes: loaded when a search needs it
        with self.store.transaction() as db:
            generation = self._bump(db)
            changes = []
            for p in batch:
                new = [NewSpan(s, e, h, v) for (s, e, _), h, v in zip(p.chunks, p.hashes, p.vectors)]
                sentences = [NewSpan(s, e, h, v) for (s, e), h, v in
                             zip(p.sentences, p.sentence_hashes, p.sentence_vectors)]
                removed, added = self.store.put_document(db, p.doc, p.fingerprint, new, generation, p.summary,
                                                         sentences)
                changes.append((removed, added, new))
        if vectors is None:
            return
        with self._searching.writing():
            for removed, added, new in changes:
                vectors.remove(np.asarray(removed, dtype=np.int64))
                if new:
                    vectors.add(np.asarray(added), np.stack([c.vector for c in new]))

    def _bump(self, db, dim: int | None = None) -> int:
        """Advance the generation inside a write; rebuild later if another process wrote too.
        The first write records the model and its vector size (`dim`: known without loading it)."""
        current = self.store.generation()
        if self.store.meta("model") is None:
            self.store.set_meta(db, "model", self.model_name)
            self.store.set_meta(db, "dim", str(dim or self.embedder.dim))
        generation = self.store.next_generation(db)
        if current == self._generation:
            self._generation = generation
        else:
            self._vectors = None  # another writer got in between: reload from the store
        return generation

    def _saved(self) -> None:
        """After a change: BM25 caught up and, when a merge is due, new bases of both written;
        questions run meanwhile (only an in-place change waits for them). On Milvus: the new rows
        sealed into indexed segments."""
        if self.store.shared:
            self.store.flush()
            return
        merge = self._saved_vectors.merge_due()
        self._bm25.refresh(merge)
        if merge:
            with self._lock:
                vectors, generation = self.vectors(), self._generation
            with self._searching.reading():  # no in-place change while it is written
                saved = self._saved_vectors.save(vectors, generation)
            if saved is not vectors:  # resized: questions move to the copy
                with self._lock:
                    if self._vectors is vectors:  # else changed meanwhile: reload
                        self._vectors = saved if self._generation == generation else None

    def copy_to(self, target: "Library", progress: bool = True) -> int:
        """Copy every document, its chunks' and sentences' vectors and its summary into another
        index (embedded or Milvus) without embedding anything; return how many were copied."""
        if target.store.meta("model") not in (None, self.model_name) or target.model_name != self.model_name:
            raise ModelMismatch(f"{target.where} holds vectors of another model than {self.model_name!r}")
        dim = int(self.store.meta("dim") or 0)
        copied, batch, chunks = 0, [], 0
        for stored in tqdm(self.store.export(), desc="Copying", unit="doc", disable=not progress or None):
            batch.append(stored)
            chunks += len(stored.chunks)
            if chunks >= EMBED_BATCH * 8:
                copied += target._put(batch, dim)
                batch, chunks = [], 0
        copied += target._put(batch, dim)
        target._saved()
        return copied

    def _put(self, stored: list, dim: int) -> int:
        """Store documents copied from another index, as they were (see `copy_to`)."""
        if not stored:
            return 0
        with self._lock, self.store.transaction() as db:
            generation = self._bump(db, dim)
            for s in stored:
                self.store.put_document(db, s.document, s.content_hash, s.chunks, generation, s.summary,
                                        s.sentences, s.ingested_at)
            self._vectors = None  # reloaded from the store on the next search
        return len(stored)

    def drop(self) -> None:
        """Delete a Milvus index's collections (scratch indexes); embedded: nothing."""
        if self.store.shared:
            self.store.drop()

    def close(self) -> None:
        """Release the database connections."""
        self.store.close()
        if self.local is not self.store:
            self.local.close()

