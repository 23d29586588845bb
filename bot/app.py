"""The whole bot in one place: every handler, the error handler and the start-up hooks."""

import logging

from telegram import BotCommand
from telegram.ext import (
    AIORateLimiter,
    Application,
    CallbackQueryHandler,
    CommandHandler,
    InlineQueryHandler,
    MessageHandler,
    filters,
)

from index import Library

from . import handlers
from .answers import RecentAnswers
from .config import Settings

log = logging.getLogger(__name__)


def build_app(settings: Settings, library: Library) -> Application:
    """Wire the Telegram application: handlers, error handler and start-up hook."""
    if not settings.telegram_bot_token:
        raise ValueError("TELEGRAM_BOT_TOKEN is not set")
    app = (
        Application.builder()
        .token(settings.telegram_bot_token)
        .base_url(settings.api_base_url)
        .base_file_url(settings.file_base_url)
        .rate_limiter(AIORateLimiter(max_retries=3))
        .concurrent_updates(8)
        .post_init(_register_commands)
        .build()
    )
    app.bot_data.update(library=library, settings=settings, answers=RecentAnswers())

    app.add_handler(CommandHandler("start", handlers.start))
    app.add_handler(CommandHandler("help", handlers.help))
    app.add_handler(CommandHandler("sources", handlers.sources))
    app.add_handler(CommandHandler("ask", handlers.ask))
    app.add_handler(CallbackQueryHandler(handlers.more, pattern=r"^more:"))
    app.add_handler(InlineQueryHandler(handlers.inline_query))
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
    return app


async def _register_commands(app: Application) -> None:
    await app.bot.set_my_commands([BotCommand(name, text) for name, text in handlers.COMMANDS.items()])
    log.info("serving as @%s", app.bot.username)
