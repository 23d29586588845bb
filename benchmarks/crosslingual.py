"""Questions in other languages against English paragraphs, on one index: Recall@1 of each method
(issue #22). Faster than benchmarks/multilingual.py for this: the paragraphs are embedded once.
(At commit 45f616c it also scored other languages' chunks by BM25 on the words languages share;
that lost, and went.)

Usage: python benchmarks/crosslingual.py [--languages zh,ar,hi] [--part report|tune] [--shared ../shared]

The English paragraphs of XQuAD's half are embedded once (multilingual-e5-small); each language's
questions of that half are asked against them (same ids and order in every XQuAD language).
"""

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from index import Library, load_squad, squad_part  # noqa: E402

LANGUAGES = ("es", "de", "ru", "zh", "ar", "hi", "vi")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    parser.add_argument("--part", default="report", choices=("report", "tune"))
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    documents, _ = squad_part(*load_squad(args.shared / "eval/xquad_en/xquad.en.json"), args.part)
    print(f"XQuAD {args.part} half: {len(documents)} English paragraphs; Recall@1, questions in each language")
    print("| language | questions | bm25 | dense | fused | hybrid |\n|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        library = Library(Path(scratch) / "en", model="multilingual-e5-small")
        library.add(documents, summaries=False)
        for language in args.languages.split(","):
            asked = squad_part(*load_squad(args.shared / f"eval/xquad_multi/xquad.{language}.json"), args.part)[1]
            row = []
            for method in ("bm25", "dense", "fused", "hybrid"):
                hits = [library.rank(q.text, 1, method) for q in asked]
                row.append(sum(bool(h) and h[0].document.source in q.relevant for h, q in zip(hits, asked)) / len(asked))
            print(f"| {language} | {len(asked)} | " + " | ".join(f"{r:.3f}" for r in row) + " |", flush=True)
        library.close()


if __name__ == "__main__":
    main()
