"""A word typed without its accents ("Celeron", "Zurich") is the indexed word with them
("Céleron", "Zürich"), when only the vocabulary read asks (is it in any document?)."""

import unicodedata
from collections.abc import Iterable


def fold(token: str) -> str:
    """The token without its accents."""
    return "".join(c for c in unicodedata.normalize("NFKD", token) if not unicodedata.combining(c))


class Spellings:
    """The indexed tokens that have accents, by their folded form: read once per base (only
    the tokens that are not plain ASCII), the recent segment's each time (it is small)."""

    def __init__(self) -> None:
        self._base: dict[str, list[str]] | None = None

    def of(self, token: str, base: Iterable[str], recent: Iterable[str]) -> list[str]:
        """`token`, its folded form and every indexed token that folds to the same."""
        if self._base is None:
            self._base = _accented(base)
        plain = fold(token)
        return list(dict.fromkeys([token, plain, *self._base.get(plain, ()), *_accented(recent).get(plain, ())]))


def _accented(tokens: Iterable[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for token in tokens:
        if not token.isascii():
            found.setdefault(fold(token), []).append(token)
    return found
