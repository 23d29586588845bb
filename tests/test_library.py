"""The index with real SQLite and FAISS and the deterministic embedder."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import index
from index import Library, SourceText
from tests.conftest import BOTH_BACKENDS, HASH_MODEL, HASH_THRESHOLD, ROOT
from tests.conftest import searched


def make_library(directory: Path, **kwargs) -> Library:
    return Library(directory, model=HASH_MODEL, threshold=HASH_THRESHOLD, **kwargs)


def embedded(library: Library) -> int:
    return getattr(library.embedder, "calls", 0)


@BOTH_BACKENDS
def test_every_hit_quotes_the_stored_document_verbatim(library):
    answer = library.search("When did Morse send his message to Baltimore?", k=5)
    assert answer.found
    for hit in answer.hits:
        text = library.document(hit.document.id).text
        assert text[hit.quote.start : hit.quote.end] == hit.quote.text
        assert text[hit.sentence.start : hit.sentence.end] == hit.sentence.text
        assert hit.quote.start <= hit.sentence.start < hit.sentence.end <= hit.quote.end
    assert "24 May 1844" in answer.hits[0].sentence.text


@BOTH_BACKENDS
def test_reingesting_unchanged_documents_embeds_nothing(library, tmp_path):
    before = embedded(library)
    report = library.ingest([str(tmp_path / "docs")], progress=False)
    assert (report.added, report.updated, report.unchanged) == (0, 0, 3)
    assert report.chunks_embedded == 0
    assert embedded(library) == before


@BOTH_BACKENDS
def test_a_changed_document_replaces_its_chunks(library, tmp_path):
    path = tmp_path / "docs" / "honeybees.txt"
    path.write_text(path.read_text().replace("25 kilograms", "40 kilograms"))
    report = library.ingest([str(path)], progress=False)
    assert (report.added, report.updated) == (0, 1)
    # Only the chunk whose text changed (and its overlapping neighbour) is embedded again.
    assert 1 <= report.chunks_embedded < len(searched(library).dense)
    answer = library.search("How many kilograms of honey can a colony store?")
    assert "40 kilograms" in answer.hits[0].sentence.text
    assert all("25 kilograms" not in hit.quote.text for hit in answer.hits)


@BOTH_BACKENDS
def test_a_question_embeds_only_itself_and_a_changed_document_only_its_new_text(library, tmp_path):
    before = embedded(library)
    answer = library.search("How many kilograms of honey can a colony store?")
    assert answer.found
    assert embedded(library) == before + 1  # the sentences' vectors were stored at ingest
    path = tmp_path / "docs" / "honeybees.txt"
    text = path.read_text()
    path.write_text(text.replace("25 kilograms", "40 kilograms"))
    before = embedded(library)
    report = library.ingest([str(path)], progress=False)
    # The changed sentence and the chunks around it; every unchanged sentence is reused.
    changed = [s for s in text.split(". ") if "25 kilograms" in s]
    assert len(changed) == 1 and report.chunks_embedded <= 2
    assert embedded(library) - before <= report.chunks_embedded + 1


def test_an_index_without_stored_sentences_still_answers(library):
    """Indexes built before sentence vectors were stored embed the sentences at question time."""
    question = "When did Morse send his message to Baltimore?"
    expected = library.search(question)
    with library.storage._store.transaction() as db:
        db.execute("DELETE FROM sentences")
    before = embedded(library)
    again = library.search(question)
    assert embedded(library) > before + 1
    assert [(h.quote, h.sentence, round(h.score, 5)) for h in again.hits] == \
           [(h.quote, h.sentence, round(h.score, 5)) for h in expected.hits]


@BOTH_BACKENDS
def test_remove_deletes_the_document_and_its_vectors(library):
    doc = next(d for d in library.documents() if "telegraph" in d.title)
    total = len(searched(library).dense)
    removed = library.remove(doc.id[:6])
    assert removed.id == doc.id and removed.chunks == doc.chunks
    assert len(searched(library).dense) == total - doc.chunks
    assert all(d.id != doc.id for d in library.documents())
    if library.location.milvus_uri:  # Milvus: no row of the document left in any collection
        assert not any(library.storage.rows_where(kind, f'document_id == "{doc.id}"', ["id"])
                       for kind in ("chunks", "sentences", "texts"))
    else:
        assert library.storage._store.query("SELECT COUNT(*) FROM sentences WHERE document_id = ?", (doc.id,)) == [(0,)]
    answer = library.search("When did Morse send his message to Baltimore?")
    assert all(hit.document.id != doc.id for hit in answer.hits)
    with pytest.raises(index.DocumentNotFound):
        library.remove(doc.id)


def test_saved_index_loads_with_the_same_results(library, settings):
    question = "What do house bees do with the nectar?"
    before = library.search(question)
    reopened = make_library(settings.index_dir, create=False)
    after = reopened.search(question)
    assert [(h.chunk_id, h.sentence) for h in after.hits] == [(h.chunk_id, h.sentence) for h in before.hits]


def test_opening_with_another_model_names_the_fix(library, settings):
    with pytest.raises(index.ModelMismatch, match=f"VERBATIM_MODEL={HASH_MODEL}"):
        Library(settings.index_dir, model="all-MiniLM-L6-v2")


def test_missing_index_is_reported(tmp_path):
    with pytest.raises(index.IndexNotFound, match="verbatim ingest"):
        make_library(tmp_path / "nothing", create=False)


def test_unreadable_files_are_skipped_and_reported(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "good.txt").write_text("Otters hold hands while they sleep so they do not drift apart.")
    (folder / "empty.md").write_text("   \n")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4 this is not really a pdf")
    (folder / "binary.txt").write_bytes(b"\x00\x01\x02" * 100)
    library = make_library(tmp_path / "index")
    report = library.ingest([str(folder), str(tmp_path / "missing.txt")], progress=False)
    assert (report.added, report.failed) == (1, 4)
    reasons = " ".join(reason for _, reason in report.errors)
    assert "no text" in reasons and "PDF" in reasons and "binary" in reasons and "no such file" in reasons


def test_another_process_sees_new_documents_without_reopening(library, settings):
    reader = make_library(settings.index_dir, create=False)
    assert not reader.search("Why do otters hold hands?").found
    library.add([SourceText("notes://otters", "Otters", "Otters hold hands while they sleep.")])
    answer = reader.search("Why do otters hold hands?")
    assert answer.found and answer.hits[0].document.title == "Otters"


def saved_files(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if p.name.startswith(("bm25-", "vectors-")))


def test_a_question_never_writes_even_when_a_base_is_missing(library, settings):
    """Issue #21: without a usable BM25 base a question builds one in memory and answers; the
    next change saves new bases."""
    import shutil

    for base in settings.index_dir.glob("bm25-*"):
        shutil.rmtree(base)
    stamp = {p.name: p.stat().st_mtime_ns for p in settings.index_dir.iterdir()}
    serving = make_library(settings.index_dir, create=False)
    assert serving.search("How much honey do bees store?").found
    assert saved_files(settings.index_dir) == [name for name in sorted(stamp) if name.startswith("vectors-")]
    assert {p.name: p.stat().st_mtime_ns for p in settings.index_dir.iterdir() if not p.name.endswith(("-wal", "-shm"))} \
        == {k: v for k, v in stamp.items() if not k.endswith(("-wal", "-shm"))}
    library.add([SourceText("notes://voles", "Voles", "Field voles dig shallow burrows in meadows.")])
    assert any(name.startswith("bm25-") for name in saved_files(settings.index_dir))


def test_a_change_rewrites_no_saved_file_until_a_merge_is_due(library, settings, monkeypatch):
    bases = saved_files(settings.index_dir)
    assert len(bases) == 2  # one BM25 folder and one FAISS file, from the first ingest
    serving = make_library(settings.index_dir, create=False)
    assert serving.search("How much honey do bees store?").found
    library.add([SourceText("notes://otters", "Otters", "Otters hold hands while they sleep.")])
    library.remove("notes://otters")

    def rebuild(*_):
        raise AssertionError("the serving process rebuilt BM25 on a question's path")

    def load(*_):
        raise AssertionError("a process that only writes read the whole index")

    with monkeypatch.context() as patched:  # as `verbatim ingest` in its own process
        patched.setattr(index.storage.embedded.bases.VectorIndex, "load", load)
        patched.setattr(index.storage.embedded.bases.LexicalIndex, "load", load)
        patched.setattr(index.storage.embedded.bases.LexicalIndex, "build", load)
        writer = make_library(settings.index_dir, create=False)
        writer.add([SourceText("notes://voles", "Voles", "Field voles dig shallow burrows in meadows.")])
    assert saved_files(settings.index_dir) == bases  # the changes are read from the store

    with monkeypatch.context() as patched:
        patched.setattr(index.storage.embedded.bases.LexicalIndex, "build", rebuild)
        answer = serving.search("Where do field voles dig burrows?")
        assert answer.found and answer.hits[0].document.title == "Voles"
        assert all(h.document.title != "Otters" for h in serving.search("Why do otters hold hands?").hits)

    monkeypatch.setattr(index.storage.embedded.bases, "MERGE_MIN", 2)
    library.add([SourceText("notes://moles", "Moles", "Moles tunnel under lawns and eat earthworms.")])
    generation = library.generation
    assert saved_files(settings.index_dir) == [f"bm25-{generation}", f"vectors-{generation}.faiss"]
    first = int(bases[0].removeprefix("bm25-"))  # the removal log is cut back to the previous bases
    assert library.storage._store.removed_since(first - 1) is None and library.storage._store.removed_since(first) is not None
    assert serving.search("What do moles eat?").hits[0].document.title == "Moles"
    assert serving.search("Where do field voles dig burrows?").hits[0].document.title == "Voles"
    fresh = make_library(settings.index_dir, create=False)
    assert len(searched(fresh).dense) == len(searched(serving).dense) == len(searched(fresh).lexical) == len(searched(library).lexical)


def test_a_large_index_is_held_as_float16_and_answers_the_same(library, settings, monkeypatch):
    questions = ["How much honey do bees store?", "Who sent the first telegraph message?"]
    before = [[(h.document.title, round(h.signals.cosine, 2)) for h in library.rank(q, 3)] for q in questions]
    monkeypatch.setattr(index.storage.embedded.dense, "COMPACT_FROM", 5)
    monkeypatch.setattr(index.storage.embedded.bases, "MERGE_MIN", 0)
    library.add([SourceText("notes://voles", "Voles", "Field voles dig shallow burrows in meadows.")])
    library.remove("notes://voles")
    assert searched(library).dense.kind == "compact"
    serving = make_library(settings.index_dir, create=False)
    assert searched(serving).dense.kind == "compact" and len(searched(serving).dense) == len(searched(library).dense)
    for question, expected in zip(questions, before):
        for held in (library, serving):
            assert [(h.document.title, round(h.signals.cosine, 2)) for h in held.rank(question, 3)] == expected


def test_bm25_listing_a_chunk_just_removed_does_not_break_a_question():
    from index.storage.embedded.dense import VectorIndex

    vectors = VectorIndex(3)
    vectors.add(np.array([4, 8]), np.eye(3, dtype=np.float32)[:2])
    assert vectors.cosines([4, 6, 8], np.array([1.0, 0.0, 0.0])).tolist() == [1.0, -1.0, 0.0]


CRASHING_INGEST = """
import sys, time
sys.path.insert(0, {root!r})
import index
from tests.fakes.embedder import HashEmbedder, NAME

class SlowEmbedder(HashEmbedder):
    def embed(self, texts):
        time.sleep(0.05)
        return super().embed(texts)

index.register(NAME, SlowEmbedder)
library = index.Library({directory!r}, model=NAME)
library.ingest([{folder!r}], progress=False)
"""


def test_a_crash_during_ingest_leaves_a_loadable_index(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for i in range(400):
        (folder / f"doc{i:03d}.txt").write_text(
            f"Report {i}\n\n" + " ".join(f"Station {i} measured rainfall of {j} millimetres." for j in range(30)))
    directory = tmp_path / "index"
    first = make_library(directory)
    first.add([SourceText("notes://first", "First", "The lighthouse keeper rang the bell at dawn.")])
    first.close()
    script = CRASHING_INGEST.format(root=str(ROOT), directory=str(directory), folder=str(folder))
    process = subprocess.Popen([sys.executable, "-c", script])
    probe = make_library(directory, create=False)
    deadline = time.monotonic() + 60
    while probe.storage.generation() < 4 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    assert probe.storage.generation() >= 4, "the ingest did not get going"

    survivor = make_library(directory, create=False)
    assert survivor.search("Who rang the bell at dawn?").hits[0].document.title == "First"
    for doc in survivor.documents():
        assert doc.chunks > 0
    assert len(searched(survivor).dense) == sum(d.chunks for d in survivor.documents())
    kept = len(survivor.documents())
    assert 1 < kept < 401
    report = survivor.ingest([str(folder)], progress=False)
    assert report.unchanged == kept - 1 and report.added == 401 - kept


def test_threads_can_ingest_write_and_read_at_once(tmp_path):
    import threading

    from index import Feeds

    library = make_library(tmp_path / "idx")
    feeds = Feeds(library)
    errors = []

    def ingest():
        try:
            for batch in range(20):
                library.add([SourceText(f"notes://{batch}-{i}", f"Note {batch}-{i}",
                                        f"Station {batch} saw {i} herons at dawn. " * 30) for i in range(5)])
        except Exception as error:  # noqa: BLE001 - surfaced below
            errors.append(error)

    worker = threading.Thread(target=ingest)
    worker.start()
    while worker.is_alive():
        feeds.add(f"https://feeds.example/{len(feeds.all())}.xml")  # a transaction of its own
        library.documents()
        library.search("How many herons at dawn?")
    worker.join()
    assert not errors
    assert len(library.documents()) == 100 and len(searched(library).dense) == sum(d.chunks for d in library.documents())


def test_two_questions_are_answered_side_by_side_not_one_after_the_other(library, settings):
    """Each question's embedding waits until the other one is embedding too: were searches
    serialised, the first would wait for ever (here, until the barrier gives up)."""
    import threading

    from tests.fakes.embedder import HashEmbedder

    both = threading.Barrier(2, timeout=20)

    class TogetherEmbedder(HashEmbedder):
        def embed(self, texts):
            if len(texts) == 1 and texts[0].endswith("together?"):
                both.wait()
            return super().embed(texts)

    shared = Library(settings.index_dir, model=HASH_MODEL, threshold=HASH_THRESHOLD, embedder=TogetherEmbedder())
    answers, errors = [], []

    def ask(question):
        try:
            answers.append(shared.search(question))
        except Exception as error:  # noqa: BLE001 - surfaced below
            errors.append(error)

    threads = [threading.Thread(target=ask, args=(q,)) for q in
               ("How much honey do bees store together?", "Who built the telegraph together?")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and len(answers) == 2 and all(a.hits for a in answers)
