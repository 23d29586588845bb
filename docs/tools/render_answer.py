"""Render a real answer as Telegram shows it, for the README and the docs (docs/img/answer.png).

Usage: python docs/tools/render_answer.py [--question Q] [--out docs/img/answer.png] [PATH...]

The documents (default: samples/) are ingested into a scratch index with the default settings
(the packaged model, the reader); the question is answered and formatted by the bot's own
`bot.formatting.answer_html`, exactly the HTML the bot sends; that HTML (bold, italics, links,
blockquotes) is then drawn with Pillow as a chat in Telegram's light theme: the question, the
reply, and its buttons. Nothing is drawn by hand: change the formatter and the picture follows.
"""

import argparse
import functools
import html.parser
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bot import formatting  # noqa: E402
from bot.cli_common import open_library  # noqa: E402
from bot.config import Settings  # noqa: E402
from index import Location  # noqa: E402

FONTS = Path("/usr/share/fonts/truetype/dejavu")
WIDTH, BUBBLE, PAD, SIZE, LEADING = 760, 620, 14, 17, 7
PAPER, INCOMING, OUTGOING = (206, 222, 190), (255, 255, 255), (239, 253, 222)
TEXT, LINK, QUOTE_BAR, QUOTE_FILL, MUTED = (0, 0, 0), (22, 138, 205), (22, 138, 205), (233, 243, 250), (110, 120, 130)


@dataclass
class Run:
    text: str
    bold: bool = False
    italic: bool = False
    link: bool = False


class Blocks(html.parser.HTMLParser):
    """Telegram's HTML as paragraphs of styled runs; a blockquote is a paragraph of its own."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[tuple[bool, list[Run]]] = [(False, [])]
        self.bold = self.italic = self.link = self.quoted = False

    def handle_starttag(self, tag: str, attrs) -> None:
        if tag == "blockquote":
            self.quoted = True
            self.blocks.append((True, []))
        self._style(tag, True)

    def handle_endtag(self, tag: str) -> None:
        if tag == "blockquote":
            self.quoted = False
            self.blocks.append((False, []))
        self._style(tag, False)

    def _style(self, tag: str, on: bool) -> None:
        if tag == "b":
            self.bold = on
        elif tag == "i":
            self.italic = on
        elif tag == "a":
            self.link = on

    def handle_data(self, data: str) -> None:
        self.blocks[-1][1].append(Run(data, self.bold, self.italic, self.link))


def font(run: Run) -> ImageFont.FreeTypeFont:
    return _font(run.bold, run.italic and not run.bold)


@functools.cache
def _font(bold: bool, italic: bool) -> ImageFont.FreeTypeFont:
    """Each face read from its file once, not once a word."""
    name = "DejaVuSans" + ("-Bold" if bold else "") + ("Oblique" if italic else "")
    return ImageFont.truetype(str(FONTS / f"{name}.ttf"), SIZE)


def lines(runs: list[Run], width: int) -> list[list[tuple[Run, str]]]:
    """Word-wrap styled runs into lines of (run, words) pieces; a newline starts a new line."""
    out: list[list[tuple[Run, str]]] = [[]]
    used = 0.0
    for run in runs:
        for n, part in enumerate(run.text.split("\n")):
            if n:
                out.append([])
                used = 0.0
            for word in part.split(" "):
                piece = (word + " ") if word else ""
                size = font(run).getlength(piece)
                if used + size > width and out[-1]:
                    out.append([])
                    used = 0.0
                out[-1].append((run, piece))
                used += size
    return [line for line in out if line] or [[]]


def bubble(draw: ImageDraw.ImageDraw, top: int, left: int, blocks, fill, measure: bool) -> int:
    """Draw (or only measure) one message bubble; return its bottom."""
    y = top + PAD
    inner = BUBBLE - 2 * PAD
    for quoted, runs in blocks:
        if not any(r.text.strip() for r in runs):
            continue
        text_left = left + PAD + (14 if quoted else 0)
        wrapped = lines(runs, inner - (14 if quoted else 0))
        height = len(wrapped) * (SIZE + LEADING)
        if quoted and not measure:
            draw.rounded_rectangle((left + PAD, y - 4, left + BUBBLE - PAD, y + height), 6, fill=QUOTE_FILL)
            draw.rectangle((left + PAD, y - 4, left + PAD + 3, y + height), fill=QUOTE_BAR)
        for line in wrapped:
            x = text_left
            for run, piece in line:
                if not measure:
                    draw.text((x, y), piece, font=font(run), fill=LINK if run.link else TEXT)
                x += font(run).getlength(piece)
            y += SIZE + LEADING
        y += 8
    return y + PAD - 8


def render(question: str, message: str, buttons: list[str], out: Path) -> None:
    parser = Blocks()
    parser.feed(message)
    asked = [(False, [Run(question)])]
    probe = ImageDraw.Draw(Image.new("RGB", (1, 1)))
    first = bubble(probe, 20, 0, asked, OUTGOING, True) - 20
    second = bubble(probe, 0, 0, parser.blocks, INCOMING, True)
    height = 20 + first + 14 + second + (54 if buttons else 0) + 20
    image = Image.new("RGB", (WIDTH, height), PAPER)
    draw = ImageDraw.Draw(image)
    right = WIDTH - 20 - min(BUBBLE, int(font(Run(question)).getlength(question + " ")) + 2 * PAD)
    draw.rounded_rectangle((right, 20, WIDTH - 20, 20 + first), 14, fill=OUTGOING)
    bubble(draw, 20, right, asked, OUTGOING, False)
    top = 20 + first + 14
    draw.rounded_rectangle((20, top, 20 + BUBBLE, top + second), 14, fill=INCOMING)
    bubble(draw, top, 20, parser.blocks, INCOMING, False)
    y = top + second + 8
    for i, label in enumerate(buttons):
        width = BUBBLE // len(buttons)
        box = (20 + i * width, y, 20 + (i + 1) * width - (4 if i < len(buttons) - 1 else 0), y + 40)
        draw.rounded_rectangle(box, 10, fill=(120, 145, 110))
        bold = font(Run(label, bold=True))
        draw.text(((box[0] + box[2] - bold.getlength(label)) / 2, y + 10), label, font=bold, fill=(255, 255, 255))
    out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out, optimize=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[ROOT / "samples"])
    parser.add_argument("--question", default="When was the transatlantic telegraph cable completed?")
    parser.add_argument("--out", type=Path, default=ROOT / "docs/img/answer.png")
    args = parser.parse_args()
    settings = Settings.from_mapping({})
    with tempfile.TemporaryDirectory() as scratch:
        library = open_library(settings, Location(Path(scratch)), create=True)
        library.ingest([str(p) for p in args.paths], progress=False)
        answer = library.search(args.question, settings.max_results)
        library.close()
    message = formatting.answer_html(answer, 0, settings.quotes_per_message)
    pages = formatting.page_count(answer, settings.quotes_per_message)
    buttons = ["More ›"] if pages > 1 else (["Tell me when this is covered"] if answer.state != "answered" else [])
    render(args.question, message, buttons, args.out)
    print(f"wrote {args.out.relative_to(ROOT)} ({answer.state}, {len(answer.hits)} hits)")


if __name__ == "__main__":
    main()
