"""Settings from the environment and `.env`: the only place that reads them."""

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from dotenv import dotenv_values

from index import DEFAULT_CHUNK_TOKENS, DEFAULT_MODEL, RUNTIMES, Location, default_threshold


DELIVERIES = ("at-least-once", "at-most-once")


class SettingsError(ValueError):
    """A setting has a value Verbatim cannot use; the message names the setting."""


class StartupError(Exception):
    """The bot cannot start (bad token, unreachable Bot API); the message names the fix."""


@dataclass(frozen=True)
class Settings:
    """Everything configurable, with defaults a new user can run with."""

    telegram_bot_token: str | None = field(default=None, repr=False)
    api_base_url: str = "https://api.telegram.org/bot"
    file_base_url: str = "https://api.telegram.org/file/bot"
    index_dir: Path = Path("data/index")
    milvus_uri: str | None = None  # the index in Milvus (docs/operating.md, "Past one machine"); unset: in index_dir
    milvus_token: str | None = field(default=None, repr=False)
    model: str = DEFAULT_MODEL
    admin_ids: frozenset[int] = frozenset()
    allowed_ids: frozenset[int] = frozenset()  # users and chats that may use the bot; empty: anyone
    shared_chats: frozenset[int] = frozenset()  # chats (and users, inline) that read the shared collection; empty: all
    group_collections: bool = True  # a group's administrators add documents to the group's own collection
    private_collections: bool = False  # a user's files in a private chat go to their own collection
    threshold: float = field(default_factory=default_threshold)
    chunk_tokens: int = DEFAULT_CHUNK_TOKENS
    rerank: bool = True
    reader: bool = True
    runtime: str = "onnx"
    quotes_per_message: int = 3
    max_results: int = 9
    max_question_chars: int = 1000
    thread_minutes: float = 5.0  # a private chat's question that cannot stand alone follows the last one this recent
    max_subscriptions: int = 25  # per chat
    delivery: str = "at-least-once"  # after a crash mid-send: send again, or count it as delivered
    log_level: str | None = None  # unset: INFO for the bot, WARNING for console commands
    watch_interval: float = 30.0
    feed_interval: float = 900.0
    max_upload_mb: int = 20
    upload_types: frozenset[str] = frozenset({".txt", ".md", ".html", ".htm", ".pdf", ".png", ".jpg", ".jpeg",
                                              ".webp"})  # pictures are read by OCR (the `ocr` extra)
    allow_private_hosts: frozenset[str] = frozenset()
    cache_dir: Path = Path.home() / ".cache" / "verbatim"  # exported models (XDG_CACHE_HOME/verbatim)

    def location(self, index_dir: Path | None = None) -> Location:
        """Where the index is: `index_dir` (or VERBATIM_INDEX_DIR), or the engine at
        VERBATIM_MILVUS_URI with this machine's own state in that directory."""
        return Location(index_dir or self.index_dir, self.milvus_uri, self.milvus_token)

    def allows(self, chat_id: int | None) -> bool:
        """True when a chat may receive document text: the allow-list is off, or the chat itself
        is on it (a private chat's id is its user's; admins' private chats always are). An
        allowed user does not open a group: the group's own id must be listed."""
        return not self.allowed_ids or chat_id in self.allowed_ids | self.admin_ids

    def reads_shared(self, chat_id: int) -> bool:
        """True when a chat (or, inline, a user) reads the shared collection: VERBATIM_SHARED_CHATS
        is empty (every chat does, as before collections) or lists it; admins always do."""
        return not self.shared_chats or chat_id in self.shared_chats | self.admin_ids

    @classmethod
    def from_mapping(cls, env: Mapping[str, str]) -> "Settings":
        """Build settings from a plain mapping of variable names to strings."""
        get = lambda name: (env.get(name) or "").strip() or None  # noqa: E731
        defaults = cls()
        return cls(
            telegram_bot_token=get("TELEGRAM_BOT_TOKEN"),
            api_base_url=get("TELEGRAM_API_BASE_URL") or defaults.api_base_url,
            file_base_url=get("TELEGRAM_FILE_BASE_URL") or defaults.file_base_url,
            index_dir=Path(get("VERBATIM_INDEX_DIR") or defaults.index_dir).expanduser(),
            milvus_uri=get("VERBATIM_MILVUS_URI"),
            milvus_token=get("VERBATIM_MILVUS_TOKEN"),
            model=get("VERBATIM_MODEL") or defaults.model,
            admin_ids=_ids(get("VERBATIM_ADMIN_IDS"), "VERBATIM_ADMIN_IDS"),
            allowed_ids=_ids(get("VERBATIM_ALLOWED_IDS"), "VERBATIM_ALLOWED_IDS"),
            shared_chats=_ids(get("VERBATIM_SHARED_CHATS"), "VERBATIM_SHARED_CHATS"),
            group_collections=_flag(get("VERBATIM_GROUP_COLLECTIONS"), "VERBATIM_GROUP_COLLECTIONS",
                                    defaults.group_collections),
            private_collections=_flag(get("VERBATIM_PRIVATE_COLLECTIONS"), "VERBATIM_PRIVATE_COLLECTIONS",
                                      defaults.private_collections),
            # The "not found" cut fitted for the model's own signals (index/ranking/confidence.py).
            threshold=_number(env, "VERBATIM_THRESHOLD", default_threshold(get("VERBATIM_MODEL") or defaults.model),
                              float),
            chunk_tokens=_number(env, "VERBATIM_CHUNK_TOKENS", defaults.chunk_tokens, int),
            rerank=_flag(get("VERBATIM_RERANK"), "VERBATIM_RERANK", defaults.rerank),
            reader=_flag(get("VERBATIM_READER"), "VERBATIM_READER", defaults.reader),
            runtime=_choice(get("VERBATIM_RUNTIME"), "VERBATIM_RUNTIME", RUNTIMES) or defaults.runtime,
            quotes_per_message=_number(env, "VERBATIM_QUOTES_PER_MESSAGE", 3, int),
            max_results=_number(env, "VERBATIM_MAX_RESULTS", defaults.max_results, int),
            max_question_chars=_number(env, "VERBATIM_MAX_QUESTION_CHARS", 1000, int),
            thread_minutes=_number(env, "VERBATIM_THREAD_MINUTES", defaults.thread_minutes, float),
            max_subscriptions=_number(env, "VERBATIM_MAX_SUBSCRIPTIONS", defaults.max_subscriptions, int),
            delivery=_choice(get("VERBATIM_DELIVERY"), "VERBATIM_DELIVERY", DELIVERIES) or defaults.delivery,
            log_level=(get("VERBATIM_LOG_LEVEL") or "").upper() or None,
            watch_interval=_number(env, "VERBATIM_WATCH_INTERVAL", defaults.watch_interval, float),
            feed_interval=_number(env, "VERBATIM_FEED_INTERVAL", defaults.feed_interval, float),
            max_upload_mb=_number(env, "VERBATIM_MAX_UPLOAD_MB", defaults.max_upload_mb, int),
            upload_types=_suffixes(get("VERBATIM_UPLOAD_TYPES")) or defaults.upload_types,
            allow_private_hosts=frozenset(h.strip().lower() for h in (get("VERBATIM_ALLOW_PRIVATE_HOSTS") or "")
                                          .split(",") if h.strip()),
            cache_dir=Path(get("XDG_CACHE_HOME") or Path.home() / ".cache").expanduser() / "verbatim",
        )

    @classmethod
    def load(cls, env_file: Path | str = ".env") -> "Settings":
        """Read `.env` (if present), letting real environment variables win."""
        values = {k: v for k, v in dotenv_values(env_file).items() if v is not None}
        return cls.from_mapping({**values, **os.environ})


def _ids(raw: str | None, name: str) -> frozenset[int]:
    if not raw:
        return frozenset()
    try:
        return frozenset(int(part) for part in raw.replace(" ", "").split(",") if part)
    except ValueError:
        raise SettingsError(
            f"{name} must be numeric Telegram user or chat ids separated by commas, not {raw!r}"
        ) from None


def _flag(raw: str | None, name: str, default: bool) -> bool:
    if raw is None:
        return default
    if raw.lower() in {"1", "on", "true", "yes"}:
        return True
    if raw.lower() in {"0", "off", "false", "no"}:
        return False
    raise SettingsError(f"{name} must be on or off, not {raw!r}")


def _choice(raw: str | None, name: str, choices: tuple[str, ...]) -> str | None:
    if raw is not None and raw.lower() not in choices:
        raise SettingsError(f"{name} must be one of {', '.join(choices)}, not {raw!r}")
    return raw.lower() if raw else None


def _suffixes(raw: str | None) -> frozenset[str]:
    if not raw:
        return frozenset()
    return frozenset("." + part.strip().lstrip(".").lower() for part in raw.split(",") if part.strip())


def _number(env: Mapping[str, str], name: str, default, kind):
    raw = (env.get(name) or "").strip()
    if not raw:
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a {kind.__name__}, not {raw!r}") from None
    if value < 0:
        raise SettingsError(f"{name} must not be negative")
    return value
