"""A bot killed while it sends alerts: after the restart every chat has its alert, and the one
under way is sent again (at-least-once) or not (at-most-once), as VERBATIM_DELIVERY says."""

import asyncio
import subprocess
import sys
import time
from collections import Counter

import pytest

from bot.subscription_store import Subscriptions
from index import Library, SourceText
from tests.conftest import HASH_MODEL, HASH_THRESHOLD, VERBATIM
from tests.fakes.bot_api import FakeBotAPI

CHATS = range(100, 108)


def _alerts(api: FakeBotAPI) -> Counter:
    """Alerts Telegram received, per chat (a call the bot did not live to see answered counts)."""
    return Counter(int(p["chat_id"]) for p in api.sent("sendMessage") if p["text"].startswith("New on"))


def _wait(condition, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError("timed out")
        time.sleep(0.05)


@pytest.mark.parametrize("delivery", ["at-least-once", "at-most-once"])
def test_a_bot_killed_mid_alert_loses_nothing_and_doubles_at_most_the_one_under_way(tmp_path, delivery):
    index_dir = tmp_path / "idx"
    library = Library(index_dir, model=HASH_MODEL, threshold=HASH_THRESHOLD)
    library.add([SourceText("notes://bees", "Bees", "Bees dance to tell other bees where the flowers are.")])
    store = Subscriptions(index_dir / "subscriptions.sqlite3")
    for chat in CHATS:
        store.add_topic(chat, "otters holding hands", library.generation)
    store.close()
    library.add([SourceText("notes://otters", "Otters", "Sea otters hold hands while they sleep so that "
                            "they do not drift apart.")])
    library.close()
    api = FakeBotAPI()
    api.start()
    env = {"TELEGRAM_BOT_TOKEN": api.token, "TELEGRAM_API_BASE_URL": api.base_url,
           "TELEGRAM_FILE_BASE_URL": api.file_base_url, "VERBATIM_INDEX_DIR": str(index_dir),
           "VERBATIM_MODEL": HASH_MODEL, "VERBATIM_THRESHOLD": str(HASH_THRESHOLD), "VERBATIM_READER": "off",
           "VERBATIM_WATCH_INTERVAL": "0.5", "VERBATIM_DELIVERY": delivery, "PATH": ""}
    command = [sys.executable, "-c", VERBATIM, "--env-file", str(tmp_path / "none"), "serve"]
    try:
        api.latency["sendMessage"] = 1.0  # Telegram holds each send a second before it answers
        bot = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _wait(lambda: sum(_alerts(api).values()) >= 3, 60)
        bot.kill()  # kill -9 while Telegram has the third alert and the bot waits for its "ok"
        bot.wait(10)
        under_way = max(_alerts(api), key=lambda chat: [int(p["chat_id"]) for p in api.sent("sendMessage")
                                                         if p["text"].startswith("New on")].index(chat))
        api.latency.clear()
        bot = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        _wait(lambda: set(_alerts(api)) >= set(CHATS), 60)
        time.sleep(1.5)  # later checks would repeat an alert here if they could
        bot.terminate()
        log = bot.communicate(timeout=20)[1].decode()
    finally:
        api.stop()
    alerts = _alerts(api)
    assert set(alerts) == set(CHATS)  # nothing lost
    doubled = {chat for chat, n in alerts.items() if n > 1}
    assert doubled == ({under_way} if delivery == "at-least-once" else set()), (alerts, log[-2000:])
    assert "1 deliveries were under way when the bot stopped" in log


async def test_a_digest_paused_by_a_block_comes_back_with_start(bot_api, settings, library):
    import datetime as dt

    from tests.conftest import Clock, bot_call, bot_running, reply_to

    start = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)
    clock = Clock(start)
    async with bot_running(settings, library, bot_api, clock):
        await reply_to(bot_api, f"/subscribe daily {(start + dt.timedelta(hours=1)):%H:%M}")
    library.add([SourceText("notes://otters", "Otter news", "Sea otters hold hands while they sleep.")])
    clock.now = start + dt.timedelta(hours=1, minutes=1)  # the digest is owed
    bot_api.fail_next("sendMessage", 403, "Forbidden: bot was blocked by the user")
    async with bot_running(settings, library, bot_api, clock) as app:
        await bot_call(bot_api, "sendMessage", lambda p: p.get("_outcome") == "failed")
        await asyncio.sleep(0.5)
        assert app.bot_data.subscriptions.paused(42)
        count = len(bot_api.calls)
        bot_api.message("/start")  # the user unblocked the bot and says hello
        digest = await bot_call(bot_api, "sendMessage", lambda p: "daily digest:" in p["text"], after=count)
        assert "Otter news" in digest["text"]
