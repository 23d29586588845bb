"""RSS/Atom feeds: remember them, poll them politely, ingest each new entry's article."""

import calendar
import datetime as dt
import html
import logging
import re
from dataclasses import dataclass

import feedparser

from . import documents as loader
from .errors import DocumentNotFound, UnsupportedDocument
from .fetching import Fetcher, expect_ok
from .library import Library
from .store import now
from .types import IngestReport, SourceText

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY, title TEXT, etag TEXT, modified TEXT,
    added_at TEXT NOT NULL, polled_at TEXT, error TEXT
);
CREATE TABLE IF NOT EXISTS feed_entries (
    feed_url TEXT NOT NULL REFERENCES feeds(url) ON DELETE CASCADE,
    entry_key TEXT NOT NULL, source TEXT, seen_at TEXT NOT NULL, error TEXT,
    PRIMARY KEY (feed_url, entry_key)
);
"""
MIN_SUMMARY_WORDS = 25  # a feed's own summary stands in for an empty page only if it says something


@dataclass(frozen=True)
class Feed:
    """A followed feed and how its last poll went."""

    url: str
    title: str | None
    polled_at: str | None
    error: str | None
    entries: int


@dataclass(frozen=True)
class PollReport:
    """What one round of polling did."""

    feeds: int
    not_modified: int
    new_entries: int
    ingest: IngestReport
    errors: tuple[tuple[str, str], ...]

    def describe(self) -> str:
        """Describe the round in one line."""
        return (f"{self.feeds} feeds polled ({self.not_modified} unchanged), {self.new_entries} new "
                f"entries; {self.ingest.describe()}; {len(self.errors)} problems")


class Feeds:
    """The feeds of one index, stored beside its documents (on Milvus: on this machine)."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self.store = library.local
        self.store.create(SCHEMA)

    def add(self, url: str) -> Feed:
        """Follow a feed (its entries are ingested at the next poll)."""
        if not loader.is_url(url):
            raise UnsupportedDocument(f"{url}: a feed must be an http(s) URL")
        with self.store.transaction() as db:
            db.execute("INSERT OR IGNORE INTO feeds (url, added_at) VALUES (?, ?)", (url, now()))
        return next(f for f in self.all() if f.url == url)

    def all(self) -> list[Feed]:
        """List followed feeds."""
        rows = self.store.query(
            "SELECT f.url, f.title, f.polled_at, f.error, COUNT(e.entry_key) FROM feeds f"
            " LEFT JOIN feed_entries e ON e.feed_url = f.url GROUP BY f.url ORDER BY f.added_at")
        return [Feed(*row) for row in rows]

    def remove(self, url: str) -> None:
        """Stop following a feed; documents already ingested stay."""
        with self.store.transaction() as db:
            if db.execute("DELETE FROM feeds WHERE url = ?", (url,)).rowcount == 0:
                raise DocumentNotFound(f"No feed {url!r}. See: verbatim feeds list")

    def poll(self) -> PollReport:
        """Fetch every feed (conditional GET) and ingest the articles of new entries."""
        fetcher = self.library.fetcher
        sources: list[SourceText] = []
        seen: list[tuple[str, str, str | None, str | None]] = []
        errors: list[tuple[str, str]] = []
        not_modified = 0
        feeds = self.all()
        for feed in feeds:
            try:
                entries = self._fetch(feed.url, fetcher)
            except UnsupportedDocument as error:
                errors.append((feed.url, str(error)))
                self._set(feed.url, error=str(error))
                continue
            if entries is None:
                not_modified += 1
                continue
            for key, entry in entries:
                try:
                    source = self._article(entry, fetcher)
                except _RetryLater as error:  # the page did not download: try again at the next poll
                    errors.append((entry.get("link", key), str(error)))
                    continue
                except UnsupportedDocument as error:
                    errors.append((entry.get("link", key), str(error)))
                    seen.append((feed.url, key, None, str(error)))
                    continue
                sources.append(source)
                seen.append((feed.url, key, source.source, None))
        report = self.library.add(sources)
        with self.store.transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO feed_entries (feed_url, entry_key, source, seen_at, error)"
                " VALUES (?, ?, ?, ?, ?)", [(f, k, s, now(), e) for f, k, s, e in seen])
        return PollReport(len(feeds), not_modified, len(sources), report, tuple(errors))

    def _fetch(self, url: str, fetcher: Fetcher) -> list[tuple[str, dict]] | None:
        """Return the unseen entries, oldest first, or None when the feed did not change."""
        etag, modified = self.store.query("SELECT etag, modified FROM feeds WHERE url = ?", (url,))[0]
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        response = fetcher.get(url, headers)
        if response.status == 304:
            self._set(url, error=None)
            return None
        parsed = feedparser.parse(expect_ok(response).content)
        usable = [(_key(e), e) for e in parsed.entries if _key(e)]
        if parsed.bozo and not usable:
            raise UnsupportedDocument(f"{url}: not a readable RSS or Atom feed ({parsed.get('bozo_exception')})")
        warning = f"malformed feed, read what could be read ({parsed.get('bozo_exception')})" if parsed.bozo else None
        self._set(url, error=warning, title=parsed.feed.get("title"),
                  etag=response.headers.get("etag"), modified=response.headers.get("last-modified"))
        known = {r[0] for r in self.store.query(
            "SELECT entry_key FROM feed_entries WHERE feed_url = ?", (url,))}
        return [(k, e) for k, e in reversed(usable) if k not in known]

    def _article(self, entry: dict, fetcher: Fetcher) -> SourceText:
        """Read the page an entry links to; fall back to the feed's own text when the page has none."""
        link = entry.get("link")
        title = entry.get("title") or link or "Untitled"
        published = _published(entry)
        page = None
        if link:
            try:
                page = loader.load_url(link, fetcher)
            except UnsupportedDocument as error:
                if "could not download" in str(error) and not _feed_text(entry):
                    raise _RetryLater(str(error)) from error
                log.info("using the feed's text for %s: %s", link, error)
        text = _feed_text(entry)
        # A page whose "article" is a few words of menu says less than the feed's own text.
        if page is not None and (len(page.text.split()) >= MIN_SUMMARY_WORDS
                                 or len(page.text.split()) >= len(text.split())):
            return SourceText(link, title, page.text, page.published or published)
        if len(text.split()) < MIN_SUMMARY_WORDS:
            raise UnsupportedDocument(f"{link or title}: no article text on the page or in the feed")
        return SourceText(link or f"feed:{_key(entry)}", title, text, published)

    def _set(self, url: str, **fields) -> None:
        fields["polled_at"] = now()
        columns = ", ".join(f"{name} = ?" for name in fields)
        with self.store.transaction() as db:
            db.execute(f"UPDATE feeds SET {columns} WHERE url = ?", (*fields.values(), url))


class _RetryLater(Exception):
    """An entry's page could not be downloaded this time and the feed has no text of its own."""


def _key(entry: dict) -> str:
    return entry.get("id") or entry.get("link") or entry.get("title") or ""


def _published(entry: dict) -> str | None:
    parsed = entry.get("published_parsed") or entry.get("updated_parsed")
    if not parsed:
        return None
    return dt.datetime.fromtimestamp(calendar.timegm(parsed), dt.timezone.utc).date().isoformat()


def _feed_text(entry: dict) -> str:
    parts = [c.get("value", "") for c in entry.get("content", [])] or [entry.get("summary", "")]
    text = html.unescape(re.sub(r"<[^>]+>", " ", " ".join(parts)))
    return re.sub(r"[ \t]+", " ", text).strip()
