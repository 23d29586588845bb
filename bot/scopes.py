"""Which documents a chat reads and where what it sends goes (docs/operating.md, "Each chat its own documents").

Every document is in one collection: the shared one (the operator's: `verbatim ingest`, feeds,
files from VERBATIM_ADMIN_IDS), a group's own (files its administrators send in it), or a user's
own (files sent in a private chat, when VERBATIM_PRIVATE_COLLECTIONS is on). A chat reads its own
collection and the shared one (unless VERBATIM_SHARED_CHATS leaves it out); inline mode reads the
user's own and the shared one. Telegram gives users positive ids and groups negative ones, so a
chat id alone names its collection: jobs (digests, alerts) have no more than that.
"""

from telegram import Update
from telegram.constants import ChatMemberStatus, ChatType
from telegram.error import TelegramError

from index import SHARED

from .config import Settings
from .state import Context


def own(chat_id: int) -> str:
    """The collection of a private chat's user ("user42") or of a group ("chat-1001234")."""
    return f"user{chat_id}" if chat_id > 0 else f"chat{chat_id}"


def readable(settings: Settings, chat_id: int) -> frozenset[str]:
    """The collections a chat (or, inline, a user) reads."""
    return frozenset({own(chat_id), *([SHARED] if settings.reads_shared(chat_id) else [])})


def of_update(update: Update, settings: Settings) -> frozenset[str]:
    """The collections an update may read: its chat's, or inline (no chat) its user's."""
    chat = update.effective_chat
    return readable(settings, chat.id if chat is not None else update.effective_user.id)


async def destination(update: Update, context: Context) -> str | None:
    """Where a file, photo or /ingest from this update goes; None when its sender may not add
    documents here. The operator's admins add to the shared collection, as before collections;
    a group's administrators to the group's; a user, when allowed, to their own."""
    settings, chat, user = context.bot_data.settings, update.effective_chat, update.effective_user
    if user is None:
        return None
    if user.id in settings.admin_ids:
        return SHARED
    if chat.type == ChatType.PRIVATE:
        return own(user.id) if settings.private_collections else None
    if settings.group_collections and await is_group_admin(context, chat.id, user.id):
        return own(chat.id)
    return None


async def is_group_admin(context: Context, chat_id: int, user_id: int) -> bool:
    """Whether Telegram says the user is the group's creator or one of its administrators."""
    try:
        member = await context.bot.get_chat_member(chat_id, user_id)
    except TelegramError:  # the bot was removed meanwhile, or the user left: not an administrator now
        return False
    return member.status in (ChatMemberStatus.ADMINISTRATOR, ChatMemberStatus.OWNER)
