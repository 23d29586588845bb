"""Which update runs when: each chat's updates in order, many chats at once, no chat hogging.

With plain `concurrent_updates(8)`, two questions from one chat can be answered out of order,
and one user sending twenty messages takes all eight slots while everyone else waits. Here an
update first waits its turn in its own chat (FIFO), and only then takes one of the workers, so a
flooding chat holds at most one worker at a time.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable
from typing import Any

from telegram import Bot, Update
from telegram.constants import ChatAction
from telegram.error import TelegramError
from telegram.ext import BaseUpdateProcessor

log = logging.getLogger(__name__)

TYPING_EVERY = 4.0  # seconds; Telegram shows "typing…" for about 5 s after each action
TYPING_GRACE = 1.0  # seconds a "typing" call under way may still take once the answer is ready


class PerChatOrder(BaseUpdateProcessor):
    """Process one chat's updates one at a time, in arrival order, with `workers` chats at once."""

    def __init__(self, workers: int, backlog: int = 1024) -> None:
        super().__init__(backlog)  # PTB's own bound: updates in flight, waiting or working
        self.workers = workers
        self._work: asyncio.Semaphore | None = None
        self._chats: dict[int, tuple[asyncio.Lock, int]] = {}  # lock and how many use it

    async def do_process_update(self, update: object, coroutine: Awaitable[Any]) -> None:
        chat = update.effective_chat.id if isinstance(update, Update) and update.effective_chat else None
        if chat is None:  # inline queries have no chat: nothing to keep in order
            async with self._workers():
                await coroutine
            return
        lock, users = self._chats.get(chat, (asyncio.Lock(), 0))
        self._chats[chat] = (lock, users + 1)
        try:
            async with lock, self._workers():
                await coroutine
        finally:
            lock, users = self._chats[chat]
            if users == 1:
                del self._chats[chat]
            else:
                self._chats[chat] = (lock, users - 1)

    def _workers(self) -> asyncio.Semaphore:
        if self._work is None:  # created on the running loop
            self._work = asyncio.Semaphore(self.workers)
        return self._work

    async def initialize(self) -> None:
        """Nothing to set up."""

    async def shutdown(self) -> None:
        """Nothing to release."""


@contextlib.asynccontextmanager
async def typing(bot: Bot, chat_id: int) -> AsyncIterator[None]:
    """Show "typing…" in a chat for as long as the block runs, however long that is. A call
    under way when the block ends is given a moment to finish rather than cut off mid-request
    (so "typing…" does not arrive after the answer), but a stalled one never holds it up."""
    done = asyncio.Event()

    async def keep() -> None:
        while not done.is_set():
            with contextlib.suppress(TelegramError):  # a lost "typing" is not worth an error
                await bot.send_chat_action(chat_id, ChatAction.TYPING)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(done.wait(), TYPING_EVERY)

    task = asyncio.create_task(keep())
    try:
        yield
    finally:
        done.set()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(task, TYPING_GRACE)
