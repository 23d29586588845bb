"""What the closest passage lacks, as a careful reader says it: the kind of answer asked that it
does not give (index/ranking/asked.py), and the question's telling words that no document has
("The documents don't mention troops in Asia").

A word counts as had when a document has it (the lexical index, read in the question's language)
or the closest passage has a close variant of it: a common word whose own vector is within
VARIANT_COSINE of the word's ("soldiers" for "troops" 0.89, "members" for "member" 0.88), never a
name ("Japan" for "China" 0.75, "Beijing" for "China" 0.76); nor is a word the passage has, misspelt
("parliment", "recievers": people type fast), two common words typed as one ("whatare"), or an
acronym of a name the passage spells out ("UMC").
"""

import difflib
import re
from collections.abc import Sequence

from ..models.embedding import Embedder
from ..storage.base import LexicalSearch
from ..text import terms
from ..types import Hit, Missing
from .question import Question

# A question word tells enough to be named as missing from this weight (index/text/terms.py: 7 -
# its Zipf frequency; "role" 1.8, "troops" 2.4, "asia" 2.4, "hearn" 4.1, a word wordfreq does not
# know 5.0): names and rare words. Tuning halves (news questions / XQuAD whole articles), answered
# and declined: 3.0 0.933 / 0.900 and 0.289; 4.5 0.978 / 0.966 and 0.200 (benchmarks/README.md).
TELLING = 4.5
# ... and a name typed as one (capitalised, not the question's first word) from this: "Asia", "Japan"
# in no document is what the reader needs to hear; XQuAD tuning half, answered 0.966 -> 0.949 at most.
NAME_TELLING = 2.0
# ... and the other part of a name typed whole tells who it is from this ("Loudoun" 4.2, "Twigg"
# 4.9; never "County" 1.8 of "Davis County", "River", "Prize").
SURNAME_TELLING = 3.0
VARIANT_COSINE = 0.85
SPELLING = 0.8  # difflib's ratio from which a word is a passage word misspelt
DECADE = re.compile(r"^(\d{3,4})s$")  # "the 1700s": a document has "1700"
POSSESSIVE = re.compile(r"['’]s$")
COMMON = 2.5  # a word at least this common (weight; Zipf 4.5) is one of two typed without a space
NAME = re.compile(r"\b[A-Z][\w’'-]*(?:\s+(?:(?:of|for|and|the|de|du|des|la|le|von|van)\s+)*[A-Z][\w’'-]*)+")
WHOLE_NAME = re.compile(r"\b[A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)+")  # "Graham Twigg": a person's names, side by side
PASSAGES = 3  # the passages whose words excuse a question word: those of a reply's first page
# Languages that capitalise every noun: a capital tells no name there. XQuAD's German report half,
# multilingual model, answered at size 1 / 10 / all: 0.707 / 0.723 / 0.802 when "Küste" and
# "Begriff" counted as names (docs/measured.md, "Every language").
NOUNS_CAPITALISED = frozenset({"de", "lb"})
# A word of an inflected language is had when a passage word starts with all of it but its last
# INFLECTED_TAIL letters, INFLECTED_HEAD at least (XQuAD's Russian report half: "Лондоне" for
# "лондонского", "Ледникового" for "ледникового").
INFLECTED_HEAD, INFLECTED_TAIL = 4, 3


def missing(question: Question, hits: Sequence[Hit], lexical: LexicalSearch, embedder: Embedder) -> Missing:
    """What the closest passage `hits[0]` lacks for `question` (its words as typed); the next
    hits' words excuse a misspelt or varied question word too."""
    if not hits:
        return Missing()
    return Missing(hits[0].lacks, nowhere(question, hits[:PASSAGES], lexical, embedder))


def nowhere(question: Question, hits: Sequence[Hit], lexical: LexicalSearch, embedder: Embedder) -> tuple[str, ...]:
    """The telling words the question typed that no document has, as it spells them; only when
    the question is in the closest passage's language (another language's words are in no document)."""
    typed, language = question.typed, question.typed_language
    said = hits[0].document.language or language
    if said != language:
        return ()
    texts = [text for hit in hits for text in (hit.quote.text, hit.document.title)]
    have = set().union(*(terms.keys(text, said) for text in texts))
    absent = [w for w in dict.fromkeys(POSSESSIVE.sub("", w) for w in question.words)
              if len(w) >= 3 and terms.weight(w, language) >= (NAME_TELLING if _named(w, typed, language) else TELLING)
              and terms.key(w, language) not in have]
    had = lexical.known([DECADE.sub(r"\1", w) for w in absent], language) if absent else set()
    absent = [w for w in absent if DECADE.sub(r"\1", w) not in had and not _surnamed(w, typed, language, lexical)]
    if not absent:
        return ()
    found = [w for text in texts for w in terms.content(text, language) if not w.isdigit()]
    passage = sorted({*found, *(a + b for a, b in zip(found, found[1:]))})  # "Super Bowl" for "Superbowl"
    variants = (_misspelt(absent, passage) | _run_together(absent, language) | _acronyms(absent, typed, texts)
                | _inflected(absent, language, passage)
                | _variants(absent, typed, language, sorted(set(found)), embedder))
    return tuple(_as_typed(w, typed) for w in absent if w not in variants)


def _run_together(words: list[str], language: str) -> set[str]:
    """Those of `words` that are two common words typed without a space ("whatare", "superbowl")."""
    def common(part: str) -> bool:
        return len(part) >= 3 and terms.weight(part, language) <= COMMON

    return {w for w in words if any(common(w[:i]) and common(w[i:]) for i in range(3, len(w) - 2))}


def _acronyms(words: list[str], question: str, texts: list[str]) -> set[str]:
    """Those of `words` typed in capitals that are the initials of a name in the passages ("UMC":
    the United Methodist Church)."""
    capitals = {w for w in words if _as_typed(w, question).isupper()}
    if not capitals:
        return set()
    initials = set()
    for text in texts:
        for name in NAME.finditer(text):
            parts = [p for p in name.group().split() if p[0].isupper()]  # "Bank of England": BE
            initials |= {"".join(p[0] for p in parts[i:j]).lower()
                         for i in range(len(parts)) for j in range(i + 2, len(parts) + 1)}
    return capitals & initials


def _misspelt(words: list[str], passage: list[str]) -> set[str]:
    """Those of `words` that are a passage word misspelt ("parliment", "recievers", "Sentanta")."""
    return {w for w in words if len(w) >= 4 and not w.isdigit()
            and difflib.get_close_matches(w, passage, n=1, cutoff=SPELLING)}


def _inflected(words: list[str], language: str, passage: list[str]) -> set[str]:
    """Those of `words` that a passage word has in another form, in a language whose words change
    their endings ("Лондоне" where the passage says "лондонского", "Küste" and "Küsten"): they share
    all but the last three letters, four at least. English is left to its lemmas: "Japan" is not
    "Japanese"."""
    if language == "en":
        return set()
    lowered = [p.lower() for p in passage]
    return {w for w in words if len(w) >= INFLECTED_HEAD
            and any(p.startswith(w.lower()[: max(INFLECTED_HEAD, len(w) - INFLECTED_TAIL)]) for p in lowered)}


def _variants(words: list[str], question: str, language: str, passage: list[str], embedder: Embedder) -> set[str]:
    """Those of `words` (common words, not names) with a close variant in the passage."""
    common = [w for w in words if not _named(w, question, language) and not w.isdigit()]
    if not common or not passage:
        return set()
    vectors = embedder.embed([*common, *passage])
    cosines = vectors[: len(common)] @ vectors[len(common):].T
    return {w for w, row in zip(common, cosines) if row.max() >= VARIANT_COSINE}


def _surnamed(word: str, question: str, language: str, lexical: LexicalSearch) -> bool:
    """Whether `word` is one part of a name typed whole ("Graham Twigg") whose other, telling
    part the documents have ("Twigg"): they name the person by it."""
    for name in WHOLE_NAME.finditer(question):
        parts = name.group().split()
        if word in (p.lower() for p in parts):
            others = [p for p in parts if p.lower() != word and p[0].isupper()
                      and terms.weight(p, language) >= SURNAME_TELLING]
            return bool(others) and bool(lexical.known(others, language))
    return False


def _named(word: str, question: str, language: str) -> bool:
    """Whether the question types `word` as a name (capitalised, and not its first word, in a
    language that capitalises names alone) or it is a figure of three digits or more (a year: "1998")."""
    typed = _as_typed(word, question)
    if DECADE.sub(r"\1", word).isdigit():
        return len(word) >= 3
    if language in NOUNS_CAPITALISED:  # "Küste", "Begriff": every noun is capitalised, no name is told by it
        return False
    return typed[:1].isupper() and not question.lstrip(" ¿¡\"'«“").startswith(typed)


def _as_typed(word: str, question: str) -> str:
    """The word as the question types it; a figure whole, with its separators ("11,003", not "003")."""
    figure = r"(?<![\w.,])(?:\d{1,3}[,.])*" if word.isdigit() else r"(?<!\w)"
    found = re.search(rf"{figure}{re.escape(word)}(?!\w)", question, re.I)
    return found.group() if found else word
