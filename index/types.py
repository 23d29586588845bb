"""Small frozen records that cross module lines."""

from dataclasses import dataclass, field

from .ranking.confidence import Signals


@dataclass(frozen=True)
class SourceText:
    """A document as read from a file or URL, before it is stored."""

    source: str
    title: str
    text: str
    published: str | None = None
    from_image: bool = False  # read by OCR from a photo or scanned pages (index/sources/ocr.py)
    unread_pages: tuple[int, ...] = ()  # scanned pages (1-based) the OCR could not read, left out


SHARED = "shared"  # the operator's collection: what every chat reads unless told otherwise
# A collection's name: the shared one, a group's ("chat-1001234", from its chat id) or a user's own
# ("user42"), or one the operator names; letters, digits, "-" and "_".
COLLECTION_NAME = r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}"


@dataclass(frozen=True)
class Document:
    """A stored document; `text` is the exact text all offsets point into."""

    id: str
    title: str
    source: str
    published: str | None
    text: str
    language: str = ""  # ISO 639 code, detected at ingest (index/text/languages.py); "" in older indexes
    from_image: bool = False  # its text is what OCR read from a picture of it
    collection: str = SHARED  # who may read it (index/collections.py)


@dataclass(frozen=True)
class DocumentInfo:
    """A stored document without its text, as listed."""

    id: str
    title: str
    source: str
    published: str | None
    chunks: int
    from_image: bool = False
    language: str = ""  # ISO 639, detected at ingest; "" in older indexes
    collection: str = SHARED

    @classmethod
    def of(cls, doc: Document, chunks: int = 0) -> "DocumentInfo":
        """A stored document's listing."""
        return cls(doc.id, doc.title, doc.source, doc.published, chunks, doc.from_image, doc.language,
                   doc.collection)


@dataclass(frozen=True)
class CollectionInfo:
    """A collection as listed: its documents, chunks and last change (ISO time)."""

    name: str
    documents: int
    chunks: int
    changed: str


@dataclass(frozen=True)
class Span:
    """A piece of a document: `text == document.text[start:end]`."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Hit:
    """One retrieved chunk, quoted verbatim, with the sentence that best answers.

    `score` is the confidence that the chunk answers, in [0, 1] (index/ranking/confidence.py); `signals`
    are what it was computed from, kept for evaluation and for explaining a "not found".
    """

    document: DocumentInfo
    chunk_id: int
    quote: Span
    sentence: Span  # the sentence that best answers: what the bot shows in bold
    score: float
    signals: Signals | None = field(default=None, compare=False, repr=False)
    lacks: str = ""  # the kind of answer asked ("amount", "date"...) that no sentence of it gives


@dataclass(frozen=True)
class Missing:
    """What the closest passage lacks (index/ranking/lacking.py): nothing, when nothing can be named."""

    kind: str = ""  # the kind of answer asked that it does not give: "amount", "number", "date"...
    words: tuple[str, ...] = ()  # the question's telling words that no document has, as typed

    def __bool__(self) -> bool:
        return bool(self.kind or self.words)


@dataclass(frozen=True)
class Answer:
    """The result of a question, in one of three states (`state`): *answered* (`found`: the best
    hit passes the threshold and gives what was asked); *closest* (the closest passage, shown as
    context, and what it lacks: `missing`); *not found* (nothing close enough to show)."""

    question: str
    found: bool
    hits: tuple[Hit, ...] = ()
    missing: Missing = field(default_factory=Missing)

    @property
    def state(self) -> str:
        """"answered", "closest" or "not found"."""
        if self.found:
            return "answered"
        return "closest" if self.missing and self.hits else "not found"


@dataclass(frozen=True)
class IngestReport:
    """What one ingest run did."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    failed: int = 0
    chunks_embedded: int = 0
    errors: tuple[tuple[str, str], ...] = field(default=())
    documents: tuple[str, ...] = field(default=())

    def __add__(self, other: "IngestReport") -> "IngestReport":
        """Two runs as one (feeds' articles, ingested collection by collection)."""
        return IngestReport(self.added + other.added, self.updated + other.updated, self.unchanged + other.unchanged,
                            self.failed + other.failed, self.chunks_embedded + other.chunks_embedded,
                            self.errors + other.errors, self.documents + other.documents)

    def describe(self) -> str:
        """Describe the run in one line."""
        return (
            f"{self.added} added, {self.updated} updated, {self.unchanged} unchanged, "
            f"{self.failed} failed; {self.chunks_embedded} chunks embedded"
        )
