"""Hostile users and a flaky Telegram: nothing leaked, nothing lost, a kind word for bad input."""

import asyncio
import dataclasses
import logging
import socket

import pytest

from bot import redaction
from index import Fetcher, Library, SourceText, UnsupportedDocument
from index.sources.documents import load
from tests.conftest import bot_call, bot_running, reply_to
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.embedder import NAME as HASH_MODEL
from tests.fakes.embedder import SLOW_NAME
from tests.fakes.web import FakeWebsite

# Shaped like a real token, so that a leak anywhere (URL, exception, reply) would show it.
SECRET = "5123456789:AAHsecretTOKENfor_tests-0123456789abc"


async def test_the_token_never_reaches_the_log_or_a_reply(settings, library, caplog):
    api = FakeBotAPI(token=SECRET)
    api.start()
    caplog.set_level(logging.DEBUG)  # PTB and httpx log Bot API URLs (with the token) at DEBUG
    logging.getLogger("httpx").setLevel(logging.DEBUG)
    redaction.install(SECRET)  # as `verbatim` does at start-up
    settings = dataclasses.replace(settings, telegram_bot_token=SECRET)
    try:
        async with bot_running(settings, library, api):
            # A file whose download fails: the error names the file URL, which holds the token.
            upload = {"file_id": "gone", "file_unique_id": "u9", "file_name": "notes.txt", "file_size": 50}
            failed = await reply_to(api, "", user_id=7, chat_id=7, document=upload)
            assert "couldn't download" in failed["text"]
            # Telegram answers 401 (a revoked token) once.
            api.fail_next("sendMessage", 401, "Unauthorized")
            api.message("When did Morse send his message?")
            await bot_call(api, "sendMessage", lambda p: "Sorry" in p["text"])  # the 401, then an apology
            api.message("When did Morse send his message?")
            await bot_call(api, "sendMessage", lambda p: "Morse" in p["text"])
    finally:
        api.stop()
        logging.getLogger("httpx").setLevel(logging.WARNING)
    assert caplog.records, "nothing was logged: the test would prove nothing"
    assert any("[token]" in record.getMessage() for record in caplog.records)  # it was there, hidden
    for record in caplog.records:
        assert SECRET not in record.getMessage() and SECRET not in (record.exc_text or ""), record.name
    assert SECRET not in caplog.text
    assert not [p for name, p in api.calls if SECRET in str(p.get("text", ""))]


def test_an_unreachable_milvus_is_one_line_and_its_token_stays_out_of_the_log(tmp_path, monkeypatch, capsys,
                                                                             caplog):
    pytest.importorskip("pymilvus", reason="the milvus extra is not installed")
    from bot.cli import main

    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    password = "root:Milvus-S3cret-passw0rd"
    monkeypatch.setenv("VERBATIM_MILVUS_URI", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("VERBATIM_MILVUS_TOKEN", password)
    monkeypatch.setenv("VERBATIM_MODEL", HASH_MODEL)
    caplog.set_level(logging.DEBUG)
    code = main(["-v", "documents", "--index", str(tmp_path / "idx")])
    err = capsys.readouterr().err
    assert code == 1 and f"Cannot open Milvus at http://127.0.0.1:{port}" in err
    assert password not in err and password not in caplog.text


def test_token_shaped_strings_are_hidden_even_when_not_the_configured_token():
    redactor = redaction.RedactToken(None)
    line = "GET https://api.telegram.org/bot123456789:AAH-abcdefghijklmnopqrstuvwxyz01234/getMe"
    assert redactor.redact(line) == "GET https://api.telegram.org/bot[token]/getMe"
    assert redactor.redact("chat 123456 said: 10:30 works") == "chat 123456 said: 10:30 works"


async def test_an_upload_alerts_each_subscribed_chat_exactly_once(running_bot, bot_api, library):
    store = running_bot.bot_data.subscriptions
    bot_api.latency["sendMessage"] = 0.15  # each alert takes a while: checks overlap
    bot_api.drop["sendMessage"] = 4  # and four of Telegram's "ok"s are lost on the way back
    chats = range(100, 120)
    for chat in chats:
        store.add_topic(chat, "owls hunting at night", library.generation)
    bot_api.files["documents/owl"] = b"Owls\n\nOwls hunt at night and sleep during the day in hollow trees."
    upload = {"file_id": "owl", "file_unique_id": "u-owl", "file_name": "owls.txt", "file_size": 70}
    bot_api.message("", user_id=7, chat_id=7, document=upload)
    # The upload, the periodic check and the next one all look for new documents at once.
    await bot_call(bot_api, "sendMessage", lambda p: int(p["chat_id"]) == 119 and "Owls" in p["text"], timeout=30)
    await asyncio.sleep(2.5)  # later checks would repeat an alert here if they could
    alerts = [int(p["chat_id"]) for p in bot_api.sent("sendMessage") if p["text"].startswith("New on")]
    assert sorted(alerts) == list(chats)


def test_private_loopback_and_metadata_addresses_are_refused_unless_allowed():
    fetcher = Fetcher()
    for url in ["http://127.0.0.1:8080/admin", "http://localhost/", "http://169.254.169.254/latest/meta-data",
                "http://10.0.0.7/", "http://192.168.1.1/", "http://[::1]/", "http://[::ffff:127.0.0.1]/",
                "http://0.0.0.0/"]:
        with pytest.raises(UnsupportedDocument, match="private or local address"):
            fetcher.check(url)
    with pytest.raises(UnsupportedDocument, match="only http and https"):
        fetcher.check("file:///etc/passwd")
    Fetcher(allowed_hosts=frozenset({"localhost"})).check("http://localhost:8080/")  # allowed: no error


def test_a_redirect_to_an_internal_address_is_refused_at_that_hop():
    with FakeWebsite() as site:
        site.pages["/secret"] = ("text/plain", b"Internal\n\nThe database password is hunter2.")
        site.pages["/story"] = ("redirect", site.url("/secret").encode())  # to 127.0.0.1
        allowed_name_only = Fetcher(allowed_hosts=frozenset({"localhost"}))
        with pytest.raises(UnsupportedDocument, match=r"127\.0\.0\.1.*private or local"):
            load(site.url("/story", host="localhost"), allowed_name_only)
        assert [path for path, _ in site.requests] == ["/story"]  # the internal page was never read


async def test_an_admin_cannot_make_the_bot_quote_an_internal_page(bot_api, settings, tmp_path):
    library = Library(tmp_path / "idx", model=settings.model, threshold=settings.threshold)  # no hosts allowed
    library.add([SourceText("notes://bees", "Bees", "Bees dance to tell other bees where flowers are.")])
    with FakeWebsite() as site:
        site.pages["/secret"] = ("text/plain", b"Internal\n\nThe database password is hunter2.")
        async with bot_running(settings, library, bot_api):
            refused = await reply_to(bot_api, f"/ingest {site.url('/secret')}", user_id=7, chat_id=7)
            assert "private or local address" in refused["text"] and "0 added" in refused["text"]
            answer = await reply_to(bot_api, "What is the database password?", user_id=8, chat_id=8)
            assert "hunter2" not in answer["text"]
        assert not site.requests


def _message_in(chat_id: int, message_id: int = 5000) -> dict:
    chat = {"id": chat_id, "type": "private", "first_name": "Ada"}
    return {"message_id": message_id, "date": 0, "chat": chat, "text": "an answer"}


async def test_buttons_belong_to_the_chat_that_received_them(running_bot, bot_api, library):
    notes = "\n\n".join(f"Note {i}: the bees carried nectar to hive number {i} and made honey." for i in range(12))
    library.add([SourceText("notes://bees", "Apiary notes", notes)])
    reply = await reply_to(bot_api, "bees nectar honey hive", chat_id=1, user_id=1)
    more = reply["reply_markup"]["inline_keyboard"][0][-1]["callback_data"]
    lost = await reply_to(bot_api, "What is the price of tea in Lisbon?", chat_id=1, user_id=1)
    watch = lost["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    assert watch.startswith("watch:")

    count = len(bot_api.calls)
    bot_api.press(_message_in(2), more, user_id=2)  # chat 2 presses chat 1's buttons
    refused = await bot_call(bot_api, "answerCallbackQuery", after=count)
    assert "ask again" in refused["text"] and not bot_api.sent("editMessageText")
    count = len(bot_api.calls)
    bot_api.press(_message_in(2), watch, user_id=2)
    await bot_call(bot_api, "answerCallbackQuery", after=count)
    assert not running_bot.bot_data.subscriptions.of_chat(2)

    count = len(bot_api.calls)
    bot_api.press(_message_in(1), more, user_id=1)  # the chat that asked still pages
    await bot_call(bot_api, "editMessageText", after=count)


async def test_malformed_buttons_and_uploads_get_a_kind_answer_not_a_crash(running_bot, bot_api, caplog):
    for data in ["more:zz", "more:", f"unsub:{10**30}", "unsub:", "gibberish", "watch:" + "x" * 50]:
        count = len(bot_api.calls)
        bot_api.press(_message_in(42), data)
        answered = await bot_call(bot_api, "answerCallbackQuery", after=count)
        assert answered.get("text") and "Sorry" not in answered["text"], (data, answered)
    bot_api.files["documents/up"] = b"Escape\n\nA note that tries to climb out of its folder."
    upload = {"file_id": "up", "file_unique_id": "u-up", "file_name": "../../x.txt", "file_size": 40}
    added = await reply_to(bot_api, "", user_id=7, chat_id=7, document=upload)
    assert "Added" in added["text"]
    assert running_bot.bot_data.library.document("telegram:u-up/x.txt").title == "Escape"
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert not [p for p in bot_api.sent("sendMessage") if "Sorry" in p["text"]]


async def test_only_allowed_users_and_chats_are_answered(bot_api, settings, library, caplog):
    caplog.set_level(logging.INFO)
    settings = dataclasses.replace(settings, allowed_ids=frozenset({42, -100}))
    async with bot_running(settings, library, bot_api):
        refused = await reply_to(bot_api, "When did Morse send his message?", chat_id=8, user_id=8)
        assert "not open to you" in refused["text"] and "Morse" not in refused["text"]
        count = len(bot_api.calls)
        bot_api.inline("Morse telegraph", user_id=8)
        inline = await bot_call(bot_api, "answerInlineQuery", after=count)
        assert inline["results"] == []
        allowed = await reply_to(bot_api, "When did Morse send his message?", chat_id=42, user_id=42)
        assert "Morse" in allowed["text"]
        group = await reply_to(bot_api, "/ask When did Morse send his message?", chat_id=-100,
                               chat_type="supergroup", user_id=9)  # anyone in an allowed group
        assert "Morse" in group["text"]
        admin = await reply_to(bot_api, "/sources", chat_id=7, user_id=7)  # admins always may
        assert "not open to you" not in admin["text"]
    assert any("answering only" in r.getMessage() for r in caplog.records)


async def test_an_open_bot_says_so_at_start_up(running_bot, caplog):
    caplog.set_level(logging.WARNING)
    await running_bot.post_init(running_bot)
    assert any("VERBATIM_ALLOWED_IDS is not set" in r.getMessage() for r in caplog.records)


async def test_a_dripping_download_neither_freezes_other_chats_nor_runs_forever(bot_api, settings, tmp_path):
    library = Library(tmp_path / "idx", model=settings.model, threshold=settings.threshold,
                      fetcher=Fetcher(allowed_hosts=frozenset({"127.0.0.1"}), deadline=3))
    library.add([SourceText("notes://bees", "Bees", "Bees dance to tell other bees where flowers are.")])
    with FakeWebsite() as site:
        site.pages["/drip"] = ("text/plain", b"Slow news\n\n" + b"word " * 40)
        site.slow["/drip"] = 0.1  # a byte every 0.1 s: 21 s for the whole page
        async with bot_running(settings, library, bot_api):
            bot_api.message(f"/ingest {site.url('/drip')}", user_id=7, chat_id=7)
            await asyncio.sleep(0.5)  # the download has started
            answer = await reply_to(bot_api, "Why do bees dance?", chat_id=42, user_id=42)
            assert "flowers" in answer["text"]
            ingest = await bot_call(bot_api, "sendMessage", lambda p: int(p["chat_id"]) == 7, timeout=15)
    assert "took longer than 3 s" in ingest["text"]
    assert answer["_received"] < ingest["_received"]  # answered while the download was still dripping


async def test_answers_survive_a_burst_of_server_errors(running_bot, bot_api):
    for code, text in [(500, "Internal Server Error"), (502, "Bad Gateway"), (500, "Internal Server Error")]:
        bot_api.fail_next("sendMessage", code, text)
    count = len(bot_api.calls)
    bot_api.message("When did Morse send his message?")
    answer = await bot_call(bot_api, "sendMessage", lambda p: "Morse" in p["text"], after=count, timeout=20)
    assert "24 May 1844" in answer["text"]
    assert not [p for p in bot_api.sent("sendMessage") if "Sorry" in p["text"]]


async def test_a_late_ok_is_not_reported_to_the_user_as_a_failure(running_bot, bot_api):
    bot_api.latency["sendMessage"] = 6  # Telegram accepts, but answers after PTB's 5 s read timeout
    count = len(bot_api.calls)
    bot_api.message("When did Morse send his message?")
    await bot_call(bot_api, "sendMessage", after=count)
    await asyncio.sleep(7.5)  # the timeout, and whatever the bot would do next
    bot_api.latency.clear()
    sent = [p["text"] for p in bot_api.sent("sendMessage")]
    assert len(sent) == 1 and "Morse" in sent[0], sent  # one answer: not repeated, no apology


async def test_subscriptions_are_capped_per_chat_and_listed_a_page_at_a_time(bot_api, settings, library):
    settings = dataclasses.replace(settings, max_subscriptions=12)
    async with bot_running(settings, library, bot_api) as app:
        for n in range(12):
            reply = await reply_to(bot_api, f"/subscribe topic number {n} " + "words " * 100)
            assert "Done: alerts on" in reply["text"] and len(reply["text"]) < 300
        full = await reply_to(bot_api, "/subscribe one too many")
        assert "the most it can have" in full["text"]
        assert len(app.bot_data.subscriptions.of_chat(42)) == 12
        listing = await reply_to(bot_api, "/subscriptions")
        assert "page 1 of 2" in listing["text"] and listing["text"].count("alerts on") == 10
        more = listing["reply_markup"]["inline_keyboard"][-1][-1]
        assert more["callback_data"] == "subs:1"
        count = len(bot_api.calls)
        bot_api.press(_message_in(42), more["callback_data"])
        page = await bot_call(bot_api, "editMessageText", after=count)
        numbers = [line.split(".")[0] for line in page["text"].splitlines()[1:]]
        assert "page 2 of 2" in page["text"] and numbers == ["11", "12"]


def _replied_to(api: FakeBotAPI, chat_id: int) -> list[int]:
    """The message ids the bot's replies in a chat answer, in the order they were sent."""
    return [int(p["reply_parameters"]["message_id"]) for p in api.sent("sendMessage")
            if int(p["chat_id"]) == chat_id and "reply_parameters" in p]


async def test_each_chat_is_answered_in_order_and_a_flood_does_not_starve_others(running_bot, bot_api, library):
    running_bot.bot_data.subscriptions.add_topic(3, "otters holding hands", library.generation)
    bot_api.latency["sendMessage"] = 0.2
    flood = [bot_api.message(f"When did Morse send message number {n}?", chat_id=1, user_id=1)["message_id"]
             for n in range(12)]
    other = bot_api.message("How much honey can a strong colony store?", chat_id=2, user_id=2)["message_id"]
    await asyncio.to_thread(library.add, [SourceText("notes://otters", "Otters", "Sea otters hold hands "
                                                     "while they sleep so they do not drift apart.")])
    await bot_call(bot_api, "sendMessage", lambda p: int(p["chat_id"]) == 1 and
                   p.get("reply_parameters", {}).get("message_id") == flood[-1], timeout=30)
    assert _replied_to(bot_api, 1) == flood  # every question, once, in the order asked
    sent_to = [int(p["chat_id"]) for p in bot_api.sent("sendMessage")]
    assert sent_to.index(2) < len(sent_to) - 6  # chat 2 did not wait for chat 1's whole flood
    assert sent_to.index(3) < len(sent_to) - 3  # nor did the topic alert for chat 3
    assert _replied_to(bot_api, 2) == [other]


async def test_typing_keeps_showing_while_a_slow_answer_is_prepared(bot_api, settings, tmp_path):
    library = Library(tmp_path / "slow", model=SLOW_NAME, threshold=settings.threshold)
    library.add([SourceText("notes://bees", "Bees", "Bees dance to tell other bees where flowers are.")])
    async with bot_running(dataclasses.replace(settings, model=SLOW_NAME), library, bot_api):
        answer = await reply_to(bot_api, "Why do bees dance so slowly?")
    typing = [p for p in bot_api.sent("sendChatAction") if p["_received"] < answer["_received"]]
    assert len(typing) >= 3 and all(p["action"] == "typing" for p in typing)  # 9 s: at 0, 4 and 8 s
    assert "flowers" in answer["text"]


async def test_replies_with_angle_brackets_and_ampersands_reach_the_user(running_bot, bot_api):
    # Messages are HTML by default (PTB Defaults): plain replies must be escaped to be sent at all.
    usage = await reply_to(bot_api, "/summary")
    assert usage["text"] == "Usage: /summary &lt;document id, title or topic&gt;"
    unknown = await reply_to(bot_api, "/r&d<b>")
    assert "I don't know /r&amp;d&lt;b&gt;" in unknown["text"]


async def test_a_lost_response_is_neither_resent_nor_apologised_for(running_bot, bot_api):
    bot_api.drop["sendMessage"] = 1  # Telegram delivers the answer; its "ok" is lost on the way back
    count = len(bot_api.calls)
    bot_api.message("When did Morse send his message?")
    await bot_call(bot_api, "sendMessage", after=count)
    await asyncio.sleep(2)  # time for a retry or an apology, if the bot would send one
    sent = [p["text"] for p in bot_api.sent("sendMessage")]
    assert len(sent) == 1 and "Morse" in sent[0], sent


def test_a_huge_or_dripping_feed_is_refused_quickly_and_holds_up_no_other_feed(tmp_path):
    import time

    from index import Feeds

    library = Library(tmp_path / "idx", model=HASH_MODEL,
                      fetcher=Fetcher(allowed_hosts=frozenset({"127.0.0.1"}), deadline=2))
    good = """<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><item>
      <title>Otters hold hands</title><link>{link}</link><guid>o-1</guid></item></channel></rss>"""
    with FakeWebsite() as site:
        site.pages["/huge.xml"] = ("application/rss+xml", b"<rss>" + b" " * (25 * 2**20) + b"</rss>")  # 25 MB
        site.pages["/drip.xml"] = ("application/rss+xml", good.format(link="x").encode())
        site.slow["/drip.xml"] = 0.5
        site.pages["/good.xml"] = ("application/rss+xml", good.format(link=site.url("/otters")).encode())
        site.pages["/otters"] = ("text/plain", b"Otters\n\nSea otters hold hands while they sleep so they "
                                               b"do not drift apart in the water.")
        feeds = Feeds(library)
        for path in ("/huge.xml", "/drip.xml", "/good.xml"):
            feeds.add(site.url(path))
        started = time.monotonic()
        report = feeds.poll()
        assert time.monotonic() - started < 10  # not minutes: each download has a deadline and a cap
    assert report.ingest.added == 1 and library.search("Why do otters hold hands?").found
    errors = {feed.url.rsplit("/", 1)[1]: feed.error for feed in feeds.all()}
    assert "larger than 20 MB" in errors["huge.xml"]
    assert "took longer than 2 s" in errors["drip.xml"]
    assert errors["good.xml"] is None


async def test_four_flood_waits_in_a_row_still_deliver_the_answer(running_bot, bot_api):
    for _ in range(4):
        bot_api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", retry_after=1)
    count = len(bot_api.calls)
    bot_api.message("When did Morse send his message?")
    answer = await bot_call(bot_api, "sendMessage", lambda p: p.get("_outcome") == "ok", after=count, timeout=20)
    assert "Morse" in answer["text"]
