"""nDCG@10 of a BEIR set scored from `verbatim ask --batch --json --k 100`, as a script would.

    python benchmarks/ask_beir.py ../shared/eval/scifact --index DIR

DIR is an index of the set's corpus (`verbatim eval beir DIR_OF_SET --keep DIR` builds one and
prints what `verbatim eval` measures on it): the two figures should agree.
"""

import argparse
import json
import math
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from index import load_beir  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("directory", type=Path)
    parser.add_argument("--index", required=True)
    parser.add_argument("--split", default="test")
    args = parser.parse_args()
    _, questions = load_beir(args.directory, args.split)
    with tempfile.NamedTemporaryFile("w", suffix=".txt") as batch:
        batch.write("".join(q.text.replace("\n", " ") + "\n" for q in questions))
        batch.flush()
        verbatim = Path(sys.executable).with_name("verbatim")
        done = subprocess.run([str(verbatim), "ask", "--batch", batch.name, "--json", "--k", "100",
                               "--index", args.index], capture_output=True, text=True, check=True)
    answers = [json.loads(line) for line in done.stdout.splitlines()]
    scores, hits = [], []
    for question, answer in zip(questions, answers):
        ranking = list(dict.fromkeys(hit["source"] for hit in answer["hits"]))  # documents, best first
        gains = sum(1 / math.log2(i + 2) for i, s in enumerate(ranking[:10]) if s in question.relevant)
        ideal = sum(1 / math.log2(i + 2) for i in range(min(10, len(question.relevant))))
        scores.append(gains / ideal)
        hits.append(len(answer["hits"]))
    print(f"{len(questions)} questions through `verbatim ask --json --k 100`: nDCG@10 {sum(scores) / len(scores):.3f}; "
          f"hits per answer {min(hits)}-{max(hits)}")


if __name__ == "__main__":
    main()
