"""Drive the real Application over HTTP the way a user does, against a fake Bot API server."""

import html
import re

from bot import handlers
from index import SourceText
from tests.conftest import BOTH_BACKENDS, bot_call, reply_to

pytestmark = BOTH_BACKENDS  # the bot does not know where the index is


def visible(text: str) -> str:
    """What the user reads: the HTML message without tags, entities unescaped."""
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def bold(text: str) -> list[str]:
    return [html.unescape(b) for b in re.findall(r"<b>(.*?)</b>", text, flags=re.S)]


async def test_private_question_is_answered_with_a_verbatim_quote(running_bot, bot_api, library):
    asked = bot_api.message("How much honey can a strong colony store?")
    action = await bot_call(bot_api, "sendChatAction")
    assert action["action"] == "typing"
    reply = await bot_call(bot_api, "sendMessage")
    assert reply["parse_mode"] == "HTML"
    assert "25 kilograms" in bold(reply["text"])[0]
    assert reply["reply_parameters"]["message_id"] == asked["message_id"]
    quote = visible(re.search(r"<blockquote>(.*?)</blockquote>", reply["text"], re.S).group(1))
    honeybees = next(d for d in library.documents() if "honeybees" in d.title.lower())
    assert quote in library.document(honeybees.id).text
    assert "How honeybees make honey" in visible(reply["text"])


async def test_more_button_pages_through_further_hits(running_bot, bot_api, library):
    notes = "\n\n".join(f"Note {i}: the bees carried nectar to hive number {i} and made honey."
                         for i in range(12))
    library.add([SourceText("notes://bees", "Apiary notes", notes)])  # picked up without restart
    bot_api.message("bees nectar honey hive")
    reply = await bot_call(bot_api, "sendMessage")
    button = reply["reply_markup"]["inline_keyboard"][0][-1]
    assert button["text"].startswith("More")
    assert len(button["callback_data"].encode()) < 64
    message = {"message_id": 5000, "date": 0, "chat": {"id": 42, "type": "private"},
               "text": visible(reply["text"])}
    bot_api.press(message, button["callback_data"])
    edited = await bot_call(bot_api, "editMessageText")
    assert edited["message_id"] == "5000" or edited["message_id"] == 5000
    assert visible(edited["text"]).startswith("Results 4–")
    assert visible(edited["text"]) != visible(reply["text"])
    await bot_call(bot_api, "answerCallbackQuery")


async def test_a_forgotten_answer_gets_a_polite_reply(running_bot, bot_api):
    message = {"message_id": 77, "date": 0, "chat": {"id": 42, "type": "private"}, "text": "old"}
    bot_api.press(message, "more:unknownkey:1")
    answered = await bot_call(bot_api, "answerCallbackQuery")
    assert "ask again" in answered["text"]
    assert not bot_api.sent("editMessageText")


async def test_not_found_says_what_the_documents_lack_and_shows_the_closest_passage_without_bold(
        running_bot, bot_api):
    bot_api.message("Which football club won the league in 1998?")
    reply = await bot_call(bot_api, "sendMessage")
    text = visible(reply["text"])
    assert text.startswith("I couldn't find that in the documents. The documents don't mention")
    assert "“1998”" in text.split("\n")[0]  # in no sample document
    assert "The closest passage, which does not answer it:" in text
    assert text.count("—") == 1  # one closest passage, as context
    quote = reply["text"].split("<blockquote>")[1].split("</blockquote>")[0]
    assert "<b>" not in quote  # never a bold sentence: it does not answer
    buttons = reply["reply_markup"]["inline_keyboard"]
    assert [b["text"] for row in buttons for b in row] == ["Tell me when this is covered"]


async def test_group_answers_ask_mentions_and_replies_only(running_bot, bot_api):
    group = dict(chat_id=-100, chat_type="supergroup")
    bot_api.message("how do bees make wax?", **group)
    bot_api.message("/ask How much honey can a strong colony store?", **group)
    first = await bot_call(bot_api, "sendMessage")
    assert "25 kilograms" in visible(first["text"])
    second = await reply_to(bot_api, "@verbatim_test_bot when was Morse code sent to Baltimore?", **group)
    assert "Baltimore" in visible(second["text"])
    count = len(bot_api.calls)
    bot_message = {"message_id": 1, "date": 0, "chat": {"id": -100, "type": "supergroup"},
                   "from": bot_api.bot, "text": "earlier answer"}
    bot_api.message("and who completed the transatlantic cable?", reply_to=bot_message, **group)
    third = await bot_call(bot_api, "sendMessage", after=count)
    assert "Great Eastern" in visible(third["text"])
    # The plain group message at the start was never answered.
    assert len(bot_api.sent("sendMessage")) == 3


async def test_inline_mode_offers_quotes(running_bot, bot_api):
    bot_api.inline("transatlantic telegraph cable 1866")
    answered = await bot_call(bot_api, "answerInlineQuery")
    results = answered["results"]
    assert results and "Great Eastern" in results[0]["input_message_content"]["message_text"]
    assert results[0]["input_message_content"]["parse_mode"] == "HTML"


async def test_commands_help_sources_and_unknown(running_bot, bot_api):
    registered = await bot_call(bot_api, "setMyCommands")
    names = {c["command"] for c in registered["commands"]}
    assert names == set(handlers.COMMANDS)
    bot_api.message("/help")
    help_reply = await bot_call(bot_api, "sendMessage")
    for name in names:
        assert f"/{name}" in help_reply["text"]
    listing = await reply_to(bot_api, "/sources")
    assert "A short history of the electric telegraph" in visible(listing["text"])
    unknown = await reply_to(bot_api, "/frobnicate")
    assert "/help" in unknown["text"]


async def test_oversized_and_empty_questions_get_a_hint(running_bot, bot_api):
    bot_api.message("bees " * 400)
    reply = await bot_call(bot_api, "sendMessage")
    assert "under 1,000 characters" in reply["text"]
    hint = await reply_to(bot_api, "/ask")
    assert "/ask" in hint["text"]
