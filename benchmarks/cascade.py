"""The reader's cascade: how many sentences of each top chunk it must read (index/ranking/reading.py
READ_PER_CHUNK) for the bold sentence and the ranking to stay as good, and what it saves.

Usage: python benchmarks/cascade.py [--shared ../shared] [--reader FILE] [--reads 0,4,3,2]
       [--sets xquad-tune,ester-train] [--every 2] [--runtime torch|onnx|onnx-int8]

Every passage of a set in one index (hybrid, the reader on, 9 hits as the bot asks); each question asked once per value
of READ_PER_CHUNK (0: every sentence of the top five chunks). Prints Recall@1, answer-sentence
accuracy@1 (the first hit's bold sentence holds a gold answer), sentences read and the reader's
milliseconds per question (one core). Choose on the tuning sets (XQuAD even articles, ESTER
train); the held-out ones (xquad-report, ester-dev) are for the report.
"""

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from fit_confidence import datasets  # noqa: E402

from index.ranking import reading  # noqa: E402
from index.models.embedding import CachedEmbedder, load_embedder  # noqa: E402
from index.library import Library  # noqa: E402
from index.models.onnx_reader import OnnxReader  # noqa: E402
from index.models.reader import WEIGHTS, Reader  # noqa: E402


class Timed:
    """A reader that counts what it reads and how long it takes."""

    def __init__(self, inner: Reader) -> None:
        self.inner, self.seconds, self.sentences = inner, 0.0, 0

    def score(self, question, sentences):
        started = time.perf_counter()
        out = self.inner.score(question, sentences)
        self.seconds += time.perf_counter() - started
        self.sentences += len(sentences)
        return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    parser.add_argument("--reader", type=Path, default=WEIGHTS, help="reader weights (default: the shipped ones)")
    parser.add_argument("--reads", default="0,4,3,2", help="READ_PER_CHUNK values to compare")
    parser.add_argument("--chunks", default="5", help="READ_CHUNKS values to compare (each with every --reads)")
    parser.add_argument("--sets", default="xquad-tune,ester-train")
    parser.add_argument("--every", type=int, default=2, help="ask every n-th question of a set")
    parser.add_argument("--runtime", choices=("torch", "onnx", "onnx-int8"), default="onnx")
    args = parser.parse_args()
    embedder = CachedEmbedder(load_embedder())
    if args.runtime == "torch":
        reader = Timed(Reader(args.reader))
    else:
        reader = Timed(OnnxReader(args.reader, int8=args.runtime == "onnx-int8"))
    data = datasets(args.shared)
    print(f"reader: {args.reader.name} on {args.runtime}\n")
    print("| data | chunks read | sentences read per chunk | questions | Recall@1 | answer sentence@1 "
          "| sentences read | reader ms/question |\n|---|---|---|---|---|---|---|---|")
    with tempfile.TemporaryDirectory() as scratch:
        for name in args.sets.split(","):
            documents, questions = data[name]
            questions = questions[:: args.every]
            library = Library(Path(scratch) / name, model=embedder.name, embedder=embedder, reader=reader)
            library.add(documents, summaries=False)
            for chunks, reads in ((int(c), int(r)) for c in args.chunks.split(",") for r in args.reads.split(",")):
                reading.READ_PER_CHUNK, reading.READ_CHUNKS = reads, chunks
                # every question reads its top chunks: the first hit's cascade is benchmarks/decided.py's
                reading.NOTHING_BELOW, reading.FIRST_ONLY_FROM = -1.0, 2.0
                reader.seconds, reader.sentences = 0.0, 0
                right = answered = 0
                for question in questions:
                    hits = library.rank(question.text, 9)  # as the bot asks (VERBATIM_MAX_RESULTS)
                    first = bool(hits) and hits[0].document.source in question.relevant
                    right += first
                    answered += first and any(a.lower() in hits[0].sentence.text.lower() for a in question.answers)
                n = len(questions)
                print(f"| {name} | {chunks} | {reads or 'all'} | {n} | {right / n:.3f} | {answered / n:.3f} | "
                      f"{reader.sentences / n:.1f} | {1000 * reader.seconds / n:.0f} |", flush=True)
            library.close()


if __name__ == "__main__":
    main()
