"""What the biggest inputs cost: time, and memory above an idle bot, for each cap's worst case.

    python benchmarks/big_inputs.py [--only NAME]

Each input is ingested by a fresh process that first loads what a serving bot holds (the
packaged model, the index, the reader), notes its memory (VmRSS: "idle"), then ingests the
input and notes its peak (VmHWM, reset after the idle reading). Inputs, made here:

- deep.html: 19.9 MB of 200-deep nested <div>s (issue #19: 264 s and 1.3 GB before the caps);
- deep-at-cap.html: 5 MB nested 96 deep (100 with html, body and p), the worst page the caps accept;
- random.pdf: 3,000 pages of random words (issue #19: 10,692 chunks, 294 s, 2.3 GB);
- random-1000.pdf: 1,000 pages of random words, under the page and length caps: the prose test refuses it;
- prose-at-cap.txt: 1.99 million characters of real prose (SQuAD's Wikipedia paragraphs, from
  ../shared when present), the longest document the caps accept;
- huge-page.pdf: 0.3 KB, one blank 5,000 x 5,000 point page (a scan to read by OCR: 2.1 GB and
  7.9 s before pages were rendered no larger than the OCR reads them);
- huge.png: 8,900 x 8,900 pixels of a typeset page, 0.2 MB (908 MB before pictures were shrunk
  as they are decoded);
- huge.jpg: the same page as a JPEG photo (decoded at a reduced size);
- page.png: the same page at 2,000 x 2,000 pixels, the size the OCR reads: what any picture costs.
"""

import argparse
import gzip
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
SQUAD = ROOT.parent / "shared" / "eval" / "squad_train" / "squad-v1.1-train.json.gz"

MEASURE = """
import sys, tempfile, time
from pathlib import Path
sys.path.insert(0, {root!r})
from index import Library
from index.sources import ocr

ocr.cache = Path(tempfile.mkdtemp())  # pictures read now, not readings kept from an earlier run

def status(field):
    return next(int(l.split()[1]) for l in open("/proc/self/status") if l.startswith(field)) / 1024

library = Library({index!r})
library.warm()  # what a serving bot holds
idle = status("VmRSS:")
open("/proc/self/clear_refs", "w").write("5")  # the peak from here on
started = time.monotonic()
report = library.ingest([{path!r}], progress=False)
print(round(time.monotonic() - started, 1), round(idle), round(status("VmHWM:") - idle), report.describe(),
      "|", "; ".join(reason for _, reason in report.errors)[:200], sep="\\t")
"""


def _words(rng: random.Random, n: int, vocabulary: list[str] = []) -> str:  # noqa: B006 (made once)
    if not vocabulary:
        from wordfreq import top_n_list

        vocabulary += [w for w in top_n_list("en", 20_000) if w.isascii() and w.isalpha()]
    return " ".join(rng.choices(vocabulary, k=n))


def make_inputs(folder: Path) -> dict[str, Path]:
    from tests.fakes.web import make_pdf

    rng = random.Random(19)
    paths = {}
    for name, size, depth in (("deep.html", 19.9e6, 200), ("deep-at-cap.html", 5 * 2**20 - 2_000, 96)):
        blocks, total = [], 0
        while total < size - 500:
            blocks.append("<div>" * depth + f"<p>{_words(rng, 30).capitalize()}.</p>" + "</div>" * depth)
            total += len(blocks[-1])
        path = folder / name
        path.write_text(f"<html><head><title>Deep</title></head><body>{''.join(blocks)[: int(size)]}</body></html>")
        paths[name] = path
    paths["huge-page.pdf"] = folder / "huge-page.pdf"
    paths["huge-page.pdf"].write_bytes(make_pdf([""], size=(5_000, 5_000)))
    from PIL import Image

    from tests.pages import page

    huge = Image.new("L", (8_900, 8_900), 255)
    huge.paste(page(_words(rng, 150).capitalize() + ".", width=8_900, size=110, margin=700), (0, 700))
    for name, kind in (("huge.png", "PNG"), ("huge.jpg", "JPEG")):
        huge.save(folder / name, format=kind)
        paths[name] = folder / name
    huge.resize((2_000, 2_000), Image.Resampling.LANCZOS).save(folder / "page.png")
    paths["page.png"] = folder / "page.png"
    for name, pages in (("random.pdf", 3_000), ("random-1000.pdf", 1_000)):
        path = folder / name
        path.write_bytes(make_pdf([], pages=[[_words(rng, 10) for _ in range(25)] for _ in range(pages)]))
        paths[name] = path
    if SQUAD.exists():
        articles = json.loads(gzip.open(SQUAD).read())["data"]
        text, parts = 0, ["Wikipedia paragraphs"]
        for paragraph in (p["context"] for a in articles for p in a["paragraphs"]):
            if text + len(paragraph) > 1_990_000:
                break
            parts.append(paragraph)
            text += len(paragraph) + 2
        paths["prose-at-cap.txt"] = folder / "prose-at-cap.txt"
        paths["prose-at-cap.txt"].write_text("\n\n".join(parts))
    return paths


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="one input by name")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        started = time.monotonic()
        inputs = make_inputs(folder)
        print(f"inputs made in {time.monotonic() - started:.0f} s\n")
        print("| input | size | seconds | idle MB | peak above idle, MB | outcome |\n|---|---|---|---|---|---|")
        for name, path in inputs.items():
            if args.only and name != args.only:
                continue
            script = MEASURE.format(root=str(ROOT), index=str(folder / f"index-{name}"), path=str(path))
            done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=3600)
            if done.returncode:
                print(f"| {name} | failed: {done.stderr.strip().splitlines()[-1]} |")
                continue
            seconds, idle, peak, report, reasons = done.stdout.strip().splitlines()[-1].split("\t", 4)
            outcome = report.split(";")[0] + (f" ({reasons.strip('| ')})" if reasons.strip("| ") else "")
            print(f"| {name} | {path.stat().st_size / 2**20:.1f} MB | {seconds} | {idle} | {peak} | {outcome} |")


if __name__ == "__main__":
    main()
