"""Inline mode: `@bot question` in any chat offers the top quotes to share."""

import asyncio
from functools import partial

from telegram import InlineQueryResultArticle, InputTextMessageContent, Update

from index import has_words

from . import formatting, scopes
from .i18n import words_for
from .state import Context


async def inline_query(update: Update, context: Context) -> None:
    """Offer the top quotes for `@bot question` in any chat."""
    query = update.inline_query
    question = query.query.strip()
    if not has_words(question) or len(question) > context.bot_data.settings.max_question_chars:
        await query.answer([], cache_time=5)
        return
    _ = words_for(update).gettext
    answer = await asyncio.to_thread(partial(context.bot_data.library.search, question, 5,
                                             collections=scopes.of_update(update, context.bot_data.settings)))
    results = [
        InlineQueryResultArticle(
            id=str(hit.chunk_id),
            title=hit.document.title[:100],
            description=hit.sentence.text[:200],
            input_message_content=InputTextMessageContent(
                formatting.quote_html(hit, formatting.MESSAGE_LIMIT - 200, _),
            ),
        )
        for hit in (answer.hits if answer.found else ())
    ]
    if not results:  # an empty list looks broken: say that nothing answers, what lacks, and what was asked
        said, lacks = _(formatting.NOT_FOUND), formatting.lacks(answer.missing, _)
        results = [InlineQueryResultArticle(
            id="not-found", title=said, description=formatting.clip(lacks or question, 200),
            input_message_content=InputTextMessageContent(
                formatting.escape(f"{formatting.clip(question, 1000)}\n\n{said} {lacks}".rstrip())))]
    await query.answer(results, cache_time=30)
