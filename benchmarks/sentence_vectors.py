"""One pass instead of two at ingest, measured and not shipped: sentence vectors read in their
chunk, or chunk vectors put together from sentences read alone, against what ships (every chunk
and every sentence embedded on its own).

Usage: python benchmarks/sentence_vectors.py [--shared ../shared]

Ingest embeds every chunk and, again, every sentence (the bold sentence, the rerank, summaries
and "not found" read sentence vectors): about twice the tokens of the chunks alone. Two ways to
read each text once, both from the packaged model's token output states:
- sentences read in their chunk: a sentence's vector is the mean of its tokens' states in the
  chunk's pass, less a share of the chunk's own vector (the topic every sentence shares);
- chunks from sentences read alone: a chunk's vector is the mean of the token states of its
  title and its sentences, each read on its own.
Figures per data set (XQuAD tuning and report halves, ESTER dev):
- "answer sentence": within the gold passage, the sentence closest to the question holds an
  answer (questions whose passage has one);
- "AUC": the best sentence's cosine in the gold passage against that in the closest wrong one
  (by chunk cosine), which is what "not found" leans on;
- "dense Recall@1": the closest chunk belongs to the gold passage.
"""

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from index.sources import indexing  # noqa: E402
from index.models.embedding import DEFAULT_MODEL, load_embedder, model_path, offline_quietly  # noqa: E402
from index.evaluation.measures import load_ester, load_squad, squad_part  # noqa: E402

SHARES = (0.0, 0.5)


class States:
    """The packaged model's token output states and character offsets (torch, fp32)."""

    def __init__(self) -> None:
        offline_quietly()
        import torch
        from transformers import AutoModel, AutoTokenizer

        self.torch = torch
        folder = str(model_path(DEFAULT_MODEL))
        self.tokenizer, self.model = AutoTokenizer.from_pretrained(folder), AutoModel.from_pretrained(folder).eval()

    def __call__(self, texts: list[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per text: its tokens' states and (start, end) offsets, (0, 0) for [CLS] and [SEP]."""
        out = []
        for start in range(0, len(texts), 32):
            batch = self.tokenizer(texts[start : start + 32], padding=True, truncation=True, max_length=256,
                                   return_offsets_mapping=True, return_tensors="pt")
            offsets = batch.pop("offset_mapping").numpy()
            with self.torch.inference_mode():
                states = self.model(**batch).last_hidden_state.numpy()
            for state, offset, mask in zip(states, offsets, batch["attention_mask"].numpy().astype(bool)):
                out.append((state[mask], offset[mask]))
        return out


def normalised(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=-1, keepdims=True)


def passages(documents, embedder, states: States) -> dict[str, dict]:
    """Per passage: sentence texts, their vectors each way, the chunks' vectors each way."""
    out = {}
    for source in documents:
        pending = indexing.prepare(indexing.document(source), "", embedder, 128)
        text, title = pending.doc.text, pending.doc.title
        homes, seen = [], set()
        for start, end, _ in pending.chunks:  # each sentence read in the first chunk holding it
            homes.append([(s, e) for s, e in pending.sentences if start <= s and e <= end and (s, e) not in seen])
            seen.update(homes[-1])
        read = states([chunk for *_, chunk in pending.chunks])
        in_chunk, context = [], []
        for (start, *_), spans, (state, offsets) in zip(pending.chunks, homes, read):
            whole = normalised(state.mean(0))
            for s, e in spans:
                a, b = s - start + len(title) + 1, e - start + len(title) + 1  # embed_input: title, newline, chunk
                inside = (offsets[:, 1] > offsets[:, 0]) & (offsets[:, 0] >= a) & (offsets[:, 1] <= b)
                in_chunk.append(normalised(state[inside].mean(0)))
                context.append(whole)
        order = [span for spans in homes for span in spans]
        alone = states([title] + [text[s:e] for s, e in order])
        sums = {span: (st.sum(0), len(st)) for span, (st, _) in zip(order, alone[1:])}
        assembled = []
        for start, end, _ in pending.chunks:  # title and sentences read alone, token states pooled
            mine = [sums[span] for span in pending.sentences if start <= span[0] and span[1] <= end]
            total = alone[0][0].sum(0) + sum(v for v, _ in mine)
            assembled.append(normalised(total / (len(alone[0][0]) + sum(n for _, n in mine))))
        out[source.source] = {
            "texts": [text[s:e] for s, e in order], "alone": embedder.embed([text[s:e] for s, e in order]),
            "in_chunk": np.array(in_chunk), "context": np.array(context),
            "chunks": embedder.embed([chunk for *_, chunk in pending.chunks]), "assembled": np.array(assembled)}
    return out


def measure(name: str, documents, questions, embedder, states: States) -> None:
    found = passages(documents, embedder, states)
    asked = embedder.embed([q.text for q in questions])
    kinds = {"alone (shipped)": lambda p: p["alone"]} | {
        f"read in the chunk, less {share} of it": (lambda share: lambda p: normalised(
            p["in_chunk"] - share * p["context"]))(share) for share in SHARES}
    for kind, vectors in kinds.items():
        right = answerable = 0
        gold_best, wrong_best = [], []
        for question, query in zip(questions, asked):
            source = next(iter(question.relevant))
            wrong = max((s for s in found if s != source), key=lambda s: float((found[s]["chunks"] @ query).max()))
            cosines = vectors(found[source]) @ query
            gold_best.append(cosines.max())
            wrong_best.append((vectors(found[wrong]) @ query).max())
            holds = [any(a in t for a in question.answers) for t in found[source]["texts"]]
            if any(holds):
                answerable += 1
                right += holds[int(np.argmax(cosines))]
        auc = float((np.array(gold_best)[:, None] > np.array(wrong_best)[None, :]).mean())
        print(f"| {name} | sentences {kind} | answer sentence {right / max(1, answerable):.3f} | AUC {auc:.4f} |")
    owners = [s for s, p in found.items() for _ in p["chunks"]]
    for kind in ("chunks", "assembled"):
        matrix = np.concatenate([p[kind] for p in found.values()])
        top = (asked @ matrix.T).argmax(1)
        recall = np.mean([owners[i] in q.relevant for i, q in zip(top, questions)])
        label = "read whole (shipped)" if kind == "chunks" else "put together from sentences read alone"
        print(f"| {name} | chunks {label} | dense Recall@1 {recall:.3f} | |", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = parser.parse_args()
    embedder, states = load_embedder(), States()
    squad = load_squad(args.shared / "eval/xquad_en/xquad.en.json")
    sets = {"XQuAD tuning half": squad_part(*squad, "tune"), "XQuAD report half": squad_part(*squad, "report"),
            "ESTER dev": load_ester(args.shared / "eval/ester_news_dev/final_dev_ans_gen.json")}
    print("| data | vectors | figure | figure |\n|---|---|---|---|")
    for name, (documents, questions) in sets.items():
        measure(name, documents, questions, embedder, states)


if __name__ == "__main__":
    main()
