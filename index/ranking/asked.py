"""What kind of answer a question asks for (an amount, a date, a person...), from its question words
in English and in the languages the bot speaks, and whether a sentence supplies it: it holds a
thing of that kind (index/text/entities.py) that the question does not already name.

A careful reader of "How much did NATO pledge?" looks for an amount in the sentence about the
pledge; a sentence about the pledge without one does not answer, however close its words. The
kinds are narrow where a tagger tells them apart well (MONEY, PERCENT) and broad where it does not
("who" takes a person, an organisation, a nation or a country).
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass

from ..text.entities import Entity, by_patterns

_NUMERIC = frozenset({"CARDINAL", "QUANTITY", "MONEY", "PERCENT", "DATE", "TIME", "FREE", "PERIOD"})  # patterns find them too
_NOT_COUNTS = frozenset({"DATE", "TIME"})  # what holds a figure that is no count ("32nd member" is one)
_MONEY_WORDS = (r"cost|costs|pay|paid|pays|charge|charged|price|worth|spend|spent|raise|raised|earn|earned|"
                r"earns|fee|salary|fine|fined|sell|sold|bought|buy|money|compensation|award|pledge|pledged|"
                r"fund|funding|invest|invested|budget|owe|owed|donate|donated|dinero|cuesta|costó|pagó|"
                r"geld|kostet|kostete|bezahlt|денег|стоит|стоил|заплатил")


@dataclass(frozen=True)
class Kind:
    """One kind of answer: its name (what "missing" says), the tagger's labels that supply it,
    and whether patterns find it where no tagger read the passage. Only these kinds (numbers,
    amounts, dates) decide that a passage does not answer: a place or a person is often named
    by words no tagger marks ("in meadows", "the first settlers"), so those only rank."""

    name: str
    labels: frozenset[str]
    by_patterns: bool
    asks: re.Pattern
    # What also answers, though it ranks no sentence first: a passage that holds it does not lack
    # the kind ("during the Oligocene" for "when", "free" for "how much").
    also: frozenset[str] = frozenset()


def _kind(name: str, labels: Iterable[str], pattern: str, also: Iterable[str] = ()) -> Kind:
    labels = frozenset(labels)
    return Kind(name, labels, labels <= _NUMERIC, re.compile(pattern, re.I), frozenset(also))


# In order: the first that matches names the kind (an amount of money before any "how much").
KINDS = (
    _kind("amount", {"MONEY"}, rf"\bhow much\b.*\b(?:{_MONEY_WORDS})\b|\bhow much money\b|\bwhat (?:price|sum|fee|"
          rf"salary|budget|fine)\b|\bcu[aá]nto\b.*\b(?:{_MONEY_WORDS})\b|\bwie ?viel\b.*\b(?:{_MONEY_WORDS})\b|"
          rf"сколько\b.*\b(?:{_MONEY_WORDS})\b|多少钱|كم\b.*(?:تكلف|دفع|مال)", also={"FREE"}),
    _kind("percentage", {"PERCENT"}, r"\bwhat (?:percentage|proportion|percent|share)\b|\bqu[eé] porcentaje\b|"
          r"\bwie viel prozent\b|какой процент|百分之"),
    _kind("age", {"DATE", "CARDINAL"}, r"\bhow old\b|\b(?:at )?what age\b|\bqu[eé] edad\b|\bwie alt\b|"
          r"\bв каком возрасте\b|多大"),
    _kind("duration", {"DATE", "TIME", "QUANTITY", "CARDINAL"}, r"\bhow long\b|\bhow many (?:days|weeks|months|"
          r"years|hours|minutes|seconds|decades|centuries|times)\b|\bcu[aá]nto tiempo\b|\bwie lange?\b|"
          r"\bкак долго\b|\bсколько времени\b|多久|多长时间"),
    # "how much snow", "how far": a figure that is not a count, said so ("doesn't give the figure asked")
    _kind("quantity", {"CARDINAL", "QUANTITY", "MONEY", "PERCENT"}, r"\bhow (?:much|far|large|big|high|tall|"
          r"often|deep|wide|heavy|fast)\b|\bwhat amount\b"),
    _kind("number", {"CARDINAL", "QUANTITY", "MONEY", "PERCENT"}, r"\bhow many\b|\bwhat number\b|"
          r"\bcu[aá]nt[oa]s?\b|\bwie ?viele?\b|\bсколько\b|多少|几|\bكم\b"),
    _kind("date", {"DATE", "TIME"}, r"^\W*(?:and |but |so |since |until )?when (?:did|do|does|was|were|is|are|"
          r"will|would|has|have|had|can|could|should|might)\b|\b(?:in |on )?what (?:year|date|day|month|time|"
          r"century|decade)\b|\bcu[aá]ndo\b|\ben qu[eé] (?:año|fecha|d[ií]a|mes)\b|\bwann\b|\bin welchem jahr\b|\bкогда\b|"
          r"\bв каком году\b|什么时候|哪一年|哪年|\bمتى\b", also={"PERIOD"}),
    _kind("place", {"GPE", "LOC", "FAC"}, r"\bwhere\b|\b(?:which|what) (?:country|city|town|place|venue|stadium|"
          r"state|region|village|island|continent)\b|\bd[oó]nde\b|\bwo(?:hin|her)?\b|\bгде\b|\bкуда\b|"
          r"\bоткуда\b|哪里|在哪|\bأين\b"),
    _kind("organisation", {"ORG", "FAC", "GPE"}, r"\b(?:which|what) (?:hospital|school|university|company|club|"
          r"team|organi[sz]ation|firm|newspaper|court|party|agency|bank|group)\b"),
    _kind("person", {"PERSON", "ORG", "NORP", "GPE"}, r"\bwho(?:m|se)?\b|\bqui[eé]n(?:es)?\b|\bwer\b|\bwem\b|"
          r"\bwen\b|\bкто\b|\bкого\b|\bкому\b|谁"),
)


def kind_of(question: str) -> Kind | None:
    """The kind of answer a question asks for; None when it asks for none of these (why, how, what)."""
    return next((kind for kind in KINDS if kind.asks.search(question)), None)


def supplies(kind: Kind | None, named: frozenset[str], text: str, start: int, entities: tuple[Entity, ...] | None,
             also: bool = False) -> bool | None:
    """Whether the sentence `text` (at `start` in its document) holds a thing of the kind asked that
    the question does not name (`named`: the question's words, `names`; `also`: or what also
    answers it, `Kind.also`); None when nothing can tell (no kind, or a kind only a tagger finds
    in a passage no tagger read)."""
    if kind is None:
        return None
    labels = kind.labels | kind.also if also else kind.labels
    inside = [e for e in entities or () if start <= e[0] and e[1] <= start + len(text)]
    found = [e for e in inside if e[2] in labels]
    if kind.by_patterns:  # a figure inside what the tagger read as a date ("July 2024", "75 years") is no count
        found += [e for e in by_patterns(text, start) if e[2] in labels
                  and not any(s <= e[0] and e[1] <= t and (s, t) != e[:2] and label in _NOT_COUNTS - kind.labels
                              for s, t, label in inside)]
    elif entities is None:
        return None
    return any(not set(_words(text[s - start : e - start])) <= named for s, e, _ in found)


def names(question: str) -> frozenset[str]:
    """The words a question names, lower case: a thing it names is no answer to it."""
    return frozenset(_words(question))


def decides(kind: Kind | None, tagged: bool) -> bool:
    """Whether a passage that does not give `kind` is not an answer: only for the kinds patterns
    find too (amounts, numbers, dates), and only in a passage the tagger read (patterns alone miss
    a Chinese date or "when he was two")."""
    return kind is not None and kind.by_patterns and tagged


def _words(text: str) -> list[str]:
    return re.findall(r"\w+", text.lower())
