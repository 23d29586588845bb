"""The packaged model on each runtime: start-up, one question, a batch, and closeness to fp32.

Usage: python benchmarks/runtime.py [--texts N] [--questions N] [--busy N]

Texts are XQuAD's paragraphs (../shared/eval/xquad_en) or, without it, the repository's
samples cut into sentences; questions are XQuAD's. For each runtime it prints the time to
import and load it in a fresh process, the median and p95 of embedding one question (also with
N other processes keeping a core busy each), texts per second in batches, and the cosine of its
vectors to sentence-transformers fp32 (mean and worst) with how often the closest text to a
question stays the same.
"""

import argparse
import json
import multiprocessing
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from benchmarks.latency import spin  # noqa: E402
from index.models.embedding import DEFAULT_MODEL, RUNTIMES, load_embedder  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
XQUAD = ROOT.parent / "shared/eval/xquad_en/xquad.en.json"
LOAD = "import time; t = time.perf_counter(); from index.models.embedding import load_embedder; " \
       "load_embedder({model!r}, {runtime!r}).embed(['warm']); print(time.perf_counter() - t)"


def data(texts: int, questions: int) -> tuple[list[str], list[str]]:
    if XQUAD.exists():
        articles = json.loads(XQUAD.read_text())["data"]
        paragraphs = [p for a in articles for p in a["paragraphs"]]
        asked = [q["question"] for p in paragraphs for q in p["qas"]]
        return [p["context"] for p in paragraphs][:texts], asked[::2][:questions]
    text = " ".join(p.read_text() for p in (ROOT / "samples").glob("*.txt"))
    sentences = [s for s in text.split(". ") if len(s) > 20]
    return sentences[:texts], [s[:60] + "?" for s in sentences[-questions:]]


def one_question(embedder, questions: list[str]) -> tuple[float, float]:
    times = []
    for question in questions:
        started = time.perf_counter()
        embedder.embed([question])
        times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times), statistics.quantiles(times, n=20)[-1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=240)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--busy", type=int, default=2, help="busy processes for the loaded figure")
    args = parser.parse_args()
    texts, questions = data(args.texts, args.questions)
    print(f"{len(texts)} texts, {len(questions)} questions, {args.busy} busy processes for 'busy'")
    print("| runtime | start-up s | question p50 / p95 ms | busy p50 / p95 ms | texts/s | cosine to fp32 "
          "mean / worst | same closest text |")
    print("|---|---|---|---|---|---|---|")
    reference = None
    for runtime in reversed(RUNTIMES):  # torch first: it is the reference
        startup = float(subprocess.run([sys.executable, "-c", LOAD.format(model=DEFAULT_MODEL, runtime=runtime)],
                                       cwd=ROOT, capture_output=True, text=True, check=True).stdout)
        embedder = load_embedder(DEFAULT_MODEL, runtime)
        embedder.embed(questions[:5])
        idle = one_question(embedder, questions)
        stop = multiprocessing.Event()
        workers = [multiprocessing.Process(target=spin, args=(stop,)) for _ in range(args.busy)]
        for worker in workers:
            worker.start()
        try:
            busy = one_question(embedder, questions)
        finally:
            stop.set()
            for worker in workers:
                worker.join()
        started = time.perf_counter()
        vectors = embedder.embed(texts)
        rate = len(texts) / (time.perf_counter() - started)
        asked = embedder.embed(questions)
        if reference is None:
            reference = vectors, asked
        cosines = (vectors * reference[0]).sum(1)
        same = ((asked @ vectors.T).argmax(1) == (reference[1] @ reference[0].T).argmax(1)).mean()
        print(f"| {runtime} ({embedder.runtime}) | {startup:.1f} | {idle[0]:.1f} / {idle[1]:.1f} | "
              f"{busy[0]:.1f} / {busy[1]:.1f} | {rate:.1f} | {cosines.mean():.4f} / {cosines.min():.4f} | "
              f"{same:.3f} |", flush=True)


if __name__ == "__main__":
    main()
