"""Question words weighed by English background frequency, matched by lemma and stem."""

import pytest

from index.text import terms


def test_ordinary_words_weigh_less_than_the_names_a_question_is_about():
    weights = terms.question_weights("What does NATO call China's role in Russia's war?")
    assert set(weights) == {terms.key(w) for w in ("nato", "call", "china", "role", "russia", "war")}
    assert weights[terms.key("nato")] > weights[terms.key("call")]
    assert weights[terms.key("nato")] > weights[terms.key("role")]
    # A made-up name (unknown to English at large) is the most telling word of all.
    assert terms.weight("pagou") > terms.weight("nato") > terms.weight("say") > terms.weight("the")
    assert terms.weight("the") < 0.5


def test_inflections_and_possessives_match():
    assert terms.key("held") == terms.key("hold") == terms.key("holds")
    assert terms.key("said") == terms.key("says") == terms.key("say")
    assert terms.key("China’s") == terms.key("china")
    assert "what" not in terms.content("What did NATO say?")


def test_coverage_counts_each_question_word_by_its_weight():
    weights = terms.question_weights("Where was the summit held?")
    passage = terms.keys("The allies hold their summit in Washington.")
    assert terms.coverage(weights, passage) == pytest.approx(1.0)
    partial = terms.keys("The summit ended.")
    expected = weights[terms.key("summit")] / sum(weights.values())
    assert terms.coverage(weights, partial) == pytest.approx(expected)
    assert terms.coverage({}, passage) == 0.0


def test_the_bm25_tokens_are_bm25s_own():
    """index/text/tokens.py writes bm25s's tokenizer out, so that Milvus gets the same tokens."""
    import bm25s
    import Stemmer

    from index.text.tokens import tokenize

    texts = ["The council's vote: 3-2, on 12 May!", "Zürich café ÉCOLE naïve", "", "a an the of", "I/O x y"]
    assert tokenize(texts) == bm25s.tokenize(texts, stopwords="en", stemmer=Stemmer.Stemmer("english"),
                                             return_ids=False, show_progress=False)
