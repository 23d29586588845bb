"""What each answer was asked, so that a reply to it, or a quick follow-up in a private chat,
is read in its thread ("And what about Russia?" after "What did NATO say about China?").

Kept in SQLite beside the index: a reply to an answer from before a restart still has its
thread. Only what a follow-up needs is kept (the question as searched, the answer's first
quotes: index/text/followups.py `thread_answer`), for a week."""

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS asked (
    chat_id INTEGER NOT NULL,
    message_id INTEGER NOT NULL,  -- the question's message, and the answer's
    searched TEXT NOT NULL,       -- the question as it was searched (its own reading in its thread)
    answer TEXT NOT NULL,         -- the answer's first quotes, blank-line apart ('' when not found)
    chunk_id INTEGER,             -- the first quote's passage (a follow-up shows it last, seen)
    asked_at REAL NOT NULL,       -- Unix time
    PRIMARY KEY (chat_id, message_id)
);
CREATE INDEX IF NOT EXISTS asked_by_time ON asked (chat_id, asked_at);
"""
KEPT_SECONDS = 7 * 24 * 3600


@dataclass(frozen=True)
class Earlier:
    """A question asked before in a chat, and what its answer quoted."""

    searched: str
    answer: str
    asked_at: float
    chunk_id: int | None = None


class Threads:
    """The questions asked in each chat, by the messages that asked and answered them."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
        self._db.executescript(SCHEMA)

    def remember(self, chat_id: int, message_ids: list[int], searched: str, answer: str,
                 at: float | None = None, chunk_id: int | None = None) -> None:
        """Note a question (searched as `searched`) under its message and its answer's."""
        at = time.time() if at is None else at
        self._db.executemany("INSERT OR REPLACE INTO asked (chat_id, message_id, searched, answer, asked_at, chunk_id)"
                             " VALUES (?, ?, ?, ?, ?, ?)", [(chat_id, m, searched, answer, at, chunk_id) for m in message_ids])
        self._db.execute("DELETE FROM asked WHERE asked_at < ?", (at - KEPT_SECONDS,))

    def of_message(self, chat_id: int, message_id: int) -> Earlier | None:
        """The question a message asked or answered, if it was one."""
        row = self._db.execute("SELECT searched, answer, asked_at, chunk_id FROM asked WHERE chat_id = ? AND message_id = ?",
                               (chat_id, message_id)).fetchone()
        return Earlier(*row) if row else None

    def last(self, chat_id: int, since: float) -> Earlier | None:
        """The chat's latest question asked at or after `since`."""
        row = self._db.execute("SELECT searched, answer, asked_at, chunk_id FROM asked WHERE chat_id = ? AND asked_at >= ? "
                               "ORDER BY asked_at DESC LIMIT 1", (chat_id, since)).fetchone()
        return Earlier(*row) if row else None

    def close(self) -> None:
        self._db.close()
