"""The reader's cascade by the first hit (index/ranking/reading.py): how many questions need the
reader at all, and what reading less costs, for values of NOTHING_BELOW and FIRST_ONLY_FROM.

Usage: python benchmarks/decided.py [--shared ../shared] [--sets xquad-tune,ester-train]
       [--grid -1:2,0.05:0.5,0.1:0.5,0.1:0.6] [--first-sentences N] [--save DIR]

Each set's questions are asked as `benchmarks/fit_confidence.py` asks them (with and without
their passage, in collections of 1, 10 and all passages; the reader on, onnx), and every search
is answered three ways: without the reader, reading the first hit's chunk only, and reading the
top five chunks. A pair BELOW:FROM then takes, per question, the first when the first hit's
confidence without the reader is under BELOW, the second from FROM, else the third. Printed per
pair and set: the share of questions on each path, and each collection size's Recall@1, answer
sentence@1 (the first hit's bold sentence holds a gold answer), answered and declined (at the
shipped threshold, three replies counted as `verbatim eval` counts them). Choose on the tuning
sets (XQuAD even articles, ESTER train); report on the held-out ones (xquad-report, ester-dev).
`-1:2` is reading every question (the figures before the cascade). `--first-sentences` reads that
many sentences of the first hit's chunk on the second path (0: all; default READ_PER_CHUNK).
"""

import argparse
import pickle
import sys
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from fit_confidence import datasets, trials  # noqa: E402

from index.evaluation.calibration import DEPTH, SizeReport  # noqa: E402
from index.models.embedding import CachedEmbedder, load_embedder  # noqa: E402
from index.models.reader import CachedReader  # noqa: E402
from index.models.readers import load_reader  # noqa: E402
from index.ranking import reading, retrieval  # noqa: E402
from index.ranking.confidence import fitted  # noqa: E402

PATHS = (("unread", 2.0, 2.0), ("first", -1.0, -1.0), ("top", -1.0, 2.0))  # (name, NOTHING_BELOW, FIRST_ONLY_FROM)


def asked(name: str, documents, questions, first_sentences: int) -> tuple[list[SizeReport], list[dict]]:
    """The set's trials on the path that reads the top chunks, and each search's hits on every path."""
    searches, pick = [], retrieval._pick_answers
    shipped = reading.NOTHING_BELOW, reading.FIRST_ONLY_FROM, reading.READ_PER_CHUNK

    def every_path(*args, **kwargs):
        by_path = {}
        for path, below, first_from in PATHS:
            reading.NOTHING_BELOW, reading.FIRST_ONLY_FROM = below, first_from
            reading.READ_PER_CHUNK = first_sentences if path == "first" else shipped[2]
            by_path[path] = pick(*args, **kwargs)
        searches.append(by_path)
        return by_path["top"]

    retrieval._pick_answers = every_path
    try:
        reports = trials(name, documents, questions, CachedEmbedder(load_embedder()), CachedReader(load_reader()))
    finally:
        retrieval._pick_answers = pick
        reading.NOTHING_BELOW, reading.FIRST_ONLY_FROM, reading.READ_PER_CHUNK = shipped
    return reports, searches


def cascaded(reports: list[SizeReport], searches: list[dict], below: float, first_from: float):
    """The trials as the cascade with these values would answer them, and the share on each path."""
    out, paths, number = [], {"unread": 0, "first": 0, "top": 0}, iter(searches)
    for report in reports:
        trials_ = []
        for trial in report.trials:
            by_path = next(number)
            first = by_path["unread"][0].score if by_path["unread"] else 0.0
            path = "unread" if first < below else "first" if first >= first_from else "top"
            paths[path] += 1
            trials_.append(replace(trial, hits=tuple(by_path[path][:DEPTH])))
        out.append(SizeReport(report.size, trials_))
    total = sum(paths.values()) or 1
    return out, {path: count / total for path, count in paths.items()}


def figures(report: SizeReport, threshold: float) -> tuple[float, float, float, float]:
    answerable = [t for t in report.trials if t.answerable]
    right = [t for t in answerable if t.hits and t.hits[0].document.source in t.question.relevant]
    bold = [t for t in right if any(a.lower() in t.hits[0].sentence.text.lower() for a in t.question.answers)]
    f = report.figures(threshold)
    n = len(answerable) or 1
    return len(right) / n, len(bold) / n, f["answered"], f["declined"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    parser.add_argument("--sets", default="xquad-tune,ester-train")
    parser.add_argument("--grid", default="-1:2,0.05:0.5,0.1:0.5,0.1:0.6,0.1:0.7,0.1:0.8",
                        help="NOTHING_BELOW:FIRST_ONLY_FROM pairs to compare")
    parser.add_argument("--first-sentences", type=int, default=reading.READ_PER_CHUNK,
                        help="sentences of the first hit's chunk read on the second path (0: all)")
    parser.add_argument("--save", type=Path, help="keep each set's searches here (and read them back next time)")
    args = parser.parse_args()
    data = datasets(args.shared)
    threshold = fitted().threshold
    print("| set | below : from | unread / first / top five | size | Recall@1 | answer sentence@1 | answered | declined |\n"
          "|---|---|---|---|---|---|---|---|")
    for name in args.sets.split(","):
        saved = args.save / f"decided-{name}-first{args.first_sentences}.pkl" if args.save else None
        if saved and saved.exists():
            reports, searches = pickle.loads(saved.read_bytes())
        else:
            reports, searches = asked(name, *data[name], args.first_sentences)
            if saved:
                saved.parent.mkdir(parents=True, exist_ok=True)
                saved.write_bytes(pickle.dumps((reports, searches)))
        for pair in args.grid.split(","):
            below, first_from = map(float, pair.split(":"))
            variant, shares = cascaded(reports, searches, below, first_from)
            share = " / ".join(f"{shares[p]:.2f}" for p in ("unread", "first", "top"))
            for report in variant:
                r1, bold, answered, declined = figures(report, threshold)
                print(f"| {name} | {below:g} : {first_from:g} | {share} | {report.size or 'all'} | {r1:.3f} | "
                      f"{bold:.3f} | {answered:.3f} | {declined:.3f} |", flush=True)


if __name__ == "__main__":
    main()
