"""The index in Milvus: the same answers as the embedded index, copies both ways without
embedding, and several processes sharing one `milvus-lite server` (README, "Past one machine")."""

import asyncio
import json
import subprocess
import sys

import pytest

import index
from bot.cli import main
from tests.conftest import (
    BOTH_BACKENDS, HASH_MODEL, HASH_THRESHOLD, SAMPLES, VERBATIM, bot_call, bot_running, searched,
)
from tests.fakes.embedder import HashEmbedder

pytest.importorskip("pymilvus", reason="the milvus extra is not installed")

QUESTIONS = ["When was the transatlantic telegraph cable completed?", "How much honey can a colony store?",
             "How do I add documents to the bot?", "Who won the 1998 football league?"]


def answers(library: index.Library, every: bool = True) -> list[tuple]:
    """What a user sees for each question: found or not, and each hit's document, quote, bold
    sentence and confidence (not `every`: the first hit of a found answer; the engine's BM25
    is not bm25s's, so the runners-up and the closest passage to a question without an
    answer may differ)."""
    out = []
    for question in QUESTIONS:
        answer = library.search(question, 3)
        hits = [(h.document.title, h.quote.text, h.sentence.text, round(h.score, 4)) for h in answer.hits]
        out.append((answer.found, hits if every else hits[:1] if answer.found else []))
    return out


def library_at(tmp_path, name: str, milvus_uri: str | None = None, **kwargs) -> index.Library:
    return index.Library(index.Location(tmp_path / name, milvus_uri), model=HASH_MODEL, threshold=HASH_THRESHOLD,
                         **kwargs)


def test_copies_to_milvus_and_back_answer_alike_without_embedding(tmp_path):
    embedded = library_at(tmp_path, "embedded")
    embedded.ingest([str(SAMPLES)], progress=False)
    never = HashEmbedder()  # counts its calls
    milvus = library_at(tmp_path, "local", str(tmp_path / "m.db"), embedder=never)
    assert embedded.copy_to(milvus, progress=False) == 3
    back = library_at(tmp_path, "back", embedder=never)
    assert milvus.copy_to(back, progress=False) == 3
    assert getattr(never, "calls", 0) == 0  # vectors copied, nothing embedded again
    assert answers(back) == answers(embedded)
    assert answers(milvus, every=False) == answers(embedded, every=False)
    for copy in (milvus, back):
        assert copy.documents() == embedded.documents()
        for doc in embedded.documents():
            assert copy.storage.summary_spans(doc.id) == embedded.storage.summary_spans(doc.id) != []  # copied
            assert copy.summary(doc.id) == embedded.summary(doc.id)
            assert copy.document(doc.id) == embedded.document(doc.id)


def test_migrate_command_there_and_back(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("VERBATIM_MODEL", HASH_MODEL)
    monkeypatch.setenv("VERBATIM_THRESHOLD", str(HASH_THRESHOLD))
    monkeypatch.setenv("VERBATIM_READER", "off")
    monkeypatch.chdir(tmp_path)
    uri = str(tmp_path / "m.db")

    def run(*args: str) -> str:
        assert main(list(args)) == 0
        return capsys.readouterr().out

    run("ingest", str(SAMPLES), "--index", "idx", "--quiet")
    asked = run("ask", "--json", "--index", "idx", QUESTIONS[0])
    assert "3 documents copied" in run("migrate", "--to", uri, "--index", "idx", "--quiet")
    monkeypatch.setenv("VERBATIM_MILVUS_URI", uri)
    assert run("ask", "--json", QUESTIONS[0]) == asked
    assert json.loads(run("documents", "--json"))[0]["chunks"] > 0
    assert "3 documents copied" in run("migrate", "--to", "back", "--quiet")
    monkeypatch.delenv("VERBATIM_MILVUS_URI")
    assert run("ask", "--json", "--index", "back", QUESTIONS[0]) == asked


@BOTH_BACKENDS
def test_an_update_replaces_a_document_and_a_removal_removes_it(library, tmp_path):
    page = tmp_path / "otters.txt"
    page.write_text("Otter news\n\nSea otters hold hands while they sleep so that they do not drift apart.")
    library.ingest([str(page)], progress=False)
    assert "hold hands" in library.search("Why do sea otters hold hands?").hits[0].sentence.text
    page.write_text("Otter news\n\nSea otters wrap themselves in kelp so that the tide does not carry them off.")
    report = library.ingest([str(page)], progress=False)
    assert report.updated == 1
    hits = library.search("Why do sea otters wrap themselves in kelp?").hits
    assert "kelp" in hits[0].sentence.text
    quoted = [h.quote.text for h in library.search("sea otters hold hands", 9).hits]
    assert not any("hold hands" in q for q in quoted)  # the old version is gone everywhere
    assert len(searched(library).dense) == sum(d.chunks for d in library.documents())  # no stale chunks left
    library.remove(str(page))
    assert not any(d.title == "Otter news" for d in library.documents())
    assert len(searched(library).dense) == sum(d.chunks for d in library.documents())


def test_an_index_built_with_another_model_is_refused(tmp_path):
    uri = str(tmp_path / "m.db")
    library_at(tmp_path, "a", uri).ingest([str(SAMPLES)], progress=False)
    with pytest.raises(index.ModelMismatch, match=HASH_MODEL):
        index.Library(index.Location(tmp_path / "b", uri), model="all-MiniLM-L6-v2")
    with pytest.raises(index.IndexNotFound, match="verbatim ingest"):
        index.Library(index.Location(tmp_path / "c", str(tmp_path / "empty.db")), model=HASH_MODEL, create=False)


async def test_two_ingest_processes_and_a_bot_share_one_server(milvus_server, bot_api, settings, tmp_path):
    """Two `verbatim ingest` processes write at once (one document in common) while the bot serves
    from the same server: each document is there once and the subscriber is alerted once."""
    settings = settings.__class__(**{**settings.__dict__, "milvus_uri": milvus_server})
    shared = tmp_path / "shared"
    shared.mkdir()
    (shared / "otters.txt").write_text("Otter news\n\nSea otters hold hands while they sleep so that they do "
                                       "not drift apart. Otters sleeping in groups form a raft on the water.")
    batches = []
    for name in ("one", "two"):
        folder = tmp_path / name
        folder.mkdir()
        for n in range(12):
            (folder / f"{name}-{n}.txt").write_text(
                f"Market report {name} {n}\n\nThe {name} exchange listed firm number {n} today; its shares "
                f"opened at {n + 10} crowns and closed at {n + 12} crowns after trading in {name}-{n} units.")
        batches.append([str(folder), str(shared)])
    library = index.Library(settings.location(), model=HASH_MODEL, threshold=HASH_THRESHOLD)
    async with bot_running(settings, library, bot_api):
        bot_api.message("/subscribe otters sleeping")
        assert "otters sleeping" in (await bot_call(bot_api, "sendMessage"))["text"]
        count = len(bot_api.calls)
        env = {"VERBATIM_MODEL": HASH_MODEL, "VERBATIM_MILVUS_URI": milvus_server, "PATH": ""}
        writers = [subprocess.Popen([sys.executable, "-c", VERBATIM, "ingest", "--quiet", "--index",
                                     str(tmp_path / f"writer-{n}"), *targets], env=env,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
                   for n, targets in enumerate(batches)]
        results = [await asyncio.to_thread(w.communicate, timeout=120) for w in writers]
        assert [w.returncode for w in writers] == [0, 0], [err for _, err in results]
        alert = await bot_call(bot_api, "sendMessage", lambda p: p["text"].startswith("New on"), after=count)
        assert "Sea otters hold hands" in alert["text"]
        await asyncio.sleep(1.5)  # several more checks: the alert is not repeated
        alerts = [p["text"] for name, p in bot_api.calls if name == "sendMessage" and p["text"].startswith("New on")]
        assert len(alerts) == 1
        documents = library.documents()
        assert sorted(d.title for d in documents) == sorted(
            ["Otter news"] + [f"Market report {name} {n}" for name in ("one", "two") for n in range(12)])
        assert len(searched(library).dense) == sum(d.chunks for d in documents)  # no chunk stored twice
        for name in ("one", "two"):
            for n in (0, 7, 11):
                hits = library.search(f"{name} exchange firm number {n} {name}-{n} units", 5).hits
                assert hits[0].document.title == f"Market report {name} {n}"
                assert len({(h.document.id, h.quote.start) for h in hits}) == len(hits)  # each chunk once
    library.close()


def test_two_writers_of_one_document_at_once_leave_the_last_version_whole(tmp_path):
    """Two machines store different versions of one document at the same moment; each deletes
    the other's rows. Played step by step: the version whose row is current ends up whole."""
    uri = str(tmp_path / "m.db")
    library = library_at(tmp_path, "a", uri)
    library.ingest([str(SAMPLES)], progress=False)  # creates the collections
    one, two = (index.SourceText("feed://otters", "Otter news", text) for text in (
        "Sea otters hold hands while they sleep so that they do not drift apart.",
        "Sea otters wrap themselves in kelp so that the tide does not carry them off."))
    from index.storage.milvus import writes as writing

    store = library.storage
    writes = []
    for source in (one, two):  # what each writer's `send` computes
        report = library.add([source])
        assert report.added + report.updated == 1
        writes.append(_rows_of(library, source))
    # The interleaving: rows of 1, rows of 2, row of 1 points, 1 deletes "not 1" (2's rows),
    # row of 2 points, 2 deletes "not 2" (1's rows): without repair, the document has no chunks.
    (parts_one, doc_one), (parts_two, doc_two) = writes
    writing._upsert(store, [parts_one])
    writing._upsert(store, [parts_two])
    writing._point(store, [doc_one])
    writing._delete_stale(store, [doc_one], [])
    writing._point(store, [doc_two])
    writing._delete_stale(store, [doc_two], [])
    writing._repair(store, {doc_two["id"]: parts_two}, [doc_two])
    writing._repair(store, {doc_one["id"]: parts_one}, [doc_one])  # not current: writes nothing
    hit = library.search("Why do sea otters wrap themselves in kelp?").hits[0]
    assert hit.document.title == "Otter news" and "kelp" in hit.sentence.text
    assert len(searched(library).dense) == sum(d.chunks for d in library.documents())
    assert not any("hold hands" in h.quote.text for h in library.search("otters hold hands", 9).hits)


def _rows_of(library: index.Library, source: index.SourceText) -> tuple[dict, dict]:
    """The rows a writer sends for the stored version of `source` (read back from Milvus)."""
    store = library.storage
    doc_id = store.find_document_id(source.source)
    row = store.rows_by_id("documents", [doc_id], ["*"])[0]
    where = f'document_id == "{doc_id}" and version == "{row["version"]}"'
    parts = {kind: store.rows_where(kind, where, ["*"]) for kind in ("texts", "sentences", "chunks")}
    for chunk in parts["chunks"]:
        chunk.pop("sparse", None)  # made by the engine's BM25 function from the text
    return parts, row


def test_a_long_document_in_any_script_comes_back_verbatim(tmp_path):
    """Milvus holds at most 65,535 bytes in a text field: longer texts are stored in pieces."""
    library = library_at(tmp_path, "a", str(tmp_path / "m.db"))
    paragraphs = [f"Paragraph {n}: Zürich’s café served crème brûlée; «Москва» and 東京 reported {n} visitors."
                  for n in range(2000)]
    text = "\n\n".join(paragraphs)
    assert len(text.encode()) > 3 * 65_535 and len(text) > 10 * 16_000
    library.add([index.SourceText("notes://long", "Travel notes", text)])
    stored = library.document("notes://long")
    assert stored.text == text
    hit = library.search("How many visitors did paragraph 1517 report?", 3).hits[0]
    assert hit.quote.text == text[hit.quote.start : hit.quote.end] and "1517" in hit.quote.text
