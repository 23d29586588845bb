"""The reader's training data (issue #20's recipe): groups of (question, sentences, labels).

A group is one question and the sentences the reader must judge, each labelled 1 when it holds
the answer. From `../shared/eval/squad_train/` and the tuning data the reader had before:

- SQuAD v1.1 train, a seeded sample of questions: the question's paragraph (the sentences that
  hold the answer, found by its character offset, are 1; the others 0), plus sentences of the
  two other paragraphs of the same article that share most words with the question (0);
- for a share of those questions, the same paragraph *with the answer sentence taken out*: all
  0, a passage on the topic that does not answer;
- SQuAD 2.0 unanswerable questions (written to look answerable from their paragraph): their
  paragraph, all 0. From the first 10 train articles, and from the dev articles of XQuAD's
  tuning half, even-numbered ones only: the odd ones are held out to measure "declined";
- XQuAD's tuning half and ESTER train, as before (benchmarks/train_reader.py's `examples`),
  so that news questions are not forgotten.

Nothing from XQuAD's report half, ESTER dev or SciFact. `python benchmarks/reader_data.py`
prints the recipe's counts.
"""

import gzip
import json
import random
import re
import sys
from collections.abc import Iterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from index.chunking import split_sentences  # noqa: E402

SHARED = Path(__file__).resolve().parents[2] / "shared"
SQUAD_DIR = "eval/squad_train"
OTHER_PARAGRAPHS = 2
OTHER_SENTENCES = 3

Group = tuple[str, list[str], list[float]]


def read(path: Path) -> list[dict]:
    """The articles of a SQuAD file (.json or .json.gz)."""
    raw = gzip.decompress(path.read_bytes()) if path.suffix == ".gz" else path.read_bytes()
    return json.loads(raw)["data"]


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


def _sentences(text: str) -> list[tuple[int, int]]:
    return split_sentences(text) or [(0, len(text))]


def squad_groups(articles: list[dict], questions: int, removed_share: float, rng: random.Random) -> Iterator[Group]:
    """Answerable SQuAD questions, sampled; and some of them against their paragraph with the
    answer sentence taken out."""
    pool = [(a, p, qa) for a, article in enumerate(articles) for p, paragraph in enumerate(article["paragraphs"])
            for qa in paragraph["qas"] if qa.get("answers") and not qa.get("is_impossible")]
    for a, p, qa in rng.sample(pool, min(questions, len(pool))):
        paragraphs = articles[a]["paragraphs"]
        context = paragraphs[p]["context"]
        answer = qa["answers"][0]
        start, end = answer["answer_start"], answer["answer_start"] + len(answer["text"])
        spans = _sentences(context)
        labels = [float(s < end and start < e) for s, e in spans]
        if not any(labels):
            continue
        own = [context[s:e] for s, e in spans]
        asked = _words(qa["question"])
        others = sorted((i for i in range(len(paragraphs)) if i != p),
                        key=lambda i: -len(asked & _words(paragraphs[i]["context"])))[:OTHER_PARAGRAPHS]
        pool_other = [paragraphs[i]["context"][s:e] for i in others for s, e in _sentences(paragraphs[i]["context"])]
        pool_other = [s for s in pool_other if answer["text"].lower() not in s.lower()]
        negatives = rng.sample(pool_other, min(OTHER_SENTENCES, len(pool_other)))
        yield qa["question"], own + negatives, labels + [0.0] * len(negatives)
        rest = [s for s, label in zip(own, labels) if not label]
        if len(rest) >= 2 and rng.random() < removed_share:
            yield qa["question"], rest, [0.0] * len(rest)


def impossible_groups(articles: list[dict]) -> Iterator[Group]:
    """SQuAD 2.0 unanswerable questions against their own paragraph: all 0."""
    for article in articles:
        for paragraph in article["paragraphs"]:
            sentences = [paragraph["context"][s:e] for s, e in _sentences(paragraph["context"])]
            for qa in paragraph["qas"]:
                if qa.get("is_impossible"):
                    yield qa["question"], sentences, [0.0] * len(sentences)


def recipe(shared: Path, squad_questions: int, removed_share: float, seed: int) -> dict[str, list[Group]]:
    """Every source's groups, by name (the XQuAD and ESTER groups come from train_reader.py)."""
    rng = random.Random(seed)
    folder = shared / SQUAD_DIR
    dev = read(folder / "squad-v2.0-dev-tune-articles.json.gz")
    return {
        "squad v1.1 train": list(squad_groups(read(folder / "squad-v1.1-train.json.gz"), squad_questions,
                                              removed_share, rng)),
        "squad 2.0 train (10 articles), unanswerable": list(impossible_groups(
            read(folder / "squad-v2.0-train-first10-articles.json.gz"))),
        "squad 2.0 dev, XQuAD tuning articles 0, 2, 4…, unanswerable": list(impossible_groups(dev[::2])),
    }


def held_out_articles(shared: Path) -> list[dict]:
    """The SQuAD 2.0 dev articles no reader trains on (odd-numbered): where "declined" is measured."""
    return read(shared / SQUAD_DIR / "squad-v2.0-dev-tune-articles.json.gz")[1::2]


def describe(groups: dict[str, list[Group]]) -> str:
    """One line per source: groups, sentences, answering sentences, all-negative groups."""
    lines = []
    for name, part in groups.items():
        sentences = sum(len(s) for _, s, _ in part)
        positive = sum(sum(y) for *_, y in part)
        empty = sum(not any(y) for *_, y in part)
        lines.append(f"{name}: {len(part):,} groups, {sentences:,} sentences, {positive:,.0f} answering, "
                     f"{empty:,} with no answer")
    return "\n".join(lines)


def untouched(shared: Path, articles: int = 18, per_paragraph: int = 2, questions: int = 16_000,
              seed: int = 0) -> dict:
    """SQuAD v1.1 train paragraphs the recipe (`squad_groups` with this seed and sample size)
    took no question from, in `articles` seeded articles, `per_paragraph` questions each: a
    SQuAD file the reader never saw a question of, for fitting the confidence."""
    data = read(shared / SQUAD_DIR / "squad-v1.1-train.json.gz")
    pool = [(a, p, qa) for a, article in enumerate(data) for p, paragraph in enumerate(article["paragraphs"])
            for qa in paragraph["qas"] if qa.get("answers") and not qa.get("is_impossible")]
    seen = {(a, p) for a, p, _ in random.Random(seed).sample(pool, min(questions, len(pool)))}
    chosen = random.Random(seed + 1).sample(range(len(data)), articles)
    return {"version": "1.1", "data": [
        {"title": data[a]["title"], "paragraphs": [{**paragraph, "qas": paragraph["qas"][:per_paragraph]}
                                                   for p, paragraph in enumerate(data[a]["paragraphs"])
                                                   if (a, p) not in seen]}
        for a in sorted(chosen)]}


def held_out_split(shared: Path) -> dict[str, dict]:
    """The held-out articles as two SQuAD 2.0 files, split by article, every second question of
    each (so that a fit takes minutes): "fit" (0, 2, 4…: the confidence is fitted on them) and
    "report" (1, 3…: figures only); and "v1.1-fit" (`untouched`)."""
    articles = held_out_articles(shared)
    halved = [{**a, "paragraphs": [{**p, "qas": p["qas"][i % 2::2]} for i, p in enumerate(a["paragraphs"])]}
              for a in articles]
    return {"fit": {"version": "v2.0", "data": halved[::2]}, "report": {"version": "v2.0", "data": halved[1::2]},
            "v1.1-fit": untouched(shared)}


if __name__ == "__main__":
    import argparse

    parser = argparse.ArgumentParser(description="Print the reader's training recipe; --held-out writes the "
                                                 "held-out SQuAD 2.0 files for `verbatim eval squad2`.")
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--held-out", type=Path, metavar="DIR", help="write squad2-fit.json, squad2-report.json and squad2-v1.1-fit.json (SQuAD v1.1 "
                             "paragraphs no training question came from) here")
    args = parser.parse_args()
    if args.held_out:
        args.held_out.mkdir(parents=True, exist_ok=True)
        for name, data in held_out_split(args.shared).items():
            (args.held_out / f"squad2-{name}.json").write_text(json.dumps(data), encoding="utf-8")
            print(f"wrote {args.held_out / f'squad2-{name}.json'}")
    else:
        print(describe(recipe(args.shared, 16_000, 0.25, 0)))
