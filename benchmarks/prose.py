"""How far real documents and random words sit from the prose line (index/text/prose.py).

    python benchmarks/prose.py

Real documents: news articles, XQuAD articles in eight languages (their paragraphs joined),
SciFact abstracts, each joined in order into documents of at least 1,500 words (only long
texts are judged), and the samples and ../shared/corpus joined into one. Random: words drawn uniformly from
each language's 20,000 most common words (wordfreq), random letters, random Chinese characters.
Prints, per group, how many texts were judged and the lowest (real) or highest (random) share.
"""

import json
import random
import string
import sys
from pathlib import Path

from wordfreq import top_n_list

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from index.text.prose import MIN_ENDS, MIN_SHARE, MIN_WORDS, measure, prose_problem  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"


def real_texts() -> dict[str, list[str]]:
    groups = {"samples + corpus": [p.read_text() for p in [*(ROOT / "samples").glob("*.*"),
                                                           *(SHARED / "corpus").glob("*.txt")]]}
    news = SHARED / "eval" / "news_summaries" / "articles.jsonl"
    if news.exists():
        groups["news"] = [json.loads(line)["article"] for line in news.open()]
    for path in sorted((SHARED / "eval").glob("xquad*/xquad.*.json")):
        articles = json.loads(path.read_text())["data"]
        groups[path.stem] = ["\n\n".join(p["context"] for p in a["paragraphs"]) for a in articles]
    scifact = SHARED / "eval" / "scifact" / "corpus.jsonl"
    if scifact.exists():
        abstracts = [json.loads(line)["text"] for line in scifact.open()]
        groups["scifact"] = abstracts
    return {name: _joined(texts) for name, texts in groups.items()}


def _joined(texts: list[str], words: int = 1_500) -> list[str]:
    """Join consecutive texts into documents of at least `words` words (characters, unspaced)."""
    out, part = [], []
    for text in texts:
        part.append(text)
        if sum(measure(t)[2] for t in part) >= words:
            out.append("\n\n".join(part))
            part = []
    return out + (["\n\n".join(part)] if part else [])


def random_texts(words: int = 20_000) -> dict[str, list[str]]:
    rng = random.Random(7)
    groups = {}
    for language in ("en", "es", "de", "ru", "ar", "zh", "hi"):
        vocabulary = top_n_list(language, 20_000)
        groups[f"random {language} words"] = [" ".join(rng.choice(vocabulary) for _ in range(words))
                                              for _ in range(3)]
    groups["random letters"] = [" ".join("".join(rng.choices(string.ascii_lowercase, k=rng.randint(2, 9)))
                                         for _ in range(words)) for _ in range(3)]
    groups["random hanzi"] = ["".join(chr(rng.randint(0x4E00, 0x9FFF)) for _ in range(words)) for _ in range(3)]
    return groups


def main() -> None:
    print(f"not prose: top-{20} share under {MIN_SHARE:.0%} and under {MIN_ENDS * 100:.0f} sentence ends per "
          f"100 words (texts of at least {MIN_WORDS:,} words are judged)\n")
    print("| texts | judged | refused | lowest share | median share | fewest ends /100 words |\n|---|---|---|---|---|---|")
    for name, texts in [*real_texts().items(), *random_texts().items()]:
        judged = [(share, ends, text) for share, ends, n, text in ((*measure(t), t) for t in texts) if n >= MIN_WORDS]
        refused = sum(prose_problem(text) is not None for *_, text in judged)
        shares = sorted(share for share, *_ in judged)
        low, mid = (f"{shares[0]:.1%}", f"{shares[len(shares) // 2]:.1%}") if shares else ("-", "-")
        ends = f"{min(e for _, e, _ in judged) * 100:.1f}" if judged else "-"
        print(f"| {name} | {len(judged)} of {len(texts)} | {refused} | {low} | {mid} | {ends} |")


if __name__ == "__main__":
    main()
