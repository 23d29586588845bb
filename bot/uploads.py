"""Documents added from Telegram: a file or photo sent to the bot, or /ingest URL; by the
operator's admins into the shared collection, by a group's administrators into the group's, by
a user into their own when allowed (scopes.py)."""

import asyncio
import contextlib
import gettext
import logging
import time
from functools import partial
from pathlib import Path

from telegram import Update
from telegram.constants import ChatType
from telegram.error import TelegramError

from index import IngestReport, UnsupportedDocument, hidden, parse_file

from . import scopes
from .formatting import escape
from .i18n import N_, Translate, words_for
from .jobs import watch_documents
from .state import Context
from .updates import typing

log = logging.getLogger(__name__)

STATUS_PAGES = 3  # scans of this many pages or more say how far the OCR has got
STATUS_SECONDS = 5.0
ADMINS_ONLY = N_("Only the bot's administrators can add documents. Ask one of them to add it for you.")
GROUP_ADMINS_ONLY = N_("Only this group's administrators can add documents here.")


async def _destination(update: Update, context: Context) -> str | None:
    """Where this upload goes (scopes.destination); None, having said why, when nowhere."""
    collection = await scopes.destination(update, context)
    if collection is None:
        by_groups = update.effective_chat.type != ChatType.PRIVATE and context.bot_data.settings.group_collections
        _ = words_for(update).gettext
        await update.effective_message.reply_text(escape(_(GROUP_ADMINS_ONLY if by_groups else ADMINS_ONLY)))
    return collection


def addressed(update: Update, context: Context) -> bool:
    """A file or photo in a group is for the bot when its caption mentions the bot or it replies
    to one of the bot's messages; the rest of a group's pictures are none of its business."""
    message = update.effective_message
    if update.effective_chat.type == ChatType.PRIVATE:
        return True
    replied = message.reply_to_message
    to_bot = replied is not None and replied.from_user is not None and replied.from_user.id == context.bot.id
    return to_bot or f"@{context.bot.username}".lower() in (message.caption or "").lower()


async def receive_document(update: Update, context: Context) -> None:
    """Ingest a file sent to the bot, within the size and type limits."""
    message, settings = update.effective_message, context.bot_data.settings
    _ = words_for(update).gettext
    if not addressed(update, context) or (collection := await _destination(update, context)) is None:
        return
    document = message.document
    name = Path((document.file_name or "").replace("\\", "/")).name or "upload.txt"  # a name, never a path
    suffix = Path(name).suffix.lower()
    if suffix not in settings.upload_types:
        kinds = ", ".join(sorted(settings.upload_types))
        await message.reply_text(escape(
            (_("I can't read {kind} files; send one of: {kinds}.") if suffix
             else _("I can't read files without an extension; send one of: {kinds}.")).format(kind=suffix, kinds=kinds)))
        return
    if (document.file_size or 0) > settings.max_upload_mb * 2**20:
        await message.reply_text(escape(_("That file is over the {limit} MB limit.").format(limit=settings.max_upload_mb)))
        return
    try:
        file = await document.get_file()
        data = bytes(await file.download_as_bytearray())
    except TelegramError as error:  # its message can hold the file URL: the log filter hides the token
        log.warning("could not download upload %s: %s", name, error)
        await message.reply_text(escape(_("I couldn't download {name} from Telegram. Please send it again.").format(
            name=name)))
        return
    # In the background: a 50-page scan takes minutes of OCR, and the admin may ask meanwhile.
    context.application.create_task(_add(update, context, data, name, f"telegram:{document.file_unique_id}/{name}",
                                         collection), update=update)


async def receive_photo(update: Update, context: Context) -> None:
    """Read a photo sent to the bot (a page, a notice, a screenshot) by OCR and add its text."""
    message = update.effective_message
    _ = words_for(update).gettext
    if not addressed(update, context) or (collection := await _destination(update, context)) is None:
        return
    photo = message.photo[-1]  # the largest size Telegram kept
    try:
        data = bytes(await (await photo.get_file()).download_as_bytearray())
    except TelegramError as error:
        log.warning("could not download a photo: %s", error)
        await message.reply_text(escape(_("I couldn't download {name} from Telegram. Please send it again.").format(
            name=_("the photo"))))
        return
    name = f"photo-{message.date:%Y-%m-%d-%H%M}.jpg"
    context.application.create_task(_add(update, context, data, name, f"telegram:{photo.file_unique_id}/{name}",
                                         collection), update=update)


async def _add(update: Update, context: Context, data: bytes, name: str, source: str, collection: str) -> None:
    """Read a file (by OCR for pictures and scans, saying how far it got) and add it."""
    message, words = update.effective_message, words_for(update)
    _ = words.gettext
    status = PageStatus(message, _, asyncio.get_running_loop())
    try:
        async with typing(context.bot, message.chat_id):
            parsed = await asyncio.to_thread(parse_file, data, name, source, status.on_page)
            report = await asyncio.to_thread(partial(context.bot_data.library.add, [parsed], collection=collection))
    except UnsupportedDocument as error:
        await message.reply_text(escape(_("I couldn't add {name}: {reason}.").format(
            name=name, reason=str(error).split(": ", 1)[-1])))
        return
    finally:  # the progress line goes, whatever happened (an outage is answered by on_error)
        await status.done()
    said = _said(report, parsed.title, words)
    if parsed.from_image:
        said += " " + _("Its text was read from an image; quotes show what was read.")
    if parsed.unread_pages:
        said += " " + _("I left out pages I could not read: {pages}.").format(
            pages=", ".join(map(str, parsed.unread_pages)))
    await message.reply_text(escape(said))
    context.job_queue.run_once(watch_documents, 0)  # the one alert runner, not this chat's turn


class PageStatus:
    """Says in the chat how far OCR has got through a long scan: one message, edited at most
    every STATUS_SECONDS, removed when done. Called from the reading thread."""

    def __init__(self, message, _: Translate, loop: asyncio.AbstractEventLoop) -> None:
        self.message, self._, self.loop = message, _, loop
        self.sent = None
        self.last = 0.0
        self.finished = False
        self.lock = asyncio.Lock()  # an edit in flight finishes before the message is removed

    def on_page(self, done: int, total: int) -> None:
        if total < STATUS_PAGES or (time.monotonic() - self.last < STATUS_SECONDS and done < total):
            return
        self.last = time.monotonic()
        text = escape(self._("Reading the scanned pages: {done} of {total}…").format(done=done, total=total))
        asyncio.run_coroutine_threadsafe(self._show(text), self.loop)

    async def _show(self, text: str) -> None:
        async with self.lock:
            if not self.finished:
                await self._send(text)

    async def _send(self, text: str) -> None:
        try:
            if self.sent is None:
                self.sent = await self.message.reply_text(text)
            else:
                await self.sent.edit_text(text)
        except TelegramError as error:  # a status line is not worth failing the upload for
            log.info("could not show OCR progress: %s", error)

    async def done(self) -> None:
        async with self.lock:
            self.finished = True
            if self.sent is not None:
                with contextlib.suppress(TelegramError):
                    await self.sent.delete()


async def ingest_url(update: Update, context: Context) -> None:
    """Ingest the pages or files at the URLs given, in the background: the sender's next question
    does not wait for a slow site (each download has its own deadline)."""
    message = update.effective_message
    _ = words_for(update).gettext
    if (collection := await _destination(update, context)) is None:
        return
    urls = [arg for arg in context.args or [] if arg.startswith(("http://", "https://"))]
    if not urls:
        await message.reply_text(escape(_("Usage: /ingest https://example.org/article")))
        return
    context.application.create_task(_ingest(update, context, urls, collection), update=update)


async def _ingest(update: Update, context: Context, urls: list[str], collection: str) -> None:
    async with typing(context.bot, update.effective_chat.id):
        report = await asyncio.to_thread(context.bot_data.library.ingest, urls, False, collection)
    problems = "".join(f"\n{hidden(reason)}" for _, reason in report.errors)
    await update.effective_message.reply_text(escape(f"{report.describe()}{problems}"))
    context.job_queue.run_once(watch_documents, 0)


def _said(report: IngestReport, title: str, words: gettext.NullTranslations) -> str:
    if report.unchanged:
        return words.gettext("I already have “{title}”, unchanged.").format(title=title)
    count = report.chunks_embedded
    said = (words.ngettext("Updated “{title}” ({count} new passage embedded).",
                           "Updated “{title}” ({count} new passages embedded).", count) if report.updated
            else words.ngettext("Added “{title}” ({count} new passage embedded).",
                                "Added “{title}” ({count} new passages embedded).", count))
    return said.format(title=title, count=count)
