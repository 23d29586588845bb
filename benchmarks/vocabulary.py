"""Is a word in any document? The lexical index's vocabulary read (`LexicalSearch.known`), timed
against a BM25 search of the word alone (what answered it before), on the embedded backend.

Usage: python benchmarks/vocabulary.py [--chunks 1000000]

Chunks are SciFact sentences (../shared/eval/scifact) drawn at random, three a chunk; words
asked: 200 drawn from the chunks (rare and common alike) and 200 that no chunk has. Printed: build
time, then per word the median and 99th percentile of each read, in microseconds.
"""

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from index.storage.embedded.bm25 import LexicalIndex  # noqa: E402
from index.text.chunking import split_sentences  # noqa: E402

SCIFACT = Path(__file__).resolve().parents[2] / "shared/eval/scifact"


def timed(read, words: list[str]) -> tuple[float, float]:
    took = []
    for word in words:
        started = time.perf_counter()
        read(word)
        took.append((time.perf_counter() - started) * 1e6)
    took.sort()
    return statistics.median(took), took[int(len(took) * 0.99) - 1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=1_000_000)
    args = parser.parse_args()
    rows = [json.loads(line) for line in (SCIFACT / "corpus.jsonl").read_text().splitlines()]
    pool = [r["text"][a:b] for r in rows for a, b in split_sentences(r["text"])]
    rng = random.Random(0)
    texts = [" ".join(rng.sample(pool, 3)) for _ in range(args.chunks)]
    started = time.perf_counter()
    index = LexicalIndex.build(np.arange(1, args.chunks + 1), texts, ["en"] * args.chunks)
    print(f"{args.chunks} chunks indexed in {time.perf_counter() - started:.0f}s")
    had = rng.sample(sorted({w for text in texts[:2000] for w in text.split() if w.isalpha()}), 200)
    absent = [f"zq{rng.randrange(10**6)}x" for _ in range(200)]
    words = had + absent
    assert index.known(had, "en") == set(had) and not index.known(absent, "en")
    print("| read | p50 µs | p99 µs |\n|---|---|---|")
    print("| vocabulary (`known`) | %.0f | %.0f |" % timed(lambda w: index.known([w], "en"), words))
    print("| BM25 search of the word | %.0f | %.0f |" % timed(lambda w: index.scored(w, 1), words))


if __name__ == "__main__":
    main()
