"""Photos and scans: read by OCR (PP-OCR's models from the rapidocr wheel), quoted verbatim of what was read,
marked as read from an image, refused when unreadable; through the library and the bot."""

import html
import os
import re
import stat
import subprocess
import sys
import textwrap

import pytest

from index import UnsupportedDocument, parse_file
from index.sources import ocr
from tests.conftest import BOTH_BACKENDS, ROOT, bot_call, reply_to

if not ocr.available():
    pytest.skip("the OCR extra or rapidocr's models are not installed", allow_module_level=True)
pages = pytest.importorskip("tests.pages")

SUMMIT = ("NATO leaders met in Washington for the alliance's seventy-fifth anniversary.\n"
          "They said China has become a decisive enabler of Russia's war against Ukraine.\n"
          "The allies pledged forty billion euros of military aid to Kyiv for the coming year.")
LIGHTHOUSE = ("The old lighthouse on Cape Harrow guided ships for a century.\n"
              "It was built in 1857 from granite quarried on the island by local masons.")


@pytest.fixture(autouse=True)
def fresh_readings(tmp_path, monkeypatch):
    """Each test reads its pictures anew (readings are otherwise kept by their bytes' hash)."""
    monkeypatch.setattr(ocr, "cache", tmp_path / "ocr")


def bold(text: str) -> str:
    return html.unescape(" ".join(re.findall(r"<b>(.*?)</b>", text, flags=re.S)))


def test_lines_are_joined_into_paragraphs_by_their_layout():
    def box(left, top, right, text, slant=0.0):  # a piece of a line, 20 pixels tall, `slant` pixels down
        return ocr.Box.of([(left, top), (right, top + slant), (right, top + 20 + slant), (left, top + 20)], text, 0.99)

    boxes = [box(10, 10, 500, "The first paragraph runs on and"), box(10, 45, 480, "ends here after a hyphen-"),
             box(10, 80, 200, "ated word."), box(10, 115, 250, "A second"), box(260, 115, 500, "paragraph.")]
    assert ocr.layout(boxes) == ("The first paragraph runs on and ends here after a hyphen-ated word."
                                 "\n\nA second paragraph.")
    # A photo slants: a line's right half sits lower than its left, near the next line's start.
    slanted = [box(10, 10, 250, "Lines of a photo", slant=6), box(260, 16, 500, "slant downwards", slant=6),
               box(10, 30, 250, "and still read", slant=6), box(260, 36, 500, "in their order.", slant=6)]
    assert ocr.layout(slanted) == "Lines of a photo slant downwards and still read in their order."


def test_a_page_image_is_read_and_its_sentences_answer(tmp_path, library):
    picture = tmp_path / "summit-page.png"
    picture.write_bytes(pages.png(pages.page(SUMMIT)))
    report = library.ingest([str(picture)], progress=False)
    assert report.added == 1, report.errors
    document = library.document(report.documents[0])
    assert document.from_image and "decisive enabler" in document.text
    answer = library.search("What did NATO say about China?")
    assert answer.found and answer.hits[0].document.from_image
    assert "decisive enabler" in answer.hits[0].sentence.text
    assert answer.hits[0].quote.text in document.text  # quotes are verbatim of what the OCR read


def test_pages_are_read_without_opencv(tmp_path):
    """PP-OCR's models run on onnxruntime with numpy, SciPy and Pillow (index/models/ppocr.py):
    a photographed page is read in a process where OpenCV cannot be imported."""
    picture = tmp_path / "notice.jpg"
    picture.write_bytes(pages.photo(pages.page(LIGHTHOUSE)))
    script = ("import sys; sys.modules['cv2'] = None; from index.sources import ocr; "
              f"from pathlib import Path; ocr.cache = Path({str(tmp_path / 'ocr')!r}); "
              f"print(ocr.read_image(open({str(picture)!r}, 'rb').read(), 'notice.jpg')); "
              "print('cv2' in sys.modules and sys.modules['cv2'] is not None)")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    *text, opencv = done.stdout.strip().splitlines()
    assert "built in 1857 from granite quarried on the island" in " ".join(text) and opencv == "False"


def test_an_unchanged_picture_is_not_read_again(tmp_path, library, monkeypatch):
    picture = tmp_path / "summit-page.png"
    picture.write_bytes(pages.png(pages.page(SUMMIT)))
    assert library.ingest([str(picture)], progress=False).added == 1

    def no_second_reading(*_):
        raise AssertionError("the OCR read an unchanged picture again")

    monkeypatch.setattr(ocr, "read_picture", no_second_reading)
    again = library.ingest([str(picture)], progress=False)
    assert again.unchanged == 1 and not again.errors


def test_a_scanned_pdf_is_read_page_by_page_with_progress(tmp_path, library):
    scan = pages.scanned_pdf([pages.page(SUMMIT), pages.page(LIGHTHOUSE)])
    seen = []
    parsed = parse_file(scan, "report.pdf", "report.pdf", on_page=lambda done, total: seen.append((done, total)))
    assert parsed.from_image and seen == [(1, 2), (2, 2)]
    assert parsed.text.index("decisive enabler") < parsed.text.index("built in 1857")
    library.add([parsed])
    answer = library.search("When was it built from granite quarried on the island?")
    assert answer.found and "built in 1857" in answer.hits[0].sentence.text


def test_an_unreadable_picture_is_refused_with_a_reason():
    noise = pages.photo(pages.page("", lines=12))  # grey paper, nothing written
    with pytest.raises(UnsupportedDocument, match="no text I could read with confidence"):
        parse_file(noise, "wall.jpg", "wall.jpg")
    with pytest.raises(UnsupportedDocument, match="not an image I can open"):
        parse_file(b"GIF89a broken", "broken.gif", "broken.gif")


def test_tesseract_reads_what_pp_ocr_cannot_when_installed(tmp_path, monkeypatch):
    """A page PP-OCR's models cannot read (its models have no Cyrillic) goes to the `tesseract` command,
    here a stand-in that speaks Tesseract's command line and TSV output."""
    words = "Саммит НАТО прошёл в Вашингтоне в июле этого года".split()
    rows = ["level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext"]
    rows += [f"5\t1\t1\t1\t1\t{n}\t{20 + 90 * n}\t20\t80\t30\t96.5\t{w}" for n, w in enumerate(words)]
    script = tmp_path / "tesseract"
    script.write_text(textwrap.dedent(f"""\
        #!{sys.executable}
        import sys
        if "--list-langs" in sys.argv:
            print("List of available languages (2):\\nrus\\nosd")
        else:
            sys.stdin.buffer.read()
            assert sys.argv[1:5] == ["stdin", "stdout", "-l", "rus"], sys.argv
            print({chr(10).join(rows)!r})
        """))
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")
    text = ocr.read_image(pages.photo(pages.page("", lines=6)), "notice.jpg")
    assert text == " ".join(words)


@BOTH_BACKENDS
async def test_an_admin_sends_a_photo_and_its_quotes_say_where_the_text_came_from(running_bot, bot_api):
    bot_api.files["documents/p1"] = pages.photo(pages.page(SUMMIT))
    sizes = [{"file_id": "p0", "file_unique_id": "s0", "width": 90, "height": 20},
             {"file_id": "p1", "file_unique_id": "s1", "width": 1240, "height": 400, "file_size": 90_000}]
    refused = await reply_to(bot_api, "", user_id=8, chat_id=8, photo=sizes)
    assert "Only the bot's administrators" in refused["text"]
    added = await reply_to(bot_api, "", user_id=7, chat_id=7, photo=sizes)
    assert "Added" in added["text"] and "read from an image" in added["text"]
    answer = await reply_to(bot_api, "What did NATO say about China?", user_id=7, chat_id=7)
    assert "decisive enabler" in bold(answer["text"])
    assert "(text read from an image)" in answer["text"]


@BOTH_BACKENDS
async def test_a_long_scan_shows_progress_and_the_bot_answers_meanwhile(running_bot, bot_api):
    scan = pages.scanned_pdf([pages.page(SUMMIT), pages.page(LIGHTHOUSE), pages.page(SUMMIT.upper())])
    bot_api.files["documents/s1"] = scan
    upload = {"file_id": "s1", "file_unique_id": "u9", "file_name": "scan.pdf", "file_size": len(scan)}
    start = len(bot_api.calls)
    bot_api.message("", user_id=7, chat_id=7, document=upload)
    status = await bot_call(bot_api, "sendMessage", lambda p: "Reading the scanned pages" in p["text"], after=start)
    bot_api.message("How do bees make wax?", user_id=9, chat_id=9)  # another user, while the OCR reads
    answered = await bot_call(bot_api, "sendMessage", lambda p: p["chat_id"] == "9", after=start)
    added = await bot_call(bot_api, "sendMessage", lambda p: "Added" in p["text"], after=start, timeout=60)
    assert answered["_received"] < added["_received"]
    removed = await bot_call(bot_api, "deleteMessage", after=start)
    assert removed["message_id"] == str(status["_result"]["message_id"])
    bot_api.files["documents/w1"] = pages.photo(pages.page("", lines=12))
    wall = await reply_to(bot_api, "", user_id=7, chat_id=7,
                          document={"file_id": "w1", "file_unique_id": "w1", "file_name": "wall.jpg"})
    assert "couldn't add wall.jpg" in wall["text"] and "no text I could read with confidence" in wall["text"]
