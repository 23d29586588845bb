"""Query latency (question in, hits out) on a large index, per retrieval method.

Usage: python benchmarks/latency.py --index DIR [--queries FILE] [--k 5]

Build DIR first, e.g. the SciFact corpus (about 10,000 chunks):
    verbatim eval beir ../shared/eval/scifact --keep /tmp/scifact-index
Queries default to SciFact's; each is asked once per method after a warm-up.
"""

import argparse
import json
import statistics
import time
from pathlib import Path

from index import Library

DEFAULT_QUERIES = Path(__file__).resolve().parents[2] / "shared/eval/scifact/queries.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True)
    parser.add_argument("--queries", type=Path, default=DEFAULT_QUERIES)
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--limit", type=int, default=300)
    args = parser.parse_args()
    questions = [json.loads(line)["text"] for line in args.queries.read_text().splitlines()][: args.limit]
    library = Library(args.index, create=False)
    library.search("warm up the model and load the indexes", args.k)
    print(f"{len(library.vectors())} chunks, {len(questions)} questions, k={args.k}")
    print("| method | median ms | p90 ms |")
    print("|---|---|---|")
    for method in ("hybrid", "fused", "dense", "bm25"):
        times = []
        for question in questions:
            started = time.perf_counter()
            library.rank(question, args.k, method)
            times.append(1000 * (time.perf_counter() - started))
        print(f"| {method} | {statistics.median(times):.1f} | {statistics.quantiles(times, n=10)[-1]:.1f} |")


if __name__ == "__main__":
    main()
