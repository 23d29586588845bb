"""End to end with the real packaged model (marked slow: plain `pytest` skips, `make test` runs)."""

import html
import os
import re
import signal
import subprocess
import sys
import dataclasses

import pytest

from bot.app import build_app
from index import Library, SourceText
from tests.conftest import ROOT, SAMPLES, bot_call, shared_path

pytestmark = pytest.mark.slow


@pytest.fixture
async def real_bot(bot_api, settings, tmp_path):
    corpus = shared_path("corpus")
    library = Library(tmp_path / "real-index", reader=True)  # as `serve` opens it by default
    report = library.ingest([str(corpus), str(SAMPLES)], progress=False)
    assert report.failed == 0
    settings = dataclasses.replace(settings, api_base_url=bot_api.base_url, model=library.model_name,
                                   threshold=library.threshold, reader=True)
    app = build_app(settings, library)
    async with app:
        await app.start()
        await app.updater.start_polling(poll_interval=0, timeout=1)
        yield library
        await app.updater.stop()
        await app.stop()


def quotes(message: str) -> list[str]:
    return [html.unescape(re.sub(r"<[^>]+>", "", q))
            for q in re.findall(r"<blockquote>(.*?)</blockquote>", message, re.S)]


async def test_news_questions_get_verbatim_quotes_from_the_article(real_bot, bot_api):
    library = real_bot
    texts = {d.title: library.document(d.id).text for d in library.documents()}
    article = next(t for title, t in texts.items() if "nato" in title.lower())
    questions = [
        ("What did NATO call China's role in Russia's war against Ukraine?", "decisive enabler"),
        ("What did NATO leaders call on China to cease?", "cease all material and political support"),
        ("How much honey can a strong colony store?", "25 kilograms"),
    ]
    for number, (question, expected) in enumerate(questions):
        count = len(bot_api.calls)
        bot_api.message(question)
        reply = await bot_call(bot_api, "sendMessage", after=count, timeout=30)
        found = quotes(reply["text"])
        assert found, reply["text"]
        for quote in found:
            assert any(quote in text for text in texts.values()), quote
        bold = html.unescape(re.search(r"<b>(.*?)</b>", reply["text"], re.S).group(1))
        assert expected in bold, (question, bold)
    assert "decisive enabler" in article

    count = len(bot_api.calls)
    bot_api.message("What is the recipe for a good lasagne?")
    reply = await bot_call(bot_api, "sendMessage", after=count, timeout=30)
    assert reply["text"].startswith("I couldn't find that in the documents.")


def test_serve_runs_as_a_process_answers_and_stops_on_sigint(bot_api, tmp_path):
    env = {**os.environ, "TELEGRAM_BOT_TOKEN": bot_api.token,
           "TELEGRAM_API_BASE_URL": bot_api.base_url, "TELEGRAM_FILE_BASE_URL": bot_api.file_base_url,
           "VERBATIM_INDEX_DIR": str(tmp_path / "index")}
    env.pop("VERBATIM_MODEL", None)
    process = subprocess.Popen(
        [sys.executable, "-m", "bot", "--env-file", str(tmp_path / "none.env"), "run", str(SAMPLES)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        bot_api.wait_for("setMyCommands", timeout=120)
        bot_api.message("When did Morse send a message from Washington to Baltimore?")
        reply = bot_api.wait_for("sendMessage", timeout=60)
        assert "24 May 1844" in html.unescape(reply["text"])
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err[-2000:]
    assert bot_api.token not in out + err and "TEST-token" not in err


def test_digest_merges_a_rewritten_story_but_not_a_related_one(tmp_path):
    library = Library(tmp_path / "dups")
    a = ("The city council approved a new bridge over the river on Monday. The bridge will cost 40 million "
         "euros and open in 2028. Council members said it would cut traffic in the old town. Critics said "
         "the money should go to schools.")
    b = ("On Monday, councillors voted to build a bridge across the river. The project is expected to cost "
         "40 million euros, with the bridge opening in 2028. Supporters argue it will ease congestion in the "
         "historic centre, while opponents wanted the funds spent on schools.")
    c = ("The city council approved a new budget for schools on Monday. Teachers will get a pay rise of "
         "3 percent next year, and two new primary schools will open in 2027. Parents welcomed the decision.")
    d = ("Heavy rain flooded the river banks on Tuesday, closing the old bridge for several hours. "
         "Firefighters pumped water out of basements in the old town.")
    library.add([SourceText("https://a.example/1", "Council approves river bridge", a),
                 SourceText("https://b.example/2", "Councillors back 40m bridge", b),
                 SourceText("https://c.example/3", "Council backs school budget", c),
                 SourceText("https://d.example/4", "Flooding closes old bridge", d)])
    groups = sorted(sorted(doc.source[8] for doc in item.sources) for item in library.digest())
    assert groups == [["a", "b"], ["c"], ["d"]]


SEED_QUESTIONS = [  # (question, words a bold sentence of the first message must hold, or "")
    ("What does NATO call China's role in Russia's war?", "decisive enabler"),
    ("What did NATO say about China?", ""),
    ("Where was the summit held?", ""),
    ("china russia nato", ""),  # keywords, as people type into a search box
    ("what does nato call chinas role in russias war", "decisive enabler"),  # lower case, no punctuation
]
OFF_TOPIC = ["How do I bake sourdough bread at home?", "Who won the 1998 football World Cup final?"]


def seed_library(path, others: int) -> tuple[Library, str]:
    """The seed article, alone or with `others` real news articles from ../shared."""
    import json

    seed = shared_path("corpus", "nato-washington-summit-china.txt")
    library = Library(path, reader=True)
    seed_id = library.ingest([str(seed)], progress=False).documents[0]
    if others:
        lines = shared_path("eval", "news_summaries", "articles.jsonl").read_text().splitlines()
        rows = [json.loads(line) for line in lines[:others]]
        library.add([SourceText(row["url"], row["article"][:60], row["article"]) for row in rows],
                    summaries=False)
    assert len(library.documents()) == 1 + others
    return library, seed_id


@pytest.mark.parametrize("others", [0, 9], ids=["seed alone", "seed with 9 other articles"])
def test_the_seed_article_answers_its_questions_and_declines_others(tmp_path, others):
    library, seed_id = seed_library(tmp_path / "idx", others)
    for question, expected in SEED_QUESTIONS:
        answer = library.search(question, 9)
        assert answer.found, (question, answer.hits[:1])
        assert answer.hits[0].document.id == seed_id, question
        first_message = [hit.sentence.text.lower() for hit in answer.hits[:3]]  # quotes per message
        assert any(expected.lower() in bold for bold in first_message), (question, first_message)
    for question in OFF_TOPIC:
        answer = library.search(question, 9)
        assert not answer.found, (question, [(h.score, h.sentence.text) for h in answer.hits])


def test_the_reader_prefers_the_sentence_that_answers_over_one_on_the_topic():
    import numpy as np

    from index.models.readers import load_reader

    reader = load_reader()
    question = "How many people attended the festival?"
    sentences = ["The festival celebrated local music, food and people from the region.",
                 "About 40,000 people attended the three-day festival, the organisers said.",
                 "Rain is expected across the north of the country on Friday."]
    scores = reader.score(question, sentences)
    assert scores.argmax() == 1, scores
    assert scores[2] < scores[0], scores  # unrelated text scores lowest
    # Read in length-sorted batches: a sentence's score is its own, whatever it is read with.
    many = sentences + [f"Sentence number {i} of a longer list, padded with a few more words." * (i % 3 + 1)
                        for i in range(20)]
    assert np.allclose(reader.score(question, many)[:3], scores, atol=1e-5)
    assert np.allclose(reader.score(question, many[::-1])[::-1], reader.score(question, many), atol=1e-5)


def test_past_the_exact_size_the_approximate_index_keeps_the_exact_top_ten(monkeypatch):
    """Recall@10 of the graph index (HNSW) against exact search, on real embeddings of SciFact
    abstracts and claims (the packaged model), with the search breadth the index uses."""
    import json

    import numpy as np

    from index import load_embedder
    from index.storage.embedded import dense as vectors

    scifact = shared_path("eval", "scifact")
    rows = [json.loads(line) for line in (scifact / "corpus.jsonl").read_text().splitlines()][:2500]
    claims = [json.loads(line)["text"] for line in (scifact / "queries.jsonl").read_text().splitlines()][:200]
    embedder = load_embedder()
    matrix = embedder.embed([f"{r['title']}\n{r['text'][:200]}" for r in rows])
    exact = vectors.VectorIndex(embedder.dim)
    exact.add(np.arange(1, len(rows) + 1), matrix)
    monkeypatch.setattr(vectors, "APPROXIMATE_FROM", len(rows))
    approximate = exact.resized()
    assert approximate.kind == "approximate" and len(approximate) == len(exact)
    questions = embedder.embed(claims)
    recall = np.mean([len({i for i, _ in exact.search(q, 10)} & {i for i, _ in approximate.search(q, 10)}) / 10
                      for q in questions])
    assert recall >= 0.98, recall
    # Within some collections: half the index (the graph walked through a selector) and a few
    # hundred chunks (searched exactly), each against exact search of the same chunks.
    from index.storage.embedded.scope import Membership, Scope

    ids = np.arange(1, len(rows) + 1)
    names = Membership.of(["shared" if i % 2 else f"chat-{i % 7}" for i in ids])
    for wanted in ({"shared"}, {"chat-3"}):
        scope = Scope.of(ids, names, [], np.zeros(0, dtype=np.int64), frozenset(wanted))
        inside = set(scope.ids.tolist())
        found = [({i for i, _ in exact.search(q, 10, scope)}, {i for i, _ in approximate.search(q, 10, scope)})
                 for q in questions]
        assert all(got <= inside and len(got) == 10 for _, got in found), wanted
        recall = np.mean([len(want & got) / 10 for want, got in found])
        assert recall >= 0.95, (wanted, recall)
    approximate.remove(np.array([1, 2, 3]))  # removal and lookups by chunk id work on it too
    assert len(approximate) == len(rows) - 3
    assert approximate.cosines([1, 4], questions[0])[0] == -1.0
    assert abs(approximate.cosines([4], questions[0])[0] - float(matrix[3] @ questions[0])) < 1e-3
