"""The bot speaks its user's language (issue #22): message catalogs picked by Telegram's
language_code, English for the rest; quotes stay as written; right-to-left quotes are laid out
from the right."""

import io
import re
import string

import pytest
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from bot import formatting, i18n
from index import Answer, DocumentInfo, Hit, SourceText
from index.types import Span
from tests.conftest import bot_call, reply_to

CATALOGS = ["es", "de", "ru", "zh", "ar"]
OTTERS = "Sea otters hold hands while they sleep so that they do not drift apart."


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def catalog(language: str):
    with open(i18n.LOCALES / language / "LC_MESSAGES" / "verbatim.po", "rb") as f:
        return read_po(f, locale=language)


def test_there_is_a_catalog_for_each_promised_language():
    assert i18n.languages() == ["en", *sorted(CATALOGS)]


@pytest.mark.parametrize("language", CATALOGS)
def test_every_message_the_bot_says_is_translated_with_the_same_placeholders(language):
    said = {message for _, _, message, _, _ in extract_from_dir(
        str(i18n.LOCALES.parent), method_map=[("**.py", "python")],
        keywords={"_": None, "N_": None, "gettext": None, "ngettext": (1, 2)})}
    translated = catalog(language)
    for message in said:
        key = message[0] if isinstance(message, tuple) else message
        entry = translated.get(key)
        assert entry is not None and not entry.fuzzy, f"{language}: not translated: {key!r}"
        for text in entry.string if isinstance(entry.string, tuple) else (entry.string,):
            assert text, f"{language}: empty translation of {key!r}"
            assert placeholders(text) <= placeholders(key if isinstance(key, str) else key[0]) | {"count"}, \
                f"{language}: {text!r} names a placeholder {key!r} does not have"


@pytest.mark.parametrize("language", CATALOGS)
def test_the_compiled_catalogs_are_those_of_the_sources(language):
    """`make locales` compiles each .po into the .mo the bot reads: they must not drift apart."""
    compiled = io.BytesIO()
    write_mo(compiled, catalog(language))
    assert (i18n.LOCALES / language / "LC_MESSAGES" / "verbatim.mo").read_bytes() == compiled.getvalue()


@pytest.mark.parametrize("tag, expected", [
    ("es", "No encontré eso en los documentos."), ("es-MX", "No encontré eso en los documentos."),
    ("de", "Das habe ich in den Dokumenten nicht gefunden."), ("zh-hans", "我在文档中没有找到答案。"),
    ("pt-br", "I couldn't find that in the documents."), (None, "I couldn't find that in the documents."),
])
def test_a_language_tag_picks_its_catalog_or_english(tag, expected):
    assert i18n.words(tag).gettext(formatting.NOT_FOUND) == expected


def test_plurals_follow_each_languages_rules():
    ru = i18n.words("ru")
    forms = [ru.ngettext("I know {count} document:", "I know {count} documents:", n).format(count=n)
             for n in (1, 3, 5, 21)]
    assert forms == ["Я знаю 1 документ:", "Я знаю 3 документа:", "Я знаю 5 документов:", "Я знаю 21 документ:"]


def test_a_right_to_left_quote_is_laid_out_from_the_right_and_stays_verbatim():
    text = "2024: قال الحلف إن الصين أصبحت عاملا حاسما.\nوأضاف أن الحرب مستمرة."
    document = DocumentInfo("d1", "تقرير الناتو", "https://example.org/ar", "2024-07-10", 1)
    sentence = text.index("قال")
    hit = Hit(document, 1, Span(text, 0, len(text)), Span(text[sentence:text.index("\n")], sentence,
                                                          text.index("\n")), 0.9)
    message = formatting.answer_html(Answer("?", True, (hit,)), _=i18n.words("ar").gettext)
    quote = re.search(r"<blockquote>(.*?)</blockquote>", message, re.S).group(1)
    assert all(line.startswith("\u200f") for line in quote.split("\n"))  # each line starts right-to-left
    assert re.sub(r"<[^>]+>|\u200f", "", quote) == text  # and the words are the document's own
    assert "\u2068تقرير الناتو\u2069" in message  # the title isolated inside the source line
    assert ">المصدر</a>" in message  # the bot's own word, in the reader's language
    english = formatting.answer_html(Answer("?", True, (hit,)))
    assert "\u200f" in english and ">source</a>" in english  # the quote's direction is the quote's


async def test_a_spanish_user_reads_the_bots_words_in_spanish_and_the_quotes_as_written(running_bot, bot_api):
    reply = await reply_to(bot_api, "Which football club won the league in 1998?", language_code="es")
    assert reply["text"].startswith("No encontré eso en los documentos.")
    buttons = [b["text"] for row in reply["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons == ["Avísame cuando se trate"]
    found = await reply_to(bot_api, "How much honey can a strong colony store?", language_code="es")
    assert "25 kilograms" in found["text"]  # the document's own words, untranslated
    english = await reply_to(bot_api, "Which football club won the league in 1998?", language_code="pt-br")
    assert english["text"].startswith("I couldn't find that in the documents.")


async def test_help_and_the_command_menu_come_in_each_language(running_bot, bot_api):
    menus = [call for name, call in bot_api.calls if name == "setMyCommands"]
    by_language = {call.get("language_code"): call["commands"] for call in menus}
    assert set(by_language) == {None, *CATALOGS}
    german = {c["command"]: c["description"] for c in by_language["de"]}
    assert german["sources"] == "Die Dokumente anzeigen, aus denen ich zitiere"
    reply = await reply_to(bot_api, "/help", language_code="ru")
    assert "В личном чате просто отправьте свой вопрос." in reply["text"]
    assert "/subscribe — " in reply["text"] and "/sources — Список документов" in reply["text"]


async def test_alerts_reach_a_subscriber_in_the_language_they_subscribed_in(running_bot, bot_api, library):
    done = await reply_to(bot_api, "/subscribe otters", language_code="de")
    assert done["text"] == "Erledigt: Alarme zu „otters“, sobald ein neues Dokument passt."
    count = len(bot_api.calls)
    library.add([SourceText("notes://otters", "Otter news", OTTERS)])
    alert = await bot_call(bot_api, "sendMessage", lambda p: "otters" in p["text"], after=count)
    assert alert["text"].startswith("Neu zu „otters“:")
    assert "Sea otters hold hands" in alert["text"]
