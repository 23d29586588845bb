"""How Verbatim's records become Milvus rows: ids, text pieces, BM25 terms, filter literals."""

import hashlib
import json
import unicodedata

import numpy as np

from ...text.tokens import tokenize
from ..base import NewSpan

TEXT_PIECE = 16_000  # characters: at most 64,000 bytes of UTF-8, under VARCHAR's 65,535
BATCH_ROWS = 1_000  # rows sent in one insert or asked for by id at once
QUERY_LIMIT = 16_384  # Milvus's most rows for one query: past it, an iterator reads them all
KINDS = ("chunks", "documents", "texts", "sentences")


def chunk_id(document_id: str, version: str, ordinal: int) -> int:
    """A chunk's id, the same in every process: 63 bits of a hash of what it is."""
    digest = hashlib.blake2b(f"{document_id}:{version}:{ordinal}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big") >> 1


def text_id(document_id: str, version: str, part: int) -> str:
    return f"{document_id}:{version}:{part}"


def sentence_id(document_id: str, version: str, start: int, end: int) -> str:
    return f"{document_id}:{version}:{start}:{end}"


def pieces(text: str) -> int:
    """How many rows of `texts` hold a text (one, even when it is empty)."""
    return max(1, -(-len(text) // TEXT_PIECE))


def terms(texts: list[str], languages: list[str] = ()) -> list[str]:
    """Texts as the engine's BM25 reads them: Verbatim's BM25 tokens (in these languages, else
    each text's own), space-separated, each one kept whole by the engine's tokenizer."""
    return [" ".join(map(engine_token, words)) for words in tokenize(texts, languages)]


def engine_token(token: str) -> str:
    """A token the engine's "standard" tokenizer keeps whole: it cuts words at combining marks
    (a Hindi word into three), so a token with one is spelt in hex (the engine needs only to tell
    tokens apart); others are left as they are (every English token)."""
    if any(unicodedata.category(char).startswith("M") for char in token):
        return "x" + token.encode().hex()
    return token


def span(row: dict) -> NewSpan:
    return NewSpan(row["start"], row["end"], row["embed_hash"], np.asarray(row["vector"], dtype=np.float32),
                   row.get("language") or "", row.get("entities") or "")


def floats(vector) -> list[float]:
    return np.asarray(vector, dtype=np.float32).tolist()


def clip(text: str, limit: int = 65_535) -> str:
    """At most `limit` bytes of UTF-8, cut at a character."""
    data = text.encode()
    return text if len(data) <= limit else data[:limit].decode(errors="ignore")


def quote(value: str) -> str:
    """A string literal in a Milvus filter."""
    return json.dumps(value, ensure_ascii=False)


def equals(name: str, value: str) -> str:
    return f"{name} == {quote(value)}"


def within(name: str, values: list[str]) -> str:
    return f"{name} in [{', '.join(quote(v) for v in values)}]"



def all_rows(client, collection: str, where: str, fields: list[str]) -> list[dict]:
    """Every row of a collection that matches, however many: one query, or an iterator past its limit."""
    rows = client.query(collection, filter=where, output_fields=fields, limit=QUERY_LIMIT)
    if len(rows) < QUERY_LIMIT:
        return rows
    iterator = client.query_iterator(collection, batch_size=BATCH_ROWS, filter=where, output_fields=fields)
    rows = []
    try:
        while batch := iterator.next():
            rows += batch
    finally:
        iterator.close()
    return rows
