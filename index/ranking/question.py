"""A question, analysed once where it enters index/: its language, its telling words and how much
each tells, its word pairs, and the kind of answer it asks for. Every ranking step reads this one
value (as spaCy's `Doc` carries one analysis to every pipe) instead of detecting the language or
weighing the words again.

A follow-up read in its thread has two texts: the reading (`text`: what was typed and the
thread's telling words), which the meaning and the answer's sentences are matched against, and
what was `typed`, which BM25 reads and whose words must be in the documents.
"""

from collections.abc import Mapping
from dataclasses import dataclass

from ..text import terms
from ..text.languages import DEFAULT, detect, has_words
from . import asked


@dataclass(frozen=True)
class Question:
    """One question's analysis; build it with `Question.of`."""

    text: str  # what is searched: the question, or a follow-up's reading in its thread
    typed: str  # what the user typed (the same as `text` when it is no follow-up)
    language: str  # of `text` (English when too short to tell)
    guessed: str  # the same, "" when too short to tell: BM25 then reads every language's chunks
    typed_language: str  # of `typed` (English when too short to tell)
    typed_guessed: str  # of `typed`, "" when too short to tell
    weights: Mapping[str, float]  # each content word's key and how much it tells (index/text/terms.py)
    pairs: frozenset[tuple[str, str]]  # consecutive content-word pairs, by key
    kind: asked.Kind | None  # the kind of answer asked (an amount, a date...); None: no such kind
    named: frozenset[str]  # its words, lower case: what it names is no answer to it (asked.supplies)
    follows: bool  # a follow-up read in its thread: the reading differs from what was typed
    lexical: tuple[str, str]  # what BM25 reads (what was typed) and its language ("": unsure)
    has_words: bool  # False for emoji or marks alone: nothing to search
    words: tuple[str, ...]  # the content words of what was typed, in order (index/text/terms.py)

    @classmethod
    def of(cls, text: str, typed: str | None = None) -> "Question":
        """Analyse `text` (and, for a follow-up, what was `typed`) once."""
        text = text.strip()
        typed = (typed or "").strip() or text
        guessed, searchable = detect(text, otherwise=""), has_words(text)
        typed_guessed = guessed if typed == text else detect(typed, otherwise="")
        language, typed_language = guessed or DEFAULT, typed_guessed or DEFAULT
        weights, pairs = terms.question_weights(text, language), frozenset(terms.pairs(text, language))
        words = tuple(terms.content(typed, typed_language))
        follows = typed != text  # BM25 reads what was typed: the thread's words count through the meaning
        return cls(text, typed, language, guessed, typed_language, typed_guessed, weights, pairs,
                   asked.kind_of(text), asked.names(text), follows,
                   (typed, typed_guessed) if follows else (text, guessed), searchable, words)
