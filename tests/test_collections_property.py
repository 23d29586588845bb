"""Uploads, removals and questions of several chats, interleaved at random (hypothesis): no answer
ever quotes, lists or names a document its chat may not read, on either backend."""

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import index
from index import SHARED, DocumentNotFound, Location, SourceText
from tests.conftest import HASH_MODEL, HASH_THRESHOLD

# What each chat reads: a private chat its user's own and the shared one; a group its own and the
# shared one; a group left out of the shared collection (VERBATIM_SHARED_CHATS) its own alone.
READS = {"user21": frozenset({"user21", SHARED}), "chat-1001": frozenset({"chat-1001", SHARED}),
         "chat-1002": frozenset({"chat-1002"})}
COLLECTIONS = sorted({SHARED, *READS})
WORDS = ("quokka", "axolotl", "narwhal", "pangolin", "ocelot", "tapir")

operations = st.lists(st.one_of(
    st.tuples(st.just("add"), st.sampled_from(COLLECTIONS), st.sampled_from(WORDS)),
    st.tuples(st.just("remove"), st.sampled_from(COLLECTIONS), st.sampled_from(WORDS)),
    st.tuples(st.just("ask"), st.sampled_from(sorted(READS)), st.sampled_from(WORDS)),
), min_size=4, max_size=14)


def story(word: str) -> SourceText:
    return SourceText(f"notes://{word}.txt", f"{word.capitalize()} notes",
                      f"The {word} was seen near the river at dawn. Keepers counted the {word} twice, "
                      f"and the {word} slept in the reeds until noon.")


def check(library: index.Library, held: dict[str, set[str]], operations) -> None:
    """Run the operations, checking every read against what the chat may read."""
    for op, where, word in operations:
        if op == "add":
            library.add([story(word)], summaries=False, collection=where)
            held[where].add(word)
        elif op == "remove":
            try:
                library.remove(f"notes://{word}.txt", [where])
            except DocumentNotFound:
                assert word not in held[where]
            held[where].discard(word)
        else:
            readable = READS[where]
            may = {w for c in readable for w in held[c]}
            answer = library.search(f"Where was the {word} seen at dawn?", 9, every=True, collections=readable)
            for hit in answer.hits:
                assert hit.document.collection in readable, (where, hit.document.collection)
                assert hit.document.title.split()[0].lower() in may
            if word not in may:  # another chat's word: never shown, and said to be in no document
                assert all(word not in hit.quote.text for hit in answer.hits)
            listed = library.documents(collections=readable)
            assert sorted(d.title.split()[0].lower() for d in listed) == sorted(
                w for c in readable for w in held[c])


@pytest.mark.parametrize("backend", ["embedded", "milvus"])
def test_no_chat_ever_reads_another_chats_documents(backend, tmp_path):
    if backend == "milvus":
        pytest.importorskip("pymilvus", reason="the milvus extra is not installed")

    @settings(max_examples=25 if backend == "embedded" else 12, deadline=None,
              suppress_health_check=[HealthCheck.too_slow])
    @given(operations)
    def run(ops):
        scratch = Path(tempfile.mkdtemp(dir=tmp_path))  # left to pytest: Milvus Lite tidies up after closing
        where = Location(scratch / "index", str(scratch / "m.db") if backend == "milvus" else None)
        library = index.Library(where, model=HASH_MODEL, threshold=HASH_THRESHOLD)
        try:
            check(library, {c: set() for c in COLLECTIONS}, ops)
        finally:
            library.close()

    run()
