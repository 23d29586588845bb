"""`verbatim feeds`: follow RSS/Atom feeds whose new entries the bot ingests."""

import json
from dataclasses import asdict
from pathlib import Path

import click

from index import SHARED, Feeds, hidden

from .cli_common import Context, collection_option, index_option


@click.group()
def feeds() -> None:
    """Follow RSS/Atom feeds; the bot polls them (VERBATIM_FEED_INTERVAL) and ingests new entries."""


@feeds.command("add")
@click.argument("url")
@index_option
@collection_option
@click.pass_obj
def feeds_add(obj: Context, url: str, index_dir: Path | None, collection: str) -> None:
    """Follow a feed; its articles go to the collection given (default: the shared one)."""
    feed = Feeds(obj.library(index_dir, create=True)).add(url, collection)
    click.echo(f"following {hidden(feed.url)}" + (f" into {feed.collection}" if feed.collection != SHARED else ""))


@feeds.command("list")
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_obj
def feeds_list(obj: Context, index_dir: Path | None, as_json: bool) -> None:
    """List followed feeds and how their last poll went."""
    followed = Feeds(obj.library(index_dir, create=True)).all()
    if as_json:
        shown = [{**asdict(f), "url": hidden(f.url), "error": f.error and hidden(f.error)} for f in followed]
        click.echo(json.dumps(shown, ensure_ascii=False, indent=2))
        return
    for feed in followed:
        status = f"error: {hidden(feed.error)}" if feed.error else f"polled {feed.polled_at or 'never'}"
        click.echo(f"{hidden(feed.url)}  {feed.title or ''}  {feed.entries} entries  {status}")


@feeds.command("remove")
@click.argument("url")
@index_option
@click.pass_obj
def feeds_remove(obj: Context, url: str, index_dir: Path | None) -> None:
    """Stop following a feed (its documents stay)."""
    Feeds(obj.library(index_dir)).remove(url)
    click.echo(f"stopped following {hidden(url)}")


@feeds.command("poll")
@index_option
@click.pass_obj
def feeds_poll(obj: Context, index_dir: Path | None) -> None:
    """Poll every feed now and ingest new entries (for cron, or without the bot)."""
    report = Feeds(obj.library(index_dir, create=True)).poll()
    for source, reason in report.errors:
        click.echo(f"problem: {reason}", err=True)
    click.echo(report.describe())
