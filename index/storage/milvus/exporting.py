"""A copy out of Milvus (`MilvusStorage.export`): documents with everything stored for them."""

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING

from ..base import StoredDocument
from .rows import chunk_id, equals, quote, span

if TYPE_CHECKING:
    from .storage import MilvusStorage


def export_batch(storage: "MilvusStorage", ids: list[str]) -> Iterator[StoredDocument]:
    """A batch of documents, in four calls: their rows and texts, chunks by id (derived from the
    row, in order) and sentences by one filter (they have no derivable ids)."""
    found = storage.documents_by_id(ids, ("content_hash", "ingested_at", "summary", "chunks"))
    owned = {doc_id: [chunk_id(doc_id, row["version"], n) for n in range(row["chunks"])]
             for doc_id, (_, row) in found.items()}
    chunks = {r["id"]: r for r in storage.rows_by_id("chunks", [c for cs in owned.values() for c in cs],
                                            ["start", "end", "embed_hash", "vector", *storage.language_field()])}
    sentences: dict[str, list[dict]] = {}
    where = " or ".join(f"({equals('document_id', doc_id)} and version == {quote(row['version'])})"
                        for doc_id, (_, row) in found.items())
    fields = ["document_id", "start", "end", "embed_hash", "vector"]
    for r in storage.rows_where("sentences", where, fields) if where else []:
        sentences.setdefault(r["document_id"], []).append(r)
    for doc_id, (document, row) in found.items():
        yield StoredDocument(document, row["content_hash"], row["ingested_at"],
                             [tuple(p) for p in json.loads(row["summary"])],
                             [span(chunks[c]) for c in owned[doc_id] if c in chunks],
                             [span(r) for r in sentences.get(doc_id, [])])
