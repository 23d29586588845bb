"""BM25's newest segment: the chunks added since the base (bm25.py), as term counts."""

from collections import Counter

import numpy as np
import scipy.sparse

from ...text.tokens import B, K1


def idf(df: np.ndarray | float, n: int) -> np.ndarray | float:
    """Lucene's inverse document frequency, as bm25s computes it."""
    return np.log(1 + (n - df + 0.5) / (df + 0.5))


class Recent:
    """The chunks added since the base, as term counts; scored with the base's statistics
    joined to their own, the way a search engine scores a new segment before merging it."""

    def __init__(self, ids: np.ndarray, tokens: list[list[str]], languages: list[str], collections: list[str]) -> None:
        self.ids, self.tokens, self.languages, self.collections = ids, tokens, languages, collections
        self.vocab: dict[str, int] = {}
        rows, cols, counts = [], [], []
        for row, words in enumerate(tokens):
            for word, count in Counter(words).items():
                rows.append(row)
                cols.append(self.vocab.setdefault(word, len(self.vocab)))
                counts.append(count)
        self.tf = scipy.sparse.csc_matrix((np.array(counts, dtype=np.float32), (rows, cols)),
                                          shape=(len(tokens), len(self.vocab)))
        self.lengths = np.array([len(words) for words in tokens], dtype=np.float32)

    def scores(self, words: list[str], df, count: int, average: float) -> np.ndarray:
        """BM25 of every recent chunk; `df(word)` is the word's document count among the `count`
        chunks searched, `average` their length."""
        out = np.zeros(len(self.ids), dtype=np.float32)
        if not len(self.ids) or not count:
            return out
        for word in words:
            column = self.vocab.get(word)
            if column is None:
                continue
            start, end = self.tf.indptr[column], self.tf.indptr[column + 1]
            rows, tf = self.tf.indices[start:end], self.tf.data[start:end]
            out[rows] += idf(df(word), count) * tf / (tf + K1 * (1 - B + B * self.lengths[rows] / average))
        return out

    def rows(self, word: str) -> np.ndarray:
        """The recent chunks (positions) that hold a word."""
        column = self.vocab.get(word)
        return np.zeros(0, dtype=np.int32) if column is None else \
            self.tf.indices[self.tf.indptr[column]:self.tf.indptr[column + 1]]

    def without(self, removed: set[int]) -> "Recent":
        keep = [i for i, chunk_id in enumerate(self.ids) if int(chunk_id) not in removed]
        return Recent(self.ids[keep], [self.tokens[i] for i in keep], [self.languages[i] for i in keep],
                       [self.collections[i] for i in keep])
