"""The embedded index's SQLite schema, and how a file made by an older version gains what is new."""

import sqlite3

from ..local import Connection

DOCUMENTS = """CREATE TABLE IF NOT EXISTS documents (
    id TEXT PRIMARY KEY,
    source TEXT NOT NULL,
    title TEXT NOT NULL,
    published TEXT,
    text TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    ingested_at TEXT NOT NULL,
    generation INTEGER NOT NULL,  -- the index generation that added or last changed it
    summary TEXT NOT NULL DEFAULT '[]',  -- JSON [[start, end], ...] of the summary sentences
    language TEXT NOT NULL DEFAULT '',  -- ISO 639 (index/text/languages.py); '' before languages
    from_image INTEGER NOT NULL DEFAULT 0,  -- its text read by OCR
    collection TEXT NOT NULL DEFAULT 'shared',  -- who may read it (index/storage/base.py)
    UNIQUE (collection, source)
)"""
SCHEMA = f"""
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
{DOCUMENTS};
CREATE INDEX IF NOT EXISTS documents_by_generation ON documents(generation);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    embed_hash TEXT NOT NULL,
    vector BLOB NOT NULL,
    language TEXT NOT NULL DEFAULT '',
    entities TEXT NOT NULL DEFAULT ''  -- index/text/entities.py; '' when no tagger read it
);
CREATE INDEX IF NOT EXISTS chunks_by_document ON chunks(document_id);
CREATE INDEX IF NOT EXISTS chunks_by_hash ON chunks(embed_hash);
CREATE TABLE IF NOT EXISTS sentences (  -- each chunk's sentences, embedded once at ingest
    document_id TEXT NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    embed_hash TEXT NOT NULL,
    vector BLOB NOT NULL,  -- float16: only compared with the question, never searched
    PRIMARY KEY (document_id, start, end)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS sentences_by_hash ON sentences(embed_hash);
CREATE TABLE IF NOT EXISTS removed_chunks (  -- so that saved indexes can catch up (generations.py)
    id INTEGER PRIMARY KEY,
    generation INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS removed_by_generation ON removed_chunks(generation);
"""

# Columns added since the first version: an older file gains them on open.
ADDED = (("documents", "language TEXT NOT NULL DEFAULT ''"), ("chunks", "language TEXT NOT NULL DEFAULT ''"),
         ("documents", "from_image INTEGER NOT NULL DEFAULT 0"), ("chunks", "entities TEXT NOT NULL DEFAULT ''"))


def upgrade(db: Connection) -> None:
    """Bring a file made by an older version up to SCHEMA: added columns, and documents in
    collections (its documents in the shared one)."""
    for table, column in ADDED:
        if column.split()[0] not in _columns(db, table):
            try:
                db.execute(f"ALTER TABLE {table} ADD COLUMN {column}")
            except sqlite3.OperationalError:  # another process added it first
                pass
    if "collection" not in _columns(db, "documents"):
        _into_collections(db)
    db.execute("CREATE INDEX IF NOT EXISTS documents_by_collection ON documents(collection)")


def _columns(db: Connection, table: str) -> set[str]:
    return {row[1] for row in db.execute(f"PRAGMA table_info({table})")}


def _into_collections(db: Connection) -> None:
    """The documents table made anew with a `collection` column and a source unique within a
    collection (SQLite cannot drop the old UNIQUE(source)): SQLite's own recipe for a changed
    table, foreign keys off so that dropping the old table keeps every chunk."""
    with db.lock:
        db.execute("PRAGMA foreign_keys=OFF")
        try:
            db.execute("BEGIN IMMEDIATE")
            try:
                if "collection" not in _columns(db, "documents"):  # else another process did it first
                    kept = ", ".join(sorted(_columns(db, "documents")))
                    db.execute(DOCUMENTS.replace("CREATE TABLE IF NOT EXISTS documents", "CREATE TABLE documents_new"))
                    db.execute(f"INSERT INTO documents_new ({kept}) SELECT {kept} FROM documents")
                    db.execute("DROP TABLE documents")
                    db.execute("ALTER TABLE documents_new RENAME TO documents")
                    db.execute("CREATE INDEX IF NOT EXISTS documents_by_generation ON documents(generation)")
                    if db.execute("PRAGMA foreign_key_check").fetchall():
                        raise sqlite3.IntegrityError("chunks without their document after the upgrade")
            except BaseException:
                db.execute("ROLLBACK")
                raise
            db.execute("COMMIT")
        finally:
            db.execute("PRAGMA foreign_keys=ON")
