"""Answers that say what they checked: the kind of answer asked is in the bold sentence, the
question's telling words are in the documents, and a "not found" names what is missing, the same
in chat, inline mode, `ask --json` and alerts."""

import asyncio
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from bot import formatting
from index import Library, SourceText
from index.ranking import asked
from index.text import entities
from tests.conftest import BOTH_BACKENDS, HASH_MODEL, HASH_THRESHOLD, VERBATIM, bot_call, reply_to

PLEDGE = SourceText("notes:pledge", "NATO summit", "NATO leaders met at the summit in Washington.\n\n"
                    "At the summit NATO pledged long-term support for Ukraine and its air defence.")
AMOUNT = SourceText("notes:amount", "NATO money", "The allies said NATO pledged 40 billion euros to Ukraine "
                    "for next year.")
MEETING = SourceText("notes:meeting", "Alliance meeting", "The alliance meeting took place in Washington on "
                     "10 July 2024, and leaders discussed Ukraine.")


def library_of(settings, tmp_path, *sources) -> Library:
    library = Library(settings.location(), model=HASH_MODEL, threshold=HASH_THRESHOLD)
    library.add(list(sources), summaries=False)
    return library


@pytest.mark.parametrize("question, kind", [
    ("How much money did NATO pledge to Ukraine?", "amount"), ("On what date did the summit open?", "date"),
    ("How many members does NATO have?", "number"), ("What percentage of GDP do allies spend?", "percentage"),
    ("Who leads NATO?", "person"), ("Where was the summit held?", "place"),
    ("¿Cuánto dinero prometió la OTAN?", "amount"), ("Когда открылся саммит?", "date"),
    ("What did NATO call China's role?", None), ("Why did the allies meet?", None),
])
def test_the_kind_of_answer_a_question_asks_for(question, kind):
    found = asked.kind_of(question)
    assert (found.name if found else None) == kind


def test_a_sentence_gives_an_amount_only_when_it_holds_one_the_question_does_not_name():
    kind = asked.kind_of("How much money did NATO pledge?")
    pledge = asked.names("How much money did NATO pledge?")
    assert asked.supplies(kind, pledge, "NATO pledged 40 billion euros.", 0, None)
    assert not asked.supplies(kind, pledge, "NATO pledged its support.", 0, None)
    named = asked.names("Did NATO pledge 40 billion euros?")
    assert not asked.supplies(kind, named, "NATO pledged 40 billion euros.", 0, None)
    # A person is found only by a tagger: a passage no tagger read cannot tell.
    leads = asked.names("Who leads NATO?")
    assert asked.supplies(asked.kind_of("Who leads NATO?"), leads, "Mark Rutte leads it.", 0, None) is None


@BOTH_BACKENDS
def test_an_amount_asked_of_a_passage_without_one_is_the_closest_passage_not_an_answer(settings, tmp_path):
    library = library_of(settings, tmp_path, PLEDGE)
    answer = library.search("How much money did NATO pledge to Ukraine at the summit?", 5)
    assert answer.state == "closest" and not answer.found
    assert answer.missing.kind == "amount" and answer.hits[0].document.title == "NATO summit"
    shown = formatting.answer_html(answer)
    assert "doesn't say how much" in shown and "<b>" not in shown.split("<blockquote>")[1].split("</blockquote>")[0]
    # The same question once a document gives the amount: answered, with the amount in bold, first.
    library.add([AMOUNT], summaries=False)
    answer = library.search("How much money did NATO pledge to Ukraine at the summit?", 5)
    assert answer.state == "answered"
    assert "40 billion euros" in answer.hits[0].sentence.text
    library.close()


@BOTH_BACKENDS
def test_a_date_is_found_in_a_passage_and_a_word_in_no_document_is_named(settings, tmp_path):
    library = library_of(settings, tmp_path, PLEDGE, MEETING)
    answer = library.search("On what date did the alliance meeting take place in Washington?", 5)
    assert answer.state == "answered" and "10 July 2024" in answer.hits[0].sentence.text
    answer = library.search("How many NATO troops are stationed in Asia?", 5)
    assert answer.state in ("closest", "not found") and not answer.found
    assert "Asia" in answer.missing.words
    assert formatting.lacks(answer.missing) in formatting.answer_plain(answer)
    library.close()


def test_a_misspelt_joined_or_abbreviated_word_is_not_named_missing(settings, tmp_path):
    church = SourceText("notes:church", "Church news", "In 2016 the United Methodist Church voted to stay in "
                        "the National Council of Churches, and its parliament met in Washington.")
    library = library_of(settings, tmp_path, church)
    for question in ("When did the UMC vote to stay in the National Council?",  # an acronym of a name it spells out
                     "Whatare the churches the Methodist Church stays with?",  # two words typed as one
                     "When did the Methodist parliment meet in Washingtn?"):  # misspelt
        assert not library.search(question, 5).missing.words, question
    assert library.search("When did the Methodist Church vote in Geneva?", 5).missing.words == ("Geneva",)
    library.close()


def test_a_name_typed_without_accents_or_in_full_is_not_named_missing(settings, tmp_path):
    expedition = SourceText("notes:expedition", "The expedition", "In 1749 Céloron buried lead plates along the "
                            "Ohio River. The historian Twigg later wrote that the plates were meant for Zürich.")
    other = SourceText("notes:other", "Harbour news", "The harbour master counted forty ferries in the bay.")
    library = library_of(settings, tmp_path, other, expedition)
    for question in ("Where did the plates Celoron buried go?",  # typed without its accents
                     "What did the historian Graham Twigg write about the plates?",  # the document says "Twigg"
                     "Were the plates meant for Zurich?"):
        assert not library.search(question, 5).missing.words, question
    # a figure is named whole, with its separators
    assert library.search("How many of the 11,003 plates did he bury in 1749?", 5).missing.words == ("11,003",)
    library.close()


def test_a_capitalised_noun_or_another_form_of_a_word_is_not_named_missing(settings, tmp_path):
    """German capitalises every noun ("Küste" is no name), and Russian changes a name's ending
    ("в Лондоне", "лондонского"): both are had when the passage has the word in another form."""
    coast = SourceText("notes:coast", "Die Inseln", "Die Kanarischen Inseln liegen vor den Küsten Afrikas. "
                       "Der Begriff Archipel bezeichnet eine Gruppe von Inseln.")
    london = SourceText("notes:london", "Икбал", "Икбал вступил в отделение лондонского общества в 1908 году, "
                        "а затем вернулся в Лахор.")
    library = library_of(settings, tmp_path, coast, london)
    for question in ("Vor der Küste welches Kontinents liegen die Kanarischen Inseln?",
                     "Wie lautet der Begriff für eine Gruppe von Inseln?",
                     "В какую организацию вступил Икбал в Лондоне?"):
        assert not library.search(question, 5).missing.words, question
    # a word in no form of any document is still named
    assert library.search("Wann besuchte Kowalczyk die Kanarischen Inseln?", 5).missing.words == ("Kowalczyk",)
    library.close()


@pytest.mark.parametrize("question, sentence", [
    ("When did the Republicans back the empire?", "They only became supportive when Germany built its own."),
    ("When did the Republicans back the empire?", "They only became supportive since the war."),
    ("During what time did the rainforest span a narrow band?", "During the Oligocene the rainforest spanned a band."),
    ("How much does it cost to attend a meeting?", "Entry is free, but booking is recommended."),
])
def test_an_answer_without_a_figure_or_a_date_still_gives_what_was_asked(question, sentence):
    """"When Germany built…", "during the Oligocene", "free": a reader takes them as answers (but
    not "when it comes to")."""
    kind, named = asked.kind_of(question), asked.names(question)
    assert asked.supplies(kind, named, sentence, 0, (), also=True)
    assert not asked.supplies(kind, named, "Its record when it comes to that is good.", 0, (), also=True)


@BOTH_BACKENDS
def test_entities_are_found_at_ingest_and_stored_with_each_chunk(settings, tmp_path):
    library = library_of(settings, tmp_path, AMOUNT)
    [chunk_id] = library.storage.chunk_ids([library.documents()[0].id])
    stored = entities.decode(library.storage.chunks([chunk_id])[chunk_id].entities)
    text = library.storage.chunks([chunk_id])[chunk_id].document.text
    if entities.tagger().startswith("spacy"):
        assert ("40 billion euros" in [text[s:e] for s, e, label in stored if label in ("MONEY", "CARDINAL")]
                or any(text[s:e].startswith("40 billion") for s, e, _ in stored))
        assert "NATO" in [text[s:e] for s, e, label in stored if label == "ORG"]
    else:  # without the tagger extra nothing is stored: patterns find amounts when asked
        assert stored is None
    library.close()


@pytest.mark.slow
def test_an_ingest_tags_its_passages_without_loading_torch(tmp_path):
    """spaCy's pipeline runs on numpy: an ingest (the real model on onnxruntime) tags the samples
    and never imports torch (1.7 s and 180 MB when thinc imports it)."""
    if not entities.tagger().startswith("spacy"):
        pytest.skip("the tagger extra is not installed")
    root = Path(__file__).resolve().parents[1]
    code = ("import json, sys; from bot.cli import main; from index import Library; "
            f"main(['ingest', {str(root / 'samples')!r}, '--index', {str(tmp_path)!r}, '--quiet']); "
            f"library = Library({str(tmp_path)!r}, create=False, reader=False); "
            "stored = [c.entities for c in library.storage.chunks(library.storage.chunk_ids("
            "[d.id for d in library.documents()])).values()]; "
            "print(json.dumps(['torch' in sys.modules, sum(s not in ('', None, '[]') for s in stored)]))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=root, check=True)
    torch_loaded, tagged = json.loads(done.stdout.strip().splitlines()[-1])
    assert tagged > 0 and not torch_loaded


def test_an_index_made_before_entities_opens_and_finds_amounts_by_patterns(settings, tmp_path):
    library = library_of(settings, tmp_path, AMOUNT, PLEDGE)
    library.close()
    with sqlite3.connect(settings.location().directory / "verbatim.sqlite3") as db:
        db.execute("UPDATE chunks SET entities = ''")  # as an older index reads
    library = Library(settings.location(), model=HASH_MODEL, threshold=HASH_THRESHOLD)
    answer = library.search("How much money did NATO pledge to Ukraine?", 5)
    assert answer.state == "answered" and "40 billion euros" in answer.hits[0].sentence.text
    library.close()


def test_ask_json_says_the_state_and_what_is_missing(settings, tmp_path):
    import subprocess
    import sys

    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "pledge.txt").write_text(f"{PLEDGE.title}\n\n{PLEDGE.text}")
    index = ["--index", str(tmp_path / "idx")]
    env = {"VERBATIM_MODEL": HASH_MODEL, "VERBATIM_THRESHOLD": str(HASH_THRESHOLD), "PATH": ""}

    def run(*args):
        return subprocess.run([sys.executable, "-c", VERBATIM, *args], env=env, capture_output=True, text=True,
                              timeout=120)

    assert run("ingest", str(docs), *index, "--quiet").returncode == 0
    out = run("ask", "--json", *index, "How much money did NATO pledge to Ukraine at the summit?").stdout
    line = json.loads(out)
    assert line["state"] == "closest" and line["found"] is False
    assert line["missing"] == {"kind": "amount", "words": []}


async def test_a_chat_and_an_inline_query_say_what_the_passage_lacks(running_bot, bot_api, library):
    await asyncio.to_thread(library.add, [PLEDGE], False)
    reply = await reply_to(bot_api, "How much money did NATO pledge to Ukraine at the summit?")
    assert "The closest passage doesn't say how much." in reply["text"]
    assert "<b>" not in reply["text"].split("<blockquote>")[1].split("</blockquote>")[0]
    bot_api.inline("How much money did NATO pledge to Ukraine at the summit")
    answered = await bot_call(bot_api, "answerInlineQuery")
    [result] = answered["results"]
    assert result["title"] == "I couldn't find that in the documents."
    assert result["description"] == "The closest passage doesn't say how much."


async def test_the_closest_passage_speaks_the_users_language(running_bot, bot_api, library):
    await asyncio.to_thread(library.add, [PLEDGE], False)
    reply = await reply_to(bot_api, "How much money did NATO pledge to Ukraine at the summit?", language_code="es")
    assert "El pasaje más cercano no dice cuánto." in reply["text"]


# ----- with the real packaged model and reader (slow) -------------------------------------------

@pytest.mark.slow
def test_the_seed_article_names_what_it_lacks_instead_of_answering(tmp_path):
    from tests.test_real_model import seed_library

    library, seed_id = seed_library(tmp_path / "idx", 0)
    money = library.search("How much money did NATO pledge to Ukraine at the summit?", 9)
    assert money.state == "closest" and money.missing.kind == "amount", money
    assert money.hits[0].document.id == seed_id
    asia = library.search("Are NATO troops stationed in Asia?", 9)
    assert not asia.found and "Asia" in asia.missing.words, asia.missing
    assert library.search("How many members does NATO have?", 9).state == "answered"


@pytest.mark.slow
def test_a_close_variant_of_a_word_is_not_named_missing_but_a_name_is(tmp_path):
    library = Library(tmp_path / "idx", reader=True)
    library.add([SourceText("notes:border", "Border", "The alliance sent 300 soldiers to the border in March."),
                 SourceText("notes:china", "China", "China opened a new embassy in the capital.")], summaries=False)
    troops = library.search("How many troops did the alliance send to the border?", 9)
    assert troops.state == "answered" and "300 soldiers" in troops.hits[0].sentence.text, troops
    japan = library.search("When did Japan open a new embassy in the capital?", 9)
    assert not japan.found and "Japan" in japan.missing.words, japan
