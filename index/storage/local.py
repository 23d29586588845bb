"""A SQLite file on this machine, shared by the bot's worker threads: the embedded index's
database (index/storage/embedded/sqlite.py) and, on every backend, the tables modules keep for
this machine (followed feeds, index/feeds.py)."""

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class Rows:
    """A statement's result, read in full while the connection was held."""

    def __init__(self, cursor: sqlite3.Cursor) -> None:
        self.rows = cursor.fetchall()
        self.lastrowid, self.rowcount = cursor.lastrowid, cursor.rowcount

    def fetchone(self):
        return self.rows[0] if self.rows else None

    def fetchall(self) -> list:
        return self.rows

    def __iter__(self):
        return iter(self.rows)


class Connection:
    """One connection shared by the bot's worker threads, one statement or transaction at a time.

    Without this, a reader in one thread would run inside another thread's open transaction,
    and two writers would both try to BEGIN on the same connection.
    """

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection
        self.lock = threading.RLock()

    def execute(self, sql: str, params=()) -> Rows:
        with self.lock:
            return Rows(self._connection.execute(sql, params))

    def executemany(self, sql: str, rows) -> Rows:
        with self.lock:
            return Rows(self._connection.executemany(sql, rows))

    def executescript(self, script: str) -> None:
        with self.lock:
            self._connection.executescript(script)

    def close(self) -> None:
        with self.lock:
            self._connection.close()


class SQLiteFile:
    """A SQLite file in WAL mode; every write is one transaction."""

    def __init__(self, path: Path, schema: str = "") -> None:
        self.path = path
        self._db = Connection(sqlite3.connect(path, check_same_thread=False, timeout=30, isolation_level=None))
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        if schema:
            self._db.executescript(schema)

    def close(self) -> None:
        """Close the connection."""
        self._db.close()

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """Run writes atomically; IMMEDIATE makes writers in other processes queue up, not fail."""
        with self._db.lock:
            self._db.execute("BEGIN IMMEDIATE")
            try:
                yield self._db
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def create(self, schema: str) -> None:
        """Create tables (idempotent) for a module that keeps its state here."""
        self._db.executescript(schema)

    def query(self, sql: str, params: tuple = ()) -> list[tuple]:
        """Run a read-only query."""
        return self._db.execute(sql, params).fetchall()
