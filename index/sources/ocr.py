"""Text from pictures of pages: photos, screenshots and scanned PDF pages, read by OCR.

PP-OCR's models, which ship inside the rapidocr wheel (the `ocr` extra), read them on onnxruntime
as RapidOCR would (index/models/ppocr.py, without its OpenCV): nothing is downloaded. They read
Latin scripts and Chinese. When the `tesseract` command is installed (a system package), a page
they read without confidence is read again by Tesseract in every language it has (Cyrillic,
Arabic, Devanagari…), and the more confident reading is kept. The text stored is what the OCR read; lines are joined into
paragraphs by their layout. A page neither reads with confidence is refused, not stored as noise.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import logging
import shutil
import statistics
import subprocess
import threading
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from ..errors import UnsupportedDocument
from ..models import ppocr

Progress = Callable[[int, int], None]  # (pages done, pages in all)

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp", ".gif"}
# A page is kept when its lines' mean confidence (weighted by their length) reaches this and it
# has this many letters. Clean pages read at 0.95-0.99; a photo of a blank wall or noise, below.
MIN_CONFIDENCE = 0.80
MIN_LETTERS = 20
# Text is found on the picture shrunk to this many pixels on its longer side (a 150-dpi A4
# page is 1,754 high; Telegram sends photos at most 1,280): the seed article set at 150 and
# 300 dpi, 2 cores, 2.9-3.1 s a page at 1,024, 3.3-3.6 at 1,280, 6.4 unshrunk, every word read
# each time (python benchmarks/ocr.py). Lines are then read at their full resolution.
# The direction classifier is off: it turned a clean line upside down ("ths t s t hts").
DETECT_SIDE = 1024
RENDER_DPI = 200  # scanned PDF pages are rendered at this resolution for the OCR...
# ... and no larger than what the OCR reads (ppocr.SIDES: it brings every picture within 2,000
# pixels): a picture is shrunk to this as it is decoded, a page rendered at most this large, so a
# 0.3 KB PDF of one 5,000-point page or a 151 KB PNG of 8,900 x 8,900 pixels costs what a photo does.
READ_SIDE = ppocr.SIDES[1]
# A picture of more pixels is refused before it is decoded (a decompression bomb?). A PNG or TIFF is
# decoded whole at its own size once, then shrunk (a JPEG is decoded shrunk): 100 megapixels are
# at most 400 MB for that moment (docs/operating.md, "Security and limits").
MAX_PIXELS = 100_000_000
TESSERACT_SECONDS = 120

_engine = None
cache: Path | None = None  # where readings are kept; None: the user's cache folder (tests set their own)
_lock = threading.Lock()  # one engine per process, one page at a time


class Unreadable(UnsupportedDocument):
    """The OCR found no text it could read with confidence."""


@dataclass(frozen=True)
class Reading:
    """What the OCR read on one page, and how sure it is (0-1)."""

    text: str
    confidence: float
    engine: str

    @property
    def readable(self) -> bool:
        return self.confidence >= MIN_CONFIDENCE and sum(c.isalpha() for c in self.text) >= MIN_LETTERS


INSTALL = "pip install 'verbatim[ocr]' && pip install --no-deps 'rapidocr~=3.10'"


@functools.cache
def available() -> bool:
    """Whether OCR can run here (the `ocr` extra and rapidocr's models installed); asked once per
    process, not once per file of a folder."""
    try:
        import PIL  # noqa: F401
        import pypdfium2  # noqa: F401
    except ImportError:
        return False
    return ppocr.models_folder() is not None


def read_image(data: bytes, source: str) -> str:
    """The text of a picture of a page; Unreadable when no engine reads it with confidence."""
    reading = _remembered(hashlib.sha256(data).hexdigest(), lambda: read_picture(_decode(data, source)))
    if not reading.readable:
        raise Unreadable(f"{source}: no text I could read with confidence in the image "
                         f"(OCR confidence {reading.confidence:.2f}); send a sharper, straighter photo or scan")
    return reading.text


def read_pdf_pages(data: bytes, pages: list[int], on_page: Progress | None = None) -> dict[int, Reading]:
    """Render the given pages of a PDF (0-based) and read each; `on_page(done, total)` after each."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    digest = hashlib.sha256(data).hexdigest()
    try:
        out = {}
        for done, number in enumerate(pages, 1):
            page = document[number]
            scale = min(RENDER_DPI / 72, READ_SIDE / max(1.0, *page.get_size()))  # points: 1/72 inch
            out[number] = _remembered(f"{digest}-page{number}", lambda: read_picture(
                page.render(scale=scale, grayscale=True).to_pil()))
            if on_page:
                on_page(done, len(pages))
        return out
    finally:
        document.close()


def _remembered(key: str, read: Callable[[], Reading]) -> Reading:
    """A picture's reading, kept under its bytes' hash in the cache folder (~/.cache/verbatim/ocr):
    ingesting an unchanged scan again (`verbatim run` at every start) reads nothing again."""
    from ..models.packaged import cache_dir

    path = (cache or cache_dir() / "ocr") / f"{key}-{DETECT_SIDE}.json"
    try:
        return Reading(**json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        pass
    reading = read()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(".partial")
        partial.write_text(json.dumps(asdict(reading)), encoding="utf-8")
        partial.replace(path)  # whole or not at all
    except OSError as error:
        log.info("could not keep an OCR reading in %s: %s", path.parent, error)
    return reading


def read_picture(picture) -> Reading:
    """Read a PIL image: RapidOCR, then Tesseract when that is unsure and installed."""
    import numpy as np

    pixels = np.asarray(picture.convert("RGB"))
    first = _rapid(pixels)
    if first.readable or not shutil.which("tesseract"):
        return first
    second = _tesseract(picture)
    return max(first, second, key=lambda r: (r.readable, r.confidence))


def _decode(data: bytes, source: str):
    """Open a picture no larger than the OCR reads it: a JPEG decoded at a reduced size (Pillow's
    `draft`), any other shrunk as soon as it is decoded, before anything copies it."""
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = None  # checked here, from the header, before decoding anything
    try:
        picture = Image.open(io.BytesIO(data))
        width, height = picture.size
        if width * height > MAX_PIXELS:
            raise UnsupportedDocument(f"{source}: a picture of {width:,} x {height:,} pixels, over the "
                                      f"{MAX_PIXELS // 1_000_000} megapixels I read; send a smaller one")
        picture.draft("RGB", (READ_SIDE, READ_SIDE))  # JPEG only: decoded at 1/2, 1/4 or 1/8 of its size
        picture.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise UnsupportedDocument(f"{source}: not an image I can open ({error})") from None
    if max(picture.size) > READ_SIDE:
        if picture.mode not in ("L", "RGB", "RGBA"):  # a palette or 1-bit picture would shrink by nearest pixels
            picture = picture.convert("RGB" if picture.mode == "P" else "L")
        picture.thumbnail((READ_SIDE, READ_SIDE), Image.Resampling.LANCZOS, reducing_gap=2.0)
    return picture


def _rapid(pixels) -> Reading:
    global _engine
    if not available():
        raise UnsupportedDocument(f"reading images needs the OCR extra and its models: {INSTALL}")
    with _lock:
        if _engine is None:
            _engine = ppocr.Reader(ppocr.models_folder(), DETECT_SIDE)
        found = _engine(pixels)
    if not found:
        return Reading("", 0.0, "rapidocr")
    boxes = [Box.of(corners, text, score) for corners, text, score in found]
    return Reading(layout(boxes), _confidence(boxes), "rapidocr")


def _tesseract(picture) -> Reading:
    """Tesseract's reading in every language it has installed (its TSV: words with confidences)."""
    languages = _tesseract_languages()
    buffer = io.BytesIO()
    picture.convert("L").save(buffer, format="PNG")
    try:
        done = subprocess.run(["tesseract", "stdin", "stdout", *(["-l", "+".join(languages)] if languages else []),
                               "tsv"], input=buffer.getvalue(), capture_output=True, timeout=TESSERACT_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as error:
        log.warning("tesseract failed: %s", error)
        return Reading("", 0.0, "tesseract")
    boxes = []
    for row in done.stdout.decode("utf-8", "replace").splitlines()[1:]:
        cells = row.split("\t")
        if len(cells) == 12 and cells[0] == "5" and cells[11].strip() and float(cells[10]) >= 0:
            left, top, width, height = (float(c) for c in cells[6:10])
            corners = [(left, top), (left + width, top), (left + width, top + height), (left, top + height)]
            boxes.append(Box.of(corners, cells[11].strip(), float(cells[10]) / 100))
    return Reading(layout(boxes), _confidence(boxes), "tesseract")


def _tesseract_languages() -> list[str]:
    try:
        listed = subprocess.run(["tesseract", "--list-langs"], capture_output=True, timeout=30).stdout.decode()
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.strip() for line in listed.splitlines()[1:] if line.strip() and line.strip() != "osd"]


def _confidence(boxes: list[Box]) -> float:
    letters = sum(len(b.text) for b in boxes)
    return sum(len(b.text) * b.score for b in boxes) / letters if letters else 0.0


@dataclass(frozen=True)
class Box:
    """A piece of a line as the OCR found it: where its left and right ends are (the middle of
    each end: lines in a photo slant), how tall its letters are, and what it says."""

    left: float
    left_y: float
    right: float
    right_y: float
    height: float
    text: str
    score: float

    @classmethod
    def of(cls, corners, text: str, score: float) -> "Box":
        """From four corners clockwise from the top left, as RapidOCR gives them."""
        (x0, y0), (x1, y1), (x2, y2), (x3, y3) = [(float(x), float(y)) for x, y in corners]
        return cls(min(x0, x3), (y0 + y3) / 2, max(x1, x2), (y1 + y2) / 2,
                   ((x3 - x0) ** 2 + (y3 - y0) ** 2) ** 0.5, text, float(score))


def layout(boxes: list[Box]) -> str:
    """Join pieces of text into lines and paragraphs. A piece continues the line whose last
    piece ends to its left at its height (following the line's slant); a line that had room
    for the next line's first word, or a gap wider than the usual line pitch, ends a paragraph;
    a line ending in a hyphen runs on into the next without a space."""
    lines: list[list[Box]] = []
    for box in sorted(boxes, key=lambda b: (b.left_y, b.left)):
        def distance(line: list[Box]) -> float:
            last = line[-1]
            slope = (last.right_y - last.left_y) / max(1.0, last.right - last.left)
            return abs(last.right_y + slope * (box.left - last.right) - box.left_y)
        open_lines = [line for line in lines[-4:] if line[-1].right <= box.left + box.height]
        best = min(open_lines, key=distance, default=None)
        if best is not None and distance(best) <= box.height / 2:
            best.append(box)
        else:
            lines.append([box])
    if not lines:
        return ""
    height = statistics.median(b.height for b in boxes)
    starts = [line[0].left_y for line in lines]
    pitch = statistics.median([b - a for a, b in zip(starts, starts[1:])] or [height])
    ends = [line[-1].right for line in lines]
    text = " ".join(b.text.strip() for b in lines[0])
    for n, (before, line, start, previous) in enumerate(zip(lines, lines[1:], starts[1:], starts)):
        row = " ".join(b.text.strip() for b in line)
        margin = max(ends[max(0, n - 3) : n + 5])  # the right margin here (a photo's page may be turned)
        letter = (line[-1].right - line[0].left) / max(1, len(row))  # a letter's width on this line
        first_word = (len(row.split(" ", 1)[0]) + 2) * letter
        if margin - before[-1].right > first_word or start - previous > 1.6 * pitch:
            text += "\n\n" + row  # the paragraph ended: the next word would have fitted, or a gap
        elif text.endswith("-"):
            text += row
        else:
            text += " " + row
    return text

def page_bar(target: str) -> Progress:
    """A progress bar for the pages of `target` that OCR reads (a long scan), shown once it starts."""
    from tqdm import tqdm

    bar = None

    def on_page(done: int, total: int) -> None:
        nonlocal bar
        bar = bar or tqdm(total=total, desc=f"OCR {target.rsplit('/', 1)[-1]}", unit="page", leave=False)
        bar.update(done - bar.n)
        if done == total:
            bar.close()
    return on_page
