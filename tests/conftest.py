"""Shared fixtures: a deterministic embedder, sample libraries and a running bot."""

import asyncio
import contextlib
import dataclasses
import datetime as dt
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import index
from bot.app import build_app
from bot.config import Settings
from bot.state import utc_now
from tests.fakes.bot_api import FakeBotAPI
from tests.fakes.embedder import NAME as HASH_MODEL
from tests.fakes.embedder import SLOW_NAME, HashEmbedder, SlowHashEmbedder

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
SHARED = ROOT.parent / "shared"
# Bag-of-words cosines run lower than a trained model's; this separates them on the samples.
HASH_THRESHOLD = 0.2

# A script that runs `verbatim` with the tests' hash model, as another process would.
VERBATIM = ("import sys; sys.path.insert(0, %r); import index; from tests.fakes.embedder import HashEmbedder, NAME;"
            " index.register(NAME, HashEmbedder); from bot.cli import main; sys.exit(main(sys.argv[1:]))" % str(ROOT))

index.register(HASH_MODEL, HashEmbedder)
index.register(SLOW_NAME, SlowHashEmbedder)


def shared_path(*parts: str) -> Path:
    """Return a path under ../shared, skipping the test when it is not there."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"{path} is not available")
    return path


BOTH_BACKENDS = pytest.mark.parametrize("backend", ["embedded", "milvus"], indirect=True)


@pytest.fixture
def backend(request) -> str:
    """Where the index lives: "embedded" (the default) or "milvus" (Milvus Lite, a file in the
    test's folder); a module runs on both with `pytestmark = BOTH_BACKENDS`."""
    backend = getattr(request, "param", "embedded")
    if backend == "milvus":
        pytest.importorskip("pymilvus", reason="the milvus extra is not installed")
    return backend


@pytest.fixture
def settings(tmp_path: Path, backend: str) -> Settings:
    milvus = {"VERBATIM_MILVUS_URI": str(tmp_path / "milvus.db")} if backend == "milvus" else {}
    return Settings.from_mapping({
        **milvus,
        "VERBATIM_INDEX_DIR": str(tmp_path / "index"),
        "VERBATIM_MODEL": HASH_MODEL,
        "VERBATIM_THRESHOLD": str(HASH_THRESHOLD),
        "TELEGRAM_BOT_TOKEN": "123456:TEST-token",
        "VERBATIM_WATCH_INTERVAL": "0.3",
        "VERBATIM_FEED_INTERVAL": "3600",
        "VERBATIM_ADMIN_IDS": "7",
        "VERBATIM_ALLOW_PRIVATE_HOSTS": "127.0.0.1",  # the tests' own web server
        "VERBATIM_READER": "off",  # the reader reads real text; the hash model's tests don't need it
    })


@pytest.fixture
def library(settings: Settings, tmp_path: Path) -> index.Library:
    docs = tmp_path / "docs"
    shutil.copytree(SAMPLES, docs)
    lib = index.Library(settings.location(), model=settings.model, threshold=settings.threshold,
                        fetcher=index.Fetcher(allowed_hosts=settings.allow_private_hosts))
    lib.ingest([str(docs)], progress=False)
    yield lib
    lib.close()


def searched(library: index.Library):
    """The dense and lexical search a question would use now (index/storage/base.py's Searching)."""
    with library.storage.searching() as found:
        return found


def start_milvus_server(data: Path, port: int | None = None) -> tuple[subprocess.Popen, str]:
    """Start `milvus-lite server` on 127.0.0.1 (a free port, or `port` to bring one back after
    stopping it); return the process and its URI."""
    if port is None:
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
    server = subprocess.Popen([str(Path(sys.executable).with_name("milvus-lite")), "server", "--data-dir",
                               str(data), "--host", "127.0.0.1", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while True:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return server, f"http://127.0.0.1:{port}"
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError("milvus-lite server did not start") from None
            time.sleep(0.05)


@pytest.fixture
def milvus_server(tmp_path: Path):
    """A `milvus-lite server` that several processes share; yields its URI."""
    pytest.importorskip("pymilvus", reason="the milvus extra is not installed")
    server, uri = start_milvus_server(tmp_path / "milvus-server")
    yield uri
    server.terminate()
    server.wait(10)


@pytest.fixture
def bot_api():
    api = FakeBotAPI()
    api.start()
    yield api
    api.stop()


@contextlib.asynccontextmanager
async def bot_running(settings: Settings, library: index.Library, api: FakeBotAPI, clock=utc_now):
    """Run the real Application with our handlers, polling the fake server over HTTP."""
    settings = dataclasses.replace(settings, api_base_url=api.base_url, file_base_url=api.file_base_url)
    app = build_app(settings, library, clock)
    async with app:
        await app.post_init(app)  # run_polling does this; the tests drive the lifecycle by hand
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        try:
            yield app
        finally:
            await app.updater.stop()
            await app.stop()


@pytest.fixture
async def running_bot(bot_api: FakeBotAPI, settings: Settings, library: index.Library):
    async with bot_running(settings, library, bot_api) as app:
        yield app


class Clock:
    """A clock the test sets by hand: digests fall due when the test says so."""

    def __init__(self, now: dt.datetime) -> None:
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


async def bot_call(api: FakeBotAPI, method: str, predicate=lambda p: True, after: int = 0,
                   timeout: float = 15) -> dict:
    """Wait (without blocking the event loop) until the bot calls `method`."""
    return await asyncio.to_thread(api.wait_for, method, predicate, timeout, after)


async def reply_to(api: FakeBotAPI, text: str, **message) -> dict:
    """Send a message as a user and return the bot's next sendMessage."""
    count = len(api.calls)
    api.message(text, **message)
    return await bot_call(api, "sendMessage", after=count)
