"""Sites that drip their headers, their bodies or their pages: cut off at the deadline, and
never holding up another feed, another chat, or the admin's own next question."""

import dataclasses
import time

from index import Feeds, Fetcher, Library, SourceText
from tests.conftest import bot_call, bot_running, reply_to
from tests.fakes.embedder import NAME as HASH_MODEL
from tests.fakes.web import FakeWebsite

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>{title}</title>{items}</channel></rss>"""
ITEM = "<item><title>{title}</title><link>{link}</link><guid>{guid}</guid></item>"
OTTERS = b"Otters\n\nSea otters hold hands while they sleep so they do not drift apart in the water."


def _feed(title: str, links: list[tuple[str, str]]) -> bytes:
    items = "".join(ITEM.format(title=t, link=link, guid=link) for t, link in links)
    return RSS.format(title=title, items=items).encode()


def test_the_deadline_covers_headers_that_drip_a_byte_at_a_time():
    with FakeWebsite() as site:
        site.pages["/h"] = ("text/plain", OTTERS)
        site.slow_headers["/h"] = 0.05  # ~1,000 header bytes: 50 s, but never 2 s without a byte
        started = time.monotonic()
        fetcher = Fetcher(allowed_hosts=frozenset({"127.0.0.1"}), deadline=2)
        try:
            fetcher.get(site.url("/h"))
        except Exception as error:  # noqa: BLE001 (the message is what the user sees)
            message = str(error)
        assert "took longer than 2 s" in message and time.monotonic() - started < 3.5


def test_slow_feeds_and_slow_entry_pages_hold_up_no_other_feed(tmp_path):
    library = Library(tmp_path / "idx", model=HASH_MODEL,
                      fetcher=Fetcher(allowed_hosts=frozenset({"127.0.0.1"}), deadline=2))
    with FakeWebsite() as site:
        site.pages["/otters"] = ("text/plain", OTTERS)
        site.pages["/headers.xml"] = ("application/rss+xml", _feed("Drip", []))
        site.slow_headers["/headers.xml"] = 0.5
        pages = [(f"Slow page {n}", site.url(f"/slow/{n}")) for n in range(6)]
        for n in range(6):
            site.pages[f"/slow/{n}"] = ("text/plain", f"Slow {n}\n\nThe slow page number {n} about beavers "
                                        "building dams across the river.".encode())
            site.slow[f"/slow/{n}"] = 0.2
        site.pages["/pages.xml"] = ("application/rss+xml", _feed("Slow pages", pages))
        site.pages["/good.xml"] = ("application/rss+xml", _feed("Wire", [("Otters", site.url("/otters"))]))
        feeds = Feeds(library)
        for path in ("/headers.xml", "/pages.xml", "/good.xml"):
            feeds.add(site.url(path))

        started = time.monotonic()
        report = feeds.poll()
        took = time.monotonic() - started
        assert took < 12, took  # the slowest feed's budget (3 deadlines) and one deadline more, not 6 x 30 s
        assert report.ingest.added == 1 and library.search("Why do otters hold hands?").found
        errors = {feed.url.rsplit("/", 1)[1]: feed.error for feed in feeds.all()}
        assert "took longer than 2 s" in errors["headers.xml"] and errors["good.xml"] is None
        assert any("left for the next poll" in reason for _, reason in report.errors)

        for n in range(6):
            del site.slow[f"/slow/{n}"]  # the site is quick again: what was left is read now,
        again = feeds.poll()             # not hidden behind a 304 for a feed read only in part
    assert again.ingest.added == 6, again.describe()
    assert library.search("Which page is about beavers building dams?").found


async def test_an_admins_ingest_of_a_dripping_site_does_not_hold_up_their_next_question(bot_api, settings, tmp_path):
    library = Library(tmp_path / "idx", model=settings.model, threshold=settings.threshold,
                      fetcher=Fetcher(allowed_hosts=frozenset({"127.0.0.1"}), deadline=3))
    library.add([SourceText("notes://bees", "Bees", "Bees dance to tell other bees where flowers are.")])
    with FakeWebsite() as site:
        site.pages["/news"] = ("text/plain", OTTERS)
        site.slow_headers["/news"] = 1.0  # a byte of headers a second
        async with bot_running(dataclasses.replace(settings, admin_ids=frozenset({7})), library, bot_api):
            started = time.monotonic()
            bot_api.message(f"/ingest {site.url('/news')}", user_id=7, chat_id=7)
            answer = await reply_to(bot_api, "Why do bees dance?", chat_id=7, user_id=7)
            assert "flowers" in answer["text"]
            ingest = await bot_call(bot_api, "sendMessage", lambda p: "added" in p["text"], timeout=15)
    assert "took longer than 3 s" in ingest["text"] and time.monotonic() - started < 8
    assert answer["_received"] < ingest["_received"]  # the question did not wait for the download
