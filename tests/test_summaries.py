"""Summaries are the document's own sentences; digests merge the same story from several sources."""

import json

import numpy as np

from bot.cli import main
from index import SourceText
from index.summaries import group_duplicates, lead, summarize
from tests.conftest import BOTH_BACKENDS, HASH_MODEL, HASH_THRESHOLD

STORY = ("The city council approved a new bridge over the river on Monday. "
         "The bridge will cost 40 million euros and open in 2028. "
         "Council members said the bridge would cut traffic in the old town. "
         "Critics said the money should go to schools. "
         "Construction starts in spring.")


@BOTH_BACKENDS
def test_summaries_are_verbatim_sentences_stored_at_ingest(library):
    for doc in library.documents():
        summary = library.summary(doc.id)
        text = library.document(doc.id).text
        assert 1 <= len(summary.sentences) <= 3
        for span in summary.sentences:
            assert text[span.start : span.end] == span.text
        starts = [s.start for s in summary.sentences]
        assert starts == sorted(starts)


def test_the_lead_is_favoured_and_near_repeats_are_skipped():
    text = "Alpha beta gamma delta one. Alpha beta gamma delta one! Epsilon zeta eta theta two. Iota kappa."
    spans = [(0, 27), (28, 55), (56, 84)]
    vectors = np.array([[1, 0, 0], [1, 0, 0], [0, 1, 0]], dtype=np.float32)
    chosen = summarize(text, spans, vectors, limit=2)
    assert chosen == [(0, 27), (56, 84)]
    assert lead(text, 2) == [(0, 27), (28, 55)]


def test_duplicates_group_transitively_and_keep_order():
    vectors = np.array([[1, 0], [0.95, 0.31], [0, 1], [0.9, 0.43]], dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    assert group_duplicates(vectors, 0.9) == [[0, 1, 3], [2]]


def test_digest_merges_the_same_story_from_two_sources(library):
    start = library.generation
    library.add([
        SourceText("https://one.example/bridge", "Council approves bridge", STORY),
        SourceText("https://two.example/bridge", "New bridge approved", STORY.replace("Monday", "Monday evening")),
        SourceText("https://three.example/owls", "Owls", "Owls hunt at night. They sleep during the day in old trees."),
    ])
    items = library.digest(after_generation=start)
    assert [len(item.sources) for item in items] == [2, 1]
    assert {d.source for d in items[0].sources} == {"https://one.example/bridge", "https://two.example/bridge"}


@BOTH_BACKENDS
def test_cli_summarize_and_digest(library, settings, monkeypatch, capsys):
    monkeypatch.setenv("VERBATIM_MODEL", HASH_MODEL)
    monkeypatch.setenv("VERBATIM_THRESHOLD", str(HASH_THRESHOLD))
    if settings.milvus_uri:
        monkeypatch.setenv("VERBATIM_MILVUS_URI", settings.milvus_uri)
    index = ["--index", str(settings.index_dir)]
    assert main(["summarize", "--all", "--json", *index]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(lines) == 3 and all(set(line) == {"document", "sentences"} for line in lines)
    doc = library.document(lines[0]["document"])
    for sentence in lines[0]["sentences"]:
        assert doc.text[sentence["start"] : sentence["end"]] == sentence["text"]
    assert main(["digest", "--since", "2000-01-01", "--json", *index]) == 0
    assert len(json.loads(capsys.readouterr().out)) == 3
    assert main(["digest", "--since", "2999-01-01", *index]) == 0
    assert "0 stories" in capsys.readouterr().err
    assert main(["digest", "--since", "yesterday", *index]) == 2


@BOTH_BACKENDS
def test_documents_ingested_without_summaries_are_summarised_on_first_request(library):
    library.add([SourceText("notes://bridge", "Bridge", STORY)], summaries=False)
    assert library.storage.summary_spans(library.document("notes://bridge").id) == []
    summary = library.summary("notes://bridge")
    assert summary.sentences and summary.sentences[0].text in STORY
    assert library.storage.summary_spans(summary.document.id)  # stored for next time
