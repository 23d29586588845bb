"""Hybrid retrieval with real FAISS and bm25s: fusion against brute force, BM25 kept in step."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from index import SourceText
from index.evaluation.measures import Question, QuestionResult, Report, load_beir
from index.ranking.fusion import candidates, fuse
from tests.conftest import searched
from index.storage.embedded.bm25 import LexicalIndex, top
from tests.test_library import make_library


def test_fused_ranking_equals_brute_force_over_every_chunk(library):
    question = "When did Morse send the message to Baltimore over the telegraph line?"
    query = library.embedder.embed([question])[0]
    vectors, lexical = searched(library).dense, searched(library).lexical
    got = candidates(question, query, vectors, lexical, "fused", depth=len(lexical))
    # Brute force: score every chunk with the same formula, straight from the stored vectors.
    ids, texts, languages, _ = library.storage._store.chunk_texts()
    matrix = library.storage.chunk_vectors(ids.tolist())
    bm25 = LexicalIndex.build(ids, texts, languages).scores(question)
    expected = fuse(matrix @ query, bm25, float(bm25.max()))
    order = np.argsort(-expected, kind="stable")
    assert len(got) == len(ids)
    assert np.allclose([score for *_, score in got], expected[order], atol=1e-5)  # same order of scores
    by_id = dict(zip(ids.tolist(), expected.tolist()))
    for chunk_id, _, score in got:  # and each chunk has the brute-force score (ties may swap)
        assert score == pytest.approx(by_id[chunk_id], abs=1e-5)


def test_each_method_returns_what_it_says(library):
    question = "honey stomach proboscis"
    query = library.embedder.embed([question])[0]
    vectors, lexical = searched(library).dense, searched(library).lexical
    dense = candidates(question, query, vectors, lexical, "dense")
    bm25 = candidates(question, query, vectors, lexical, "bm25")
    assert [c for _, c, _ in dense] == sorted((c for _, c, _ in dense), reverse=True)
    assert [s for *_, s in bm25] == sorted((s for *_, s in bm25), reverse=True)
    assert all(s > 0 for *_, s in bm25)  # only chunks that share a word
    for method in ("bm25", "dense", "fused", "hybrid"):
        hits = library.rank(question, 3, method)
        assert "proboscis" in hits[0].quote.text, method


def test_bm25_follows_ingest_and_removal_and_persists(library, settings):
    before = searched(library).lexical
    assert not searched(library).lexical.search("axolotl", 5)
    library.add([SourceText("notes://axolotl", "Axolotl", "The axolotl regrows its limbs and even parts of its heart.")])
    after = searched(library).lexical
    assert after is not before and len(after) == len(before) + 1
    hit = after.search("axolotl limbs", 1)[0][0]
    assert library.storage.chunks([hit])[hit].document.title == "Axolotl"
    reopened = make_library(settings.index_dir, create=False)
    assert searched(reopened).lexical.search("axolotl limbs", 1)[0][0] == hit  # the saved base + the change
    library.remove("notes://axolotl")
    assert not searched(library).lexical.search("axolotl", 5)
    assert not searched(reopened).lexical.search("axolotl", 5)  # another process sees the removal too
    assert not library.search("Which animal regrows its limbs?").found or \
        library.search("Which animal regrows its limbs?").hits[0].document.title != "Axolotl"


CHUNKS = ["The axolotl regrows its limbs.", "Axolotl larvae live in lakes near Mexico City.",
          "The telegraph carried the first message to Baltimore.", "Lakes freeze in winter; the axolotl does not.",
          "Morse code is sent as dots and dashes over the line.", ""]


@pytest.mark.parametrize("question", ["axolotl lakes", "telegraph message Baltimore", "winter winter lakes",
                                      "nothing matches this"])
def test_chunks_added_since_the_base_score_as_bm25s_scores_them(question):
    ids = np.arange(1, len(CHUNKS) + 1)
    built = LexicalIndex.build(ids, CHUNKS)
    added = LexicalIndex.build(np.zeros(0, dtype=np.int64), []).changed(ids, CHUNKS, np.zeros(0, dtype=np.int64))
    assert added.pending == len(CHUNKS) and built.pending == 0
    np.testing.assert_allclose(added.scores(question), built.scores(question), rtol=1e-5, atol=1e-6)


def test_removed_chunks_score_nothing_in_the_base_or_among_the_added():
    base = LexicalIndex.build(np.arange(1, 4), CHUNKS[:3])
    grown = base.changed(np.array([4, 5]), CHUNKS[3:5], np.zeros(0, dtype=np.int64))
    assert {i for i, _ in grown.search("axolotl", 5)} == {1, 2, 4}
    shrunk = grown.changed(np.zeros(0, dtype=np.int64), [], np.array([1, 4, 99]))
    assert {i for i, _ in shrunk.search("axolotl", 5)} == {2}
    assert len(shrunk) == 3 and len(grown) == 5 and shrunk.last_id == 5
    assert {i for i, _ in grown.search("axolotl", 5)} == {1, 2, 4}  # the old one is left as it was


def test_hybrid_is_not_worse_than_either_method_on_word_reuse(tmp_path):
    # Questions that reuse the passage's words: the case where rank fusion falls below BM25.
    library = make_library(tmp_path / "idx")
    facts = [f"Station {name} recorded {n} millimetres of rain in {month}."
             for n, (name, month) in enumerate([("Aldo", "March"), ("Brix", "April"), ("Cato", "May"),
                                               ("Dorn", "June"), ("Elm", "July"), ("Fenn", "August")])]
    library.add([SourceText(f"notes://{i}", f"Report {i}", fact) for i, fact in enumerate(facts)])
    for i, fact in enumerate(facts):
        question = fact.split(" recorded")[0].replace("Station", "How much rain did station") + " record?"
        assert library.rank(question, 1, "hybrid")[0].document.source == f"notes://{i}"


def test_metrics_match_hand_computed_values(tmp_path):
    q1 = Question("q1", frozenset({"a", "c"}))
    q2 = Question("q2", frozenset({"z"}))
    report = Report([QuestionResult(q1, ("a", "b", "c"), 0.9, 0.2, "", 0.01),
                     QuestionResult(q2, ("x", "y"), 0.5, 0.5, "", 0.03)])
    assert report.recall(1) == pytest.approx((0.5 + 0) / 2)
    assert report.recall(10) == pytest.approx((1 + 0) / 2)
    assert report.mrr(10) == pytest.approx((1 + 0) / 2)
    ideal = 1 + 1 / np.log2(3)
    assert report.ndcg(10) == pytest.approx(((1 + 1 / np.log2(4)) / ideal + 0) / 2)
    assert report.median_ms() == pytest.approx(20)

    folder = tmp_path / "beir"
    (folder / "qrels").mkdir(parents=True)
    (folder / "corpus.jsonl").write_text('{"_id": "d1", "title": "T1", "text": "one"}\n'
                                         '{"_id": "d2", "title": "", "text": "two"}\n')
    (folder / "queries.jsonl").write_text('{"_id": "q1", "text": "first?"}\n{"_id": "q2", "text": "second?"}\n')
    (folder / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td2\t0\n")
    documents, questions = load_beir(folder)
    assert [d.source for d in documents] == ["beir:d1", "beir:d2"] and documents[1].title == "d2"
    assert questions == [Question("first?", frozenset({"beir:d1"}))]


@given(st.lists(st.integers(0, 5), max_size=60), st.integers(0, 70))
def test_top_k_equals_a_full_stable_sort(values, k):
    """Partitioning out the best k (work in proportion to k) gives what sorting everything gives."""
    scores = np.array(values, dtype=np.float32)
    assert top(scores, k).tolist() == np.argsort(-scores, kind="stable")[:k].tolist()


def test_the_vocabulary_read_knows_a_word_typed_without_its_accents():
    """"Celoron", "Zurich", "Sao": what people type for the documents' "Céloron", "Zürich", "São"."""
    import numpy as np

    from index.storage.embedded.bm25 import LexicalIndex

    base = LexicalIndex.build(np.array([1, 2]), ["Céloron buried plates on the way to Zürich.", "A harbour."])
    assert base.known(["Celoron", "Zurich", "céloron", "Geneva"], "en") == {"Celoron", "Zurich", "céloron"}
    changed = base.changed(np.array([3]), ["São Paulo grows."], np.array([1]))  # the accented one removed
    assert changed.known(["Sao", "Celoron"], "en") == {"Sao"}
