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
from index.text.chunking import split_sentences  # noqa: E402

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


ANTONYMS = dict(pair for a, b in (
    ("largest", "smallest"), ("first", "last"), ("before", "after"), ("most", "least"), ("highest", "lowest"),
    ("north", "south"), ("east", "west"), ("won", "lost"), ("increase", "decrease"), ("increased", "decreased"),
    ("early", "late"), ("earliest", "latest"), ("oldest", "newest"), ("major", "minor"), ("private", "public"),
    ("inside", "outside"), ("above", "below"), ("best", "worst"), ("more", "fewer"), ("positive", "negative"),
    ("longest", "shortest"), ("biggest", "smallest"), ("start", "end"), ("began", "ended"), ("open", "closed"),
    ("northern", "southern"), ("eastern", "western"), ("male", "female"), ("rich", "poor"), ("win", "lose"),
    ("allowed", "banned"), ("accepted", "rejected"), ("supported", "opposed"), ("entered", "left"),
) for pair in ((a, b), (b, a)))
COMMON = frozenset("what which when where who whom whose why how the and for was were did does that this with from "
                   "into than then they their there have has had been about many much also other after before "
                   "during between over under what\'s".split())


def _swap(question: str, paragraph: str, strangers: list[str], rng: random.Random) -> str | None:
    """The question with one telling word changed so that the paragraph no longer answers it,
    as SQuAD 2.0's writers did (an entity, a number, an antonym, a key word): None when no word
    of the question can be swapped for one the paragraph does not have."""
    text = paragraph.lower()
    tokens = re.findall(r"\w+|\W+", question)
    spots = []
    for i, token in enumerate(tokens):
        low = token.lower()
        if not re.fullmatch(r"\w+", token) or low not in text:
            continue
        if low in ANTONYMS and ANTONYMS[low] not in _words(text):
            spots.append((i, ANTONYMS[low] if token.islower() else ANTONYMS[low].capitalize()))
        elif i == 0:  # a question's first word is rarely the telling one
            continue
        elif token.isdigit():
            other = str(int(token) + rng.choice((-1, 1)) * rng.randint(1, 20 if len(token) == 4 else 5))
            if other not in text and int(other) > 0:
                spots.append((i, other))
        elif token[0].isupper() and len(token) > 2:
            names = [w for w in strangers if w[0].isupper() and w.lower() not in text]
            if names:
                spots.append((i, rng.choice(names)))
        elif len(token) >= 5 and low not in COMMON:
            words = [w for w in strangers if w.islower() and len(w) >= 5 and w not in text]
            if words:
                spots.append((i, rng.choice(words)))
    if not spots:
        return None
    i, other = rng.choice(spots)
    return "".join(tokens[:i] + [other] + tokens[i + 1:])


def swapped_groups(articles: list[dict], questions: int, rng: random.Random) -> Iterator[Group]:
    """Answerable SQuAD questions made unanswerable by one swapped word (`_swap`), each against
    its paragraph, all 0, next to the original question against the same paragraph (its answer
    sentence 1): the pair teaches that "on the topic, same words" is not "answers"."""
    pool = [(a, p, qa) for a, article in enumerate(articles) for p, paragraph in enumerate(article["paragraphs"])
            for qa in paragraph["qas"] if qa.get("answers") and not qa.get("is_impossible")]
    for a, p, qa in rng.sample(pool, min(questions, len(pool))):
        context = articles[a]["paragraphs"][p]["context"]
        stranger = articles[rng.randrange(len(articles))]
        strangers = [w for paragraph in stranger["paragraphs"][:3] for w in re.findall(r"[A-Za-z]{3,}", paragraph["context"])]
        swapped = _swap(qa["question"], context, strangers, rng)
        answer = qa["answers"][0]
        start, end = answer["answer_start"], answer["answer_start"] + len(answer["text"])
        spans = _sentences(context)
        labels = [float(s < end and start < e) for s, e in spans]
        if swapped is None or not any(labels):
            continue
        sentences = [context[s:e] for s, e in spans]
        yield qa["question"], sentences, labels
        yield swapped, sentences, [0.0] * len(sentences)


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
