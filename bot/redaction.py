"""Keep the bot token and URLs' credentials out of every log line: one filter on the handlers
that write the log.

The token shows up where nobody expects it: Bot API URLs (httpx at DEBUG, a failed file
download's error), PTB's `InvalidToken` message, tracebacks. Redacting at the handler sees every
logger's records, including third-party ones, after their arguments are merged.
"""

import logging
import re

from index import hidden

# Telegram tokens look like 123456789:AAH…(35 characters); anything of that shape is hidden too.
TOKEN_SHAPE = re.compile(r"(?<!\d)\d{5,}:[A-Za-z0-9_-]{30,}(?![A-Za-z0-9_-])")
HIDDEN = "[token]"


class RedactToken(logging.Filter):
    """Replace the token (and token-shaped strings) in a record's message and traceback."""

    def __init__(self, token: str | None, *secrets: str | None) -> None:
        super().__init__()
        self.secrets = [s for s in (token, *secrets) if s]  # e.g. VERBATIM_MILVUS_TOKEN too

    def redact(self, text: str) -> str:
        """Return `text` with the token (and the other secrets) hidden, and the credentials of
        every URL in it (a Milvus URI's password, a feed's ?token=) masked."""
        for secret in self.secrets:
            text = text.replace(secret, HIDDEN)
        return hidden(TOKEN_SHAPE.sub(HIDDEN, text))

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        record.msg, record.args = self.redact(message), ()
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = self.redact(record.exc_text)
        if record.stack_info:
            record.stack_info = self.redact(record.stack_info)
        return True


def install(token: str | None, *secrets: str | None) -> RedactToken:
    """Put the filter on every handler of the root logger (call after logging is configured)."""
    redactor = RedactToken(token, *secrets)
    for handler in logging.getLogger().handlers:
        for old in [f for f in handler.filters if isinstance(f, RedactToken)]:
            handler.removeFilter(old)
        handler.addFilter(redactor)
    return redactor
