"""A large index on one machine: question latency, memory, disk, start-up, and one more document.

Usage: python benchmarks/scale.py --chunks 100000 [--index DIR] [--queries 100]

The index holds real text throughout: sentences of SciFact abstracts (../shared/eval/scifact),
shuffled into documents of twelve. The first 500 abstracts are embedded with the real model, so
questions find real answers among them; every other chunk and sentence gets a generated random
vector (said in the output), since embedding 100k chunks here would take over an hour, and is
not tagged by spaCy (five hours for a million). An
existing DIR is reused. Printed: build time, disk, a serving process's start-up (open + first
answer) and memory, hybrid p50/p95 (reader off and on), then the time for another process to
ingest one document and for the serving one to answer its next question.
"""

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from index import DEFAULT_MODEL, Library, SourceText, load_embedder  # noqa: E402
from index.sources import indexing  # noqa: E402
from index.text import entities  # noqa: E402
from index.text.chunking import split_sentences  # noqa: E402

SCIFACT = Path(__file__).resolve().parents[2] / "shared/eval/scifact"
XQUAD = SCIFACT.parent / "xquad_en/xquad.en.json"
REAL_DOCUMENTS = 500
SENTENCES_PER_DOCUMENT = 12


class GeneratedVectors:
    """The real model's tokenizer (chunks are cut as usual), random unit vectors for the rest."""

    def __init__(self, real) -> None:
        self.real, self.name, self.dim, self.max_tokens = real, real.name, real.dim, real.max_tokens
        self.rng = np.random.default_rng(0)

    def count_tokens(self, texts):
        return self.real.count_tokens(texts)

    def embed(self, texts):
        vectors = self.rng.standard_normal((len(texts), self.dim)).astype(np.float32)
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def abstracts() -> list[tuple[str, str, str]]:
    rows = [json.loads(line) for line in (SCIFACT / "corpus.jsonl").read_text().splitlines()]
    return [(r["_id"], r.get("title", ""), r["text"]) for r in rows]


def build(directory: Path, chunks: int) -> None:
    real = load_embedder(DEFAULT_MODEL)
    corpus = abstracts()
    started = time.perf_counter()
    library = Library(directory, embedder=real)
    library.add([SourceText(f"scifact://{i}", t, x) for i, t, x in corpus[:REAL_DOCUMENTS]], progress=True,
                summaries=False)
    library.close()
    pool = [text[a:b] for _, _, text in corpus for a, b in split_sentences(text)]
    rng = random.Random(0)
    # The filler is stored as no tagger read it (its amounts and dates are found by patterns when
    # asked): spaCy at ~19 ms a chunk would take over five hours for a million.
    entities.tag = lambda texts, languages, offsets: [None] * len(texts)
    library = Library(directory, embedder=GeneratedVectors(real))
    number = 0
    while (held := library.chunk_total()) < chunks:
        size = max(1, min(50_000, (chunks - held) // 6))  # about six chunks a document; a merge per add
        batch = [SourceText(f"synthetic://{number + i}", f"Synthetic {number + i}",
                            " ".join(rng.sample(pool, SENTENCES_PER_DOCUMENT))) for i in range(size)]
        number += len(batch)
        library.add(batch, summaries=False)
        print(f"{library.chunk_total()} chunks, {time.perf_counter() - started:.0f}s", file=sys.stderr)
    print(f"built {library.chunk_total()} chunks in {time.perf_counter() - started:.0f}s "
          f"({REAL_DOCUMENTS} abstracts embedded, the rest generated vectors)")


def latencies(library: Library, questions: list[str]) -> tuple[float, float]:
    times = []
    for question in questions:
        started = time.perf_counter()
        library.search(question)
        times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times), statistics.quantiles(times, n=20)[-1]


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=100_000)
    parser.add_argument("--index", type=Path, default=Path("/tmp/verbatim-scale"))
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--build-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if not SCIFACT.exists():
        sys.exit(f"{SCIFACT} is needed for real text")
    if args.build_only:
        return build(args.index, args.chunks)
    if not (args.index / "verbatim.sqlite3").exists():  # in its own process: measure a fresh one
        subprocess.run([sys.executable, __file__, "--build-only", "--chunks", str(args.chunks),
                        "--index", str(args.index)], check=True)
    disk = sum(p.stat().st_size for p in args.index.rglob("*") if p.is_file()) / 1e9
    questions = [json.loads(line)["text"] for line in (SCIFACT / "queries.jsonl").read_text().splitlines()]
    questions = questions[: args.queries]

    started = time.perf_counter()
    library = Library(args.index, create=False, reader=False)
    library.search(questions[0])
    startup = time.perf_counter() - started
    library.warm(tagger=True)  # as `serve` does: the tagger loads in its own thread
    print(f"{library.chunk_total()} chunks, {disk:.2f} GB on disk; start-up (open + first answer) "
          f"{startup:.1f}s; RSS {rss_mb():.0f} MB")
    print("| reader | hybrid p50 ms | p95 ms |\n|---|---|---|")
    print("| off | %.1f | %.1f |" % latencies(library, questions), flush=True)
    library._reader = True  # as `serve` runs by default
    library.search(questions[0])  # load the reader before timing
    print("| on | %.1f | %.1f |" % latencies(library, questions), flush=True)
    print(f"RSS after questions: {rss_mb():.0f} MB")

    new = args.index.parent / "one-more-document.txt"
    new.write_text("Honeybee colonies store about 25 kilograms of honey for the winter. " * 20)
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "bot", "ingest", str(new), "--index", str(args.index), "--quiet"],
                   check=True, capture_output=True)
    ingest = time.perf_counter() - started
    started = time.perf_counter()
    answer = library.search("How much honey does a honeybee colony store for winter?")
    print(f"another process ingests one document: {ingest:.1f}s (process start and model load included); "
          f"the serving process's next answer: {time.perf_counter() - started:.2f}s "
          f"(found it: {answer.found and 'one-more-document' in answer.hits[0].document.source})")
    subprocess.run([sys.executable, "-m", "bot", "remove", str(new), "--index", str(args.index)],
                   check=True, capture_output=True)
    paragraphs = json.loads(XQUAD.read_text())["data"][0]["paragraphs"][:3]
    in_process(library, "\n\n".join(p["context"] for p in paragraphs))


def in_process(library: Library, text: str) -> None:
    """One more document (three XQuAD paragraphs: text the index has never embedded) ingested by
    the serving process itself: the whole `add`, against embedding its chunks and sentences alone
    (the part that grows with the document)."""
    document = SourceText("notes://three-paragraphs", "Three paragraphs", text)
    started = time.perf_counter()
    report = library.add([document])
    ingest = time.perf_counter() - started
    started = time.perf_counter()
    library.remove("notes://three-paragraphs")
    removal = time.perf_counter() - started
    pending = indexing.prepare(indexing.document(document), "", library.embedder, library.chunk_tokens)
    chunks = [embed_input for *_, embed_input in pending.chunks]
    spans = [text[a:b] for a, b in pending.sentences]
    started = time.perf_counter()
    library.embedder.embed(chunks + spans)
    embedding = time.perf_counter() - started
    assert report.added == 1
    print(f"the serving process ingests one document ({len(chunks)} chunks, {len(spans)} sentences): "
          f"{ingest:.2f}s, of which embedding them alone takes {embedding:.2f}s; removes it: {removal:.3f}s")


if __name__ == "__main__":
    main()
