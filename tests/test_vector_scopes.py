"""The vector index searched within some collections (index/storage/embedded/dense.py) returns
exactly what a brute-force search of their chunks returns, whichever way it searches: unfiltered
for more hits when the scope holds most chunks, through a selector when it holds few."""

import numpy as np
import pytest

from index.storage.embedded.dense import VectorIndex
from index.storage.embedded.scope import Membership, Scope


@pytest.mark.parametrize("wanted", [{"shared"}, {"shared", "chat-3"}, {"chat-3"}, {"chat-4"}])
def test_a_scoped_search_is_the_exact_search_of_its_chunks(wanted):
    rng = np.random.default_rng(3)
    ids = np.arange(1, 3001)
    vectors = rng.standard_normal((len(ids), 32)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    names = ["shared" if i % 3 else f"chat-{i % 5}" for i in ids]  # shared 2/3; each chat about 1/15
    index = VectorIndex(32)
    index.add(ids, vectors)
    index.remove(np.array([3, 6, 9]))  # removed chunks stay out
    dead = np.array([2, 5, 8])  # their positions
    scope = Scope.of(ids, Membership.of(names), [], dead, frozenset(wanted))
    inside = np.isin(ids, scope.ids)
    for query in rng.standard_normal((20, 32)).astype(np.float32):
        query /= np.linalg.norm(query)
        cosines = np.where(inside, vectors @ query, -np.inf)
        expected = [int(ids[i]) for i in np.argsort(-cosines, kind="stable")[:50]]
        assert [i for i, _ in index.search(query, 50, scope)] == expected
