"""Follow-up questions in a thread: does a question lean on the one before it, and what to
search for it then.

"And what about Russia?", "Why?" or "When was that?" mean nothing alone: they lean on the
question before them. Such a question, or one that replies to the earlier answer and goes on
with its subject, is read as itself followed by a few words of its thread: of the earlier
question as it was searched and of the answer's first quotes, as a small learnt model chooses
them (`chosen`, followups.json, trained by benchmarks/train_followups.py on TREC CAsT rewrites).
That reading is what is searched and what the bot shows as "Searched: …". A question that stands
alone ("Tell me about lung cancer.") is left as it is. Measured by `verbatim eval conversations`
(docs/measured.md, "Threads").

Which questions lean: English ones by their words (a pronoun or a pointing word, an opening
"and"/"what about", no more than one telling word of their own); other languages by length
alone (at most one content word), as their pronouns are not listed here.
"""

import functools
import json
import math
import re
from collections import Counter
from collections.abc import Sequence
from pathlib import Path

from . import terms
from ..types import Hit
from .languages import DEFAULT, detect

# Words that point back at something said before.
POINTING = frozenset(
    "it its it's itself they them their theirs themselves this that these those he him his she her hers "
    "there then such former latter same one ones".split()
)
# Openings that continue the question before: "And …?", "What about …?", "So why …?".
OPENINGS = ("and ", "but ", "so ", "also ", "what about ", "how about ", "and what about ", "what else",
            "tell me more", "more about", "anything else")
# Talk around a question, not what it is about: "Okay. Interesting! I heard that …".
CHATTER = frozenset(
    "ok okay oh wow cool interesting great thanks thank hmm um umm uh er erm ah yes yeah no right sure really well alright nice "
    "awesome amazing intrigued fascinating good fine please sorry hi hello hey i'd i'm i've i'll heard hear "
    "asked ask wondering wonder curious interested friend like love want wanted know knew tell think thought "
    "remember guess mean maybe lot lots thing things stuff kind sort bit".split()
)
# A word tells enough to carry over when its weight (index/text/terms.py: 7 minus its Zipf
# frequency) reaches this: "nato" 3.0, "china" 1.8, "summit" 2.4, "say" 1.1, "tell" 1.3.
TELLING = 1.5
# A question with at most this many telling words of its own cannot stand alone.
SHORT = 1
# A reply that could stand alone goes on with its thread when it shares a word with it and names
# at most this many things of its own; one that names more has its own subject and is searched
# as typed ("What happens when corals die and the carbon falls into the ocean?"). CAsT 2022, tuning
# half: self-contained turns read in their thread 6 -> 4 of 14, follow-ups' Recall@5 0.793 -> 0.784.
OWN_SUBJECT = 3
# The earlier question's first telling words (the things it asks about come first).
CARRIED = 4
# What the learnt choice weighs for each word of the thread (`candidates`), in this order.
FEATURES = ("bias", "in earlier question", "among its first", "in the answer", "log(1 + count in the answer)",
            "rarity", "capitalised", "own telling words", "question leans", "in the first quote",
            "share of quotes holding it")
BETWEEN_QUOTES = "\n\n"  # between an answer's quotes, as a follow-up reads them (the first has the bold)
SHOWN = 3  # quotes of an answer a follow-up reads (a page of them)
MODEL = Path(__file__).with_name("followups.json")
_CAPITALISED = re.compile(r"(?<![.!?]\s)(?<!^)\b[A-Z][^\W_]+")
SUBSTITUTING = ("and ", "what about ", "how about ", "and what about ", "and how about ")


def telling(text: str, language: str = DEFAULT) -> list[str]:
    """The words of a text that say what it is about, in order, each once (by key)."""
    out, seen = [], set()
    for word in terms.content(text, language):
        found = terms.key(word, language)
        if found not in seen and terms.weight(word, language) >= TELLING and word not in CHATTER:
            seen.add(found)
            out.append(word)
    return out


def leans(question: str, language: str = DEFAULT) -> bool:
    """Whether a question needs the one before it to be understood."""
    own = telling(question, language)
    if len(own) <= SHORT:
        return True
    if language != "en":
        return False
    lowered = " ".join(terms.words(question, language)) + " "
    return lowered.startswith(OPENINGS) or any(re.split("['’]", word)[0] in POINTING
                                               for word in terms.words(question, language))


def reading(question: str, earlier: str, language: str = DEFAULT, answer: str = "", replying: bool = True) -> str:
    """What to search for `question` asked after `earlier` (whose answer quoted `answer`):
    itself, then the words of the earlier question and of its answer that the learnt choice
    (`chosen`) keeps; the question alone when nothing is kept. A question that replies to the
    earlier one is in its thread by the user's choice, and the choice weighs whether it leans;
    one that merely comes soon after (not `replying`) is read in a thread only when it leans."""
    question = question.strip()
    in_thread = leans(question, language) or replying and _goes_on(question, earlier, answer, language)
    if not earlier.strip() or not in_thread:
        return question
    added = chosen(question, earlier, answer, language)
    return f"{question} {' '.join(added)}" if added else question


def _goes_on(question: str, earlier: str, answer: str, language: str) -> bool:
    """Whether a question that could stand alone goes on with its thread ("How much does the
    bigger one cost?"): it says something the thread said, and names too little of its own to
    have its own subject (not "How do bees make wax?", nor "Tell me about the culture of Buenos
    Aires and its tango.")."""
    own = {terms.key(word, language) for word in telling(question, language)}
    thread = {terms.key(word, language) for word in telling(f"{earlier} {answer}", language)}
    return bool(own & thread) and len(own) < OWN_SUBJECT


def candidates(question: str, earlier: str, answer: str, language: str = DEFAULT) -> list[tuple[str, list[float]]]:
    """The words a follow-up could take from its thread (the earlier question's and its answer's
    telling words it does not have), each with what the choice weighs (`FEATURES`). `answer`
    holds the answer's first quotes, BETWEEN_QUOTES apart: a word most of them hold is the topic.
    "And what about Russia?" after "What did NATO say about China?" puts Russia in China's
    place: the earlier question's last telling word (the thing asked about) is no candidate."""
    have = {terms.key(word, language) for word in terms.words(question, language)}
    asked, said = telling(earlier, language), telling(answer, language)
    asked_keys = [terms.key(word, language) for word in asked]
    if _substitutes(question, language) and len(asked_keys) > 1:
        have.add(asked_keys[-1])
    said_counts = Counter(terms.key(word, language) for word in terms.content(answer, language))
    quotes = [terms.keys(quote, language) for quote in answer.split(BETWEEN_QUOTES) if quote.strip()] or [set()]
    capitals = {terms.key(word.lower(), language) for word in _CAPITALISED.findall(f"{earlier} {answer}")}
    own, leaning = min(len(telling(question, language)), 3) / 3, float(leans(question, language))
    out, seen = [], set(have)
    for word in asked + said:
        found = terms.key(word, language)
        if found in seen:
            continue
        seen.add(found)
        position = asked_keys.index(found) if found in asked_keys else -1
        out.append((word, [1.0, float(position >= 0), float(0 <= position < CARRIED), float(found in said_counts),
                           math.log1p(said_counts[found]), terms.weight(word, language) / 7, float(found in capitals),
                           own, leaning, float(found in quotes[0]), sum(found in quote for quote in quotes) / len(quotes)]))
    return out


def chosen(question: str, earlier: str, answer: str, language: str = DEFAULT) -> list[str]:
    """The thread's words a follow-up takes: those the learnt model (`followups.json`, trained on
    TREC CAsT rewrites by benchmarks/train_followups.py) deems a person rewriting it would add,
    at most `most` of them, the earlier question's first."""
    model = _model()
    scored = [(word, sum(w * x for w, x in zip(model["weights"], features)), order)
              for order, (word, features) in enumerate(candidates(question, earlier, answer, language))]
    kept = sorted((s for s in scored if s[1] >= model["threshold"]), key=lambda s: -s[1])[: model["most"]]
    return [word for word, _, _ in sorted(kept, key=lambda s: s[2])]  # in the thread's order


@functools.cache
def _model() -> dict:
    model = json.loads(MODEL.read_text(encoding="utf-8"))
    if model["features"] != list(FEATURES):
        raise RuntimeError(f"{MODEL} was trained on other features: run benchmarks/train_followups.py")
    return model


def _substitutes(question: str, language: str) -> bool:
    """"And what about Russia?": the question names something new in the earlier one's place."""
    if language != "en" or not telling(question, language):
        return False
    return (" ".join(terms.words(question, language)) + " ").startswith(SUBSTITUTING)


def in_thread(question: str, earlier: str, answer: str = "", replying: bool = True) -> str:
    """`reading` in the question's language (the earlier question's, when it is too short to tell)."""
    return reading(question, earlier, detect(question, otherwise=detect(earlier)), answer, replying)


def thread_answer(hits: Sequence[Hit]) -> str:
    """What a follow-up reads of an answer: its first SHOWN quotes, BETWEEN_QUOTES apart."""
    return BETWEEN_QUOTES.join(hit.quote.text for hit in hits[:SHOWN])


def set_aside(hits: Sequence[Hit], shown: int | None) -> list[Hit]:
    """A follow-up's hits with the passage the earlier answer quoted (chunk `shown`) last: the
    user has read it and asks for more (CAsT: Recall@1 0.338 -> 0.377 on the tuning half)."""
    return [h for h in hits if h.chunk_id != shown] + [h for h in hits if h.chunk_id == shown]
