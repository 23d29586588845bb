"""OCR (issue #23): how much of a clean page is recovered, how long a page takes, and whether a
photographed copy of the seed article answers its questions as the text file does.

Usage: python benchmarks/ocr.py [--dpi 150] [--shared ../shared]

The seed article (../shared/corpus) is typeset on A4 pages at --dpi (DejaVu Serif 11 pt when the
system has it, else PIL's own font), read back by index/sources/ocr.py: words recovered (in
order, by difflib) and seconds a page (the model loaded first). Then each page is "photographed"
(turned 1.5 degrees, softened, grey paper, JPEG 70) and ingested; SEED_QUESTIONS are asked of it
and of the text file, and the top passages compared (the same when their bold sentences share
at least 90% of their words in order).
"""

import argparse
import difflib
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from PIL import Image, ImageDraw, ImageFont  # noqa: E402

from index import Library  # noqa: E402
from index.sources import ocr  # noqa: E402
from tests.pages import page, photo, wrap  # noqa: E402

SERIF = Path("/usr/share/fonts/truetype/dejavu/DejaVuSerif.ttf")
SEED_QUESTIONS = [
    "What does NATO call China's role in Russia's war?", "What did NATO say about China?",
    "Where was the summit held?", "Which anniversary did the summit celebrate?",
    "How many members does NATO have?", "What partnership does China have with Russia?",
    "What did NATO ask China to stop?", "What materials does the declaration mention?",
    "Which country joined as the 32nd member?", "What does the declaration say about terrorism?",
    "What cyber activities did NATO see from China?", "What did NATO say about China's space capabilities?",
    "What is China doing with its nuclear arsenal?", "Is NATO open to engagement with China?",
    "What did Stoltenberg say about the Indo-Pacific?", "Which leaders were welcomed at the summit?",
    "What is the most significant threat to the allies?", "What did Finland and Sweden's accession do?",
    "Is support for Ukraine charity?", "How will NATO increase its support for Ukraine?",
]


def pages(text: str, dpi: int) -> list[Image.Image]:
    """The text set on A4 pages at `dpi`, 11 pt, 0.8-inch margins."""
    width, height, margin = int(8.27 * dpi), int(11.69 * dpi), int(0.8 * dpi)
    size = int(11 * dpi / 72)
    font = ImageFont.truetype(str(SERIF), size) if SERIF.exists() else ImageFont.load_default(size=size)
    out, y = [Image.new("L", (width, height), 255)], margin
    for paragraph in text.split("\n"):
        for row in wrap(paragraph, font, width - 2 * margin):
            if y + size * 1.4 > height - margin:
                out.append(Image.new("L", (width, height), 255))
                y = margin
            ImageDraw.Draw(out[-1]).text((margin, y), row, font=font, fill=0)
            y += int(size * 1.4)
    return out


def words(text: str) -> list[str]:
    return re.findall(r"\w+", text.replace("’", "'").lower())


def recovered(truth: str, read: str) -> float:
    want, got = words(truth), words(read)
    matcher = difflib.SequenceMatcher(None, want, got, autojunk=False)
    return sum(block.size for block in matcher.get_matching_blocks()) / len(want)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dpi", type=int, default=150)
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    seed = args.shared / "corpus" / "nato-washington-summit-china.txt"
    if not seed.exists():
        raise SystemExit(f"{seed} is not there: this benchmark reads the seed article from ../shared")
    truth = seed.read_text()
    rendered = pages(truth, args.dpi)
    ocr.read_picture(page("Load the models first, so that a page costs only its own reading."))
    seconds, texts, confidences = [], [], []
    for picture in rendered:
        started = time.perf_counter()
        reading = ocr.read_picture(picture)
        seconds.append(time.perf_counter() - started)
        texts.append(reading.text)
        confidences.append(reading.confidence)
    print(f"{len(rendered)} pages at {args.dpi} dpi ({'DejaVu Serif' if SERIF.exists() else 'PIL font'} 11 pt): "
          f"words recovered {recovered(truth, ' '.join(texts)):.4f}, seconds a page "
          + ", ".join(f"{s:.2f}" for s in seconds) + f" (mean {statistics.mean(seconds):.2f}), "
          f"confidence {min(confidences):.3f}-{max(confidences):.3f}")
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "photos"
        folder.mkdir()
        for number, picture in enumerate(rendered, 1):
            (folder / f"seed-page-{number}.jpg").write_bytes(photo(picture))
        text_index = Library(Path(scratch) / "text", reader=True)
        text_index.ingest([str(seed)], progress=False)
        photo_index = Library(Path(scratch) / "photo", reader=True)
        report = photo_index.ingest([str(folder)], progress=False)
        read = " ".join(photo_index.document(d).text for d in report.documents)
        print(f"photographed pages (JPEG): words recovered {recovered(truth, read):.4f}")
        same = 0
        for question in SEED_QUESTIONS:
            a, b = text_index.search(question, 3), photo_index.search(question, 3)
            x = a.hits[0].sentence.text if a.hits else ""
            y = b.hits[0].sentence.text if b.hits else ""
            alike = difflib.SequenceMatcher(None, words(x), words(y), autojunk=False).ratio() >= 0.9
            same += alike and a.found == b.found
            if not alike or a.found != b.found:
                print(f"  differs: {question!r}\n    text:  {a.found} {x[:100]!r}\n    photo: {b.found} {y[:100]!r}")
        print(f"seed questions with the same top passage: {same}/{len(SEED_QUESTIONS)} "
              f"= {same / len(SEED_QUESTIONS):.2f}")
        text_index.close()
        photo_index.close()


if __name__ == "__main__":
    main()
