"""Chunk size and title prepending, measured on the tuning half of XQuAD (fused ranking).

Usage: python benchmarks/chunking.py [--file ../shared/eval/xquad_en/xquad.en.json]
"""

import argparse
import tempfile
import time
from pathlib import Path

import index.sources.indexing
from index import Library, evaluate, load_squad

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "shared/eval/xquad_en/xquad.en.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    args = parser.parse_args()
    documents, questions = load_squad(args.file)
    questions = questions[::2]
    with_title = index.sources.indexing.embed_input
    print("| chunk tokens | title prepended | chunks | chunks/s | Recall@1 | MRR@10 |")
    print("|---|---|---|---|---|---|")
    for tokens in (96, 128, 192, 254):
        for title in (True, False):
            index.sources.indexing.embed_input = with_title if title else (lambda _title, text: text)
            with tempfile.TemporaryDirectory() as directory:
                library = Library(directory, chunk_tokens=tokens)
                started = time.perf_counter()
                library.add(documents, summaries=False)
                rate = library.chunk_total() / (time.perf_counter() - started)
                report = evaluate(library, questions, 10, "fused")
                print(f"| {tokens} | {'yes' if title else 'no'} | {library.chunk_total()} | {rate:.0f} "
                      f"| {report.recall(1):.3f} | {report.mrr():.3f} |", flush=True)


if __name__ == "__main__":
    main()
