"""A Milvus server that goes away and comes back under a running bot: a short word while it is
gone, answers and alerts again once it is back, with no restart."""

import asyncio
import dataclasses
import logging
import time

import pytest

import index
from bot.handlers import UNAVAILABLE
from tests.conftest import HASH_MODEL, HASH_THRESHOLD, SAMPLES, bot_call, bot_running, reply_to, start_milvus_server

pytest.importorskip("pymilvus", reason="the milvus extra is not installed")

QUESTION = "When did Morse send his message?"
OTTERS = "Sea otters hold hands while they sleep so that they do not drift apart."


async def test_the_bot_outlives_a_milvus_restart(bot_api, settings, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    data = tmp_path / "milvus-server"
    server, uri = start_milvus_server(data)
    port = int(uri.rsplit(":", 1)[1])
    settings = dataclasses.replace(settings, milvus_uri=uri)
    library = index.Library(settings.location(), model=HASH_MODEL, threshold=HASH_THRESHOLD)
    library.ingest([str(SAMPLES)], progress=False)
    try:
        async with bot_running(settings, library, bot_api):
            assert "Done" in (await reply_to(bot_api, "/subscribe otters"))["text"]
            assert "24 May 1844" in (await reply_to(bot_api, QUESTION))["text"]

            server.terminate()
            server.wait(10)
            for _ in range(2):  # at once, and again within the backoff
                assert (await reply_to(bot_api, QUESTION))["text"] == UNAVAILABLE
            await asyncio.sleep(1.0)  # topic alert checks run (every 0.3 s) and wait

            server, _ = start_milvus_server(data, port)
            answers = []
            for _ in range(10):  # the first question after the backoff is answered
                answers.append((await reply_to(bot_api, QUESTION))["text"])
                if "24 May 1844" in answers[-1]:
                    break
                await asyncio.sleep(1.0)
            assert "24 May 1844" in answers[-1] and set(answers[:-1]) <= {UNAVAILABLE}, answers

            writer = index.Library(index.Location(tmp_path / "writer", uri), model=HASH_MODEL)  # another machine
            await asyncio.to_thread(writer.add, [index.SourceText("notes://otters", "Otter news", OTTERS)])
            writer.close()
            alert = await bot_call(bot_api, "sendMessage", lambda p: p["text"].startswith("New on"), timeout=90)
            assert "Sea otters" in alert["text"]
    finally:
        server.terminate()
        server.wait(10)
    assert not [p for p in bot_api.sent("sendMessage") if "Sorry" in p["text"]]
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], "an outage is not an error"
    assert any("is unavailable" in r.getMessage() for r in caplog.records)
    assert any("answers again" in r.getMessage() for r in caplog.records)


def test_pymilvus_logs_go_through_the_filter_that_hides_the_milvus_token(tmp_path, caplog):
    from bot import redaction

    password = "root:Milvus-S3cret-passw0rd"
    caplog.set_level(logging.DEBUG)
    redaction.install(None, password)  # as `verbatim` does at start-up
    library = index.Library(index.Location(tmp_path / "idx", str(tmp_path / "m.db"), password),
                            model=HASH_MODEL)
    logging.getLogger("pymilvus.decorators").critical("RPC error for a client with token %s", password)
    library.close()
    assert "RPC error for a client with token [token]" in caplog.text  # it reached the app's handlers
    assert password not in caplog.text and not logging.getLogger("pymilvus").handlers


def test_a_feed_polled_while_milvus_is_down_is_read_again_once_it_is_back(tmp_path):
    from index import Feeds, Fetcher, IndexUnavailable
    from tests.fakes.web import FakeWebsite

    data = tmp_path / "milvus-server"
    server, uri = start_milvus_server(data)
    port = int(uri.rsplit(":", 1)[1])
    library = index.Library(index.Location(tmp_path / "idx", uri), model=HASH_MODEL, threshold=HASH_THRESHOLD,
                            fetcher=Fetcher(allowed_hosts=frozenset({"127.0.0.1"})))
    library.add([index.SourceText("notes://bees", "Bees", "Bees dance to tell other bees where flowers are.")])
    rss = ('<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title><item><title>Otters</title>'
           "<link>{link}</link><guid>otters-1</guid></item></channel></rss>")
    try:
        with FakeWebsite() as site:
            site.pages["/otters"] = ("text/plain", f"Otter news\n\n{OTTERS}".encode())
            site.pages["/feed.xml"] = ("application/rss+xml", rss.format(link=site.url("/otters")).encode())
            feeds = Feeds(library)
            feeds.add(site.url("/feed.xml"))
            server.terminate()
            server.wait(10)
            with pytest.raises(IndexUnavailable):
                feeds.poll()  # read, but not ingested: nothing may be marked seen
            server, _ = start_milvus_server(data, port)
            for _ in range(20):  # past the backoff
                try:
                    report = feeds.poll()
                    break
                except IndexUnavailable:
                    time.sleep(0.5)
        assert report.ingest.added == 1 and library.search("Why do otters hold hands?").found
    finally:
        library.close()
        server.terminate()
        server.wait(10)
