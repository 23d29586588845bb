"""Is a 502 from Telegram "surely not delivered"? Alerts lost and doubled under each answer.

    python benchmarks/ambiguous_502.py [--subscribers 20]

The real Application sends one alert to each of `--subscribers` chats against the fake Bot API
from tests/, which answers one send in five with 502 Bad Gateway, either *before* doing it (the
gateway could not reach Telegram) or *after* (Telegram accepted the message, the answer was lost
on the way back). Two policies: a 502 is retried (Verbatim's, as for 500), or a 502 counts as
possibly delivered (not retried, like a timeout after the request went out).
"""

import argparse
import asyncio
import dataclasses
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import sending  # noqa: E402
from bot.config import Settings  # noqa: E402
from index import Library, SourceText  # noqa: E402
from tests.conftest import HASH_MODEL, HASH_THRESHOLD, bot_running  # noqa: E402
from tests.fakes.bot_api import FakeBotAPI  # noqa: E402

OTTERS = "Sea otters hold hands while they sleep so that they do not drift apart."


async def run(subscribers: int, after_doing: bool, folder: Path) -> tuple[int, int]:
    library = Library(folder / "index", model=HASH_MODEL, threshold=HASH_THRESHOLD)
    library.add([SourceText("notes://bees", "Bees", "Bees dance to tell other bees where the flowers are.")])
    settings = dataclasses.replace(Settings.from_mapping({
        "TELEGRAM_BOT_TOKEN": "123456:TEST-token", "VERBATIM_MODEL": HASH_MODEL, "VERBATIM_READER": "off",
        "VERBATIM_THRESHOLD": str(HASH_THRESHOLD)}), index_dir=folder / "index", watch_interval=0.3)
    api = FakeBotAPI()
    api.start()
    try:
        async with bot_running(settings, library, api) as app:
            for chat in range(1, subscribers + 1):
                app.bot_data.subscriptions.add_topic(chat, "otters holding hands", library.generation)
            for _ in range(subscribers // 5):
                api.fail_next("sendMessage", 502, "Bad Gateway", skip=4, after_doing=after_doing)
            library.add([SourceText("notes://otters", "Otters", OTTERS)])
            for _ in range(300):  # until every chat has its alert and the retries are over
                await asyncio.sleep(0.2)
                got = Counter(int(p["chat_id"]) for p in api.delivered())
                if len(got) == subscribers and not api.failures:
                    break
            await asyncio.sleep(2)
    finally:
        api.stop()
        library.close()
    got = Counter(int(p["chat_id"]) for p in api.delivered() if p["text"].startswith("New on"))
    return subscribers - len(got), sum(n - 1 for n in got.values())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--subscribers", type=int, default=20)
    args = parser.parse_args()
    retried = sending.surely_undelivered
    policies = {"502 retried (Verbatim)": retried,
                "502 counted as delivered": lambda error: "Bad Gateway" not in str(error) and retried(error)}
    print(f"{args.subscribers} chats, one alert each, 1 send in 5 answered 502\n")
    print("| policy | 502 before Telegram has it: lost / doubled | 502 after: lost / doubled |\n|---|---|---|")
    for name, policy in policies.items():
        sending.surely_undelivered = policy
        cells = []
        for after_doing in (False, True):
            with tempfile.TemporaryDirectory() as folder:
                lost, doubled = asyncio.run(run(args.subscribers, after_doing, Path(folder)))
            cells.append(f"{lost} / {doubled}")
        print(f"| {name} | {cells[0]} | {cells[1]} |")
    sending.surely_undelivered = retried


if __name__ == "__main__":
    main()
