"""Vector search alone, by kind: exact float32, exact float16, and the graph (HNSW) the index
switches to past APPROXIMATE_FROM chunks (index/storage/embedded/dense.py).

Usage: python benchmarks/vectors.py [--size 1000000] [--index DIR] [--queries 100]

Without --index: random unit vectors (384-d; with no neighbourhoods to find, the worst case for
an approximate index, whose recall there says little; building its graph over 1M takes several
minutes) and random questions. With --index: the chunk vectors of a built index (real
embeddings, e.g. `verbatim eval beir ../shared/eval/scifact --keep DIR`) and, as questions,
SciFact's claims embedded by the packaged model (when ../shared is there; else held-out chunk
vectors). One thread, as questions run. Prints per kind: median search time (top 100), memory,
recall@10 against exact float32 search.
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
    args = parser.parse_args()
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


if __name__ == "__main__":
    main()
