"""The connection to Milvus: opened once, and back after an outage without a restart.

When a Milvus server restarts, the client's gRPC channel reconnects by itself, but every
collection comes back *released*: each search answers "call load() before search" until
something loads it again. So every call goes through `Guarded`: an outage (no connection, a
collection not loaded) becomes `IndexUnavailable`, which the bot tells users in a short line,
and the next call after a backoff loads the collections again before it is made.
"""

import logging
import threading
import time

from ...credentials import hidden
from ...errors import IndexUnavailable, VerbatimError

log = logging.getLogger(__name__)

# Seconds before each new attempt to reload while Milvus is down: the first at once (a server
# that restarted between two questions only needs its collections loaded), then backing off.
BACKOFF = (0.0, 1.0, 2.0, 4.0, 8.0)
# What Milvus says while it is down or just back: no connection, or a collection not loaded.
OUTAGE_CODES = {2, 101}  # CONNECT_FAILED, CollectionNotLoaded
OUTAGE_WORDS = ("released", "not loaded", "unavailable", "fail connecting", "connection refused", "deadline")


class MilvusUnavailable(VerbatimError):
    """pymilvus is not installed, or the Milvus URI cannot be reached."""


def connect(uri: str, token: str | None = None):
    """A client for a Lite file (`path.db`), a server or a cluster (`http://host:19530`)."""
    try:
        from pymilvus import MilvusClient
    except ImportError:
        raise MilvusUnavailable("VERBATIM_MILVUS_URI is set but pymilvus is not installed: "
                                "pip install 'verbatim[milvus]'") from None
    _adopt_logging()
    try:
        return MilvusClient(uri=uri, token=token or "")
    except Exception as error:  # pymilvus raises its own and gRPC's errors
        raise MilvusUnavailable(f"Cannot open Milvus at {hidden(uri)}: {hidden(str(error))}") from None


def _adopt_logging() -> None:
    """Send pymilvus's records through the application's handlers (and so through the filter
    that keeps VERBATIM_MILVUS_TOKEN out of the log) instead of the handler pymilvus installs
    for itself on import. Its errors all become exceptions here, so only DEBUG shows them."""
    for name in ("pymilvus", "pymilvus.milvus_client", "pymilvus.bulk_writer"):
        logger = logging.getLogger(name)
        logger.handlers.clear()
        logger.propagate = True
    debugging = logging.getLogger().getEffectiveLevel() <= logging.DEBUG
    logging.getLogger("milvus_lite").setLevel(max(logging.getLogger().level, logging.WARNING))
    logging.getLogger("pymilvus").setLevel(logging.DEBUG if debugging else logging.CRITICAL)
    logging.getLogger("pymilvus.milvus_client").setLevel(logging.NOTSET)


def is_outage(error: BaseException) -> bool:
    """True for an error that says Milvus is down or has just come back, not a bad request."""
    import grpc
    from pymilvus.exceptions import MilvusException

    if isinstance(error, grpc.RpcError):
        return True
    if not isinstance(error, MilvusException):
        return False
    message = str(getattr(error, "message", "") or error).lower()
    return error.code in OUTAGE_CODES or any(word in message for word in OUTAGE_WORDS)


class Guarded:
    """A MilvusClient whose calls raise IndexUnavailable during an outage and reload the
    collections (`names`) once it is over."""

    def __init__(self, client, uri: str, names: list[str]) -> None:
        self._client, self._uri, self._names = client, hidden(uri), names  # _uri: for messages
        self._lock = threading.RLock()  # _recover notes a failed reload while it holds it
        self._failures = 0  # consecutive failed attempts; 0 while Milvus answers
        self._retry_at = 0.0

    def __getattr__(self, name: str):
        method = getattr(self._client, name)
        if not callable(method) or name == "close":  # closing needs no collection loaded
            return method

        def call(*args, **kwargs):
            for attempt in (1, 2):
                self._recover()
                try:
                    return method(*args, **kwargs)
                except Exception as error:
                    if not is_outage(error):
                        raise
                    self._down(error)
                    if attempt == 2 or self._failures > 1:
                        raise self._unavailable(error) from None

        return call

    def _recover(self) -> None:
        """After an outage, reload the collections first (not more often than the backoff)."""
        if not self._failures:
            return
        with self._lock:
            if not self._failures:
                return  # another thread brought it back
            if time.monotonic() < self._retry_at:
                raise IndexUnavailable(f"The index in Milvus at {self._uri} is unavailable; "
                                       f"trying again in {self._retry_at - time.monotonic():.0f} s")
            try:
                for name in self._names:
                    if self._client.has_collection(name):
                        self._client.load_collection(name)
            except Exception as error:
                if not is_outage(error):
                    raise
                self._down(error)
                raise self._unavailable(error) from None
            log.warning("Milvus at %s answers again; collections reloaded", self._uri)
            self._failures = 0

    def _unavailable(self, error: BaseException) -> IndexUnavailable:
        return IndexUnavailable(f"The index in Milvus at {self._uri} is unavailable ({_short(error)})")

    def _down(self, error: BaseException) -> None:
        with self._lock:
            if not self._failures:
                log.warning("Milvus at %s is unavailable (%s); retrying with backoff", self._uri, _short(error))
            self._retry_at = time.monotonic() + BACKOFF[min(self._failures, len(BACKOFF) - 1)]
            self._failures += 1


def _short(error: BaseException) -> str:
    text = str(getattr(error, "message", "") or error).strip()
    return hidden(text.splitlines()[0][:200]) if text else type(error).__name__
