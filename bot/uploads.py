"""Admins add documents from Telegram: a file sent to the bot, or /ingest URL."""

import asyncio
import logging
from pathlib import Path

from telegram import Update
from telegram.error import TelegramError

from index import IngestReport, UnsupportedDocument, parse_file

from .formatting import escape
from .jobs import watch_documents
from .state import Context
from .updates import typing

log = logging.getLogger(__name__)

ADMINS_ONLY = "Only the bot's administrators can add documents. Ask one of them to add it for you."


def _is_admin(update: Update, context: Context) -> bool:
    return update.effective_user is not None and (
        update.effective_user.id in context.bot_data.settings.admin_ids)


async def receive_document(update: Update, context: Context) -> None:
    """Ingest a file an admin sent, within the size and type limits."""
    message, settings = update.effective_message, context.bot_data.settings
    if not _is_admin(update, context):
        await message.reply_text(ADMINS_ONLY)
        return
    document = message.document
    name = Path((document.file_name or "").replace("\\", "/")).name or "upload.txt"  # a name, never a path
    suffix = Path(name).suffix.lower()
    if suffix not in settings.upload_types:
        kinds = ", ".join(sorted(settings.upload_types))
        await message.reply_text(escape(
            f"I can't read {suffix or 'files without an extension'}; send one of: {kinds}."))
        return
    if (document.file_size or 0) > settings.max_upload_mb * 2**20:
        await message.reply_text(escape(f"That file is over the {settings.max_upload_mb} MB limit."))
        return
    try:
        file = await document.get_file()
        data = bytes(await file.download_as_bytearray())
    except TelegramError as error:  # its message can hold the file URL: the log filter hides the token
        log.warning("could not download upload %s: %s", name, error)
        await message.reply_text(escape(f"I couldn't download {name} from Telegram. Please send it again."))
        return
    source = f"telegram:{document.file_unique_id}/{name}"
    try:
        parsed = await asyncio.to_thread(parse_file, data, name, source)  # a PDF parse takes a while
    except UnsupportedDocument as error:
        await message.reply_text(escape(f"I couldn't add {name}: {str(error).split(': ', 1)[-1]}."))
        return
    report = await asyncio.to_thread(context.bot_data.library.add, [parsed])
    await message.reply_text(escape(_said(report, parsed.title)))
    context.job_queue.run_once(watch_documents, 0)  # the one alert runner, not this chat's turn


async def ingest_url(update: Update, context: Context) -> None:
    """Ingest the pages or files at the URLs an admin gives, in the background: the admin's
    next question does not wait for a slow site (each download has its own deadline)."""
    message = update.effective_message
    if not _is_admin(update, context):
        await message.reply_text(ADMINS_ONLY)
        return
    urls = [arg for arg in context.args or [] if arg.startswith(("http://", "https://"))]
    if not urls:
        await message.reply_text("Usage: /ingest https://example.org/article")
        return
    context.application.create_task(_ingest(update, context, urls), update=update)


async def _ingest(update: Update, context: Context, urls: list[str]) -> None:
    async with typing(context.bot, update.effective_chat.id):
        report = await asyncio.to_thread(context.bot_data.library.ingest, urls, False)
    problems = "".join(f"\n{reason}" for _, reason in report.errors)
    await update.effective_message.reply_text(escape(f"{report.describe()}{problems}"))
    context.job_queue.run_once(watch_documents, 0)


def _said(report: IngestReport, title: str) -> str:
    if report.unchanged:
        return f"I already have “{title}”, unchanged."
    verb = "Updated" if report.updated else "Added"
    return f"{verb} “{title}” ({report.chunks_embedded} new passages embedded)."
