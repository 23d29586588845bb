"""Recall@1 of each method on XQuAD's report half in every language of ../shared/eval/xquad_multi:
monolingual (paragraphs and questions in the language) and cross-lingual (English paragraphs,
questions in the language), through `verbatim eval squad [--questions]` (issue #22).

Usage: python benchmarks/multilingual.py [--model multilingual-e5-small] [--languages es,ru] [--shared ../shared]
"""

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

SHARED = Path(__file__).resolve().parents[2] / "shared"
LANGUAGES = ("en", "es", "de", "ru", "zh", "ar", "hi", "vi")


def recall(model: str, paragraphs: Path, questions: Path | None) -> dict[str, float]:
    command = [str(Path(sys.executable).with_name("verbatim")), "eval", "squad", str(paragraphs), "--part", "report",
               "--sizes", "", "--json"] + (["--questions", str(questions)] if questions else [])
    done = subprocess.run(command, capture_output=True, text=True, check=True,
                          env={**os.environ, "VERBATIM_MODEL": model, "VERBATIM_MILVUS_URI": ""})
    return {method: figures["recall@1"] for method, figures in json.loads(done.stdout)["methods"].items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="multilingual-e5-small")
    parser.add_argument("--languages", default=",".join(LANGUAGES))
    parser.add_argument("--shared", type=Path, default=SHARED)
    args = parser.parse_args()
    english = args.shared / "eval/xquad_en/xquad.en.json"
    print(f"model {args.model}, XQuAD report half, Recall@1 (bm25 / dense / fused / hybrid)")
    print("| language | monolingual | questions in it, English paragraphs |\n|---|---|---|")
    for language in args.languages.split(","):
        own = english if language == "en" else args.shared / f"eval/xquad_multi/xquad.{language}.json"
        mono = recall(args.model, own, None)
        cross = recall(args.model, english, own) if language != "en" else mono
        cell = lambda r: " / ".join(f"{r[m]:.3f}" for m in ("bm25", "dense", "fused", "hybrid"))  # noqa: E731
        print(f"| {language} | {cell(mono)} | {cell(cross)} |", flush=True)


if __name__ == "__main__":
    main()
