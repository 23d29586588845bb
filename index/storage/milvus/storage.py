"""The index in Milvus (Lite in-process, a server, or a cluster) instead of this machine's files.

The `Storage` of index/storage/base.py, with dense and BM25 search by the engine (search.py), so
that fusion, answer choice and confidence stay Verbatim's own (index/ranking/). Everything a
question or a subscription needs is in four collections, shared by machines:

- `<prefix>_chunks`: a chunk's span, vector, and title + text for the engine's BM25;
- `<prefix>_documents`: title, source, dates, summary, the change stamp, the mean chunk vector;
- `<prefix>_texts`: each document's text in pieces (a VARCHAR holds at most 65,535 bytes);
- `<prefix>_sentences`: the sentence vectors the answer choice compares with a question.

Writes are idempotent, so concurrent writers need no lock: a chunk's id is a hash of its document, the
document's content version and its place, and a document's rows are upserted under that version before the
document row points to it; older versions are deleted after, and reads skip chunks whose version is not their
document's. The change counter is the time the document row was written (microseconds): a reader's cursor
stays SETTLE behind its clock, so a write that is slow to show cannot slip behind a cursor (deliveries are
deduplicated per document by the bot, so seeing a document twice costs nothing).
"""

import json
import logging
import time
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from ...credentials import hidden
from ...errors import ModelMismatch
from ...types import CollectionInfo, Document, DocumentInfo
from ..base import Collections, Searching, StoredChunk, StoredDocument
from . import listing
from .client import Guarded, connect
from .rows import BATCH_ROWS, KINDS, all_rows, chunk_id, sentence_id, within, floats
from .schema import MODEL_PROPERTY, create, newer_fields
from .search import Dense, Lexical, scope
from .exporting import export_batch
from .writes import Writes, send

# Seconds between seals during a long write. Milvus Lite scans unsealed rows for every filter, so
# an ingest that seals only at its end slows as it goes (`python benchmarks/lite_flush.py`: 24,000
# rows in 64-row batches, each with a lookup and a delete: 726 s sealed at the end, 73 s sealed
# every 4 batches); a server allows one flush per collection every 10 s by default.
FLUSH_EVERY = 10.0
SETTLE = 60.0  # seconds: longer than a document row takes to show, plus clock skew between machines
EXPORT_BATCH = 100  # documents read together by a copy out of Milvus (one sentence filter each)

log = logging.getLogger(__name__)


class MilvusStorage:
    """The index in a Milvus deployment (the `Storage` of index/storage/base.py); see the module's
    docstring for the layout."""

    def __init__(self, uri: str, token: str | None = None, prefix: str = "verbatim",
                 local_state: Path | None = None) -> None:
        self.uri = uri
        self.where = f"{hidden(uri)} (collections {prefix}_*)"
        self.local_state = local_state or Path("local.sqlite3")
        self.names = {kind: f"{prefix}_{kind}" for kind in KINDS}
        self.client = Guarded(connect(uri, token), uri, list(self.names.values()))
        self._layout: tuple[str, int] | None = None  # (model, dim) once the collections exist
        # whether the collections keep languages, OCR marks, entities (new ones do)
        self.languages = self.images = self.entities = self.scoped = True
        self._sealed = time.monotonic()  # when this process last flushed
        self.dense = Dense(self)
        self.lexical = Lexical(self)

    # ----- layout --------------------------------------------------------------------------

    def layout(self) -> tuple[str, int] | None:
        """The model and vector size the collections were made for; None before the first write."""
        if self._layout is None and self.client.has_collection(self.names["chunks"]):
            described = self.client.describe_collection(self.names["chunks"])
            model = described.get("properties", {}).get(MODEL_PROPERTY)  # none yet: being created
            dim = next(f["params"]["dim"] for f in described["fields"] if f["name"] == "vector")
            if model:
                for name in self.names.values():  # a reopened collection is released until loaded
                    self.client.load_collection(name)
                self.languages, self.images, self.entities, self.scoped = newer_fields(self.client, self.names)
                self._layout = (model, int(dim))
        return self._layout

    def flush(self) -> None:
        """Seal what was written into indexed segments, after an ingest or a removal and every
        FLUSH_EVERY seconds during one: searches and filters of rows still in memory are scans
        (Milvus Lite: a BM25 search over 20,000 new chunks took 1.4 s, 16 ms once flushed). Only
        an optimisation: a refused flush (a server's rate limit) is left to the engine."""
        from pymilvus.exceptions import MilvusException

        if not self.ready():
            return
        try:
            for name in self.names.values():
                self.client.flush(name)
        except MilvusException as error:
            log.info("Milvus did not seal the new rows now (%s); it seals them itself", error)
        self._sealed = time.monotonic()

    def ready(self) -> bool:
        """True once the collections exist (another process may create them)."""
        return self.layout() is not None

    def drop(self) -> None:
        """Delete the collections (scratch indexes of `verbatim eval`)."""
        for name in self.names.values():
            if self.client.has_collection(name):
                self.client.drop_collection(name)
        self._layout = None

    def close(self) -> None:
        """Close the connection."""
        self.client.close()

    # ----- what the index is, and writes --------------------------------------------------------

    def model(self) -> tuple[str, int] | None:
        """The model and vector size the collections were made for; None before the first write."""
        return self.layout()

    def generation(self) -> int:
        """A cursor for "what is new": every document written at or before it is visible."""
        return int((time.time() - SETTLE) * 1e6)

    def write(self, documents: Sequence[StoredDocument], removed: Sequence[str] = (), *,
              model: tuple[str, int]) -> None:
        """Store these documents and remove those ids (see the module's docstring for the order
        that makes it safe without a lock); the first write makes the collections."""
        layout = self.layout()
        if layout is not None and layout[0] != model[0]:
            raise ModelMismatch(f"{self.where} holds vectors of model {layout[0]!r}, not {model[0]!r}")
        if not documents and not removed:
            return
        if layout is None:
            if not documents:
                return  # nothing stored yet and nothing to store
            create(self.client, self.names, *model)
            self._layout = model
        writes = Writes()
        for d in documents:
            writes.documents.append((d.document, d.content_hash, d.content_hash[:16], list(d.chunks),
                                     list(d.sentences), d.summary, d.ingested_at))
        writes.removed.extend(removed)
        send(self, writes, self._layout[1])
        if time.monotonic() - self._sealed >= FLUSH_EVERY:
            self.flush()

    @contextmanager
    def searching(self, collections: Collections = None) -> Iterator[Searching]:
        """The engine's own dense and BM25 search (it keeps its index current itself), filtered
        by the chunks' partition key within `collections`."""
        if collections is None:
            yield Searching(self.dense, self.lexical)
            return
        where = scope(self, collections)
        yield Searching(Dense(self, where), Lexical(self, where), collections)

    def settle(self) -> None:
        """Seal what was written into indexed segments (`flush`)."""
        self.flush()

    # ----- reads ---------------------------------------------------------------------------------

    def rows_where(self, kind: str, where: str, fields: list[str]) -> list[dict]:
        """Every row that matches, however many: one query, or an iterator past its limit."""
        return all_rows(self.client, self.names[kind], where, fields) if self.ready() else []

    def rows_by_id(self, kind: str, ids: list, fields: list[str]) -> list[dict]:
        if not ids or not self.ready():
            return []
        rows: list[dict] = []
        for i in range(0, len(ids), BATCH_ROWS):
            rows += self.client.get(self.names[kind], ids=ids[i : i + BATCH_ROWS], output_fields=fields)
        return rows

    def content_hash(self, document_id: str) -> str | None:
        """Return the stored document's content hash, if it is stored."""
        return next((r["content_hash"] for r in self.rows_by_id("documents", [document_id], ["content_hash"])), None)

    def vectors_for(self, embed_hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """Return already computed vectors for these embedding inputs (chunks or sentences)."""
        found: dict[str, np.ndarray] = {}
        hashes = list(set(embed_hashes))
        for i in range(0, len(hashes), 500):
            where = within("embed_hash", hashes[i : i + 500])
            for kind in ("sentences", "chunks"):
                for row in self.rows_where(kind, where, ["embed_hash", "vector"]):
                    found[row["embed_hash"]] = np.asarray(row["vector"], dtype=np.float32)
        return found

    def sentence_vectors(self, wanted: list[tuple[StoredChunk, list[tuple[int, int]]]],
                         ) -> list[dict[tuple[int, int], np.ndarray]]:
        """For each chunk (and its sentences' spans): the stored vectors of its sentences, by
        (start, end), fetched by their ids in one call."""
        ids = [sentence_id(chunk.document.id, chunk.version, a, b) for chunk, spans in wanted for a, b in spans]
        rows = {r["id"]: r["vector"] for r in self.rows_by_id("sentences", ids, ["vector"])}
        return [{(a, b): np.asarray(rows[key], dtype=np.float32) for a, b in spans
                 if (key := sentence_id(chunk.document.id, chunk.version, a, b)) in rows}
                for chunk, spans in wanted]

    def find_document_id(self, ref: str, collections: Collections = None) -> str | None:
        """Resolve a document id, an id prefix or a source to an id (within `collections`)."""
        return listing.find_document_id(self, ref, collections)

    def document(self, document_id: str, collections: Collections = None) -> Document | None:
        """Return a stored document with its text."""
        found = self.documents_by_id([document_id]).get(document_id, (None,))[0]
        return found if found is not None and (collections is None or found.collection in collections) else None

    def documents_by_id(self, ids: list[str], fields: tuple[str, ...] = ()) -> dict[str, tuple[Document, dict]]:
        """These documents with their texts, each with its row (version and `fields`), in two calls
        by id; a document whose text is not all there (being rewritten, see `_repair`) is left out."""
        return listing.documents_by_id(self, ids, fields)

    def documents(self, after_generation: int = -1, since: str | None = None,
                  collections: Collections = None) -> list[DocumentInfo]:
        """List stored documents newest first, optionally only those added after a point."""
        return listing.documents(self, after_generation, since, collections)

    def collections(self) -> list[CollectionInfo]:
        """Every collection that holds a document: its documents, chunks and last change."""
        return listing.collections(self)

    def summary_spans(self, document_id: str) -> list[tuple[int, int]]:
        """Return the stored summary sentences of a document as (start, end) pairs."""
        return [tuple(pair) for r in self.rows_by_id("documents", [document_id], ["summary"])
                for pair in json.loads(r["summary"])]

    def set_summary(self, document_id: str, spans: list[tuple[int, int]]) -> None:
        """Store a document's summary sentences (the whole row again: an upsert replaces it)."""
        rows = self.rows_by_id("documents", [document_id], ["*"])
        if rows:
            self.client.upsert(self.names["documents"], [{**rows[0], "summary": json.dumps(spans),
                                                          "vector": floats(rows[0]["vector"])}])

    def document_means(self, document_ids: list[str], dim: int) -> dict[str, np.ndarray]:
        """Return each document's mean chunk vector, normalised (stored with the document)."""
        found = {r["id"]: np.asarray(r["vector"], dtype=np.float32)
                 for r in self.rows_by_id("documents", document_ids, ["vector"])}
        return {doc_id: found.get(doc_id, np.zeros(dim, np.float32)) for doc_id in document_ids}

    def chunk_vectors(self, ids: list[int]) -> np.ndarray:
        """Return the vectors of these chunks, in the given order."""
        rows = {r["id"]: r["vector"] for r in self.rows_by_id("chunks", ids, ["vector"])}
        return np.asarray([rows[i] for i in ids], dtype=np.float32)

    def chunk_ids(self, document_ids: list[str]) -> list[int]:
        """Return the ids of these documents' chunks (of their current versions)."""
        rows = self.rows_by_id("documents", document_ids, ["version", "chunks"])
        return sorted(chunk_id(r["id"], r["version"], n) for r in rows for n in range(r["chunks"]))

    def chunks(self, ids: list[int], collections: Collections = None) -> dict[int, StoredChunk]:
        """Return the chunks with these ids, each with its document; a chunk of an older version
        of its document (being replaced), or of a collection not in `collections`, is left out."""
        rows = self.rows_by_id("chunks", ids, ["document_id", "version", "start", "end", *self.language_field()])
        documents = self.documents_by_id([r["document_id"] for r in rows])
        current = {doc_id: row["version"] for doc_id, (_, row) in documents.items()}
        return {r["id"]: StoredChunk(r["id"], r["start"], r["end"], documents[r["document_id"]][0], r["version"],
                                     r.get("language") or "", r.get("entities") or "")
                for r in rows if current.get(r["document_id"]) == r["version"]
                and (collections is None or documents[r["document_id"]][0].collection in collections)}

    def language_field(self, documents: bool = False) -> list[str]:
        """Fields newer collections have, to read where these have them: the language (of chunks
        and documents), of `documents` the mark of a text read by OCR, of chunks their entities."""
        ready = self.ready()
        return (["language"] * (ready and self.languages) + ["from_image"] * (ready and documents and self.images)
                + ["entities"] * (ready and not documents and self.entities))

    def chunk_count(self, document_id: str) -> int:
        """Count a document's chunks."""
        return next((r["chunks"] for r in self.rows_by_id("documents", [document_id], ["chunks"])), 0)

    def count(self, where: str = "") -> int:
        """How many chunks the engine holds (that match `where`)."""
        return int(self.client.query(self.names["chunks"], filter=where, output_fields=["count(*)"])[0]["count(*)"]
                   ) if self.ready() else 0

    def export(self) -> Iterator[StoredDocument]:
        """Every document with its chunks' and sentences' vectors, for a copy to another store."""
        ids = [r["id"] for r in self.rows_where("documents", "", ["id"])]
        for i in range(0, len(ids), EXPORT_BATCH):
            yield from export_batch(self, ids[i : i + EXPORT_BATCH])
