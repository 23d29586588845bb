"""Measure answers as a user meets them: whole articles in the index, chunked by the product, and
each question asked as the bot asks it (the threshold on). Is the answer inside the bold sentence
of the first quote, inside that quote, inside one of the first three? Is a question that the
articles do not answer declined?

Two kinds of file: SQuAD (v1.1 or 2.0, `.json` or `.json.gz`), each article one document made of
its paragraphs, an answer known by its place in the article; and news questions
(`../shared/eval/news_questions/questions.jsonl` beside its `articles.jsonl`), an answer known by
short strings that occur only in the sentences that answer.
"""

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from ..library import Library
from ..types import Answer, SourceText
from .measures import half, read_json

PARAGRAPH = "\n\n"  # between an article's paragraphs, as a pasted article has them
SHOWN = 3  # the quotes of a first page


@dataclass(frozen=True)
class ArticleQuestion:
    """A question about one article: where its answer is (character spans in the article, or
    strings found only in the answering sentences), or that the article does not answer."""

    text: str
    article: str  # the article's source
    spans: tuple[tuple[int, int], ...] = ()
    strings: tuple[str, ...] = ()
    kind: str = "answerable"  # news questions: answerable, missing-type, adjacent, look-alike; SQuAD: impossible

    @property
    def answerable(self) -> bool:
        return bool(self.spans or self.strings)


def load_squad_articles(path: Path) -> tuple[list[SourceText], list[ArticleQuestion]]:
    """A SQuAD file as whole articles: the paragraphs of each, PARAGRAPH apart, one document."""
    documents, questions = [], []
    for article in read_json(path)["data"]:
        source, text, offset = f"squad:{article['title']}", "", 0
        for paragraph in article["paragraphs"]:
            text += (PARAGRAPH if text else "") + paragraph["context"]
            offset = len(text) - len(paragraph["context"])
            for qa in paragraph["qas"]:
                spans = tuple((offset + a["answer_start"], offset + a["answer_start"] + len(a["text"]))
                              for a in qa["answers"])
                questions.append(ArticleQuestion(qa["question"], source, spans,
                                                 kind="impossible" if qa.get("is_impossible") else "answerable"))
        documents.append(SourceText(source, article["title"].replace("_", " "), text))
    return documents, questions


def load_news(path: Path) -> tuple[list[SourceText], list[ArticleQuestion]]:
    """News questions (`questions.jsonl`) about the articles in `articles.jsonl` beside it."""
    path = Path(path)
    articles = [json.loads(line) for line in (path.parent / "articles.jsonl").read_text("utf-8").splitlines() if line]
    documents = [SourceText(f"news:{a['id']}", "", a["article"].strip()) for a in articles]
    questions = []
    for line in path.read_text("utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            questions.append(ArticleQuestion(row["question"], f"news:{row['article_id']}",
                                             strings=tuple(row.get("gold") or ()), kind=row.get("kind", "answerable")))
    return documents, questions


def part(documents: list[SourceText], questions: list[ArticleQuestion], which: str
         ) -> tuple[list[SourceText], list[ArticleQuestion]]:
    """The articles of one half (measures.half) and their questions."""
    kept = half(documents, which)
    sources = {d.source for d in kept}
    return kept, [q for q in questions if q.article in sources]


def holds(question: ArticleQuestion, source: str, start: int, end: int, text: str) -> bool:
    """Whether a span of the document `source` (its text `text`) holds the question's answer."""
    if source != question.article:
        return False
    if question.spans:
        return any(start <= a and b <= end for a, b in question.spans)
    return any(s.lower() in text.lower() for s in question.strings)


def run(library: Library, questions: Iterable[ArticleQuestion], k: int = 9) -> dict:
    """Ask each question as the bot does and count, by kind: answered, the answer in the first
    quote's bold sentence, in the first quote, in the first three quotes; and declined."""
    counts: dict[str, dict[str, int]] = {}
    for question in questions:
        answer = library.search(question.text, k)
        row = counts.setdefault(question.kind, dict.fromkeys(
            ("questions", "answered", "in bold", "in first quote", "in first three", "declined"), 0))
        row["questions"] += 1
        row["answered" if answer.found else "declined"] += 1
        if question.answerable and answer.found:
            for name, found in _found(question, answer).items():
                row[name] += found
    return {kind: {"questions": row["questions"], **{name: row[name] / row["questions"]
                                                      for name in row if name != "questions"}}
            for kind, row in sorted(counts.items())}


def _found(question: ArticleQuestion, answer: Answer) -> dict[str, bool]:
    first = answer.hits[0]
    source = first.document.source
    return {
        "in bold": holds(question, source, first.sentence.start, first.sentence.end, first.sentence.text),
        "in first quote": holds(question, source, first.quote.start, first.quote.end, first.quote.text),
        "in first three": any(holds(question, h.document.source, h.quote.start, h.quote.end, h.quote.text)
                              for h in answer.hits[:SHOWN]),
    }
