"""Turn hits into messages: HTML for Telegram, plain text for the console. Pure functions."""

import gettext
import html
import re
from dataclasses import dataclass
from urllib.parse import quote

from index import Answer, DocumentInfo, Hit, Missing, hidden, right_to_left

from .i18n import ENGLISH, N_, Translate

MESSAGE_LIMIT = 4096  # Telegram's limit, in UTF-16 code units of the text after entity parsing
NOT_FOUND = N_("I couldn't find that in the documents.")
TITLE_LIMIT = 200
SEARCHED = N_("Searched: {question}")
FROM_IMAGE = N_("(text read from an image)")
CLOSEST_LABEL = N_("The closest passage, which does not answer it:")
NOT_MENTIONED = N_("The documents don't mention {words}.")
# What the closest passage lacks, by the kind of answer asked that decides (index/ranking/asked.py).
# What the closest passage does not say, of what was asked: true even of a passage that holds
# another figure ("three quadcopters" is no answer to "how many neurons").
LACKS = {
    "amount": N_("The closest passage doesn't say how much."),
    "percentage": N_("The closest passage doesn't say what percentage."),
    "age": N_("The closest passage doesn't say how old."),
    "duration": N_("The closest passage doesn't say how long."),
    "number": N_("The closest passage doesn't say how many."),
    "quantity": N_("The closest passage doesn't give the figure asked."),
    "date": N_("The closest passage doesn't say when."),
}  # (a place or a person missing never decides: asked.decides)
_RLM, _FSI, _PDI = "\u200f", "\u2068", "\u2069"  # right-to-left mark; first-strong isolate and its end
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


def source_line(doc: DocumentInfo, sentence: str | None = None, _: Translate = ENGLISH.gettext) -> tuple[str, str]:
    """Return the source line as (HTML, plain text): title, date and link when there is one.

    With `sentence`, the link opens the page scrolled to it and highlighted (a text fragment). A
    title in a right-to-left script is isolated, so that the line's order holds around it.
    """
    title = clip(doc.title, TITLE_LIMIT)
    if right_to_left(title):
        title = _FSI + title + _PDI
    parts_html = [f"<b>{escape(title)}</b>"]
    parts_plain = [title]
    if doc.published:
        parts_html.append(escape(doc.published[:10]))
        parts_plain.append(doc.published[:10])
    if doc.source.startswith(("http://", "https://")):
        source = hidden(doc.source)  # a feed's ?token= or a user:password@ is for fetching, not for readers
        link = text_fragment_link(source, sentence) if sentence else source
        label = escape(_("source"))
        parts_html.append(f'<a href="{html.escape(link, quote=True)}">{label}</a>')
        parts_plain.append(link)
    if doc.from_image:  # the words are what the OCR read: say so, a reader may check the picture
        parts_html.append(escape(_(FROM_IMAGE)))
        parts_plain.append(_(FROM_IMAGE))
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


def quote_html(hit: Hit, limit: int, _: Translate = ENGLISH.gettext, bold: bool = True) -> str:
    """Render one hit as a blockquote with the answer in bold (unless not `bold`: a passage shown
    as context), then its source line."""
    line_html, line_plain = source_line(hit.document, hit.sentence.text, _)
    note = " " + _("(excerpt)")
    marks = hit.quote.text.count("\n") + 1 if right_to_left(hit.quote.text) else 0  # `directed`
    quote = excerpt(hit, max(1, limit - telegram_length("— " + line_plain + note) - 2 - marks))
    sentence = f"<b>{escape(quote.sentence)}</b>" if bold else escape(quote.sentence)
    body = f"{escape(quote.before)}{sentence}{escape(quote.after)}"
    return f"<blockquote>{directed(body, quote.text)}</blockquote>\n— {line_html}{escape(note) if quote.shortened else ''}"


def directed(body: str, text: str) -> str:
    """A quote in a right-to-left script starts each of its lines with a right-to-left mark, so
    that Telegram lays it out from the right even when a line opens with a figure or a Latin
    name (the mark is invisible; the words are the document's own)."""
    if not right_to_left(text):
        return body
    return _RLM + body.replace("\n", "\n" + _RLM)


def answer_html(answer: Answer, page: int = 0, per_page: int = 3, _: Translate = ENGLISH.gettext,
                typed: str = "", note: str = "") -> str:
    """Render one page of an answer as a Telegram HTML message within the length limit, the
    bot's own words in the user's language (`_`), the quotes as written. When the user typed
    something else than what was searched (a follow-up read in its thread), the message
    opens with what was searched; a `note` (plain text) closes it in italics."""
    searched = searched_html(answer.question, _) if typed and typed.strip() != answer.question else ""
    closing = f"\n\n<i>{escape(note)}</i>" if note else ""
    taken = telegram_length(searched) + (telegram_length(note) + 2 if note else 0)
    if answer.state == "not found":
        return searched + escape(_(NOT_FOUND)) + closing
    if answer.state == "closest":
        header = f"{_(NOT_FOUND)} {lacks(answer.missing, _)}\n\n{_(CLOSEST_LABEL)}\n"
        room = MESSAGE_LIMIT - taken - telegram_length(header) - 8
        return searched + escape(header) + quote_html(answer.hits[0], room, _, bold=False) + closing
    hits = answer.hits[page * per_page : (page + 1) * per_page]
    header = page_header(answer, page, per_page, _)
    room = (MESSAGE_LIMIT - taken - telegram_length(header) - 4 * len(hits)) // max(1, len(hits))
    blocks = [quote_html(hit, room, _) for hit in hits]
    return searched + escape(header) + "\n\n".join(blocks) + closing


def searched_html(question: str, _: Translate = ENGLISH.gettext) -> str:
    """The line that says what was searched for a follow-up, in italics (at most 300 characters)."""
    return f"<i>{escape(_(SEARCHED).format(question=clip(question, 300)))}</i>\n\n"


def page_header(answer: Answer, page: int, per_page: int, _: Translate = ENGLISH.gettext) -> str:
    """Say which results a page shows, when there is more than one page."""
    total = len(answer.hits)
    if total <= per_page:
        return ""
    first = page * per_page + 1
    last = min(total, first + per_page - 1)
    return _("Results {first}–{last} of {total}").format(first=first, last=last, total=total) + "\n\n"


def page_count(answer: Answer, per_page: int) -> int:
    """Return how many pages an answer has."""
    return max(1, -(-len(answer.hits) // per_page))


def lacks(missing: Missing, _: Translate = ENGLISH.gettext) -> str:
    """Say what the closest passage lacks: the words no document has, else the kind of answer."""
    if missing.words:
        return _(NOT_MENTIONED).format(words=", ".join(f"“{word}”" for word in missing.words))
    return _(LACKS[missing.kind]) if missing.kind in LACKS else ""


def answer_plain(answer: Answer, limit: int = 100_000) -> str:
    """Render a whole answer as plain text, the answering sentence between ** marks (none in the
    closest passage of an answer not found)."""
    if answer.state == "not found":
        return NOT_FOUND
    lines = [] if answer.found else [f"{NOT_FOUND} {lacks(answer.missing)}", "", CLOSEST_LABEL]
    mark = "**" if answer.found else ""
    for number, hit in enumerate(answer.hits, start=1):
        quote = excerpt(hit, limit)
        lines.append(f"[{number}] {quote.before}{mark}{quote.sentence}{mark}{quote.after}")
        lines.append(f"    — {source_line(hit.document, hit.sentence.text)[1]} (score {hit.score:.2f})")
        lines.append("")
    return "\n".join(lines).rstrip()


def documents_html(documents: list[DocumentInfo], limit: int = MESSAGE_LIMIT,
                   words: gettext.NullTranslations = ENGLISH, own: str | None = None) -> str:
    """List documents as a message; says how many were left out when they do not fit. Those of
    the chat's `own` collection come first, marked (what /forget may remove there)."""
    if not documents:
        return escape(words.gettext("No documents yet. An operator can add some with: verbatim ingest PATH"))
    header = words.ngettext("I know {count} document:", "I know {count} documents:",
                            len(documents)).format(count=len(documents)) + "\n"
    lines, used = [], telegram_length(header) + 40
    added = words.gettext("added here")
    for doc in sorted(documents, key=lambda d: d.collection != own):
        line_html, line_plain = source_line(doc, None, words.gettext)
        if doc.collection == own:
            line_html, line_plain = f"{line_html} · {escape(added)}", f"{line_plain} · {added}"
        if used + telegram_length(line_plain) + 3 > limit:
            left = len(documents) - len(lines)
            lines.append(escape(words.ngettext("…and {count} more.", "…and {count} more.", left).format(count=left)))
            break
        lines.append("• " + line_html)
        used += telegram_length(line_plain) + 3
    return escape(header) + "\n".join(lines)


def escape(text: str) -> str:
    """Escape text for Telegram HTML."""
    return html.escape(text, quote=False)
