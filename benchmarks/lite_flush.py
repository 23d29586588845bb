"""How often an ingest into Milvus Lite should seal (flush) what it wrote: the writes of an ingest
(a lookup by embedding hash, an upsert, a delete of other versions per batch) with a flush every
N batches, on random vectors (no model).

Usage: python benchmarks/lite_flush.py [--rows 24000] [--every 0 1 4 8 32]   (0: only at the end)
"""

import argparse
import hashlib
import tempfile
import time

import numpy as np
from pymilvus import DataType, MilvusClient

BATCH = 64  # chunks per ingest batch (index/ingesting.py: EMBED_BATCH)


def collection(client: MilvusClient) -> None:
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    for name in ("document_id", "version", "embed_hash"):
        schema.add_field(name, DataType.VARCHAR, max_length=512)
    schema.add_field("vector", DataType.FLOAT_VECTOR, dim=384)
    index = client.prepare_index_params()
    index.add_index("vector", index_type="AUTOINDEX", metric_type="IP")
    for name in ("document_id", "embed_hash"):
        index.add_index(name, index_type="INVERTED")
    client.create_collection("chunks", schema=schema, index_params=index)


def digest(n: int) -> str:
    return hashlib.sha1(str(n).encode()).hexdigest()


def ingest(db: str, rows: int, every: int) -> tuple[float, float]:
    """Seconds for the whole write, and the part of it spent flushing."""
    rng = np.random.default_rng(0)
    client = MilvusClient(db)
    collection(client)
    start, flushing = time.perf_counter(), 0.0
    for batch, first in enumerate(range(0, rows, BATCH)):
        ids = range(first, first + BATCH)
        hashes = ", ".join(f'"{digest(i)}"' for i in ids)
        client.query("chunks", filter=f"embed_hash in [{hashes}]", output_fields=["embed_hash"])
        client.upsert("chunks", [{"id": i, "document_id": f"doc{i // 5}", "version": "v1",
                                  "embed_hash": digest(i), "vector": rng.standard_normal(384).tolist()}
                                 for i in ids])
        stale = " or ".join(f'(document_id == "doc{d}" and version != "v1")'
                            for d in range(first // 5, (first + BATCH) // 5))
        client.delete("chunks", filter=stale)
        if every and (batch + 1) % every == 0:
            sealed = time.perf_counter()
            client.flush("chunks")
            flushing += time.perf_counter() - sealed
    client.flush("chunks")
    client.close()
    return time.perf_counter() - start, flushing


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=24_000)
    parser.add_argument("--every", type=int, nargs="+", default=[0, 1, 4, 8, 32])
    args = parser.parse_args()
    print(f"{args.rows} rows in {BATCH}-row batches, Milvus Lite")
    print("| flush every | seconds | of which flushing |")
    print("|---|---|---|")
    scratch = tempfile.mkdtemp()  # kept: Lite goes on compacting in the background after close
    for every in args.every:
        total, flushing = ingest(f"{scratch}/every-{every}.db", args.rows, every)
        print(f"| {every or 'end only'} | {total:.1f} | {flushing:.1f} |", flush=True)
    print(f"(files in {scratch})")


if __name__ == "__main__":
    main()
