"""Render summaries, digests and alerts as Telegram HTML within the message limit. Pure functions."""

import html
import re

from index import DigestItem, Hit, Summary

from .formatting import MESSAGE_LIMIT, escape, clip, quote_html, source_line, telegram_length


def summary_html(summary: Summary, limit: int = MESSAGE_LIMIT) -> str:
    """Render a document's summary: its own sentences in a blockquote, then the source line."""
    line_html, line_plain = source_line(summary.document)
    room = limit - telegram_length(line_plain) - 8
    sentences, used = [], 0
    for span in summary.sentences:
        text = clip(span.text, room - used)
        if not text:
            break
        sentences.append(escape(text))
        used += telegram_length(text) + 1
    return f"<blockquote>{chr(10).join(sentences)}</blockquote>\n— {line_html}"


def digest_html(items: list[DigestItem], heading: str) -> list[tuple[str, list[DigestItem]]]:
    """Render a digest as messages within the limit, each with the stories it carries."""
    messages: list[tuple[str, list[DigestItem]]] = []
    current, carried = escape(heading), []
    for number, item in enumerate(items, start=1):
        block = _item_html(number, item)
        candidate = f"{current}\n\n{block}"
        if _visible_length(candidate) > MESSAGE_LIMIT and carried:
            messages.append((current, carried))
            candidate, carried = block, []
        current = candidate
        carried.append(item)
    if carried:
        messages.append((current, carried))
    return messages


def _item_html(number: int, item: DigestItem) -> str:
    summary = summary_html(item.summary, limit=MESSAGE_LIMIT // 3)
    if len(item.sources) == 1:
        return summary
    others = ", ".join(_link(doc.title, doc.source) for doc in item.sources[:8])
    more = f" and {len(item.sources) - 8} more" if len(item.sources) > 8 else ""
    return f"{summary}\n<i>{len(item.sources)} sources carried this:</i> {others}{more}"


def _link(title: str, source: str) -> str:
    title = escape(clip(title, 80))
    if source.startswith(("http://", "https://")):
        return f'<a href="{escape(source).replace(chr(34), "&quot;")}">{title}</a>'
    return title


def alert_html(topic: str, hit: Hit) -> str:
    """Render a topic alert: what matched, the quote with its answering sentence, the link."""
    header = f"New on “{clip(topic, 200)}”:\n"
    return escape(header) + quote_html(hit, MESSAGE_LIMIT - telegram_length(header) - 10)


def _visible_length(message: str) -> int:
    return telegram_length(html.unescape(re.sub(r"<[^>]+>", "", message)))
