"""Summaries, subscriptions, alerts and digests, end to end through the fake Bot API server."""

import asyncio
import datetime as dt
import subprocess
import sys

from bot.sending import RETRIES
from index import Feeds, SourceText
from tests.conftest import BOTH_BACKENDS, HASH_MODEL, ROOT, Clock, bot_call, bot_running, reply_to
from tests.fakes.web import FakeWebsite

OTTERS = ("Sea otters hold hands while they sleep so that they do not drift apart. "
          "Otters sleeping in groups form a raft on the water.")
OTTERS_AGAIN = ("Sea otters hold hands while they sleep, so they do not drift apart. "
                "Sleeping otters in a group form a raft on the water, a reporter wrote.")


def texts(api, method="sendMessage", after=0):
    return [p["text"] for name, p in api.calls[after:] if name == method]


async def settle(seconds: float = 1.0) -> None:
    await asyncio.sleep(seconds)


async def test_topic_alert_for_a_document_ingested_by_another_process(running_bot, bot_api, settings, tmp_path):
    bot_api.message("/subscribe otters sleeping")
    confirm = await bot_call(bot_api, "sendMessage")
    assert "otters sleeping" in confirm["text"]
    (tmp_path / "new").mkdir()
    (tmp_path / "new" / "otters.txt").write_text("Otter news\n\n" + OTTERS)
    (tmp_path / "new" / "tax.txt").write_text("Tax rules\n\nThe tax office changed the filing deadline for companies.")
    script = ("import sys; sys.path.insert(0, %r); import index; from tests.fakes.embedder import HashEmbedder, NAME;"
              " index.register(NAME, HashEmbedder); from bot.cli import main; sys.exit(main(sys.argv[1:]))" % str(ROOT))
    done = subprocess.run([sys.executable, "-c", script, "ingest", "--quiet", "--index", str(settings.index_dir),
                           str(tmp_path / "new")], env={"VERBATIM_MODEL": HASH_MODEL, "PATH": ""},
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    count = len(bot_api.calls)
    alert = await bot_call(bot_api, "sendMessage", lambda p: p["text"].startswith("New on"), after=count)
    assert "Sea otters hold hands" in alert["text"] and "Otter news" in alert["text"]
    await settle()
    alerts = [t for t in texts(bot_api) if t.startswith("New on")]
    assert len(alerts) == 1  # not repeated on later checks, nothing about the tax document


@BOTH_BACKENDS
async def test_topic_alert_from_a_feed_with_conditional_get(bot_api, settings, library):
    rss = """<?xml version="1.0"?><rss version="2.0"><channel><title>Nature wire</title>
      <item><title>Otters hold hands</title><link>{otters}</link><guid>otters-1</guid>
        <pubDate>Tue, 02 Jan 2024 10:00:00 GMT</pubDate></item>
      <item><title>Empty page</title><link>{empty}</link><guid>empty-1</guid></item>
    </channel></rss>"""
    with FakeWebsite() as site:
        site.pages["/feed.xml"] = ("application/rss+xml", rss.format(
            otters=site.url("/otters"), empty=site.url("/empty")).encode())
        site.pages["/otters"] = ("text/html", f"<html><body><article><h1>Otters</h1><p>{OTTERS}</p>"
                                 f"<p>{OTTERS_AGAIN}</p></article></body></html>".encode())
        site.pages["/empty"] = ("text/html", b"<html><body><nav>Home</nav></body></html>")
        site.pages["/broken.xml"] = ("application/rss+xml", b"<rss><channel><item><title>oops")
        site.pages["/atom.xml"] = ("application/atom+xml", f"""<?xml version="1.0" encoding="utf-8"?>
            <feed xmlns="http://www.w3.org/2005/Atom"><title>Owl watch</title><id>urn:owls</id>
            <updated>2024-01-03T00:00:00Z</updated>
            <entry><title>Owls at night</title><id>urn:owls:1</id><link href="{site.url('/owls')}"/>
              <updated>2024-01-03T00:00:00Z</updated>
              <summary>Owls hunt at night and sleep during the day, hidden in old trees near the river.
              Barn owls swallow their prey whole and later cough up pellets of bones and fur, which
              scientists study to learn what the owls ate.</summary></entry></feed>""".encode())
        site.pages["/owls"] = ("text/html", b"<html><body><nav>Menu</nav></body></html>")  # no article
        feeds = Feeds(library)
        for path in ("/feed.xml", "/broken.xml", "/atom.xml"):
            feeds.add(site.url(path))
        settings = settings.__class__(**{**settings.__dict__, "feed_interval": 0.5})
        async with bot_running(settings, library, bot_api):
            bot_api.message("/subscribe otters")
            await bot_call(bot_api, "sendMessage")
            alert = await bot_call(bot_api, "sendMessage", lambda p: p["text"].startswith("New on"), timeout=20)
            assert "Sea otters hold hands" in alert["text"]
            await settle(1.5)
        polls = [headers for path, headers in site.requests if path == "/feed.xml"]
    assert len(polls) >= 2 and polls[-1].get("If-None-Match")  # conditional GET after the first
    assert len([t for t in texts(bot_api) if t.startswith("New on")]) == 1
    state = {f.url.rsplit("/", 1)[1]: f for f in Feeds(library).all()}
    assert state["broken.xml"].error and "RSS" in state["broken.xml"].error
    assert state["feed.xml"].entries == 2 and not state["feed.xml"].error
    assert sum(1 for d in library.documents() if d.title == "Otters hold hands") == 1
    # The Atom entry's page had no article text, so the feed's own summary stands in for it.
    owls = library.document(next(d.id for d in library.documents() if d.title == "Owls at night"))
    assert "pellets of bones and fur" in owls.text and owls.published == "2024-01-03"
    assert state["atom.xml"].entries == 1


async def test_daily_digest_at_its_time_after_restart_and_once_after_downtime(bot_api, settings, library):
    clock = Clock(dt.datetime(2026, 11, 28, 6, 29, 55, tzinfo=dt.timezone.utc))  # 07:29:55 in Berlin
    async with bot_running(settings, library, bot_api, clock):
        bot_api.message("/timezone Europe/Berlin")
        await bot_call(bot_api, "sendMessage", lambda p: "Europe/Berlin" in p["text"])
        bot_api.message("/subscribe daily 07:30")
        await bot_call(bot_api, "sendMessage", lambda p: "daily digest at 07:30" in p["text"])
        library.add([SourceText("https://a.example/otters", "Otters (A)", OTTERS),
                     SourceText("https://b.example/otters", "Otters (B)", OTTERS_AGAIN),
                     SourceText("https://c.example/tax", "Tax", "The tax office changed the filing deadline.")])
        digest = await bot_call(bot_api, "sendMessage", lambda p: "digest" in p["text"] and "stor" in p["text"])
        assert "2 new stories" in digest["text"]
        assert "2 sources carried this" in digest["text"]
        assert "https://a.example/otters" in digest["text"] and "https://b.example/otters" in digest["text"]

    library.add([SourceText("https://d.example/bees", "Bees", "Bees make honey from nectar in the summer.")])
    clock.now = dt.datetime(2026, 11, 29, 6, 29, 58, tzinfo=dt.timezone.utc)
    count = len(bot_api.calls)
    async with bot_running(settings, library, bot_api, clock):  # a restart: jobs rebuilt from SQLite
        await settle(0.5)
        assert not [t for t in texts(bot_api, after=count) if "digest" in t]
        second = await bot_call(bot_api, "sendMessage", lambda p: "digest" in p["text"], after=count)
        assert "1 new story" in second["text"] and "Bees" in second["text"] and "Otters" not in second["text"]

    library.add([SourceText("https://e.example/owls", "Owls", "Owls hunt at night and sleep during the day.")])
    clock.now = dt.datetime(2026, 12, 2, 12, 0, tzinfo=dt.timezone.utc)  # three digests missed
    count = len(bot_api.calls)
    async with bot_running(settings, library, bot_api, clock):
        third = await bot_call(bot_api, "sendMessage", lambda p: "digest" in p["text"], after=count)
        assert "Owls" in third["text"]
        await settle(1.0)
    assert len([t for t in texts(bot_api, after=count) if "digest" in t]) == 1


async def test_a_user_who_blocked_the_bot_is_paused_not_retried(running_bot, bot_api, library):
    bot_api.message("/subscribe otters")
    await bot_call(bot_api, "sendMessage")
    bot_api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    count = len(bot_api.calls)
    library.add([SourceText("notes://otters-1", "Otters", OTTERS)])
    await bot_call(bot_api, "sendMessage", after=count)  # the failed attempt
    await settle()
    library.add([SourceText("notes://otters-2", "More otters", OTTERS_AGAIN)])
    await settle()
    assert len(bot_api.sent("sendMessage")) - len([c for c in bot_api.calls[:count] if c[0] == "sendMessage"]) == 1
    count = len(bot_api.calls)
    bot_api.message("/start")  # the user is back
    await bot_call(bot_api, "sendMessage", after=count)
    first = await bot_call(bot_api, "sendMessage", lambda p: p["text"].startswith("New on"), after=count)
    await bot_call(bot_api, "sendMessage", lambda p: p["text"].startswith("New on") and p is not first,
                   after=count)  # a second later: one message a second per chat
    await settle()
    assert len([t for t in texts(bot_api, after=count) if t.startswith("New on")]) == 2  # nothing was lost


async def test_retry_after_is_honoured_and_the_alert_arrives_once(running_bot, bot_api, library):
    bot_api.message("/subscribe otters")
    await bot_call(bot_api, "sendMessage")
    bot_api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    count = len(bot_api.calls)
    library.add([SourceText("notes://otters", "Otters", OTTERS)])
    first = await bot_call(bot_api, "sendMessage", lambda p: p["text"].startswith("New on"), after=count)
    second = await bot_call(bot_api, "sendMessage", lambda p: p["text"].startswith("New on") and p is not first,
                            after=count)
    assert second["_received"] - first["_received"] >= 1.0  # waited as Telegram asked
    await settle()
    assert len([t for t in texts(bot_api, after=count) if t.startswith("New on")]) == 2  # refused + delivered
    store = running_bot.bot_data.subscriptions
    assert len(store.delivered(store.of_chat(42)[0].id, [d.id for d in library.documents()])) == 1


async def test_list_and_remove_subscriptions(running_bot, bot_api):
    for command in ("/subscribe daily 7:30", "/subscribe weekly fri 18:00", "/subscribe otters"):
        count = len(bot_api.calls)
        bot_api.message(command)
        await bot_call(bot_api, "sendMessage", after=count)
    listing = await reply_to(bot_api, "/subscriptions")
    assert "daily digest at 07:30" in listing["text"] and "Friday at 18:00" in listing["text"]
    button = listing["reply_markup"]["inline_keyboard"][2][0]
    bot_api.press({"message_id": 9, "date": 0, "chat": {"id": 42, "type": "private"}, "text": "x"},
                  button["callback_data"])
    edited = await bot_call(bot_api, "editMessageText")
    assert "otters" in edited["text"]
    assert len(running_bot.bot_data.subscriptions.of_chat(42)) == 2
    done = await reply_to(bot_api, "/unsubscribe all")
    assert "Removed 2" in done["text"]
    assert not running_bot.job_queue.get_jobs_by_name("digest:42:1")


async def test_not_found_offers_an_alert_when_it_is_covered(running_bot, bot_api, library):
    bot_api.message("Why do otters hold hands?")
    reply = await bot_call(bot_api, "sendMessage")
    button = reply["reply_markup"]["inline_keyboard"][0][0]
    bot_api.press({"message_id": 3, "date": 0, "chat": {"id": 42, "type": "private"}, "text": "x"},
                  button["callback_data"])
    confirmed = await bot_call(bot_api, "editMessageText")
    assert "I'll tell you when a document covers this" in confirmed["text"]
    count = len(bot_api.calls)
    library.add([SourceText("notes://otters", "Otters", OTTERS)])
    alert = await bot_call(bot_api, "sendMessage", lambda p: p["text"].startswith("New on"), after=count)
    assert "Why do otters hold hands?" in alert["text"]


async def test_group_subscriptions_are_managed_by_its_admins(running_bot, bot_api):
    bot_api.group_admins = {5}
    group = dict(chat_id=-100, chat_type="supergroup")
    bot_api.message("/subscribe daily 09:00", user_id=6, **group)
    refused = await bot_call(bot_api, "sendMessage")
    assert "administrators" in refused["text"]
    accepted = await reply_to(bot_api, "/subscribe daily 09:00", user_id=5, **group)
    assert "daily digest at 09:00" in accepted["text"]
    assert running_bot.bot_data.subscriptions.of_chat(-100)


async def test_admins_add_files_and_urls_others_are_told_politely(running_bot, bot_api, library):
    bot_api.files["documents/f1"] = ("Owls\n\nOwls hunt at night and sleep during the day.").encode()
    upload = {"file_id": "f1", "file_unique_id": "u1", "file_name": "owls.txt", "file_size": 50}
    bot_api.message("", user_id=8, document=upload)
    polite = await bot_call(bot_api, "sendMessage")
    assert "Only the bot's administrators" in polite["text"]
    added = await reply_to(bot_api, "", user_id=7, chat_id=7, document=upload)
    assert "Added “Owls”" in added["text"]
    assert library.search("When do owls hunt?").found
    refused = await reply_to(bot_api, "", user_id=7, chat_id=7, document={**upload, "file_name": "owls.exe"})
    assert "can't read .exe" in refused["text"]
    with FakeWebsite() as site:
        site.pages["/bees"] = ("text/plain", b"Bees\n\nBees dance to tell other bees where flowers are.")
        report = await reply_to(bot_api, f"/ingest {site.url('/bees')}", user_id=7, chat_id=7)
    assert "1 added" in report["text"]


async def test_summary_of_a_document_and_of_a_topic(running_bot, bot_api, library):
    bot_api.message("/summary How honeybees make honey")
    reply = await bot_call(bot_api, "sendMessage")
    assert "<blockquote>Honeybees make honey from the nectar of flowers." in reply["text"]
    topic = await reply_to(bot_api, "/summary telegraph Morse")
    assert "A short history of the electric telegraph" in topic["text"]


async def test_a_digest_that_fails_midway_resends_only_what_did_not_go_out(bot_api, settings, library):
    clock = Clock(dt.datetime(2026, 11, 28, 7, 59, 55, tzinfo=dt.timezone.utc))
    stories = [SourceText(f"https://news.example/{i}", f"Story {i}", " ".join(
        " ".join(f"w{i}v{j}t{n}" for n in range(14)).capitalize() + "." for j in range(4)))
        for i in range(14)]  # fourteen unrelated stories: too many for one message
    async with bot_running(settings, library, bot_api, clock) as app:
        bot_api.message("/subscribe daily 08:00")
        await bot_call(bot_api, "sendMessage")
        count = len(bot_api.calls)
        bot_api.fail_next("sendMessage", 500, "Internal Server Error", skip=1)  # the second part fails,
        for _ in range(RETRIES):  # and keeps failing for longer than the retries last (~16 s)
            bot_api.fail_next("sendMessage", 500, "Internal Server Error")
        library.add(stories)
        await bot_call(bot_api, "sendMessage", lambda p: "digest" in p["text"], after=count)
        for _ in range(150):  # the first part, then the second tried 1 + RETRIES times
            if sum(name == "sendMessage" for name, _ in bot_api.calls[count:]) >= 2 + RETRIES:
                break
            await settle(0.2)
        await settle(0.5)
        store = app.bot_data.subscriptions
        sub = store.of_chat(42)[0]
        sent_first = store.delivered(sub.id, [d.id for d in library.documents()])
        assert 0 < len(sent_first) < 14
        retry = app.job_queue.get_jobs_by_name(f"digest:42:{sub.id}")[0]
        count = len(bot_api.calls)
        await retry.run(app)  # the retry, five minutes later
        rest = texts(bot_api, after=count)
        assert rest and all("Story 0" not in t for t in rest)  # the first part is not sent again
        assert len(store.delivered(sub.id, [d.id for d in library.documents()])) == 14
