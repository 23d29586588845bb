"""Documents, chunks and their vectors in one SQLite file: the index's source of truth."""

import json
from collections.abc import Iterable, Iterator
from pathlib import Path

import numpy as np

from ...types import CollectionInfo, Document, DocumentInfo
from ..base import Collections, NewSpan, StoredChunk, StoredDocument, mean_vector, now
from ..local import Connection, SQLiteFile
from .schema import SCHEMA, upgrade

class Store(SQLiteFile):
    """Typed access to the embedded index's SQLite file; every write is one transaction."""

    def __init__(self, path: Path) -> None:
        super().__init__(path, SCHEMA)
        upgrade(self._db)

    def meta(self, key: str) -> str | None:
        """Read one metadata value."""
        row = self._db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, db: Connection, key: str, value: str) -> None:
        """Write one metadata value inside a transaction."""
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, value))

    def generation(self) -> int:
        """Return the counter that every change to the chunks increments."""
        return int(self.meta("generation") or 0)

    def next_generation(self, db: Connection) -> int:
        """Advance the change counter inside a write; return the new generation."""
        generation = self.generation() + 1
        self.set_meta(db, "generation", str(generation))
        return generation

    def content_hash(self, document_id: str) -> str | None:
        """Return the stored document's content hash, if it is stored."""
        row = self._db.execute(
            "SELECT content_hash FROM documents WHERE id = ?", (document_id,)
        ).fetchone()
        return row[0] if row else None

    def vectors_for(self, embed_hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """Return already computed vectors for these embedding inputs (chunks or sentences)."""
        found: dict[str, np.ndarray] = {}
        hashes = list(set(embed_hashes))
        for i in range(0, len(hashes), 500):
            part = hashes[i : i + 500]
            marks = ",".join("?" * len(part))
            for table, dtype in (("sentences", np.float16), ("chunks", np.float32)):
                for h, blob in self._db.execute(
                    f"SELECT embed_hash, vector FROM {table} WHERE embed_hash IN ({marks})", part
                ):
                    found[h] = np.frombuffer(blob, dtype=dtype).astype(np.float32)
        return found

    def sentence_vectors(self, wanted: list[tuple["StoredChunk", list[tuple[int, int]]]],
                         ) -> list[dict[tuple[int, int], np.ndarray]]:
        """For each chunk (and its sentences' spans): the stored vectors of its sentences, by
        (start, end); a sentence without one (an index built before they were stored) is left out."""
        found = []
        for chunk, _ in wanted:
            rows = self._db.execute(
                "SELECT start, end, vector FROM sentences WHERE document_id = ? AND start >= ? AND start < ?"
                " AND end <= ?", (chunk.document.id, chunk.start, chunk.end, chunk.end)).fetchall()
            found.append({(a, b): np.frombuffer(blob, dtype=np.float16).astype(np.float32) for a, b, blob in rows})
        return found

    def put_document(
        self, db: Connection, doc: Document, content_hash: str, chunks: list[NewSpan],
        generation: int, summary: list[tuple[int, int]], sentences: Iterable[NewSpan] = (),
        ingested_at: str | None = None,
    ) -> tuple[list[int], list[int]]:
        """Store or replace a document, its chunks and its sentences' vectors; return (removed
        chunk ids, new chunk ids). `ingested_at` (default: now) keeps a copied document's date."""
        removed = self.delete_document(db, doc.id, generation)
        db.execute(
            "INSERT INTO documents (id, source, title, published, text, content_hash, ingested_at,"
            " generation, summary, language, from_image, collection) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (doc.id, doc.source, doc.title, doc.published, doc.text, content_hash, ingested_at or now(),
             generation, json.dumps(summary), doc.language, int(doc.from_image), doc.collection),
        )
        added = []
        for ordinal, chunk in enumerate(chunks):
            cursor = db.execute(
                "INSERT INTO chunks (document_id, ordinal, start, end, embed_hash, vector, language, entities)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (doc.id, ordinal, chunk.start, chunk.end, chunk.embed_hash,
                 np.asarray(chunk.vector, dtype=np.float32).tobytes(), chunk.language, chunk.entities),
            )
            added.append(int(cursor.lastrowid))
        db.executemany(
            "INSERT OR REPLACE INTO sentences (document_id, start, end, embed_hash, vector) VALUES (?, ?, ?, ?, ?)",
            [(doc.id, s.start, s.end, s.embed_hash, np.asarray(s.vector, dtype=np.float16).tobytes())
             for s in sentences])
        return removed, added

    def delete_document(self, db: Connection, document_id: str, generation: int) -> list[int]:
        """Delete a document and its chunks; return the removed chunk ids, also logged under
        `generation` for indexes saved before it."""
        ids = [r[0] for r in db.execute("SELECT id FROM chunks WHERE document_id = ?", (document_id,))]
        db.execute("DELETE FROM documents WHERE id = ?", (document_id,))
        db.executemany("INSERT OR REPLACE INTO removed_chunks (id, generation) VALUES (?, ?)",
                       [(i, generation) for i in ids])
        return ids

    def removed_since(self, generation: int) -> np.ndarray | None:
        """Ids of the chunks removed after `generation`; None when the log no longer reaches
        back that far (`forget_removed`)."""
        rows = self._db.execute("SELECT id FROM removed_chunks WHERE generation > ?", (generation,)).fetchall()
        if int(self.meta("removals_logged_after") or -1) > generation:
            return None
        return np.array([r[0] for r in rows], dtype=np.int64)

    def changes_since(self, generation: int, last_id: int) -> int:
        """How many chunks were added (ids past `last_id`) or removed since `generation`."""
        return self._db.execute(
            "SELECT (SELECT COUNT(*) FROM chunks WHERE id > ?)"
            " + (SELECT COUNT(*) FROM removed_chunks WHERE generation > ?)", (last_id, generation)).fetchone()[0]

    def forget_removed(self, up_to: int) -> None:
        """Drop the removal log up to a generation no saved index needs any more."""
        with self.transaction() as db:
            if int(self.meta("removals_logged_after") or -1) < up_to:
                db.execute("DELETE FROM removed_chunks WHERE generation <= ?", (up_to,))
                self.set_meta(db, "removals_logged_after", str(up_to))

    def find_document_id(self, ref: str, collections: Collections = None) -> str | None:
        """Resolve a document id, an id prefix or a source to an id (within `collections`)."""
        inside, params = _within(collections)
        row = self._db.execute(
            f"SELECT id FROM documents d WHERE (id = ? OR source = ?){inside} ORDER BY id = ? DESC",
            (ref, ref, *params, ref)).fetchone()
        if row:
            return row[0]
        rows = self._db.execute(
            f"SELECT id FROM documents d WHERE id LIKE ?{inside} LIMIT 2", (ref.replace("%", "") + "%", *params)
        ).fetchall()
        return rows[0][0] if len(rows) == 1 else None

    def document(self, document_id: str, collections: Collections = None) -> Document | None:
        """Return a stored document with its text."""
        inside, params = _within(collections)
        row = self._db.execute(
            "SELECT id, title, source, published, text, language, from_image, collection FROM documents d"
            f" WHERE id = ?{inside}", (document_id, *params)).fetchone()
        return Document(*row[:6], bool(row[6]), row[7]) if row else None

    def documents(self, after_generation: int = -1, since: str | None = None,
                  collections: Collections = None) -> list[DocumentInfo]:
        """List stored documents newest first, optionally only those added after a point."""
        inside, params = _within(collections)
        rows = self._db.execute(
            "SELECT d.id, d.title, d.source, d.published, COUNT(c.id), d.from_image, d.language, d.collection"
            " FROM documents d LEFT JOIN chunks c ON c.document_id = d.id"
            f" WHERE d.generation > ? AND d.ingested_at >= ?{inside} GROUP BY d.id"
            " ORDER BY COALESCE(d.published, d.ingested_at) DESC, d.title",
            (after_generation, since or "", *params),
        ).fetchall()
        return [DocumentInfo(*row[:5], bool(row[5]), row[6], row[7]) for row in rows]

    def collections(self) -> list[CollectionInfo]:
        """Every collection that holds a document: its documents, chunks and last change."""
        rows = self._db.execute(
            "SELECT d.collection, COUNT(*), SUM((SELECT COUNT(*) FROM chunks c WHERE c.document_id = d.id)),"
            " MAX(d.ingested_at) FROM documents d GROUP BY d.collection ORDER BY d.collection").fetchall()
        return [CollectionInfo(name, documents, chunks or 0, changed) for name, documents, chunks, changed in rows]

    def summary_spans(self, document_id: str) -> list[tuple[int, int]]:
        """Return the stored summary sentences of a document as (start, end) pairs."""
        row = self._db.execute("SELECT summary FROM documents WHERE id = ?", (document_id,)).fetchone()
        return [tuple(pair) for pair in json.loads(row[0])] if row else []

    def set_summary(self, document_id: str, spans: list[tuple[int, int]]) -> None:
        """Store a document's summary sentences as (start, end) pairs."""
        with self.transaction() as db:
            db.execute("UPDATE documents SET summary = ? WHERE id = ?", (json.dumps(spans), document_id))

    def document_means(self, document_ids: list[str], dim: int) -> dict[str, np.ndarray]:
        """Return each document's mean chunk vector, normalised (zeros without chunks)."""
        out: dict[str, list[np.ndarray]] = {doc_id: [] for doc_id in document_ids}
        for i in range(0, len(document_ids), 500):
            part = document_ids[i : i + 500]
            marks = ",".join("?" * len(part))
            for doc_id, blob in self._db.execute(
                f"SELECT document_id, vector FROM chunks WHERE document_id IN ({marks}) ORDER BY id", part
            ):
                out[doc_id].append(np.frombuffer(blob, dtype=np.float32))
        return {k: mean_vector(v, dim) for k, v in out.items()}

    def export(self) -> Iterator[StoredDocument]:
        """Every document with its chunks' and sentences' vectors, for a copy to another store."""
        for (doc_id,) in self._db.execute("SELECT id FROM documents ORDER BY generation, id").fetchall():
            row = self._db.execute("SELECT content_hash, ingested_at, summary FROM documents WHERE id = ?",
                                   (doc_id,)).fetchone()
            if row is None:  # removed meanwhile
                continue
            chunks = [NewSpan(a, b, h, np.frombuffer(v, dtype=np.float32), language, entities)
                      for a, b, h, v, language, entities in self._db.execute(
                          "SELECT start, end, embed_hash, vector, language, entities FROM chunks WHERE document_id = ?"
                          " ORDER BY ordinal", (doc_id,))]
            sentences = [NewSpan(a, b, h, np.frombuffer(v, dtype=np.float16).astype(np.float32))
                         for a, b, h, v in self._db.execute(
                             "SELECT start, end, embed_hash, vector FROM sentences WHERE document_id = ?", (doc_id,))]
            document = self.document(doc_id)
            if document is not None:
                yield StoredDocument(document, row[0], row[1], [tuple(p) for p in json.loads(row[2])],
                                     chunks, sentences)

    def chunk_vectors(self, ids: list[int]) -> np.ndarray:
        """Return the vectors of these chunks, in the given order."""
        marks = ",".join("?" * len(ids))
        rows = dict(self._db.execute(f"SELECT id, vector FROM chunks WHERE id IN ({marks})", ids).fetchall())
        return np.stack([np.frombuffer(rows[i], dtype=np.float32) for i in ids])

    def chunk_ids(self, document_ids: list[str]) -> list[int]:
        """Return the ids of these documents' chunks."""
        marks = ",".join("?" * len(document_ids))
        return [r[0] for r in self._db.execute(
            f"SELECT id FROM chunks WHERE document_id IN ({marks}) ORDER BY id", document_ids)]

    def chunks(self, ids: list[int], collections: Collections = None) -> dict[int, StoredChunk]:
        """Return the chunks with these ids, each with its document."""
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        inside, params = _within(collections)
        rows = self._db.execute(
            "SELECT c.id, c.start, c.end, c.language, d.id, d.title, d.source, d.published, d.text, d.language,"
            " d.from_image, c.entities, d.collection FROM chunks c JOIN documents d ON d.id = c.document_id"
            f" WHERE c.id IN ({marks}){inside}", (*ids, *params)).fetchall()
        return {r[0]: StoredChunk(r[0], r[1], r[2], Document(*r[4:10], bool(r[10]), r[12]), language=r[3],
                                  entities=r[11]) for r in rows}

    def chunk_count(self, document_id: str) -> int:
        """Count a document's chunks."""
        return self._db.execute(
            "SELECT COUNT(*) FROM chunks WHERE document_id = ?", (document_id,)
        ).fetchone()[0]

    def chunk_texts(self, after_id: int = 0) -> tuple[np.ndarray, list[str], list[str], list[str]]:
        """Return the ids past `after_id` with their chunk's title and text, as the lexical
        index reads them, their languages ("" in indexes made before languages) and collections."""
        rows = self._db.execute(
            "SELECT c.id, d.title || char(10) || substr(d.text, c.start + 1, c.end - c.start), c.language,"
            " d.collection FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id > ? ORDER BY c.id",
            (after_id,)).fetchall()
        return (np.array([r[0] for r in rows], dtype=np.int64), [r[1] for r in rows], [r[2] for r in rows],
                [r[3] for r in rows])

    def all_vectors(self, dim: int, after_id: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """Return the chunk ids past `after_id` and their vectors, for the vector index."""
        rows = self._db.execute("SELECT id, vector FROM chunks WHERE id > ? ORDER BY id", (after_id,)).fetchall()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(-1, dim)
        return ids, matrix


def _within(collections: Collections, alias: str = "d") -> tuple[str, tuple[str, ...]]:
    """A WHERE clause's " AND …" limiting rows to `collections` (nothing when None), and its values."""
    if collections is None:
        return "", ()
    names = tuple(collections)
    return f" AND {alias}.collection IN ({','.join('?' * len(names))})", names
