"""VERBATIM_ALLOWED_IDS: document text reaches only chats on the list, through every path."""

import asyncio
import dataclasses
import datetime as dt

from index import SourceText
from tests.conftest import Clock, bot_call, bot_running, reply_to

OTTERS = ("Sea otters hold hands while they sleep so that they do not drift apart. "
          "Otters sleeping in groups form a raft on the water.")
GROUP = -300  # a group that is not on the list


def _to(api, chat_id: int, after: int = 0) -> list[str]:
    return [p["text"] for name, p in api.calls[after:] if name == "sendMessage" and int(p["chat_id"]) == chat_id]


async def test_an_allowed_user_does_not_open_a_group(bot_api, settings, library):
    settings = dataclasses.replace(settings, allowed_ids=frozenset({42}))
    async with bot_running(settings, library, bot_api) as app:
        in_group = {"chat_id": GROUP, "chat_type": "supergroup", "user_id": 42}
        bot_api.group_admins = {42}
        bot_api.message("/ask When did Morse send his message?", **in_group)
        bot_api.message("@verbatim_test_bot When did Morse send his message?", **in_group)
        earlier = {"message_id": 1, "date": 0, "chat": {"id": GROUP, "type": "supergroup", "title": "G"},
                   "from": bot_api.bot, "text": "an old answer"}
        bot_api.message("And when did Morse send his message?", reply_to=earlier, **in_group)
        bot_api.message("/subscribe telegraph", **in_group)
        bot_api.message("/summary telegraph", **in_group)
        # The same user in a private chat is answered: the updates above were all read by then.
        private = await reply_to(bot_api, "When did Morse send his message?", chat_id=42, user_id=42)
        assert "Morse" in private["text"]
        await asyncio.sleep(1.0)
        assert _to(bot_api, GROUP) == []
        assert app.bot_data.subscriptions.of_chat(GROUP) == []
        library.add([SourceText("notes://telegraph", "Telegraph news", "The telegraph line reached the coast.")])
        await asyncio.sleep(1.0)  # alert checks run every 0.3 s: none for the group
        assert _to(bot_api, GROUP) == []


async def test_subscriptions_from_before_the_allow_list_pause_and_resume(bot_api, settings, library):
    start = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)  # subscriptions note real time
    clock = Clock(start)
    at = (start + dt.timedelta(hours=2)).strftime("%H:%M")
    async with bot_running(settings, library, bot_api, clock) as app:  # open to anyone, as at first
        for chat in (8, 42):
            assert "Done" in (await reply_to(bot_api, "/subscribe otters", chat_id=chat, user_id=chat))["text"]
        assert "daily digest" in (await reply_to(bot_api, f"/subscribe daily {at}", chat_id=8, user_id=8))["text"]
        store = app.bot_data.subscriptions

    # The operator sets the list; chat 8 is not on it. A document on otters arrives.
    library.add([SourceText("notes://otters", "Otter news", OTTERS)])
    clock.now = start + dt.timedelta(days=1, hours=3)  # and 8's digest fell due
    count = len(bot_api.calls)
    only_42 = dataclasses.replace(settings, allowed_ids=frozenset({42}))
    async with bot_running(only_42, library, bot_api, clock):
        alert = await bot_call(bot_api, "sendMessage", lambda p: p["text"].startswith("New on"), after=count)
        assert int(alert["chat_id"]) == 42 and "Sea otters" in alert["text"]
        await asyncio.sleep(1.5)  # several alert checks, and the digest's turn
        assert _to(bot_api, 8, after=count) == []
        asked = await reply_to(bot_api, "Why do otters hold hands?", chat_id=8, user_id=8)
        assert "not open to you" in asked["text"] and "2 subscription(s) are paused" in asked["text"]
        assert "Sea otters" not in asked["text"]
        listing = await reply_to(bot_api, "/subscriptions", chat_id=8, user_id=8)
        assert "alerts on “otters”" in listing["text"] and "not on the bot's allowed list" in listing["text"]
        assert len(store.of_chat(8)) == 2  # kept, not deleted

    clock.now = start + dt.timedelta(days=2, hours=3)
    count = len(bot_api.calls)
    both = dataclasses.replace(settings, allowed_ids=frozenset({42, 8}))
    async with bot_running(both, library, bot_api, clock):  # chat 8 is allowed again: nothing was lost
        await bot_call(bot_api, "sendMessage", lambda p: int(p["chat_id"]) == 8 and p["text"].startswith("New on")
                       and "Sea otters" in p["text"], after=count)
        digest = await bot_call(bot_api, "sendMessage", lambda p: int(p["chat_id"]) == 8 and "daily digest:" in p["text"],
                                after=count)
        assert "Otter news" in digest["text"]
        await asyncio.sleep(1.0)
    assert [t for t in _to(bot_api, 42, after=count) if t.startswith("New on")] == []  # 42 had it already


async def test_a_chat_that_is_not_allowed_can_remove_what_it_subscribed_before(bot_api, settings, library):
    async with bot_running(settings, library, bot_api):
        await reply_to(bot_api, "/subscribe otters", chat_id=8, user_id=8)
    async with bot_running(dataclasses.replace(settings, allowed_ids=frozenset({42})), library, bot_api) as app:
        assert "Removed 1" in (await reply_to(bot_api, "/unsubscribe all", chat_id=8, user_id=8))["text"]
        assert app.bot_data.subscriptions.of_chat(8) == []
        refused = await reply_to(bot_api, "/subscriptions", chat_id=8, user_id=8)  # nothing left to manage
        assert "not open to you" in refused["text"] and "paused" not in refused["text"]
