"""`verbatim eval`: measure retrieval on public data, each method in the same run."""

import contextlib
import json
import tempfile
from dataclasses import replace
from pathlib import Path

import click

from index import (
    READINGS, article_part, conversation_part, evaluate_articles, evaluate_conversations, load_conversations,
    load_news, load_squad_articles,
    calibrate, evaluate as run, figures, load_beir, load_ester, load_squad, not_found_precision_recall, squad_part,
)

from .cli_common import open_library

METHODS = ("bm25", "dense", "fused", "hybrid")


@click.group("eval")
def evaluate() -> None:
    """Measure retrieval on a BEIR folder or a SQuAD file (BM25, dense, fused and hybrid).

    With VERBATIM_MILVUS_URI set, the indexes are built there (scratch collections, dropped after).
    """


@evaluate.command()
@click.argument("directory", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--split", default="test", show_default=True, help="Which qrels/<split>.tsv to use.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--limit", type=int, help="Only the first N queries (a quick look).")
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path),
              help="Build (or reuse) the index in this folder instead of a temporary one.")
@click.pass_obj
def beir(obj, directory: Path, split: str, as_json: bool, limit: int | None, keep: Path | None) -> None:
    """Ingest a BEIR folder into a temporary index; print nDCG@10, Recall@10/@100, MRR@10."""
    documents, questions = load_beir(directory, split)
    _report(obj, documents, questions[:limit] if limit else questions, False, as_json, 200, keep)


def asked_in(questions: list, translated: list, where: Path) -> list:
    """FILE's questions (their paragraph, their answers in its language) worded as in another
    file of the same questions in the same order."""
    if len(translated) != len(questions):
        raise click.BadParameter(f"{where} has {len(translated)} questions, FILE has {len(questions)}: "
                                 "not the same set", param_hint="--questions")
    return [replace(q, text=t.text) for q, t in zip(questions, translated)]


def _sizes(ctx, param, value: str) -> tuple[int, ...]:
    try:
        return tuple(0 if part.strip() == "all" else int(part) for part in value.split(",") if part.strip())
    except ValueError:
        raise click.BadParameter("use sizes like 1,10,all (or an empty string for none)") from None


def qa_options(command):
    """The options shared by the question-answering sets (SQuAD, ESTER)."""
    for option in reversed([
        click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path)),
        click.option("--json", "as_json", is_flag=True, help="Print one JSON object."),
        click.option("--limit", type=int, help="Only the first N questions (a quick look)."),
        click.option("--keep", type=click.Path(file_okay=False, path_type=Path),
                     help="Build (or reuse) the index in this folder instead of a temporary one."),
        click.option("--sizes", default="1,10,all", show_default=True, callback=_sizes,
                     help='Collection sizes for the "not found" table (passage alone, with 9 others, all).'),
        click.pass_obj,
    ]):
        command = option(command)
    return command


@evaluate.command()
@qa_options
@click.option("--part", type=click.Choice(["all", "tune", "report"]), default="all", show_default=True,
              help="Articles to use: even-numbered (tune: constants were fitted on them), odd (report), all.")
@click.option("--questions", "questions_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Ask the questions of this file instead (the same ids and order in another language: "
                   "XQuAD's translations), against FILE's paragraphs: cross-lingual retrieval.")
@click.option("--whole-articles", is_flag=True,
              help="Each article one document, chunked as ingest chunks it, each question asked as the bot "
                   "asks it: the answer inside the first quote's bold sentence, the first quote, the first "
                   "three; SQuAD 2.0's impossible questions declined.")
def squad(obj, file: Path, as_json: bool, limit: int | None, keep: Path | None, sizes, part: str,
          questions_file: Path | None, whole_articles: bool) -> None:
    """Each paragraph a document; print Recall@1/@5, MRR@10, answer-sentence accuracy@1, and how
    "not found" holds by collection size (each question asked with and without its paragraph).
    With --whole-articles, what a user meets instead (see `eval news`)."""
    if whole_articles:
        documents, questions = article_part(*load_squad_articles(file), part)
        _articles(obj, documents, questions[:limit] if limit else questions, as_json, keep)
        return
    documents, questions = load_squad(file)
    if questions_file:
        questions = asked_in(questions, load_squad(questions_file)[1], questions_file)
    documents, questions = squad_part(documents, questions, part)
    _report(obj, documents, questions[:limit] if limit else questions, True, as_json, 10, keep, sizes)


@evaluate.command()
@qa_options
def squad2(obj, file: Path, as_json: bool, limit: int | None, keep: Path | None, sizes) -> None:
    """A SQuAD 2.0 file (.json or .json.gz), each paragraph a document: the figures of `eval
    squad` on the answerable questions, and by collection size how many `is_impossible` ones
    (written to look answerable from their paragraph, which is in the index) are declined."""
    documents, questions = load_squad(file)
    questions = questions[:limit] if limit else questions
    if not any(q.impossible for q in questions):
        raise click.UsageError(f"{file} has no is_impossible questions: use `verbatim eval squad`")
    _report(obj, documents, questions, True, as_json, 10, keep, sizes)


@evaluate.command()
@qa_options
def ester(obj, file: Path, as_json: bool, limit: int | None, keep: Path | None, sizes) -> None:
    """ESTER news questions (e.g. final_dev_ans_gen.json): the same figures as `eval squad`."""
    documents, questions = load_ester(file)
    _report(obj, documents, questions[:limit] if limit else questions, True, as_json, 10, keep, sizes)


@evaluate.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--part", type=click.Choice(["all", "tune", "report"]), default="all", show_default=True,
              help="Conversations to use: even-numbered (tune: constants were chosen on them), odd (report), all.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--limit", type=int, help="Only the first N conversations (a quick look).")
@click.pass_obj
def conversations(obj, file: Path, part: str, as_json: bool, limit: int | None) -> None:
    """Follow-up questions (TREC CAsT 2022 topics): every answer passage a document; each turn
    searched as typed (raw), as the bot reads it in its thread (bot) and as a person rewrote it
    (rewrite). Prints Recall@1/@5 of each, on all turns, on turns that lean on earlier ones and on
    self-contained turns."""
    try:
        documents, threads = load_conversations(file)
    except (ValueError, KeyError) as error:
        raise click.UsageError(f"{file}: not a CAsT topics file ({error})") from None
    if not documents:
        raise click.UsageError(f"{file} has no answer passages (CAsT 2019/2020 give MS MARCO ids, not text): "
                               "use a file with `response` passages, as CAsT 2022's")
    threads = conversation_part(threads, part)[:limit]
    with _indexed(obj.settings, documents, "conversations", not as_json) as (library, _):
        results = evaluate_conversations(library, threads)
    if as_json:
        click.echo(json.dumps({"documents": len(documents), "conversations": len(threads), **results}))
        return
    click.echo(f"{len(documents)} passages, {len(threads)} conversations; Recall@1 / Recall@5; "
               "read in thread: turns the bot searched with words of their thread")
    click.echo("| turns | count | read in thread | " + " | ".join(READINGS) + " |\n|---|---|---|"
               + "---|" * len(READINGS))
    for subset, row in results.items():
        cells = " | ".join(f'{row[f"{name} R@1"]:.3f} / {row[f"{name} R@5"]:.3f}' for name in READINGS)
        click.echo(f"| {subset} | {row['turns']} | {row['read in thread']} | {cells} |")


@evaluate.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--part", type=click.Choice(["all", "tune", "report"]), default="all", show_default=True,
              help="Articles to use: even-numbered (tune), odd (report), all.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path),
              help="Build (or reuse) the index in this folder instead of a temporary one.")
@click.pass_obj
def news(obj, file: Path, part: str, as_json: bool, keep: Path | None) -> None:
    """News questions about whole articles (questions.jsonl beside articles.jsonl, as in
    ../shared/eval/news_questions), asked as the bot asks them. By kind of question: how many are
    answered, with the answer inside the first quote's bold sentence, the first quote, the first
    three quotes; how many are declined (the right reply to the questions the articles do not answer:
    missing-type, adjacent, look-alike)."""
    _articles(obj, *article_part(*load_news(file), part), as_json, keep)


@contextlib.contextmanager
def _indexed(settings, documents, name: str, progress: bool, keep: Path | None = None):
    """An index of `documents` for one evaluation, and what ingesting them reported: in `keep`
    (the index `verbatim ask` reads, kept), else a scratch one (on an engine: dropped after)."""
    with tempfile.TemporaryDirectory() as scratch:
        location = settings.location(keep) if keep else settings.location().scratch(Path(scratch), name)
        library = open_library(settings, location, create=True)
        try:
            yield library, library.add(documents, progress=progress, summaries=False)
            if not keep:
                library.drop()
        finally:
            library.close()


def _articles(obj, documents, questions, as_json: bool, keep: Path | None) -> None:
    with _indexed(obj.settings, documents, "articles", not as_json, keep) as (library, _):
        results = evaluate_articles(library, questions, obj.settings.max_results)
    if as_json:
        click.echo(json.dumps({"documents": len(documents), "by_kind": results}))
        return
    click.echo(f"{len(documents)} articles, {len(questions)} questions, asked as the bot asks them")
    click.echo("| kind | questions | answered | in bold | in first quote | in first three | declined |\n"
               "|---|---|---|---|---|---|---|")
    for kind, row in results.items():
        click.echo(f"| {kind} | {row['questions']} | " + " | ".join(
            f"{row[name]:.3f}" for name in ("answered", "in bold", "in first quote", "in first three", "declined"))
            + " |")


def _report(obj, documents, questions, squad: bool, as_json: bool, k: int, keep: Path | None,
            sizes: tuple[int, ...] = ()) -> None:
    settings = obj.settings
    with _indexed(settings, documents, "report", not as_json, keep) as (library, ingest):
        results = {}
        answerable = [q for q in questions if not q.impossible]  # rankings are measured on these
        for method in METHODS:
            report = run(library, answerable, k, method)
            results[method] = figures(report, squad)
            if squad and method == "hybrid":
                precision, recall = not_found_precision_recall(report, settings.threshold)
                results[method].update(not_found_precision=precision, not_found_recall=recall)
    progress = (lambda _: None) if as_json else (lambda line: click.echo(line, err=True))
    by_size = [{"size": r.size or "all", **r.figures(settings.threshold)}
               for r in calibrate(documents, questions, settings.model, sizes, progress,
                                  reader=settings.reader, runtime=settings.runtime,
                                  location=settings.location())] if sizes else []
    out = {"documents": len(documents), "questions": len(questions),
           **({"impossible": len(questions) - len(answerable)} if len(answerable) < len(questions) else {}),
           "chunks": ingest.chunks_embedded, "threshold": settings.threshold, "methods": results,
           "by_size": by_size}
    if as_json:
        click.echo(json.dumps(out))
        return
    names = list(next(iter(results.values())))
    click.echo(f"{len(documents)} documents, {len(questions)} questions")
    click.echo("| method | " + " | ".join(names) + " |")
    click.echo("|---" * (len(names) + 1) + "|")
    for method, values in results.items():
        click.echo(f"| {method} | " + " | ".join(_cell(values.get(n)) for n in names) + " |")
    if squad:
        hybrid = results["hybrid"]
        click.echo(f'"not found" at threshold {settings.threshold}: precision {hybrid["not_found_precision"]:.3f}, '
                   f'recall {hybrid["not_found_recall"]:.3f}')
    if by_size:
        click.echo('\n"not found" by collection size (with the passage: answered, right passage first; '
                   "without it: declined)")
        impossible = "impossible" in by_size[0]
        click.echo("| size | answerable | answered | declined | declined, answer-free | not-found precision "
                   "| not-found recall |" + (" impossible | declined, impossible |" if impossible else ""))
        click.echo("|---|---|---|---|---|---|---|" + ("---|---|" if impossible else ""))
        for row in by_size:
            click.echo(f"| {row['size']} | {row['answerable']} | {row['answered']:.3f} | {row['declined']:.3f} "
                       f"| {row['declined_answer_free']:.3f} | {row['not_found_precision']:.3f} "
                       f"| {row['not_found_recall']:.3f} |"
                       + (f" {row['impossible']} | {row['declined_impossible']:.3f} |" if impossible else ""))


def _cell(value) -> str:
    return "" if value is None else f"{value:.1f}" if value > 1 else f"{value:.3f}"
