"""Query latency (question in, hits out) on a large index, per retrieval method, idle and busy.

Usage: python benchmarks/latency.py --index DIR [--queries FILE] [--k 5] [--busy N] [--reader]

Build DIR first, e.g. the SciFact corpus (about 22,000 chunks):
    verbatim eval beir ../shared/eval/scifact --keep /tmp/scifact-index
Queries default to SciFact's; each is asked once per method after a warm-up. `--busy N` runs the
same questions again while N other processes keep a core busy each (another program on the
machine), and prints both. `--reader` adds the reader (VERBATIM_READER=on, the default in `serve`).
"""

import argparse
import json
import multiprocessing
import statistics
import time
from pathlib import Path

from index import Library

DEFAULT_QUERIES = Path(__file__).resolve().parents[2] / "shared/eval/scifact/queries.jsonl"


def spin(stop) -> None:
    """Keep one core busy until told to stop."""
    while not stop.is_set():
        sum(i * i for i in range(10_000))


def measure(library: Library, questions: list[str], k: int, label: str) -> None:
    for method in ("hybrid", "fused", "dense", "bm25"):
        times = []
        for question in questions:
            started = time.perf_counter()
            library.rank(question, k, method)
            times.append(1000 * (time.perf_counter() - started))
        quantiles = statistics.quantiles(times, n=20)
        print(f"| {label} | {method} | {statistics.median(times):.1f} | {quantiles[-1]:.1f} |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--limit", type=int, default=300)
    parser.add_argument("--busy", type=int, default=0, help="also measure with N busy processes")
    parser.add_argument("--reader", action="store_true", help="read the top sentences with the reader")
    args = parser.parse_args()
    questions = [json.loads(line)["text"] for line in args.queries.read_text().splitlines()][: args.limit]
    library = Library(args.index, create=False, reader=args.reader)
    library.search("warm up the model and load the indexes", args.k)
    print(f"{library.chunk_total()} chunks, {len(questions)} questions, k={args.k}, reader {args.reader}")
    print("| machine | method | median ms | p95 ms |")
    print("|---|---|---|---|")
    measure(library, questions, args.k, "idle")
    if args.busy:
        stop = multiprocessing.Event()
        workers = [multiprocessing.Process(target=spin, args=(stop,)) for _ in range(args.busy)]
        for worker in workers:
            worker.start()
        try:
            measure(library, questions, args.k, f"{args.busy} busy processes")
        finally:
            stop.set()
            for worker in workers:
                worker.join()


if __name__ == "__main__":
    main()
