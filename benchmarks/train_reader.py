"""Train the reader (index/models/reader.py) from the packaged all-MiniLM-L6-v2 on the tuning data.

Usage: python benchmarks/train_reader.py [--shared ../shared] [--out index/models/reader.safetensors]
       [--fold 0|1] [--epochs 2] [--recipe xquad-ester|squad] [--layers N] [--checkpoint DIR]

`--recipe squad` (issue #20) adds SQuAD v1.1 train, "answer sentence taken out" passages and SQuAD
2.0 unanswerable questions to the tuning data (benchmarks/reader_data.py prints the recipe);
`--layers N` trains a reader on the packaged model's first N layers only (a smaller student);
`--checkpoint DIR` saves the state every `--save-every` steps and resumes from it when run again.

Examples: for every tuning question (XQuAD's even articles, ESTER train), each sentence of its
passage, labelled 1 when it holds a gold answer, and sentences from the two other passages the
packaged embedder finds closest to the question (hard negatives), labelled 0. The lower
FROZEN layers stay as they ship; the upper layers and a linear head learn to put the answering
sentence first in its group (listwise) and to score it high on its own (binary cross-entropy). `--fold` trains on half of the tuning questions (by passage) so that
benchmarks/fit_confidence.py can fit on reader scores the reader never trained on.
Held-out figures (XQuAD odd articles, ESTER dev) are printed at the end: the share of
questions whose best-scored sentence in the gold passage holds the answer, against cosine.
"""

import argparse
import random
import sys
import time
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import save_file

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from index.text.chunking import split_sentences  # noqa: E402
from index.models.embedding import load_embedder  # noqa: E402
from index.evaluation.measures import load_ester, load_squad, squad_part  # noqa: E402
from index.models.reader import WEIGHTS, Reader  # noqa: E402
from reader_data import SQUAD_DIR, describe, held_out_articles, read, recipe, swapped_groups  # noqa: E402

FROZEN = 1  # encoder layers kept as shipped
NEGATIVE_PASSAGES = 2
NEGATIVE_SENTENCES = 3  # sampled from those passages per question
GROUPS_PER_STEP = 4
LEARNING_RATE = 5e-5
BCE_SHARE = 0.5


def tuning_and_held_out(shared: Path) -> tuple[list, list]:
    squad = load_squad(shared / "eval/xquad_en/xquad.en.json")
    ester = shared / "eval/ester_news_dev"
    tune = [squad_part(*squad, "tune"), load_ester(ester / "final_train_ans_gen_500completed.json")]
    held = [squad_part(*squad, "report"), load_ester(ester / "final_dev_ans_gen.json")]
    return tune, held


def sentences_of(text: str) -> list[str]:
    return [text[a:b] for a, b in split_sentences(text)] or [text]


def read_as(sentences: list[str], context: bool) -> list[str]:
    """What the reader reads for each sentence: the sentence, and with `context` (--context) the
    sentence before it after a separator (cut first when too long)."""
    if not context:
        return sentences
    return [s if i == 0 else f"{s} [SEP] {sentences[i - 1]}" for i, s in enumerate(sentences)]


def holds_answer(sentence: str, answers) -> bool:
    return any(a.lower() in sentence.lower() for a in answers)


def examples(documents, questions, embedder, rng: random.Random,
             context: bool = False) -> list[tuple[str, list[str], list[float]]]:
    """One group per question: its passage's sentences (1 when it holds a gold answer) and a few
    sentences from the closest other passages (0); questions whose answer no sentence holds
    whole are left out."""
    texts = {d.source: d.text for d in documents}
    sources = list(texts)
    passages = embedder.embed([texts[s] for s in sources])
    asked = embedder.embed([q.text for q in questions])
    groups = []
    for question, vector in zip(questions, asked):
        gold = next(iter(question.relevant))
        own = sentences_of(texts[gold])
        labels = [float(holds_answer(s, question.answers)) for s in own]
        if not any(labels):
            continue
        order = np.argsort(-(passages @ vector))
        others = [sources[i] for i in order if sources[i] != gold][:NEGATIVE_PASSAGES]
        pool = [read for split in (sentences_of(texts[o]) for o in others)
                for s, read in zip(split, read_as(split, context)) if not holds_answer(s, question.answers)]
        negatives = rng.sample(pool, min(NEGATIVE_SENTENCES, len(pool)))
        groups.append((question.text, read_as(own, context) + negatives, labels + [0.0] * len(negatives)))
    return groups


def fold_of(question) -> int:
    """Half the passages (and so their questions) by a stable hash of their source."""
    return sum(map(ord, next(iter(question.relevant)))) % 2


def train(groups, epochs: int, seed: int = 0, layers: int | None = None, checkpoint: Path | None = None,
          save_every: int = 200, init: Path | None = None) -> Reader:
    """Listwise (the answering sentences first among their group, softmax; groups with no
    answering sentence have no listwise term) plus binary cross-entropy, so that scores also
    mean something across groups (the confidence uses them). With `checkpoint`, resumable: the
    order of each epoch follows from the seed, so a resumed run sees what it would have seen."""
    torch.manual_seed(seed)
    reader = Reader(weights=init, layers=layers)  # init: go on from a trained reader
    encoder = reader.encoder
    for name, parameter in encoder.named_parameters():
        layer = name.split("encoder.layer.")[1].split(".")[0] if "encoder.layer." in name else None
        parameter.requires_grad = layer is not None and int(layer) >= FROZEN
    trainable = [p for p in encoder.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW([{"params": trainable, "lr": LEARNING_RATE},
                                   {"params": reader.head.parameters(), "lr": 1e-3}], weight_decay=0.01)
    per_epoch = -(-len(groups) // GROUPS_PER_STEP)
    steps = epochs * per_epoch
    if steps == 0:  # the untrained reader, as the seed makes it
        encoder.eval()
        return reader
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=[LEARNING_RATE, 1e-3],
                                                   total_steps=steps, pct_start=0.1)
    state_file = checkpoint / "state.pt" if checkpoint else None
    step = 0
    if state_file and state_file.exists():
        state = torch.load(state_file, weights_only=False)
        encoder.load_state_dict(state["encoder"])
        reader.head.load_state_dict(state["head"])
        optimiser.load_state_dict(state["optimiser"])
        schedule.load_state_dict(state["schedule"])
        step = state["step"]
        print(f"resumed at step {step}/{steps}", file=sys.stderr)
    bce = torch.nn.BCEWithLogitsLoss()
    encoder.train()
    started = time.perf_counter()
    while step < steps:
        epoch, at_step = divmod(step, per_epoch)
        order = list(range(len(groups)))
        random.Random(seed * 1000 + epoch).shuffle(order)
        batch = [groups[i] for i in order[at_step * GROUPS_PER_STEP : (at_step + 1) * GROUPS_PER_STEP]]
        loss = _loss(reader, batch, bce)
        loss.backward()
        optimiser.step()
        schedule.step()
        optimiser.zero_grad()
        step += 1
        if step % 25 == 0:
            print(f"epoch {epoch} step {step}/{steps} loss {loss.item():.3f} "
                  f"{time.perf_counter() - started:.0f}s", file=sys.stderr)
        if state_file and (step % save_every == 0 or step == steps):
            checkpoint.mkdir(parents=True, exist_ok=True)
            torch.save({"encoder": encoder.state_dict(), "head": reader.head.state_dict(),
                        "optimiser": optimiser.state_dict(), "schedule": schedule.state_dict(), "step": step},
                       state_file.with_suffix(".tmp"))
            state_file.with_suffix(".tmp").replace(state_file)  # a kill mid-write keeps the last one
    encoder.eval()
    return reader


def _loss(reader: Reader, batch, bce):
    questions = [q for q, sentences, _ in batch for _ in sentences]
    logits = reader.logits(questions, [s for _, sentences, _ in batch for s in sentences])
    labels = torch.tensor([y for *_, ys in batch for y in ys])
    loss, at = BCE_SHARE * bce(logits, labels), 0
    for _, sentences, ys in batch:
        part, gold = logits[at : at + len(sentences)], labels[at : at + len(sentences)]
        at += len(sentences)
        if gold.any():  # -log of the probability mass on the answering sentences
            loss = loss + (torch.logsumexp(part, 0) - torch.logsumexp(part[gold > 0], 0)) / len(batch)
    return loss


def save(reader: Reader, path: Path, about: str) -> None:
    tuned = {k: v.detach().half().contiguous() for k, v in reader.encoder.state_dict().items()
             if "encoder.layer." in k and int(k.split("encoder.layer.")[1].split(".")[0]) >= FROZEN}
    tuned |= {f"head.{k}": v.detach().half().contiguous() for k, v in reader.head.state_dict().items()}
    layers = str(len(reader.encoder.encoder.layer))
    save_file(tuned, str(path), metadata={"base": "all-MiniLM-L6-v2", "about": about, "layers": layers})
    print(f"wrote {path} ({path.stat().st_size / 1e6:.1f} MB)")


def held_out(reader: Reader, embedder, datasets, context: bool = False) -> None:
    """Sentence choice inside the gold passage: reader against the packaged model's cosine."""
    for name, (documents, questions) in zip(("xquad-report", "ester-dev"), datasets):
        texts = {d.source: d.text for d in documents}
        by_reader = by_cosine = 0
        for question in questions:
            sentences = sentences_of(texts[next(iter(question.relevant))])
            scores = reader.score(question.text, read_as(sentences, context))
            cosines = embedder.embed(sentences) @ embedder.embed([question.text])[0]
            by_reader += holds_answer(sentences[int(np.argmax(scores))], question.answers)
            by_cosine += holds_answer(sentences[int(np.argmax(cosines))], question.answers)
        n = len(questions)
        print(f"{name}: best sentence holds the answer: reader {by_reader / n:.3f}, cosine {by_cosine / n:.3f}")


def unanswerable(reader: Reader, articles: list[dict]) -> None:
    """How well the reader alone tells SQuAD 2.0's unanswerable questions from the answerable
    ones, each against its own paragraph (every second question of the held-out articles): the
    area under the ROC curve of the best sentence's score, and the share of unanswerables below
    the score that keeps 90% of answerable questions above it."""
    best = {True: [], False: []}
    for article in articles:
        for paragraph in article["paragraphs"]:
            sentences = sentences_of(paragraph["context"])
            for qa in paragraph["qas"][::2]:
                best[bool(qa.get("is_impossible"))].append(float(np.max(reader.score(qa["question"], sentences))))
    yes, no = np.array(best[False]), np.array(best[True])
    auc = float((no[:, None] < yes[None, :]).mean() + 0.5 * (no[:, None] == yes[None, :]).mean())
    cut = float(np.quantile(yes, 0.10))
    print(f"squad 2.0 held-out: {len(yes)} answerable, {len(no)} unanswerable: AUC {auc:.3f}, "
          f"unanswerable below the 90%-answered cut {float((no < cut).mean()):.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    parser.add_argument("--fold", type=int, choices=(0, 1), help="train on one half of the tuning questions")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--recipe", choices=("xquad-ester", "squad"), default="xquad-ester",
                        help="squad: add SQuAD train, answer-removed passages and SQuAD 2.0 unanswerables")
    parser.add_argument("--squad-questions", type=int, default=16_000, help="SQuAD v1.1 questions sampled")
    parser.add_argument("--removed-share", type=float, default=0.25,
                        help="share of them also asked of their passage with the answer sentence taken out")
    parser.add_argument("--layers", type=int, help="train on the packaged model's first N layers (a student)")
    parser.add_argument("--checkpoint", type=Path, help="save the state here and resume from it")
    parser.add_argument("--save-every", type=int, default=200, help="steps between checkpoints")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--init", type=Path, help="start from these reader weights (a second stage)")
    parser.add_argument("--squad-share", type=float, default=1.0,
                        help="keep this share of the squad recipe's groups, sampled (a second stage's mix)")
    parser.add_argument("--context", action="store_true",
                        help="read each sentence with the one before it (an experiment; not what index/models/reader.py reads)")
    parser.add_argument("--swapped", type=int, default=0,
                        help="add this many SQuAD v1.1 questions made unanswerable by one swapped word, with their originals")
    parser.add_argument("--evaluate", action="store_true", help="train nothing: print the --init reader's held-out figures")
    args = parser.parse_args()
    torch.set_num_threads(2)
    embedder = load_embedder()
    tune, held = tuning_and_held_out(args.shared)
    if args.evaluate:
        reader = Reader(weights=args.init or WEIGHTS)
        held_out(reader, embedder, held, args.context)
        unanswerable(reader, held_out_articles(args.shared))
        return
    rng = random.Random(args.seed)
    groups = []
    for documents, questions in tune:
        chosen = [q for q in questions if args.fold is None or fold_of(q) == args.fold]
        groups += examples(documents, chosen, embedder, rng, args.context)
    print(f"xquad tune + ester train: {len(groups)} questions, {sum(len(g[1]) for g in groups)} sentences",
          file=sys.stderr)
    if args.recipe == "squad":
        added = recipe(args.shared, args.squad_questions, args.removed_share, args.seed)
        print(describe(added), file=sys.stderr)
        extra = [group for part in added.values() for group in part]
        groups += random.Random(args.seed).sample(extra, round(args.squad_share * len(extra)))
    if args.swapped:
        train_articles = read(args.shared / SQUAD_DIR / "squad-v1.1-train.json.gz")
        swapped = list(swapped_groups(train_articles, args.swapped, random.Random(args.seed + 7)))
        print(f"swapped-word pairs: {len(swapped):,} groups", file=sys.stderr)
        groups += swapped
    print(f"{len(groups):,} groups", file=sys.stderr)
    reader = train(groups, args.epochs, args.seed, args.layers, args.checkpoint, args.save_every, args.init)
    save(reader, args.out, f"trained by benchmarks/train_reader.py, recipe {args.recipe}, fold {args.fold}, "
                           f"epochs {args.epochs}, layers {args.layers or 6}, seed {args.seed}, "
                           f"squad share {args.squad_share}, from {args.init.name if args.init else 'the packaged model'}")
    if args.fold is None:  # a fold's reader only scores the other fold, for fit_confidence.py
        held_out(reader, embedder, held, args.context)
        unanswerable(reader, held_out_articles(args.shared))


if __name__ == "__main__":
    main()
