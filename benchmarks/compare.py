"""Verbatim against the usual pipeline (LangChain splitter + HuggingFace embeddings + FAISS) on
the same documents and questions, in one run: ingest, the bare encode floor, question latency
and Recall@1.

Usage: python benchmarks/compare.py [--langchain-python .venv-compare/bin/python] [--file XQUAD]

Documents are XQuAD's 240 paragraphs, questions the report half (567). Verbatim ingests as a
user does (summaries, sentence vectors) with its default settings; "floor" is the bare encode
of each pipeline's own chunk texts by its own embedder, once they are chunked. LangChain runs
in its own environment (see benchmarks/langchain_pipeline.py for how to make it).
"""

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from index import Library, load_squad, squad_part  # noqa: E402

DEFAULT_FILE = ROOT.parent / "shared/eval/xquad_en/xquad.en.json"


def recall_at_1(rankings: list[list[str]], questions) -> float:
    return sum(bool(r) and r[0] in q.relevant for r, q in zip(rankings, questions)) / len(questions)


def verbatim(documents, questions, directory: Path, reader: bool) -> dict:
    library = Library(directory / f"reader-{reader}", reader=reader)
    library.embedder.embed(["warm up"])
    started = time.perf_counter()
    library.add(documents)  # summaries included, as `verbatim ingest` does
    ingest = time.perf_counter() - started
    texts = [f"{d.document.title}\n{d.document.text[c.start:c.end]}" for d in library.storage.export() for c in d.chunks]
    started = time.perf_counter()
    library.embedder.embed(texts)
    floor = time.perf_counter() - started
    library.search("warm up")
    times, rankings = [], []
    for question in questions:
        started = time.perf_counter()
        hits = library.rank(question.text, 10)
        times.append(1000 * (time.perf_counter() - started))
        rankings.append([h.document.source for h in hits])
    return {"ingest_seconds": ingest, "chunks": len(texts), "floor_seconds": floor,
            "median_ms": statistics.median(times), "p95_ms": statistics.quantiles(times, n=20)[-1],
            "rankings": rankings}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--langchain-python", type=Path, default=ROOT / ".venv-compare/bin/python")
    args = parser.parse_args()
    documents, questions = load_squad(args.file)
    questions = squad_part(documents, questions, "report")[1]
    rows = {}
    with tempfile.TemporaryDirectory() as directory:
        rows["Verbatim (hybrid, reader off)"] = verbatim(documents, questions, Path(directory), reader=False)
        rows["Verbatim (hybrid, reader on: default)"] = verbatim(documents, questions, Path(directory), reader=True)
        data = Path(directory) / "data.json"
        data.write_text(json.dumps({"documents": [{"source": d.source, "text": d.text} for d in documents],
                                    "questions": [q.text for q in questions]}))
        if args.langchain_python.exists():
            out = subprocess.run([str(args.langchain_python), str(ROOT / "benchmarks/langchain_pipeline.py"), str(data)],
                                 capture_output=True, text=True, check=True).stdout
            rows["LangChain (RecursiveCharacterTextSplitter 1000/200, HuggingFaceEmbeddings, FAISS)"] = json.loads(out)
        else:
            print(f"{args.langchain_python} not found: LangChain not measured (see langchain_pipeline.py)")
    print(f"{len(documents)} documents, {len(questions)} questions")
    print("| pipeline | chunks | ingest documents/s | chunks/s | floor chunks/s | ingest / floor | "
          "question p50 / p95 ms | Recall@1 |")
    print("|---|---|---|---|---|---|---|---|")
    for name, r in rows.items():
        rate, floor = r["chunks"] / r["ingest_seconds"], r["chunks"] / r["floor_seconds"]
        print(f"| {name} | {r['chunks']} | {len(documents) / r['ingest_seconds']:.1f} | {rate:.1f} | {floor:.1f} | "
              f"{rate / floor:.2f} | "
              f"{r['median_ms']:.1f} / {r['p95_ms']:.1f} | {recall_at_1(r['rankings'], questions):.3f} |")


if __name__ == "__main__":
    main()
