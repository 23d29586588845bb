"""How long matching a new document against many topic subscriptions takes (real model).

Usage: python benchmarks/alerts.py [--topics 1000]

Prints the time for one batched call (what the bot does) and for one call per topic (what it did
before), on the same new document.
"""

import argparse
import tempfile
import time

from index import Library, SourceText

ARTICLE = ("NATO leaders meeting in Washington called China a decisive enabler of Russia's war against "
           "Ukraine. The alliance welcomed Sweden as its 32nd member. Leaders agreed to strengthen air "
           "defences and to keep supporting Ukraine. The declaration also raised concern about cyber "
           "attacks and disinformation.")
WORDS = ("nato china russia ukraine sweden summit air defence cyber attacks election budget football "
         "weather climate energy prices inflation vaccine hospital school tax court").split()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--topics", type=int, default=1000)
    args = parser.parse_args()
    topics = [f"{WORDS[i % len(WORDS)]} {WORDS[(i * 7 + 3) % len(WORDS)]} {i}" for i in range(args.topics)]
    with tempfile.TemporaryDirectory() as directory:
        library = Library(directory)
        library.embedder.embed(["warm up"])
        doc_id = library.add([SourceText("https://news.example/nato", "NATO summit", ARTICLE)]).documents[0]
        started = time.perf_counter()
        batched = library.matches_many(topics, [doc_id])
        batched_s = time.perf_counter() - started
        started = time.perf_counter()
        one_by_one = [library.matches_many([topic], [doc_id])[0] for topic in topics[:100]]
        single_s = (time.perf_counter() - started) * len(topics) / 100
        assert [bool(h) for h in batched[:100]] == [bool(h) for h in one_by_one]
    print(f"{args.topics} topics against one new document: batched {batched_s:.2f} s; "
          f"one call per topic ~{single_s:.2f} s (measured on 100, scaled); "
          f"{sum(bool(h) for h in batched)} topics matched")


if __name__ == "__main__":
    main()
