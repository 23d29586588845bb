"""Read files, folders and URLs into plain text with a title and, when known, a date."""

import codecs
import io
import logging
import re
from collections.abc import Iterator
from pathlib import Path

from urllib.parse import urlsplit

import charset_normalizer

from ..errors import UnsupportedDocument
from . import ocr
from ..text.prose import prose_problem
from .fetching import Fetcher, expect_ok
from ..types import SourceText

log = logging.getLogger(__name__)

# What one document may cost. Past these a document is refused with its reason, not cut short:
# a bot that quotes must not quote half a document as if it were the whole. Measured by
# `python benchmarks/big_inputs.py` (time and memory of each cap's worst case).
MAX_CHARS = 2_000_000  # characters of text: ~330,000 words, a 700-page book
MAX_PDF_PAGES = 2_000
MAX_HTML_BYTES = 5 * 2**20  # main-text extraction's cost grows with the page's size and depth
MAX_HTML_DEPTH = 100  # elements nested in each other; real pages stay under ~40

TEXT_SUFFIXES = {".txt", ".md", ".markdown", ".text"}
HTML_SUFFIXES = {".html", ".htm", ".xhtml"}
SUFFIXES = TEXT_SUFFIXES | HTML_SUFFIXES | {".pdf"}  # and pictures of pages when OCR is installed
MIN_PAGE_LETTERS = 20  # a PDF page with fewer letters in its text layer is a scan: read by OCR
TITLE_CHARS = 100  # a first line longer than this is a paragraph, not a title


def is_url(target: str) -> bool:
    """Tell whether a target names an http(s) URL rather than a path."""
    return target.startswith(("http://", "https://"))


def expand(target: str) -> Iterator[str]:
    """Yield the files a target names: itself, or every supported file below a folder."""
    if is_url(target):
        yield target
        return
    path = Path(target).expanduser()
    if path.is_dir():
        for child in sorted(path.rglob("*")):
            hidden = any(part.startswith(".") for part in child.relative_to(path).parts)
            if child.is_file() and not hidden and child.suffix.lower() in readable_suffixes():
                yield str(child.resolve())
    else:
        yield str(path.resolve())


def readable_suffixes() -> set[str]:
    """The file endings a folder's files are read for: pictures too when OCR is installed."""
    return SUFFIXES | ocr.IMAGE_SUFFIXES if ocr.available() else SUFFIXES


def load(target: str, fetcher: Fetcher | None = None, on_page: ocr.Progress | None = None) -> SourceText:
    """Read one file or URL; raise UnsupportedDocument with a reason a person can act on."""
    if is_url(target):
        return load_url(target, fetcher)
    path = Path(target)
    if not path.is_file():
        raise UnsupportedDocument(f"{target}: no such file")
    limit = (fetcher or Fetcher()).max_bytes  # one size cap for files and downloads
    if path.stat().st_size > limit:
        raise UnsupportedDocument(f"{target}: larger than {limit // 2**20} MB ({path.stat().st_size:,} bytes)")
    return parse(path.read_bytes(), source=str(path), kind=_kind_from_suffix(path.suffix), on_page=on_page)


def load_url(url: str, fetcher: Fetcher | None = None) -> SourceText:
    """Download a page or file (public addresses only, within the size cap) and read it."""
    fetched = expect_ok((fetcher or Fetcher()).get(url))
    content_type = fetched.headers.get("content-type", "").split(";")[0].strip().lower()
    kind = _kind_from_content_type(content_type) or _kind_from_suffix(Path(urlsplit(fetched.url).path).suffix)
    return parse(fetched.content, source=url, kind=kind)


def parse(data: bytes, source: str, kind: str, on_page: ocr.Progress | None = None) -> SourceText:
    """Turn raw bytes of the given kind ('text', 'markdown', 'html', 'pdf', 'image') into a
    SourceText; pictures and scanned PDF pages are read by OCR (`on_page(done, total)` after each)."""
    if kind == "pdf":
        doc = _parse_pdf(data, source, on_page)
    elif kind == "image":  # a photo's name says when it was taken, its first line what it is
        text = _normalise(ocr.read_image(data, source))
        doc = SourceText(source, _first_line(text) or _title_from_source(source), text, from_image=True)
    elif kind == "html":
        doc = _parse_html(data, source)  # bytes: trafilatura honours the page's declared charset
    else:
        text = _normalise(_decode(data, source))
        doc = SourceText(source, _text_title(text, source, kind == "markdown"), text)
    if not doc.text.strip():
        raise UnsupportedDocument(f"{source}: no text found in it")
    _check_size(len(doc.text), source)
    problem = prose_problem(doc.text)
    if problem:
        raise UnsupportedDocument(f"{source}: {problem}; nothing was indexed")
    return doc


def _check_size(chars: int, source: str) -> None:
    if chars > MAX_CHARS:
        raise UnsupportedDocument(f"{source}: over {MAX_CHARS:,} characters of text, more than one document "
                                  "may hold; split it into parts")


def parse_file(data: bytes, filename: str, source: str, on_page: ocr.Progress | None = None) -> SourceText:
    """Read a file's bytes (an upload), choosing the parser from its name."""
    return parse(data, source=source, kind=_kind_from_suffix(Path(filename).suffix), on_page=on_page)


def _kind_from_suffix(suffix: str) -> str:
    suffix = suffix.lower()
    if suffix in {".md", ".markdown"}:
        return "markdown"
    if suffix in TEXT_SUFFIXES or suffix == "":
        return "text"
    if suffix in HTML_SUFFIXES:
        return "html"
    if suffix == ".pdf":
        return "pdf"
    if suffix in ocr.IMAGE_SUFFIXES:
        return "image"
    raise UnsupportedDocument(
        f"files ending in {suffix} are not supported (use .txt, .md, .html, .pdf or a picture of a page)"
    )


def _kind_from_content_type(content_type: str) -> str | None:
    if content_type in {"text/html", "application/xhtml+xml"}:
        return "html"
    if content_type == "application/pdf":
        return "pdf"
    if content_type.startswith("image/"):
        return "image"
    if content_type == "text/markdown":
        return "markdown"
    if content_type.startswith("text/"):
        return "text"
    return None


_BOMS = ((codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))


def _decode(data: bytes, source: str) -> str:
    """Decode text: a byte-order mark if there is one, then UTF-8, then the encoding the bytes
    look like (charset-normalizer); bytes that look like no text are refused, not stored as
    mojibake."""
    for bom, codec in _BOMS:  # UTF-32 before UTF-16: their little-endian marks start alike
        if data.startswith(bom):
            return data.decode(codec, errors="replace")
    if b"\x00" in data[:4096]:
        raise UnsupportedDocument(f"{source}: looks like a binary file, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    matches = charset_normalizer.from_bytes(data)
    best = matches.best()
    # Random high bytes decode "validly" as Big5 or GBK; but a thousand bytes of real text always
    # hold a space or a line break somewhere.
    if best is None or best.chaos > 0.2 or (len(data) > 1000 and not re.search(rb"\s", data)):
        raise UnsupportedDocument(f"{source}: not readable text in any encoding I know")
    # Short Western text fits cp1250 as well as cp1252; like browsers, prefer Windows-1252.
    western = next((m for m in matches if m.encoding == "cp1252" and m.chaos <= best.chaos), None)
    chosen = western or best
    log.info("%s is not UTF-8; reading it as %s", source, chosen.encoding)
    return str(chosen)


def _normalise(text: str) -> str:
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"\n{3,}", "\n\n", text).strip()


def _text_title(text: str, source: str, markdown: bool) -> str:
    if markdown:
        heading = re.search(r"^#\s+(.+)$", text, flags=re.MULTILINE)
        if heading:
            return heading.group(1).strip()
    first = text.split("\n", 1)[0].strip()
    if 0 < len(first) <= TITLE_CHARS and not first.endswith((".", "!", "?", "”", '"')):
        return first
    return _title_from_source(source)


def _first_line(text: str, limit: int = TITLE_CHARS) -> str:
    """A text's first line as a title: whole when short, else cut at a word with an ellipsis."""
    first = " ".join(text.strip().split("\n", 1)[0].split())
    if len(first) <= limit:
        return first
    return first[: first.rfind(" ", 0, limit) if " " in first[:limit] else limit].rstrip(" ,;:") + "…"


def _title_from_source(source: str) -> str:
    """The file or page name as written ("nato-washington-summit-china" -> "nato washington summit
    china"): its own case, which title-casing would get wrong ("Nato")."""
    stem = Path(source.rstrip("/")).stem or source
    return re.sub(r"[-_]+", " ", stem).strip() or source


def _parse_html(html: bytes, source: str) -> SourceText:
    import trafilatura

    if len(html) > MAX_HTML_BYTES:
        raise UnsupportedDocument(f"{source}: an HTML page over {MAX_HTML_BYTES // 2**20} MB ({len(html):,} bytes); "
                                  "save its text as a .txt file instead")
    if _depth(html) > MAX_HTML_DEPTH:
        raise UnsupportedDocument(f"{source}: elements nested more than {MAX_HTML_DEPTH} deep, not a page "
                                  "whose article can be found")
    extracted = trafilatura.bare_extraction(
        html, url=source if source.startswith("http") else None, with_metadata=True,
        include_comments=False, include_tables=True, favor_precision=True,
    )
    if extracted is None or not (extracted.text or "").strip():
        raise UnsupportedDocument(f"{source}: no article text found in the page")
    text = _normalise(extracted.text)
    title = (extracted.title or "").strip() or _title_from_source(source)
    return SourceText(source, title, text, extracted.date or None)


def _depth(html: bytes) -> int:
    """How deeply the page's elements nest (lxml's parser: a fraction of a second for 5 MB)."""
    from lxml import etree

    try:
        tree = etree.fromstring(html, etree.HTMLParser())
    except (etree.LxmlError, ValueError):
        return 0  # trafilatura says what it makes of it
    deepest = depth = 0
    for event, _ in etree.iterwalk(tree, events=("start", "end")) if tree is not None else ():
        depth += 1 if event == "start" else -1
        deepest = max(deepest, depth)
    return deepest


def _parse_pdf(data: bytes, source: str, on_page: ocr.Progress | None = None) -> SourceText:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(io.BytesIO(data))
        if len(reader.pages) > MAX_PDF_PAGES:
            raise UnsupportedDocument(f"{source}: {len(reader.pages):,} pages, over the {MAX_PDF_PAGES:,} "
                                      "one document may have; split it into parts")
        pages, chars = [], 0
        for page in reader.pages:  # page by page, stopped as soon as the text is too long
            pages.append(page.extract_text() or "")
            chars += len(pages[-1])
            _check_size(chars, source)
        meta = reader.metadata
    except (PdfReadError, ValueError, KeyError) as error:
        raise UnsupportedDocument(f"{source}: not a readable PDF ({error})") from error
    scanned = [n for n, page in enumerate(pages) if sum(c.isalpha() for c in page) < MIN_PAGE_LETTERS]
    unread: list[int] = []
    if scanned and ocr.available():
        for number, reading in ocr.read_pdf_pages(data, scanned, on_page).items():
            if reading.readable:
                pages[number] = reading.text
            else:
                unread.append(number + 1)
                log.warning("%s: page %d left out: no text the OCR could read with confidence (%.2f)",
                            source, number + 1, reading.confidence)
    text = _normalise("\n\n".join(p.strip() for p in pages if p.strip()))
    if not text and scanned and not ocr.available():
        raise UnsupportedDocument(f"{source}: the PDF has no text layer (scanned pages?); "
                                  "install the OCR extra to read them: pip install 'verbatim[ocr]'")
    if not text:
        raise ocr.Unreadable(f"{source}: no text I could read with confidence on its {len(pages)} page(s)")
    title = (meta.title if meta and meta.title else "") or _title_from_source(source)
    read = bool(scanned) and ocr.available() and len(unread) < len(scanned)
    return SourceText(source, title.strip(), text, from_image=read, unread_pages=tuple(unread))
