"""Every Bot API call goes through here: flood limits, and retries where nothing was delivered.

PTB's AIORateLimiter keeps to Telegram's flood limits and waits out RetryAfter. On top of it,
calls that failed for sure (Telegram answered 5xx, the connection could not be made) are
retried with backoff, so a burst of server errors delays an answer instead of losing it. A
timeout or a dropped connection *after* the request was sent is not retried: Telegram may have
accepted the message, and it has no idempotency key, so a retry could deliver it twice. (A proxy that answers 502
after Telegram accepted is the one case a retry still duplicates; it cannot be told apart.)
"""

import asyncio
import logging
import time

import httpx
from telegram.error import BadRequest, NetworkError, TimedOut
from telegram.ext import AIORateLimiter

log = logging.getLogger(__name__)

PER_CHAT_GAP = 1.0  # seconds between scheduled messages to one chat (Telegram: about one a second)
RETRIES = 5  # for 5xx and failed connects; RetryAfter (429) is waited out as often too
BACKOFF = 0.5  # seconds before the first retry, doubled each time: 0.5 + 1 + 2 + 4 + 8


_NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


def surely_undelivered(error: NetworkError) -> bool:
    """True when the request cannot have been accepted: the server answered with an error, or
    no connection was made. A timeout or a dropped connection after sending is not: Telegram
    may have the message."""
    if isinstance(error, TimedOut):
        return isinstance(error.__cause__, _NOT_SENT)
    if type(error) is not NetworkError:  # BadRequest (a subclass) will not get better
        return False
    return error.__cause__ is None or isinstance(error.__cause__, _NOT_SENT)  # None: a 5xx answer


def possibly_delivered(error: Exception) -> bool:
    """True for a failure after which Telegram may well have the message (so: no resend, no apology)."""
    return isinstance(error, NetworkError) and not isinstance(error, BadRequest) and not surely_undelivered(error)


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
