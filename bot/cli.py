"""The `verbatim` command: ingest, list, remove, ask, show, chat, serve, migrate and prepare."""

import asyncio
import datetime
import json
import logging
from dataclasses import asdict
from pathlib import Path

import click

from index import MULTILINGUAL_MODEL, Answer, Location, Summary, VerbatimError, hidden, use_cache_dir

from . import formatting, i18n, logs, redaction
from .config import Settings, SettingsError, StartupError
from .cli_collections import collections
from .cli_common import Context, collection_option, index_option, open_library
from .cli_feeds import feeds
from .evaluate import evaluate

log = logging.getLogger("verbatim")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--env-file", default=".env", show_default=True, help="File with settings.")
@click.option("-v", "--verbose", is_flag=True, help="Log debug details.")
@click.pass_context
def cli(ctx: click.Context, env_file: str, verbose: bool) -> None:
    """Answer questions from your documents with verbatim quotes, here or in Telegram.

    Add documents with `ingest`, then `ask`, `chat` in the console, or `serve` the Telegram bot.
    Settings come from the environment or .env (see .env.example).
    """
    settings = Settings.load(env_file)
    use_cache_dir(settings.cache_dir)
    serving = ctx.invoked_subcommand == "serve" or (ctx.invoked_subcommand == "run" and settings.telegram_bot_token)
    level = "DEBUG" if verbose else settings.log_level or ("INFO" if serving else "WARNING")
    logs.configure(level, settings.telegram_bot_token, settings.milvus_token)
    ctx.obj = Context(settings)


@cli.command()
@click.argument("targets", nargs=-1, required=True)
@index_option
@collection_option
@click.option("--quiet", is_flag=True, help="No progress bars.")
@click.pass_obj
def ingest(obj: Context, targets: tuple[str, ...], index_dir: Path | None, collection: str, quiet: bool) -> None:
    """Add or update documents: files, folders (recursively) and http(s) URLs.

    Supported: .txt, .md, .html, .pdf, and with the `ocr` extra pictures of pages (.png, .jpg,
    .webp, .tif…) and PDF pages without a text layer, read by OCR (a bar shows the pages of a
    long scan). Unchanged documents are skipped without re-embedding.
    """
    report = obj.library(index_dir, create=True).ingest(targets, progress=not quiet, collection=collection)
    for source, reason in report.errors:
        click.echo(f"skipped: {hidden(reason)}", err=True)
    click.echo(report.describe())
    if report.added + report.updated + report.unchanged == 0:
        raise click.ClickException("nothing could be ingested")


@cli.command()
@index_option
@collection_option(several=True)
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_obj
def documents(obj: Context, index_dir: Path | None, collection: tuple[str, ...], as_json: bool) -> None:
    """List the documents in the index (of the shared collection, or those given)."""
    docs = obj.library(index_dir).documents(collections=collection)
    if as_json:
        click.echo(json.dumps([listing(d) for d in docs], ensure_ascii=False, indent=2))
        return
    for doc in docs:
        date = doc.published[:10] if doc.published else "----------"
        click.echo(f"{doc.id}  {date}  {doc.chunks:4d} chunks  {doc.title}  ({hidden(doc.source)})")
    click.echo(f"{len(docs)} documents", err=True)


@cli.command()
@click.argument("document")
@index_option
@collection_option
@click.pass_obj
def remove(obj: Context, document: str, index_dir: Path | None, collection: str) -> None:
    """Delete a document (by id, id prefix or source) and its vectors."""
    removed = obj.library(index_dir).remove(document, [collection])
    click.echo(f"removed {removed.id} {removed.title} ({removed.chunks} chunks)")


@cli.command()
@click.argument("document")
@index_option
@collection_option(several=True)
@click.option("--json", "as_json", is_flag=True, help="Print id, title, source, published, text.")
@click.pass_obj
def show(obj: Context, document: str, index_dir: Path | None, collection: tuple[str, ...], as_json: bool) -> None:
    """Print a stored document's text and metadata."""
    doc = obj.library(index_dir).document(document, collection)
    if as_json:
        click.echo(json.dumps({**asdict(doc), "source": hidden(doc.source)}, ensure_ascii=False))
        return
    click.echo(f"{doc.title}\n{hidden(doc.source)}" + (f"\n{doc.published}" if doc.published else ""))
    click.echo("\n" + doc.text)


@cli.command()
@click.argument("question", nargs=-1)
@index_option
@collection_option(several=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object per question.")
@click.option("--batch", type=click.File("r"), help="Read one question per line from FILE (- for stdin).")
@click.option("--k", default=5, show_default=True, type=click.IntRange(1, 100),
              help="Hits per question. With --json, all K best first, each with its score, whether or not "
                   "they reach the threshold; as text, what the bot would show.")
@click.pass_obj
def ask(obj: Context, question: tuple[str, ...], index_dir: Path | None, collection: tuple[str, ...], as_json: bool,
        batch, k: int) -> None:
    """Answer a question with verbatim quotes from the documents."""
    if batch is None and not question:
        raise click.UsageError("give a QUESTION or --batch FILE")
    library = obj.library(index_dir)
    questions = [line.strip() for line in batch] if batch else [" ".join(question)]
    failed = 0
    for text in questions:
        if batch and not text:
            continue
        try:
            answer = library.search(text, k, every=as_json, collections=collection)
        except Exception as error:  # noqa: BLE001 -- one bad line costs that line, never the lines after it
            if not batch:
                raise
            failed += 1
            log.debug("could not answer %r", text[:80], exc_info=True)  # the traceback with -v
            click.echo(json.dumps({"question": text, "error": hidden(str(error))}, ensure_ascii=False)
                       if as_json else f"Error: could not answer {text[:80]!r}: {hidden(str(error))}\n")
            continue
        click.echo(json.dumps(answer_json(answer), ensure_ascii=False) if as_json
                   else formatting.answer_plain(answer) + ("\n" if batch else ""))
    if failed:
        raise click.ClickException(f"{failed} of the questions could not be answered (see the errors above)")


def listing(document) -> dict:
    """A listed document in the shape `documents --json` has always had (`show --json` says whether
    its text was read from an image, and its language)."""
    return {k: hidden(v) if k == "source" else v for k, v in asdict(document).items()
            if k not in ("from_image", "language", "collection")}


def answer_json(answer: Answer) -> dict:
    """Shape an answer as the stable `ask --json` object: `state` is "answered", "closest" or
    "not found"; `missing` names what the closest passage lacks ({"kind", "words"})."""
    return {
        "question": answer.question,
        "found": answer.found,
        "state": answer.state,
        "missing": {"kind": answer.missing.kind or None, "words": list(answer.missing.words)},
        "hits": [
            {
                "document": hit.document.id, "title": hit.document.title,
                "source": hidden(hit.document.source), "score": round(hit.score, 4),
                "text": hit.quote.text, "start": hit.quote.start, "end": hit.quote.end,
                "answer": {"text": hit.sentence.text, "start": hit.sentence.start, "end": hit.sentence.end},
            }
            for hit in answer.hits
        ],
    }


@cli.command()
@click.argument("documents", nargs=-1)
@index_option
@click.option("--all", "every", is_flag=True, help="Summarise every document.")
@click.option("--json", "as_json", is_flag=True, help='One line per document: {"document", "sentences": [{"text", "start", "end"}]}.')
@click.pass_obj
def summarize(obj: Context, documents: tuple[str, ...], index_dir: Path | None, every: bool, as_json: bool) -> None:
    """Print the extractive summary (1-3 verbatim sentences) of documents."""
    library = obj.library(index_dir)
    refs = [d.id for d in library.documents()] if every else list(documents)
    if not refs:
        raise click.UsageError("name DOCUMENTs or use --all")
    for ref in refs:
        summary = library.summary(ref)
        click.echo(json.dumps(summary_json(summary), ensure_ascii=False) if as_json else _summary_text(summary))


def summary_json(summary: Summary) -> dict:
    """Shape a summary as the stable `summarize --json` object."""
    return {"document": summary.document.id,
            "sentences": [{"text": s.text, "start": s.start, "end": s.end} for s in summary.sentences]}


def _summary_text(summary: Summary) -> str:
    lines = [f"{summary.document.title} ({summary.document.id})"]
    lines += [f"  > {span.text}" for span in summary.sentences]
    return "\n".join(lines) + "\n"


@cli.command()
@index_option
@click.option("--since", required=True, help="Documents ingested on or after this date (YYYY-MM-DD).")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list of stories.")
@click.pass_obj
def digest(obj: Context, index_dir: Path | None, since: str, as_json: bool) -> None:
    """Print a digest of new documents: one item per story, near-duplicates merged."""
    try:
        since = datetime.date.fromisoformat(since).isoformat()
    except ValueError:
        raise click.BadParameter("use a date like 2026-11-28", param_hint="--since") from None
    items = obj.library(index_dir).digest(since=since)
    if as_json:
        click.echo(json.dumps([{**summary_json(item.summary),
                                "sources": [listing(d) for d in item.sources]} for item in items],
                              ensure_ascii=False, indent=2))
        return
    for number, item in enumerate(items, start=1):
        carried = f" [{len(item.sources)} sources]" if len(item.sources) > 1 else ""
        click.echo(f"{number}. {_summary_text(item.summary).rstrip()}{carried}")
        for doc in item.sources[1:]:
            click.echo(f"     also: {doc.title} ({doc.source})")
    click.echo(f"{len(items)} stories", err=True)


@cli.command()
@index_option
@click.pass_obj
def chat(obj: Context, index_dir: Path | None) -> None:
    """Chat in the console, answered as the Telegram bot answers (empty line or Ctrl-D quits)."""
    from .console import chat_loop

    chat_loop(obj.library(index_dir), obj.settings.max_results)


@cli.command()
@index_option
@click.pass_obj
def serve(obj: Context, index_dir: Path | None) -> None:
    """Run the Telegram bot (needs TELEGRAM_BOT_TOKEN); Ctrl-C stops it."""
    from .app import build_app, check_bot_api

    if not obj.settings.telegram_bot_token:
        raise click.ClickException("TELEGRAM_BOT_TOKEN is not set. Put it in .env (see .env.example).")
    asyncio.run(check_bot_api(obj.settings))
    library = obj.library(index_dir, create=True)
    # Before the first question. A multilingual model's users ask in the languages the bot speaks
    # too: preparing those takes ~0.7 GB, worth it only where such questions find answers.
    library.warm(i18n.languages() if obj.settings.model == MULTILINGUAL_MODEL else (), tagger=True)
    build_app(obj.settings, library).run_polling(allowed_updates=None, drop_pending_updates=False)


@cli.command()
@click.option("--to", "target", required=True, metavar="URI",
              help="A Milvus URI (http://host:19530, or a Milvus Lite file path.db), or a directory "
                   "for an embedded index.")
@index_option
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_obj
def migrate(obj: Context, target: str, index_dir: Path | None, quiet: bool) -> None:
    """Copy the index (VERBATIM_MILVUS_URI if set, else --index / VERBATIM_INDEX_DIR) into
    another backend, vectors and summaries included: nothing is embedded again.

    Embedded to Milvus: `verbatim migrate --to http://milvus:19530`. Back: run it with
    VERBATIM_MILVUS_URI set and `--to DIR`. Documents already in the target are replaced.
    """
    source = obj.library(index_dir)
    s = obj.settings
    destination = open_library(s, Location.parse(target, index_dir or s.index_dir, s.milvus_token), create=True,
                               model=source.model_name)
    if destination.where == source.where:
        raise click.ClickException(f"{target} is the index being copied")
    copied = source.copy_to(destination, progress=not quiet)
    click.echo(f"{copied} documents copied from {source.where} to {destination.where}")


@cli.command()
@click.pass_obj
def prepare(obj: Context) -> None:
    """Get the model and the reader ready to run offline (on onnx: export them once, ~20 s, to
    ~/.cache/verbatim)."""
    from index import load_embedder, load_reader

    s = obj.settings
    embedder = load_embedder(s.model, s.runtime)
    embedder.embed(["Ready."])
    click.echo(f"{s.model} is ready ({getattr(embedder, 'runtime', 'registered')}).")
    if s.reader:
        load_reader(s.runtime).score("Ready?", ["Ready."])
        click.echo(f"The reader is ready ({s.runtime}).")


@cli.command()
@click.argument("targets", nargs=-1)
@index_option
@click.pass_context
def run(ctx: click.Context, targets: tuple[str, ...], index_dir: Path | None) -> None:
    """Ingest TARGETS (if any), then serve the bot when a token is set, else open the chat."""
    obj: Context = ctx.obj
    if targets:
        report = obj.library(index_dir, create=True).ingest(targets)
        click.echo(report.describe())
    if obj.settings.telegram_bot_token:
        ctx.invoke(serve, index_dir=index_dir)
    else:
        click.echo("No TELEGRAM_BOT_TOKEN set: opening the console chat instead.")
        ctx.invoke(chat, index_dir=index_dir)


cli.add_command(evaluate)
cli.add_command(feeds)
cli.add_command(collections)


def main(argv: list[str] | None = None) -> int:
    """Run the CLI, turning known errors into one line and a non-zero exit code."""
    try:
        cli(args=argv, standalone_mode=False)
    except click.exceptions.Abort:
        click.echo("Aborted.", err=True)
        return 130
    except click.ClickException as error:
        error.show()
        return error.exit_code
    except (VerbatimError, SettingsError, StartupError) as error:
        click.echo(f"Error: {redaction.RedactToken(None).redact(str(error))}", err=True)
        return 1
    return 0
