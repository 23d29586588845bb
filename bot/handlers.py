"""Telegram handlers: parse the update, call the index, format, reply."""

import asyncio
import html
import logging

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    InlineQueryResultArticle,
    InputTextMessageContent,
    Update,
)
from telegram.ext import ApplicationHandlerStop

from index import Answer, IndexUnavailable

from . import formatting
from .sending import possibly_delivered
from .state import Context
from .jobs import resume
from .updates import typing

log = logging.getLogger(__name__)

COMMANDS = {
    "start": "Introduce the bot",
    "help": "How to ask and what I can do",
    "ask": "Ask a question: /ask what did NATO say about China?",
    "sources": "List the documents I quote from",
    "summary": "Summarise a document or a topic: /summary NATO summit",
    "subscribe": "Daily/weekly digest or topic alerts: /subscribe daily 07:30",
    "subscriptions": "List and remove your subscriptions",
    "unsubscribe": "Remove a subscription, or all: /unsubscribe all",
    "timezone": "Set your timezone for digests: /timezone Europe/Berlin",
    "ingest": "Admins: add a document from a URL (or send me a file)",
}


UNAVAILABLE = "The document index is unavailable right now. Please try again in a minute."
NOT_ALLOWED = ("Sorry, this bot is not open to you. Ask its operator to add your Telegram id "
               "({user}) to the allowed list.")
PAUSED_HERE = ("\n\nYour {count} subscription(s) are paused until then: kept, not sent. "
               "/subscriptions lists them; /unsubscribe all removes them.")
# What a chat that is not allowed may still do with subscriptions it made before the allow-list:
# see and remove them. None of these shows document text.
MANAGING_COMMANDS = {"/subscriptions", "/unsubscribe"}
MANAGING_BUTTONS = ("subs:", "unsub:")


async def gatekeeper(update: Update, context: Context) -> None:
    """Before every handler: document text goes only to chats on VERBATIM_ALLOWED_IDS (a private
    chat is its user's id, a group its own id: an allowed user does not open a group), and
    inline results only to allowed users."""
    settings = context.bot_data.settings
    if not settings.allowed_ids:
        return
    user = update.effective_user.id if update.effective_user else None
    chat = update.effective_chat
    if chat is None:  # inline queries and buttons of inline messages: they reach the user who asked
        if settings.allows(user):
            return
    elif settings.allows(chat.id) or _manages_old_subscriptions(update, context):
        return
    if update.callback_query:
        await update.callback_query.answer(NOT_ALLOWED.format(user=user), show_alert=True)
    elif update.inline_query:
        await update.inline_query.answer([], cache_time=60, is_personal=True)
    elif update.effective_message and chat.type == "private":
        count = len(context.bot_data.subscriptions.of_chat(chat.id))
        text = NOT_ALLOWED.format(user=user) + (PAUSED_HERE.format(count=count) if count else "")
        await update.effective_message.reply_text(formatting.escape(text))
    raise ApplicationHandlerStop  # groups are not told, or the bot would answer every message


def _manages_old_subscriptions(update: Update, context: Context) -> bool:
    """A chat that is not allowed may list and remove the subscriptions it already has."""
    query, message = update.callback_query, update.effective_message
    if query:
        managing = (query.data or "").startswith(MANAGING_BUTTONS)
    else:
        words = (message.text or "").split() if message else []
        managing = bool(words) and words[0].split("@")[0].lower() in MANAGING_COMMANDS
    return managing and bool(context.bot_data.subscriptions.of_chat(update.effective_chat.id))


async def start(update: Update, context: Context) -> None:
    """Greet the user, say how to ask, and resume deliveries paused while the bot was blocked."""
    resume(context.application, update.effective_chat.id)
    await update.effective_message.reply_html(
        "Hello! Ask me a question and I will answer with passages quoted word for word "
        "from my documents, the answering sentence in bold.\n\n" + help_text(context)
    )


async def help(update: Update, context: Context) -> None:  # noqa: A001
    """List the commands and the ways to ask."""
    await update.effective_message.reply_html(help_text(context))


def help_text(context: Context) -> str:
    """Describe every command and the ways to ask."""
    name = html.escape(context.bot.username or "this bot")
    lines = [f"/{command} — {html.escape(text)}" for command, text in COMMANDS.items()]
    return (
        "In a private chat, just send your question.\n"
        f"In a group, use /ask, mention @{name}, or reply to one of my messages.\n"
        f"In any chat, type @{name} and a question to share a quote.\n\n" + "\n".join(lines)
    )


async def sources(update: Update, context: Context) -> None:
    """List the documents the bot knows."""
    documents = await asyncio.to_thread(context.bot_data.library.documents)
    await update.effective_message.reply_html(
        formatting.documents_html(documents)
    )


async def ask(update: Update, context: Context) -> None:
    """Answer `/ask QUESTION` or a plain message in a private chat."""
    message = update.effective_message
    text = " ".join(context.args) if context.args is not None else message.text or ""
    await answer_question(update, context, text.strip())


async def ask_in_group(update: Update, context: Context) -> None:
    """Answer group messages that mention the bot or reply to it; ignore the rest."""
    message = update.effective_message
    mention = f"@{context.bot.username}".lower()
    replied = message.reply_to_message
    to_bot = replied is not None and replied.from_user is not None and replied.from_user.id == context.bot.id
    mentioned = mention in (message.text or "").lower()
    if not (to_bot or mentioned):
        return
    text = message.text or ""
    start = text.lower().find(mention)
    if start >= 0:
        text = text[:start] + text[start + len(mention):]
    await answer_question(update, context, text.strip(" ,:\n"))


async def answer_question(update: Update, context: Context, question: str) -> None:
    """Search, remember the answer for paging, and reply with the first page."""
    message, settings = update.effective_message, context.bot_data.settings
    if not question:
        await message.reply_text("Ask me a question, for example: /ask what did the summit decide?")
        return
    if len(question) > settings.max_question_chars:
        await message.reply_text(
            f"That is a long message. Please ask in under {settings.max_question_chars:,} characters.")
        return
    async with typing(context.bot, message.chat_id):
        answer = await asyncio.to_thread(context.bot_data.library.search, question, settings.max_results)
    key = context.bot_data.answers.remember(answer, message.chat_id)
    await message.reply_html(
        formatting.answer_html(answer, 0, settings.quotes_per_message),
        reply_markup=_pager(answer, key, 0, settings.quotes_per_message),
        do_quote=True,
    )


def _pager(answer: Answer, key: str, page: int, per_page: int) -> InlineKeyboardMarkup | None:
    if not answer.found:
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton("Tell me when this is covered", callback_data=f"watch:{key}")]])
    pages = formatting.page_count(answer, per_page)
    if pages <= 1:
        return None
    buttons = []
    if page > 0:
        buttons.append(InlineKeyboardButton("‹ Back", callback_data=f"more:{key}:{page - 1}"))
    if page + 1 < pages:
        buttons.append(InlineKeyboardButton("More ›", callback_data=f"more:{key}:{page + 1}"))
    return InlineKeyboardMarkup([buttons])


async def more(update: Update, context: Context) -> None:
    """Show another page of a remembered answer, or say politely that it was forgotten."""
    query = update.callback_query
    _, key, page_text = ((query.data or "") + "::").split(":")[:3]
    answer = context.bot_data.answers.get(key, _chat_of(query))
    per_page = context.bot_data.settings.quotes_per_message
    if answer is None or not page_text.isdigit() or len(page_text) > 3:
        await query.answer("That answer is too old for me to page through. Please ask again.",
                           show_alert=True)
        return
    page = min(int(page_text), formatting.page_count(answer, per_page) - 1)
    await query.answer()
    await query.edit_message_text(
        formatting.answer_html(answer, page, per_page),
        reply_markup=_pager(answer, key, page, per_page),
    )


def _chat_of(query) -> int | None:
    """The chat a button was pressed in (None for inline messages, which have no chat)."""
    return query.message.chat.id if query.message is not None else None


async def stale_button(update: Update, context: Context) -> None:
    """Answer a button the bot does not know (old, malformed, or from another version)."""
    await update.callback_query.answer("That button no longer works. Please ask again.")


async def inline_query(update: Update, context: Context) -> None:
    """Offer the top quotes for `@bot question` in any chat."""
    query = update.inline_query
    question = query.query.strip()
    if not question or len(question) > context.bot_data.settings.max_question_chars:
        await query.answer([], cache_time=5)
        return
    answer = await asyncio.to_thread(context.bot_data.library.search, question, 5)
    results = [
        InlineQueryResultArticle(
            id=str(hit.chunk_id),
            title=hit.document.title[:100],
            description=hit.sentence.text[:200],
            input_message_content=InputTextMessageContent(
                formatting.quote_html(hit, formatting.MESSAGE_LIMIT - 200),
            ),
        )
        for hit in (answer.hits if answer.found else ())
    ]
    await query.answer(results, cache_time=30)


async def unknown_command(update: Update, context: Context) -> None:
    """Answer a command the bot does not have with a pointer to /help."""
    command = (update.effective_message.text or "").split()[0]
    await update.effective_message.reply_text(
        formatting.escape(f"I don't know {command}. Send /help to see what I can do."))


async def on_error(update: object, context: Context) -> None:
    """Log the traceback and tell the user something went wrong, never the details."""
    if possibly_delivered(context.error):  # sent, but Telegram's "ok" came late or was lost
        log.warning("Telegram did not confirm a reply; it was probably delivered: %s", context.error)
        return
    if isinstance(context.error, IndexUnavailable):  # a Milvus outage: it comes back by itself
        log.warning("%s", context.error)
        apology = UNAVAILABLE
    else:
        log.error("error while handling an update", exc_info=context.error)
        apology = "Sorry, something went wrong on my side. Please try again in a moment."
    if isinstance(update, Update) and update.callback_query:
        await update.callback_query.answer(apology, show_alert=True)
    elif isinstance(update, Update) and update.effective_message:
        await update.effective_message.reply_text(apology)
