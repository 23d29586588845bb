"""Is this text prose? A cheap test, in any language, before a document costs any embedding.

A wall of random words (a broken export, a word list, a spam PDF) has nothing to quote, yet it
would be stored as thousands of chunks. Every human language follows Zipf's law: a handful of
its words ("the", "of", "de", "и", "的") make up a fifth to a third of any running text,
whatever the subject. Words drawn at random from a vocabulary do not: their most common words
cover almost nothing. So the share of a text's words that its own 20 most common words make up
separates the two without a word list per language (`python benchmarks/prose.py` measures it
over the bundled corpora: the lowest real document is far above the line, random words far
below). Scripts written without spaces count characters instead of words. Languages that glue
their little words onto others (Arabic, Korean, Finnish, Turkish) sit lower, so a text is
refused only when it also lacks what all prose has: sentences that end (. ! ? 。 ؟ । …).
"""

import re
import unicodedata
from collections import Counter

MIN_WORDS = 1_000  # shorter texts are cheap to index, and too short to judge
TOP = 20  # how many of a text's most common words are counted
MIN_SHARE = 0.10  # below this share of its top words, and
MIN_ENDS = 0.01  # below this many sentence ends a word, a text is not read as prose
_ENDS = re.compile(r"[.!?…。！？؟۔।॥።။]")

# A word is a run of letters and combining marks (Devanagari, Arabic and Thai vowels are marks);
# in scripts without spaces (Chinese, Japanese, Thai, Lao, Khmer, Myanmar) each character counts
# as one. Digits are not words: a table of figures is not judged.
_UNSPACED = "\u0e00-\u0eff\u1000-\u109f\u1780-\u17ff\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_MARKS = "".join(chr(c) for c in range(0x300, 0x10000)
                 if unicodedata.category(chr(c)).startswith("M") and not re.match(f"[{_UNSPACED}]", chr(c)))
_WORDS = re.compile(f"[{_UNSPACED}]|(?:[^\\W\\d_{_UNSPACED}]|[{re.escape(_MARKS)}])+")
SAMPLE_CHARS = 400_000  # enough text to judge; a longer document is judged on evenly spaced parts


def measure(text: str) -> tuple[float, float, int]:
    """Return the share of the words that the TOP most common ones make up, sentence ends per
    word, and how many words were counted (in up to SAMPLE_CHARS characters across the text)."""
    if len(text) > SAMPLE_CHARS:
        step, part = len(text) // 8, SAMPLE_CHARS // 8
        text = " ".join(text[i : i + part] for i in range(0, len(text) - part + 1, step)[:8])
    words = Counter(w.lower() for w in _WORDS.findall(text))
    total = sum(words.values())
    if not total:
        return 0.0, 0.0, 0
    return sum(n for _, n in words.most_common(TOP)) / total, len(_ENDS.findall(text)) / total, total


def prose_problem(text: str) -> str | None:
    """Say why a long text does not read as prose; None when it does (or is too short to tell)."""
    share, ends, counted = measure(text)
    if counted < MIN_WORDS or share >= MIN_SHARE or ends >= MIN_ENDS:
        return None
    return (f"does not read as prose: its {TOP} most common words make up {share:.1%} of it (ordinary "
            f"text: 15-40%) and it has {ends * 100:.1f} sentence ends per 100 words, as a list of random words")
