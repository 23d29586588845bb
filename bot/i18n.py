"""The bot's own words in its user's language: gettext catalogs (bot/locales/<language>/LC_MESSAGES/
verbatim.po, compiled to .mo by `make locales`), picked by the `language_code` Telegram sends with
every update, English when there is no catalog for it. Quotes are never translated: they stay
word for word in their document's language.

In code, a message is written in English inside `_()` (or `N_()` where it is defined before it is
said) and translated where it is sent: `_ = words_for(update).gettext`. Babel extracts them
(babel.cfg); tests/test_i18n.py checks that every catalog translates every message.
"""

import functools
import gettext
from collections.abc import Callable
from pathlib import Path

from telegram import Update

DOMAIN = "verbatim"
LOCALES = Path(__file__).with_name("locales")
ENGLISH = gettext.NullTranslations()
Translate = Callable[[str], str]


def N_(message: str) -> str:  # noqa: N802 (gettext's own name for it)
    """Mark a message for translation where it is defined; it is translated where it is said."""
    return message


def languages() -> list[str]:
    """The languages with a catalog, English first."""
    return ["en"] + sorted(p.name for p in LOCALES.iterdir() if (p / "LC_MESSAGES" / f"{DOMAIN}.mo").exists())


@functools.cache
def words(language_code: str | None) -> gettext.NullTranslations:
    """The catalog for an IETF language tag as Telegram sends it ("es", "pt-br", "zh-hans"): the
    tag's own, else its language's, else English."""
    if not language_code:
        return ENGLISH
    tag = language_code.replace("-", "_").lower()
    for candidate in (tag, tag.split("_")[0]):
        try:
            return gettext.translation(DOMAIN, LOCALES, languages=[candidate])
        except OSError:
            continue
    return ENGLISH


def words_for(update: object) -> gettext.NullTranslations:
    """The catalog for whoever sent this update (English for updates without a user)."""
    user = update.effective_user if isinstance(update, Update) else None
    return words(user.language_code if user else None)
