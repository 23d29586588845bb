"""Content words of questions and passages, and how much each says, in the text's language
(index/text/languages.py; English when not given). This module alone talks to wordfreq and
simplemma.

A question's words are weighed by how rare they are in English at large (wordfreq's background
frequencies), not by how rare they are in the collection: in a collection of one article, the
words that matter ("nato", "china") are in every chunk and the collection would call them
worthless, while the question's ordinary words that the article happens not to use ("say",
"role", "held") would weigh most. Words are compared by lemma and stem, so say/said/says and
hold/held match. Other languages use their own lemmas, stems, stop words and frequencies where
simplemma, PyStemmer, stopwordsiso and wordfreq have them; scripts written without spaces are
matched by pairs of characters, each weighed as a rare word (wordfreq needs a dictionary per
language to cut them into words).
"""

import functools
import logging
import re
import threading
from collections.abc import Callable, Iterable

import simplemma
import Stemmer
from simplemma.strategies.dictionaries.dictionary_factory import SUPPORTED_LANGUAGES as _LEMMAS
from wordfreq import available_languages, zipf_frequency

from .languages import DEFAULT, UNSPACED, analyzer

_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*")
_STEMMER = Stemmer.Stemmer("english")
# Words that frame a question rather than say what it is about.
_STOP = frozenset(
    "a about above after again against all am an and any are as at be because been before being "
    "below between both but by can could did do does doing down during each few for from further "
    "had has have having he her here hers herself him himself his how i if in into is it its itself "
    "just me more most my myself no nor not now of off on once only or other our ours ourselves out "
    "over own same she should so some such than that the their theirs them themselves then there "
    "these they this those through to too under until up very was we were what when where which "
    "while who whom why will with would you your yours yourself yourselves s t ’s 's".split()
)
# Zipf frequency (log10 of occurrences per billion words): "the" is ~7.7, "say" ~5.9, "nato" ~4.0.
# A word's weight is how far below this ceiling it sits; unknown words (names, codes) get the most.
_CEILING = 7.0
_UNKNOWN = 2.0  # Zipf value assumed for words wordfreq does not know
_FREQUENCIES = frozenset(available_languages()) - {"zh", "ja", "ko"}  # these need a segmenter's dictionary
_UNSPACED = re.compile(f"[{UNSPACED}]")
_PREPARED: set[str] = set()
log = logging.getLogger(__name__)


def words(text: str, language: str = DEFAULT) -> list[str]:
    """Split text into lower-case words, keeping inner apostrophes (China’s, don't); pairs of
    characters in scripts without spaces."""
    if language == "en":
        return [w.lower() for w in _WORD.findall(text)]
    return analyzer(language).words(text)


@functools.lru_cache(maxsize=200_000)
def key(word: str, language: str = DEFAULT) -> str:
    """Return the form two words share when they mean the same: lemma, then stem."""
    if language == "en":
        word = re.sub(r"['’]s$", "", word)
        return _STEMMER.stemWord(simplemma.lemmatize(word, lang="en").lower())
    if language in _LEMMAS:
        word = simplemma.lemmatize(word, lang=language).lower()
    return analyzer(language).stem(word)


@functools.lru_cache(maxsize=200_000)
def weight(word: str, language: str = DEFAULT) -> float:
    """Return how much a word tells, from its background frequency in its language (0 for 'the')."""
    if language == "en":
        word = re.sub(r"['’]s$", "", word)
    zipf = zipf_frequency(word, language) if language in _FREQUENCIES and not _UNSPACED.match(word) else 0.0
    return max(0.0, _CEILING - (zipf if zipf > 0 else _UNKNOWN))


def prepare(language: str) -> None:
    """Load what reading `language` takes: its lemmas, word frequencies, stop words and stemmer
    (0.4-4.7 s and 20-400 MB the first time, by language; Library.warm does it at start-up)."""
    analyzer(language)
    key("prepared", language)
    weight("prepared", language)
    _PREPARED.add(language)


def prepare_in_background(languages: Callable[[], Iterable[str]]) -> threading.Thread:
    """Prepare English and the `languages()` (asked for in the thread) in a background thread."""
    def run() -> None:
        chosen = [language for language in dict.fromkeys([DEFAULT, *languages()]) if language]
        for language in chosen:
            prepare(language)
        log.info("ready for questions in %s", ", ".join(chosen))

    thread = threading.Thread(target=run, name="languages", daemon=True)
    thread.start()
    return thread


def prepared() -> set[str]:
    """The languages `prepare` has loaded in this process."""
    return set(_PREPARED)


def content(text: str, language: str = DEFAULT) -> list[str]:
    """Return the content words of a text (stop words dropped), in order."""
    stop = _STOP if language == "en" else analyzer(language).stop_words
    return [w for w in words(text, language) if w not in stop]


def keys(text: str, language: str = DEFAULT) -> set[str]:
    """Return the keys of a passage's content words, for matching against a question."""
    return {key(w, language) for w in content(text, language)}


def pairs(text: str, language: str = DEFAULT) -> set[tuple[str, str]]:
    """Return consecutive content-word pairs (by key): "decisive enabler", "summit held"."""
    found = [key(w, language) for w in content(text, language)]
    return set(zip(found, found[1:]))


def question_weights(question: str, language: str = DEFAULT) -> dict[str, float]:
    """Weigh each content word of a question (by its key); a repeated word counts once."""
    weights: dict[str, float] = {}
    for word in content(question, language):
        found = key(word, language)
        weights[found] = max(weights.get(found, 0.0), weight(word, language))
    return weights


def coverage(weights: dict[str, float], found: set[str]) -> float:
    """Return the weighted share of the question's words found among `found` keys, in [0, 1]."""
    total = sum(weights.values())
    return sum(w for k, w in weights.items() if k in found) / total if total else 0.0
