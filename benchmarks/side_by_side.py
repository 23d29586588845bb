"""Verbatim against the plain pipeline, both ratios in one run: ingest speed, and a question's time
under load.

Usage: python benchmarks/side_by_side.py [--file XQUAD] [--questions 200] [--burners 2]

- Ingest, whole processes on the same machine: `verbatim ingest` of XQuAD's 240 English
  paragraphs (one file each, a fresh index, default settings) against a plain script that loads
  sentence-transformers (torch), encodes the same paragraphs (batch 32) and builds a flat FAISS
  index. The ratio is plain time / Verbatim time (above 1: Verbatim is faster).
- A question, with `--burners` processes keeping a core busy each: `Library.search` (hybrid, the
  reader on, as `serve` runs) against the plain pipeline's encode + flat FAISS search of the same
  paragraphs; p50 of each over the report half's first `--questions`, in its own process after a
  warm-up. The ratio is Verbatim's p50 / the plain p50.
"""

import argparse
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_FILE = ROOT.parent / "shared/eval/xquad_en/xquad.en.json"
VERBATIM = [str(Path(sys.executable).with_name("verbatim"))]

PLAIN_INGEST = """
import sys, faiss
from sentence_transformers import SentenceTransformer
from index.models.packaged import model_path
texts = [open(p, encoding="utf-8").read() for p in sys.argv[1:]]
model = SentenceTransformer(str(model_path("all-MiniLM-L6-v2")), device="cpu")
vectors = model.encode(texts, batch_size=32, normalize_embeddings=True)
index = faiss.IndexFlatIP(vectors.shape[1]); index.add(vectors)
"""

PLAIN_QUESTIONS = """
import json, sys, time, statistics, faiss, torch
from sentence_transformers import SentenceTransformer
from index.models.packaged import model_path
torch.set_num_threads(1); faiss.omp_set_num_threads(1)
texts, questions = json.load(open(sys.argv[1]))
model = SentenceTransformer(str(model_path("all-MiniLM-L6-v2")), device="cpu")
index = faiss.IndexFlatIP(384); index.add(model.encode(texts, batch_size=32, normalize_embeddings=True))
model.encode(questions[:3], normalize_embeddings=True)
took = []
for q in questions:
    started = time.perf_counter()
    index.search(model.encode([q], normalize_embeddings=True), 5)
    took.append(1000 * (time.perf_counter() - started))
print(statistics.median(took))
"""

VERBATIM_QUESTIONS = """
import json, sys, time, statistics
from index import Library
questions = json.load(open(sys.argv[2]))[1]
library = Library(sys.argv[1], create=False, reader=True)
library.search(questions[0])
took = []
for q in questions:
    started = time.perf_counter()
    library.search(q)
    took.append(1000 * (time.perf_counter() - started))
print(statistics.median(took))
"""


def burn(stop) -> None:
    while not stop.is_set():
        sum(i * i for i in range(10_000))


def timed(command: list[str], env: dict | None = None) -> tuple[float, str]:
    started = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    return time.perf_counter() - started, done.stdout.strip()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--questions", type=int, default=200)
    parser.add_argument("--burners", type=int, default=2)
    args = parser.parse_args()
    if not args.file.exists():
        sys.exit(f"{args.file} is needed (XQuAD, ../shared/eval/xquad_en)")
    articles = json.loads(args.file.read_text())["data"]
    paragraphs = [p["context"] for a in articles for p in a["paragraphs"]]
    questions = [q["question"] for a in articles[1::2] for p in a["paragraphs"] for q in p["qas"]][: args.questions]
    env = {**os.environ, "PYTHONPATH": str(ROOT), "VERBATIM_LOG_LEVEL": "WARNING"}
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch) / "paragraphs"
        folder.mkdir()
        files = []
        for i, text in enumerate(paragraphs):
            files.append(folder / f"p{i:03d}.txt")
            files[-1].write_text(f"Paragraph {i}\n\n{text}", encoding="utf-8")
        index = Path(scratch) / "index"
        ours, _ = timed(VERBATIM + ["ingest", str(folder), "--index", str(index), "--quiet"], env)
        plain, _ = timed([sys.executable, "-c", PLAIN_INGEST, *map(str, files)], env)
        print(f"ingest of {len(paragraphs)} paragraphs, whole processes: verbatim {ours:.1f} s, plain "
              f"sentence-transformers + FAISS {plain:.1f} s: **{plain / ours:.2f}×** the plain pipeline's speed")
        asked = Path(scratch) / "asked.json"
        asked.write_text(json.dumps([paragraphs, questions]))
        stop = multiprocessing.Event()
        burners = [multiprocessing.Process(target=burn, args=(stop,)) for _ in range(args.burners)]
        for burner in burners:
            burner.start()
        try:
            _, ours_p50 = timed([sys.executable, "-c", VERBATIM_QUESTIONS, str(index), str(asked)], env)
            _, plain_p50 = timed([sys.executable, "-c", PLAIN_QUESTIONS, str(asked)], env)
        finally:
            stop.set()
            for burner in burners:
                burner.join()
        ours_p50, plain_p50 = float(ours_p50), float(plain_p50)
        print(f"a question under {args.burners} CPU burners (p50 of {len(questions)}): verbatim {ours_p50:.1f} ms "
              f"(hybrid, reader on), plain encode + FAISS flat {plain_p50:.1f} ms: **{ours_p50 / plain_p50:.1f}×**")


if __name__ == "__main__":
    main()
