"""Verbatim's index: documents in, verbatim hits out. `bot/` uses only what is exported here."""

from .sources.documents import SUFFIXES, is_url, parse, parse_file
from .models.embedding import DEFAULT_MODEL, RUNTIMES, load_embedder, register
from .models.packaged import MULTILINGUAL as MULTILINGUAL_MODEL
from .errors import (
    DocumentNotFound,
    IndexNotFound,
    IndexUnavailable,
    ModelMismatch,
    ModelUnavailable,
    UnsupportedDocument,
    VerbatimError,
)
from .evaluation.calibration import SIZES, SizeReport, calibrate
from .evaluation.measures import figures, load_beir, load_ester, load_squad, not_found_precision_recall, squad_part
from .evaluation.measures import run as evaluate
from .evaluation.articles import load_news, load_squad_articles
from .evaluation.articles import part as article_part, run as evaluate_articles
from .evaluation.conversations import READINGS, load_conversations
from .evaluation.conversations import part as conversation_part, run as evaluate_conversations
from .credentials import hidden
from .feeds import Feed, Feeds, PollReport
from .sources.fetching import Fetcher
from .library import DEFAULT_CHUNK_TOKENS, Library
from .text.followups import in_thread, set_aside, thread_answer
from .storage import Location
from .models.packaged import use_cache_dir
from .models.readers import load_reader
from .ranking.retrieval import default_threshold
from .summaries import DigestItem, Summary
from .text.languages import has_words, right_to_left
from .types import COLLECTION_NAME, SHARED, Answer, CollectionInfo, Document, DocumentInfo, Hit, IngestReport, Missing, SourceText, Span

__all__ = [
    "DEFAULT_CHUNK_TOKENS", "DEFAULT_MODEL", "SHARED", "COLLECTION_NAME", "CollectionInfo", "MULTILINGUAL_MODEL", "default_threshold", "Location", "SUFFIXES", "Answer", "Missing",
    "DigestItem", "Feed", "Feeds", "PollReport", "Document", "DocumentInfo", "Summary", "DocumentNotFound", "Hit", "IndexNotFound", "IndexUnavailable", "IngestReport",
    "Library", "ModelMismatch", "ModelUnavailable", "SourceText", "Span", "UnsupportedDocument",
    "VerbatimError", "evaluate", "figures", "is_url", "load_beir", "load_squad",
    "not_found_precision_recall", "parse", "parse_file", "register",
    "SIZES", "SizeReport", "calibrate", "load_ester", "squad_part", "Fetcher", "RUNTIMES", "load_embedder",
    "load_reader", "use_cache_dir", "right_to_left", "has_words", "in_thread", "set_aside", "thread_answer",
    "hidden", "load_news", "load_squad_articles", "article_part", "evaluate_articles", "READINGS", "load_conversations", "conversation_part", "evaluate_conversations",
]
