"""Golden outputs (issue #21): what `verbatim` prints, recorded before a structural change and
compared after it, so that moving code around provably changes nothing a user or script sees.

Usage: python benchmarks/golden.py record|check [--only ask|squad|ester] [--shared ../shared]

- `ask`: `verbatim ask --json --k 5` for the questions below on `samples/`, on the embedded
  backend and on Milvus Lite (a file), every figure as printed;
- `squad`: `verbatim eval squad xquad.en.json --part report --json` (XQuAD's report half);
- `ester`: `verbatim eval ester final_dev_ans_gen.json --json` (ESTER dev).

Recorded files live in tests/golden/ (the `ask` one is also checked by tests/test_golden.py on
every run); `check` prints where each differs (the first SHOWN places) and exits 1 when one does. Timings
(`median_ms`) are not compared.
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from collections.abc import Iterator

ROOT = Path(__file__).resolve().parents[1]
GOLDEN = ROOT / "tests" / "golden"
SHARED = ROOT.parent / "shared"
SHOWN = 40  # differences printed per output
QUESTIONS = (
    "How long does a forager bee live?",
    "What do house bees do with the nectar?",
    "At what water content does nectar become honey?",
    "Who patented a needle telegraph in 1837?",
    "What message did Morse send in 1844?",
    "When was the transatlantic cable laid?",
    "How do I add documents to Verbatim?",
    "What happens when a document has not changed?",
    "How do subscriptions work?",
    "What is the capital of Australia?",
    "How many moons does Jupiter have?",
    "telegraph",
)


def verbatim(*args: str, env: dict | None = None, stdin: str | None = None) -> str:
    """Run the installed `verbatim` command; return what it printed on stdout."""
    command = [str(Path(sys.executable).with_name("verbatim")), *args]
    done = subprocess.run(command, input=stdin, capture_output=True, text=True, env={**os.environ, **(env or {})},
                          check=False)
    if done.returncode:
        raise SystemExit(f"{' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def ask_outputs() -> dict:
    """`ask --json` on the samples, per backend."""
    out = {}
    with tempfile.TemporaryDirectory() as scratch:
        for backend in ("embedded", "milvus"):
            env = {"VERBATIM_INDEX_DIR": f"{scratch}/{backend}", "VERBATIM_MILVUS_URI": ""}
            if backend == "milvus":
                env["VERBATIM_MILVUS_URI"] = f"{scratch}/milvus.db"
            verbatim("ingest", str(ROOT / "samples"), "--quiet", env=env)
            printed = verbatim("ask", "--json", "--k", "5", "--batch", "-", env=env, stdin="\n".join(QUESTIONS) + "\n")
            # where the repository is checked out is not part of the output: its path, and the
            # document ids made from it, are left out
            answers = [json.loads(line) for line in printed.replace(str(ROOT), "<repo>").splitlines()]
            for answer in answers:
                for hit in answer["hits"]:
                    hit.pop("document")
            out[backend] = answers
    return out


def eval_output(kind: str, shared: Path) -> dict:
    if kind == "squad":
        printed = verbatim("eval", "squad", str(shared / "eval/xquad_en/xquad.en.json"), "--part", "report", "--json",
                           env={"VERBATIM_MILVUS_URI": ""})
    else:
        printed = verbatim("eval", "ester", str(shared / "eval/ester_news_dev/final_dev_ans_gen.json"), "--json",
                           env={"VERBATIM_MILVUS_URI": ""})
    return json.loads(printed)


def differences(old, new, where: str = "") -> Iterator[str]:
    """Where two JSON values differ, and how (timings aside)."""
    if isinstance(old, dict) and isinstance(new, dict):
        for key in sorted(k for k in set(old) | set(new) if not k.endswith("_ms")):
            if key not in old or key not in new:
                yield f"{where}.{key}: only in the {'recorded' if key in old else 'new'} output"
            else:
                yield from differences(old[key], new[key], f"{where}.{key}")
    elif isinstance(old, list) and isinstance(new, list) and len(old) != len(new):
        yield f"{where}: {len(old)} items recorded, {len(new)} now"
    elif isinstance(old, list) and isinstance(new, list):
        for i, (a, b) in enumerate(zip(old, new)):
            yield from differences(a, b, f"{where}[{i}]")
    elif old != new:
        change = f" ({new - old:+.4f})" if all(isinstance(v, float) for v in (old, new)) else ""
        yield f"{where}: recorded {old!r}, now {new!r}{change}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("action", choices=("record", "check"))
    parser.add_argument("--only", choices=("ask", "squad", "ester"), action="append")
    parser.add_argument("--shared", type=Path, default=SHARED)
    args = parser.parse_args()
    failed = False
    for kind in args.only or ("ask", "squad", "ester"):
        output = ask_outputs() if kind == "ask" else eval_output(kind, args.shared)
        path = GOLDEN / f"{kind}.json"
        if args.action == "record":
            GOLDEN.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(output, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
            print(f"recorded {path.relative_to(ROOT)}")
            continue
        found = list(differences(json.loads(path.read_text(encoding="utf-8")), output))
        print(f"{kind}: " + (f"{len(found)} differences" if found else "identical"))
        for difference in found[:SHOWN]:
            print(f"  {difference}")
        failed |= bool(found)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
