"""A console chat that answers exactly as the bot does, as plain text."""

import click

from index import SHARED, Library

from .formatting import answer_plain


def chat_loop(library: Library, k: int) -> None:
    """Read questions until an empty line or end of input; print each answer."""
    docs = library.documents(collections=[SHARED])  # what every chat reads, as `ask` does
    library.warm()  # the model now; the collection's languages while the first question is typed
    click.echo(f"Ask about {len(docs)} documents. An empty line or Ctrl-D quits.")
    while True:
        try:
            question = input("\nQuestion> ").strip()
        except (EOFError, KeyboardInterrupt):
            click.echo()
            return
        if not question:
            return
        click.echo("\n" + answer_plain(library.search(question, k, collections=[SHARED])))
