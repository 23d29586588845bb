"""Vector search alone at a size: float32 flat against the float16 copy the index switches to.

Usage: python benchmarks/vectors.py [--size 1000000] [--queries 50]

Random unit vectors (384-d, as the packaged model's); one thread, as questions run. Prints the
search time per question (top 100), the memory each takes, and how often float16 keeps
float32's top-10 (recall@10) and how far its cosines move.
"""

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from index import vectors as vector_module  # noqa: E402
from index.vectors import VectorIndex  # noqa: E402

DIM = 384


def timed(index: VectorIndex, queries: np.ndarray) -> tuple[float, list]:
    times, results = [], []
    for query in queries:
        started = time.perf_counter()
        results.append(index.search(query, 100))
        times.append(1000 * (time.perf_counter() - started))
    return statistics.median(times), results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    flat = VectorIndex(DIM)
    for start in range(0, args.size, 100_000):
        part = rng.standard_normal((min(100_000, args.size - start), DIM)).astype(np.float32)
        flat.add(np.arange(start + 1, start + 1 + len(part)), part / np.linalg.norm(part, axis=1, keepdims=True))
    queries = rng.standard_normal((args.queries, DIM)).astype(np.float32)
    queries /= np.linalg.norm(queries, axis=1, keepdims=True)
    vector_module.COMPACT_FROM = 0
    half = flat.compacted()
    flat_ms, exact = timed(flat, queries)
    half_ms, found = timed(half, queries)
    recall = statistics.mean(len({i for i, _ in a[:10]} & {i for i, _ in b[:10]}) / 10 for a, b in zip(exact, found))
    moved = max(abs(x - y) for a, b in zip(exact, found) for (_, x), (_, y) in zip(a[:10], b[:10]))
    print(f"{args.size} vectors: float32 flat {flat_ms:.1f} ms, {args.size * DIM * 4 / 1e9:.2f} GB; "
          f"float16 {half_ms:.1f} ms, {args.size * DIM * 2 / 1e9:.2f} GB; float16 recall@10 {recall:.3f}, "
          f"cosines moved at most {moved:.4f}")


if __name__ == "__main__":
    main()
