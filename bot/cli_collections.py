"""`verbatim collections`: which collections the index holds, whose they are, and dropping one."""

import json
from dataclasses import asdict
from pathlib import Path

import click

from index import SHARED

from .cli_common import Context, index_option


def whose(name: str) -> str:
    """Who reads a collection, as `collections` lists it."""
    if name == SHARED:
        return "every chat, or VERBATIM_SHARED_CHATS"
    if name.startswith("chat-") and name[5:].isdigit():
        return f"group {name[4:]}"
    if name.startswith("user") and name[4:].isdigit():
        return f"user {name[4:]}"
    return "read with --collection"


@click.group(invoke_without_command=True)
@index_option
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list.")
@click.pass_context
def collections(ctx: click.Context, index_dir: Path | None, as_json: bool) -> None:
    """List the collections: each one's chat, documents, chunks and last change.

    Every document is in one collection: the shared one (ingest, feeds, the admins' files), a
    group's own (chat-<group id>: files its administrators sent there) or a user's own
    (user<id>: files sent in a private chat, with VERBATIM_PRIVATE_COLLECTIONS=on).
    """
    if ctx.invoked_subcommand is not None:
        return
    listed = ctx.obj.library(index_dir).collections()
    if as_json:
        click.echo(json.dumps([{**asdict(c), "chat": whose(c.name)} for c in listed], ensure_ascii=False, indent=2))
        return
    for c in listed:
        click.echo(f"{c.name:24s} {whose(c.name):40s} {c.documents:6d} documents {c.chunks:8d} chunks  "
                   f"changed {c.changed[:16].replace('T', ' ')}")
    click.echo(f"{len(listed)} collections", err=True)


@collections.command("drop")
@click.argument("name")
@index_option
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.pass_obj
def drop(obj: Context, name: str, index_dir: Path | None, yes: bool) -> None:
    """Remove a collection and every document in it (a group the bot left keeps its own until then)."""
    library = obj.library(index_dir)
    held = {c.name: c for c in library.collections()}
    if name not in held:
        raise click.ClickException(f"No collection {name!r}. See: verbatim collections")
    if not yes:
        click.confirm(f"Remove {name} and its {held[name].documents} documents?", abort=True)
    click.echo(f"removed {library.drop_collection(name)} documents of {name}")
