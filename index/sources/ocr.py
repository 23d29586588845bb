"""Text from pictures of pages: photos, screenshots and scanned PDF pages, read by OCR.

RapidOCR (the `ocr` extra) reads them with the PP-OCR models that ship inside its wheel, on
onnxruntime: nothing is downloaded. It reads Latin scripts and Chinese. When the `tesseract`
command is installed (a system package), a page RapidOCR reads without confidence is read
again by Tesseract in every language it has (Cyrillic, Arabic, Devanagari…), and the more
confident reading is kept. The text stored is what the OCR read; lines are joined into
paragraphs by their layout. A page neither reads with confidence is refused, not stored as noise.
"""

import io
import logging
import shutil
import statistics
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass

from ..errors import UnsupportedDocument

Progress = Callable[[int, int], None]  # (pages done, pages in all)

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".webp", ".tif", ".tiff", ".bmp", ".gif"}
# A page is kept when its lines' mean confidence (weighted by their length) reaches this and it
# has this many letters. Clean pages read at 0.95-0.99; a photo of a blank wall or noise, below.
MIN_CONFIDENCE = 0.80
MIN_LETTERS = 20
# Text is found on the picture shrunk to this many pixels on its longer side (a 150-dpi A4
# page is 1,754 high): on 2 cores 4.5 s a page instead of 6.4, the same words read.
# The direction classifier is off: it turned a clean line upside down ("ths t s t hts").
DETECT_SIDE = 1280
RENDER_DPI = 200  # scanned PDF pages are rendered at this resolution for the OCR
MAX_PIXELS = 40_000_000  # a picture larger than this (a decompression bomb?) is refused
TESSERACT_SECONDS = 120

_engine = None
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


def available() -> bool:
    """Whether OCR can run here (the `ocr` extra installed)."""
    try:
        import rapidocr  # noqa: F401
    except ImportError:
        return False
    return True


def read_image(data: bytes, source: str) -> str:
    """The text of a picture of a page; Unreadable when no engine reads it with confidence."""
    reading = read_picture(_decode(data, source))
    if not reading.readable:
        raise Unreadable(f"{source}: no text I could read with confidence in the image "
                         f"(OCR confidence {reading.confidence:.2f}); send a sharper, straighter photo or scan")
    return reading.text


def read_pdf_pages(data: bytes, pages: list[int], on_page: Progress | None = None) -> dict[int, Reading]:
    """Render the given pages of a PDF (0-based) and read each; `on_page(done, total)` after each."""
    import pypdfium2

    document = pypdfium2.PdfDocument(data)
    try:
        out = {}
        for done, number in enumerate(pages, 1):
            bitmap = document[number].render(scale=RENDER_DPI / 72, grayscale=True)
            out[number] = read_picture(bitmap.to_pil())
            if on_page:
                on_page(done, len(pages))
        return out
    finally:
        document.close()


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
    from PIL import Image, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        picture = Image.open(io.BytesIO(data))
        picture.load()
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError) as error:
        raise UnsupportedDocument(f"{source}: not an image I can open ({error})") from None
    return picture


def _rapid(pixels) -> Reading:
    global _engine
    if not available():
        raise UnsupportedDocument("reading images needs the OCR extra: pip install 'verbatim[ocr]'")
    with _lock:
        if _engine is None:
            from rapidocr import RapidOCR

            _engine = RapidOCR(params={"Global.log_level": "error", "Global.use_cls": False,
                                       "Det.limit_type": "max", "Det.limit_side_len": DETECT_SIDE})
        result = _engine(pixels)
    if result.boxes is None or not result.txts:
        return Reading("", 0.0, "rapidocr")
    boxes = [(float(min(p[0] for p in box)), float(min(p[1] for p in box)), float(max(p[0] for p in box)),
              float(max(p[1] for p in box)), text, float(score))
             for box, text, score in zip(result.boxes, result.txts, result.scores)]
    return Reading(layout(boxes), _confidence([(text, score) for *_, text, score in boxes]), "rapidocr")


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
            boxes.append((left, top, left + width, top + height, cells[11].strip(), float(cells[10]) / 100))
    return Reading(layout(boxes), _confidence([(text, score) for *_, text, score in boxes]), "tesseract")


def _tesseract_languages() -> list[str]:
    try:
        listed = subprocess.run(["tesseract", "--list-langs"], capture_output=True, timeout=30).stdout.decode()
    except (OSError, subprocess.TimeoutExpired):
        return []
    return [line.strip() for line in listed.splitlines()[1:] if line.strip() and line.strip() != "osd"]


def _confidence(read: list[tuple[str, float]]) -> float:
    letters = sum(len(text) for text, _ in read)
    return sum(len(text) * score for text, score in read) / letters if letters else 0.0


def layout(boxes: list[tuple[float, float, float, float, str, float]]) -> str:
    """Join boxes of text (left, top, right, bottom, text, score) into lines and paragraphs: a
    box joins the line whose middle it overlaps; a line ending well short of the right margin,
    or a gap wider than the usual line pitch, ends a paragraph; a line ending in a hyphen runs
    on into the next without a space."""
    lines: list[list] = []
    for box in sorted(boxes, key=lambda b: (b[1] + b[3]) / 2):
        middle = (box[1] + box[3]) / 2
        if lines and lines[-1][0][1] <= middle <= lines[-1][0][3]:
            lines[-1].append(box)
        else:
            lines.append([box])
    rows = []
    for line in lines:
        line.sort(key=lambda b: b[0])
        rows.append((min(b[0] for b in line), min(b[1] for b in line), max(b[2] for b in line),
                     max(b[3] for b in line), " ".join(b[4].strip() for b in line)))
    if not rows:
        return ""
    height = statistics.median(r[3] - r[1] for r in rows)
    pitch = statistics.median([b[1] - a[1] for a, b in zip(rows, rows[1:])] or [height])
    right = max(r[2] for r in rows)
    text = rows[0][4]
    for before, row in zip(rows, rows[1:]):
        short = before[2] < right - 4 * height  # room for another word or two: the paragraph ended
        if short or row[1] - before[1] > 1.6 * pitch:
            text += "\n\n" + row[4]
        elif text.endswith("-"):
            text += row[4]
        else:
            text += " " + row[4]
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
