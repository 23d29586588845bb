"""Turn hits into messages: HTML for Telegram, plain text for the console. Pure functions."""

import html
import re
from dataclasses import dataclass
from urllib.parse import quote

from index import Answer, DocumentInfo, Hit

MESSAGE_LIMIT = 4096  # Telegram's limit, in UTF-16 code units of the text after entity parsing
NOT_FOUND = "I couldn't find that in the documents."
TITLE_LIMIT = 200
WEAK_LABEL = "The closest passage is a weak match and may not answer your question:"
# A text fragment longer than this quotes the sentence's first and last words instead (the
# textStart,textEnd form), so links stay short enough for every browser and chat client.
FRAGMENT_CHARS = 160
FRAGMENT_EDGE_WORDS = 5


def telegram_length(text: str) -> int:
    """Count characters the way Telegram does (UTF-16 code units)."""
    return len(text.encode("utf-16-le")) // 2


@dataclass(frozen=True)
class Quote:
    """A verbatim excerpt of a hit, split around its answering sentence."""

    before: str
    sentence: str
    after: str
    shortened: bool

    @property
    def text(self) -> str:
        return self.before + self.sentence + self.after


def excerpt(hit: Hit, limit: int) -> Quote:
    """Cut the hit's quote to at most `limit` characters, keeping the answer sentence central."""
    quote, sentence = hit.quote, hit.sentence
    a_start = max(sentence.start, quote.start) - quote.start
    a_end = min(sentence.end, quote.end) - quote.start
    text = quote.text
    if telegram_length(text) <= limit:
        return Quote(text[:a_start], text[a_start:a_end], text[a_end:], False)
    bold = clip(text[a_start:a_end], limit)
    if len(bold) < a_end - a_start:
        return Quote("", bold, "", True)
    room = limit - telegram_length(bold)
    tail = text[a_end:]
    before = clip_start(text[:a_start], room - min(telegram_length(tail), room // 2))
    after = clip(tail, room - telegram_length(before))
    return Quote(before, bold, after, True)


def clip(text: str, limit: int) -> str:
    """Longest prefix within `limit` UTF-16 units, never splitting a surrogate pair."""
    if telegram_length(text) <= limit:
        return text
    out, used = [], 0
    for char in text:
        size = 2 if ord(char) > 0xFFFF else 1
        if used + size > limit:
            break
        out.append(char)
        used += size
    return "".join(out)


def clip_start(text: str, limit: int) -> str:
    return clip(text[::-1], limit)[::-1]


def source_line(doc: DocumentInfo, sentence: str | None = None) -> tuple[str, str]:
    """Return the source line as (HTML, plain text): title, date and link when there is one.

    With `sentence`, the link opens the page scrolled to it and highlighted (a text fragment).
    """
    title = clip(doc.title, TITLE_LIMIT)
    parts_html = [f"<b>{escape(title)}</b>"]
    parts_plain = [title]
    if doc.published:
        parts_html.append(escape(doc.published[:10]))
        parts_plain.append(doc.published[:10])
    if doc.source.startswith(("http://", "https://")):
        link = text_fragment_link(doc.source, sentence) if sentence else doc.source
        parts_html.append(f'<a href="{html.escape(link, quote=True)}">source</a>')
        parts_plain.append(link)
    return " · ".join(parts_html), " · ".join(parts_plain)


def text_fragment_link(url: str, sentence: str) -> str:
    """Link to `url` scrolled to `sentence` (`#:~:text=`, WICG URL Fragment Text Directives).

    Long sentences are named by their first and last words; a sentence a fragment cannot carry
    (line breaks, control characters, too few words to name its ends) gets the plain link.
    """
    words = sentence.split()
    if not words or any(ord(c) < 32 and c not in "\t" for c in sentence) or "\n" in sentence.strip():
        return url
    if len(" ".join(words)) <= FRAGMENT_CHARS:
        directive = _fragment_text(" ".join(words))
    elif len(words) >= 2 * FRAGMENT_EDGE_WORDS:
        start, end = words[:FRAGMENT_EDGE_WORDS], words[-FRAGMENT_EDGE_WORDS:]
        directive = f"{_fragment_text(' '.join(start))},{_fragment_text(' '.join(end))}"
    else:
        return url
    base, hash_, fragment = url.partition("#")
    fragment = fragment.split(":~:", 1)[0]  # replace any directive the URL already carried
    return f"{base}#{fragment}:~:text={directive}"


def _fragment_text(text: str) -> str:
    """Percent-encode text for a directive: `-`, `,` and `&` are syntax there and must be escaped."""
    return re.sub(r"[-,&]", lambda m: f"%{ord(m.group()):02X}", quote(text, safe=""))


def quote_html(hit: Hit, limit: int) -> str:
    """Render one hit as a blockquote with the answer in bold, then its source line."""
    line_html, line_plain = source_line(hit.document, hit.sentence.text)
    quote = excerpt(hit, max(1, limit - telegram_length("— " + line_plain + " (excerpt)") - 2))
    note = " (excerpt)" if quote.shortened else ""
    body = f"{escape(quote.before)}<b>{escape(quote.sentence)}</b>{escape(quote.after)}"
    return f"<blockquote>{body}</blockquote>\n— {line_html}{note}"


def answer_html(answer: Answer, page: int = 0, per_page: int = 3) -> str:
    """Render one page of an answer as a Telegram HTML message within the length limit."""
    if not answer.found:
        if not answer.hits:
            return escape(NOT_FOUND)
        header = f"{NOT_FOUND}\n\n{WEAK_LABEL}\n"
        room = MESSAGE_LIMIT - telegram_length(header) - 8
        return escape(header) + quote_html(answer.hits[0], room)
    hits = answer.hits[page * per_page : (page + 1) * per_page]
    header = page_header(answer, page, per_page)
    room = (MESSAGE_LIMIT - telegram_length(header) - 4 * len(hits)) // max(1, len(hits))
    blocks = [quote_html(hit, room) for hit in hits]
    return escape(header) + "\n\n".join(blocks)


def page_header(answer: Answer, page: int, per_page: int) -> str:
    """Say which results a page shows, when there is more than one page."""
    total = len(answer.hits)
    if total <= per_page:
        return ""
    first = page * per_page + 1
    last = min(total, first + per_page - 1)
    return f"Results {first}–{last} of {total}\n\n"


def page_count(answer: Answer, per_page: int) -> int:
    """Return how many pages an answer has."""
    return max(1, -(-len(answer.hits) // per_page))


def answer_plain(answer: Answer, limit: int = 100_000) -> str:
    """Render a whole answer as plain text, the answering sentence between ** marks."""
    if not answer.found and not answer.hits:
        return NOT_FOUND
    lines = [] if answer.found else [NOT_FOUND, "", WEAK_LABEL]
    for number, hit in enumerate(answer.hits, start=1):
        quote = excerpt(hit, limit)
        lines.append(f"[{number}] {quote.before}**{quote.sentence}**{quote.after}")
        lines.append(f"    — {source_line(hit.document, hit.sentence.text)[1]} (score {hit.score:.2f})")
        lines.append("")
    return "\n".join(lines).rstrip()


def documents_html(documents: list[DocumentInfo], limit: int = MESSAGE_LIMIT) -> str:
    """List documents as a message; says how many were left out when they do not fit."""
    if not documents:
        return "No documents yet. An operator can add some with: verbatim ingest PATH"
    header = f"I know {len(documents)} document{'s' if len(documents) != 1 else ''}:\n"
    lines, used = [], telegram_length(header) + 40
    for doc in documents:
        line_html, line_plain = source_line(doc)
        if used + telegram_length(line_plain) + 3 > limit:
            lines.append(escape(f"…and {len(documents) - len(lines)} more."))
            break
        lines.append("• " + line_html)
        used += telegram_length(line_plain) + 3
    return escape(header) + "\n".join(lines)


def escape(text: str) -> str:
    """Escape text for Telegram HTML."""
    return html.escape(text, quote=False)
