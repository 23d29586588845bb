"""A question's route through index/: the calls that read the question itself, from
`Library.search` on, grouped into stays in one module; how many times the route comes back to a
module it had already left.

Usage: python benchmarks/route.py [QUESTION] [--index DIR] [--every]

The samples (`samples/`) are ingested into a temporary index (or --index is read), the model and
reader loaded, the question asked once to warm up, then asked again under `sys.setprofile`. A
step is a call of a function defined under index/ that is handed the question: its text, what
was typed, or its analysis (index/ranking/question.py). Consecutive steps in one module are one
stay, and what `Question.of` calls while it analyses the question belongs to its one stay. With
--every, every call under index/ counts (helpers that only read passages included).
"""

import argparse
import sys
import tempfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from index import Library  # noqa: E402

INDEX = str(ROOT / "index")
ANALYSIS = "ranking/question"  # where a question is analysed, once: its own calls are that one step


def route(library: Library, question: str, every: bool = False) -> list[str]:
    """The modules of index/ that the question passes through, one entry per stay."""
    stays: list[str] = []

    def carries(frame) -> bool:
        code = frame.f_code
        for name in code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]:
            value = frame.f_locals.get(name)
            if isinstance(value, str) and value.strip() == question.strip():
                return True
            if type(value).__name__ == "Question" and getattr(value, "text", None) == question.strip():
                return True
        return False

    analysing = [0]  # frames of ranking/question under way: what they call is the one analysis

    def profile(frame, event, arg):
        if not frame.f_code.co_filename.startswith(INDEX):
            return
        module = frame.f_code.co_filename[len(INDEX) + 1:].removesuffix(".py")
        if module == ANALYSIS and event in ("call", "return"):
            analysing[0] += 1 if event == "call" else -1
        if event != "call" or (analysing[0] and module != ANALYSIS):
            return
        if every or carries(frame):
            if not stays or stays[-1] != module:
                stays.append(module)

    sys.setprofile(profile)
    try:
        library.search(question)
    finally:
        sys.setprofile(None)
    return stays


def returns(stays: list[str]) -> int:
    """How many stays are in a module the route had already left."""
    left: set[str] = set()
    count = 0
    for before, now in zip(stays, stays[1:]):
        left.add(before)
        count += now in left
    return count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("question", nargs="?", default="How much honey can a strong colony store?")
    parser.add_argument("--index", type=Path)
    parser.add_argument("--every", action="store_true", help="count every call under index/, not only the question's")
    args = parser.parse_args()
    scratch = tempfile.TemporaryDirectory()
    library = Library(args.index or Path(scratch.name) / "index", reader=True)
    if args.index is None:
        library.ingest([str(ROOT / "samples")], progress=False)
    library.search(args.question)  # models and indexes loaded, languages prepared
    stays = route(library, args.question, args.every)
    print(" → ".join(stays))
    print("\n| module | stays |\n|---|---|")
    for module, count in Counter(stays).most_common():
        print(f"| {module} | {count} |")
    print(f"\n{len(stays)} stays in {len(set(stays))} modules; {returns(stays)} returns to a module already left")


if __name__ == "__main__":
    main()
