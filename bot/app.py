"""The whole bot in one place: every handler, job, error handler and start-up hook."""

import contextlib
import datetime as dt
import logging
from collections.abc import Callable

from telegram import Bot, BotCommand, BotCommandScopeChat, LinkPreviewOptions, Update
from telegram.constants import ParseMode
from telegram.error import Forbidden, InvalidToken, NetworkError, TelegramError
from telegram.ext import (
    Application,
    CallbackQueryHandler,
    ChatMemberHandler,
    CommandHandler,
    ContextTypes,
    Defaults,
    InlineQueryHandler,
    MessageHandler,
    TypeHandler,
    filters,
)

from index import Library, hidden

from . import forgetting, handlers, i18n, inline, subscribing, uploads
from .config import Settings, StartupError
from .sending import RETRIES, RetryingRateLimiter
from .updates import PerChatOrder
from .jobs import poll_feeds, restore_schedules, watch_documents
from .state import BotState, utc_now
from .subscription_store import Subscriptions
from .threads import Threads

log = logging.getLogger(__name__)


async def check_bot_api(settings: Settings) -> None:
    """Ask the Bot API who we are, so a bad token, a wrong base URL or an unreachable server is
    one line naming the setting to fix, instead of PTB's retry loop and its tracebacks."""
    url = hidden(settings.api_base_url)
    bot = Bot(settings.telegram_bot_token, base_url=settings.api_base_url,
              base_file_url=settings.file_base_url)
    # PTB logs a body that is not JSON with its traceback before raising: the line below says it.
    quiet = logging.getLogger("telegram.request")
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        await bot.initialize()  # getMe
    except InvalidToken as error:  # PTB's name for both 401 and 404, the server's answer as its cause
        answered = error.__cause__ if isinstance(error.__cause__, InvalidToken) else error
        if "Unauthorized" in str(answered) or "401" in str(answered):
            raise StartupError("Telegram rejected TELEGRAM_BOT_TOKEN (401 Unauthorized). "
                               "Copy the token again from @BotFather.") from None
        if answered.__cause__ is not None:  # a 404 page that is not the Bot API's JSON: a wrong address
            raise StartupError(f"The server at {url} answered 404 Not Found and is not a Telegram Bot API: "
                               "TELEGRAM_API_BASE_URL is wrong (it ends in /bot, as in "
                               "https://api.telegram.org/bot).") from None
        raise StartupError(f"The Bot API at {url} answered 404 Not Found: TELEGRAM_BOT_TOKEN is malformed "
                           "(copy it again from @BotFather) or TELEGRAM_API_BASE_URL is wrong "
                           "(it ends in /bot).") from None
    except Forbidden:
        raise StartupError("The Bot API refused TELEGRAM_BOT_TOKEN (403 Forbidden): the bot may be deleted, "
                           "or TELEGRAM_API_BASE_URL points at a server that does not serve it. "
                           "Check both.") from None
    except NetworkError as error:  # TimedOut is a NetworkError too
        raise StartupError(f"Cannot reach the Telegram Bot API at {url} ({hidden(str(error))}). "
                           "Check the network, or TELEGRAM_API_BASE_URL.") from None
    except TelegramError as error:  # e.g. "Invalid server response": not a Bot API at that address
        raise StartupError(f"The server at {url} did not answer as a Telegram Bot API "
                           f"({hidden(str(error))}): check TELEGRAM_API_BASE_URL.") from None
    finally:
        quiet.setLevel(level)
        with contextlib.suppress(TelegramError):
            await bot.shutdown()


def build_app(
    settings: Settings, library: Library, clock: Callable[[], dt.datetime] = utc_now
) -> Application:
    """Wire the Telegram application: handlers, jobs, error handler and start-up hook."""
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    app = (
        Application.builder()
        .token(settings.telegram_bot_token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.file_base_url)
        .rate_limiter(RetryingRateLimiter(max_retries=RETRIES))  # flood limits, RetryAfter, 5xx retried
        .concurrent_updates(PerChatOrder(workers=8))  # each chat in order, no chat hogging
        .context_types(ContextTypes(bot_data=BotState))  # typed shared state, not string keys
        .defaults(Defaults(parse_mode=ParseMode.HTML, link_preview_options=LinkPreviewOptions(is_disabled=True)))
        .post_init(_start_up)
        .build()
    )
    state: BotState = app.bot_data
    state.library, state.settings, state.clock = library, settings, clock
    state.subscriptions = Subscriptions(library.directory / "subscriptions.sqlite3")
    state.threads = Threads(library.directory / "threads.sqlite3")  # what each answer was asked

    app.add_handler(TypeHandler(Update, handlers.gatekeeper), group=-1)  # VERBATIM_ALLOWED_IDS
    app.add_handler(CommandHandler("start", handlers.start))
    app.add_handler(CommandHandler("help", handlers.help))
    app.add_handler(CommandHandler("sources", handlers.sources))
    app.add_handler(CommandHandler("ask", handlers.ask))
    app.add_handler(CommandHandler("summary", subscribing.summary))
    app.add_handler(CommandHandler("subscribe", subscribing.subscribe))
    app.add_handler(CommandHandler("subscriptions", subscribing.subscriptions))
    app.add_handler(CommandHandler("unsubscribe", subscribing.unsubscribe))
    app.add_handler(CommandHandler("timezone", subscribing.timezone))
    app.add_handler(CommandHandler("ingest", uploads.ingest_url))
    app.add_handler(CommandHandler("forget", forgetting.forget))
    app.add_handler(ChatMemberHandler(forgetting.membership, ChatMemberHandler.MY_CHAT_MEMBER))
    app.add_handler(CallbackQueryHandler(handlers.more, pattern=r"^more:"))
    app.add_handler(CallbackQueryHandler(subscribing.watch_button, pattern=r"^watch:"))
    app.add_handler(CallbackQueryHandler(subscribing.remove_button, pattern=r"^unsub:\d{1,18}$"))
    app.add_handler(CallbackQueryHandler(subscribing.subscriptions_page, pattern=r"^subs:\d{1,3}$"))
    app.add_handler(CallbackQueryHandler(handlers.stale_button))  # anything else: answered, not ignored
    app.add_handler(InlineQueryHandler(inline.inline_query))
    chats = filters.ChatType.PRIVATE | filters.ChatType.GROUPS  # a group's files go to its own collection
    app.add_handler(MessageHandler(filters.Document.ALL & chats, uploads.receive_document))
    app.add_handler(MessageHandler(filters.PHOTO & chats, uploads.receive_photo))  # OCR
    app.add_handler(
        MessageHandler(filters.ChatType.PRIVATE & filters.TEXT & ~filters.COMMAND, handlers.ask)
    )
    app.add_handler(
        MessageHandler(
            filters.ChatType.GROUPS & filters.TEXT & ~filters.COMMAND
            & (filters.Entity("mention") | filters.REPLY),
            handlers.ask_in_group,
        )
    )
    app.add_handler(MessageHandler(filters.COMMAND & filters.ChatType.PRIVATE, handlers.unknown_command))
    app.add_error_handler(handlers.on_error)

    app.job_queue.run_repeating(watch_documents, settings.watch_interval, first=1, name="watch_documents")
    app.job_queue.run_repeating(poll_feeds, settings.feed_interval, first=min(5.0, settings.feed_interval),
                                name="poll_feeds")
    return app


async def _start_up(app: Application) -> None:
    for language in i18n.languages():  # the menu in each language with a catalog, English for the rest
        _ = i18n.words(language).gettext
        await app.bot.set_my_commands([BotCommand(name, _(text)) for name, text in handlers.COMMANDS.items()],
                                      language_code=None if language == "en" else language)
    everything = {**handlers.COMMANDS, **handlers.ADMIN_COMMANDS}
    for admin in sorted(app.bot_data.settings.admin_ids):  # admins' own chats list their commands too
        try:
            await app.bot.set_my_commands([BotCommand(name, text) for name, text in everything.items()],
                                          scope=BotCommandScopeChat(admin))
        except TelegramError as error:  # an admin who never opened a chat with the bot: no chat yet
            log.info("no command menu for admin %d: %s", admin, error)
    await restore_schedules(app)
    allowed = app.bot_data.settings.allowed_ids
    if allowed:
        log.info("answering only the %d users and chats in VERBATIM_ALLOWED_IDS (and admins)", len(allowed))
    else:
        log.warning("VERBATIM_ALLOWED_IDS is not set: anyone who finds @%s can read every document",
                    app.bot.username)
    log.info("serving as @%s", app.bot.username)
