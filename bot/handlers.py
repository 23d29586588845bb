"""Telegram handlers: parse the update, call the index, format, reply."""

import asyncio
import html
import logging
from dataclasses import replace
from functools import partial

from telegram import (
    InlineKeyboardButton,
    InlineKeyboardMarkup,
    Update,
)
from telegram.ext import ApplicationHandlerStop

from index import Answer, IndexUnavailable, has_words, in_thread, set_aside, thread_answer

from . import formatting, scopes
from .i18n import N_, words_for
from .sending import possibly_delivered
from .state import Context
from .threads import Earlier
from .jobs import resume
from .updates import typing

log = logging.getLogger(__name__)

COMMANDS = {
    "start": N_("Introduce the bot"),
    "help": N_("How to ask and what I can do"),
    "ask": N_("Ask a question: /ask what did NATO say about China?"),
    "sources": N_("List the documents I quote from"),
    "summary": N_("Summarise a document or a topic: /summary NATO summit"),
    "subscribe": N_("Daily/weekly digest or topic alerts: /subscribe daily 07:30"),
    "subscriptions": N_("List and remove your subscriptions"),
    "unsubscribe": N_("Remove a subscription, or all: /unsubscribe all"),
    "timezone": N_("Set your timezone for digests: /timezone Europe/Berlin"),
    "forget": N_("Remove a document this chat added: /forget report.pdf"),
}
# Shown in /help and the command menu only to the operator's admins (VERBATIM_ADMIN_IDS).
ADMIN_COMMANDS = {
    "ingest": N_("Admins: add a document from a URL (or send me a file)"),
}


IN_WORDS = N_("Please ask a question in words, for example: what did the summit decide?")
UNAVAILABLE = N_("The document index is unavailable right now. Please try again in a minute.")
NOT_ALLOWED = N_("Sorry, this bot is not open to you. Ask its operator to add your Telegram id "
                 "({user}) to the allowed list.")
PAUSED_HERE = N_("Your {count} subscription(s) are paused until then: kept, not sent. "
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
    if chat is not None and chat.id not in context.bot_data.turned_away:  # so the operator can add it
        context.bot_data.turned_away.add(chat.id)
        log.warning("not answering %s chat %d (%s): it is not in VERBATIM_ALLOWED_IDS", chat.type, chat.id,
                    chat.title or chat.full_name or chat.username or "no title")
    _ = words_for(update).gettext
    if update.callback_query:
        await update.callback_query.answer(_(NOT_ALLOWED).format(user=user), show_alert=True)
    elif update.inline_query:
        await update.inline_query.answer([], cache_time=60, is_personal=True)
    elif update.effective_message and chat.type == "private":
        count = len(context.bot_data.subscriptions.of_chat(chat.id))
        text = _(NOT_ALLOWED).format(user=user) + ("\n\n" + _(PAUSED_HERE).format(count=count) if count else "")
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
    _ = words_for(update).gettext
    await update.effective_message.reply_html(
        html.escape(_("Hello! Ask me a question and I will answer with passages quoted word for word "
                      "from my documents, the answering sentence in bold."), quote=False)
        + "\n\n" + help_text(update, context)
    )


async def help(update: Update, context: Context) -> None:  # noqa: A001
    """List the commands and the ways to ask."""
    await update.effective_message.reply_html(help_text(update, context))


def help_text(update: Update, context: Context) -> str:
    """Describe every command and the ways to ask, in the user's language."""
    _ = words_for(update).gettext
    name = context.bot.username or "verbatim_bot"
    user = update.effective_user.id if update.effective_user else None
    shown = {**COMMANDS, **ADMIN_COMMANDS} if user in context.bot_data.settings.admin_ids else COMMANDS
    lines = [f"/{command} — {html.escape(_(text), quote=False)}" for command, text in shown.items()]
    ways = [_("In a private chat, just send your question."),
            _("In a group, use /ask, mention @{name}, or reply to one of my messages.").format(name=name),
            _("In any chat, type @{name} and a question to share a quote.").format(name=name)]
    return html.escape("\n".join(ways), quote=False) + "\n\n" + "\n".join(lines)


async def sources(update: Update, context: Context) -> None:
    """List the documents the bot knows."""
    readable = scopes.of_update(update, context.bot_data.settings)
    documents = await asyncio.to_thread(partial(context.bot_data.library.documents, collections=readable))
    await update.effective_message.reply_html(
        formatting.documents_html(documents, words=words_for(update), own=scopes.own(update.effective_chat.id))
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
    _ = words_for(update).gettext
    if not question:
        await message.reply_text(formatting.escape(_("Ask me a question, for example: /ask what did the summit decide?")))
        return
    if not has_words(question):  # emoji, zero-width or bidi characters alone: the thread stays as it was
        await message.reply_text(formatting.escape(_(IN_WORDS)))
        return
    if len(question) > settings.max_question_chars:
        await message.reply_text(formatting.escape(_(
            "That is a long message. Please ask in under {limit:,} characters.").format(limit=settings.max_question_chars)))
        return
    asked = context.bot_data.clock().timestamp()  # a question's time is when it came, not when answered
    earlier = _earlier(update, context, asked)
    replying = message.reply_to_message is not None  # in the thread by the user's choice
    searched = in_thread(question, earlier.searched, earlier.answer, replying) if earlier else question
    async with typing(context.bot, message.chat_id):
        answer = await asyncio.to_thread(partial(context.bot_data.library.search, searched, settings.max_results,
                                                 typed=question, collections=scopes.of_update(update, settings)))
    if earlier and searched != question:  # the passage just quoted comes last: it was seen
        answer = replace(answer, hits=tuple(set_aside(answer.hits, earlier.chunk_id)))
    typed = question if searched != question else ""
    key = context.bot_data.answers.remember(answer, message.chat_id, typed)
    sent = await message.reply_html(
        formatting.answer_html(answer, 0, settings.quotes_per_message, _, typed),
        reply_markup=_pager(answer, key, 0, settings.quotes_per_message, _),
        do_quote=True,
    )
    context.bot_data.threads.remember(message.chat_id, [message.message_id, sent.message_id], answer.question,
                                      thread_answer(answer.hits) if answer.found else "",
                                      asked, answer.hits[0].chunk_id if answer.found else None)


def _earlier(update: Update, context: Context, asked: float) -> Earlier | None:
    """The question a new one follows, if any: the one asked or answered by the message it
    replies to (a message of the user's own that the bot did not answer counts as a question),
    else, in a private chat, the last question asked there in the last few minutes."""
    message, threads = update.effective_message, context.bot_data.threads
    replied = message.reply_to_message
    if replied is not None:
        earlier = threads.of_message(message.chat_id, replied.message_id)
        asker = message.from_user.id if message.from_user else None
        own = replied.from_user is not None and replied.from_user.id == asker
        if earlier is None and own and replied.text:
            earlier = Earlier(replied.text, "", 0.0)
        return earlier
    minutes = context.bot_data.settings.thread_minutes
    if message.chat.type != "private" or minutes <= 0:
        return None
    return threads.last(message.chat_id, asked - 60 * minutes)


def _pager(answer: Answer, key: str, page: int, per_page: int, _) -> InlineKeyboardMarkup | None:
    if not answer.found:
        return InlineKeyboardMarkup(
            [[InlineKeyboardButton(_("Tell me when this is covered"), callback_data=f"watch:{key}")]])
    pages = formatting.page_count(answer, per_page)
    if pages <= 1:
        return None
    buttons = []
    if page > 0:
        buttons.append(InlineKeyboardButton(_("‹ Back"), callback_data=f"more:{key}:{page - 1}"))
    if page + 1 < pages:
        buttons.append(InlineKeyboardButton(_("More ›"), callback_data=f"more:{key}:{page + 1}"))
    return InlineKeyboardMarkup([buttons])


async def more(update: Update, context: Context) -> None:
    """Show another page of a remembered answer, or say politely that it was forgotten."""
    query = update.callback_query
    _ = words_for(update).gettext
    key, page_text = ((query.data or "") + "::").split(":")[1:3]
    answers = context.bot_data.answers
    answer = answers.get(key, _chat_of(query))
    per_page = context.bot_data.settings.quotes_per_message
    if answer is None or not page_text.isdigit() or len(page_text) > 3:
        await query.answer(_("That answer is too old for me to page through. Please ask again."),
                           show_alert=True)
        return
    page = min(int(page_text), formatting.page_count(answer, per_page) - 1)
    await query.answer()
    await query.edit_message_text(
        formatting.answer_html(answer, page, per_page, _, answers.typed(key)),
        reply_markup=_pager(answer, key, page, per_page, _),
    )


def _chat_of(query) -> int | None:
    """The chat a button was pressed in (None for inline messages, which have no chat)."""
    return query.message.chat.id if query.message is not None else None


async def stale_button(update: Update, context: Context) -> None:
    """Answer a button the bot does not know (old, malformed, or from another version)."""
    await update.callback_query.answer(words_for(update).gettext("That button no longer works. Please ask again."))


async def unknown_command(update: Update, context: Context) -> None:
    """Answer a command the bot does not have with a pointer to /help."""
    command = (update.effective_message.text or "").split()[0]
    await update.effective_message.reply_text(formatting.escape(
        words_for(update).gettext("I don't know {command}. Send /help to see what I can do.").format(command=command)))


async def on_error(update: object, context: Context) -> None:
    """Log the traceback and tell the user something went wrong, never the details."""
    if possibly_delivered(context.error):  # sent, but Telegram's "ok" came late or was lost
        log.warning("Telegram did not confirm a reply; it was probably delivered: %s", context.error)
        return
    if isinstance(context.error, IndexUnavailable):  # a Milvus outage: it comes back by itself
        log.warning("%s", context.error)
        apology = words_for(update).gettext(UNAVAILABLE)
    else:
        log.error("error while handling an update", exc_info=context.error)
        apology = words_for(update).gettext("Sorry, something went wrong on my side. Please try again in a moment.")
    if isinstance(update, Update) and update.callback_query:
        await update.callback_query.answer(apology, show_alert=True)
    elif isinstance(update, Update) and update.effective_message:
        await update.effective_message.reply_text(formatting.escape(apology))
