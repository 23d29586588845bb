"""What the handlers and jobs share, in one typed object: PTB's `bot_data` (see ContextTypes)."""

import asyncio
import datetime as dt
from collections.abc import Callable

from telegram.ext import CallbackContext, ExtBot

from index import Library

from .answers import RecentAnswers
from .config import Settings
from .subscription_store import Subscriptions
from .threads import Threads


def utc_now() -> dt.datetime:
    """The real clock; tests pass their own to build_app."""
    return dt.datetime.now(dt.timezone.utc)


class BotState:
    """Everything the bot's handlers and jobs share. PTB creates it empty (ContextTypes);
    build_app fills in the library, settings and subscriptions."""

    library: Library
    settings: Settings
    subscriptions: Subscriptions
    threads: Threads

    def __init__(self) -> None:
        self.answers = RecentAnswers()  # for More and "Tell me when" buttons
        self.clock: Callable[[], dt.datetime] = utc_now
        self.last_delivery: dict[int, float] = {}  # chat id -> monotonic time of its last delivery
        self.alert_lock = asyncio.Lock()  # one topic-alert run at a time
        self.feed_lock = asyncio.Lock()  # one feed poll at a time (the timer's, or a retry's)
        self.turned_away: set[int] = set()  # chats not on the allow-list, named in the log once each


Context = CallbackContext[ExtBot[None], dict, dict, BotState]
