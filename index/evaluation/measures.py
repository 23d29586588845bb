"""Measure retrieval on public data: SQuAD-style paragraphs and BEIR folders."""

import gzip
import json
import math
import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from ..library import Library
from ..types import SourceText


@dataclass(frozen=True)
class Question:
    """A question, the document that answers it, and (for SQuAD) the answer strings."""

    text: str
    relevant: frozenset[str]
    answers: tuple[str, ...] = ()
    impossible: bool = False  # SQuAD 2.0: written to look answerable from `relevant`, which does not answer it


@dataclass(frozen=True)
class QuestionResult:
    """What the index returned for one question."""

    question: Question
    ranking: tuple[str, ...]  # document sources, best first
    top_score: float  # cosine of the best chunk
    best_other: float  # cosine of the best chunk outside the relevant documents
    answer_text: str  # the highlighted sentence of the top hit
    seconds: float


@dataclass
class Report:
    """Figures over a set of questions."""

    results: list[QuestionResult] = field(default_factory=list)

    def recall(self, k: int) -> float:
        return _mean(len(set(r.ranking[:k]) & r.question.relevant) / len(r.question.relevant)
                     for r in self.results)

    def mrr(self, k: int = 10) -> float:
        return _mean(next((1 / (i + 1) for i, s in enumerate(r.ranking[:k]) if s in r.question.relevant), 0.0)
                     for r in self.results)

    def ndcg(self, k: int = 10) -> float:
        def one(r: QuestionResult) -> float:
            gains = sum(1 / math.log2(i + 2) for i, s in enumerate(r.ranking[:k]) if s in r.question.relevant)
            ideal = sum(1 / math.log2(i + 2) for i in range(min(k, len(r.question.relevant))))
            return gains / ideal
        return _mean(one(r) for r in self.results)

    def answer_accuracy(self) -> float:
        """Share of questions whose top hit is relevant and whose bold sentence holds an answer."""
        return _mean(
            bool(r.ranking[:1]) and r.ranking[0] in r.question.relevant
            and any(a.lower() in r.answer_text.lower() for a in r.question.answers)
            for r in self.results
        )

    def median_ms(self) -> float:
        return 1000 * statistics.median(r.seconds for r in self.results)


def _mean(values: Iterable[float]) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def read_json(path: Path):
    """A JSON file, gzipped when its name ends in `.gz`."""
    raw = gzip.decompress(Path(path).read_bytes()) if str(path).endswith(".gz") else Path(path).read_bytes()
    return json.loads(raw.decode("utf-8"))


def half(items: list, which: str) -> list:
    """The even-numbered items ("tune": constants are chosen on them), the odd ("report", held
    out), or "all"."""
    return items if which == "all" else items[::2] if which == "tune" else items[1::2]


def load_squad(path: Path) -> tuple[list[SourceText], list[Question]]:
    """Read a SQuAD file (v1.1, or v2.0 with `is_impossible` questions; `.json` or `.json.gz`):
    each paragraph a document, each question pointing at it."""
    data = read_json(path)
    documents, questions = [], []
    for article in data["data"]:
        for number, paragraph in enumerate(article["paragraphs"]):
            source = f"squad:{article['title']}/{number}"
            documents.append(SourceText(source, article["title"].replace("_", " "), paragraph["context"]))
            for qa in paragraph["qas"]:
                answers = tuple(a["text"] for a in qa["answers"])
                questions.append(Question(qa["question"], frozenset([source]), answers,
                                          bool(qa.get("is_impossible"))))
    return documents, questions


def squad_part(documents: list[SourceText], questions: list[Question], part: str
               ) -> tuple[list[SourceText], list[Question]]:
    """Keep the articles of one part: "tune" (even-numbered, used to fit constants), "report"
    (odd-numbered, held out to report on) or "all"."""
    if part == "all":
        return documents, questions
    chosen = set(half(sorted({d.source.split("/")[0] for d in documents}), part))
    docs = [d for d in documents if d.source.split("/")[0] in chosen]
    sources = {d.source for d in docs}
    return docs, [q for q in questions if q.relevant <= sources]


def load_ester(path: Path) -> tuple[list[SourceText], list[Question]]:
    """Read an ESTER file (a JSON list of context, question, answer_texts): each distinct news
    passage a document (untitled, as a pasted excerpt would be), each question pointing at it."""
    rows = json.loads(Path(path).read_text(encoding="utf-8"))
    sources: dict[str, str] = {}
    questions = []
    for row in rows:
        context = row["context"].strip()
        source = sources.setdefault(context, f"ester:{len(sources)}")
        questions.append(Question(row["question"], frozenset([source]), tuple(row["answer_texts"])))
    return [SourceText(source, "", context) for context, source in sources.items()], questions


def load_beir(directory: Path, split: str = "test") -> tuple[list[SourceText], list[Question]]:
    """Read a BEIR folder: corpus.jsonl, queries.jsonl and qrels/<split>.tsv (relevant: score > 0)."""
    directory = Path(directory)
    documents = []
    with open(directory / "corpus.jsonl", encoding="utf-8") as corpus:
        for line in corpus:
            row = json.loads(line)
            documents.append(SourceText(f"beir:{row['_id']}", row.get("title") or row["_id"], row["text"]))
    texts = {}
    with open(directory / "queries.jsonl", encoding="utf-8") as queries:
        for line in queries:
            row = json.loads(line)
            texts[row["_id"]] = row["text"]
    relevant: dict[str, set[str]] = {}
    with open(directory / "qrels" / f"{split}.tsv", encoding="utf-8") as qrels:
        for number, line in enumerate(qrels):
            parts = line.rstrip("\n").split("\t")
            if number == 0 and not parts[-1].lstrip("-").isdigit():
                continue  # header
            if len(parts) >= 3 and int(parts[-1]) > 0:
                relevant.setdefault(parts[0], set()).add(f"beir:{parts[1]}")
    questions = [Question(texts[q], frozenset(docs)) for q, docs in relevant.items() if q in texts]
    return documents, questions


def run(library: Library, questions: Iterable[Question], k: int = 10, method: str | None = None) -> Report:
    """Ask every question and record rankings, scores and timings."""
    report = Report()
    for question in questions:
        started = time.perf_counter()
        answer = library.rank(question.text, k, method)
        seconds = time.perf_counter() - started
        ranking = tuple(dict.fromkeys(hit.document.source for hit in answer))
        others = [hit.score for hit in answer if hit.document.source not in question.relevant]
        report.results.append(QuestionResult(
            question, ranking, max((h.score for h in answer), default=0.0),
            max(others, default=0.0), answer[0].sentence.text if answer else "", seconds))
    return report


def choose_threshold(report: Report, answered: float = 0.95) -> float:
    """Return the highest threshold that still answers `answered` of the answerable questions."""
    scores = sorted(r.top_score for r in report.results)
    index = int(math.floor((1 - answered) * len(scores)))
    return scores[min(index, len(scores) - 1)] if scores else 0.0


def not_found_rates(report: Report, threshold: float) -> tuple[float, float]:
    """Return (answered share of answerable, 'not found' share once the paragraph is removed)."""
    answered = _mean(r.top_score >= threshold for r in report.results)
    refused = _mean(r.best_other < threshold for r in report.results)
    return answered, refused


def not_found_precision_recall(report: Report, threshold: float) -> tuple[float, float]:
    """Precision and recall of "not found" over the labelled set: every question once with its
    paragraph (answerable) and once as if it were removed (unanswerable)."""
    true_refusals = sum(r.best_other < threshold for r in report.results)
    false_refusals = sum(r.top_score < threshold for r in report.results)
    refusals = true_refusals + false_refusals
    return (true_refusals / refusals if refusals else 1.0,
            true_refusals / len(report.results) if report.results else 0.0)


def figures(report: Report, squad: bool) -> dict[str, float]:
    """The figures `verbatim eval` prints for one method."""
    if squad:
        return {"recall@1": report.recall(1), "recall@5": report.recall(5), "mrr@10": report.mrr(10),
                "answer_sentence@1": report.answer_accuracy(), "median_ms": report.median_ms()}
    return {"ndcg@10": report.ndcg(10), "recall@10": report.recall(10), "recall@100": report.recall(100),
            "mrr@10": report.mrr(10), "median_ms": report.median_ms()}
