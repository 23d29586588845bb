"""Measure follow-up questions on TREC CAsT-style conversations: each turn searched as typed
(raw), as the bot reads it in its thread (index/text/followups.py), and as a person rewrote
it to stand alone, side by side."""

import json
from dataclasses import dataclass
from pathlib import Path

from ..library import Library
from ..text import followups
from ..text.languages import detect
from ..types import SourceText
from .measures import half

READINGS = ("raw", "bot", "rewrite")


@dataclass(frozen=True)
class Turn:
    """One question of a conversation: as typed, as a person rewrote it, and its passage."""

    raw: str
    rewrite: str
    relevant: frozenset[str]  # empty when the file has no passage text (CAsT 2019/2020)

    @property
    def self_contained(self) -> bool:
        """The person's rewrite is the question itself: it needs no context."""
        return " ".join(self.raw.lower().split()) == " ".join(self.rewrite.lower().split())


def load_conversations(path: Path) -> tuple[list[SourceText], list[list[Turn]]]:
    """Read a CAsT topics file: 2022's (`utterance`, `manual_rewritten_utterance`, `response`:
    the responses are the documents, each turn's own response its answer) or 2020's
    (`raw_utterance`, no passage text: turns without answers). A turn repeated in several
    flattened branches with the same history is kept once."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    if not isinstance(data, list) or not all(isinstance(c, dict) and "turn" in c for c in data):
        raise ValueError(f"{path} is not a CAsT topics file (a JSON list of topics with 'turn' lists)")
    sources: dict[str, str] = {}
    conversations, seen = [], set()
    for topic in data:
        turns, history = [], []
        for turn in topic["turn"]:
            raw = turn.get("utterance", turn.get("raw_utterance", ""))
            response = " ".join((turn.get("response") or "").split())
            relevant = frozenset([sources.setdefault(response, f"cast:{len(sources)}")]) if response else frozenset()
            history.append(str(turn.get("number")))
            turns.append(Turn(raw.strip(), turn["manual_rewritten_utterance"].strip(), relevant))
        key = (topic.get("number"), tuple(history))
        if key not in seen:
            seen.add(key)
            conversations.append(turns)
    return [SourceText(source, "", text) for text, source in sources.items()], conversations


def part(conversations: list[list[Turn]], which: str) -> list[list[Turn]]:
    """Even-numbered conversations ("tune": constants were chosen on them), odd ("report"), or all."""
    return half(conversations, which)


def run(library: Library, conversations: list[list[Turn]], k: int = 5) -> dict:
    """Recall@1 and @k of each reading, on all turns, turns that lean on earlier ones (the
    rewrite differs) and self-contained turns. A turn repeated by several branches counts once."""
    rows: dict[tuple, dict[str, tuple[str, ...]]] = {}
    for turns in conversations:
        earlier, answer, shown = "", "", None
        for number, turn in enumerate(turns):
            read = followups.reading(turn.raw, earlier, detect(turn.raw), answer)
            ranked = {}
            for name, text in zip(READINGS, (turn.raw, read, turn.rewrite)):
                hits = library.rank(text, k, typed=turn.raw if name == "bot" else None)
                if name == "bot" and read != turn.raw:  # as the bot shows a follow-up's answer
                    hits = followups.set_aside(hits, shown)
                ranked[name] = tuple(dict.fromkeys(hit.document.source for hit in hits))
                if name == "bot":
                    answer = followups.thread_answer(hits)
                    shown = hits[0].chunk_id if hits else None
            earlier = read  # a reply to this answer follows the question as it was searched
            key = tuple((t.raw, t.relevant) for t in turns[: number + 1])
            rows[key] = {"turn": turn, "changed": read != turn.raw, **ranked}
    out = {}
    for subset, keep in (("all", lambda t: True), ("follow-ups", lambda t: not t.self_contained),
                         ("self-contained", lambda t: t.self_contained)):
        chosen = [row for row in rows.values() if row["turn"].relevant and keep(row["turn"])]
        out[subset] = {"turns": len(chosen), "read in thread": sum(row["changed"] for row in chosen), **{
            f"{name} R@{n}": _recall(chosen, name, n) for name in READINGS for n in (1, k)}}
    return out


def _recall(rows: list[dict], name: str, n: int) -> float:
    if not rows:
        return 0.0
    return sum(bool(set(row[name][:n]) & row["turn"].relevant) for row in rows) / len(rows)
