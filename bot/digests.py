"""Render summaries, digests and alerts as Telegram HTML within the message limit. Pure functions."""

import html
import re

from index import DigestItem, Hit, Summary, right_to_left

from .formatting import MESSAGE_LIMIT, escape, clip, directed, quote_html, source_line, telegram_length
from .i18n import ENGLISH, Translate


def summary_html(summary: Summary, limit: int = MESSAGE_LIMIT, _: Translate = ENGLISH.gettext) -> str:
    """Render a document's summary: its own sentences in a blockquote, then the source line."""
    line_html, line_plain = source_line(summary.document, None, _)
    marks = len(summary.sentences) if right_to_left(" ".join(s.text for s in summary.sentences)) else 0
    room = limit - telegram_length(line_plain) - 8 - marks  # `directed` marks each line
    sentences, used = [], 0
    for span in summary.sentences:
        text = clip(span.text, room - used)
        if not text:
            break
        sentences.append(escape(text))
        used += telegram_length(text) + 1
    body = chr(10).join(sentences)
    return f"<blockquote>{directed(body, html.unescape(body))}</blockquote>\n— {line_html}"


def digest_html(items: list[DigestItem], heading: str, _: Translate = ENGLISH.gettext,
                ) -> list[tuple[str, list[DigestItem]]]:
    """Render a digest as messages within the limit, each with the stories it carries."""
    messages: list[tuple[str, list[DigestItem]]] = []
    current, carried = escape(heading), []
    for number, item in enumerate(items, start=1):
        block = _item_html(number, item, _)
        candidate = f"{current}\n\n{block}"
        if _visible_length(candidate) > MESSAGE_LIMIT and carried:
            messages.append((current, carried))
            candidate, carried = block, []
        current = candidate
        carried.append(item)
    if carried:
        messages.append((current, carried))
    return messages


def _item_html(number: int, item: DigestItem, _: Translate) -> str:
    summary = summary_html(item.summary, MESSAGE_LIMIT // 3, _)
    if len(item.sources) == 1:
        return summary
    others = ", ".join(_link(doc.title, doc.source) for doc in item.sources[:8])
    more = " " + escape(_("and {count} more").format(count=len(item.sources) - 8)) if len(item.sources) > 8 else ""
    carried = escape(_("{count} sources carried this:").format(count=len(item.sources)))
    return f"{summary}\n<i>{carried}</i> {others}{more}"


def _link(title: str, source: str) -> str:
    title = escape(clip(title, 80))
    if source.startswith(("http://", "https://")):
        return f'<a href="{escape(source).replace(chr(34), "&quot;")}">{title}</a>'
    return title


def alert_html(topic: str, hit: Hit, _: Translate = ENGLISH.gettext) -> str:
    """Render a topic alert: what matched, the quote with its answering sentence, the link."""
    header = _("New on “{topic}”:").format(topic=clip(topic, 200)) + "\n"
    return escape(header) + quote_html(hit, MESSAGE_LIMIT - telegram_length(header) - 10, _)


def _visible_length(message: str) -> int:
    return telegram_length(html.unescape(re.sub(r"<[^>]+>", "", message)))
