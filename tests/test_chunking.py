"""Sentence splitting and chunking keep exact offsets and respect the token budget."""

from hypothesis import given, settings
from hypothesis import strategies as st

from index.text.chunking import chunk_spans, split_sentences


def words(texts):
    return [len(t.split()) for t in texts]


def test_sentences_and_lines_are_split_with_exact_offsets():
    text = "Title line\nDr. Smith went to Washington. He said “hi” 😀!\n\n  Last one"
    spans = split_sentences(text)
    assert [text[s:e] for s, e in spans] == [
        "Title line", "Dr. Smith went to Washington.", "He said “hi” 😀!", "Last one"]


def test_chunks_fit_the_budget_and_overlap_by_one_sentence():
    text = " ".join(f"Sentence number {i} has five words." for i in range(40))
    spans = chunk_spans(text, words, max_tokens=20)
    assert len(spans) > 5
    for start, end in spans:
        assert len(text[start:end].split()) <= 20
    for (s1, e1), (s2, e2) in zip(spans, spans[1:]):
        assert s2 < e1  # overlap
        assert s2 > s1  # progress
    assert spans[0][0] == 0 and spans[-1][1] == len(text)


def test_a_sentence_longer_than_the_budget_is_cut_at_words():
    text = "word " * 100 + "end."
    spans = chunk_spans(text.strip(), words, max_tokens=30)
    assert all(len(text[s:e].split()) <= 30 for s, e in spans)
    assert "end." in text[spans[-1][0] : spans[-1][1]]


@settings(max_examples=100, deadline=None)
@given(st.text(min_size=0, max_size=2000), st.integers(5, 60))
def test_chunks_are_trimmed_pieces_of_the_text_covering_every_word(text, budget):
    spans = chunk_spans(text, words, max_tokens=budget)
    covered = set()
    for start, end in spans:
        piece = text[start:end]
        assert piece == piece.strip() and piece
        covered.update(range(start, end))
    for i, char in enumerate(text):
        if char.isalnum():  # every word is findable; stray control characters may be dropped
            assert i in covered
