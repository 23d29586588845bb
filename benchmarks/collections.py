"""Collections at scale: a question searching one small collection and the shared one, against
today's unfiltered search of the same index; and an upload into one collection while others ask.

Usage: python benchmarks/collections.py [--chunks 1000000] [--collections 1000] [--backend embedded|milvus]
       [--index DIR] [--queries 100]

The index holds real text: SciFact sentences (../shared/eval/scifact), one chunk each, ten to a
document, with random unit vectors (embedding a million chunks here would take hours; the
question is embedded by the real packaged model). Half the chunks are in the shared collection,
the rest spread over the other collections (999 of ~500 chunks at the defaults). Written through
the storage contract directly, so the build costs no model. Printed, reader off (its cost is the
same either way): p50 / p95 of `Library.search` unfiltered, within one small collection + shared,
and within the small collection alone; then an upload of one document into one collection
while another thread asks questions of the others, and whether the uploader's next question finds it.
"""

import argparse
import json
import random
import statistics
import sys
import threading
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from index import SHARED, Document, Library, Location  # noqa: E402
from index.storage import NewSpan, StoredDocument  # noqa: E402
from index.text.chunking import split_sentences  # noqa: E402

SCIFACT = Path(__file__).resolve().parents[2] / "shared/eval/scifact"
PER_DOCUMENT = 10
DIM = 384
MODEL = "all-MiniLM-L6-v2"
BATCH = 2_000  # documents written at once


def sentences() -> list[str]:
    rows = [json.loads(line) for line in (SCIFACT / "corpus.jsonl").read_text().splitlines()]
    return [r["text"][a:b] for r in rows for a, b in split_sentences(r["text"]) if 40 <= b - a <= 400]


def unit(rng: np.random.Generator, rows: int) -> np.ndarray:
    vectors = rng.standard_normal((rows, DIM)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


def document(number: int, collection: str, pool: list[str], rng: np.random.Generator, pick: random.Random
             ) -> StoredDocument:
    text = " ".join(pick.sample(pool, PER_DOCUMENT))
    spans = split_sentences(text)
    vectors = unit(rng, len(spans))
    doc = Document(f"s{number:09d}", f"Abstract {number}", f"scifact://{number}", None, text, "en", False,
                   collection)
    chunks = [NewSpan(a, b, f"c{number}-{i}", v, "en") for i, ((a, b), v) in enumerate(zip(spans, vectors))]
    said = [NewSpan(a, b, f"t{number}-{i}", v) for i, ((a, b), v) in enumerate(zip(spans, vectors))]
    return StoredDocument(doc, f"{number:064d}", None, [], chunks, said)


def build(library: Library, chunks: int, collections: int) -> None:
    if library.location.milvus_uri:  # a fresh build replaces nothing: Lite's filtered deletes (a scan of
        from index.storage.milvus import writes  # every row each) would make it quadratic, so they are skipped
        writes._delete_stale = writes._repair = lambda *args: None
    pool, rng, pick = sentences(), np.random.default_rng(0), random.Random(0)
    documents = chunks // PER_DOCUMENT
    others = [f"chat-{1000 + i}" for i in range(collections - 1)]
    started, batch = time.perf_counter(), []
    for number in range(documents):  # every other document is shared; the rest go round the others
        collection = SHARED if number % 2 == 0 else others[(number // 2) % len(others)]
        batch.append(document(number, collection, pool, rng, pick))
        if len(batch) == BATCH or number == documents - 1:
            library.storage.write(batch, model=(MODEL, DIM))
            batch = []
            print(f"{number + 1} documents, {time.perf_counter() - started:.0f}s", file=sys.stderr, flush=True)
    library.storage.settle()
    print(f"built {chunks} chunks in {collections} collections in {time.perf_counter() - started:.0f}s")


def timed(library: Library, questions: list[str], scopes: list) -> list[tuple[float, float]]:
    """p50 and p95 per scope, the scopes taking turns on each question (the machine's drift
    falls on all alike)."""
    took: list[list[float]] = [[] for _ in scopes]
    for question in questions:
        for times, scope in zip(took, scopes):
            started = time.perf_counter()
            library.search(question, collections=scope)
            times.append(1000 * (time.perf_counter() - started))
    return [(statistics.median(t), statistics.quantiles(t, n=20)[-1]) for t in took]


def dense_alone(library: Library, small: str, questions: list[str]) -> None:
    """The vector search alone (embedded): the one index read through a selector of the chunks
    searched (what ships), against one index per collection, each searched and the hits merged."""
    from index.models.embedding import embed_questions
    from index.ranking.fusion import DEPTH
    from index.storage.embedded.dense import VectorIndex

    storage = library.storage
    vectors, lexical = storage._current_vectors(), storage._bm25.current()
    scope = lexical.scope([SHARED, small])
    own = {}
    for name in (SHARED, small):
        ids = lexical.scope([name]).ids
        part = VectorIndex(DIM)
        part.add(ids, np.stack([vectors._index.reconstruct(int(i)) for i in ids]))
        own[name] = part.resized()  # of the kind its size calls for, as the whole one is
    queries = embed_questions(library.embedder, questions)
    took = {"one index, unfiltered": [], "one index, within the scope (ships)": [], "an index per collection": []}
    for query in queries:
        for label, search in (("one index, unfiltered", lambda: vectors.search(query, DEPTH)),
                              ("one index, within the scope (ships)", lambda: vectors.search(query, DEPTH, scope)),
                              ("an index per collection", lambda: sorted(
                                  own[SHARED].search(query, DEPTH) + own[small].search(query, DEPTH),
                                  key=lambda hit: -hit[1])[:DEPTH])):
            started = time.perf_counter()
            search()
            took[label].append(1000 * (time.perf_counter() - started))
    print(f"| dense search alone ({vectors.kind}, top {DEPTH}) | p50 ms | p95 ms |\n|---|---|---|")
    for label, times in took.items():
        print(f"| {label} | {statistics.median(times):.2f} | {statistics.quantiles(times, n=20)[-1]:.2f} |")


def upload_while_asking(library: Library, questions: list[str], pool: list[str]) -> None:
    """One document into one collection while a thread asks questions within others."""
    took, stop = [], threading.Event()

    def ask() -> None:
        while not stop.is_set():
            started = time.perf_counter()
            library.search(random.choice(questions), collections=[SHARED, "chat-1001"])
            took.append(1000 * (time.perf_counter() - started))

    asking = threading.Thread(target=ask)
    asking.start()
    time.sleep(1.0)
    before = len(took)
    text = "Honeybee colonies store about 25 kilograms of honey for the winter. " + " ".join(pool[:9])
    spans = split_sentences(text)
    vectors = unit(np.random.default_rng(1), len(spans))
    doc = Document("upload0001", "Honey stores", "notes://honey", None, text, "en", False, "chat-1002")
    stored = StoredDocument(doc, "h" * 64, None, [], [NewSpan(a, b, f"u{i}", v, "en") for i, ((a, b), v)
                                                       in enumerate(zip(spans, vectors))],
                            [NewSpan(a, b, f"v{i}", v) for i, ((a, b), v) in enumerate(zip(spans, vectors))])
    started = time.perf_counter()
    library.storage.write([stored], model=(MODEL, DIM))
    library.storage.settle()
    written = time.perf_counter() - started
    time.sleep(1.0)
    stop.set()
    asking.join()
    during = took[before:]
    asked = "How much honey does a honeybee colony store for winter?"
    first = library.rank(asked, 1, collections=[SHARED, "chat-1002"])  # random vectors: not confident, but first
    with library.storage.searching(["chat-1002"]) as found:  # in the engine's BM25 at once, at least
        held = set(found.lexical.scored(asked, 10)[0]) & set(library.storage.chunk_ids(["upload0001"]))
    print(f"an upload of one document into chat-1002: {written:.2f}s (write and settle); questions of other "
          f"chats meanwhile: p50 {statistics.median(during):.1f} ms, worst {max(during):.1f} ms "
          f"({len(during)} questions); chat-1002's next question finds it first: "
          f"{bool(first) and first[0].document.id == 'upload0001'} (its BM25 within chat-1002 finds it: {bool(held)})")
    library.storage.write([], removed=["upload0001"], model=(MODEL, DIM))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--chunks", type=int, default=1_000_000)
    parser.add_argument("--collections", type=int, default=1_000)
    parser.add_argument("--backend", choices=("embedded", "milvus"), default="embedded")
    parser.add_argument("--index", type=Path, default=Path("/tmp/verbatim-collections"))
    parser.add_argument("--queries", type=int, default=100)
    args = parser.parse_args()
    if not SCIFACT.exists():
        sys.exit(f"{SCIFACT} is needed for real text")
    where = args.index / args.backend
    location = Location(where, str(where / "milvus.db") if args.backend == "milvus" else None)
    library = Library(location, reader=False)
    if library.chunk_total() == 0:
        build(library, args.chunks, args.collections)
    questions = [json.loads(line)["text"] for line in (SCIFACT / "queries.jsonl").read_text().splitlines()]
    questions = questions[: args.queries]
    small = "chat-1001"
    sizes = {c.name: c.chunks for c in library.collections()}
    library.search(questions[0])  # the model and the indexes loaded before timing
    for scope in (None, [SHARED, small], [small]):
        library.search(questions[0], collections=scope)
    print(f"{args.backend}: {library.chunk_total()} chunks in {len(sizes)} collections (shared {sizes[SHARED]}, "
          f"{small} {sizes[small]}); reader off")
    print("| searched | chunks | p50 ms | p95 ms |\n|---|---|---|---|")
    scopes = {"everything (unfiltered, as before collections)": None, f"{small} + shared": [SHARED, small],
              f"{small} alone": [small]}
    for (label, scope), figures in zip(scopes.items(), timed(library, questions, list(scopes.values()))):
        print(f"| {label} | {library.chunk_total(scope)} | %.1f | %.1f |" % figures, flush=True)
    if args.backend == "embedded":
        dense_alone(library, small, questions)
    upload_while_asking(library, questions, sentences())
    library.close()


if __name__ == "__main__":
    main()
