"""A chat's own documents removed (/forget), and what happens to them when the bot leaves a group."""

import asyncio
import logging
from functools import partial

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType

from index import SHARED, DocumentNotFound

from . import scopes
from .formatting import escape
from .i18n import words_for
from .state import Context

log = logging.getLogger(__name__)


async def forget(update: Update, context: Context) -> None:
    """Remove a document (id, source or title) from the chat's own collection: a group's by its
    administrators, a private chat's by its user; the operator's admins may remove shared ones."""
    _ = words_for(update).gettext
    ref = " ".join(context.args or []).strip()
    if not ref:
        await update.effective_message.reply_text(escape(_("Usage: /forget <document id or title> (/sources lists them)")))
        return
    removable = await _removable(update, context)
    if not removable:
        await update.effective_message.reply_text(escape(_("Only this group's administrators can remove its documents.")))
        return
    library = context.bot_data.library
    titled = [d.id for d in await asyncio.to_thread(partial(library.documents, collections=removable))
              if d.title.lower() == ref.lower()]
    try:
        removed = await asyncio.to_thread(library.remove, titled[0] if len(titled) == 1 else ref, removable)
    except DocumentNotFound:
        await update.effective_message.reply_text(escape(
            _("There is no document “{ref}” that you can remove here. /sources lists them.").format(ref=ref)))
        return
    await update.effective_message.reply_text(escape(_("Removed “{title}”.").format(title=removed.title)))


async def _removable(update: Update, context: Context) -> frozenset[str]:
    """The collections whose documents this update's sender may remove here."""
    chat, user = update.effective_chat, update.effective_user
    settings = context.bot_data.settings
    allowed = {SHARED} if user is not None and user.id in settings.admin_ids else set()
    if user is not None and (chat.type == ChatType.PRIVATE or await scopes.is_group_admin(context, chat.id, user.id)):
        allowed.add(scopes.own(chat.id))
    return frozenset(allowed)


async def membership(update: Update, context: Context) -> None:
    """The bot was added to or removed from a group: a removed group's documents are kept (an
    operator drops them with `verbatim collections drop`), and the log says so."""
    change = update.my_chat_member
    if change is None or change.chat.type == ChatType.PRIVATE:
        return
    if change.new_chat_member.status in (ChatMemberStatus.LEFT, ChatMemberStatus.BANNED):
        log.info("removed from %s (%d); its documents stay in collection %s until `verbatim collections drop %s`",
                 change.chat.title or "a group", change.chat.id, scopes.own(change.chat.id), scopes.own(change.chat.id))
