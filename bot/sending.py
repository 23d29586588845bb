"""Every Bot API call goes through here: flood limits, and retries where nothing was delivered.

PTB's AIORateLimiter keeps to Telegram's flood limits and waits out RetryAfter. On top of it,
calls that failed for sure (Telegram answered 5xx, the connection could not be made) are
retried with backoff, so a burst of server errors delays an answer instead of losing it. A
timeout *after* the request was sent is not retried: Telegram may have accepted the message,
and it has no idempotency key, so a retry could deliver it twice. (A proxy that answers 502
after Telegram accepted is the one case a retry still duplicates; it cannot be told apart.)
"""

import asyncio
import logging
import time

import httpx
from telegram.error import NetworkError, TimedOut
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

PER_CHAT_GAP = 1.0  # seconds between scheduled messages to one chat (Telegram: about one a second)
RETRIES = 5
BACKOFF = 0.5  # seconds before the first retry, doubled each time: 0.5 + 1 + 2 + 4 + 8


def surely_undelivered(error: NetworkError) -> bool:
    """True when the request cannot have been accepted: a server error or no connection."""
    if isinstance(error, TimedOut):
        return isinstance(error.__cause__, (httpx.ConnectTimeout, httpx.PoolTimeout))
    return type(error) is NetworkError  # not BadRequest (a subclass): that one will not get better


class RetryingRateLimiter(AIORateLimiter):
    """AIORateLimiter that also retries requests that surely failed."""

    async def process_request(self, callback, args, kwargs, endpoint, data, rate_limit_args):
        for attempt in range(RETRIES + 1):
            try:
                return await super().process_request(callback, args, kwargs, endpoint, data, rate_limit_args)
            except NetworkError as error:
                if attempt == RETRIES or not surely_undelivered(error):
                    raise
                delay = BACKOFF * 2**attempt
                log.warning("%s failed (%s); retrying in %.1f s", endpoint, error, delay)
                await asyncio.sleep(delay)
        raise AssertionError("unreachable")


async def pace(last_delivery: dict[int, float], chat_id: int) -> None:
    """Wait until a chat may get its next scheduled message: at most one a second per chat,
    across every job (alerts and digests), on top of the rate limiter's global limits."""
    wait = PER_CHAT_GAP - (time.monotonic() - last_delivery.get(chat_id, -PER_CHAT_GAP))
    if wait > 0:
        await asyncio.sleep(wait)
    last_delivery[chat_id] = time.monotonic()
