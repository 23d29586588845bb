"""A small cross-encoder "reader": how likely a sentence is to hold the answer to a question.

The bi-encoder embeds question and sentence apart, so it scores "on the topic" as high as
"answers it". A reader sees both at once. No cross-encoder ships offline, so this one is built
here from the packaged all-MiniLM-L6-v2: its lower layers are used as they ship, and its upper
layers plus a one-number head were fine-tuned by `benchmarks/train_reader.py` on the tuning
data (XQuAD's even articles and ESTER's train file). Only the tuned layers are stored
(`reader.safetensors` beside this file, fp16), so the file stays small.
"""

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from .packaged import model_path, offline_quietly

log = logging.getLogger(__name__)

WEIGHTS = Path(__file__).with_name("reader.safetensors")
BASE_MODEL = "all-MiniLM-L6-v2"
MAX_TOKENS = 128  # question + sentence; longer sentences are cut (their start matters most)
BATCH = 8  # pairs per forward pass (see `score`)


class Reader:
    """Scores (question, sentence) pairs; a higher score means likelier to answer."""

    def __init__(self, weights: Path | None = WEIGHTS, base: str = BASE_MODEL, layers: int | None = None) -> None:
        """Load the base model and the tuned layers; a reader trained on the first `layers`
        encoder layers only (a smaller, faster student) says so in its file's metadata."""
        offline_quietly()
        import torch
        from safetensors import safe_open
        from safetensors.torch import load_file
        from transformers import AutoModel, AutoTokenizer

        folder = model_path(base)
        self._torch = torch
        self.tokenizer = AutoTokenizer.from_pretrained(str(folder))
        self.encoder = AutoModel.from_pretrained(str(folder))
        if weights is not None:
            with safe_open(str(weights), "pt") as stored:
                layers = layers or int((stored.metadata() or {}).get("layers") or 0) or None
        if layers and layers < len(self.encoder.encoder.layer):
            self.encoder.encoder.layer = self.encoder.encoder.layer[:layers]
            self.encoder.config.num_hidden_layers = layers
        self.head = torch.nn.Linear(self.encoder.config.hidden_size, 1)
        if weights is not None:
            tuned = {k: v.float() for k, v in load_file(str(weights)).items()}
            head = {k.removeprefix("head."): tuned.pop(k) for k in list(tuned) if k.startswith("head.")}
            self.head.load_state_dict(head)
            missing = set(tuned) - set(self.encoder.state_dict())
            if missing:
                raise ValueError(f"{weights} does not fit {base}: {sorted(missing)[:3]}")
            self.encoder.load_state_dict(tuned, strict=False)
        self.encoder.eval()

    def forward(self, input_ids, attention_mask, token_type_ids):
        """Raw scores of tokenised pairs (what index/models/onnx_reader.py exports)."""
        hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                              token_type_ids=token_type_ids).last_hidden_state
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(1) / mask.sum(1)  # mean pooling, as the model was trained
        return self.head(pooled).squeeze(-1)

    def logits(self, question: str | Sequence[str], sentences: Sequence[str]):
        """Raw scores as a torch tensor (with gradients, unless called in inference mode)."""
        questions = [question] * len(sentences) if isinstance(question, str) else list(question)
        batch = self.tokenizer(questions, list(sentences), padding=True, truncation="longest_first",
                               max_length=MAX_TOKENS, return_tensors="pt")
        return self.forward(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"])

    def score(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        """Return one score per sentence, as a probability-like number in (0, 1)."""
        # A question's reading stays on one core: questions run side by side, one per core,
        # and spreading one over every core makes it wait for each of them on a busy machine.
        self._torch.set_num_threads(1)
        with self._torch.inference_mode():
            return by_length(sentences, lambda part: self.logits(question, part).numpy())


def by_length(sentences: Sequence[str], logits_of) -> np.ndarray:
    """Score sentences in batches of BATCH of similar length, as sigmoid(`logits_of(batch)`): a
    batch is as long as its longest pair, and a rerank's ~25 sentences padded to the longest
    cost half again (one core, XQuAD: 502 ms a question in one batch, 346 ms sorted in batches
    of 8; scores equal to 1e-6)."""
    out = np.empty(len(sentences), dtype=np.float32)
    order = sorted(range(len(sentences)), key=lambda i: len(sentences[i]))
    for start in range(0, len(order), BATCH):
        part = order[start : start + BATCH]
        out[part] = 1.0 / (1.0 + np.exp(-np.asarray(logits_of([sentences[i] for i in part]))))
    return out


class CachedReader:
    """Remember every (question, sentence) score: evaluation asks the same pairs of many indexes."""

    def __init__(self, inner: Reader) -> None:
        self.inner = inner
        self._scores: dict[tuple[str, str], float] = {}

    def score(self, question: str, sentences: Sequence[str]) -> np.ndarray:
        todo = list(dict.fromkeys(s for s in sentences if (question, s) not in self._scores))
        if todo:
            self._scores.update(((question, s), float(x)) for s, x in zip(todo, self.inner.score(question, todo)))
        return np.array([self._scores[question, s] for s in sentences], dtype=np.float32)
