"""`verbatim eval`: measure retrieval on public data, each method in the same run."""

import json
import tempfile
from pathlib import Path

import click

from index import Library, evaluate as run, figures, load_beir, load_squad, not_found_precision_recall

METHODS = ("bm25", "dense", "fused", "hybrid")


@click.group("eval")
def evaluate() -> None:
    """Measure retrieval on a BEIR folder or a SQuAD file (BM25, dense, fused and hybrid)."""


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


@evaluate.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--limit", type=int, help="Only the first N questions (a quick look).")
@click.option("--keep", type=click.Path(file_okay=False, path_type=Path),
              help="Build (or reuse) the index in this folder instead of a temporary one.")
@click.pass_obj
def squad(obj, file: Path, as_json: bool, limit: int | None, keep: Path | None) -> None:
    """Each paragraph a document; print Recall@1/@5, MRR@10, answer-sentence accuracy@1 and
    how well "not found" works (each question asked again as if its paragraph were removed)."""
    documents, questions = load_squad(file)
    _report(obj, documents, questions[:limit] if limit else questions, True, as_json, 10, keep)


def _report(obj, documents, questions, squad: bool, as_json: bool, k: int, keep: Path | None) -> None:
    settings = obj.settings
    with tempfile.TemporaryDirectory() as scratch:
        library = Library(keep or scratch, model=settings.model, threshold=settings.threshold,
                          chunk_tokens=settings.chunk_tokens)
        ingest = library.add(documents, progress=not as_json, summaries=False)
        results = {}
        for method in METHODS:
            report = run(library, questions, k, method)
            results[method] = figures(report, squad)
            if squad and method == "hybrid":
                precision, recall = not_found_precision_recall(report, settings.threshold)
                results[method].update(not_found_precision=precision, not_found_recall=recall)
    out = {"documents": len(documents), "questions": len(questions),
           "chunks": ingest.chunks_embedded, "threshold": settings.threshold, "methods": results}
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


def _cell(value) -> str:
    return "" if value is None else f"{value:.1f}" if value > 1 else f"{value:.3f}"
