"""Each chat its own documents, through the real Application over the fake Bot API: a group's
administrator adds a file in the group; the group finds it, and no other group, private chat,
inline query or forged button does; alerts and digests go only where the document may be read;
the shared documents stay visible to all."""

import asyncio
import dataclasses
import datetime as dt

from index import SHARED, SourceText
from tests.conftest import BOTH_BACKENDS, Clock, bot_call, bot_running, reply_to

pytestmark = BOTH_BACKENDS

GROUP_A, GROUP_B = -1001, -1002
ADMIN_A, ADMIN_B, MEMBER = 11, 12, 13
LIGHTHOUSE = (b"Lighthouse log\n\nThe lighthouse keeper Agnes Holt lit the lamp every night for forty years. "
              b"Agnes Holt kept the log of every ship that passed the headland.")
QUESTION = "Who lit the lighthouse lamp every night?"


def in_group(group: int, user: int) -> dict:
    return {"chat_id": group, "chat_type": "supergroup", "user_id": user}


def upload(api, name: str, data: bytes, group: int | None, user: int, caption: str = "@verbatim_test_bot") -> None:
    api.files[f"documents/{name}"] = data
    document = {"file_id": name, "file_unique_id": f"u-{name}", "file_name": f"{name}.txt", "file_size": len(data)}
    where = in_group(group, user) if group is not None else {"chat_id": user, "user_id": user}
    api.message("", document=document, caption=caption, **where)


async def added(api, chat_id: int, after: int) -> dict:
    return await bot_call(api, "sendMessage", lambda p: int(p["chat_id"]) == chat_id
                          and ("Added" in p["text"] or "can add" in p["text"]), after=after, timeout=30)


async def test_a_group_reads_what_its_administrators_add_and_no_one_else_does(bot_api, settings, library):
    bot_api.group_admins = {GROUP_A: {ADMIN_A}, GROUP_B: {ADMIN_B}}
    async with bot_running(settings, library, bot_api) as app:
        count = len(bot_api.calls)
        upload(bot_api, "lighthouse", LIGHTHOUSE, GROUP_A, MEMBER)  # a member: refused, nothing added
        refused = await added(bot_api, GROUP_A, count)
        assert "Only this group's administrators can add documents here." in refused["text"]
        count = len(bot_api.calls)
        upload(bot_api, "lighthouse", LIGHTHOUSE, GROUP_A, ADMIN_A)
        assert "Added “Lighthouse log”" in (await added(bot_api, GROUP_A, count))["text"]
        assert {c.name for c in library.collections()} == {SHARED, f"chat{GROUP_A}"}

        found = await reply_to(bot_api, f"/ask {QUESTION}", **in_group(GROUP_A, MEMBER))
        assert "Agnes Holt" in found["text"] and "Lighthouse log" in found["text"]
        for elsewhere in (in_group(GROUP_B, ADMIN_B), {"chat_id": ADMIN_A, "user_id": ADMIN_A}):
            text = f"/ask {QUESTION}" if elsewhere["chat_id"] < 0 else QUESTION
            assert "Agnes" not in (await reply_to(bot_api, text, **elsewhere))["text"]
            assert "Lighthouse log" not in (await reply_to(bot_api, "/sources", **elsewhere))["text"]
            summary = await reply_to(bot_api, "/summary Lighthouse log", **elsewhere)
            assert "Agnes" not in summary["text"]
            # the shared documents, everywhere
            assert "Morse" in (await reply_to(bot_api, "/ask When did Morse send his telegraph message?",
                                              **elsewhere))["text"]
        listed = (await reply_to(bot_api, "/sources", **in_group(GROUP_A, MEMBER)))["text"]
        assert listed.index("Lighthouse log") < listed.index("telegraph") and "Lighthouse log</b> · added here" in listed
        # inline mode reads the user's own collection and the shared one, never a group's
        count = len(bot_api.calls)
        bot_api.inline(QUESTION, user_id=ADMIN_A)
        offered = await bot_call(bot_api, "answerInlineQuery", after=count)
        assert "Agnes" not in str(offered["results"])

        # A button forged in group B with the key of group A's answer shows nothing.
        key = next(k for k, (chat, *_) in app.bot_data.answers._answers.items() if chat == GROUP_A)
        mine = await reply_to(bot_api, "/ask When did Morse send his telegraph message?", **in_group(GROUP_B, ADMIN_B))
        count = len(bot_api.calls)
        bot_api.press(mine["_result"], f"more:{key}:1", user_id=ADMIN_B)
        answered = await bot_call(bot_api, "answerCallbackQuery", after=count)
        assert "too old" in answered["text"]
        await asyncio.sleep(0.3)
        assert not [p for p in bot_api.sent("editMessageText")[0:] if "Agnes" in p["text"]]

        # Its administrators remove it; a member may not.
        refused = await reply_to(bot_api, "/forget Lighthouse log", **in_group(GROUP_A, MEMBER))
        assert "Only this group's administrators can remove" in refused["text"]
        elsewhere = await reply_to(bot_api, "/forget Lighthouse log", **in_group(GROUP_B, ADMIN_B))
        assert "no document" in elsewhere["text"]
        assert "Removed “Lighthouse log”" in (await reply_to(bot_api, "/forget Lighthouse log",
                                                             **in_group(GROUP_A, ADMIN_A)))["text"]
        assert "Agnes" not in (await reply_to(bot_api, f"/ask {QUESTION}", **in_group(GROUP_A, MEMBER)))["text"]


async def test_alerts_and_digests_go_only_where_the_document_may_be_read(bot_api, settings, library):
    bot_api.group_admins = {GROUP_A: {ADMIN_A}, GROUP_B: {ADMIN_B}}
    start = dt.datetime.now(dt.timezone.utc).replace(second=0, microsecond=0)
    clock = Clock(start)
    at = (start + dt.timedelta(hours=2)).strftime("%H:%M")
    async with bot_running(settings, library, bot_api, clock):
        for group, admin in ((GROUP_A, ADMIN_A), (GROUP_B, ADMIN_B)):
            assert "Done" in (await reply_to(bot_api, "/subscribe lighthouse keeper lamp", **in_group(group, admin)))["text"]
            assert "daily digest" in (await reply_to(bot_api, f"/subscribe daily {at}", **in_group(group, admin)))["text"]
        count = len(bot_api.calls)
        upload(bot_api, "lighthouse", LIGHTHOUSE, GROUP_A, ADMIN_A)
        alert = await bot_call(bot_api, "sendMessage", lambda p: p["text"].startswith("New on"), after=count, timeout=30)
        assert int(alert["chat_id"]) == GROUP_A and "Agnes" in alert["text"]
        await asyncio.sleep(1.5)  # several alert checks: none for group B
        assert [p for p in bot_api.sent("sendMessage")[count:] if int(p["chat_id"]) == GROUP_B] == []
        # A shared document on the topic reaches both.
        count = len(bot_api.calls)
        await asyncio.to_thread(library.add, [SourceText("notes://keepers", "Keepers of the coast",
                                                         "The last lighthouse keeper left the lamp to machines.")])
        for group in (GROUP_A, GROUP_B):
            await bot_call(bot_api, "sendMessage", lambda p, g=group: int(p["chat_id"]) == g
                           and p["text"].startswith("New on") and "Keepers of the coast" in p["text"], after=count)

    clock.now = start + dt.timedelta(days=1, hours=3)  # both digests fall due
    count = len(bot_api.calls)
    async with bot_running(settings, library, bot_api, clock):
        digests = {}
        for group in (GROUP_A, GROUP_B):
            digests[group] = await bot_call(bot_api, "sendMessage", lambda p, g=group: int(p["chat_id"]) == g
                                            and "daily digest" in p["text"], after=count)
        assert "Lighthouse log" in digests[GROUP_A]["text"] and "Keepers of the coast" in digests[GROUP_A]["text"]
        assert "Lighthouse log" not in digests[GROUP_B]["text"] and "Keepers of the coast" in digests[GROUP_B]["text"]


async def test_a_users_own_files_are_theirs_alone_when_the_operator_allows_them(bot_api, settings, library):
    async with bot_running(settings, library, bot_api):  # off by default: only the operator's admins add
        count = len(bot_api.calls)
        upload(bot_api, "lighthouse", LIGHTHOUSE, None, 21)
        assert "Only the bot's administrators can add documents" in (await added(bot_api, 21, count))["text"]
    assert {c.name for c in library.collections()} == {SHARED}

    own = dataclasses.replace(settings, private_collections=True)
    async with bot_running(own, library, bot_api):
        count = len(bot_api.calls)
        upload(bot_api, "lighthouse", LIGHTHOUSE, None, 21)
        assert "Added" in (await added(bot_api, 21, count))["text"]
        assert "Agnes Holt" in (await reply_to(bot_api, QUESTION, chat_id=21, user_id=21))["text"]
        assert "Agnes" not in (await reply_to(bot_api, QUESTION, chat_id=22, user_id=22))["text"]
        for user, sees in ((21, True), (22, False)):
            count = len(bot_api.calls)
            bot_api.inline(QUESTION, user_id=user)
            offered = await bot_call(bot_api, "answerInlineQuery", after=count)
            assert ("Agnes" in str(offered["results"])) == sees
        # The operator's own admin still adds to the shared collection.
        count = len(bot_api.calls)
        upload(bot_api, "keepers", b"Keepers\n\nThe last lighthouse keeper left the lamp to machines.", None, 7)
        await added(bot_api, 7, count)
        assert "Keepers" in (await reply_to(bot_api, "/sources", chat_id=22, user_id=22))["text"]


async def test_only_the_chats_listed_read_the_shared_collection(bot_api, settings, library):
    listed = dataclasses.replace(settings, shared_chats=frozenset({GROUP_A}))
    async with bot_running(listed, library, bot_api):
        question = "/ask When did Morse send his telegraph message?"
        assert "Morse" in (await reply_to(bot_api, question, **in_group(GROUP_A, MEMBER)))["text"]
        assert "Morse" not in (await reply_to(bot_api, question, **in_group(GROUP_B, MEMBER)))["text"]
        assert "Morse" in (await reply_to(bot_api, question, chat_id=7, user_id=7))["text"]  # the operator's admin


async def test_without_group_collections_only_the_operators_admins_add(bot_api, settings, library):
    bot_api.group_admins = {GROUP_A: {ADMIN_A}}
    off = dataclasses.replace(settings, group_collections=False)
    async with bot_running(off, library, bot_api):
        count = len(bot_api.calls)
        upload(bot_api, "lighthouse", LIGHTHOUSE, GROUP_A, ADMIN_A)
        assert "Only the bot's administrators can add documents" in (await added(bot_api, GROUP_A, count))["text"]
        count = len(bot_api.calls)
        upload(bot_api, "lighthouse", LIGHTHOUSE, GROUP_A, 7)  # the operator's admin, in the group: shared
        assert "Added" in (await added(bot_api, GROUP_A, count))["text"]
    assert [c.name for c in library.collections()] == [SHARED]
