"""Split a document's text into sentences and pack them into chunks that fit the model."""

import re
from collections.abc import Callable, Sequence

import blingfire

from .languages import UNSPACED

TokenCounter = Callable[[Sequence[str]], list[int]]

# Where a sentence too long for a chunk may be cut: between words, and between any two characters
# of a script written without spaces.
_WORD = re.compile(f"[{UNSPACED}]|[^\\s{UNSPACED}]+")
_LINE = re.compile(r"[^\n]+")
# Full stops blingfire does not know: Devanagari's danda and double danda, Urdu's, Ethiopic's,
# Myanmar's and Armenian's.
_STOPS = re.compile(r"(?<=[।॥۔።။։])\s+")


def split_sentences(text: str) -> list[tuple[int, int]]:
    """Return (start, end) offsets of the sentences in `text`, whitespace trimmed."""
    spans: list[tuple[int, int]] = []
    # A line break always ends a sentence: titles, headings and list items have no full stop.
    for line in _LINE.finditer(text):
        if not line.group().strip():
            continue
        _, offsets = blingfire.text_to_sentences_and_offsets(line.group())
        for start, end in offsets:
            start, end = line.start() + start, line.start() + end
            cuts = [start] + [start + m.end() for m in _STOPS.finditer(text, start, end)
                              if start + m.end() < end] + [end]
            for a, b in zip(cuts, cuts[1:]):
                a, b = _trim(text, a, b)
                if b > a:
                    spans.append((a, b))
    return spans


def chunk_sentences(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The sentences of the chunk text[start:end] as offsets into `text`, split as the chunk
    reads on its own (the whole chunk when it has no sentence)."""
    spans = [(start + s, start + e) for s, e in split_sentences(text[start:end])]
    return spans or [(start, end)]


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def chunk_spans(
    text: str, count_tokens: TokenCounter, max_tokens: int, overlap: int = 1
) -> list[tuple[int, int]]:
    """Pack consecutive sentences into chunks of at most `max_tokens` tokens.

    Consecutive chunks share `overlap` sentences so an answer that straddles a boundary
    is still quoted whole. A sentence longer than the budget is cut at word boundaries.
    """
    sentences = _fit_sentences(text, split_sentences(text), count_tokens, max_tokens)
    if not sentences:
        return []
    sizes = count_tokens([text[s:e] for s, e in sentences])
    chunks: list[tuple[int, int]] = []
    first = 0
    while first < len(sentences):
        last, used = first, sizes[first]
        while last + 1 < len(sentences) and used + sizes[last + 1] <= max_tokens:
            last += 1
            used += sizes[last]
        chunks.append((sentences[first][0], sentences[last][1]))
        if last + 1 >= len(sentences):
            break
        # Step back by `overlap` sentences, but always move forward.
        first = max(first + 1, last + 1 - overlap)
    return chunks


def _fit_sentences(
    text: str, sentences: list[tuple[int, int]], count_tokens: TokenCounter, max_tokens: int
) -> list[tuple[int, int]]:
    sizes = count_tokens([text[s:e] for s, e in sentences]) if sentences else []
    fitted: list[tuple[int, int]] = []
    for (start, end), size in zip(sentences, sizes):
        if size <= max_tokens:
            fitted.append((start, end))
        else:
            fitted.extend(_cut_words(text, start, end, count_tokens, max_tokens))
    return fitted


def _cut_words(
    text: str, start: int, end: int, count_tokens: TokenCounter, max_tokens: int
) -> list[tuple[int, int]]:
    words = [(start + m.start(), start + m.end()) for m in _WORD.finditer(text[start:end])]
    sizes = count_tokens([text[s:e] for s, e in words])
    pieces: list[tuple[int, int]] = []
    piece_start, used = words[0][0], 0
    last_end = words[0][1]
    for (w_start, w_end), size in zip(words, sizes):
        if used and used + size > max_tokens:
            pieces.append((piece_start, last_end))
            piece_start, used = w_start, 0
        if size > max_tokens:
            # A single enormous "word" (a URL, base64): keep it, the embedder truncates it.
            pieces.append((w_start, w_end))
            piece_start, used, last_end = w_end, 0, w_end
            continue
        used += size
        last_end = w_end
    if used:
        pieces.append((piece_start, last_end))
    return [_trim(text, s, e) for s, e in pieces if e > s]
