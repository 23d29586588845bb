"""The index in Milvus (Lite in-process, a server, or a cluster) instead of this machine's files.

The same reads and writes as `Store`, plus dense and BM25 search by the engine (`dense`,
`lexical`), so that fusion, answer choice and confidence stay Verbatim's own (index/fusion.py,
index/retrieval.py). Everything a question or a subscription needs is in four collections, so
that ingest processes and bots on different machines share one index:

- `<prefix>_chunks`: a chunk's span, vector, and title + text for the engine's BM25;
- `<prefix>_documents`: title, source, dates, summary, the change stamp, the mean chunk vector;
- `<prefix>_texts`: each document's text in pieces (a VARCHAR holds at most 65,535 bytes);
- `<prefix>_sentences`: the sentence vectors the answer choice compares with a question.

Writes are idempotent, so concurrent writers need no lock: a chunk's id is a hash of its
document, the document's content version and its place, and a document's rows are upserted
under that version before the document row points to it; older versions are deleted after, and
reads skip chunks whose version is not their document's. The change counter is the time the
document row was written (microseconds): a reader's cursor stays SETTLE behind its clock, so a
write that is slow to show cannot slip behind a cursor (deliveries are deduplicated per
document by the bot, so seeing a document twice costs nothing).
"""

import hashlib
import json
import logging
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np

from .client import Guarded, connect
from ..embedded.bm25 import B, K1, tokenize
from ..embedded.sqlite import NewSpan, StoredChunk, StoredDocument, mean_vector, now
from ...types import Document, DocumentInfo


SETTLE = 60.0  # seconds: longer than a document row takes to show, plus clock skew between machines
TEXT_PIECE = 16_000  # characters: at most 64,000 bytes of UTF-8, under VARCHAR's 65,535
BATCH_ROWS = 1_000  # rows sent in one insert or asked for by id at once
QUERY_LIMIT = 16_384  # Milvus's most rows for one query: past it, an iterator reads them all
EXPORT_BATCH = 100  # documents read together by a copy out of Milvus (one sentence filter each)
# Seconds between seals during a long write. Milvus Lite scans unsealed rows for every filter, so
# an ingest that seals only at its end slows as it goes (`python benchmarks/lite_flush.py`: 24,000
# rows in 64-row batches, each with a lookup and a delete: 726 s sealed at the end, 73 s sealed
# every 4 batches); a server allows one flush per collection every 10 s by default.
FLUSH_EVERY = 10.0
# The engine's BM25 reads text that Verbatim's own BM25 tokenizer made (lower case, no stop words,
# stemmed: index/lexical.py), so that it scores what bm25s scores, on Lite (whose analyzers do not
# stem) as on a server. SciFact, whole abstracts, BM25 nDCG@10: bm25s 0.686, Lite on the raw text
# 0.665, Lite on these tokens 0.686.
ANALYZER = {"tokenizer": "standard", "filter": ["lowercase"]}  # the tokens pass through as they are
KINDS = ("chunks", "documents", "texts", "sentences")
FILTERED = {"chunks": ("document_id", "embed_hash"), "sentences": ("document_id", "embed_hash"),
            "texts": ("document_id",), "documents": ("generation",)}
MODEL_PROPERTY = "verbatim.model"  # on the chunks collection: the model its vectors come from

log = logging.getLogger(__name__)


@dataclass
class _Writes:
    """One write, sent when its `transaction` block ends: nothing is sent if the block fails."""

    model: str | None = None
    dim: int | None = None
    documents: list[tuple] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


class MilvusStore:
    """The index in a Milvus deployment; see the module's docstring for the layout."""

    shared = True

    def __init__(self, uri: str, token: str | None = None, prefix: str = "verbatim") -> None:
        self.uri = uri
        self.names = {kind: f"{prefix}_{kind}" for kind in KINDS}
        self.client = Guarded(connect(uri, token), uri, list(self.names.values()))
        self._layout: tuple[str, int] | None = None  # (model, dim) once the collections exist
        self._sealed = time.monotonic()  # when this process last flushed
        self.dense = _Dense(self)
        self.lexical = _Lexical(self)

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
                self._layout = (model, int(dim))
        return self._layout

    def _create(self, model: str, dim: int) -> None:
        from pymilvus import DataType, Function, FunctionType

        def schema():
            return self.client.create_schema(auto_id=False)

        chunks = schema()
        chunks.add_field("id", DataType.INT64, is_primary=True)
        _owned(chunks, DataType)
        chunks.add_field("start", DataType.INT64)
        chunks.add_field("end", DataType.INT64)
        chunks.add_field("embed_hash", DataType.VARCHAR, max_length=64)
        chunks.add_field("text", DataType.VARCHAR, max_length=65_535, enable_analyzer=True,
                         analyzer_params=ANALYZER)
        chunks.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
        chunks.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
        chunks.add_function(Function(name="bm25", function_type=FunctionType.BM25,
                                     input_field_names=["text"], output_field_names=["sparse"]))
        documents = schema()
        documents.add_field("id", DataType.VARCHAR, is_primary=True, max_length=64)
        for name in ("source", "title"):
            documents.add_field(name, DataType.VARCHAR, max_length=65_535)
        for name in ("published", "version", "content_hash", "ingested_at"):
            documents.add_field(name, DataType.VARCHAR, max_length=64)
        documents.add_field("summary", DataType.VARCHAR, max_length=65_535)
        documents.add_field("generation", DataType.INT64)
        documents.add_field("chunks", DataType.INT64)
        documents.add_field("parts", DataType.INT64)  # pieces of its text in `texts`
        documents.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)  # the mean chunk vector
        texts = schema()
        texts.add_field("id", DataType.VARCHAR, is_primary=True, max_length=128)
        _owned(texts, DataType)
        texts.add_field("part", DataType.INT64)
        texts.add_field("text", DataType.VARCHAR, max_length=65_535)
        texts.add_field("vector", DataType.FLOAT_VECTOR, dim=2)  # unused: Milvus requires a vector field
        sentences = schema()
        sentences.add_field("id", DataType.VARCHAR, is_primary=True, max_length=128)
        _owned(sentences, DataType)
        sentences.add_field("start", DataType.INT64)
        sentences.add_field("end", DataType.INT64)
        sentences.add_field("embed_hash", DataType.VARCHAR, max_length=64)
        sentences.add_field("vector", DataType.FLOAT_VECTOR, dim=dim)
        # Lite's in-process server logs a traceback for a call it lacks (AllocTimestamp) while creating.
        quiet = logging.getLogger("grpc._server")
        level, quiet.level = quiet.level, logging.CRITICAL
        try:
            self._make(schemas={"texts": texts, "sentences": sentences, "documents": documents, "chunks": chunks},
                       model=model)
        finally:
            quiet.setLevel(level)
        self._layout = (model, dim)

    def _make(self, schemas: dict, model: str) -> None:
        from pymilvus.exceptions import MilvusException

        # chunks last, then its model: what other processes wait for (`layout`)
        for kind, made in schemas.items():
            index = self.client.prepare_index_params()
            index.add_index("vector", index_type="AUTOINDEX", metric_type="IP")
            if kind == "chunks":
                index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                                params={"bm25_k1": K1, "bm25_b": B})
            for field_name in FILTERED[kind]:  # what deletes, updates and listings filter on
                index.add_index(field_name, index_type="INVERTED")
            try:
                self.client.create_collection(self.names[kind], schema=made, consistency_level="Strong")
            except MilvusException:
                if not self.client.has_collection(self.names[kind]):
                    raise
                continue  # another writer made it, and indexes it
            # Not `create_collection(index_params=…)`: pymilvus then polls twice a second per index
            # until it is built (Milvus Lite: 0.5 s a collection, plus 0.5 s per index).
            self.client.create_index(self.names[kind], index, sync=False)
            self.client.load_collection(self.names[kind])
        self.client.alter_collection_properties(self.names["chunks"], properties={MODEL_PROPERTY: model})

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

    # ----- the Store interface: meta and writes -----------------------------------------------

    def meta(self, key: str) -> str | None:
        """"model" and "dim" as `Store.meta` gives them; nothing else is kept."""
        layout = self.layout()
        return None if layout is None else {"model": layout[0], "dim": str(layout[1])}.get(key)

    def set_meta(self, db: _Writes, key: str, value: str) -> None:
        """Record the model and vector size for the collections the write creates."""
        if key == "model":
            db.model = value
        elif key == "dim":
            db.dim = int(value)

    def generation(self) -> int:
        """A cursor for "what is new": every document written at or before it is visible."""
        return int((time.time() - SETTLE) * 1e6)

    def next_generation(self, db: _Writes) -> int:
        """Documents are stamped when their row is written; this is the time the write began."""
        return int(time.time() * 1e6)

    @contextmanager
    def transaction(self) -> Iterator[_Writes]:
        """Collect a write's documents and removals, then send them (see the module's docstring)."""
        writes = _Writes()
        yield writes
        if self.layout() is None:
            if writes.model is None or writes.dim is None:
                return  # nothing stored yet and nothing to store
            self._create(writes.model, writes.dim)
        self._send(writes)

    def put_document(
        self, db: _Writes, doc: Document, content_hash: str, chunks: list[NewSpan], generation: int,
        summary: list[tuple[int, int]], sentences: Iterable[NewSpan] = (), ingested_at: str | None = None,
    ) -> tuple[list[int], list[int]]:
        """Queue a document for the write; return ([], its new chunk ids)."""
        version = content_hash[:16]
        db.documents.append((doc, content_hash, version, list(chunks), list(sentences), summary, ingested_at))
        return [], [chunk_id(doc.id, version, n) for n in range(len(chunks))]

    def delete_document(self, db: _Writes, document_id: str, generation: int) -> list[int]:
        """Queue a document's removal; return [] (no local index to update)."""
        db.removed.append(document_id)
        return []

    def _send(self, writes: _Writes) -> None:
        parts: dict[str, dict[str, list[dict]]] = {}  # each document's rows, by collection
        documents = []
        for doc, content_hash, version, spans, sentence_spans, summary, ingested_at in writes.documents:
            parts[doc.id] = {
                "texts": [{"id": _text_id(doc.id, version, n), "document_id": doc.id, "version": version,
                           "part": n, "text": doc.text[n * TEXT_PIECE : (n + 1) * TEXT_PIECE], "vector": [0.0, 0.0]}
                          for n in range(_pieces(doc.text))],
                "sentences": [{"id": _sentence_id(doc.id, version, s.start, s.end), "document_id": doc.id,
                               "version": version, "start": s.start, "end": s.end, "embed_hash": s.embed_hash,
                               "vector": _floats(s.vector)} for s in sentence_spans],
                "chunks": [{"id": chunk_id(doc.id, version, n), "document_id": doc.id, "version": version,
                            "start": c.start, "end": c.end, "embed_hash": c.embed_hash,
                            "text": _clip(words), "vector": _floats(c.vector)}
                           for n, (c, words) in enumerate(zip(spans, _terms(
                               [f"{doc.title}\n{doc.text[c.start:c.end]}" for c in spans])))]}
            documents.append({"id": doc.id, "source": _clip(doc.source), "title": _clip(doc.title),
                              "published": (doc.published or "")[:64], "version": version,
                              "content_hash": content_hash, "ingested_at": ingested_at or now(),
                              "summary": json.dumps(summary), "parts": _pieces(doc.text),
                              "chunks": len(spans), "generation": 0,
                              "vector": _floats(mean_vector([c.vector for c in spans], self._layout[1]))})
        self._upsert(parts.values())
        if writes.removed:
            self.client.delete(self.names["documents"], ids=list(dict.fromkeys(writes.removed)))
        self._point(documents)
        self._delete_stale(documents, writes.removed)
        self._repair(parts, documents)
        if time.monotonic() - self._sealed >= FLUSH_EVERY:
            self.flush()

    def _upsert(self, parts: Iterable[dict[str, list[dict]]]) -> None:
        """Write documents' texts, sentences and chunks (before the document rows point to them)."""
        parts = list(parts)
        for kind in ("texts", "sentences", "chunks"):
            rows = [row for part in parts for row in part[kind]]
            for i in range(0, len(rows), BATCH_ROWS):
                self.client.upsert(self.names[kind], rows[i : i + BATCH_ROWS])

    def _point(self, documents: list[dict]) -> None:
        """Write the document rows, stamped with the change counter: from now on they show."""
        stamp = int(time.time() * 1e6)
        for row in documents:
            row["generation"] = stamp
        if documents:
            self.client.upsert(self.names["documents"], documents)

    def _delete_stale(self, documents: list[dict], removed: list[str]) -> None:
        """Delete the other versions of these documents, and every row of the removed ones."""
        stale = [f"{_equals('document_id', d['id'])} and version != {_quote(d['version'])}" for d in documents]
        stale += [_equals("document_id", doc_id) for doc_id in removed]
        for i in range(0, len(stale), 100):
            where = " or ".join(f"({s})" for s in stale[i : i + 100])
            for kind in ("chunks", "sentences", "texts"):
                self.client.delete(self.names[kind], filter=where)

    def _repair(self, parts: dict[str, dict[str, list[dict]]], documents: list[dict]) -> None:
        """Two writers that store different versions of one document at once each delete the
        other's rows; the one whose row is current writes its rows again."""
        if not documents:
            return
        current = {r["id"]: r["version"] for r in self._get("documents", [d["id"] for d in documents], ["version"])}
        mine = [d for d in documents if current.get(d["id"]) == d["version"]]
        if not mine:
            return
        held = {row["id"] for row in self._get("chunks", [c["id"] for d in mine for c in parts[d["id"]]["chunks"]],
                                               ["id"])}
        lost = [d["id"] for d in mine if any(c["id"] not in held for c in parts[d["id"]]["chunks"])]
        if lost:
            self._upsert(parts[doc_id] for doc_id in lost)

    # ----- the Store interface: reads -----------------------------------------------------------

    def _query(self, kind: str, where: str, fields: list[str]) -> list[dict]:
        """Every row that matches, however many: one query, or an iterator past its limit."""
        if not self.ready():
            return []
        rows = self.client.query(self.names[kind], filter=where, output_fields=fields, limit=QUERY_LIMIT)
        if len(rows) < QUERY_LIMIT:
            return rows
        iterator = self.client.query_iterator(self.names[kind], batch_size=BATCH_ROWS, filter=where,
                                              output_fields=fields)
        rows = []
        try:
            while batch := iterator.next():
                rows += batch
        finally:
            iterator.close()
        return rows

    def _get(self, kind: str, ids: list, fields: list[str]) -> list[dict]:
        if not ids or not self.ready():
            return []
        rows: list[dict] = []
        for i in range(0, len(ids), BATCH_ROWS):
            rows += self.client.get(self.names[kind], ids=ids[i : i + BATCH_ROWS], output_fields=fields)
        return rows

    def content_hash(self, document_id: str) -> str | None:
        """Return the stored document's content hash, if it is stored."""
        rows = self._get("documents", [document_id], ["content_hash"])
        return rows[0]["content_hash"] if rows else None

    def vectors_for(self, embed_hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """Return already computed vectors for these embedding inputs (chunks or sentences)."""
        found: dict[str, np.ndarray] = {}
        hashes = list(set(embed_hashes))
        for i in range(0, len(hashes), 500):
            where = _within("embed_hash", hashes[i : i + 500])
            for kind in ("sentences", "chunks"):
                for row in self._query(kind, where, ["embed_hash", "vector"]):
                    found[row["embed_hash"]] = np.asarray(row["vector"], dtype=np.float32)
        return found

    def sentence_vectors(self, wanted: list[tuple[StoredChunk, list[tuple[int, int]]]],
                         ) -> list[dict[tuple[int, int], np.ndarray]]:
        """For each chunk (and its sentences' spans): the stored vectors of its sentences, by
        (start, end), fetched by their ids in one call."""
        ids = [_sentence_id(chunk.document.id, chunk.version, a, b) for chunk, spans in wanted for a, b in spans]
        rows = {r["id"]: r["vector"] for r in self._get("sentences", ids, ["vector"])}
        return [{(a, b): np.asarray(rows[key], dtype=np.float32) for a, b in spans
                 if (key := _sentence_id(chunk.document.id, chunk.version, a, b)) in rows}
                for chunk, spans in wanted]

    def find_document_id(self, ref: str) -> str | None:
        """Resolve a document id, an id prefix or a source to an id."""
        if not self.ready():
            return None
        exact = self.client.query(self.names["documents"], filter=f"{_equals('id', ref)} or {_equals('source', ref)}",
                                  output_fields=["id"], limit=1)
        if exact:
            return exact[0]["id"]
        prefix = "".join(c for c in ref if c.isalnum())
        if not prefix:
            return None
        rows = self.client.query(self.names["documents"], filter=f'id like "{prefix}%"', output_fields=["id"], limit=2)
        return rows[0]["id"] if len(rows) == 1 else None

    def document(self, document_id: str) -> Document | None:
        """Return a stored document with its text."""
        found = self._documents([document_id]).get(document_id)
        return found[0] if found else None

    def _documents(self, ids: list[str], fields: tuple[str, ...] = ()) -> dict[str, tuple[Document, dict]]:
        """These documents with their texts, each with its row (version and `fields`), in two calls
        by id; a document whose text is not all there (being rewritten, see `_repair`) is left out."""
        rows = self._get("documents", list(dict.fromkeys(ids)),
                         ["title", "source", "published", "version", "parts", *fields])
        keys = {r["id"]: [_text_id(r["id"], r["version"], n) for n in range(r["parts"])] for r in rows}
        pieces = {p["id"]: p["text"] for p in self._get("texts", [k for ks in keys.values() for k in ks], ["text"])}
        return {r["id"]: (Document(r["id"], r["title"], r["source"], r["published"] or None,
                                   "".join(pieces[k] for k in keys[r["id"]])), r)
                for r in rows if all(k in pieces for k in keys[r["id"]])}

    def documents(self, after_generation: int = -1, since: str | None = None) -> list[DocumentInfo]:
        """List stored documents newest first, optionally only those added after a point."""
        where = f"generation > {int(after_generation)} and ingested_at >= {_quote(since or '')}"
        rows = self._query("documents", where, ["id", "title", "source", "published", "chunks", "ingested_at"])
        rows.sort(key=lambda r: r["title"])
        rows.sort(key=lambda r: r["published"] or r["ingested_at"], reverse=True)
        return [DocumentInfo(r["id"], r["title"], r["source"], r["published"] or None, r["chunks"]) for r in rows]

    def summary_spans(self, document_id: str) -> list[tuple[int, int]]:
        """Return the stored summary sentences of a document as (start, end) pairs."""
        rows = self._get("documents", [document_id], ["summary"])
        return [tuple(pair) for pair in json.loads(rows[0]["summary"])] if rows else []

    def set_summary(self, document_id: str, spans: list[tuple[int, int]]) -> None:
        """Store a document's summary sentences (the whole row again: an upsert replaces it)."""
        rows = self._get("documents", [document_id], ["*"])
        if rows:
            self.client.upsert(self.names["documents"], [{**rows[0], "summary": json.dumps(spans),
                                                          "vector": _floats(rows[0]["vector"])}])

    def document_means(self, document_ids: list[str], dim: int) -> dict[str, np.ndarray]:
        """Return each document's mean chunk vector, normalised (stored with the document)."""
        found = {r["id"]: np.asarray(r["vector"], dtype=np.float32)
                 for r in self._get("documents", document_ids, ["vector"])}
        return {doc_id: found.get(doc_id, np.zeros(dim, np.float32)) for doc_id in document_ids}

    def chunk_vectors(self, ids: list[int]) -> np.ndarray:
        """Return the vectors of these chunks, in the given order."""
        rows = {r["id"]: r["vector"] for r in self._get("chunks", ids, ["vector"])}
        return np.asarray([rows[i] for i in ids], dtype=np.float32)

    def chunk_ids(self, document_ids: list[str]) -> list[int]:
        """Return the ids of these documents' chunks (of their current versions)."""
        rows = self._get("documents", document_ids, ["version", "chunks"])
        return sorted(chunk_id(r["id"], r["version"], n) for r in rows for n in range(r["chunks"]))

    def chunks(self, ids: list[int]) -> dict[int, StoredChunk]:
        """Return the chunks with these ids, each with its document; a chunk of an older version
        of its document (being replaced) is left out."""
        rows = self._get("chunks", ids, ["document_id", "version", "start", "end"])
        documents = self._documents([r["document_id"] for r in rows])
        current = {doc_id: row["version"] for doc_id, (_, row) in documents.items()}
        return {r["id"]: StoredChunk(r["id"], r["start"], r["end"], documents[r["document_id"]][0], r["version"])
                for r in rows if current.get(r["document_id"]) == r["version"]}

    def chunk_count(self, document_id: str) -> int:
        """Count a document's chunks."""
        rows = self._get("documents", [document_id], ["chunks"])
        return rows[0]["chunks"] if rows else 0

    def count(self) -> int:
        """How many chunks the engine holds."""
        if not self.ready():
            return 0
        return int(self.client.query(self.names["chunks"], filter="", output_fields=["count(*)"])[0]["count(*)"])

    def export(self) -> Iterator[StoredDocument]:
        """Every document with its chunks' and sentences' vectors, for a copy to another store."""
        ids = [r["id"] for r in self._query("documents", "", ["id"])]
        for i in range(0, len(ids), EXPORT_BATCH):
            yield from self._export(ids[i : i + EXPORT_BATCH])

    def _export(self, ids: list[str]) -> Iterator[StoredDocument]:
        """A batch of documents, in four calls: their rows and texts, chunks by id (derived from the
        row, in order) and sentences by one filter (they have no derivable ids)."""
        found = self._documents(ids, ("content_hash", "ingested_at", "summary", "chunks"))
        owned = {doc_id: [chunk_id(doc_id, row["version"], n) for n in range(row["chunks"])]
                 for doc_id, (_, row) in found.items()}
        chunks = {r["id"]: r for r in self._get("chunks", [c for cs in owned.values() for c in cs],
                                                ["start", "end", "embed_hash", "vector"])}
        sentences: dict[str, list[dict]] = {}
        where = " or ".join(f"({_equals('document_id', doc_id)} and version == {_quote(row['version'])})"
                            for doc_id, (_, row) in found.items())
        fields = ["document_id", "start", "end", "embed_hash", "vector"]
        for r in self._query("sentences", where, fields) if where else []:
            sentences.setdefault(r["document_id"], []).append(r)
        for doc_id, (document, row) in found.items():
            yield StoredDocument(document, row["content_hash"], row["ingested_at"],
                                 [tuple(p) for p in json.loads(row["summary"])],
                                 [_span(chunks[c]) for c in owned[doc_id] if c in chunks],
                                 [_span(r) for r in sentences.get(doc_id, [])])


class _Dense:
    """The engine's vector search, read the way fusion reads `VectorIndex`."""

    def __init__(self, store: MilvusStore) -> None:
        self.store = store

    def __len__(self) -> int:
        return self.store.count()

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Return up to `k` (chunk id, cosine) pairs, best first."""
        if k <= 0 or not self.store.ready():
            return []
        found = self.store.client.search(self.store.names["chunks"], data=[_floats(vector)], anns_field="vector",
                                         limit=min(k, 16_384), search_params={"metric_type": "IP"},
                                         output_fields=[])
        return [(int(hit["id"]), float(hit["distance"])) for hit in found[0]]

    def cosines(self, ids: list[int], vector: np.ndarray) -> np.ndarray:
        """Cosines of these chunks to `vector` (-1 for a chunk gone meanwhile)."""
        rows = {r["id"]: r["vector"] for r in self.store._get("chunks", ids, ["vector"])}
        query = np.asarray(vector, dtype=np.float32)
        return np.array([float(np.asarray(rows[i], np.float32) @ query) if i in rows else -1.0 for i in ids],
                        dtype=np.float32)


class _Lexical:
    """The engine's BM25, read the way fusion reads `LexicalIndex`."""

    def __init__(self, store: MilvusStore) -> None:
        self.store = store

    def scored(self, question: str, depth: int, also: Iterable[int] = ()) -> tuple[list[int], dict[int, float]]:
        """The `depth` best BM25 chunk ids, best first, and the scores of those and of `also`."""
        also = [int(i) for i in also]
        words = _terms([question])[0]
        if not self.store.ready() or not words:
            return [], dict.fromkeys(also, 0.0)
        top = self._search(words, min(depth, 16_384))
        scores = dict(top)
        missing = [i for i in also if i not in scores]
        if missing:
            scores.update(dict.fromkeys(missing, 0.0))
            scores.update(self._search(words, len(missing), "id in " + json.dumps(missing)))
        return [i for i, _ in top], scores

    def _search(self, words: str, limit: int, where: str = "") -> list[tuple[int, float]]:
        found = self.store.client.search(self.store.names["chunks"], data=[words], anns_field="sparse",
                                         limit=limit, filter=where, search_params={"metric_type": "BM25"},
                                         output_fields=[])
        # Lite reports BM25 negated (best first still); a server reports it as it is. BM25 is never
        # negative, so its size is the score.
        return [(int(hit["id"]), abs(float(hit["distance"]))) for hit in found[0] if hit["distance"]]


def chunk_id(document_id: str, version: str, ordinal: int) -> int:
    """A chunk's id, the same in every process: 63 bits of a hash of what it is."""
    digest = hashlib.blake2b(f"{document_id}:{version}:{ordinal}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def _text_id(document_id: str, version: str, part: int) -> str:
    return f"{document_id}:{version}:{part}"


def _sentence_id(document_id: str, version: str, start: int, end: int) -> str:
    return f"{document_id}:{version}:{start}:{end}"


def _pieces(text: str) -> int:
    """How many rows of `texts` hold a text (one, even when it is empty)."""
    return max(1, -(-len(text) // TEXT_PIECE))


def _terms(texts: list[str]) -> list[str]:
    """Texts as the engine's BM25 reads them: Verbatim's BM25 tokens, space-separated."""
    return [" ".join(words) for words in tokenize(texts)]


def _owned(schema, types) -> None:
    """The fields that tie a row to a version of a document."""
    schema.add_field("document_id", types.VARCHAR, max_length=64)
    schema.add_field("version", types.VARCHAR, max_length=16)


def _span(row: dict) -> NewSpan:
    return NewSpan(row["start"], row["end"], row["embed_hash"], np.asarray(row["vector"], dtype=np.float32))


def _floats(vector) -> list[float]:
    return np.asarray(vector, dtype=np.float32).tolist()


def _clip(text: str, limit: int = 65_535) -> str:
    """At most `limit` bytes of UTF-8, cut at a character."""
    data = text.encode()
    return text if len(data) <= limit else data[:limit].decode(errors="ignore")


def _quote(value: str) -> str:
    """A string literal in a Milvus filter."""
    return json.dumps(value, ensure_ascii=False)


def _equals(name: str, value: str) -> str:
    return f"{name} == {_quote(value)}"


def _within(name: str, values: list[str]) -> str:
    return f"{name} in [{', '.join(_quote(v) for v in values)}]"
