"""Measure retrieval on public data: SQuAD-style paragraphs and BEIR folders."""

import json
import math
import statistics
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from .library import Library
from .types import SourceText


@dataclass(frozen=True)
class Question:
    """A question, the document that answers it, and (for SQuAD) the answer strings."""

    text: str
    relevant: frozenset[str]
    answers: tuple[str, ...] = ()


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


def load_squad(path: Path) -> tuple[list[SourceText], list[Question]]:
    """Read a SQuAD v1.1 file: each paragraph a document, each question pointing at it."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    documents, questions = [], []
    for article in data["data"]:
        for number, paragraph in enumerate(article["paragraphs"]):
            source = f"squad:{article['title']}/{number}"
            documents.append(SourceText(source, article["title"].replace("_", " "), paragraph["context"]))
            for qa in paragraph["qas"]:
                answers = tuple(a["text"] for a in qa["answers"])
                questions.append(Question(qa["question"], frozenset([source]), answers))
    return documents, questions


def run(library: Library, questions: Iterable[Question], k: int = 10) -> Report:
    """Ask every question and record rankings, scores and timings."""
    report = Report()
    for question in questions:
        started = time.perf_counter()
        answer = library.rank(question.text, k)
        seconds = time.perf_counter() - started
        ranking = tuple(dict.fromkeys(hit.document.source for hit in answer))
        others = [hit.score for hit in answer if hit.document.source not in question.relevant]
        report.results.append(QuestionResult(
            question, ranking, max((h.score for h in answer), default=0.0),
            max(others, default=0.0), answer[0].answer.text if answer else "", seconds))
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
