"""Subscriptions, their cursors and the delivery log, in SQLite beside the index."""

import datetime as dt
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from .i18n import ENGLISH, N_, Translate

SCHEMA = """
CREATE TABLE IF NOT EXISTS chats (
    chat_id INTEGER PRIMARY KEY, timezone TEXT NOT NULL DEFAULT 'UTC', paused INTEGER NOT NULL DEFAULT 0,
    language TEXT NOT NULL DEFAULT ''  -- Telegram's language_code of who manages its subscriptions
);
CREATE TABLE IF NOT EXISTS subscriptions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id INTEGER NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('daily', 'weekly', 'topic')),
    topic TEXT,
    at TEXT,              -- HH:MM in the chat's timezone, for digests
    weekday INTEGER,      -- 0 = Monday, for weekly digests
    cursor INTEGER NOT NULL,  -- index generation up to which documents were considered
    last_run TEXT,        -- the scheduled time (UTC ISO) of the last digest sent
    created_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    subscription_id INTEGER NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    document_id TEXT NOT NULL,
    delivered_at TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'sent',  -- 'pending' from just before the send until it is done
    PRIMARY KEY (subscription_id, document_id)
);
"""


@dataclass(frozen=True)
class Subscription:
    """A digest (daily or weekly, at a time) or a topic alert, for one chat."""

    id: int
    chat_id: int
    kind: str
    topic: str | None
    at: str | None
    weekday: int | None
    cursor: int
    last_run: str | None
    created_at: str

    def describe(self, _: Translate = ENGLISH.gettext) -> str:
        """Say what the subscription is in a few words (in the language of `_`)."""
        if self.kind == "topic":
            topic = self.topic if len(self.topic) <= TOPIC_SHOWN else self.topic[: TOPIC_SHOWN - 1] + "…"
            return _("alerts on “{topic}”").format(topic=topic)
        if self.kind == "weekly":
            return _("weekly digest, {weekday} at {time}").format(weekday=_(DAY_NAMES[self.weekday or 0]), time=self.at)
        return _("daily digest at {time}").format(time=self.at)


TOPIC_SHOWN = 120  # characters of a topic shown in lists and confirmations
WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]  # as typed
DAY_NAMES = [N_("Monday"), N_("Tuesday"), N_("Wednesday"), N_("Thursday"), N_("Friday"), N_("Saturday"),
             N_("Sunday")]
_COLUMNS = "id, chat_id, kind, topic, at, weekday, cursor, last_run, created_at"


class Subscriptions:
    """Every chat's subscriptions; all writes are single transactions."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path, check_same_thread=False, timeout=30, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)
        columns = {row[1] for row in self._db.execute("PRAGMA table_info(deliveries)")}
        if "state" not in columns:  # a log written before pending entries existed: all were sent
            self._db.execute("ALTER TABLE deliveries ADD COLUMN state TEXT NOT NULL DEFAULT 'sent'")
        if "language" not in {row[1] for row in self._db.execute("PRAGMA table_info(chats)")}:
            self._db.execute("ALTER TABLE chats ADD COLUMN language TEXT NOT NULL DEFAULT ''")

    def close(self) -> None:
        self._db.close()

    def _one(self, sql: str, params: tuple) -> Subscription | None:
        row = self._db.execute(f"SELECT {_COLUMNS} FROM subscriptions WHERE {sql}", params).fetchone()
        return Subscription(*row) if row else None

    def get(self, subscription_id: int) -> Subscription | None:
        """Return a subscription by id."""
        return self._one("id = ?", (subscription_id,))

    def add_digest(self, chat_id: int, kind: str, at: str, weekday: int | None, cursor: int) -> Subscription:
        """Create the chat's daily or weekly digest, or move it to a new time."""
        existing = self._one("chat_id = ? AND kind = ?", (chat_id, kind))
        if existing:
            self._db.execute("UPDATE subscriptions SET at = ?, weekday = ? WHERE id = ?",
                             (at, weekday, existing.id))
            return self.get(existing.id)
        return self._insert(chat_id, kind, None, at, weekday, cursor)

    def add_topic(self, chat_id: int, topic: str, cursor: int, limit: int | None = None
                  ) -> tuple[Subscription | None, bool]:
        """Create a topic alert; return it and whether it is new ((None, False) when the chat
        already has `limit` subscriptions)."""
        existing = self._one("chat_id = ? AND kind = 'topic' AND lower(topic) = lower(?)", (chat_id, topic))
        if existing:
            return existing, False
        if limit is not None and len(self.of_chat(chat_id)) >= limit:
            return None, False
        return self._insert(chat_id, "topic", topic, None, None, cursor), True

    def _insert(self, chat_id, kind, topic, at, weekday, cursor) -> Subscription:
        self._db.execute("INSERT OR IGNORE INTO chats (chat_id) VALUES (?)", (chat_id,))
        cursor_row = self._db.execute(
            "INSERT INTO subscriptions (chat_id, kind, topic, at, weekday, cursor, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?, ?)", (chat_id, kind, topic, at, weekday, cursor, _now()))
        return self.get(cursor_row.lastrowid)

    def of_chat(self, chat_id: int) -> list[Subscription]:
        """List a chat's subscriptions."""
        rows = self._db.execute(
            f"SELECT {_COLUMNS} FROM subscriptions WHERE chat_id = ? ORDER BY id", (chat_id,)).fetchall()
        return [Subscription(*row) for row in rows]

    def active(self, kind: str | None = None) -> list[Subscription]:
        """List subscriptions of chats that are not paused."""
        rows = self._db.execute(
            f"SELECT {', '.join('s.' + c for c in _COLUMNS.split(', '))} FROM subscriptions s"
            " JOIN chats c ON c.chat_id = s.chat_id WHERE c.paused = 0 AND (? IS NULL OR s.kind = ?)"
            " ORDER BY s.id", (kind, kind)).fetchall()
        return [Subscription(*row) for row in rows]

    def remove(self, chat_id: int, subscription_id: int | None = None) -> int:
        """Remove one subscription of a chat, or all of them; return how many went."""
        if subscription_id is None:
            return self._db.execute("DELETE FROM subscriptions WHERE chat_id = ?", (chat_id,)).rowcount
        return self._db.execute("DELETE FROM subscriptions WHERE chat_id = ? AND id = ?",
                                (chat_id, subscription_id)).rowcount

    def timezone(self, chat_id: int) -> str:
        """Return the chat's timezone name (UTC until set)."""
        return self._chat(chat_id, "timezone", "UTC")

    def set_timezone(self, chat_id: int, name: str) -> None:
        self._set_chat(chat_id, "timezone", name)

    def language(self, chat_id: int) -> str:
        """The language its deliveries are written in (Telegram's code; "" until known: English)."""
        return self._chat(chat_id, "language", "")

    def set_language(self, chat_id: int, code: str) -> None:
        self._set_chat(chat_id, "language", code)

    def set_paused(self, chat_id: int, paused: bool) -> None:
        """Pause (the user blocked the bot) or resume a chat's deliveries."""
        self._set_chat(chat_id, "paused", int(paused))

    def _chat(self, chat_id: int, column: str, default):
        row = self._db.execute(f"SELECT {column} FROM chats WHERE chat_id = ?", (chat_id,)).fetchone()
        return row[0] if row else default

    def _set_chat(self, chat_id: int, column: str, value) -> None:
        """One of a chat's settings (the column is one of ours, never the user's)."""
        self._db.execute(f"INSERT INTO chats (chat_id, {column}) VALUES (?, ?)"
                         f" ON CONFLICT(chat_id) DO UPDATE SET {column} = excluded.{column}", (chat_id, value))

    def paused(self, chat_id: int) -> bool:
        return bool(self._chat(chat_id, "paused", 0))

    def delivered(self, subscription_id: int, document_ids: list[str]) -> set[str]:
        """Return which of these documents this subscription already received."""
        marks = ",".join("?" * len(document_ids))
        return {r[0] for r in self._db.execute(
            f"SELECT document_id FROM deliveries WHERE subscription_id = ? AND document_id IN ({marks})",
            (subscription_id, *document_ids))}

    def reserve(self, subscription_id: int, document_ids: list[str]) -> None:
        """Log documents as pending, just before the message that carries them is sent."""
        self._db.executemany(
            "INSERT OR IGNORE INTO deliveries (subscription_id, document_id, delivered_at, state)"
            " VALUES (?, ?, ?, 'pending')", [(subscription_id, d, _now()) for d in document_ids])

    def record(self, subscription_id: int, document_ids: list[str]) -> None:
        """Log documents as delivered (after the message was sent)."""
        self._db.executemany(
            "INSERT INTO deliveries (subscription_id, document_id, delivered_at, state) VALUES (?, ?, ?, 'sent')"
            " ON CONFLICT(subscription_id, document_id) DO UPDATE SET state = 'sent', delivered_at = excluded.delivered_at",
            [(subscription_id, d, _now()) for d in document_ids])

    def release(self, subscription_id: int, document_ids: list[str]) -> None:
        """Forget pending documents whose message surely did not go out (sent again later)."""
        self._db.executemany("DELETE FROM deliveries WHERE subscription_id = ? AND document_id = ? AND state = "
                             "'pending'", [(subscription_id, d) for d in document_ids])

    def reconcile(self, at_most_once: bool) -> int:
        """At start-up, settle the messages a crash left pending (sent or not, nobody knows):
        count them as delivered (at most once: one may be lost) or send them again (at least
        once: one may arrive twice). Return how many there were."""
        if at_most_once:
            return self._db.execute("UPDATE deliveries SET state = 'sent' WHERE state = 'pending'").rowcount
        return self._db.execute("DELETE FROM deliveries WHERE state = 'pending'").rowcount

    def advance(self, subscription_id: int, cursor: int, last_run: str | None = None) -> None:
        """Move the cursor forward (never back) and note the digest run."""
        self._db.execute(
            "UPDATE subscriptions SET cursor = MAX(cursor, ?), last_run = COALESCE(?, last_run) WHERE id = ?",
            (cursor, last_run, subscription_id))


def _now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
