"""Soak the bot with many users and a faulty Telegram; print what was lost, doubled, and how long.

Usage: python benchmarks/soak.py [--users 200] [--model all-MiniLM-L6-v2|test-hash] [--subscribers 20]

The real Application talks HTTP to the fake Bot API from tests/ on 127.0.0.1, which injects
faults while every user asks one question at once: a burst of 5xx answers, 429s with
retry_after, responses lost after the message was delivered, and a slow network. Then a new
document arrives for `--subscribers` chats subscribed to its topic, under the same faults.
"""

import argparse
import asyncio
import dataclasses
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index import Library, SourceText  # noqa: E402
from tests.conftest import SAMPLES, bot_running  # noqa: E402  (registers the test-hash model)
from tests.fakes.bot_api import FakeBotAPI  # noqa: E402
from bot.config import Settings  # noqa: E402

QUESTIONS = ["When did Morse send his message?", "How much honey can a strong colony store?",
             "How do I add documents?", "What did the telegraph change?"]


def inject_faults(api: FakeBotAPI) -> None:
    for code, text in [(502, "Bad Gateway"), (500, "Internal Server Error")] * 3:
        api.fail_next("sendMessage", code, text, skip=5)
    for _ in range(4):
        api.fail_next("sendMessage", 429, "Too Many Requests: retry after 1", skip=20, retry_after=1)
    api.drop["sendMessage"] = 5  # delivered, but the "ok" never comes back
    api.latency["sendMessage"] = 0.02


async def soak(users: int, subscribers: int, library: Library, settings: Settings) -> None:
    api = FakeBotAPI()
    api.start()
    try:
        async with bot_running(settings, library, api) as app:
            inject_faults(api)
            started = {}
            for user in range(1, users + 1):
                started[user] = time.monotonic()
                api.message(QUESTIONS[user % len(QUESTIONS)], chat_id=user, user_id=user)
            deadline = time.monotonic() + 600
            while time.monotonic() < deadline and len({int(p["chat_id"]) for p in api.sent("sendMessage")}) < users:
                await asyncio.sleep(0.2)
            await asyncio.sleep(3)
            answers = [p for p in api.delivered() if "blockquote" in p["text"] or "couldn't find" in p["text"]]
            per_chat = Counter(int(p["chat_id"]) for p in answers)
            first = {}
            for p in answers:
                first.setdefault(int(p["chat_id"]), p["_received"])
            waits = sorted(first[u] - started[u] for u in first)
            sorry = sum("Sorry" in p["text"] for p in api.delivered())
            print(f"{users} users, one question each, faults injected: "
                  f"lost {users - len(per_chat)}, duplicated {sum(n - 1 for n in per_chat.values())}, "
                  f"apologies {sorry}; answer time p50 {statistics.median(waits):.1f} s, "
                  f"p95 {waits[int(0.95 * (len(waits) - 1))]:.1f} s")

            store = app.bot_data.subscriptions
            for chat in range(10_000, 10_000 + subscribers):
                store.add_topic(chat, "otters holding hands", library.generation)
            inject_faults(api)
            count = len(api.calls)
            library.add([SourceText("notes://otters", "Otters", "Sea otters hold hands while they sleep "
                                    "so that they do not drift apart.")])
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                alerts = [int(p["chat_id"]) for n, p in api.calls[count:] if n == "sendMessage"
                          and p["text"].startswith("New on")]
                if len(set(alerts)) >= subscribers:
                    break
                await asyncio.sleep(0.5)
            await asyncio.sleep(3)
            alerts = Counter(int(p["chat_id"]) for n, p in api.calls[count:] if n == "sendMessage"
                             and p["text"].startswith("New on") and p.get("_outcome") in ("ok", "dropped"))
            print(f"{subscribers} topic subscribers, one matching document, faults injected: "
                  f"lost {subscribers - len(alerts)}, duplicated {sum(n - 1 for n in alerts.values())}")
    finally:
        api.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=200)
    parser.add_argument("--subscribers", type=int, default=20)
    parser.add_argument("--model", default="all-MiniLM-L6-v2")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        docs = Path(directory) / "docs"
        shutil.copytree(SAMPLES, docs)
        library = Library(Path(directory) / "index", model=args.model)
        library.ingest([str(docs)], progress=False)
        library.warm()  # loaded before the first question
        settings = dataclasses.replace(
            Settings.from_mapping({"TELEGRAM_BOT_TOKEN": "123456:TEST-token", "VERBATIM_MODEL": args.model}),
            index_dir=Path(directory) / "index", watch_interval=1.0, feed_interval=3600.0)
        asyncio.run(soak(args.users, args.subscribers, library, settings))


if __name__ == "__main__":
    main()
