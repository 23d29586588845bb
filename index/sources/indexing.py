"""Prepare documents for the index: chunk, embed what is new, summarise. No storage here."""

import hashlib
from dataclasses import dataclass

import numpy as np

from ..text import entities
from ..text.chunking import chunk_sentences, chunk_spans
from ..text.languages import detect
from ..models.embedding import Embedder
from ..summaries import candidate_sentences, summarize
from ..types import SHARED, Document, SourceText


@dataclass
class Pending:
    """A new or changed document, chunked, waiting to be embedded and stored."""

    doc: Document
    fingerprint: str  # of everything that decides its chunks and vectors
    chunks: list[tuple[int, int, str]]  # start, end, embedding input
    languages: list[str]  # each chunk's language
    sentences: list[tuple[int, int]]  # every chunk's sentences, once each, in document order
    vectors: list[np.ndarray] | None = None
    hashes: list[str] | None = None
    sentence_hashes: list[str] | None = None
    sentence_vectors: list[np.ndarray] | None = None
    summary: list[tuple[int, int]] | None = None
    entities: list[str] | None = None  # each chunk's, encoded (index/text/entities.py)


def document(source: SourceText, collection: str = SHARED) -> Document:
    """Give a read document its stable id (the same source in the same collection is always the
    same document; the shared collection's ids are those of indexes made before collections),
    its language and its collection."""
    key = source.source if collection == SHARED else f"{collection}\x1f{source.source}"
    doc_id = hashlib.sha1(key.encode()).hexdigest()[:10]
    return Document(doc_id, source.title, source.source, source.published, source.text, detect(source.text),
                    source.from_image, collection)


def fingerprint(source: SourceText, model: str, chunk_tokens: int) -> str:
    """Fingerprint everything that decides a document's chunks and vectors."""
    parts = [model, str(chunk_tokens), entities.tagger(), source.title, source.published or "", source.text]
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()


def embed_input(title: str, text: str) -> str:
    """Return what the model embeds for a chunk: the title gives context to short chunks."""
    return f"{title}\n{text}"


def prepare(doc: Document, fingerprint: str, embedder: Embedder, chunk_tokens: int) -> Pending:
    """Split a document into chunks within the model's token budget, each in its language (a
    chunk too short or too full of figures to tell is in its document's)."""
    title_tokens = embedder.count_tokens([doc.title])[0]
    budget = max(16, min(chunk_tokens, embedder.max_tokens - title_tokens - 1))
    spans = chunk_spans(doc.text, embedder.count_tokens, budget)
    sentences = sorted({s for start, end in spans for s in chunk_sentences(doc.text, start, end)})
    return Pending(doc, fingerprint, [(s, e, embed_input(doc.title, doc.text[s:e])) for s, e in spans],
                   [detect(doc.text[s:e], doc.language or "en") for s, e in spans], sentences)


def embed(
    batch: list[Pending], known: dict[str, np.ndarray], embedder: Embedder, model: str, summaries: bool = True
) -> int:
    """Fill in chunk and sentence vectors (reusing `known` ones by input hash, and embedding
    each new text once, in one batch) and summaries; return how many chunks were embedded.

    Every sentence is embedded here, once, so that a question never embeds them again (the
    answer sentence and the rerank read their stored vectors) and a summary reuses them."""
    candidates = [candidate_sentences(p.doc.text) if summaries else [] for p in batch]
    by_text: dict[str, str] = {}
    for pending, spans in zip(batch, candidates):
        text = pending.doc.text
        by_text.update((t, _hash(model, t)) for *_, t in pending.chunks)
        by_text.update((text[s:e], _hash(model, text[s:e])) for s, e in [*pending.sentences, *spans])
    todo = sorted({text for text, h in by_text.items() if h not in known})
    for text, vector in zip(todo, embedder.embed(todo) if todo else []):
        known[by_text[text]] = vector
    for pending, spans in zip(batch, candidates):
        text = pending.doc.text
        pending.hashes = [by_text[t] for *_, t in pending.chunks]
        pending.vectors = [known[h] for h in pending.hashes]
        pending.sentence_hashes = [by_text[text[s:e]] for s, e in pending.sentences]
        pending.sentence_vectors = [known[h] for h in pending.sentence_hashes]
        pending.summary = summarize(text, spans, np.array([known[by_text[text[s:e]]] for s, e in spans]))
    chunk_hashes = {h for p in batch for h in p.hashes}
    return sum(by_text[t] in chunk_hashes for t in todo)


def tag(batch: list[Pending]) -> None:
    """Find each chunk's named things (amounts, dates, people...), in one pass over the batch."""
    chunks = [(p, s, e, language) for p in batch for (s, e, _), language in zip(p.chunks, p.languages)]
    found = iter(entities.tag([p.doc.text[s:e] for p, s, e, _ in chunks], [c[3] for c in chunks],
                              [s for _, s, _, _ in chunks]))
    for pending in batch:
        pending.entities = [entities.encode(next(found)) for _ in pending.chunks]


def _hash(model: str, text: str) -> str:
    return hashlib.sha1(f"{model}\x1f{text}".encode()).hexdigest()


def hashes(pending: Pending, model: str) -> list[str]:
    """Return the input hashes of a pending document's chunks and sentences."""
    text = pending.doc.text
    return [_hash(model, t) for *_, t in pending.chunks] + [_hash(model, text[s:e]) for s, e in pending.sentences]


def summary_of(text: str, embedder: Embedder) -> list[tuple[int, int]]:
    """Summarise one document now (for documents ingested without summaries)."""
    spans = candidate_sentences(text)
    return summarize(text, spans, embedder.embed([text[s:e] for s, e in spans])) if spans else []
