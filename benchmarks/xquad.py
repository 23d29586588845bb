"""Ingest throughput, ask latency, retrieval quality and the "not found" threshold on XQuAD.

Usage: python benchmarks/xquad.py [--file ../shared/eval/xquad_en/xquad.en.json] [--runtime onnx]

Each paragraph becomes a document. The threshold is chosen on the articles with an even index
(tuning half) and reported on the odd ones (report half), so it is not fitted to what it reports.
"""

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from index import DEFAULT_MODEL, RUNTIMES, Library, default_threshold
from index.evaluation.measures import choose_threshold, load_squad, not_found_rates, run

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "shared/eval/xquad_en/xquad.en.json"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--model", default=DEFAULT_MODEL)
    parser.add_argument("--chunk-tokens", type=int, default=128)
    parser.add_argument("--runtime", default="onnx", choices=RUNTIMES)
    args = parser.parse_args()
    documents, questions = load_squad(args.file)
    with tempfile.TemporaryDirectory() as directory:
        library = Library(directory, model=args.model, chunk_tokens=args.chunk_tokens, runtime=args.runtime)
        started = time.perf_counter()
        library.embedder  # model load, timed apart from ingest
        loaded = time.perf_counter()
        report = library.add(documents, progress=True)  # summaries included, as a user ingests
        ingest_seconds = time.perf_counter() - loaded
        chunks = library.chunk_total()
        print(f"model load {loaded - started:.1f}s; ingest {len(documents)} paragraphs -> {chunks} chunks "
              f"in {ingest_seconds:.1f}s = {chunks / ingest_seconds:.1f} chunks/s "
              f"({report.chunks_embedded} embedded)")
        library.search("warm up", 5)

        titles = sorted({d.source.split("/")[0] for d in documents})
        tune_titles = set(titles[::2])
        tune = [q for q in questions if next(iter(q.relevant)).split("/")[0] in tune_titles]
        held = [q for q in questions if q not in tune]
        tune_report, held_report = run(library, tune), run(library, held)

        latencies = [r.seconds * 1000 for r in held_report.results + tune_report.results]
        print(f"ask latency over {len(latencies)} questions: median {statistics.median(latencies):.1f} ms, "
              f"p90 {statistics.quantiles(latencies, n=10)[-1]:.1f} ms")
        threshold = choose_threshold(tune_report, 0.95)
        print(f"threshold chosen on tuning half ({len(tune)} questions): {threshold:.3f}")
        print("| split | questions | Recall@1 | Recall@5 | MRR@10 | answer-sentence acc@1 | answered | 'not found' when removed |")
        print("|---|---|---|---|---|---|---|---|")
        for name, rep in (("tune", tune_report), ("report", held_report)):
            answered, refused = not_found_rates(rep, threshold)
            print(f"| {name} | {len(rep.results)} | {rep.recall(1):.3f} | {rep.recall(5):.3f} | {rep.mrr():.3f} "
                  f"| {rep.answer_accuracy():.3f} | {answered:.3f} | {refused:.3f} |")
        for t in (0.25, 0.3, 0.35, default_threshold(), 0.4, 0.45):
            answered, refused = not_found_rates(held_report, t)
            print(f"  at threshold {t:.2f} on the report half: answers {answered:.3f}, says not found {refused:.3f}")


if __name__ == "__main__":
    main()
