"""RSS/Atom feeds: remember them, poll them politely, ingest each new entry's article."""

import calendar
import contextlib
import sqlite3
import datetime as dt
import html
import logging
import re
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import feedparser

from .credentials import hidden
from .sources import documents as loader
from .errors import DocumentNotFound, DownloadFailed, UnsupportedDocument
from .sources.fetching import Fetcher, expect_ok
from .library import Library
from .storage.base import now
from .types import SHARED, IngestReport, SourceText

log = logging.getLogger(__name__)

SCHEMA = """
CREATE TABLE IF NOT EXISTS feeds (
    url TEXT PRIMARY KEY, title TEXT, etag TEXT, modified TEXT,
    added_at TEXT NOT NULL, polled_at TEXT, error TEXT,
    collection TEXT NOT NULL DEFAULT 'shared'  -- where its articles go (index/storage/base.py)
);
CREATE TABLE IF NOT EXISTS feed_entries (
    feed_url TEXT NOT NULL REFERENCES feeds(url) ON DELETE CASCADE,
    entry_key TEXT NOT NULL, source TEXT, seen_at TEXT NOT NULL, error TEXT,
    PRIMARY KEY (feed_url, entry_key)
);
"""
FEED_WORKERS = 4  # feeds read at once: one slow source holds up one worker, not the poll
FEED_BUDGET = 3  # a feed's entry pages are read for at most this many download deadlines
MIN_SUMMARY_WORDS = 25  # a feed's own summary stands in for an empty page only if it says something


@dataclass(frozen=True)
class Feed:
    """A followed feed and how its last poll went."""

    url: str
    title: str | None
    polled_at: str | None
    error: str | None
    entries: int
    collection: str = SHARED


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
        if "collection" not in {row[1] for row in self.store.query("PRAGMA table_info(feeds)")}:
            with contextlib.suppress(sqlite3.OperationalError):  # else another process added it first
                self.store.create("ALTER TABLE feeds ADD COLUMN collection TEXT NOT NULL DEFAULT 'shared'")

    def add(self, url: str, collection: str = SHARED) -> Feed:
        """Follow a feed (its entries are ingested into `collection` at the next poll)."""
        if not loader.is_url(url):
            raise UnsupportedDocument(f"{url}: a feed must be an http(s) URL")
        with self.store.transaction() as db:
            db.execute("INSERT OR IGNORE INTO feeds (url, added_at, collection) VALUES (?, ?, ?)",
                       (url, now(), collection))
        return next(f for f in self.all() if f.url == url)

    def all(self) -> list[Feed]:
        """List followed feeds."""
        rows = self.store.query(
            "SELECT f.url, f.title, f.polled_at, f.error, COUNT(e.entry_key), f.collection FROM feeds f"
            " LEFT JOIN feed_entries e ON e.feed_url = f.url GROUP BY f.url ORDER BY f.added_at")
        return [Feed(*row) for row in rows]

    def remove(self, url: str) -> None:
        """Stop following a feed (by its URL, or the URL as `feeds list` shows it, credentials
        masked); documents already ingested stay."""
        followed = [feed.url for feed in self.all() if url in (feed.url, hidden(feed.url))]
        with self.store.transaction() as db:
            if len(followed) != 1 or db.execute("DELETE FROM feeds WHERE url = ?", followed).rowcount == 0:
                raise DocumentNotFound(f"No feed {hidden(url)!r}. See: verbatim feeds list")

    def poll(self) -> PollReport:
        """Fetch every feed (conditional GET) and ingest the articles of new entries.

        Feeds are read side by side (FEED_WORKERS at a time), each within its own budget, so one
        slow source cannot hold up the others. A feed's validators (ETag, Last-Modified) and its
        entries are recorded only once its articles are in the index: an entry left for later
        (a page that did not download, the budget spent, the index unavailable) is read again
        at the next poll instead of being hidden behind a "304 Not Modified".
        """
        feeds = self.all()
        into = {feed.url: feed.collection for feed in feeds}
        with ThreadPoolExecutor(max_workers=FEED_WORKERS, thread_name_prefix="feed") as pool:
            rounds = list(pool.map(self._read, [feed.url for feed in feeds]))
        with self.store.transaction() as db:  # how each feed went, whatever the ingest does next
            db.executemany("UPDATE feeds SET polled_at = ?, error = ?, title = COALESCE(?, title) WHERE url = ?",
                           [(now(), r.error, r.title, r.url) for r in rounds])
        sources = [source for r in rounds for source in r.sources]
        report = IngestReport()
        for collection in sorted({into[r.url] for r in rounds if r.sources}):  # each feed's into its collection
            report = report + self.library.add([s for r in rounds if into[r.url] == collection for s in r.sources],
                                               collection=collection)
        with self.store.transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO feed_entries (feed_url, entry_key, source, seen_at, error)"
                " VALUES (?, ?, ?, ?, ?)", [(r.url, k, src, now(), e) for r in rounds for k, src, e in r.seen])
            db.executemany("UPDATE feeds SET etag = ?, modified = ? WHERE url = ?",
                           [(*r.validators, r.url) for r in rounds if r.validators and r.complete])
        return PollReport(len(feeds), sum(r.unchanged for r in rounds), len(sources), report,
                          tuple(problem for r in rounds for problem in r.problems))

    def _read(self, url: str) -> "_Round":
        """Fetch one feed and the pages of its new entries, within FEED_BUDGET deadlines."""
        fetcher = self.library.fetcher
        budget_ends = time.monotonic() + FEED_BUDGET * fetcher.deadline
        try:
            fetched = self._fetch(url, fetcher)
        except UnsupportedDocument as error:
            return _Round(url, error=str(error), problems=[(url, str(error))])
        if fetched is None:
            return _Round(url, unchanged=True)
        entries, result = fetched
        for position, (key, entry) in enumerate(entries):
            if time.monotonic() > budget_ends:  # the rest waits for the next poll
                result.complete = False
                result.problems.append((url, f"{len(entries) - position} entries left for the next poll "
                                             f"(this feed's pages took over {FEED_BUDGET * fetcher.deadline:.0f} s)"))
                break
            try:
                source = self._article(entry, fetcher)
            except _RetryLater as error:  # the page did not download: try again at the next poll
                result.problems.append((entry.get("link", key), str(error)))
                result.complete = False
                continue
            except UnsupportedDocument as error:
                result.problems.append((entry.get("link", key), str(error)))
                result.seen.append((key, None, str(error)))
                continue
            result.sources.append(source)
            result.seen.append((key, source.source, None))
        return result

    def _fetch(self, url: str, fetcher: Fetcher) -> "tuple[list[tuple[str, dict]], _Round] | None":
        """Return the unseen entries, oldest first, and the round to fill; None when the feed
        did not change."""
        etag, modified = self.store.query("SELECT etag, modified FROM feeds WHERE url = ?", (url,))[0]
        headers = {}
        if etag:
            headers["If-None-Match"] = etag
        if modified:
            headers["If-Modified-Since"] = modified
        response = fetcher.get(url, headers)
        if response.status == 304:
            return None
        parsed = feedparser.parse(expect_ok(response).content)
        usable = [(_key(e), e) for e in parsed.entries if _key(e)]
        if parsed.bozo and not usable:
            raise UnsupportedDocument(f"{url}: not a readable RSS or Atom feed ({parsed.get('bozo_exception')})")
        warning = f"malformed feed, read what could be read ({parsed.get('bozo_exception')})" if parsed.bozo else None
        known = {r[0] for r in self.store.query(
            "SELECT entry_key FROM feed_entries WHERE feed_url = ?", (url,))}
        result = _Round(url, error=warning, title=parsed.feed.get("title"),
                        validators=(response.headers.get("etag"), response.headers.get("last-modified")))
        return [(k, e) for k, e in reversed(usable) if k not in known], result

    def _article(self, entry: dict, fetcher: Fetcher) -> SourceText:
        """Read the page an entry links to; fall back to the feed's own text when the page has none."""
        link = entry.get("link")
        title = entry.get("title") or link or "Untitled"
        published = _published(entry)
        page = None
        if link:
            try:
                page = loader.load_url(link, fetcher)
            except DownloadFailed as error:
                if not _feed_text(entry):
                    raise _RetryLater(str(error)) from error
                log.info("using the feed's text for %s: %s", link, error)
            except UnsupportedDocument as error:
                log.info("using the feed's text for %s: %s", link, error)
        text = _feed_text(entry)
        # A page whose "article" is a few words of menu says less than the feed's own text.
        if page is not None and (len(page.text.split()) >= MIN_SUMMARY_WORDS
                                 or len(page.text.split()) >= len(text.split())):
            return SourceText(link, title, page.text, page.published or published)
        if len(text.split()) < MIN_SUMMARY_WORDS:
            raise UnsupportedDocument(f"{link or title}: no article text on the page or in the feed")
        return SourceText(link or f"feed:{_key(entry)}", title, text, published)

@dataclass
class _Round:
    """What reading one feed gave: articles to ingest, entries to mark seen, problems to report."""

    url: str
    unchanged: bool = False
    error: str | None = None
    title: str | None = None
    validators: tuple[str | None, str | None] | None = None  # ETag, Last-Modified
    complete: bool = True  # every new entry handled: the validators may be kept
    sources: list[SourceText] = field(default_factory=list)
    seen: list[tuple[str, str | None, str | None]] = field(default_factory=list)  # key, source, error
    problems: list[tuple[str, str]] = field(default_factory=list)


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
