"""Fit the "not found" confidence (index/ranking/confidence.json) on tuning data; report on held-out data.

Usage: python benchmarks/fit_confidence.py [--shared ../shared] [--write] [--from-trials] [--only SET]
       [--runtime onnx|onnx-int8|torch] [--model multilingual-e5-small [--languages en,ru,zh]]
       [--plot docs/img/threshold.png]

Tuning data (issue #20): the XQuAD articles with an even index, ESTER's train file, SQuAD v1.1
train paragraphs no training question of the reader came from ("squad-fit"), and the SQuAD 2.0
dev articles of XQuAD's tuning half that the reader never saw, the even ones of them
("squad2-fit", with its unanswerable questions written to look answerable). The reader saw
XQuAD's and ESTER's tuning questions once (one epoch among 22,000 groups). Held out: the odd
XQuAD articles, ESTER's dev file and the other held-out SQuAD 2.0 articles ("squad2-report",
every second question); the SQuAD files are written by `benchmarks/reader_data.py --held-out`.
Every question is asked with its passage and without it, in collections of 1, 10 and all
passages (index/evaluation/calibration.py), with the real packaged model and the shipped reader. A
gradient-boosted tree model (scikit-learn, monotonic in every signal) learns how to combine
each top hit's signals into one confidence; it is exported as plain node lists that
index/ranking/confidence.py evaluates without scikit-learn. The threshold is the highest one at which the
confidence alone still answers 95.5% of the answerable tuning questions at every size. `--write` stores the result;
without it the script only reports.

Another embedding model's cosines sit on another scale, so it gets its own confidence
(`--model`, written to confidence.<model>.json): for the multilingual model it is fitted on
XQuAD's tuning half in a few `--languages`, one of each kind (English; Russian: Cyrillic, rich
morphology; Chinese: no spaces), and on the even articles of ../shared/eval/answerability (SQuAD
2.0 look-alike unanswerables in Spanish and Swedish, every second question); it is reported on the
report half in every language of ../shared/eval/xquad_multi, the languages it was not fitted on
included, and on the odd articles of the answerability files.
"""

import argparse
import json
import os
import pickle
from dataclasses import replace
import sys
from pathlib import Path

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from sklearn.linear_model import LogisticRegression

from index.ranking import asked, sentences
from index.text import terms
from index.evaluation.calibration import SIZES, by_size
from index.text.chunking import split_sentences
from index.ranking.confidence import MODEL_FILE, NAMES, Model, Signals, model_file
from index.models.embedding import DEFAULT_MODEL, CachedEmbedder, load_embedder
from index.text.languages import detect
from index.evaluation.measures import load_ester, load_squad, squad_part
from index.models.reader import CachedReader
from index.models.readers import load_reader

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reader_data import held_out_split  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CACHE = ROOT / "benchmarks" / "results" / "embeddings.pkl"
TRIALS = CACHE.with_name("trials.pkl")
ANSWERED = 0.955  # answerable questions that must still be answered, at every size (target 0.95)
# ... on these sets. The SQuAD sets teach the trees, but do not set the threshold: their Recall@1
# at "all" (0.81-0.91: an article's paragraphs say much the same) sits just above any floor, so
# the rule's exemption for sizes that cannot reach it would let one set's cliff decide.
THRESHOLD_SETS = ("xquad-tune", "ester-train")
# More match must never mean less confidence: the model may not learn the opposite from noise.
MONOTONIC = {"cosine": 1, "sentence_cosine": 1, "coverage": 1, "sentence_coverage": 1, "missing": -1,
             "phrases": 1, "reader": 1}
TUNING = ("xquad-tune", "ester-train", "squad-fit", "squad2-fit")
HELD_OUT = ("xquad-report", "ester-dev", "squad2-report")
XQUAD_LANGUAGES = ("en", "es", "de", "ru", "zh", "ar", "hi", "vi")
# ../shared/eval/answerability: SQuAD 2.0's dev tuning articles machine-translated, with their
# unanswerable questions written to look answerable; the even articles fit another model's
# confidence, the odd ones report on it.
ANSWERABILITY = ("es", "sv")
TREES = dict(max_depth=4, max_iter=60, learning_rate=0.1, random_state=0)


def languages_sets(shared: Path, languages: list[str]) -> dict[str, tuple]:
    """Another model's sets: XQuAD's tuning half in `languages`, its report half in every language."""
    def xquad(language: str):
        name = "xquad_en/xquad.en.json" if language == "en" else f"xquad_multi/xquad.{language}.json"
        return load_squad(shared / "eval" / name)
    sets = {f"xquad-tune-{language}": squad_part(*xquad(language), "tune") for language in languages}
    sets |= {f"xquad-report-{language}": squad_part(*xquad(language), "report") for language in XQUAD_LANGUAGES}
    for language in ANSWERABILITY:  # SQuAD 2.0's look-alike unanswerables, machine-translated
        path = shared / "eval" / "answerability" / f"squad-v2.0-dev-tune-articles.{language}.json.gz"
        if path.exists():
            for part in ("tune", "report"):
                documents, questions = squad_part(*load_squad(path), part)
                sets[f"answerability-{language}-{part}"] = documents, questions[::2]  # every second: cost
    return sets


def datasets(shared: Path) -> dict[str, tuple]:
    """Return {name: (documents, questions)} for the tuning and the held-out parts."""
    squad = load_squad(shared / "eval/xquad_en/xquad.en.json")
    ester = shared / "eval/ester_news_dev"
    files = {}
    for name, data in held_out_split(shared).items():
        files[name] = CACHE.with_name(f"squad2-{name}.json")
        files[name].parent.mkdir(parents=True, exist_ok=True)
        partial = files[name].with_suffix(f".{os.getpid()}.tmp")  # two processes may write it at once
        partial.write_text(json.dumps(data), encoding="utf-8")
        os.replace(partial, files[name])
    return {
        "xquad-tune": squad_part(*squad, "tune"), "ester-train": load_ester(ester / "final_train_ans_gen_500completed.json"),
        "squad-fit": load_squad(files["v1.1-fit"]), "squad2-fit": load_squad(files["fit"]),
        "xquad-report": squad_part(*squad, "report"), "ester-dev": load_ester(ester / "final_dev_ans_gen.json"),
        "squad2-report": load_squad(files["report"]),
    }


def trials(name: str, documents, questions, embedder, reader) -> list:
    """Every question asked at every size."""
    print(f"{name}: {len(documents)} passages, {len(questions)} questions", file=sys.stderr)
    return by_size(documents, questions, embedder, SIZES, reader=reader)


def table(name: str, reports, threshold: float) -> None:
    for report in reports:
        f = report.figures(threshold)
        impossible = f"{f['declined_impossible']:.3f}" if "impossible" in f else ""
        print(f"| {name} | {report.size or 'all'} | {f['answerable']} | {f['answered']:.3f} | "
              f"{f['declined']:.3f} | {f['declined_answer_free']:.3f} | {f['not_found_precision']:.3f} | "
              f"{impossible} |")


def features(reports) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Top hit's signals per trial; label 1 when it answers (its passage, which was in the index)."""
    rows, labels, weights = [], [], []
    for report in reports:
        count = max(1, len(report.trials))
        for trial in report.trials:
            if not trial.hits:
                continue
            top = trial.hits[0]
            label = int(trial.answerable and top.document.source in trial.question.relevant)
            # Once as read, once as if the reader were off (or the hit too deep to read): the
            # trees learn both paths, and a missing reading goes where it belongs.
            rows += [top.signals.vector(), replace(top.signals, reader=float("nan")).vector()]
            labels += [label, label]
            weights += [1.0 / count, 1.0 / count]  # every collection size counts the same
    weights = np.array(weights)
    return np.array(rows), np.array(labels), weights / weights.mean()  # mean 1: C keeps its meaning


def export(fitted: HistGradientBoostingClassifier) -> tuple:
    """The fitted trees as (signal, cut, left, right, value, missing goes left) nodes; a leaf
    has signal -1."""
    trees = []
    for (predictor,) in fitted._predictors:  # one tree per boosting round for two classes
        trees.append(tuple(
            (-1 if node["is_leaf"] else int(node["feature_idx"]), float(node["num_threshold"]),
             int(node["left"]), int(node["right"]), float(node["value"]), bool(node["missing_go_to_left"]))
            for node in predictor.nodes))
    return tuple(trees)


def sentence_pairs(reports, embedder, reader) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Pairs of sentences from each right top hit (collection "all"): one that holds a gold
    answer and one that does not, as feature differences (label 1) and their negations (label 0).
    A linear model fitted on these ranks the answering sentence above the others (pairwise).
    Also whether each pair was read (the reader reads English questions only)."""
    rows, labels, read = [], [], []
    for report in reports:
        if report.size != 0:
            continue
        for trial in report.trials:
            top = trial.hits[0] if trial.hits else None
            if not (trial.answerable and top and top.document.source in trial.question.relevant):
                continue
            spans = split_sentences(top.quote.text)
            texts = [top.quote.text[a:b] for a, b in spans]
            query = embedder.embed([trial.question.text])[0]
            cosines = (embedder.embed(texts) @ query).tolist()
            language, said = detect(trial.question.text), detect(top.quote.text)
            weights = terms.question_weights(trial.question.text, language)
            readings = reader.score(trial.question.text, texts).tolist() if language == "en" else [0.0] * len(texts)
            kind, named = asked.kind_of(trial.question.text), asked.names(trial.question.text)
            found = np.array(sentences.features(weights, texts, [terms.keys(t, said) for t in texts], cosines,
                                                [asked.supplies(kind, named, t, 0, None) for t in texts], readings))
            gold = [any(a.lower() in t.lower() for a in trial.question.answers) for t in texts]
            for i in (i for i, g in enumerate(gold) if g):
                for j in (j for j, g in enumerate(gold) if not g):
                    rows += [found[i] - found[j], found[j] - found[i]]
                    labels += [1, 0]
                    read += [language == "en"] * 2
    return np.array(rows), np.array(labels), np.array(read, dtype=bool)


def confidence_alone(reports: list) -> list:
    """The trials as the confidence alone would answer them: the checks of what a passage lacks
    (a telling word in no document, the kind of answer asked) cost answerable questions on top of
    the threshold (0.988 answered without them, 0.978 with them on XQuAD's report half), so they
    do not set it; else every refit would lower the threshold by what the checks cost."""
    return [replace(report, trials=[replace(t, nowhere=False, hits=tuple(replace(h, lacks="") for h in t.hits))
                                    for t in report.trials]) for report in reports]


def choose_threshold(reports_by_set: list, answered: float = ANSWERED) -> float:
    """Highest threshold that answers `answered` of answerable questions at every size."""
    candidates = np.linspace(0.01, 0.99, 197)
    ok = [t for t in candidates
          if all(r.figures(t)["answered"] >= answered or r.figures(0.0)["answered"] < answered
                 for reports in reports_by_set for r in reports)]
    return float(max(ok)) if ok else 0.01


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    parser.add_argument("--write", action="store_true", help=f"store the fitted model in {MODEL_FILE.name}")
    parser.add_argument("--from-trials", action="store_true",
                        help="refit from the trials the last run saved, without asking the questions again")
    parser.add_argument("--runtime", default="onnx", choices=("onnx", "onnx-int8", "torch"),
                        help="the reader's runtime (as VERBATIM_RUNTIME)")
    parser.add_argument("--model", default=DEFAULT_MODEL, help="the embedding model (VERBATIM_MODEL)")
    parser.add_argument("--report-only", action="store_true",
                        help="with --from-trials: report the shipped fit on the saved trials, fit nothing")
    parser.add_argument("--languages", default="en,ru,zh",
                        help="another model's tuning languages (XQuAD's tuning half in each)")
    parser.add_argument("--plot", type=Path,
                        help="draw answered against declined as the threshold moves, held-out sets, into this image")
    parser.add_argument("--only", action="append",
                        help="ask only this set's questions and save its trials for --from-trials (repeatable: "
                             "run one process per core, then --from-trials)")
    args = parser.parse_args()
    global CACHE, TRIALS, TUNING, HELD_OUT, THRESHOLD_SETS
    other = args.model != DEFAULT_MODEL
    if other:  # its own caches, sets and file
        CACHE = CACHE.with_name(f"embeddings.{args.model}.pkl")
        TRIALS = CACHE.with_name(f"trials.{args.model}.pkl")
        tuning = args.languages.split(",")
        THRESHOLD_SETS = tuple(f"xquad-tune-{language}" for language in tuning)
        TUNING = THRESHOLD_SETS + tuple(f"answerability-{language}-tune" for language in ANSWERABILITY)
        HELD_OUT = (tuple(f"xquad-report-{language}" for language in XQUAD_LANGUAGES)
                    + tuple(f"answerability-{language}-report" for language in ANSWERABILITY))
    embedder = CachedEmbedder(load_embedder(args.model))
    if CACHE.exists():
        embedder._vectors.update(pickle.loads(CACHE.read_bytes()))
    reader = CachedReader(load_reader(args.runtime))
    if args.from_trials:
        results = pickle.loads(TRIALS.read_bytes()) if TRIALS.exists() else {}
        for part in sorted(TRIALS.parent.glob(f"{TRIALS.stem}-*.pkl")):  # sets asked with --only
            results |= pickle.loads(part.read_bytes())
    else:
        every = languages_sets(args.shared, tuning) if other else datasets(args.shared)
        wanted = {name: data for name, data in every.items() if not args.only or name in args.only}
        results = {name: trials(name, *data, embedder, reader)
                   for name, data in wanted.items()}
        CACHE.parent.mkdir(parents=True, exist_ok=True)
        if args.only:  # one of several processes side by side: its own file, no fit
            TRIALS.with_name(f"{TRIALS.stem}-{'+'.join(args.only)}.pkl").write_bytes(pickle.dumps(results))
            return
        CACHE.write_bytes(pickle.dumps(embedder._vectors))
        TRIALS.write_bytes(pickle.dumps(results))  # for a closer look, or a refit (--from-trials)

    if args.report_only:  # the shipped fit, on whatever sets have trials
        shipped = Model.load(model_file(args.model if other else None))
        report(results, shipped)
        if args.plot:
            plot(results, shipped.threshold, args.plot)
        return
    tune = [results[name] for name in TUNING if name in results]
    X, y, w = features([r for reports in tune for r in reports])
    fitted = HistGradientBoostingClassifier(monotonic_cst=[MONOTONIC[n] for n in NAMES], **TREES)
    fitted.fit(X, y, sample_weight=w)
    S, z, was_read = sentence_pairs([r for reports in tune for r in reports], embedder, reader)
    chooser = LogisticRegression(C=1.0, max_iter=1000, fit_intercept=False).fit(S[was_read], z[was_read])
    print("sentence features:", dict(zip(sentences.FEATURES, np.round(chooser.coef_[0], 3))),
          f"({len(z) // 2} pairs)")
    # Without the reader (switched off, or hits below the top five) the other features must do
    # its work: weights fitted on the same pairs without it.
    read = sentences.FEATURES.index("reader")
    unread = LogisticRegression(C=1.0, max_iter=1000, fit_intercept=False).fit(np.delete(S, read, axis=1), z)
    unread_weights = tuple(np.insert(unread.coef_[0], read, 0.0))
    print("sentence features, unread:", dict(zip(sentences.FEATURES, np.round(unread_weights, 3))))
    model = Model(export(fitted), float(fitted._baseline_prediction.ravel()[0]), 0.5, tuple(chooser.coef_[0]),
                  unread_weights)
    ours = np.array([model.confidence(Signals(*row)) for row in X])
    assert np.allclose(ours, fitted.predict_proba(X)[:, 1], atol=1e-6), "exported trees disagree"
    rescore(results, model)
    threshold = choose_threshold([confidence_alone(results[name]) for name in THRESHOLD_SETS])
    print(f"threshold (the confidence alone answers >= {ANSWERED} of {' and '.join(THRESHOLD_SETS)} at every size): "
          f"{threshold:.3f}\n")
    report(results, replace(model, threshold=threshold))
    if args.write:
        target = MODEL_FILE.with_name(f"confidence.{args.model}.json") if other else model_file()
        about = (f"XQuAD even articles in {args.languages}; sizes 1/10/all, model {args.model}, reader on "
                 f"{args.runtime} (English questions)" if other else
                 "XQuAD even articles, ESTER train, SQuAD v1.1 train paragraphs the reader never saw, SQuAD 2.0 dev "
                 f"held-out even articles; sizes 1/10/all, reader on {args.runtime}")
        replace(model, threshold=round(threshold, 3)).save(target, fitted_on=about + "; by benchmarks/fit_confidence.py")
        print(f"\nwrote {target}")
    if args.plot:
        plot(results, threshold, args.plot)
    if not CACHE.exists() or args.from_trials:  # the sentences embedded for the pairs, for the next refit
        CACHE.write_bytes(pickle.dumps(embedder._vectors))


def plot(results: dict, threshold: float, out: Path) -> None:
    """Answered against declined at every threshold, each held-out set and collection size (trials
    rescored by the model being reported); SQuAD 2.0's declined are its look-alike unanswerables."""
    from plots import threshold_curves

    def point(report, t: float) -> tuple[float, float, float]:
        f = report.figures(t)
        return t, f["answered"], f.get("declined_impossible", f["declined"])

    grid = np.linspace(0.0, 1.0, 101)
    curves = {name: {r.size: [point(r, t) for t in grid] for r in results[name]}
              for name in HELD_OUT if name in results}
    threshold_curves(curves, threshold, out)


def rescore(results: dict, model: Model) -> None:
    """Every trial's hits scored by `model` (their signals as recorded)."""
    for reports in results.values():
        for report in reports:
            report.trials = [replace(t, hits=tuple(replace(h, score=model.confidence(h.signals)) for h in t.hits))
                             for t in report.trials]


def report(results: dict, model: Model) -> None:
    """The "not found" table at the model's threshold, and Recall@1 / answer sentence at "all"."""
    rescore(results, model)
    print("| data | size | answerable | answered, right passage first | unanswerable declined "
          "| declined, answer-free | 'not found' precision | SQuAD 2.0 unanswerable declined |")
    print("|---|---|---|---|---|---|---|---|")
    for name, reports in results.items():
        table(name, reports, model.threshold)
    print("\n| data | Recall@1 (all passages) | answer sentence@1 |\n|---|---|---|")
    for name, reports in results.items():
        whole = [t for r in reports if r.size == 0 for t in r.trials if t.answerable and t.hits]
        first = [t for t in whole if t.hits[0].document.source in t.question.relevant]
        bold = [t for t in first if any(a.lower() in t.hits[0].sentence.text.lower() for a in t.question.answers)]
        print(f"| {name} | {len(first) / max(1, len(whole)):.3f} | {len(bold) / max(1, len(whole)):.3f} |")


if __name__ == "__main__":
    main()
