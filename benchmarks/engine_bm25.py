"""The engine's BM25 against Verbatim's own (bm25s), on SciFact's whole abstracts: Milvus Lite on
the raw text, and on Verbatim's BM25 tokens (what index/storage/milvus/storage.py sends it).

Usage: python benchmarks/engine_bm25.py [--beir DIR] [--db PATH]
"""

import argparse
import math
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
import bm25s  # noqa: E402
from pymilvus import DataType, Function, FunctionType, MilvusClient  # noqa: E402

from index import load_beir  # noqa: E402
from index.storage.embedded.bm25 import B, K1, tokenize  # noqa: E402


def ndcg_at_10(ranked: list[str], relevant) -> float:
    dcg = sum(1 / math.log2(i + 2) for i, r in enumerate(ranked[:10]) if r in relevant)
    return dcg / sum(1 / math.log2(i + 2) for i in range(min(10, len(relevant))))


def lite(client: MilvusClient, name: str, texts: list[str], questions: list[str]) -> list[list[int]]:
    schema = client.create_schema(auto_id=False)
    schema.add_field("id", DataType.INT64, is_primary=True)
    schema.add_field("text", DataType.VARCHAR, max_length=65_535, enable_analyzer=True,
                     analyzer_params={"tokenizer": "standard", "filter": ["lowercase"]})
    schema.add_field("sparse", DataType.SPARSE_FLOAT_VECTOR)
    schema.add_field("v", DataType.FLOAT_VECTOR, dim=2)
    schema.add_function(Function(name="bm25", function_type=FunctionType.BM25, input_field_names=["text"],
                                 output_field_names=["sparse"]))
    client.create_collection(name, schema=schema)
    index = client.prepare_index_params()
    index.add_index("v", index_type="AUTOINDEX", metric_type="IP")
    index.add_index("sparse", index_type="SPARSE_INVERTED_INDEX", metric_type="BM25",
                    params={"bm25_k1": K1, "bm25_b": B})
    client.create_index(name, index, sync=False)
    client.load_collection(name)
    for i in range(0, len(texts), 1000):
        client.insert(name, [{"id": j, "text": texts[j][:60_000], "v": [0.0, 1.0]}
                             for j in range(i, min(i + 1000, len(texts)))])
    client.flush(name)
    return [[hit["id"] for hit in client.search(name, data=[q], anns_field="sparse", limit=10, output_fields=[],
                                                 search_params={"metric_type": "BM25"})[0]] for q in questions]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--beir", type=Path, default=ROOT.parent / "shared/eval/scifact")
    parser.add_argument("--db", type=Path, help="Milvus Lite file (default: a temporary one)")
    args = parser.parse_args()
    docs, questions = load_beir(args.beir, "test")
    texts = [f"{d.title}\n{d.text}" for d in docs]
    asked = [q.text for q in questions]
    retriever = bm25s.BM25(k1=K1, b=B, method="lucene")
    retriever.index(tokenize(texts), show_progress=False)
    found, _ = retriever.retrieve(tokenize(asked), k=10, show_progress=False)
    runs = {"bm25s (Verbatim's embedded BM25)": [list(row) for row in found]}
    with tempfile.TemporaryDirectory() as scratch:
        client = MilvusClient(str(args.db or Path(scratch) / "bm25.db"))
        runs["Milvus Lite, raw text"] = lite(client, "raw", texts, asked)
        runs["Milvus Lite, Verbatim's tokens"] = lite(client, "tokens", [" ".join(t) for t in tokenize(texts)],
                                                      [" ".join(t) for t in tokenize(asked)])
        client.close()
    print(f"SciFact test, {len(docs)} abstracts, {len(questions)} claims: BM25 nDCG@10")
    for name, ranked in runs.items():
        score = sum(ndcg_at_10([docs[i].source for i in r], q.relevant) for r, q in zip(ranked, questions))
        print(f"| {name} | {score / len(questions):.3f} |")


if __name__ == "__main__":
    main()
