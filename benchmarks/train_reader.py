"""Train the reader (index/reader.py) from the packaged all-MiniLM-L6-v2 on the tuning data.

Usage: python benchmarks/train_reader.py [--shared ../shared] [--out index/reader.safetensors]
       [--fold 0|1] [--epochs 2]

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
from index.chunking import split_sentences  # noqa: E402
from index.embedding import load_embedder  # noqa: E402
from index.evaluation import load_ester, load_squad, squad_part  # noqa: E402
from index.reader import WEIGHTS, Reader  # noqa: E402

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


def train(groups, epochs: int, seed: int = 0) -> Reader:
    """Listwise (the answering sentences first among their group, softmax) plus binary
    cross-entropy, so that scores also mean something across groups (the confidence uses them)."""
    torch.manual_seed(seed)
    reader = Reader(weights=None)
    encoder = reader.encoder
    for name, parameter in encoder.named_parameters():
        layer = name.split("encoder.layer.")[1].split(".")[0] if "encoder.layer." in name else None
        parameter.requires_grad = layer is not None and int(layer) >= FROZEN
    trainable = [p for p in encoder.parameters() if p.requires_grad]
    optimiser = torch.optim.AdamW([{"params": trainable, "lr": LEARNING_RATE},
                                   {"params": reader.head.parameters(), "lr": 1e-3}], weight_decay=0.01)
    steps = epochs * -(-len(groups) // GROUPS_PER_STEP)
    schedule = torch.optim.lr_scheduler.OneCycleLR(optimiser, max_lr=[LEARNING_RATE, 1e-3],
                                                   total_steps=steps, pct_start=0.1)
    bce = torch.nn.BCEWithLogitsLoss()
    rng = random.Random(seed)
    encoder.train()
    started, step = time.perf_counter(), 0
    for epoch in range(epochs):
        rng.shuffle(groups)
        for start in range(0, len(groups), GROUPS_PER_STEP):
            batch = groups[start : start + GROUPS_PER_STEP]
            questions = [q for q, sentences, _ in batch for _ in sentences]
            logits = reader.logits(questions, [s for _, sentences, _ in batch for s in sentences])
            labels = torch.tensor([y for *_, ys in batch for y in ys])
            loss, at = BCE_SHARE * bce(logits, labels), 0
            for _, sentences, ys in batch:
                part, gold = logits[at : at + len(sentences)], labels[at : at + len(sentences)]
                at += len(sentences)
                # -log of the probability mass on the answering sentences
                loss = loss + (torch.logsumexp(part, 0) - torch.logsumexp(part[gold > 0], 0)) / len(batch)
            loss.backward()
            optimiser.step()
            schedule.step()
            optimiser.zero_grad()
            step += 1
            if step % 25 == 0:
                print(f"epoch {epoch} step {step}/{steps} loss {loss.item():.3f} "
                      f"{time.perf_counter() - started:.0f}s", file=sys.stderr)
    encoder.eval()
    return reader


def save(reader: Reader, path: Path, about: str) -> None:
    tuned = {k: v.detach().half().contiguous() for k, v in reader.encoder.state_dict().items()
             if "encoder.layer." in k and int(k.split("encoder.layer.")[1].split(".")[0]) >= FROZEN}
    tuned |= {f"head.{k}": v.detach().half().contiguous() for k, v in reader.head.state_dict().items()}
    save_file(tuned, str(path), metadata={"base": "all-MiniLM-L6-v2", "about": about})
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=Path(__file__).resolve().parents[2] / "shared")
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    parser.add_argument("--fold", type=int, choices=(0, 1), help="train on one half of the tuning questions")
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--context", action="store_true",
                        help="read each sentence with the one before it (an experiment; not what index/reader.py reads)")
    args = parser.parse_args()
    torch.set_num_threads(2)
    embedder = load_embedder()
    tune, held = tuning_and_held_out(args.shared)
    rng = random.Random(0)
    groups = []
    for documents, questions in tune:
        chosen = [q for q in questions if args.fold is None or fold_of(q) == args.fold]
        groups += examples(documents, chosen, embedder, rng, args.context)
    print(f"{len(groups)} questions, {sum(len(g[1]) for g in groups)} sentences", file=sys.stderr)
    reader = train(groups, args.epochs)
    save(reader, args.out, f"trained by benchmarks/train_reader.py, fold {args.fold}, epochs {args.epochs}")
    if args.fold is None:  # a fold's reader only scores the other fold, for fit_confidence.py
        held_out(reader, embedder, held, args.context)


if __name__ == "__main__":
    main()
