"""The embedded index against Milvus (Lite in-process, and a `milvus-lite server` over gRPC) in
one run: ingest throughput, the copy of an index (`verbatim migrate`: no embedding), question
latency p50 / p95 and Recall@1 on the same documents and questions.

Usage: python benchmarks/backends.py [--file XQUAD] [--limit N] [--reader] [--no-server] [--model NAME]

Documents are XQuAD's 240 paragraphs, questions the report half (first --limit of 567). One model
is loaded and shared, so each backend embeds every chunk itself (nothing cached between them).
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from index import Library, Location, load_embedder, load_squad, squad_part  # noqa: E402
from tests.conftest import start_milvus_server  # noqa: E402

DEFAULT_FILE = ROOT.parent / "shared/eval/xquad_en/xquad.en.json"


def measure(name: str, library: Library, documents, questions, source: Library | None) -> dict:
    started = time.perf_counter()
    report = library.add(documents)  # summaries included, as `verbatim ingest` does
    ingest = time.perf_counter() - started
    copy = None
    if source is not None:  # the same documents copied from the embedded index, nothing embedded
        library.drop()
        started = time.perf_counter()
        source.copy_to(library, progress=False)
        copy = time.perf_counter() - started
    library.search("warm up")
    times, hits = [], 0
    for question in questions:
        started = time.perf_counter()
        ranked = library.rank(question.text, 10)
        times.append(1000 * (time.perf_counter() - started))
        hits += bool(ranked) and ranked[0].document.source in question.relevant
    return {"backend": name, "chunks": report.chunks_embedded, "ingest": len(documents) / ingest,
            "chunk_rate": report.chunks_embedded / ingest, "copy": len(documents) / copy if copy else None,
            "p50": statistics.median(times), "p95": statistics.quantiles(times, n=20)[-1],
            "recall": hits / len(questions)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--limit", type=int, default=300, help="questions asked of each backend")
    parser.add_argument("--reader", action="store_true", help="answer with the reader on (the bot's default)")
    parser.add_argument("--no-server", action="store_true", help="skip the milvus-lite server")
    parser.add_argument("--model", default="all-MiniLM-L6-v2", help="the embedding model (VERBATIM_MODEL)")
    args = parser.parse_args()
    documents, questions = load_squad(args.file)
    questions = squad_part(documents, questions, "report")[1][: args.limit]
    embedder = load_embedder(args.model, "onnx")
    embedder.embed(["warm up"])
    rows = []
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        embedded = Library(scratch / "embedded", embedder=embedder, reader=args.reader)
        rows.append(measure("embedded (SQLite + FAISS + bm25s)", embedded, documents, questions, None))
        lite = Library(Location(scratch / "lite", str(scratch / "lite.db")), embedder=embedder, reader=args.reader)
        rows.append(measure("Milvus Lite (in-process)", lite, documents, questions, embedded))
        lite.close()
        if not args.no_server:
            server, uri = start_milvus_server(scratch / "server")
            try:
                remote = Library(Location(scratch / "remote", uri), embedder=embedder, reader=args.reader)
                rows.append(measure("milvus-lite server (gRPC, 127.0.0.1)", remote, documents, questions, embedded))
                remote.close()
            finally:
                server.terminate()
                server.wait(10)
    print(f"{len(documents)} documents, {len(questions)} questions, model {args.model}, "
          f"reader {'on' if args.reader else 'off'}")
    print("| backend | chunks | ingest documents/s | chunks/s | copy documents/s | question p50 / p95 ms | Recall@1 |")
    print("|---|---|---|---|---|---|---|")
    for r in rows:
        copy = f"{r['copy']:.0f}" if r["copy"] else "-"
        print(f"| {r['backend']} | {r['chunks']} | {r['ingest']:.1f} | {r['chunk_rate']:.1f} | {copy} "
              f"| {r['p50']:.1f} / {r['p95']:.1f} | {r['recall']:.3f} |")


if __name__ == "__main__":
    main()
