"""Write each language's centre in a multilingual model's question space (index/models/centroids.py).

Usage: python benchmarks/language_centroids.py [--model multilingual-e5-small] [--words 1000]

A language's centre is the mean vector of its `--words` most frequent words (wordfreq's lists,
42 languages; nothing downloaded), each embedded as a question is. The difference between two
languages' centres is what the model adds for the language alone; index/models/centroids.py takes
part of it away when a question is asked of passages in another language. Deterministic (no
sampling): the same model and lists give the same file. About 2.5 minutes on 2 cores.
"""

import argparse
import sys
from pathlib import Path

import numpy as np
import wordfreq

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from index.models.centroids import centres_file  # noqa: E402
from index.models.embedding import MULTILINGUAL, embed_questions, load_embedder  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=MULTILINGUAL, help="a multilingual embedding model (VERBATIM_MODEL)")
    parser.add_argument("--words", type=int, default=1000, help="the most frequent words per language")
    args = parser.parse_args()
    embedder = load_embedder(args.model)
    languages = sorted(wordfreq.available_languages())
    centres = []
    for language in languages:
        centres.append(embed_questions(embedder, wordfreq.top_n_list(language, args.words)).mean(axis=0))
        print(f"{language}: {args.words} words", file=sys.stderr, flush=True)
    target = centres_file(args.model)
    np.savez(target, languages=np.array(languages), centres=np.stack(centres).astype(np.float32))
    print(f"wrote {target} ({len(languages)} languages)")


if __name__ == "__main__":
    main()
