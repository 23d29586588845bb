"""How much the reader's score should count when the top chunks are reordered (RERANK).

Usage: python benchmarks/reader_weight.py [--shared ../shared] [--weights 0,0.25,0.5,1,2]

On the tuning data only (XQuAD's even articles, ESTER train), all passages in one index, each
question read by the shipped reader. Prints Recall@1 and answer-sentence accuracy per weight.
"""

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from fit_confidence import datasets  # noqa: E402

from index.ranking import retrieval  # noqa: E402
from index.models.embedding import CachedEmbedder, load_embedder  # noqa: E402
from index.library import Library  # noqa: E402
from index.models.reader import CachedReader  # noqa: E402
from index.models.readers import load_reader  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    parser.add_argument("--weights", default="0,0.25,0.5,1,2")
    args = parser.parse_args()
    embedder = CachedEmbedder(load_embedder())
    reader = CachedReader(load_reader())
    data = datasets(args.shared)
    print("| data | reader weight | Recall@1 | answer-sentence acc@1 |\n|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        for name in ("xquad-tune", "ester-train"):
            documents, questions = data[name]
            library = Library(Path(scratch) / name, model=embedder.name, embedder=embedder, reader=reader)
            library.add(documents, summaries=False)
            for weight in (float(w) for w in args.weights.split(",")):
                retrieval.READER_WEIGHT = weight
                right = answered = 0
                for question in questions:
                    hits = library.rank(question.text, 1)
                    first = bool(hits) and hits[0].document.source in question.relevant
                    right += first
                    answered += first and any(a.lower() in hits[0].sentence.text.lower() for a in question.answers)
                n = len(questions)
                print(f"| {name} | {weight} | {right / n:.3f} | {answered / n:.3f} |", flush=True)


if __name__ == "__main__":
    main()
