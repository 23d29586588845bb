"""Handlers for summaries and subscriptions: /summary, /subscribe, /subscriptions, /unsubscribe, /timezone."""

import asyncio

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType

from index import DocumentNotFound

from . import scheduling
from .digests import summary_html
from .formatting import MESSAGE_LIMIT, escape
from .jobs import resume, schedule_digest
from .state import Context

FULL = ("This chat has {limit} subscriptions, the most it can have. "
        "Remove one first: /subscriptions")
PER_PAGE = 10  # subscriptions listed per message, each with its remove button
SUBSCRIBE_USAGE = (
    "Usage:\n/subscribe daily 07:30 — a digest of new documents every day\n"
    "/subscribe weekly monday 08:00 — a weekly digest\n"
    "/subscribe <topic words> — an alert when a new document matches\n"
    "Times are in your timezone: /timezone Europe/Berlin"
)


async def may_manage(update: Update, context: Context) -> bool:
    """In a group only its administrators manage subscriptions; say so to the others."""
    chat, user = update.effective_chat, update.effective_user
    if chat.type == ChatType.PRIVATE:
        return True
    member = await context.bot.get_chat_member(chat.id, user.id)
    if member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER):
        return True
    text = "Only this group's administrators can change its subscriptions."
    if update.callback_query:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await update.effective_message.reply_text(escape(text))
    return False


async def summary(update: Update, context: Context) -> None:
    """Summarise one document (id or title) or the documents matching a topic."""
    library = context.bot_data.library
    ref = " ".join(context.args or []).strip()
    if not ref:
        await update.effective_message.reply_text(escape("Usage: /summary <document id, title or topic>"))
        return
    summaries = await asyncio.to_thread(_summaries_for, library, ref)
    if not summaries:
        await update.effective_message.reply_text("I couldn't find a document about that.")
        return
    room = MESSAGE_LIMIT // len(summaries) - 4
    await update.effective_message.reply_html(
        "\n\n".join(summary_html(s, room) for s in summaries))


def _summaries_for(library, ref: str) -> list:
    try:
        return [library.summary(ref)]
    except DocumentNotFound:
        pass
    titled = [d for d in library.documents() if d.title.lower() == ref.lower()]
    if titled:
        return [library.summary(titled[0].id)]
    answer = library.search(ref, 10)
    ids = list(dict.fromkeys(hit.document.id for hit in answer.hits)) if answer.found else []
    return [library.summary(doc_id) for doc_id in ids[:3]]


async def subscribe(update: Update, context: Context) -> None:
    """Subscribe the chat to a daily or weekly digest, or to alerts on a topic."""
    args = context.args or []
    if not args:
        await update.effective_message.reply_text(escape(SUBSCRIBE_USAGE))
        return
    if not await may_manage(update, context):
        return
    chat_id = update.effective_chat.id
    store = context.bot_data.subscriptions
    library = context.bot_data.library
    resume(context.application, chat_id)
    kind = args[0].lower()
    if kind in ("daily", "weekly"):
        reply = _subscribe_digest(context, chat_id, kind, args[1:])
    else:
        limit = context.bot_data.settings.max_subscriptions
        sub, new = store.add_topic(chat_id, " ".join(args), library.generation, limit)
        reply = (FULL.format(limit=limit) if sub is None
                 else f"Done: {sub.describe()}, as soon as a new document matches." if new
                 else f"You already get {sub.describe()}.")
    await update.effective_message.reply_text(escape(reply))


def _subscribe_digest(context: Context, chat_id: int, kind: str, rest: list[str]) -> str:
    store = context.bot_data.subscriptions
    weekday = 0 if kind == "weekly" else None
    at = scheduling.DEFAULT_TIME
    for word in rest:
        if scheduling.parse_time(word):
            at = scheduling.parse_time(word)
        elif kind == "weekly" and scheduling.parse_weekday(word) is not None:
            weekday = scheduling.parse_weekday(word)
        else:
            return f"I didn't understand “{word}”.\n\n{SUBSCRIBE_USAGE}"
    sub = store.add_digest(chat_id, kind, at, weekday, context.bot_data.library.generation)
    schedule_digest(context.application, sub)
    tz = store.timezone(chat_id)
    return f"Done: a {sub.describe()} ({tz}). Change the timezone with /timezone."


async def subscriptions(update: Update, context: Context) -> None:
    """List the chat's subscriptions, a page at a time, each with a button to remove it."""
    store = context.bot_data.subscriptions
    chat_id = update.effective_chat.id
    if not store.of_chat(chat_id):
        await update.effective_message.reply_text(escape("No subscriptions yet.\n\n" + SUBSCRIBE_USAGE))
        return
    text, buttons = _subscription_page(context, chat_id, 0)
    await update.effective_message.reply_html(text, reply_markup=buttons)


async def subscriptions_page(update: Update, context: Context) -> None:
    """Show another page of /subscriptions (buttons `subs:PAGE`)."""
    query = update.callback_query
    text, buttons = _subscription_page(context, update.effective_chat.id, int(query.data.split(":")[1]))
    await query.answer()
    await query.edit_message_text(text, reply_markup=buttons)


def _subscription_page(context: Context, chat_id: int, page: int) -> tuple[str, InlineKeyboardMarkup]:
    store = context.bot_data.subscriptions
    subs = store.of_chat(chat_id)
    pages = max(1, -(-len(subs) // PER_PAGE))
    page = min(page, pages - 1)
    shown = list(enumerate(subs, start=1))[page * PER_PAGE : (page + 1) * PER_PAGE]
    lines = [f"{number}. {escape(sub.describe())}" for number, sub in shown]
    rows = [[InlineKeyboardButton(f"Remove {number}", callback_data=f"unsub:{sub.id}")] for number, sub in shown]
    nav = ([InlineKeyboardButton("‹ Back", callback_data=f"subs:{page - 1}")] if page > 0 else []) + (
        [InlineKeyboardButton("More ›", callback_data=f"subs:{page + 1}")] if page + 1 < pages else [])
    heading = f"Your subscriptions ({len(subs)}" + (f", page {page + 1} of {pages}):" if pages > 1 else "):")
    paused = ("\n\n(Paused: this chat is not on the bot's allowed list. They are kept and resume "
              "when its operator adds the chat.)" if not context.bot_data.settings.allows(chat_id)
              else "\n\n(Paused: I could not reach this chat. Send /start to resume.)" if store.paused(chat_id)
              else "")
    return heading + "\n" + "\n".join(lines) + paused, InlineKeyboardMarkup(rows + ([nav] if nav else []))


async def unsubscribe(update: Update, context: Context) -> None:
    """Remove all subscriptions (`/unsubscribe all`) or pick one to remove."""
    args = context.args or []
    if not args:
        await subscriptions(update, context)
        return
    if not await may_manage(update, context):
        return
    store = context.bot_data.subscriptions
    chat_id = update.effective_chat.id
    if args[0].lower() == "all":
        removed = store.remove(chat_id)
        _unschedule(context, chat_id)
        await update.effective_message.reply_text(escape(f"Removed {removed} subscription(s)."))
        return
    subs = store.of_chat(chat_id)
    if args[0].isdigit() and 1 <= int(args[0]) <= len(subs):
        store.remove(chat_id, subs[int(args[0]) - 1].id)
        _unschedule(context, chat_id, subs[int(args[0]) - 1].id)
        await update.effective_message.reply_text(escape(f"Removed: {subs[int(args[0]) - 1].describe()}."))
        return
    await update.effective_message.reply_text(
        escape("Usage: /unsubscribe <number from /subscriptions> or /unsubscribe all"))


async def remove_button(update: Update, context: Context) -> None:
    """Remove the subscription a button under /subscriptions names."""
    query = update.callback_query
    if not await may_manage(update, context):
        return
    store = context.bot_data.subscriptions
    sub_id = int(query.data.split(":", 1)[1])
    sub = store.get(sub_id)
    if sub is None or store.remove(update.effective_chat.id, sub_id) == 0:
        await query.answer("That subscription is already gone.")
        return
    _unschedule(context, sub.chat_id, sub_id)
    await query.answer("Removed.")
    await query.edit_message_text(f"Removed: {escape(sub.describe())}.")


async def watch_button(update: Update, context: Context) -> None:
    """Subscribe the question of a "not found" answer as a topic alert."""
    query = update.callback_query
    chat = query.message.chat.id if query.message is not None else None
    answer = context.bot_data.answers.get(query.data.split(":", 1)[1], chat)
    if answer is None:
        await query.answer("That question is too old for me. Use /subscribe <topic>.", show_alert=True)
        return
    if not await may_manage(update, context):
        return
    store = context.bot_data.subscriptions
    resume(context.application, update.effective_chat.id)
    limit = context.bot_data.settings.max_subscriptions
    sub, _ = store.add_topic(update.effective_chat.id, answer.question,
                             context.bot_data.library.generation, limit)
    await query.answer(FULL.format(limit=limit) if sub is None else "Done: I'll tell you when it is covered.",
                       show_alert=sub is None)


async def timezone(update: Update, context: Context) -> None:
    """Show or set the chat's timezone for digests."""
    store = context.bot_data.subscriptions
    chat_id = update.effective_chat.id
    if not context.args:
        await update.effective_message.reply_text(
            escape(f"Your timezone is {store.timezone(chat_id)}. Change it with /timezone Europe/Berlin"))
        return
    name = context.args[0]
    if scheduling.zone(name) is None:
        await update.effective_message.reply_text(escape(
            f"I don't know the timezone “{name}”. Use a name like Europe/Berlin or America/New_York."))
        return
    if not await may_manage(update, context):
        return
    store.set_timezone(chat_id, name)
    for sub in store.of_chat(chat_id):
        if sub.kind != "topic":
            schedule_digest(context.application, sub)
    await update.effective_message.reply_text(escape(f"Timezone set to {name}."))


def _unschedule(context: Context, chat_id: int, sub_id: int | None = None) -> None:
    for job in context.job_queue.jobs():
        if job.name and job.name.startswith(f"digest:{chat_id}:") and (
                sub_id is None or job.name == f"digest:{chat_id}:{sub_id}"):
            job.schedule_removal()

