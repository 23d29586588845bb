"""Follow-up questions read in their thread, through the real Application and the fake Bot API."""

import datetime as dt
import html
import re

import pytest

from bot.threads import Threads
from index import SourceText, in_thread
from tests.conftest import BOTH_BACKENDS, bot_call, reply_to

NATO_CHINA = ("NATO leaders said at the Washington summit that China has become a decisive enabler of the war "
              "through its no limits partnership, and called on Beijing to stop its support.")
NATO_RUSSIA = ("NATO leaders said at the Washington summit that Russia remains the most significant and direct "
               "threat to the security of the allies, and pledged forty billion euros to Ukraine.")
RUSSIA_GRAIN = ("Russia harvested a record wheat crop this year, farmers said, as exports through the Black Sea "
                "ports kept grain prices low across the region.")


def visible(text: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", "", text))


def bold(text: str) -> str:
    return html.unescape(" ".join(re.findall(r"<b>(.*?)</b>", text, flags=re.S)))


@pytest.fixture
def news(library):
    library.add([SourceText("news/nato-china.txt", "NATO on China", NATO_CHINA),
                 SourceText("news/nato-russia.txt", "NATO on Russia", NATO_RUSSIA),
                 SourceText("news/russia-grain.txt", "Russia's harvest", RUSSIA_GRAIN)])
    return library


def test_a_follow_up_carries_the_earlier_question_and_a_self_contained_one_stands_alone():
    # Russia takes China's place; NATO, the subject, is carried.
    assert in_thread("And what about Russia?", "What did NATO say about China?") == "And what about Russia? nato"
    # "Why?" alone means nothing: the earlier question's subject, in its order.
    assert in_thread("Why?", "Why did the garage door opener stop working?").startswith("Why? garage door opener")
    # Talk around the earlier question ("Interesting.") is not carried over; only what it asked.
    assert "interesting" not in in_thread("And what are its effects?", "Interesting. What is climate change?")
    # A new subject stands alone, whether it replies to the answer or comes soon after it.
    for replying in (True, False):
        assert in_thread("How do bees make wax?", "What did NATO say about China?",
                         replying=replying) == "How do bees make wax?"
    assert in_thread("Why?", "") == "Why?"


def test_a_reply_takes_the_subject_from_the_answer_it_replies_to():
    """Words the answer's passages hold (the topic they share) are carried, words of one passage
    only are not; a question that goes on with the thread without leaning on it takes them when
    it replies, not when it merely comes soon after."""
    answer = ("The Motorola Moto G7 Power is the phone we recommend for most people. The Moto G7 Power has a "
              "battery that lasts two full days, and Motorola keeps its software clean.\n\n"
              "Reviewers call the Motorola Moto G7 Power the best cheap phone of the year: the Moto is fast "
              "enough for maps, messages and photos.\n\n"
              "A cheap phone with a big screen suits older users, who often prefer larger text.")
    follow = in_thread("Tell me more about the first one.", "Which phone would you recommend?", answer).split()
    assert {"motorola", "g7"} <= set(follow) and not {"older", "screen", "battery"} & set(follow)
    going_on = "How long does the battery of the Moto last?"
    assert in_thread(going_on, "Which phone would you recommend?", answer, replying=False) == going_on
    assert in_thread(going_on, "Which phone would you recommend?", answer, replying=True) != going_on


@BOTH_BACKENDS
async def test_a_reply_to_an_answer_is_read_in_its_thread(running_bot, bot_api, news):
    first = await reply_to(bot_api, "What did NATO say about China?")
    assert "decisive enabler" in bold(first["text"])
    assert "Searched" not in visible(first["text"])  # typed and searched alike: nothing to say
    follow = await reply_to(bot_api, "And what about Russia?", reply_to=first["_result"])
    # About Russia, in the first question's subject (NATO), not Russia's harvest.
    assert "most significant and direct threat" in bold(follow["text"])
    assert visible(follow["text"]).startswith("Searched: And what about Russia? nato")
    # Asked alone (no reply, another chat), the same words find Russia's harvest first.
    alone = await reply_to(bot_api, "And what about Russia?", chat_id=7, user_id=7)
    assert "Searched" not in visible(alone["text"])


@BOTH_BACKENDS
async def test_a_quick_private_follow_up_needs_no_reply_and_a_late_one_stands_alone(running_bot, bot_api, news):
    await reply_to(bot_api, "What did NATO say about China?")
    quick = await reply_to(bot_api, "And what about Russia?")
    assert "most significant and direct threat" in bold(quick["text"])
    running_bot.bot_data.clock = lambda: dt.datetime.now(dt.timezone.utc) + dt.timedelta(minutes=30)
    late = await reply_to(bot_api, "And what about Russia?")
    assert "Searched" not in visible(late["text"])


@BOTH_BACKENDS
async def test_group_replies_and_a_reply_to_ones_own_question(running_bot, bot_api, news):
    group = dict(chat_id=-100, chat_type="supergroup")
    asked = bot_api.message("/ask What did NATO say about China?", **group)
    first = await bot_call(bot_api, "sendMessage")
    count = len(bot_api.calls)
    bot_api.message("and Russia?", reply_to=first["_result"], **group)
    follow = await bot_call(bot_api, "sendMessage", after=count)
    assert "most significant and direct threat" in bold(follow["text"])
    # A question replying to the user's own earlier question (in a private chat) reads it too.
    own = bot_api.message("What did NATO leaders say about China?", chat_id=9, user_id=9)
    await bot_call(bot_api, "sendMessage", after=len(bot_api.calls) - 1)
    again = await reply_to(bot_api, "and about Russia?", chat_id=9, user_id=9, reply_to=own)
    assert "most significant and direct threat" in bold(again["text"])
    assert asked["message_id"] != own["message_id"]


async def test_threads_survive_a_restart_and_forget_after_a_week(tmp_path):
    threads = Threads(tmp_path / "threads.sqlite3")
    threads.remember(5, [10, 11], "What did NATO say about China?", "China has become a decisive enabler", at=1000.0)
    threads.close()
    reopened = Threads(tmp_path / "threads.sqlite3")
    assert reopened.of_message(5, 11).searched == "What did NATO say about China?"
    assert reopened.of_message(6, 11) is None  # another chat's message of the same number
    assert reopened.last(5, since=900.0).answer.startswith("China")
    assert reopened.last(5, since=1001.0) is None
    reopened.remember(5, [12], "later", "", at=1000.0 + 8 * 24 * 3600)
    assert reopened.of_message(5, 10) is None
