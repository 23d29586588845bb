"""Handlers for summaries and subscriptions: /summary, /subscribe, /subscriptions, /unsubscribe, /timezone."""

import asyncio

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.constants import ChatMemberStatus, ChatType

from index import DocumentNotFound

from . import scheduling, scopes
from .digests import summary_html
from .formatting import MESSAGE_LIMIT, answer_html, escape
from .i18n import N_, words_for
from .jobs import resume, schedule_digest
from .state import Context

FULL = N_("This chat has {limit} subscriptions, the most it can have. Remove one first: /subscriptions")
PER_PAGE = 10  # subscriptions listed per message, each with its remove button
SUBSCRIBE_USAGE = N_(
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
    text = words_for(update).gettext("Only this group's administrators can change its subscriptions.")
    if update.callback_query:
        await update.callback_query.answer(text, show_alert=True)
    else:
        await update.effective_message.reply_text(escape(text))
    return False


async def summary(update: Update, context: Context) -> None:
    """Summarise one document (id or title) or the documents matching a topic."""
    library = context.bot_data.library
    _ = words_for(update).gettext
    ref = " ".join(context.args or []).strip()
    if not ref:
        await update.effective_message.reply_text(escape(_("Usage: /summary <document id, title or topic>")))
        return
    summaries = await asyncio.to_thread(_summaries_for, library, ref,
                                        scopes.of_update(update, context.bot_data.settings))
    if not summaries:
        await update.effective_message.reply_text(escape(_("I couldn't find a document about that.")))
        return
    room = MESSAGE_LIMIT // len(summaries) - 4
    await update.effective_message.reply_html(
        "\n\n".join(summary_html(s, room, _) for s in summaries))


def _summaries_for(library, ref: str, readable: frozenset[str]) -> list:
    """The summaries asked for, of the documents `readable` collections hold."""
    try:
        return [library.summary(ref, readable)]
    except DocumentNotFound:
        pass
    titled = [d for d in library.documents(collections=readable) if d.title.lower() == ref.lower()]
    if titled:
        return [library.summary(titled[0].id, readable)]
    answer = library.search(ref, 10, collections=readable)
    ids = list(dict.fromkeys(hit.document.id for hit in answer.hits)) if answer.found else []
    return [library.summary(doc_id, readable) for doc_id in ids[:3]]


async def subscribe(update: Update, context: Context) -> None:
    """Subscribe the chat to a daily or weekly digest, or to alerts on a topic."""
    args = context.args or []
    _ = words_for(update).gettext
    if not args:
        await update.effective_message.reply_text(escape(_(SUBSCRIBE_USAGE)))
        return
    if not await may_manage(update, context):
        return
    chat_id = update.effective_chat.id
    store = context.bot_data.subscriptions
    library = context.bot_data.library
    resume(context.application, chat_id)
    _speaks(update, context)
    kind = args[0].lower()
    if kind in ("daily", "weekly"):
        reply = _subscribe_digest(context, chat_id, kind, args[1:], _)
    else:
        limit = context.bot_data.settings.max_subscriptions
        sub, new = store.add_topic(chat_id, " ".join(args), library.generation, limit)
        reply = (_(FULL).format(limit=limit) if sub is None
                 else _("Done: {subscription}, as soon as a new document matches.").format(subscription=sub.describe(_))
                 if new else _("You already get {subscription}.").format(subscription=sub.describe(_)))
    await update.effective_message.reply_text(escape(reply))


def _speaks(update: Update, context: Context) -> None:
    """Keep the language of whoever manages the chat's subscriptions: digests and alerts are
    written in it (a job has no user to ask)."""
    user = update.effective_user
    if user is not None and user.language_code:
        context.bot_data.subscriptions.set_language(update.effective_chat.id, user.language_code)


def _subscribe_digest(context: Context, chat_id: int, kind: str, rest: list[str], _) -> str:
    store = context.bot_data.subscriptions
    weekday = 0 if kind == "weekly" else None
    at = scheduling.DEFAULT_TIME
    for word in rest:
        if scheduling.parse_time(word):
            at = scheduling.parse_time(word)
        elif kind == "weekly" and scheduling.parse_weekday(word) is not None:
            weekday = scheduling.parse_weekday(word)
        else:
            return _("I didn't understand “{word}”.").format(word=word) + "\n\n" + _(SUBSCRIBE_USAGE)
    sub = store.add_digest(chat_id, kind, at, weekday, context.bot_data.library.generation)
    schedule_digest(context.application, sub)
    tz = store.timezone(chat_id)
    return _("Done: {subscription} ({timezone}). Change the timezone with /timezone.").format(
        subscription=sub.describe(_), timezone=tz)


async def subscriptions(update: Update, context: Context) -> None:
    """List the chat's subscriptions, a page at a time, each with a button to remove it."""
    store = context.bot_data.subscriptions
    chat_id = update.effective_chat.id
    _ = words_for(update).gettext
    if not store.of_chat(chat_id):
        await update.effective_message.reply_text(escape(_("No subscriptions yet.") + "\n\n" + _(SUBSCRIBE_USAGE)))
        return
    text, buttons = _subscription_page(context, chat_id, 0, _)
    await update.effective_message.reply_html(text, reply_markup=buttons)


async def subscriptions_page(update: Update, context: Context) -> None:
    """Show another page of /subscriptions (buttons `subs:PAGE`)."""
    query = update.callback_query
    text, buttons = _subscription_page(context, update.effective_chat.id, int(query.data.split(":")[1]),
                                       words_for(update).gettext)
    await query.answer()
    await query.edit_message_text(text, reply_markup=buttons)


def _subscription_page(context: Context, chat_id: int, page: int, _) -> tuple[str, InlineKeyboardMarkup]:
    store = context.bot_data.subscriptions
    subs = store.of_chat(chat_id)
    pages = max(1, -(-len(subs) // PER_PAGE))
    page = min(page, pages - 1)
    shown = list(enumerate(subs, start=1))[page * PER_PAGE : (page + 1) * PER_PAGE]
    lines = [f"{number}. {escape(sub.describe(_))}" for number, sub in shown]
    rows = [[InlineKeyboardButton(_("Remove {number}").format(number=number), callback_data=f"unsub:{sub.id}")]
            for number, sub in shown]
    nav = ([InlineKeyboardButton(_("‹ Back"), callback_data=f"subs:{page - 1}")] if page > 0 else []) + (
        [InlineKeyboardButton(_("More ›"), callback_data=f"subs:{page + 1}")] if page + 1 < pages else [])
    heading = (_("Your subscriptions ({count}, page {page} of {pages}):") if pages > 1
               else _("Your subscriptions ({count}):")).format(count=len(subs), page=page + 1, pages=pages)
    paused = ("\n\n" + _("(Paused: this chat is not on the bot's allowed list. They are kept and resume "
                           "when its operator adds the chat.)") if not context.bot_data.settings.allows(chat_id)
              else "\n\n" + _("(Paused: I could not reach this chat. Send /start to resume.)")
              if store.paused(chat_id) else "")
    return escape(heading) + "\n" + "\n".join(lines) + escape(paused), InlineKeyboardMarkup(
        rows + ([nav] if nav else []))


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
    words = words_for(update)
    if args[0].lower() == "all":
        removed = store.remove(chat_id)
        _unschedule(context, chat_id)
        await update.effective_message.reply_text(escape(words.ngettext(
            "Removed {count} subscription.", "Removed {count} subscriptions.", removed).format(count=removed)))
        return
    subs = store.of_chat(chat_id)
    if args[0].isdigit() and 1 <= int(args[0]) <= len(subs):
        store.remove(chat_id, subs[int(args[0]) - 1].id)
        _unschedule(context, chat_id, subs[int(args[0]) - 1].id)
        await update.effective_message.reply_text(escape(words.gettext("Removed: {subscription}.").format(
            subscription=subs[int(args[0]) - 1].describe(words.gettext))))
        return
    await update.effective_message.reply_text(
        escape(words.gettext("Usage: /unsubscribe <number from /subscriptions> or /unsubscribe all")))


async def remove_button(update: Update, context: Context) -> None:
    """Remove the subscription a button under /subscriptions names."""
    query = update.callback_query
    if not await may_manage(update, context):
        return
    store = context.bot_data.subscriptions
    sub_id = int(query.data.split(":", 1)[1])
    sub = store.get(sub_id)
    _ = words_for(update).gettext
    if sub is None or store.remove(update.effective_chat.id, sub_id) == 0:
        await query.answer(_("That subscription is already gone."))
        return
    _unschedule(context, sub.chat_id, sub_id)
    await query.answer(_("Removed."))
    await query.edit_message_text(escape(_("Removed: {subscription}.").format(subscription=sub.describe(_))))


async def watch_button(update: Update, context: Context) -> None:
    """Subscribe the question of a "not found" answer as a topic alert."""
    query = update.callback_query
    chat = query.message.chat.id if query.message is not None else None
    answer = context.bot_data.answers.get(query.data.split(":", 1)[1], chat)
    _ = words_for(update).gettext
    if answer is None:
        await query.answer(_("That question is too old for me. Use /subscribe <topic>."), show_alert=True)
        return
    if not await may_manage(update, context):
        return
    store = context.bot_data.subscriptions
    resume(context.application, update.effective_chat.id)
    _speaks(update, context)
    settings = context.bot_data.settings
    sub, _new = store.add_topic(update.effective_chat.id, answer.question,
                                context.bot_data.library.generation, settings.max_subscriptions)
    if sub is None:
        await query.answer(_(FULL).format(limit=settings.max_subscriptions), show_alert=True)
        return
    await query.answer()
    # Said in the message itself, the button gone: nothing to dismiss, nothing to press twice.
    key = query.data.split(":", 1)[1]
    done = _("✓ I'll tell you when a document covers this. /subscriptions lists your alerts.")
    await query.edit_message_text(answer_html(answer, 0, settings.quotes_per_message, _,
                                              context.bot_data.answers.typed(key), note=done), reply_markup=None)


async def timezone(update: Update, context: Context) -> None:
    """Show or set the chat's timezone for digests."""
    store = context.bot_data.subscriptions
    chat_id = update.effective_chat.id
    _ = words_for(update).gettext
    if not context.args:
        await update.effective_message.reply_text(escape(_(
            "Your timezone is {timezone}. Change it with /timezone Europe/Berlin").format(timezone=store.timezone(chat_id))))
        return
    name = context.args[0]
    if scheduling.zone(name) is None:
        await update.effective_message.reply_text(escape(_(
            "I don't know the timezone “{name}”. Use a name like Europe/Berlin or America/New_York.").format(name=name)))
        return
    if not await may_manage(update, context):
        return
    store.set_timezone(chat_id, name)
    for sub in store.of_chat(chat_id):
        if sub.kind != "topic":
            schedule_digest(context.application, sub)
    await update.effective_message.reply_text(escape(_("Timezone set to {name}.").format(name=name)))


def _unschedule(context: Context, chat_id: int, sub_id: int | None = None) -> None:
    for job in context.job_queue.jobs():
        if job.name and job.name.startswith(f"digest:{chat_id}:") and (
                sub_id is None or job.name == f"digest:{chat_id}:{sub_id}"):
            job.schedule_removal()

