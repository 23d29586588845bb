"""Every setting's name, default and meaning, in one place: `.env.example` and the documentation's
settings table (docs/settings.md) are written from this list (`python -m bot.variables`), and a test
fails when either, or `bot/config.py` (which parses them), disagrees with it."""

import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


@dataclass(frozen=True)
class Variable:
    """One environment variable: `default` as written in `.env` ("" when unset means something)."""

    name: str
    default: str
    help: str  # what it does, for an operator; the first sentence is the table's summary


@dataclass(frozen=True)
class Section:
    title: str
    variables: tuple[Variable, ...]


V = Variable
SECTIONS = (
    Section("Telegram", (
        V("TELEGRAM_BOT_TOKEN", "", "Telegram bot token from @BotFather. Without it, `make run` opens the console "
          "chat instead. Never logged."),
        V("TELEGRAM_API_BASE_URL", "https://api.telegram.org/bot", "Bot API base URL; change it to use a local Bot "
          "API server (e.g. http://localhost:8081/bot)."),
        V("TELEGRAM_FILE_BASE_URL", "https://api.telegram.org/file/bot", "Base URL for downloading files sent to "
          "the bot (local Bot API server: http://localhost:8081/file/bot)."),
    )),
    Section("Who may do what", (
        V("VERBATIM_ADMIN_IDS", "", "Telegram user ids (comma separated) allowed to add documents through the "
          "bot to the shared collection, and to remove them."),
        V("VERBATIM_ALLOWED_IDS", "", "Telegram user and chat ids (comma separated; group ids are negative) that "
          "may use the bot. Empty: anyone who finds the bot can ask, and read every shared document (it says so "
          "at start-up)."),
        V("VERBATIM_GROUP_COLLECTIONS", "on", "A group's administrators may send files (or /ingest URL) in the "
          "group: they go to the group's own collection, read there alone. Off: only VERBATIM_ADMIN_IDS add "
          "documents."),
        V("VERBATIM_PRIVATE_COLLECTIONS", "off", "A user's files sent in a private chat go to their own "
          "collection, read by them alone."),
        V("VERBATIM_SHARED_CHATS", "", "Chat and user ids that read the shared collection (the operator's "
          "documents: ingest, feeds, admins' files). Empty: every allowed chat reads it, as well as its own."),
    )),
    Section("Where the index lives", (
        V("VERBATIM_INDEX_DIR", "data/index", "Where the index lives (SQLite + FAISS files; with "
          "VERBATIM_MILVUS_URI only this machine's own state: subscriptions and followed feeds). Every CLI "
          "command also takes --index DIR."),
        V("VERBATIM_MILVUS_URI", "", "The index in Milvus instead of VERBATIM_INDEX_DIR: a Milvus Lite file "
          "(data/milvus.db, one process at a time) or a server (http://milvus:19530), shared by every machine "
          "that ingests or serves. Needs `pip install 'verbatim[milvus]'`. Copy an index across with "
          "`verbatim migrate --to URI`."),
        V("VERBATIM_MILVUS_TOKEN", "", "Token for a Milvus server with authentication (\"user:password\" or an "
          "API key). Never logged."),
    )),
    Section("Answers", (
        V("VERBATIM_MODEL", "all-MiniLM-L6-v2", "Embedding model: a packaged model name or a local "
          "sentence-transformers folder. An index remembers its model; changing it needs a new index "
          "directory. For documents or questions in other languages: multilingual-e5-small (the `multilingual` "
          "extra; slower to ingest; its own \"not found\" threshold)."),
        V("VERBATIM_RUNTIME", "onnx", "How the packaged model and the reader run: onnx (onnxruntime, exported "
          "once by `make install` into ~/.cache/verbatim), onnx-int8 (int8 weights, a little faster) or torch "
          "(sentence-transformers)."),
        V("VERBATIM_THRESHOLD", "", "Confidence (0..1) below which a passage counts as \"not found\". Empty: the "
          "fitted default of the model, which holds from one document to many."),
        V("VERBATIM_RERANK", "on", "Rerank the top passages by their best sentence (on/off). Off: faster, and "
          "the bold sentence is chosen by shared words only."),
        V("VERBATIM_READER", "on", "The reader (on/off): a small cross-encoder trained for Verbatim that reads "
          "the top passages' sentences to pick the answering one and to judge \"not found\". Off: faster."),
        V("VERBATIM_CHUNK_TOKENS", "128", "Largest chunk, in model tokens. Changing it re-chunks documents at "
          "the next ingest."),
        V("VERBATIM_QUOTES_PER_MESSAGE", "3", "Quotes per Telegram message."),
        V("VERBATIM_MAX_RESULTS", "9", "How many results the More button can page through."),
        V("VERBATIM_MAX_QUESTION_CHARS", "1000", "Longer questions get a polite hint instead of an answer."),
        V("VERBATIM_THREAD_MINUTES", "5", "In a private chat, a question that cannot stand alone (\"Why?\", \"And "
          "what about Russia?\") follows the last one asked this many minutes ago or less; 0: only replies carry "
          "a thread."),
    )),
    Section("Subscriptions and deliveries", (
        V("VERBATIM_MAX_SUBSCRIPTIONS", "25", "Most subscriptions (digests and topic alerts) one chat may have."),
        V("VERBATIM_DELIVERY", "at-least-once", "If the bot is killed while it sends an alert or digest, nobody "
          "knows whether Telegram got it. at-least-once: send it again at the next start (it may arrive twice); "
          "at-most-once: count it as delivered (it may be lost)."),
        V("VERBATIM_WATCH_INTERVAL", "30", "Seconds between checks for new documents (from any process) to send "
          "topic alerts."),
        V("VERBATIM_FEED_INTERVAL", "900", "Seconds between polls of the RSS/Atom feeds added with "
          "`verbatim feeds add URL`."),
    )),
    Section("Inputs and logs", (
        V("VERBATIM_MAX_UPLOAD_MB", "20", "Largest file, in MB, that may be sent to the bot."),
        V("VERBATIM_UPLOAD_TYPES", ".txt,.md,.html,.htm,.pdf,.png,.jpg,.jpeg,.webp", "File extensions accepted "
          "from the bot's chats (pictures are read by OCR: the `ocr` extra)."),
        V("VERBATIM_ALLOW_PRIVATE_HOSTS", "", "URLs (ingest, /ingest, feeds, and every redirect they take) are "
          "refused when their host resolves to a loopback, private, link-local or metadata address. List hosts "
          "(comma separated) to allow."),
        V("VERBATIM_LOG_LEVEL", "", "DEBUG, INFO, WARNING or ERROR: Verbatim's own log lines (other libraries' "
          "show from WARNING, all at DEBUG). Empty: INFO for the bot (`verbatim serve`), WARNING for console "
          "commands (ingest, ask, chat)."),
    )),
)
VARIABLES = tuple(v for section in SECTIONS for v in section.variables)
ENV_EXAMPLE = ROOT / ".env.example"
TABLE = ROOT / "docs" / "settings.md"


def env_example() -> str:
    """`.env.example`: every variable at its default, its help as a comment above it."""
    lines = ["# Verbatim settings. Copy to .env and fill in; real environment variables win over this file.",
             "# Written by `python -m bot.variables` from bot/variables.py: edit that, not this."]
    for section in SECTIONS:
        lines += ["", f"# --- {section.title} ---"]
        for variable in section.variables:
            lines += [*textwrap.wrap(variable.help, 110, initial_indent="# ", subsequent_indent="# "),
                      f"{variable.name}={variable.default}"]
    return "\n".join(lines) + "\n"


def markdown() -> str:
    """The documentation's settings page."""
    lines = ["# Settings", "",
             "<!-- Written by `python -m bot.variables` from bot/variables.py: edit that, not this page. -->", "",
             "From the environment or `.env` in the working directory (real environment variables win). "
             "`.env.example` lists every one at its default. A value Verbatim cannot use stops it at start-up "
             "with one line naming the setting."]
    for section in SECTIONS:
        lines += ["", f"## {section.title}", "", "| setting | default | what it does |", "|---|---|---|"]
        lines += [f"| `{v.name}` | {f'`{v.default}`' if v.default else '(empty)'} | {v.help.replace('|', '/')} |"
                  for v in section.variables]
    return "\n".join(lines) + "\n"


def main(argv: list[str]) -> int:
    """Write `.env.example` and docs/settings.md; with --check, say whether they are up to date."""
    wanted = {ENV_EXAMPLE: env_example(), TABLE: markdown()}
    stale = [path for path, text in wanted.items() if not path.exists() or path.read_text(encoding="utf-8") != text]
    if "--check" in argv:
        for path in stale:
            print(f"{path.relative_to(ROOT)} is out of date: run python -m bot.variables", file=sys.stderr)
        return 1 if stale else 0
    for path in stale:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(wanted[path], encoding="utf-8")
        print(f"wrote {path.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
