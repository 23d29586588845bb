"""The words BM25 counts, the same for chunks and questions on every backend: each text read in
its own language (index/text/languages.py: its words, stop words out, stemmed; pairs of
characters in scripts without spaces). English text gets exactly bm25s's own tokenizer (its
pattern, its 33 stop words, the English Snowball stemmer), so that the Milvus backend feeds the
engine the tokens the embedded one scores without importing bm25s; tests/test_storage_contract.py
checks that the two agree."""

from collections.abc import Sequence

from .languages import analyzer, detect

K1, B = 1.5, 0.75  # BM25's parameters (bm25s's defaults for its "lucene" scoring), on every backend
VERSION = 2  # of the tokens: a saved BM25 base of other tokens is built again (1: English for every text)


def analysed(texts: Sequence[str], languages: Sequence[str] = ()) -> list[tuple[str, list[str]]]:
    """Each text's language (as given, else detected) and its BM25 tokens, in order."""
    out = []
    for i, text in enumerate(texts):
        language = (languages[i] if i < len(languages) else "") or detect(text)
        out.append((language, analyzer(language).tokens(text)))
    return out


def tokenize(texts: Sequence[str], languages: Sequence[str] = ()) -> list[list[str]]:
    """Each text's BM25 tokens, in order (in the given languages, else each text's own)."""
    return [tokens for _, tokens in analysed(texts, languages)]
