"""ROUGE of Verbatim's extractive summaries against LEAD-3, on news articles with reference summaries.

Usage: python benchmarks/summaries.py [--file ../shared/eval/news_summaries/articles.jsonl]

Prints ROUGE-1/2/L F1 (rouge-score, stemming on) for CNN/DailyMail and XSum separately, for
Verbatim's summariser and LEAD-3 computed in the same run. Constants were tuned on the articles
with an even line number; the table reports the odd ones ("report") and all of them.
"""

import argparse
import json
import statistics
import time
from pathlib import Path

from rouge_score import rouge_scorer

from index.models.embedding import DEFAULT_MODEL, load_embedder
from index.summaries import candidate_sentences, lead, summarize

DEFAULT_FILE = Path(__file__).resolve().parents[2] / "shared/eval/news_summaries/articles.jsonl"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--file", type=Path, default=DEFAULT_FILE)
    parser.add_argument("--split", choices=["report", "tune", "all"], default="report")
    args = parser.parse_args()
    rows = [json.loads(line) for line in args.file.read_text().splitlines() if line.strip()]
    if args.split != "all":
        rows = rows[1::2] if args.split == "report" else rows[::2]
    embedder = load_embedder(DEFAULT_MODEL)
    scorer = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], use_stemmer=True)
    scores: dict[tuple[str, str], list[dict]] = {}
    started = time.perf_counter()
    for row in rows:
        text = row["article"]
        spans = candidate_sentences(text)
        chosen = summarize(text, spans, embedder.embed([text[s:e] for s, e in spans]))
        for system, picked in (("verbatim", chosen), ("LEAD-3", lead(text))):
            summary = "\n".join(text[s:e] for s, e in picked)
            result = scorer.score(row["reference"], summary)
            scores.setdefault((row["source"], system), []).append({k: v.fmeasure for k, v in result.items()})
    seconds = time.perf_counter() - started
    print(f"{len(rows)} articles ({args.split}), {seconds:.1f}s including embedding")
    print("| data | system | articles | ROUGE-1 | ROUGE-2 | ROUGE-L |")
    print("|---|---|---|---|---|---|")
    for (source, system), values in sorted(scores.items()):
        means = {k: 100 * statistics.mean(v[k] for v in values) for k in ("rouge1", "rouge2", "rougeL")}
        print(f"| {source} | {system} | {len(values)} | {means['rouge1']:.2f} | {means['rouge2']:.2f} | {means['rougeL']:.2f} |")


if __name__ == "__main__":
    main()
