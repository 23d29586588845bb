"""The storage contract: what a backend of Verbatim's index must do, and the records it speaks in.

Two backends implement it: `embedded` (one SQLite file plus FAISS and BM25 files in an index
directory, index/storage/embedded/) and `milvus` (four collections in a Milvus deployment,
index/storage/milvus/). `index.storage.open` is the only place that picks one; everything above
(`Library`, ranking, summaries) speaks to `Storage` alone. A third backend (pgvector, a Qdrant
server...) implements this protocol, passes tests/test_storage_contract.py, and adds one branch to
`open`.

What a backend promises:

- **Documents are replaced whole.** `write` stores each document with its text and language,
  chunks (spans, input hashes, vectors, languages, entities), sentence vectors and summary, replacing any earlier version, and
  removes the ids in `removed`; after it returns, every read and every search sees all of it or
  (on a failure) none of it. Writers in other processes may run at the same time.
- **Reads never write.** Every method but `write`, `set_summary`, `settle` and `close` leaves
  the stored index as it was (a backend may refresh its own caches).
- **Chunk ids are ints, stable while the chunk's document is unchanged**, unique in the index.
- **`generation()` is a cursor for "what is new"**: it never goes back, and a document written
  after a cursor was read is listed by `documents(after_generation=cursor)` (a backend may list
  some written shortly before too: deliveries are deduplicated per document).
- **Searching is by meaning and by words**: inside `searching()`, `dense.search` returns chunk
  ids by inner product with a normalised vector (cosine) and `lexical.scored` by BM25 over the
  tokens of index/text/tokens.py of each chunk's title and text, read in the chunk's language
  (stored with it: `NewSpan.language`); the question is read in its own language and, when it
  is long enough to tell, chunks known to be in another language score 0. Cosines are the embedded backend's (FAISS); BM25 scores are bm25s's ("lucene", K1 and B
  of index/text/tokens.py) up to one factor per question, as ranking divides them by the
  question's best. So fusion, the confidence and its threshold hold on every backend.

**Collections** keep chats apart: every document belongs to one (`Document.collection`; the
shared one in indexes made before collections). A read or search given `collections` sees only
those collections' documents and chunks, as if the others were not stored (None: every one, the
operator's view): `searching(collections)` restricts dense search, BM25 and the vocabulary read,
and on the embedded backend BM25's term statistics are those of the collections searched (an engine
may keep them per index: Milvus does). A document's id is unique in the whole index.

Beside the index, every backend names a SQLite file on this machine (`local_state`) where
modules keep their own tables (followed feeds: index/feeds.py), through index/storage/local.py.
"""

import datetime as dt
from collections.abc import Collection, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol, runtime_checkable

import numpy as np

from ..types import CollectionInfo, Document, DocumentInfo

Collections = Collection[str] | None  # the collections a read sees; None: every one


@dataclass(frozen=True)
class NewSpan:
    """A chunk or a sentence as stored: its span in the document's text, the hash of the text its
    vector was computed from (index/sources/indexing.py), and the vector (normalised)."""

    start: int
    end: int
    embed_hash: str
    vector: np.ndarray
    language: str = ""  # a chunk's language (ISO 639; "" for sentences and chunks of older indexes)
    entities: str = ""  # a chunk's named things, as index/text/entities.py encodes them ("": none read)


@dataclass(frozen=True)
class StoredChunk:
    """A stored chunk with the document it belongs to (text included)."""

    id: int
    start: int
    end: int
    document: Document
    version: str = ""  # which version of the document it belongs to (a backend's own use)
    language: str = ""  # ISO 639, detected at ingest; "" in indexes made before languages
    entities: str = ""  # as stored (index/text/entities.py `decode`); "": no tagger read it


@dataclass(frozen=True)
class StoredDocument:
    """A document with everything stored for it: what `write` takes and `export` yields."""

    document: Document
    content_hash: str  # index/sources/indexing.py's fingerprint: same text, model and chunking, same hash
    ingested_at: str | None  # ISO time; None: now
    summary: list[tuple[int, int]]  # the summary sentences' spans
    chunks: list[NewSpan]
    sentences: list[NewSpan]


class DenseSearch(Protocol):
    """Nearest chunks by meaning."""

    def __len__(self) -> int: ...

    def search(self, vector: np.ndarray, k: int) -> list[tuple[int, float]]:
        """Up to `k` (chunk id, cosine) pairs, best first."""

    def cosines(self, ids: list[int], vector: np.ndarray) -> np.ndarray:
        """The cosine of each of these chunks to `vector` (-1 for one not stored)."""


class LexicalSearch(Protocol):
    """Chunks by their words (BM25)."""

    def scored(self, question: str, depth: int, also: Sequence[int] = (), language: str | None = None,
               ) -> tuple[list[int], dict[int, float]]:
        """Up to `depth` chunk ids with a positive BM25 score, best first, and the scores of those
        and of `also` (0 for a chunk without the question's words, or in another language than
        the question's: see the module's docstring). `language`: the question's, as analysed
        where it entered ("": too short to tell, every chunk counts); None: detected here."""

    def known(self, words: Sequence[str], language: str) -> set[str]:
        """Those of `words` that some chunk holds, each read as a passage in `language` reads
        it (stem): a vocabulary read, no scoring ("is "Asia" in any document?")."""


@dataclass(frozen=True)
class Searching:
    """What a question searches, held steady while it does."""

    dense: DenseSearch
    lexical: LexicalSearch
    collections: Collections = None  # what both search (None: every collection)


@runtime_checkable
class Storage(Protocol):
    """An index's documents, chunks and vectors, and search over them."""

    where: str  # for messages: a directory, or a URI with the collections' prefix
    local_state: Path  # this machine's own SQLite file (see the module's docstring)

    # ----- what the index is --------------------------------------------------------------
    def model(self) -> tuple[str, int] | None:
        """The embedding model's name and vector size the index was built with; None before
        the first write."""

    def generation(self) -> int:
        """The cursor for "what is new" (see the module's docstring)."""

    # ----- documents ----------------------------------------------------------------------
    def find_document_id(self, ref: str, collections: Collections = None) -> str | None:
        """A document's id from its id, a unique id prefix or its source."""

    def document(self, document_id: str, collections: Collections = None) -> Document | None:
        """A stored document with its text."""

    def documents(self, after_generation: int = -1, since: str | None = None,
                  collections: Collections = None) -> list[DocumentInfo]:
        """Stored documents newest first (by published date, else ingest time), optionally those
        written after a generation or ingested since an ISO date."""

    def collections(self) -> list[CollectionInfo]:
        """Every collection that holds a document, by name."""

    def content_hash(self, document_id: str) -> str | None:
        """The stored document's content hash (None: not stored): unchanged documents are skipped."""

    def summary_spans(self, document_id: str) -> list[tuple[int, int]]:
        """A document's summary sentences as (start, end) pairs."""

    def document_means(self, document_ids: list[str], dim: int) -> dict[str, np.ndarray]:
        """Each document's mean chunk vector, normalised (zeros for one not stored)."""

    def export(self) -> Iterator[StoredDocument]:
        """Every document with everything stored for it, for a copy into another backend."""

    # ----- chunks and vectors -------------------------------------------------------------
    def chunk_count(self, document_id: str) -> int:
        """How many chunks a document has."""

    def chunk_ids(self, document_ids: list[str]) -> list[int]:
        """The ids of these documents' chunks."""

    def chunks(self, ids: list[int], collections: Collections = None) -> dict[int, StoredChunk]:
        """The chunks with these ids, each with its document (unknown ids are left out)."""

    def chunk_vectors(self, ids: list[int]) -> np.ndarray:
        """These chunks' vectors, in this order."""

    def sentence_vectors(self, wanted: list[tuple[StoredChunk, list[tuple[int, int]]]],
                         ) -> list[dict[tuple[int, int], np.ndarray]]:
        """For each chunk and its sentences' spans, the stored sentence vectors by span (a
        sentence without one is left out)."""

    def vectors_for(self, embed_hashes: Iterable[str]) -> dict[str, np.ndarray]:
        """Vectors already computed for these input hashes (chunks or sentences): never
        embed the same text twice."""

    def searching(self, collections: Collections = None) -> AbstractContextManager[Searching]:
        """Dense and lexical search over the index as it is now, held steady (and shared with
        other questions) until the block ends; over these collections' chunks alone."""

    # ----- changes ------------------------------------------------------------------------
    def write(self, documents: Sequence[StoredDocument], removed: Sequence[str] = (), *,
              model: tuple[str, int]) -> None:
        """Store or replace these documents and remove those ids, all at once. The first write
        records `model` (name, vector size); a later one with another model raises ModelMismatch."""

    def set_summary(self, document_id: str, spans: list[tuple[int, int]]) -> None:
        """Keep a summary computed after ingest (a document written without one)."""

    def settle(self) -> None:
        """After a run of writes: whatever makes later searches fast (merge saved bases, seal
        the engine's segments). Optional for correctness; slow; never needed by a read."""

    def drop(self) -> None:
        """Delete the whole index (scratch indexes of evaluations)."""

    def close(self) -> None:
        """Release connections and files."""


def mean_vector(vectors: list[np.ndarray], dim: int) -> np.ndarray:
    """The normalised mean of some vectors (a document's chunks); zeros for none."""
    if not vectors:
        return np.zeros(dim, np.float32)
    mean = np.mean(vectors, axis=0)
    norm = np.linalg.norm(mean)
    return (mean / norm).astype(np.float32) if norm else mean.astype(np.float32)


def now() -> str:
    """The time now, as stored in `ingested_at`."""
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
