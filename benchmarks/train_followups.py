"""Train the choice of words a follow-up question takes from its thread (index/text/followups.py,
`chosen`; written to index/text/followups.json).

Usage: python benchmarks/train_followups.py [--shared ../shared] [--dry-run]

Data recipe: TREC CAsT 2022's tuning half (even-numbered conversations, as `verbatim eval
conversations --part tune`; the report half is never read here) and CAsT 2020 (all turns; it has
no answer passages). For each turn after the first (each read as a reply to the one before), the
candidates are the telling words of the earlier turn and of the quotes the bot would have shown
for it; a candidate is a positive when the person's rewrite of the turn has it and the typed turn
does not. The earlier turn is taken as the person rewrote it (teacher forcing); its quotes are the
top hits, in an embedded index of 2022's answer passages, for that rewrite. A logistic regression
(scikit-learn, seeded; its weights are eleven numbers in followups.json) scores them; the
threshold and the most words a follow-up takes are then chosen by Recall@5 of the bot's reading
on the tuning half, every turn counted. It runs in about four minutes on 2 cores (README,
"Threads").
"""

import argparse
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from index import Library  # noqa: E402
from index.evaluation import conversations as cast  # noqa: E402
from index.text import followups, terms  # noqa: E402
from index.text.languages import detect  # noqa: E402

SEED = 0
THRESHOLDS = (-1.5, -1.0, -0.5, 0.0)  # logits
MOST = (3, 5, 8)
CAST_2022 = "eval/conversations/cast2022_evaluation_topics_flattened_duplicated_v1.0.json"
CAST_2020 = "eval/conversations/cast2020_manual_evaluation_topics_v1.0.json"


def examples(conversations, library: Library | None, chained: bool = False):
    """Features and labels of every candidate word of every turn after the first. The earlier
    turn is the person's rewrite of it (teacher forcing) or, `chained`, what the bot searched for
    it with the choice in effect (as the bot meets it: its own readings). Measured: adding the
    chained turns to the teacher-forced ones (DAgger's second round) lost on the tuning half
    (Recall@5 0.754 -> 0.738), so training reads the rewrites."""
    rows, labels, seen = [], [], set()
    for turns in conversations:
        earlier = answer = ""
        for number, turn in enumerate(turns):
            language = detect(turn.raw, otherwise="en")
            key = tuple(t.raw for t in turns[: number + 1]) + (turn.rewrite,)
            if number and key not in seen:  # flattened branches repeat turns
                seen.add(key)
                wanted = terms.keys(turn.rewrite, language) - terms.keys(turn.raw, language)
                for word, features in followups.candidates(turn.raw, earlier, answer, language):
                    rows.append(features)
                    labels.append(int(terms.key(word, language) in wanted))
            earlier = followups.reading(turn.raw, earlier, language, answer) if chained else turn.rewrite
            hits = library.rank(earlier, followups.SHOWN) if library else []
            answer = followups.thread_answer(hits)
    return rows, labels


def fit(rows: list, labels: list) -> list[float]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0, fit_intercept=False, max_iter=2000, random_state=SEED)
    model.fit(rows, labels)
    return [round(float(w), 4) for w in model.coef_[0]]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--dry-run", action="store_true", help="print, do not write followups.json")
    args = parser.parse_args()
    documents, conversations = cast.load_conversations(args.shared / CAST_2022)
    tune = cast.part(conversations, "tune")
    with tempfile.TemporaryDirectory() as scratch:
        library = Library(Path(scratch) / "cast")
        library.add(documents, summaries=False)
        rows, labels = examples(tune, library)
        more_rows, more_labels = examples(cast.load_conversations(args.shared / CAST_2020)[1], None)
        print(f"{len(rows)} candidates from CAsT 2022 (tune), {len(more_rows)} from 2020; "
              f"{sum(labels) + sum(more_labels)} positive", flush=True)
        rows, labels = rows + more_rows, labels + more_labels
        weights = fit(rows, labels)
        from sklearn.metrics import roc_auc_score

        print(f"AUC on its training candidates: {roc_auc_score(labels, np.dot(rows, weights)):.3f}")
        for name, weight in zip(followups.FEATURES, weights):
            print(f"  {weight:+.3f} {name}")
        best = None
        for threshold in THRESHOLDS:
            for most in MOST:
                _use(_model(weights, threshold, most))
                figures = cast.run(library, tune)
                score = figures["all"]["bot R@5"], figures["self-contained"]["bot R@5"], figures["all"]["bot R@1"]
                print(f"threshold {threshold:+.1f} most {most}: R@5 all {score[0]:.3f}, self-contained "
                      f"{score[1]:.3f}, R@1 all {score[2]:.3f}", flush=True)
                if best is None or score > best[0]:
                    best = (score, threshold, most)
        library.close()
    chosen = _model(weights, best[1], best[2]) | {"trained on": "TREC CAsT 2022 tuning half (even conversations) and 2020; benchmarks/train_followups.py",
              "seed": SEED}
    print(f"chosen: threshold {best[1]:+.1f}, most {best[2]}")
    if not args.dry_run:
        followups.MODEL.write_text(json.dumps(chosen, indent=1) + "\n", encoding="utf-8")
        print(f"wrote {followups.MODEL}")


def _model(weights: list[float], threshold: float, most: int) -> dict:
    return {"features": list(followups.FEATURES), "weights": weights, "threshold": threshold, "most": most}


def _use(model: dict) -> None:
    """Make `followups.chosen` read `model` in this process."""
    followups._model = lambda: model


if __name__ == "__main__":
    main()
