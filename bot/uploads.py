"""Admins add documents from Telegram: a file sent to the bot, or /ingest URL."""

import asyncio
import logging
from pathlib import Path

from telegram import Update
from telegram.error import TelegramError

from index import IngestReport, UnsupportedDocument, parse_file

from .formatting import escape
from .i18n import N_, Translate, words_for
from .jobs import watch_documents
from .state import Context
from .updates import typing

log = logging.getLogger(__name__)

ADMINS_ONLY = N_("Only the bot's administrators can add documents. Ask one of them to add it for you.")


def _is_admin(update: Update, context: Context) -> bool:
    return update.effective_user is not None and (
        update.effective_user.id in context.bot_data.settings.admin_ids)


async def receive_document(update: Update, context: Context) -> None:
    """Ingest a file an admin sent, within the size and type limits."""
    message, settings = update.effective_message, context.bot_data.settings
    _ = words_for(update).gettext
    if not _is_admin(update, context):
        await message.reply_text(escape(_(ADMINS_ONLY)))
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
    source = f"telegram:{document.file_unique_id}/{name}"
    try:
        parsed = await asyncio.to_thread(parse_file, data, name, source)  # a PDF parse takes a while
    except UnsupportedDocument as error:
        await message.reply_text(escape(_("I couldn't add {name}: {reason}.").format(
            name=name, reason=str(error).split(": ", 1)[-1])))
        return
    report = await asyncio.to_thread(context.bot_data.library.add, [parsed])
    await message.reply_text(escape(_said(report, parsed.title, _)))
    context.job_queue.run_once(watch_documents, 0)  # the one alert runner, not this chat's turn


async def ingest_url(update: Update, context: Context) -> None:
    """Ingest the pages or files at the URLs an admin gives, in the background: the admin's
    next question does not wait for a slow site (each download has its own deadline)."""
    message = update.effective_message
    _ = words_for(update).gettext
    if not _is_admin(update, context):
        await message.reply_text(escape(_(ADMINS_ONLY)))
        return
    urls = [arg for arg in context.args or [] if arg.startswith(("http://", "https://"))]
    if not urls:
        await message.reply_text(escape(_("Usage: /ingest https://example.org/article")))
        return
    context.application.create_task(_ingest(update, context, urls), update=update)


async def _ingest(update: Update, context: Context, urls: list[str]) -> None:
    async with typing(context.bot, update.effective_chat.id):
        report = await asyncio.to_thread(context.bot_data.library.ingest, urls, False)
    problems = "".join(f"\n{reason}" for _, reason in report.errors)
    await update.effective_message.reply_text(escape(f"{report.describe()}{problems}"))
    context.job_queue.run_once(watch_documents, 0)


def _said(report: IngestReport, title: str, _: Translate) -> str:
    if report.unchanged:
        return _("I already have “{title}”, unchanged.").format(title=title)
    said = (_("Updated “{title}” ({count} new passages embedded).") if report.updated
            else _("Added “{title}” ({count} new passages embedded)."))
    return said.format(title=title, count=report.chunks_embedded)
