"""Collections in the storage contract (index/storage/base.py), on both backends: three chats,
a private document each and one shared; no read or search given some collections returns a
word of another's."""

import dataclasses

import numpy as np
import pytest

from index.storage import StoredDocument
from index.types import SHARED
from tests.test_storage_contract import BACKENDS, MODEL, make_document, opened, reference_scores

pytestmark = BACKENDS

OWN = {SHARED: "lighthouse", "chat-1001": "harpsichord", "chat-1002": "zeppelin", "user42": "marmalade"}


def in_collection(stored: StoredDocument, collection: str, word: str) -> StoredDocument:
    """`stored` moved into `collection`, its text ending with a word no other collection has."""
    document = stored.document
    text = f"{document.text} The {word} story."
    return dataclasses.replace(stored, document=dataclasses.replace(
        document, id=f"{document.id[:6]}{len(collection):02d}{collection[-2:]}", text=text,
        source="notes://same-name.txt", collection=collection))


@pytest.fixture
def chats(backend, tmp_path):
    storage = opened(backend, tmp_path, "chats")
    rng = np.random.default_rng(11)
    stored = {name: in_collection(make_document(n, rng), name, word) for n, (name, word) in enumerate(OWN.items())}
    # the last chunk holds the collection's own word
    stored = {name: dataclasses.replace(s, chunks=[*s.chunks[:-1], dataclasses.replace(
        s.chunks[-1], end=len(s.document.text))]) for name, s in stored.items()}
    storage.write(list(stored.values()), model=MODEL)
    storage.settle()
    yield storage, stored
    storage.close()


def test_every_read_within_some_collections_sees_them_alone(chats):
    storage, stored = chats
    for mine in ("chat-1001", "chat-1002", "user42"):
        seen = {mine, SHARED}
        others = [s for name, s in stored.items() if name not in seen]
        assert {d.id for d in storage.documents(collections=seen)} == {stored[n].document.id for n in seen}
        assert {d.collection for d in storage.documents(collections=seen)} == seen
        # the same file name in every collection: each chat finds its own
        assert storage.find_document_id("notes://same-name.txt", [mine]) == stored[mine].document.id
        for other in others:
            doc_id = other.document.id
            assert storage.find_document_id(doc_id, seen) is None and storage.find_document_id(doc_id[:7], seen) is None
            assert storage.document(doc_id, seen) is None
            assert storage.chunks(storage.chunk_ids([doc_id]), seen) == {}
        assert storage.document(stored[mine].document.id, seen).collection == mine


def test_searching_some_collections_finds_nothing_of_another(chats):
    storage, stored = chats
    for mine in ("chat-1001", "chat-1002", "user42"):
        seen = {mine, SHARED}
        inside = set(storage.chunk_ids([stored[n].document.id for n in seen]))
        with storage.searching(seen) as found:
            assert len(found.dense) == len(inside)
            for name, other in stored.items():
                word = OWN[name]
                for chunk in other.chunks:  # even a chunk's own vector finds only what the chat may read
                    assert {i for i, _ in found.dense.search(chunk.vector, 50)} <= inside
                best, scores = found.lexical.scored(f"Where is the {word}?", 10, also=sorted(inside))
                assert set(best) <= inside and set(scores) <= inside
                assert bool(best) == (name in seen), (mine, word)
                assert found.lexical.known([word], "en") == ({word} if name in seen else set())


def test_collections_are_listed_with_their_size(chats):
    storage, stored = chats
    listed = {c.name: c for c in storage.collections()}
    assert set(listed) == set(OWN)
    for name, s in stored.items():
        assert listed[name].documents == 1 and listed[name].chunks == len(s.chunks) and listed[name].changed


def test_bm25_within_collections_counts_their_chunks_alone(chats, backend):
    """On the embedded backend a word's weight is its weight among the chunks searched, as bm25s
    scores them on their own; Milvus keeps one set of statistics per index."""
    if backend == "milvus":
        pytest.skip("the engine keeps BM25's term statistics for the whole index")
    storage, stored = chats
    seen = {"chat-1001", SHARED}
    chunks = storage.chunks(storage.chunk_ids([stored[n].document.id for n in seen]))
    question = "When did the council vote on the river bridge budget for the harpsichord?"
    ids, expected = reference_scores(chunks, question)
    with storage.searching(seen) as found:
        best, scores = found.lexical.scored(question, 10, also=ids)
    for i in ids:  # lengths are averaged over the whole index: close, not equal
        assert scores[i] / max(scores.values()) == pytest.approx(float(expected[ids.index(i)] / expected.max()),
                                                                 abs=0.05)


def test_indexes_made_before_collections_hold_the_shared_one(backend, tmp_path):
    """tests/legacy/: the samples as indexed before collections. They open unchanged, every
    document in the shared collection; an embedded one takes a group's documents next to them,
    a Milvus one made before collections says how to get them."""
    import shutil

    from index import DEFAULT_MODEL, Library, Location, VerbatimError
    from tests.conftest import ROOT

    if backend == "milvus":
        pytest.importorskip("pymilvus", reason="the milvus extra is not installed")
    shutil.copytree(ROOT / "tests" / "legacy", tmp_path / "legacy")
    where = (Location(tmp_path / "legacy" / "milvus-state", str(tmp_path / "legacy" / "milvus.db"))
             if backend == "milvus" else Location(tmp_path / "legacy" / "embedded"))
    library = Library(where, model=DEFAULT_MODEL, create=False)
    try:
        everything = library.documents(collections=None)
        assert len(everything) == 3 and {d.collection for d in everything} == {SHARED}
        assert [(c.name, c.documents) for c in library.collections()] == [(SHARED, 3)]
        assert library.documents(collections=[SHARED]) == everything
        assert library.documents(collections=["chat-5"]) == []
        with library.storage.searching([SHARED, "chat-5"]) as found:
            assert len(found.dense) == sum(d.chunks for d in everything)
        with library.storage.searching(["chat-5"]) as found:
            assert len(found.dense) == 0 and found.lexical.scored("telegraph", 5)[0] == []
        stored = next(library.storage.export())
        moved = dataclasses.replace(stored, document=dataclasses.replace(stored.document, id="grouped001",
                                                                         collection="chat-5"))
        if backend == "milvus":
            with pytest.raises(VerbatimError, match="made before collections"):
                library.storage.write([moved], model=library.storage.model())
            return
        library.storage.write([moved], model=library.storage.model())  # the same source, in a group's collection
        assert [(c.name, c.documents) for c in library.collections()] == [("chat-5", 1), (SHARED, 3)]
        assert library.document(stored.document.source, [SHARED]).id == stored.document.id
        assert library.document(stored.document.source, ["chat-5"]).id == "grouped001"
    finally:
        library.close()
