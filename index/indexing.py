"""Prepare documents for the index: chunk, embed what is new, summarise. No storage here."""

import hashlib
from dataclasses import dataclass

import numpy as np

from .chunking import chunk_spans
from .embedding import Embedder
from .summaries import candidate_sentences, summarize
from .types import Document, SourceText


@dataclass
class Pending:
    """A new or changed document, chunked, waiting to be embedded and stored."""

    doc: Document
    fingerprint: str  # of everything that decides its chunks and vectors
    chunks: list[tuple[int, int, str]]  # start, end, embedding input
    vectors: list[np.ndarray] | None = None
    hashes: list[str] | None = None
    summary: list[tuple[int, int]] | None = None


def document(source: SourceText) -> Document:
    """Give a read document its stable id: the same source is always the same document."""
    doc_id = hashlib.sha1(source.source.encode()).hexdigest()[:10]
    return Document(doc_id, source.title, source.source, source.published, source.text)


def fingerprint(source: SourceText, model: str, chunk_tokens: int) -> str:
    """Fingerprint everything that decides a document's chunks and vectors."""
    parts = [model, str(chunk_tokens), source.title, source.published or "", source.text]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def embed_input(title: str, text: str) -> str:
    """Return what the model embeds for a chunk: the title gives context to short chunks."""
    return f"{title}\n{text}"


def prepare(doc: Document, fingerprint: str, embedder: Embedder, chunk_tokens: int) -> Pending:
    """Split a document into chunks within the model's token budget."""
    title_tokens = embedder.count_tokens([doc.title])[0]
    budget = max(16, min(chunk_tokens, embedder.max_tokens - title_tokens - 1))
    spans = chunk_spans(doc.text, embedder.count_tokens, budget)
    return Pending(doc, fingerprint, [(s, e, embed_input(doc.title, doc.text[s:e])) for s, e in spans])


def embed(
    batch: list[Pending], known: dict[str, np.ndarray], embedder: Embedder, model: str, summaries: bool = True
) -> int:
    """Fill in vectors (reusing `known` ones by input hash) and summaries; return how many were embedded."""
    by_text = {text: _hash(model, text) for p in batch for *_, text in p.chunks}
    todo = sorted({text for text, h in by_text.items() if h not in known})
    sentences = [candidate_sentences(p.doc.text) if summaries else [] for p in batch]
    texts = todo + [p.doc.text[s:e] for p, spans in zip(batch, sentences) for s, e in spans]
    vectors = embedder.embed(texts) if texts else np.zeros((0, 0), np.float32)
    for text, vector in zip(todo, vectors):
        known[by_text[text]] = vector
    offset = len(todo)
    for pending, spans in zip(batch, sentences):
        pending.hashes = [by_text[t] for *_, t in pending.chunks]
        pending.vectors = [known[h] for h in pending.hashes]
        pending.summary = summarize(pending.doc.text, spans, vectors[offset : offset + len(spans)])
        offset += len(spans)
    return len(todo)


def _hash(model: str, text: str) -> str:
    return hashlib.sha1(f"{model}\x1f{text}".encode()).hexdigest()


def hashes(pending: Pending, model: str) -> list[str]:
    """Return the input hashes of a pending document's chunks."""
    return [_hash(model, text) for *_, text in pending.chunks]


def summary_of(text: str, embedder: Embedder) -> list[tuple[int, int]]:
    """Summarise one document now (for documents ingested without summaries)."""
    spans = candidate_sentences(text)
    return summarize(text, spans, embedder.embed([text[s:e] for s, e in spans])) if spans else []
