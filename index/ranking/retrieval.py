"""From a question to hits: hybrid candidates, the answering sentence, and a calibrated confidence."""

from dataclasses import replace

import numpy as np

from ..models import centroids
from ..models.embedding import Embedder, embed_questions
from ..models.reader import Reader
from ..storage.base import Collections, DenseSearch, LexicalSearch, Storage, StoredChunk
from ..text import entities, terms
from ..text.chunking import chunk_sentences
from ..text.languages import detect
from ..types import Answer, DocumentInfo, Hit, Missing, Span
from . import asked, lacking, reading, sentences as answer_sentences
from .confidence import Model, Signals, fitted
from .question import Question
from .fusion import DENSE_WEIGHT, DEPTH, candidates

# How well a sentence matches: its cosine to the question + this x its share of the question's words.
COVERAGE_WEIGHT = 1.0
# Reranking: a top chunk's order is its fused score + this x its best sentence's score.
RERANK_WEIGHT = 0.5
# ... and this x the reader's score of that sentence (index/models/reader.py). Whole articles, the
# answer in the first quote, tuning halves (news questions / XQuAD): 0 0.625 / 0.900, 1 0.708 / 0.908,
# 2 0.708 / 0.905, 4 0.750 / 0.897; held out at 1: 0.571 -> 0.619, 0.934 -> 0.943 (benchmarks/README.md,
# "The reader").
READER_WEIGHT = 1.0
# A follow-up read in its thread (index/text/followups.py): BM25 reads only what was typed, and
# the fused score is this much the cosine, so the thread's words count through the meaning. CAsT
# 2022's tuning half, follow-ups' Recall@5 (docs/measured.md, "Threads"): 0.7 0.724, 0.8 0.750, 0.9 0.767,
# 1.0 (no BM25) 0.776 but Recall@1 0.414 against 0.431: the user's own words still count.
FOLLOW_UP_WEIGHT = 0.9
SPARE = 2  # extra chunks fetched, so hits that repeat an answer can be dropped
# Chunks whose sentences are compared with the question (vectors stored at ingest) and read by
# the reader, to pick the answer and rerank; deeper hits (later pages) pick their sentence by
# shared terms alone. With the reader on, reading is most of a question's cost.
RERANK_DEPTH = 5


def default_threshold(embedding_model: str | None = None) -> float:
    """The fitted "not found" threshold for an embedding model (index/ranking/confidence.py)."""
    return fitted(embedding_model).threshold


def search(question: Question, k: int, threshold: float, every: bool = False, **parts) -> Answer:
    """Return the best `k` hits, in one of three states (types.Answer): *answered* when a hit
    reaches `threshold` and gives the kind of answer asked, and the question's telling words are
    in the documents; *closest* when what the closest passage lacks can be named; else *not found*.

    What a person is shown: the hits that reach the threshold (those that give the kind asked
    first), or the single closest one. With `every`, what a script asks for: all `k` hits, best
    first, each with its confidence, whether or not they reach it."""
    if not question.has_words:  # "👍", a lone bidi mark: nothing to search, no passage to offer
        return Answer(question.text, False, ())
    hits = rank(question, k, shown_from=threshold, **parts)
    passing = sorted((hit for hit in hits if hit.score >= threshold), key=lambda hit: bool(hit.lacks))
    closest = passing[0] if passing else max(hits, key=lambda h: h.score, default=None)
    shown = [closest, *(hit for hit in passing or hits if hit is not closest)] if closest else []
    missing = lacking.missing(question, shown, parts["lexical"], parts["embedder"])
    found = bool(passing) and not passing[0].lacks and not missing.words
    if every:
        return Answer(question.text, found, tuple(hits), missing if not found else Missing())
    if found:
        return Answer(question.text, True, tuple(passing[:k]))
    return Answer(question.text, False, (closest,) if closest else (), missing)


def best_per_document(hits: list[Hit], threshold: float) -> list[Hit]:
    """The best hit of each document among those that reach the threshold and give the kind of
    answer asked (topic alerts: an alert is sent only for what would be answered)."""
    best: dict[str, Hit] = {}
    for hit in hits:
        if hit.score >= threshold and not hit.lacks and hit.document.id not in best:
            best[hit.document.id] = hit
    return list(best.values())


def rank(
    question: Question, k: int, embedder: Embedder, vectors: DenseSearch, lexical: LexicalSearch,
    store: Storage, method: str = "hybrid", reader: Reader | None = None, scorer: Model | None = None,
    collections: Collections = None, shown_from: float | None = None,
) -> list[Hit]:
    """Return up to `k` hits best first, each with its answering sentence, with no threshold.

    `method` is "hybrid" (fused, then the top chunks reranked by their best sentence), "fused",
    "dense" or "bm25"; the last three are there to measure what each part adds. A `reader`
    scores the top chunks' sentences against the question (hybrid only). When `question` is a
    follow-up's reading in its thread (`question.follows`), BM25 reads the typed words and the
    thread's words count through the meaning alone (FOLLOW_UP_WEIGHT). `vectors` and
    `lexical` search within `collections`, and only their chunks are read. A hit that reaches
    `shown_from` (default: the fitted threshold) without the reader is always read.
    """
    if not question.text or k <= 0:
        return []
    query = embed_questions(embedder, [question.text])[0]

    def found(readings: np.ndarray) -> list[tuple[StoredChunk, float, float]]:
        words, language = question.lexical
        best = candidates(words, readings, vectors, lexical, "fused" if method == "hybrid" else method,
                          depth=max(DEPTH, k + SPARE), language=language,
                          weight=FOLLOW_UP_WEIGHT if question.follows else DENSE_WEIGHT)[: k + SPARE]
        chunks = store.chunks([chunk_id for chunk_id, *_ in best], collections)
        return [(chunks[i], cosine, key) for i, cosine, key in best if i in chunks]

    ranked = found(query)
    # Passages in another language than the question's: searched again, the question read toward theirs.
    moved = centroids.readings(query, embedder.name, question.guessed, (_language(c) for c, *_ in ranked))
    if len(moved) > 1:
        query = moved
        ranked = found(moved)
    hybrid = method == "hybrid"
    return _pick_answers(question, query, embedder, store, ranked, rerank=hybrid,
                         reader=reader if hybrid else None, scorer=scorer, shown_from=shown_from)[:k]


def rank_within(
    question: Question, embedder: Embedder, store: Storage, chunk_ids: list[int], scorer: Model | None = None,
) -> list[Hit]:
    """Rank only the given chunks (exactly, by brute force): is a new document on a topic?"""
    if not question.text or not chunk_ids:
        return []
    query = embed_questions(embedder, [question.text])[0]
    chunks = store.chunks(chunk_ids)
    ids = [i for i in chunk_ids if i in chunks]
    query = centroids.readings(query, embedder.name, question.guessed, (_language(chunks[i]) for i in ids))
    cosines = (store.chunk_vectors(ids) @ query.T).max(axis=1)
    order = np.argsort(-cosines, kind="stable")
    ranked = [(chunks[ids[i]], float(cosines[i]), float(cosines[i])) for i in order]
    return _pick_answers(question, query, embedder, store, ranked, scorer=scorer)


def _pick_answers(
    question: Question, query: np.ndarray, embedder: Embedder, store: Storage,
    ranked: list[tuple[StoredChunk, float, float]], rerank: bool = True, reader: Reader | None = None,
    scorer: Model | None = None, shown_from: float | None = None,
) -> list[Hit]:
    """Choose each chunk's answering sentence, score its confidence (`scorer`: fitted on the
    embedding model's signals), drop hits that repeat an answer already chosen, and (with
    `rerank`) reorder the top chunks by their best sentence. `query` may hold several readings
    of the question, one per row: a sentence's cosine is its best. What the `reader` reads:
    index/ranking/reading.py (a top chunk whose hit reaches `shown_from` unread is read)."""
    scorer = scorer or fitted()
    sentences = [_sentences(chunk) for chunk, *_ in ranked]
    depth = RERANK_DEPTH if rerank else 0  # without reranking, no sentence vector is read at all
    compared = [span for spans in sentences[:depth] for span in spans]
    cosines = iter((_sentence_vectors(store, ranked[:depth], sentences[:depth], embedder) @ np.atleast_2d(query).T)
                   .max(axis=1).tolist() if compared else [])
    weights = question.weights
    spoken = [_language(chunk) for chunk, *_ in ranked]  # each passage is read in its own language
    words = [[terms.keys(span.text, said) for span in spans] for spans, said in zip(sentences, spoken)]
    sentence_cosines = [[next(cosines) if position < depth else cosine for _ in spans]
                        for position, ((_, cosine, _), spans) in enumerate(zip(ranked, sentences))]
    kind = question.kind
    tagged = [entities.decode(chunk.entities) for chunk, *_ in ranked]
    supplied = [[asked.supplies(kind, question.named, s.text, s.start, found) for s in spans]
                for spans, found in zip(sentences, tagged)]
    answers = [[asked.supplies(kind, question.named, s.text, s.start, found, also=True) for s in spans]
               for spans, found in zip(sentences, tagged)] if kind is not None and kind.also else supplied
    unread = [answer_sentences.features(weights, [s.text for s in spans], keys, near, gives)
              for spans, keys, near, gives in zip(sentences, words, sentence_cosines, supplied)]
    passages = []  # what does not depend on the reader: the quote, the signals, what it lacks
    for position, ((chunk, cosine, _), spans) in enumerate(zip(ranked, sentences)):
        coverages = [row[1] for row in unread[position]]
        chunk_words = set().union(*words[position], terms.keys(chunk.document.title, spoken[position]))
        quote = Span(chunk.document.text[chunk.start : chunk.end], chunk.start, chunk.end)
        signals = Signals(cosine, max(sentence_cosines[position]), terms.coverage(weights, chunk_words),
                          max(coverages), _missing(weights, chunk_words),
                          _share(question.pairs, terms.pairs(quote.text, spoken[position])))
        lacks = kind.name if _gives(answers[position], coverages) is False and asked.decides(
            kind, bool(chunk.entities)) else ""
        passages.append((DocumentInfo.of(chunk.document), quote, signals, lacks))

    def hits(readings: dict[int, list[float]]) -> list[tuple[int, Hit]]:
        """The hits best first, each with its position in `ranked`, given the reader's scores."""
        scored: list[tuple[bool, float, int, Hit]] = []
        seen: set[tuple[str, int, int]] = set()
        for position, ((chunk, _, key), spans) in enumerate(zip(ranked, sentences)):
            read = readings.get(position)
            # The reader's score is the last feature (0 when not read).
            rows = [row[:-1] + (r,) for row, r in zip(unread[position], read)] if read else unread[position]
            chooser = scorer.sentence_weights if read else scorer.unread_weights
            best = max(range(len(spans)), key=lambda i: answer_sentences.score(rows[i], chooser))
            answer_key = (chunk.document.id, spans[best].start, spans[best].end)
            if answer_key in seen:
                continue
            seen.add(answer_key)
            info, quote, signals, lacks = passages[position]
            signals = replace(signals, reader=max(read)) if read else signals
            # A chunk with a sentence that matches well outranks one that is only broadly similar.
            matching = max(row[1] * COVERAGE_WEIGHT + s + READER_WEIGHT * r
                           for row, s, r in zip(rows, sentence_cosines[position], read or [0.0] * len(spans)))
            order = key + RERANK_WEIGHT * matching if position < depth else key
            hit = Hit(info, chunk.id, quote, spans[best], scorer.confidence(signals), signals, lacks)
            scored.append((position >= depth, -order, position, hit))
        scored.sort(key=lambda row: row[:2])
        return [(position, hit) for *_, position, hit in scored]

    # Ranked without the reader first; what that leaves undecided is read (index/ranking/reading.py).
    # The reader learnt English: another language takes the path without it (the confidence has one).
    first = hits({})
    if reader is None or question.language != "en" or not first:
        return [hit for _, hit in first]
    shown_from = scorer.threshold if shown_from is None else shown_from
    wanted = reading.chosen(first[0][1].score, first[0][0], min(depth, len(ranked)),
                            [position for position, hit in first if hit.score >= shown_from])
    if not wanted:
        return [hit for _, hit in first]
    readings = reading.read(question.text, {p: sentences[p] for p in wanted}, unread, reader, scorer)
    return [hit for _, hit in hits(readings)]


def _language(chunk: StoredChunk) -> str:
    """A chunk's language: as stored, else (an index made before languages) read from its text."""
    return chunk.language or detect(chunk.document.text[chunk.start : chunk.end], chunk.document.language or "en")


def _missing(weights: dict[str, float], found: set[str]) -> float:
    """Weight share of the most telling question word that the chunk does not contain."""
    total = sum(weights.values())
    return max((w for k, w in weights.items() if k not in found), default=0.0) / total if total else 0.0


def _gives(supplied: list[bool | None], coverages: list[float]) -> bool | None:
    """Whether a chunk gives the kind of answer asked: a sentence holds one and has the question's
    words, or follows one that has them; None when nothing can tell."""
    if all(s is None for s in supplied):
        return None
    return any(s and (coverages[i] > 0 or (i > 0 and coverages[i - 1] > 0)) for i, s in enumerate(supplied))


def _share(wanted: set, found: set) -> float:
    return len(wanted & found) / len(wanted) if wanted else 0.0


def _sentences(chunk: StoredChunk) -> list[Span]:
    text = chunk.document.text
    return [Span(text[s:e], s, e) for s, e in chunk_sentences(text, chunk.start, chunk.end)]


def _sentence_vectors(store: Storage, ranked: list[tuple[StoredChunk, float, float]],
                      sentences: list[list[Span]], embedder: Embedder) -> np.ndarray:
    """The chunks' sentence vectors, in order, as stored at ingest; any not stored (an index
    built before sentences were stored) are embedded now."""
    rows: list[np.ndarray | None] = []
    found = store.sentence_vectors([(chunk, [(s.start, s.end) for s in spans])
                                    for (chunk, *_), spans in zip(ranked, sentences)])
    for stored, spans in zip(found, sentences):
        rows += [stored.get((span.start, span.end)) for span in spans]
    texts = [span for spans in sentences for span in spans]
    missing = [i for i, row in enumerate(rows) if row is None]
    if missing:
        for i, vector in zip(missing, embedder.embed([texts[i].text for i in missing])):
            rows[i] = vector
    return np.stack(rows)
