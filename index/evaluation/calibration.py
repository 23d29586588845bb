"""How well "not found" works as a collection grows: the question's passage alone, with 9 others,
and with all of them; each question asked once with its passage and once without it.

"Without it" is the same index less the question's passage. With one passage that would leave
an empty index, which declines everything for free, so at size 1 the question is asked of one
*other* passage alone instead: the case of a new user asking their one document about something
it does not cover.
"""

import random
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..models.embedding import CachedEmbedder, Embedder, load_embedder
from .measures import Question
from ..library import Library
from ..storage import Location
from ..models.reader import CachedReader, Reader
from ..models.readers import load_reader
from ..types import Hit, SourceText

SIZES = (1, 10, 0)  # 0: every passage
DEPTH = 5  # hits kept per question: enough to see what "found" would show


@dataclass(frozen=True)
class Trial:
    """One question asked of one index."""

    question: Question
    size: int  # passages in the collection the question belongs to (0: all)
    answerable: bool  # the question's passage was in the index
    hits: tuple[Hit, ...]
    nowhere: bool = False  # a telling word of the question is in no document: never answered

    def _answer(self, threshold: float) -> Hit | None:
        """The hit a person is shown as the answer (index/ranking/retrieval.search): the first
        that passes the threshold and gives the kind of answer asked; none when a passing hit
        lacks it and none gives it, or when the documents lack a telling word."""
        if self.nowhere:
            return None
        return next((h for h in self.hits if h.score >= threshold and not h.lacks), None)

    def top_is_relevant(self, threshold: float) -> bool:
        """The answer shown comes from the question's passage."""
        answer = self._answer(threshold)
        return answer is not None and answer.document.source in self.question.relevant

    def quotes_an_answer(self) -> bool:
        """The top hit's quote holds one of the question's gold answers (when it has any)."""
        quote = self.hits[0].quote.text.lower() if self.hits else ""
        return any(answer.lower() in quote for answer in self.question.answers)

    def declined(self, threshold: float) -> bool:
        """The user is told the documents do not hold it: "not found", or the closest passage
        and what it lacks."""
        return self._answer(threshold) is None


@dataclass
class SizeReport:
    """Figures for one collection size."""

    size: int
    trials: list[Trial] = field(default_factory=list)

    def figures(self, threshold: float) -> dict[str, float]:
        """Answered with the right passage first; declined; precision/recall of "not found"."""
        answerable = [t for t in self.trials if t.answerable]
        unanswerable = [t for t in self.trials if not t.answerable and not t.question.impossible]
        impossible = [t for t in self.trials if t.question.impossible]
        true_declines = sum(t.declined(threshold) for t in unanswerable)
        declines = true_declines + sum(t.declined(threshold) for t in answerable)
        # Another passage may say the same thing: a quote that holds the gold answer is no mistake.
        answer_free = [t for t in unanswerable if not t.quotes_an_answer()]
        return {
            "answerable": len(answerable), "unanswerable": len(unanswerable),
            "answered": _share(t.top_is_relevant(threshold) for t in answerable),
            "declined": _share(t.declined(threshold) for t in unanswerable),
            "declined_answer_free": _share(t.declined(threshold) for t in answer_free),
            "not_found_precision": true_declines / declines if declines else 1.0,
            "not_found_recall": true_declines / len(unanswerable) if unanswerable else 0.0,
            **({"impossible": len(impossible), "declined_impossible": _share(t.declined(threshold) for t in impossible)}
               if impossible else {}),
        }


def _share(values: Iterable[bool]) -> float:
    values = list(values)
    return sum(values) / len(values) if values else 0.0


def groups(documents: Sequence[SourceText], size: int, seed: int = 0) -> list[list[SourceText]]:
    """Split documents into shuffled groups of `size` (0: one group of all)."""
    order = list(documents)
    random.Random(seed).shuffle(order)
    if size <= 0 or size >= len(order):
        return [order]
    return [order[i : i + size] for i in range(0, len(order), size)]


def by_size(
    documents: Sequence[SourceText], questions: Sequence[Question], embedder: Embedder,
    sizes: Sequence[int] = SIZES, progress: Callable[[str], None] = lambda _: None,
    reader: "Reader | None" = None, location: Location | None = None,
) -> list[SizeReport]:
    """Ask every question with and without its passage, in collections of each size (scratch
    indexes like `location`'s, dropped after; default: embedded, in a temporary directory).

    `embedder` is shared by every index built here (wrap it in a cache so that a passage is
    embedded once, however many indexes hold it). Each question has one relevant passage. An
    `impossible` question (SQuAD 2.0) is asked with its passage there, which does not answer
    it: an unanswerable trial written to look answerable, not asked again without the passage.
    """
    asked, impossible = {}, {}
    for question in questions:
        (impossible if question.impossible else asked).setdefault(next(iter(question.relevant)), []).append(question)
    reports = []
    with tempfile.TemporaryDirectory() as scratch:
        for size in sizes:
            report = SizeReport(size)
            parts = groups(documents, size)
            for number, group in enumerate(parts):
                progress(f"size {size or 'all'}: group {number + 1}/{len(parts)}")
                where = (location or Location(Path(scratch))).scratch(Path(scratch) / f"{size}-{number}",
                                                                      f"{size}_{number}")
                library = Library(where, model=embedder.name, embedder=embedder, reader=reader or False)
                library.add(group, summaries=False)
                for doc in group:
                    report.trials += _ask(library, asked.get(doc.source, ()), size, True)
                    report.trials += _ask(library, impossible.get(doc.source, ()), size, False)
                if size == 1:  # the questions of the passage half the list away, without theirs
                    other = parts[(number + len(parts) // 2) % len(parts)][0]
                    report.trials += _ask(library, asked.get(other.source, ()), size, False)
                else:
                    for doc in group:
                        if asked.get(doc.source):
                            library.remove(doc.source)
                            report.trials += _ask(library, asked[doc.source], size, False)
                            library.add([doc], summaries=False)
                library.drop()
                library.close()
            reports.append(report)
    return reports


def _ask(library: Library, questions: Iterable[Question], size: int, answerable: bool) -> list[Trial]:
    asked = [(q, library.search(q.text, DEPTH, every=True)) for q in questions]
    return [Trial(q, size, answerable, answer.hits, bool(answer.missing.words)) for q, answer in asked]


def calibrate(
    documents: Sequence[SourceText], questions: Sequence[Question], model: str,
    sizes: Sequence[int] = SIZES, progress: Callable[[str], None] = lambda _: None,
    reader: bool = False, runtime: str = "onnx", location: Location | None = None,
) -> list[SizeReport]:
    """`by_size` with the named model (and the reader, when asked), each passage embedded once
    for all the indexes."""
    return by_size(documents, questions, CachedEmbedder(load_embedder(model, runtime)), sizes, progress=progress,
                   reader=CachedReader(load_reader(runtime)) if reader else None, location=location)
