"""A write to the four collections, idempotent so that concurrent writers need no lock (the
order is in MilvusStorage's docstring)."""

import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ...errors import VerbatimError
from ...types import SHARED
from ..base import mean_vector, now
from .rows import BATCH_ROWS, TEXT_PIECE, chunk_id, clip, equals, floats, pieces, quote, sentence_id, terms, text_id

if TYPE_CHECKING:
    from .storage import MilvusStorage

@dataclass
class Writes:
    """One write, sent as `MilvusStorage.write` sends it."""

    documents: list[tuple] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)


def send(storage: "MilvusStorage", writes: Writes, dim: int) -> None:
    """Send a write: rows first, then the document rows that point to them, then the stale rows
    deleted (see MilvusStorage's docstring)."""
    parts: dict[str, dict[str, list[dict]]] = {}  # each document's rows, by collection

    def language(value: str) -> dict:  # collections made before languages have no such field
        return {"language": value} if storage.languages else {}

    def collection(value: str) -> dict:  # collections made before collections hold the shared one alone
        if not storage.scoped and value != SHARED:
            raise VerbatimError(f"{storage.where} was made before collections: it holds the shared collection "
                                "alone. Copy it into new ones (verbatim migrate) to keep chats apart.")
        return {"collection": value} if storage.scoped else {}

    documents = []
    for doc, content_hash, version, spans, sentence_spans, summary, ingested_at in writes.documents:
        parts[doc.id] = {
            "texts": [{"id": text_id(doc.id, version, n), "document_id": doc.id, "version": version,
                       "part": n, "text": doc.text[n * TEXT_PIECE : (n + 1) * TEXT_PIECE], "vector": [0.0, 0.0]}
                      for n in range(pieces(doc.text))],
            "sentences": [{"id": sentence_id(doc.id, version, s.start, s.end), "document_id": doc.id,
                           "version": version, "start": s.start, "end": s.end, "embed_hash": s.embed_hash,
                           "vector": floats(s.vector)} for s in sentence_spans],
            "chunks": [{"id": chunk_id(doc.id, version, n), "document_id": doc.id, "version": version,
                        "start": c.start, "end": c.end, "embed_hash": c.embed_hash,
                        "text": clip(words), "vector": floats(c.vector), **language(c.language),
                        **collection(doc.collection),
                        **({"entities": c.entities} if storage.entities else {})}
                       for n, (c, words) in enumerate(zip(spans, terms(
                           [f"{doc.title}\n{doc.text[c.start:c.end]}" for c in spans], [c.language for c in spans])))]}
        documents.append({"id": doc.id, "source": clip(doc.source), "title": clip(doc.title),
                          "published": (doc.published or "")[:64], "version": version,
                          "content_hash": content_hash, "ingested_at": ingested_at or now(),
                          "summary": json.dumps(summary), "parts": pieces(doc.text),
                          "chunks": len(spans), "generation": 0, **language(doc.language),
                          **({"from_image": doc.from_image} if storage.images else {}),
                          **collection(doc.collection),
                          "vector": floats(mean_vector([c.vector for c in spans], dim))})
    _upsert(storage, parts.values())
    if writes.removed:
        storage.client.delete(storage.names["documents"], ids=list(dict.fromkeys(writes.removed)))
    _point(storage, documents)
    _delete_stale(storage, documents, writes.removed)
    _repair(storage, parts, documents)


def _upsert(storage: "MilvusStorage", parts: Iterable[dict[str, list[dict]]]) -> None:
    """Write documents' texts, sentences and chunks (before the document rows point to them)."""
    parts = list(parts)
    for kind in ("texts", "sentences", "chunks"):
        rows = [row for part in parts for row in part[kind]]
        for i in range(0, len(rows), BATCH_ROWS):
            storage.client.upsert(storage.names[kind], rows[i : i + BATCH_ROWS])

def _point(storage: "MilvusStorage", documents: list[dict]) -> None:
    """Write the document rows, stamped with the change counter: from now on they show."""
    stamp = int(time.time() * 1e6)
    for row in documents:
        row["generation"] = stamp
    if documents:
        storage.client.upsert(storage.names["documents"], documents)

def _delete_stale(storage: "MilvusStorage", documents: list[dict], removed: list[str]) -> None:
    """Delete the other versions of these documents, and every row of the removed ones."""
    stale = [f"{equals('document_id', d['id'])} and version != {quote(d['version'])}" for d in documents]
    stale += [equals("document_id", doc_id) for doc_id in removed]
    for i in range(0, len(stale), 100):
        where = " or ".join(f"({s})" for s in stale[i : i + 100])
        for kind in ("chunks", "sentences", "texts"):
            storage.client.delete(storage.names[kind], filter=where)

def _repair(storage: "MilvusStorage", parts: dict[str, dict[str, list[dict]]], documents: list[dict]) -> None:
    """Two writers that store different versions of one document at once each delete the
    other's rows; the one whose row is current writes its rows again."""
    if not documents:
        return
    current = {r["id"]: r["version"] for r in storage.rows_by_id("documents", [d["id"] for d in documents], ["version"])}
    mine = [d for d in documents if current.get(d["id"]) == d["version"]]
    if not mine:
        return
    held = {row["id"] for row in storage.rows_by_id("chunks", [c["id"] for d in mine for c in parts[d["id"]]["chunks"]],
                                           ["id"])}
    lost = [d["id"] for d in mine if any(c["id"] not in held for c in parts[d["id"]]["chunks"])]
    if lost:
        _upsert(storage, (parts[doc_id] for doc_id in lost))
