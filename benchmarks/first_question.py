"""The first question in a language: how long it waits when nothing was prepared for that language,
and when `Library.warm` prepared it at start-up (in the background, before the question).

    python benchmarks/first_question.py [--index DIR]

Each row is two fresh processes over the same index (default: the samples, ingested once into a
scratch folder): both load the model and the reader and answer one English question first (what a
serving bot has done by then), then time one question in the language; the second prepares that
language (`Library.warm([language])`, joined) before it. Also prints what preparing costs in memory.
"""

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

QUESTIONS = {
    "es": "¿Cómo hacen cera las abejas?", "de": "Wie machen Bienen Wachs?", "ru": "Как пчёлы делают воск?",
    "ar": "كيف يصنع النحل الشمع؟", "pl": "Jak pszczoły robią wosk?", "el": "Πώς φτιάχνουν οι μέλισσες κερί;",
}
MEASURE = """
import sys, time
sys.path.insert(0, {root!r})
from index import Library

def rss():
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith("VmRSS:")) / 1024

library = Library({index!r}, reader=True)
library.warm().join()  # English and the collection's languages, as the bot does at start-up
library.search("How do bees make wax?")
before = rss()
if {prepare!r}:
    library.warm([{language!r}]).join()
started = time.perf_counter()
library.search({question!r})
print(round((time.perf_counter() - started) * 1000), round(rss() - before))
"""


def measure(index: Path, language: str, prepare: bool) -> tuple[int, int]:
    script = MEASURE.format(root=str(ROOT), index=str(index), language=language, question=QUESTIONS[language],
                            prepare=prepare)
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600, check=True)
    milliseconds, grew = done.stdout.split()
    return int(milliseconds), int(grew)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--index", type=Path, help="an index to ask (default: the samples, ingested here)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        index = args.index
        if index is None:
            from index import Library

            index = Path(scratch) / "index"
            library = Library(index)
            library.ingest([str(ROOT / "samples")], progress=False)
            library.close()
        print("| language | first question, nothing prepared | prepared at start-up | memory prepared |")
        print("|---|---|---|---|")
        for language in QUESTIONS:
            cold, _ = measure(index, language, prepare=False)
            warm, grew = measure(index, language, prepare=True)
            print(f"| {language} | {cold} ms | {warm} ms | {grew} MB |")


if __name__ == "__main__":
    main()
