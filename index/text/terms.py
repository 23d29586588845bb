"""Content words of questions and passages, and how much each says. This module alone talks to
wordfreq and simplemma.

A question's words are weighed by how rare they are in English at large (wordfreq's background
frequencies), not by how rare they are in the collection: in a collection of one article, the
words that matter ("nato", "china") are in every chunk and the collection would call them
worthless, while the question's ordinary words that the article happens not to use ("say",
"role", "held") would weigh most. Words are compared by lemma and stem, so say/said/says and
hold/held match.
"""

import functools
import re
import simplemma
import Stemmer
from wordfreq import zipf_frequency

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


def words(text: str) -> list[str]:
    """Split text into lower-case words, keeping inner apostrophes (China’s, don't)."""
    return [w.lower() for w in _WORD.findall(text)]


@functools.lru_cache(maxsize=200_000)
def key(word: str) -> str:
    """Return the form two words share when they mean the same: lemma, then stem."""
    word = re.sub(r"['’]s$", "", word)
    return _STEMMER.stemWord(simplemma.lemmatize(word, lang="en").lower())


@functools.lru_cache(maxsize=200_000)
def weight(word: str) -> float:
    """Return how much a word tells, from its background frequency in English (0 for 'the')."""
    zipf = zipf_frequency(re.sub(r"['’]s$", "", word), "en")
    return max(0.0, _CEILING - (zipf if zipf > 0 else _UNKNOWN))


def content(text: str) -> list[str]:
    """Return the content words of a text (stop words dropped), in order."""
    return [w for w in words(text) if w not in _STOP]


def keys(text: str) -> set[str]:
    """Return the keys of a passage's content words, for matching against a question."""
    return {key(w) for w in content(text)}


def pairs(text: str) -> set[tuple[str, str]]:
    """Return consecutive content-word pairs (by key): "decisive enabler", "summit held"."""
    found = [key(w) for w in content(text)]
    return set(zip(found, found[1:]))


def question_weights(question: str) -> dict[str, float]:
    """Weigh each content word of a question (by its key); a repeated word counts once."""
    weights: dict[str, float] = {}
    for word in content(question):
        weights[key(word)] = max(weights.get(key(word), 0.0), weight(word))
    return weights


def coverage(weights: dict[str, float], found: set[str]) -> float:
    """Return the weighted share of the question's words found among `found` keys, in [0, 1]."""
    total = sum(weights.values())
    return sum(w for k, w in weights.items() if k in found) / total if total else 0.0
