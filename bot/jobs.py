"""Background jobs: topic alerts, digests at their times, feed polling. Deliveries are logged."""

import asyncio
import datetime as dt
import logging

from telegram.error import Forbidden, NetworkError, RetryAfter, TelegramError
from telegram.ext import Application

from index import Feeds, IndexUnavailable, Library

from . import scheduling, scopes
from .digests import alert_html, digest_html
from .i18n import words
from .sending import pace, possibly_delivered
from .state import Context
from .subscription_store import Subscription, Subscriptions

log = logging.getLogger(__name__)

RETRY_DIGEST = dt.timedelta(minutes=5)
RETRY_UNAVAILABLE = 60.0  # seconds before a digest or a feed poll tries again while the index is down


def _parts(context: Context) -> tuple[Library, Subscriptions]:
    return context.bot_data.library, context.bot_data.subscriptions


async def deliver(context: Context, chat_id: int, text: str) -> bool:
    """Send one message, at most one a second per chat; pause the chat if the user blocked the bot.
    A chat that is not allowed (VERBATIM_ALLOWED_IDS, checked now, not when it subscribed) gets
    nothing: its subscriptions wait, kept, until it is allowed again."""
    if not context.bot_data.settings.allows(chat_id):
        log.info("chat %s is not on VERBATIM_ALLOWED_IDS; its subscriptions are paused", chat_id)
        return False
    await pace(context.bot_data.last_delivery, chat_id)
    try:
        await context.bot.send_message(chat_id, text)  # HTML, no previews: the app's Defaults
    except Forbidden:
        log.info("chat %s blocked the bot or removed it; pausing its subscriptions", chat_id)
        context.bot_data.subscriptions.set_paused(chat_id, True)
        return False
    except NetworkError as error:
        if not possibly_delivered(error):
            log.warning("could not deliver to chat %s: %s", chat_id, error)
            return False
        # Sent, but the "ok" came late or was lost: Telegram most likely has it. Counting it as
        # delivered risks one lost message; retrying would risk sending it twice.
        log.warning("Telegram did not confirm a message to chat %s; counted as delivered", chat_id)
        return True
    except RetryAfter as error:  # still flooded after the rate limiter's own retries
        log.warning("flood control for chat %s (retry after %s); will try again", chat_id, error.retry_after)
        return False
    except TelegramError as error:
        log.warning("could not deliver to chat %s: %s", chat_id, error)
        return False
    return True


async def watch_documents(context: Context) -> None:
    """Alert topic subscribers about documents added since their cursor (by any process).

    The periodic check, uploads and feed polls all call this; one run at a time, or two runs
    would both read "not yet delivered" before either had sent.
    """
    async with context.bot_data.alert_lock:
        try:
            await _alert(context)
        except IndexUnavailable as error:  # cursors did not move: the next check sends what is owed
            log.info("topic alerts wait for the index: %s", error)


async def _alert(context: Context) -> None:
    library, store = _parts(context)
    generation = library.generation
    # By cursor and what the chat reads: they share the documents to check. A chat is alerted only
    # on documents it may read.
    waiting: dict[tuple[int, frozenset[str]], list[Subscription]] = {}
    settings = context.bot_data.settings
    for sub in store.active("topic"):
        if sub.cursor < generation and not store.paused(sub.chat_id) and settings.allows(sub.chat_id):
            waiting.setdefault((sub.cursor, scopes.readable(settings, sub.chat_id)), []).append(sub)
    for (cursor, readable), subs in waiting.items():
        new = [doc.id for doc in library.documents(after_generation=cursor, collections=readable)]
        found = await asyncio.to_thread(library.matches_many, [s.topic for s in subs], new)
        for sub, hits in zip(subs, found):
            if await _send_alerts(context, store, sub, hits):
                store.advance(sub.id, generation)


async def _send_alerts(context: Context, store: Subscriptions, sub: Subscription,
                       hits: list) -> bool:
    """Send the alerts not sent yet; False when one could not go out (retried next time)."""
    done = store.delivered(sub.id, [hit.document.id for hit in hits]) if hits else set()
    for hit in hits:
        if hit.document.id in done:
            continue
        _ = words(store.language(sub.chat_id)).gettext
        if not await _deliver_logged(context, sub, [hit.document.id], alert_html(sub.topic, hit, _)):
            return False
    return True


async def _deliver_logged(context: Context, sub: Subscription, document_ids: list[str], text: str) -> bool:
    """Deliver a message that carries these documents, logged as pending while it is sent: a
    crash in between leaves the entry for `reconcile` at the next start (VERBATIM_DELIVERY)."""
    store = context.bot_data.subscriptions
    store.reserve(sub.id, document_ids)
    if await deliver(context, sub.chat_id, text):
        store.record(sub.id, document_ids)
        return True
    store.release(sub.id, document_ids)
    return False


async def send_digest(context: Context) -> None:
    """Send one digest of what is new since the subscription's cursor, then schedule the next;
    while the index is unavailable, try again a minute later."""
    try:
        await _send_digest(context)
    except IndexUnavailable as error:
        log.info("a digest waits for the index (%s); trying again in %.0f s", error, RETRY_UNAVAILABLE)
        context.job_queue.run_once(send_digest, RETRY_UNAVAILABLE, data=context.job.data, name=context.job.name)


async def _send_digest(context: Context) -> None:
    library, store = _parts(context)
    sub_id, due = context.job.data
    sub = store.get(sub_id)
    if sub is None or store.paused(sub.chat_id):
        return
    if not context.bot_data.settings.allows(sub.chat_id):  # paused by the allow-list: skip this run,
        store.advance(sub.id, sub.cursor, last_run=due)      # keep the cursor, keep the schedule
        schedule_digest(context.application, store.get(sub.id))
        return
    generation = library.generation
    readable = scopes.readable(context.bot_data.settings, sub.chat_id)
    items = await asyncio.to_thread(library.digest, sub.cursor, collections=readable)
    sent = store.delivered(sub.id, [d.id for item in items for d in item.sources]) if items else set()
    items = [item for item in items if not all(d.id in sent for d in item.sources)]
    said = words(store.language(sub.chat_id))
    heading = (said.ngettext("Your daily digest: {count} new story", "Your daily digest: {count} new stories", len(items))
               if sub.kind == "daily" else
               said.ngettext("Your weekly digest: {count} new story", "Your weekly digest: {count} new stories",
                             len(items))).format(count=len(items))
    for text, carried in digest_html(items, heading, said.gettext) if items else []:
        if not await _deliver_logged(context, sub, [d.id for item in carried for d in item.sources], text):
            if not store.paused(sub.chat_id):  # retry the rest later; what went out is logged
                context.job_queue.run_once(send_digest, RETRY_DIGEST, data=(sub.id, due), name=context.job.name)
            return
    store.advance(sub.id, generation, last_run=due)
    schedule_digest(context.application, store.get(sub.id))


def resume(app: Application, chat_id: int) -> None:
    """Resume a chat paused because it blocked the bot: its alerts at the next check, its
    digests rescheduled (a paused digest does not schedule its next run)."""
    store = app.bot_data.subscriptions
    if store.paused(chat_id):
        store.set_paused(chat_id, False)
        for sub in store.of_chat(chat_id):
            if sub.kind != "topic":
                schedule_digest(app, sub)


def schedule_digest(app: Application, sub: Subscription) -> None:
    """(Re)schedule a digest job: now if a run was missed, else at its next time."""
    store, clock = app.bot_data.subscriptions, app.bot_data.clock
    name = f"digest:{sub.chat_id}:{sub.id}"
    for job in app.job_queue.get_jobs_by_name(name):
        job.schedule_removal()
    tz = scheduling.zone(store.timezone(sub.chat_id)) or scheduling.zone("UTC")
    now = clock()
    missed = scheduling.owed(sub, tz, now)
    if missed is not None:
        app.job_queue.run_once(send_digest, 0, data=(sub.id, missed.isoformat()), name=name)
        return
    last = dt.datetime.fromisoformat(sub.last_run) if sub.last_run else now
    due = scheduling.next_due(sub, tz, max(now, last))
    app.job_queue.run_once(send_digest, (due - now).total_seconds(), data=(sub.id, due.isoformat()), name=name)


async def poll_feeds(context: Context) -> None:
    """Fetch the feeds and ingest new entries; alerts follow from the new documents."""
    library, lock = context.bot_data.library, context.bot_data.feed_lock
    if lock.locked():
        return  # a poll is under way
    try:
        async with lock:
            report = await asyncio.to_thread(Feeds(library).poll)
    except IndexUnavailable as error:  # entries not ingested are not marked seen: read again then
        log.info("feeds wait for the index (%s); polling again in %.0f s", error, RETRY_UNAVAILABLE)
        if not context.job_queue.get_jobs_by_name("poll_feeds:retry"):
            context.job_queue.run_once(poll_feeds, RETRY_UNAVAILABLE, name="poll_feeds:retry")
        return
    if report.new_entries or report.errors:
        log.info("feeds: %s", report.describe())
    if report.ingest.added or report.ingest.updated:
        await watch_documents(context)


async def restore_schedules(app: Application) -> None:
    """Settle deliveries a crash left pending, and rebuild the digest jobs from SQLite at
    start-up (PTB jobs are not persisted)."""
    at_most_once = app.bot_data.settings.delivery == "at-most-once"
    pending = app.bot_data.subscriptions.reconcile(at_most_once)
    if pending:
        log.warning("%d deliveries were under way when the bot stopped; %s", pending,
                    "counted as delivered (at-most-once)" if at_most_once else "sending them again (at-least-once)")
    for sub in app.bot_data.subscriptions.active():
        if sub.kind in ("daily", "weekly"):
            schedule_digest(app, sub)
