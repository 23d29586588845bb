"""Routes to a better bold sentence, measured on the saved trials (no question asked again).

Usage: python benchmarks/sentence_choice.py   (after benchmarks/fit_confidence.py has saved
benchmarks/results/trials.pkl)

For each question whose top hit is its passage (collection "all"), the answer-sentence accuracy
of: the shipped choice (sentences.FEATURES, refitted here on the tuning sets); the same plus the
reader's score of the previous and next sentence; plus the sentence's position in its chunk; and
choosing among the sentences of every top-five hit from the same document instead of the first
hit's alone (shipped weights). Tuning sets: XQuAD even articles, ESTER train; the rest held out.
"""

import pickle
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))
from fit_confidence import CACHE, TRIALS, TUNING  # noqa: E402

from index.ranking import asked, sentences  # noqa: E402
from index.text import terms  # noqa: E402
from index.text.chunking import split_sentences  # noqa: E402
from index.models.embedding import CachedEmbedder, load_embedder  # noqa: E402
from index.models.reader import CachedReader  # noqa: E402
from index.models.readers import load_reader  # noqa: E402
from index.ranking.confidence import fitted  # noqa: E402

# Columns of `rows`: sentences.FEATURES (8), then previous and next sentence's reader score,
# position in the chunk (0-1) and "first in the chunk".
CHOICES = {"shipped features": [*range(8)], "+ neighbours' reader scores": [*range(10)],
           "+ position in the chunk": [*range(8), 10, 11]}


def rows(question, texts, embedder, reader) -> np.ndarray:
    query = embedder.embed([question.text])[0]
    cosines = (embedder.embed(texts) @ query).tolist()
    read = reader.score(question.text, texts).tolist()
    kind, named = asked.kind_of(question.text), asked.names(question.text)
    base = sentences.features(terms.question_weights(question.text), texts, [terms.keys(t) for t in texts], cosines,
                              [asked.supplies(kind, named, t, 0, None) for t in texts], read)
    n = len(texts)
    extra = [(read[i - 1] if i else 0.0, read[i + 1] if i + 1 < n else 0.0, i / max(1, n - 1), float(i == 0))
             for i in range(n)]
    return np.array([b + e for b, e in zip(base, extra)])


def groups(results, embedder, reader) -> dict:
    """{set: [(rows, gold) or None per answerable question, and the same-document choice]}"""
    out = {}
    for name, reports in results.items():
        out[name] = []
        for trial in (t for r in reports if r.size == 0 for t in r.trials if t.answerable):
            top = trial.hits[0] if trial.hits else None
            if not (top and top.document.source in trial.question.relevant):
                out[name].append(None)
                continue
            question = trial.question
            gold = lambda text: any(a.lower() in text.lower() for a in question.answers)  # noqa: E731
            texts = [top.quote.text[a:b] for a, b in split_sentences(top.quote.text)]
            merged = []
            for hit in (h for h in trial.hits if h.document.id == top.document.id):
                own = [hit.quote.text[a:b] for a, b in split_sentences(hit.quote.text)]
                merged += zip(rows(question, own, embedder, reader)[:, :8] @ fitted().sentence_weights, own)
            out[name].append((rows(question, texts, embedder, reader), np.array([gold(t) for t in texts]),
                              gold(max(merged)[1])))
    return out


def main() -> None:
    embedder = CachedEmbedder(load_embedder())
    embedder._vectors.update(pickle.loads(CACHE.read_bytes()))
    data = groups(pickle.loads(TRIALS.read_bytes()), embedder, CachedReader(load_reader()))
    names = list(data)
    print("| choice | " + " | ".join(names) + " |\n|---|" + "---|" * len(names))
    for label, columns in CHOICES.items():
        pairs, labels = [], []
        for name in TUNING:
            for group in filter(None, data[name]):
                found, gold = group[0][:, columns], group[1]
                for i in np.flatnonzero(gold):
                    for j in np.flatnonzero(~gold):
                        pairs += [found[i] - found[j], found[j] - found[i]]
                        labels += [1, 0]
        weights = LogisticRegression(max_iter=2000, fit_intercept=False).fit(np.array(pairs), labels).coef_[0]
        accuracy = [np.mean([bool(g and g[1][int(np.argmax(g[0][:, columns] @ weights))]) for g in data[n]])
                    for n in names]
        print(f"| {label} | " + " | ".join(f"{a:.3f}" for a in accuracy) + " |")
    merged = [np.mean([bool(g and g[2]) for g in data[n]]) for n in names]
    print("| among the same document's top-five hits (shipped weights) | "
          + " | ".join(f"{a:.3f}" for a in merged) + " |")


if __name__ == "__main__":
    main()
