"""Pictures of pages for the OCR tests: text typeset on a white page (PIL's own font, so no
system fonts are needed), as a PNG, a JPEG "photo" or an image-only PDF (a scan)."""

import io

from PIL import Image, ImageDraw, ImageFilter, ImageFont


def page(text: str, width: int = 1240, size: int = 26, margin: int = 90, lines: int | None = None) -> Image.Image:
    """`text` set in paragraphs on a page `width` pixels wide (150 dpi A4 is 1,240), as tall as
    the text needs (or `lines` lines)."""
    font = ImageFont.load_default(size=size)
    rows = [row for paragraph in text.split("\n") for row in wrap(paragraph, font, width - 2 * margin)]
    pitch = int(size * 1.5)
    height = 2 * margin + pitch * (lines or len(rows))
    picture = Image.new("L", (width, height), 255)
    draw = ImageDraw.Draw(picture)
    for n, row in enumerate(rows):
        draw.text((margin, margin + n * pitch), row, font=font, fill=0)
    return picture


def wrap(paragraph: str, font, width: float) -> list[str]:
    """A paragraph's lines as a typesetter fills them: each takes as many words as fit `width`."""
    measure = ImageDraw.Draw(Image.new("L", (10, 10))).textlength
    rows: list[str] = []
    for word in paragraph.split():
        if rows and measure(f"{rows[-1]} {word}", font=font) <= width:
            rows[-1] += " " + word
        else:
            rows.append(word)
    return rows or [""]


def png(picture: Image.Image) -> bytes:
    out = io.BytesIO()
    picture.save(out, format="PNG")
    return out.getvalue()


def photo(picture: Image.Image) -> bytes:
    """The page as a phone would send it: turned a little, softened, grey paper, JPEG."""
    turned = picture.rotate(1.5, expand=True, fillcolor=235, resample=Image.BICUBIC)
    soft = turned.filter(ImageFilter.GaussianBlur(0.8)).point(lambda v: 40 + v * 0.75)
    out = io.BytesIO()
    soft.convert("RGB").save(out, format="JPEG", quality=70)
    return out.getvalue()


def scanned_pdf(pictures: list[Image.Image]) -> bytes:
    """An image-only PDF: each page a picture, no text layer (as a scanner makes)."""
    out = io.BytesIO()
    pictures[0].convert("RGB").save(out, format="PDF", save_all=True, resolution=150.0,
                                    append_images=[p.convert("RGB") for p in pictures[1:]])
    return out.getvalue()
