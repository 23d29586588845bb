"""Vector search alone, by kind: exact float32, exact float16, and the graph (HNSW) the index
switches to past APPROXIMATE_FROM chunks (index/storage/embedded/dense.py).

Usage: python benchmarks/vectors.py [--size 1000000] [--index DIR] [--queries 100]
       python benchmarks/vectors.py --sizes 10000,100000,1000000 [--plot docs/img/search-by-size.png]

Without --index: random unit vectors (384-d; with no neighbourhoods to find, the worst case for
an approximate index, whose recall there says little; building its graph over 1M takes several
minutes) and random questions. With --index: the chunk vectors of a built index (real
embeddings, e.g. `verbatim eval beir ../shared/eval/scifact --keep DIR`) and, as questions,
SciFact's claims embedded by the packaged model (when ../shared is there; else held-out chunk
vectors). One thread, as questions run. Prints per kind: median search time (top 100), memory,
recall@10 against exact float32 search. With --sizes: exact float32 and float16 search time at each
size of random vectors, and the kind the index holds at that size (index/storage/embedded/dense.py),
as a table and, with --plot, a curve.
"""

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from index.storage.embedded import dense as sizes  # noqa: E402
from index.storage.embedded.sqlite import Store  # noqa: E402
from index.storage.embedded.dense import VectorIndex  # noqa: E402

DIM = 384
SHIPPED = (sizes.COMPACT_FROM, sizes.APPROXIMATE_FROM)  # the sizes at which the index changes kind
CLAIMS = Path(__file__).resolve().parents[2] / "shared/eval/scifact/queries.jsonl"


def random_units(rng, n: int) -> np.ndarray:
    x = rng.standard_normal((n, DIM)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def data(args) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    if args.index is None:
        return np.arange(1, args.size + 1), random_units(rng, args.size), random_units(rng, args.queries)
    ids, matrix = Store(args.index / "verbatim.sqlite3").all_vectors(DIM)
    if CLAIMS.exists():
        from index import load_embedder

        claims = [json.loads(line)["text"] for line in CLAIMS.read_text().splitlines()][: args.queries]
        return ids, matrix, load_embedder().embed(claims)
    held = rng.choice(len(ids), args.queries, replace=False)
    keep = np.setdiff1d(np.arange(len(ids)), held)
    return ids[keep], matrix[keep], matrix[held]


def timed(index: VectorIndex, queries: np.ndarray) -> tuple[float, list[set]]:
    times, tops = [], []
    for query in queries:
        started = time.perf_counter()
        found = index.search(query, 100)
        times.append(1000 * (time.perf_counter() - started))
        tops.append({i for i, _ in found[:10]})
    return statistics.median(times), tops


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="random vectors (without --index)")
    parser.add_argument("--index", type=Path, help="take the vectors of this index")
    parser.add_argument("--queries", type=int, default=100)
    parser.add_argument("--sizes", help="comma-separated sizes of random vectors: search time by size")
    parser.add_argument("--plot", type=Path, help="with --sizes: draw the curve into this image")
    args = parser.parse_args()
    if args.sizes:
        by_size([int(n) for n in args.sizes.split(",")], args.queries, args.plot)
        return
    ids, matrix, queries = data(args)
    exact = VectorIndex(DIM)
    exact.add(ids, matrix)
    del matrix
    print(f"{len(exact)} vectors, {len(queries)} questions ({'random' if args.index is None else args.index})")
    print("| kind | search p50 ms | memory GB | recall@10 vs exact |\n|---|---|---|---|")
    exact_ms, truth = timed(exact, queries)
    print(f"| exact float32 | {exact_ms:.1f} | {len(ids) * DIM * 4 / 1e9:.2f} | 1 |", flush=True)
    for kind, compact_from, approximate_from in (("compact", 0, 10**12), ("approximate", 0, 0)):
        sizes.COMPACT_FROM, sizes.APPROXIMATE_FROM = compact_from, approximate_from
        started = time.perf_counter()
        other = exact.resized()
        built = time.perf_counter() - started
        ms, tops = timed(other, queries)
        recall = statistics.mean(len(a & b) / max(1, len(a)) for a, b in zip(truth, tops))
        links = 2 * sizes.LINKS * 4 if kind == "approximate" else 0  # HNSW's level-0 neighbour lists
        print(f"| {kind} (built in {built:.0f}s) | {ms:.1f} | {len(ids) * (DIM * 2 + links) / 1e9:.2f} | "
              f"{recall:.3f} |", flush=True)


def by_size(counts: list[int], queries: int, plot: Path | None) -> None:
    """Exact float32 and float16 search time at each size (the graph index is left out: past
    APPROXIMATE_FROM only; building it over random vectors says little about real ones)."""
    rng = np.random.default_rng(0)
    questions = random_units(rng, queries)
    rows: dict[str, list[tuple[int, float]]] = {"exact float32": [], "exact float16": []}
    print("| chunks | float32 p50 ms | float16 p50 ms | the index holds |\n|---|---|---|---|")
    for count in counts:
        exact = VectorIndex(DIM)
        exact.add(np.arange(1, count + 1), random_units(rng, count))
        rows["exact float32"].append((count, timed(exact, questions)[0]))
        sizes.COMPACT_FROM, sizes.APPROXIMATE_FROM = 0, 10**12
        rows["exact float16"].append((count, timed(exact.resized(), questions)[0]))
        sizes.COMPACT_FROM, sizes.APPROXIMATE_FROM = SHIPPED
        held = "float32" if count < SHIPPED[0] else "float16" if count < SHIPPED[1] else "graph (HNSW)"
        print(f"| {count:,} | {rows['exact float32'][-1][1]:.1f} | {rows['exact float16'][-1][1]:.1f} | {held} |",
              flush=True)
    if plot:
        from plots import latency_by_size

        latency_by_size(rows, plot)



if __name__ == "__main__":
    main()
