"""The storage contract (index/storage/base.py), one suite that every backend passes.

As LangChain's `VectorStoreIntegrationTests`: each test runs on the embedded backend and on
Milvus Lite, against `Storage` alone: reads round-trip what was written; a document is replaced
or removed whole; dense search agrees with brute-force cosine and lexical search with bm25s;
a copy through `export` and `write` gives the other backend the same data. A third backend
passes this file by adding its name to BACKENDS and a branch to `index.storage.open`.
"""

import numpy as np
import pytest

from index import Document, ModelMismatch
from index.storage import Location, NewSpan, Storage, StoredDocument, open as open_storage
from index.text.tokens import B, K1, tokenize

BACKENDS = pytest.mark.parametrize("backend", ["embedded", "milvus"], indirect=True)
pytestmark = BACKENDS

DIM = 16
MODEL = ("contract-model", DIM)
WORDS = ("river bridge council vote budget school harbour ferry storm power grid railway museum "
         "library festival market tram airport hospital").split()


def unit(rng: np.random.Generator) -> np.ndarray:
    vector = rng.normal(size=DIM).astype(np.float32)
    return vector / np.linalg.norm(vector)


def make_document(n: int, rng: np.random.Generator, chunks: int = 3, version: str = "1") -> StoredDocument:
    """A document of `chunks` sentences, one chunk each, with random unit vectors."""
    sentences = [" ".join(rng.choice(WORDS, size=6)).capitalize() + "." for _ in range(chunks)]
    text = " ".join(sentences)
    spans, at = [], 0
    for sentence in sentences:
        spans.append((at, at + len(sentence)))
        at += len(sentence) + 1
    document = Document(f"doc{n:04d}aa{version}", f"Story {n}", f"notes://story-{n}", "2026-11-0%d" % (1 + n % 9), text)
    made = [NewSpan(a, b, f"c{n}-{version}-{i}", unit(rng)) for i, (a, b) in enumerate(spans)]
    said = [NewSpan(a, b, f"s{n}-{version}-{i}", unit(rng)) for i, (a, b) in enumerate(spans)]
    return StoredDocument(document, f"{version * 16}{n:048d}", "2026-12-01T10:00:00+00:00", spans[:1], made, said)


def opened(backend: str, tmp_path, name: str = "a") -> Storage:
    uri = str(tmp_path / f"{name}.db") if backend == "milvus" else None
    return open_storage(Location(tmp_path / name, uri, collection=f"contract_{name}"))


@pytest.fixture
def storage(backend, tmp_path):
    made = opened(backend, tmp_path)
    yield made
    made.close()


@pytest.fixture
def written(storage):
    rng = np.random.default_rng(7)
    documents = [make_document(n, rng) for n in range(12)]
    storage.write(documents, model=MODEL)
    storage.settle()
    return documents


def test_an_empty_index_reads_as_empty_and_searches_nothing(storage):
    assert isinstance(storage, Storage)
    assert storage.model() is None and storage.documents() == [] and storage.find_document_id("x") is None
    with storage.searching() as found:
        assert len(found.dense) == 0 and found.dense.search(np.ones(DIM, np.float32), 5) == []
        assert found.lexical.scored("river bridge", 5)[0] == []


def test_every_read_returns_what_was_written(storage, written):
    assert storage.model() == MODEL
    listed = {d.id: d for d in storage.documents()}
    assert set(listed) == {d.document.id for d in written}
    for stored in written:
        doc = stored.document
        assert storage.document(doc.id) == doc
        assert listed[doc.id].chunks == storage.chunk_count(doc.id) == len(stored.chunks)
        assert storage.content_hash(doc.id) == stored.content_hash
        assert storage.summary_spans(doc.id) == stored.summary
        for ref in (doc.id, doc.id[:9], doc.source):
            assert storage.find_document_id(ref) == doc.id
        ids = storage.chunk_ids([doc.id])
        chunks = storage.chunks(ids)
        assert sorted((c.start, c.end) for c in chunks.values()) == [(c.start, c.end) for c in stored.chunks]
        assert all(c.document == doc for c in chunks.values())
        by_span = {(c.start, c.end): i for i, c in chunks.items()}
        vectors = storage.chunk_vectors([by_span[(c.start, c.end)] for c in stored.chunks])
        np.testing.assert_allclose(vectors, np.stack([c.vector for c in stored.chunks]), atol=1e-6)
        wanted = [(chunk, [(s.start, s.end) for s in stored.sentences if chunk.start <= s.start < chunk.end])
                  for chunk in chunks.values()]
        found = {span: v for part in storage.sentence_vectors(wanted) for span, v in part.items()}
        for s in stored.sentences:  # stored as float16 by one backend: close, not equal
            np.testing.assert_allclose(found[(s.start, s.end)], s.vector, atol=2e-3)
    known = storage.vectors_for([c.embed_hash for c in written[0].chunks] + ["never-embedded"])
    assert set(known) == {c.embed_hash for c in written[0].chunks}
    means = storage.document_means([written[1].document.id], DIM)
    expected = np.mean([c.vector for c in written[1].chunks], axis=0)
    np.testing.assert_allclose(means[written[1].document.id], expected / np.linalg.norm(expected), atol=1e-5)


def test_a_document_is_replaced_and_removed_whole(storage, written):
    rng = np.random.default_rng(8)
    old = written[0]
    old_ids = set(storage.chunk_ids([old.document.id]))
    new = make_document(0, rng, chunks=2, version="2")
    new = StoredDocument(Document(old.document.id, "Story 0, updated", old.document.source, None, new.document.text),
                         new.content_hash, None, [], new.chunks, new.sentences)
    before = storage.generation()
    storage.write([new], model=MODEL)
    assert storage.document(old.document.id).title == "Story 0, updated"
    assert storage.chunk_count(old.document.id) == 2 and storage.content_hash(old.document.id) == new.content_hash
    assert not old_ids & set(storage.chunk_ids([old.document.id])) and storage.chunks(sorted(old_ids)) == {}
    assert old.document.id in [d.id for d in storage.documents(after_generation=before)]
    storage.write([], removed=[written[1].document.id], model=MODEL)
    assert storage.document(written[1].document.id) is None and storage.chunk_ids([written[1].document.id]) == []
    with storage.searching() as found:
        gone = set(storage.chunk_ids([written[1].document.id])) | old_ids
        assert not gone & {i for i, _ in found.dense.search(written[1].chunks[0].vector, 50)}
        assert len(found.dense) == sum(len(d.chunks) for d in written) - 3 - 3 + 2


def test_the_vocabulary_read_knows_the_words_of_the_documents_still_stored(storage, written):
    rng = np.random.default_rng(10)
    text = "The zeppelins landed at the harbour."
    airship = StoredDocument(Document("docairship", "Airships", "notes://airships", None, text), "a" * 64, None, [],
                             [NewSpan(0, len(text), "airship", unit(rng))], [])
    storage.write([airship], model=MODEL)
    storage.settle()
    with storage.searching() as found:  # read as a passage reads it: "zeppelin" is "zeppelins"
        assert found.lexical.known(["zeppelin", "harbour", "Asia", "the"], "en") == {"zeppelin", "harbour", "the"}
    storage.write([], removed=["docairship"], model=MODEL)
    storage.settle()
    with storage.searching() as found:
        assert found.lexical.known(["zeppelin", "harbour"], "en") == {"harbour"}


def test_dense_search_agrees_with_brute_force_cosine(storage, written):
    chunks = storage.chunks(storage.chunk_ids([d.document.id for d in written]))
    ids = sorted(chunks)
    matrix = storage.chunk_vectors(ids)
    query = unit(np.random.default_rng(9))
    exact = sorted(zip(ids, matrix @ query), key=lambda pair: -pair[1])
    with storage.searching() as found:
        got = found.dense.search(query, 10)
        assert [i for i, _ in got] == [i for i, _ in exact[:10]]
        np.testing.assert_allclose([s for _, s in got], [s for _, s in exact[:10]], atol=1e-5)
        np.testing.assert_allclose(found.dense.cosines(ids[:5], query), matrix[:5] @ query, atol=1e-5)


def reference_scores(chunks: dict, question: str) -> tuple[list[int], np.ndarray]:
    """bm25s's scores of `question` over these chunks (title and text, as the index reads them),
    in the order of their sorted ids."""
    import bm25s

    ids = sorted(chunks)
    texts = [f"{c.document.title}\n{c.document.text[c.start:c.end]}" for c in (chunks[i] for i in ids)]
    reference = bm25s.BM25(k1=K1, b=B, method="lucene")
    reference.index(tokenize(texts), show_progress=False)
    return ids, reference.get_scores(tokenize([question])[0])


def test_lexical_search_agrees_with_bm25s(storage, written):
    chunks = storage.chunks(storage.chunk_ids([d.document.id for d in written]))
    question = "When did the council vote on the river bridge budget?"
    ids, expected = reference_scores(chunks, question)
    with storage.searching() as found:
        best, scores = found.lexical.scored(question, 5, also=ids[:3])
    order = np.argsort(-expected, kind="stable")
    assert {ids[j] for j in order[:5] if expected[j] > 0} == set(best)
    # Up to one factor per question (an engine may count BM25's k1 + 1 in the numerator): ranking
    # divides by the question's best score (index/ranking/fusion.py).
    top = max(scores[i] for i in best)
    for i in set(best) | set(ids[:3]):
        assert scores[i] / top == pytest.approx(float(expected[ids.index(i)] / expected.max()), rel=1e-3, abs=1e-4)


def test_a_copy_through_export_gives_the_other_backend_the_same_data(storage, written, tmp_path, backend):
    other = opened("milvus" if backend == "embedded" else "embedded", tmp_path, "b")
    try:
        other.write(list(storage.export()), model=MODEL)
        copied = {s.document.id: s for s in other.export()}
        for source in storage.export():
            again = copied[source.document.id]
            assert (again.document, again.content_hash, again.ingested_at, again.summary) == \
                   (source.document, source.content_hash, source.ingested_at, source.summary)
            for mine, theirs in ((source.chunks, again.chunks), (source.sentences, again.sentences)):
                key = lambda s: (s.start, s.end)  # noqa: E731
                assert [(s.start, s.end, s.embed_hash, s.language) for s in sorted(mine, key=key)] == \
                       [(s.start, s.end, s.embed_hash, s.language) for s in sorted(theirs, key=key)]
                np.testing.assert_allclose(np.stack([s.vector for s in sorted(mine, key=key)]),
                                           np.stack([s.vector for s in sorted(theirs, key=key)]), atol=2e-3)
    finally:
        other.close()


def test_a_summary_kept_later_reads_back_and_another_model_is_refused(storage, written):
    doc = written[2].document
    storage.set_summary(doc.id, [(0, 10)])
    assert storage.summary_spans(doc.id) == [(0, 10)]
    with pytest.raises(ModelMismatch):
        storage.write([make_document(99, np.random.default_rng(1))], model=("another-model", DIM))
    assert storage.document("doc0099aa1") is None


SPOKEN = {  # a document in each kind of script, two sentences (chunks) each, and a question in it
    "en": ("The council voted on the river bridge budget. The ferry stops at the harbour.",
           "When did the council vote on the bridge budget?"),
    "ru": ("Совет проголосовал за бюджет моста через реку. Паром причаливает в гавани.",
           "Когда совет голосовал за бюджет моста?"),
    "zh": ("市议会就河上大桥的预算进行了投票。渡轮停靠在港口。", "市议会什么时候就大桥预算投票？"),
    "hi": ("परिषद ने नदी पुल के बजट पर मतदान किया। नौका बंदरगाह पर रुकती है।",
           "परिषद ने पुल के बजट पर कब मतदान किया?"),
    "ar": ("صوت المجلس على ميزانية جسر النهر. تتوقف العبارة في الميناء.", "متى صوت المجلس على ميزانية الجسر؟"),
}


def test_documents_keep_their_languages_and_bm25_reads_each_in_its_own(storage):
    """Each document and chunk reads back with its language; a question's BM25 agrees with
    bm25s over the tokens of its own language's chunks (scripts without spaces, and words whose
    vowel signs an engine's tokenizer would cut, included), and other languages' chunks score 0."""
    import bm25s

    from index.text.chunking import split_sentences
    from index.text.languages import detect

    rng = np.random.default_rng(3)
    written = []
    for n, (language, (text, _)) in enumerate(SPOKEN.items()):
        spans = split_sentences(text)
        document = Document(f"lang{n:04d}", f"{language} story", f"notes://{language}", None, text, language)
        written.append(StoredDocument(document, f"{n:064d}", None, [], [
            NewSpan(a, b, f"{language}-{a}", unit(rng), detect(text[a:b])) for a, b in spans], []))
    storage.write(written, model=MODEL)
    storage.settle()
    chunks = storage.chunks(storage.chunk_ids([d.document.id for d in written]))
    ids = sorted(chunks)
    for stored in written:
        assert storage.document(stored.document.id).language == stored.document.language
    assert {(c.document.language, c.language) for c in chunks.values()} == {(k, k) for k in SPOKEN}
    texts = [f"{c.document.title}\n{c.document.text[c.start:c.end]}" for c in (chunks[i] for i in ids)]
    reference = bm25s.BM25(k1=K1, b=B, method="lucene")
    reference.index(tokenize(texts, [chunks[i].language for i in ids]), show_progress=False)
    for language, (_, question) in SPOKEN.items():
        assert detect(question) == language
        expected = reference.get_scores(tokenize([question])[0])
        expected[[chunks[i].language != language for i in ids]] = 0.0
        with storage.searching() as found:
            best, scores = found.lexical.scored(question, 3, also=ids)
        first = [c for c in chunks.values() if c.document.language == language and c.start == 0][0]
        assert best[0] == first.id, language  # the sentence about the vote
        assert all(chunks[i].language == language for i in best)
        for i in ids:
            assert scores[i] / scores[best[0]] == pytest.approx(
                float(expected[ids.index(i)] / expected.max()), rel=1e-3, abs=1e-4), (language, i)
