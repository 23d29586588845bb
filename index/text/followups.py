"""Follow-up questions in a thread: does a question lean on the one before it, and what to
search for it then.

"And what about Russia?", "Why?" or "When was that?" mean nothing alone: they lean on the
question before them. Such a question is read as itself followed by the telling words of the
question it follows (its "reading": what is searched, and what the bot shows as "Searched: …").
A question that stands alone ("Tell me about lung cancer.") is left as it is. Measured on TREC
CAsT's conversations (`verbatim eval conversations`, README "Threads").

Which questions lean: English ones by their words (a pronoun or a pointing word, an opening
"and"/"what about", no more than one telling word of their own); other languages by length
alone (at most one content word), as their pronouns are not listed here.
"""

import re
from collections.abc import Sequence

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
    "ok okay oh wow cool interesting great thanks thank hmm yes yeah no right sure really well alright nice "
    "awesome amazing intrigued fascinating good fine please sorry hi hello hey i'd i'm i've i'll heard hear "
    "asked ask wondering wonder curious interested friend like love want wanted know knew tell think thought "
    "remember guess mean maybe lot lots thing things stuff kind sort bit".split()
)
# A word tells enough to carry over when its weight (index/text/terms.py: 7 minus its Zipf
# frequency) reaches this: "nato" 3.0, "china" 1.8, "summit" 2.4, "say" 1.1, "tell" 1.3.
TELLING = 1.5
# A question with at most this many telling words of its own cannot stand alone.
SHORT = 1
# Carried over: at most this many telling words of the earlier question, and this many of its
# answer's sentence (the rarest). `verbatim eval conversations --part tune` (CAsT 2022, 130 turns;
# README "Threads"): 3 / 0 Recall@5 0.708, 4 / 1 0.738, 3 / 2 0.738 but a self-contained turn
# lost, 10 / 0 0.692; the answer's words lift Recall@5 but pull the answer already shown back
# to the top, so that passage is set aside (`set_aside`).
CARRIED = 4
ANSWERED = 1
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


def reading(question: str, earlier: str, language: str = DEFAULT, answer: str = "") -> str:
    """What to search for `question` asked after `earlier` (whose answer quoted `answer`):
    itself, then the earlier question's first telling words it does not already have, then the
    rarest word of the answer; the question alone when it stands alone or nothing is added.
    "And what about Russia?" after "What did NATO say about China?" puts Russia in China's
    place: the earlier question's last telling word (the thing asked about) is not carried."""
    question = question.strip()
    if not earlier.strip() or not leans(question, language):
        return question
    have = {terms.key(word, language) for word in terms.words(question, language)}
    carried = telling(earlier, language)
    if _substitutes(question, language) and len(carried) > 1:
        carried = carried[:-1]
    added = [word for word in carried if terms.key(word, language) not in have][:CARRIED]
    have |= {terms.key(word, language) for word in added}
    fresh = [word for word in telling(answer, language) if terms.key(word, language) not in have]
    added += sorted(fresh, key=lambda word: -terms.weight(word, language))[:ANSWERED]
    return f"{question} {' '.join(added)}" if added else question


def _substitutes(question: str, language: str) -> bool:
    """"And what about Russia?": the question names something new in the earlier one's place."""
    if language != "en" or not telling(question, language):
        return False
    return (" ".join(terms.words(question, language)) + " ").startswith(SUBSTITUTING)


def in_thread(question: str, earlier: str, answer: str = "") -> str:
    """`reading` in the question's language (the earlier question's, when it is too short to tell)."""
    return reading(question, earlier, detect(question, otherwise=detect(earlier)), answer)


def set_aside(hits: Sequence[Hit], shown: int | None) -> list[Hit]:
    """A follow-up's hits with the passage the earlier answer quoted (chunk `shown`) last: the
    user has read it and asks for more (CAsT: Recall@1 0.338 -> 0.377 on the tuning half)."""
    return [h for h in hits if h.chunk_id != shown] + [h for h in hits if h.chunk_id == shown]
