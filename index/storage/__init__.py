"""Where the index is kept: the contract (base.py) and its two backends (embedded/, milvus/)."""

from .base import Searching, Storage, StoredChunk, StoredDocument, NewSpan
from .opening import Location, open

__all__ = ["Location", "NewSpan", "Searching", "Storage", "StoredChunk", "StoredDocument", "open"]
