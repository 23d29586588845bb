"""The words BM25 counts, the same for chunks and questions on every backend: lower case, words of
two characters or more, English stop words out, Snowball-stemmed. This is bm25s's own tokenizer
(its pattern and its 33 stop words) written out, so that the Milvus backend feeds the engine the
tokens the embedded one scores without importing bm25s; tests/test_storage_contract.py checks
that the two agree."""

import re
from collections.abc import Sequence

import Stemmer

PATTERN = re.compile(r"(?u)\b\w\w+\b")
STOP_WORDS = frozenset(
    "a an and are as at be but by for if in into is it no not of on or such that the their then there these "
    "they this to was will with".split())
K1, B = 1.5, 0.75  # BM25's parameters (bm25s's defaults for its "lucene" scoring), on every backend

_STEMMER = Stemmer.Stemmer("english")


def tokenize(texts: Sequence[str]) -> list[list[str]]:
    """Each text's BM25 tokens, in order."""
    return [_STEMMER.stemWords([w for w in PATTERN.findall(text.lower()) if w not in STOP_WORDS]) for text in texts]
