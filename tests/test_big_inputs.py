"""Inputs too big or too strange to index: refused quickly, with a reason, and nothing stored."""

import random
import time

import pytest

from index import UnsupportedDocument, parse
from index.sources.documents import MAX_CHARS, MAX_HTML_BYTES, MAX_HTML_DEPTH, MAX_PDF_PAGES, load
from index.text.prose import prose_problem
from tests.conftest import SAMPLES, SHARED, bot_call
from tests.fakes.web import make_pdf

VOCABULARY = ("river mountain quietly seven copper lantern argue harvest velvet window orbit "
              "ladder nervous pepper tunnel garden frozen whisper marble violin canyon").split()


def random_words(n: int, seed: int = 1) -> str:
    """Words drawn at random from a vocabulary of real words: no sentences, no Zipf curve."""
    rng = random.Random(seed)
    vocabulary = [a + b for a in VOCABULARY for b in VOCABULARY]  # 441 distinct words
    return "\n".join(" ".join(rng.choices(vocabulary, k=10)) for _ in range(n // 10))


def test_random_words_are_refused_and_real_prose_in_any_language_is_not():
    assert "does not read as prose" in prose_problem(random_words(5_000))
    texts = [p.read_text() for p in SAMPLES.glob("*.*")]
    corpus = SHARED / "corpus"
    texts += [p.read_text() for p in corpus.glob("*.txt")] if corpus.exists() else []
    assert prose_problem("\n\n".join(texts * 3)) is None  # long enough to be judged
    for language in ("ru", "zh", "ar", "hi"):  # other scripts, with and without spaces
        xquad = SHARED / "eval" / "xquad_multi" / f"xquad.{language}.json"
        if xquad.exists():
            import json

            article = json.loads(xquad.read_text())["data"][0]
            assert prose_problem("\n\n".join(p["context"] for p in article["paragraphs"]) * 2) is None, language


def test_a_pdf_of_random_words_is_refused_without_indexing_it(tmp_path):
    path = tmp_path / "words.pdf"
    path.write_bytes(make_pdf([], pages=[random_words(250, seed=page).splitlines() for page in range(300)]))
    with pytest.raises(UnsupportedDocument, match="does not read as prose"):
        load(str(path))
    pages = tmp_path / "pages.pdf"
    pages.write_bytes(make_pdf([], pages=[["Page."]] * (MAX_PDF_PAGES + 1)))
    started = time.monotonic()
    with pytest.raises(UnsupportedDocument, match=f"{MAX_PDF_PAGES + 1:,} pages"):
        load(str(pages))
    assert time.monotonic() - started < 5


def test_deeply_nested_huge_and_overlong_inputs_are_refused_with_their_reason():
    deep = "<html><body>" + "<div>" * (MAX_HTML_DEPTH + 20) + "<p>Otters hold hands.</p>" + "</div>" * (
        MAX_HTML_DEPTH + 20) + "</body></html>"
    with pytest.raises(UnsupportedDocument, match=f"nested more than {MAX_HTML_DEPTH} deep"):
        parse(deep.encode(), "deep.html", "html")
    started = time.monotonic()
    huge = b"<html><body>" + b"<p>Otters hold hands while they sleep.</p>" * (MAX_HTML_BYTES // 40) + b"</body></html>"
    with pytest.raises(UnsupportedDocument, match="an HTML page over 5 MB"):
        parse(huge, "huge.html", "html")
    long_text = ("Sea otters hold hands while they sleep so that they do not drift apart. " * 30 + "\n\n") * (
        MAX_CHARS // 2_000)
    with pytest.raises(UnsupportedDocument, match="split it into parts"):
        parse(long_text.encode(), "long.txt", "text")
    assert time.monotonic() - started < 5  # refused before any costly parsing


async def test_an_admin_is_told_why_a_wall_of_random_words_was_not_added(running_bot, bot_api, library):
    before = len(library.documents())
    bot_api.files["documents/words"] = random_words(100_000).encode()
    upload = {"file_id": "words", "file_unique_id": "u-words", "file_name": "export.txt", "file_size": 1_200_000}
    count = len(bot_api.calls)
    bot_api.message("", user_id=7, chat_id=7, document=upload)
    bot_api.message("When did Morse send his message?", chat_id=42, user_id=42)
    other = await bot_call(bot_api, "sendMessage", lambda p: int(p["chat_id"]) == 42, after=count)
    refused = await bot_call(bot_api, "sendMessage", lambda p: int(p["chat_id"]) == 7, after=count)
    assert "Morse" in other["text"]
    assert "couldn't add export.txt" in refused["text"] and "does not read as prose" in refused["text"]
    assert len(library.documents()) == before
