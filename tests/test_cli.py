"""The `verbatim` command as a script would use it."""

import json

import pytest

from bot.cli import main
from tests.conftest import BOTH_BACKENDS, HASH_MODEL, HASH_THRESHOLD, SAMPLES


@pytest.fixture
def run(tmp_path, monkeypatch, capsys, backend):
    if backend == "milvus":
        monkeypatch.setenv("VERBATIM_MILVUS_URI", str(tmp_path / "milvus.db"))
    monkeypatch.setenv("VERBATIM_MODEL", HASH_MODEL)
    monkeypatch.setenv("VERBATIM_THRESHOLD", str(HASH_THRESHOLD))
    monkeypatch.setenv("VERBATIM_READER", "off")  # the hash model's tests need no reader
    monkeypatch.delenv("TELEGRAM_BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)

    def run(*args: str) -> tuple[int, str, str]:
        code = main(list(args))
        out, err = capsys.readouterr()
        return code, out, err

    return run


@BOTH_BACKENDS
def test_ingest_list_ask_show_remove(run, tmp_path):
    index = ["--index", str(tmp_path / "idx")]
    code, out, _ = run("ingest", str(SAMPLES), *index, "--quiet")
    assert code == 0 and "3 added" in out and "chunks embedded" in out
    code, out, _ = run("ingest", str(SAMPLES), *index, "--quiet")
    assert "3 unchanged" in out and "0 chunks embedded" in out

    code, out, _ = run("documents", "--json", *index)
    docs = json.loads(out)
    assert all(set(d) == {"id", "title", "source", "published", "chunks"} for d in docs)
    telegraph = next(d for d in docs if "telegraph" in d["title"])
    assert telegraph["published"] == "2024-05-24"

    code, out, _ = run("ask", "--json", "--k", "2", *index, "When was the transatlantic telegraph cable completed?")
    answer = json.loads(out)
    assert answer["found"] and answer["question"].startswith("When was")
    hit = answer["hits"][0]
    assert set(hit) == {"document", "title", "source", "score", "text", "start", "end", "answer"}
    code, out, _ = run("show", hit["document"], "--json", *index)
    shown = json.loads(out)
    assert set(shown) == {"id", "title", "source", "published", "text", "language", "from_image", "collection"}
    assert shown["language"] == "en"
    assert shown["text"][hit["start"] : hit["end"]] == hit["text"]
    assert shown["text"][hit["answer"]["start"] : hit["answer"]["end"]] == hit["answer"]["text"]
    assert "1866" in hit["answer"]["text"]

    code, out, _ = run("remove", telegraph["id"], *index)
    assert code == 0 and "removed" in out
    code, _, err = run("show", telegraph["id"], *index)
    assert code == 1 and err.startswith("Error: No document")


@BOTH_BACKENDS
def test_batch_answers_one_json_line_per_question_in_order(run, tmp_path):
    index = ["--index", str(tmp_path / "idx")]
    run("ingest", str(SAMPLES), *index, "--quiet")
    questions = tmp_path / "q.txt"
    questions.write_text("How much honey can a colony store?\nWho won the 1998 football league?\n")
    code, out, _ = run("ask", "--batch", str(questions), "--json", *index)
    lines = [json.loads(line) for line in out.splitlines()]
    assert [line["question"] for line in lines] == ["How much honey can a colony store?",
                                                    "Who won the 1998 football league?"]
    assert lines[0]["found"] and not lines[1]["found"]
    assert [line["state"] for line in lines] == ["answered", "closest"]
    assert lines[0]["missing"] == {"kind": None, "words": []}
    assert "1998" in lines[1]["missing"]["words"]  # in no sample document
    # A script gets the hits it asks for, best first with their scores, found or not.
    for line in lines:
        assert len(line["hits"]) == 5 and [h["score"] for h in line["hits"]] != []
    assert all(h["score"] < HASH_THRESHOLD for h in lines[1]["hits"])
    assert lines[0]["hits"][0]["score"] >= HASH_THRESHOLD > min(h["score"] for h in lines[0]["hits"])
    code, out, _ = run("ask", "--k", "5", *index, "Who won the 1998 football league?")
    assert out.count("The closest passage, which does not answer it:") == 1  # as text: what the bot shows
    assert out.count("[1]") == 1 and "[2]" not in out and "**" not in out  # one passage, no sentence in bold


def test_errors_are_one_line_with_a_nonzero_exit(run, tmp_path):
    code, _, err = run("ask", "--index", str(tmp_path / "none"), "anything")
    assert code == 1 and "verbatim ingest" in err and len(err.strip().splitlines()) == 1
    code, out, err = run("ingest", str(tmp_path / "missing.txt"), "--index", str(tmp_path / "i"), "--quiet")
    assert code != 0 and "nothing could be ingested" in err and "0 added" in out
    code, _, err = run("serve", "--index", str(tmp_path / "i"))
    assert code != 0 and "TELEGRAM_BOT_TOKEN" in err


def test_bad_settings_are_reported_by_name(run, monkeypatch, tmp_path):
    monkeypatch.setenv("VERBATIM_THRESHOLD", "high")
    code, _, err = run("documents", "--index", str(tmp_path))
    assert code == 1 and "VERBATIM_THRESHOLD" in err
    monkeypatch.setenv("VERBATIM_THRESHOLD", "0.3")
    monkeypatch.setenv("VERBATIM_RUNTIME", "gpu")
    code, _, err = run("documents", "--index", str(tmp_path))
    assert code == 1 and "VERBATIM_RUNTIME must be one of onnx, onnx-int8, torch" in err


def test_help_explains_every_command(run):
    code, out, _ = run("--help")
    for command in ("ingest", "documents", "remove", "ask", "show", "chat", "serve", "migrate", "prepare"):
        assert command in out
    code, out, _ = run("ask", "--help")
    assert "--batch" in out and "--json" in out and "--index" in out


def test_console_chat_renders_answers_as_plain_text(run, tmp_path, monkeypatch):
    index = ["--index", str(tmp_path / "idx")]
    run("ingest", str(SAMPLES), *index, "--quiet")
    questions = iter(["How much honey can a colony store?", ""])
    monkeypatch.setattr("builtins.input", lambda prompt="": next(questions))
    code, out, _ = run("chat", *index)
    assert code == 0 and "**A strong colony can store more than 25 kilograms" in out
    assert "How honeybees make honey" in out


def test_eval_reports_every_method_from_one_run(run, tmp_path):
    beir = tmp_path / "beir"
    (beir / "qrels").mkdir(parents=True)
    docs = {"d1": "Otters hold hands while they sleep so they do not drift apart.",
            "d2": "The telegraph cable crossed the Atlantic in 1866.",
            "d3": "Bees turn nectar into honey by fanning it with their wings."}
    (beir / "corpus.jsonl").write_text("".join(json.dumps({"_id": k, "title": "", "text": v}) + "\n"
                                               for k, v in docs.items()))
    (beir / "queries.jsonl").write_text('{"_id": "q1", "text": "why do otters hold hands"}\n'
                                        '{"_id": "q2", "text": "how do bees make honey"}\n')
    (beir / "qrels" / "test.tsv").write_text("query-id\tcorpus-id\tscore\nq1\td1\t1\nq2\td3\t1\n")
    code, out, _ = run("eval", "beir", str(beir), "--json")
    result = json.loads(out)
    assert code == 0 and result["questions"] == 2 and set(result["methods"]) == {"bm25", "dense", "fused", "hybrid"}
    assert all(m["ndcg@10"] == 1.0 for m in result["methods"].values())

    squad = tmp_path / "squad.json"
    squad.write_text(json.dumps({"version": "1.1", "data": [{"title": "Animals", "paragraphs": [
        {"context": docs["d1"], "qas": [{"id": "1", "question": "Why do otters hold hands?",
                                         "answers": [{"text": "drift apart", "answer_start": 0}]}]},
        {"context": docs["d3"], "qas": [{"id": "2", "question": "What do bees turn nectar into?",
                                         "answers": [{"text": "honey", "answer_start": 0}]}]}]}]}))
    code, out, _ = run("eval", "squad", str(squad))
    assert code == 0 and "| hybrid | 1.000 | 1.000 | 1.000 | 1.000 |" in out
    assert '"not found" at threshold' in out

    # --questions: the same questions worded otherwise (a translation), against these paragraphs;
    # the second asked as the first's: both now point at the otters' paragraph's wording
    other = json.loads(squad.read_text())
    other["data"][0]["paragraphs"][1]["qas"][0]["question"] = "Why do otters hold hands while they sleep?"
    asked = tmp_path / "asked.json"
    asked.write_text(json.dumps(other))
    code, out, _ = run("eval", "squad", str(squad), "--questions", str(asked), "--json", "--sizes", "")
    assert code == 0 and json.loads(out)["methods"]["hybrid"]["recall@1"] == 0.5
    other["data"][0]["paragraphs"][1]["qas"] = []
    asked.write_text(json.dumps(other))
    code, _, err = run("eval", "squad", str(squad), "--questions", str(asked))
    assert code != 0 and "not the same set" in err


def test_eval_ester_reports_not_found_by_collection_size(run, tmp_path):
    stories = ["Otters hold hands while they sleep so they do not drift apart in the river.",
               "The telegraph cable crossed the Atlantic in 1866 after two failed attempts.",
               "Bees turn nectar into honey by fanning it with their wings inside the hive."]
    rows = [{"context": stories[0], "question": "Why do otters hold hands while they sleep?",
             "answer_texts": ["so they do not drift apart"]},
            {"context": stories[1], "question": "When did the telegraph cable cross the Atlantic?",
             "answer_texts": ["1866"]},
            {"context": stories[2], "question": "How do bees turn nectar into honey?",
             "answer_texts": ["fanning it with their wings"]}]
    ester = tmp_path / "ester.json"
    ester.write_text(json.dumps(rows))
    code, out, _ = run("eval", "ester", str(ester), "--json", "--sizes", "1,all")
    result = json.loads(out)
    assert code == 0 and result["documents"] == 3 and result["questions"] == 3
    assert result["methods"]["hybrid"]["recall@1"] == 1.0
    sizes = {row["size"]: row for row in result["by_size"]}
    assert set(sizes) == {1, "all"}
    for row in sizes.values():  # each question asked once with its story and once without it
        assert row["answerable"] == 3 and row["unanswerable"] == 3
        assert row["answered"] == 1.0 and row["declined"] == 1.0
    code, out, _ = run("eval", "ester", str(ester), "--sizes", "1")
    assert code == 0 and "| 1 | 3 | 1.000 | 1.000 |" in out
    code, out, err = run("eval", "ester", str(ester), "--sizes", "one")
    assert code != 0 and "1,10,all" in err


def test_serve_says_in_one_line_why_it_cannot_start(run, monkeypatch, bot_api, tmp_path):
    token = "5123456789:AAHsecretTOKENfor_tests-0123456789abc"
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", "http://127.0.0.1:9/bot")  # nothing listens there
    code, out, err = run("serve", "--index", str(tmp_path / "idx"))
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert "Cannot reach the Telegram Bot API" in err and "TELEGRAM_API_BASE_URL" in err
    assert "Traceback" not in out + err and token not in out + err

    monkeypatch.setenv("TELEGRAM_API_BASE_URL", bot_api.base_url)  # the fake only knows its own token
    code, out, err = run("serve", "--index", str(tmp_path / "idx"))
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert "404 Not Found: TELEGRAM_BOT_TOKEN is malformed" in err and token not in out + err


def test_serve_says_in_one_line_when_the_bot_api_refuses_or_is_no_bot_api(run, monkeypatch, bot_api, tmp_path):
    from tests.fakes.web import FakeWebsite

    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", bot_api.token)
    monkeypatch.setenv("TELEGRAM_API_BASE_URL", bot_api.base_url)
    bot_api.fail_next("getMe", 403, "Forbidden: bot was deleted")
    code, out, err = run("serve", "--index", str(tmp_path / "idx"))
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert "403 Forbidden" in err and "Traceback" not in out + err

    with FakeWebsite() as site:  # a web page where the Bot API should be
        site.pages[f"/bot{bot_api.token}/getMe"] = ("text/html", b"<html><body>Welcome to nginx!</body></html>")
        monkeypatch.setenv("TELEGRAM_API_BASE_URL", site.url("/bot"))
        code, out, err = run("serve", "--index", str(tmp_path / "idx"))
    assert code == 1 and len(err.strip().splitlines()) == 1, err
    assert "did not answer as a Telegram Bot API" in err and "Traceback" not in out + err


def test_eval_squad2_counts_the_impossible_questions_declined_with_their_paragraph_there(run, tmp_path):
    import gzip

    otters = "Otters hold hands while they sleep so they do not drift apart in the river."
    bees = "Bees turn nectar into honey by fanning it with their wings inside the hive."
    tax = "The tax office changed the filing deadline for small companies to the end of May."
    qa = lambda i, q, a, impossible=False: {  # noqa: E731
        "id": str(i), "question": q, "is_impossible": impossible,
        "answers": [] if impossible else [{"text": a, "answer_start": 0}],
        **({"plausible_answers": [{"text": a, "answer_start": 0}]} if impossible else {})}
    squad2 = {"version": "v2.0", "data": [{"title": "Animals", "paragraphs": [
        {"context": otters, "qas": [qa(1, "Why do otters hold hands while they sleep?", "drift apart"),
                                    qa(2, "Why do penguins hold flippers on ice floes?", "drift apart", True)]},
        {"context": bees, "qas": [qa(3, "How do bees turn nectar into honey?", "fanning it")]},
        {"context": tax, "qas": [qa(4, "When is the filing deadline for small companies?", "end of May")]}]}]}
    path = tmp_path / "squad2.json.gz"
    path.write_bytes(gzip.compress(json.dumps(squad2).encode()))
    code, out, _ = run("eval", "squad2", str(path), "--json", "--sizes", "1,all")
    result = json.loads(out)
    assert code == 0 and result["questions"] == 4 and result["impossible"] == 1
    assert result["methods"]["hybrid"]["recall@1"] == 1.0  # rankings over the answerable three
    for row in result["by_size"]:
        assert row["answerable"] == 3 and row["impossible"] == 1 and row["answered"] == 1.0
        assert row["declined_impossible"] == 1.0  # nothing about penguins, though its paragraph is there
    code, out, _ = run("eval", "squad2", str(path), "--sizes", "all")
    assert code == 0 and "declined, impossible" in out and "| all | 3 | 1.000 |" in out
    v1 = tmp_path / "v1.json"
    v1.write_text(json.dumps({"version": "1.1", "data": [{"title": "A", "paragraphs": [
        {"context": otters, "qas": [qa(1, "Why do otters hold hands?", "drift apart")]}]}]}))
    code, _, err = run("eval", "squad2", str(v1))
    assert code != 0 and "eval squad" in err


def test_eval_conversations_reads_follow_ups_in_their_thread(run, tmp_path):
    """Issue #23: `verbatim eval conversations` on a CAsT-2022-style file: a follow-up searched as
    typed, as the bot reads it in its thread, and as a person rewrote it."""
    china = ("NATO leaders said at the Washington summit that China has become a decisive enabler of the war "
             "and called on Beijing to stop its support.")
    russia = ("NATO leaders said at the Washington summit that Russia remains the most significant and direct "
              "threat to the allies.")
    grain = "Russia harvested a record wheat crop this year, and grain exports kept prices low."
    bees = "Bees turn nectar into honey by fanning it with their wings inside the hive."
    turn = lambda number, asked, rewrite, response: {  # noqa: E731
        "number": number, "utterance": asked, "manual_rewritten_utterance": rewrite, "response": response}
    topics = [{"number": 1, "turn": [
        turn("1-1", "What did NATO say about China?", "What did NATO say about China?", china),
        turn("1-2", "And what about Russia?", "What did NATO say about Russia?", russia),
        turn("1-3", "How do bees make honey?", "How do bees make honey?", bees)]},
        {"number": 2, "turn": [turn("2-1", "How was the wheat harvest in Russia?",
                                    "How was the wheat harvest in Russia?", grain)]}]
    path = tmp_path / "cast.json"
    path.write_text(json.dumps(topics))
    code, out, _ = run("eval", "conversations", str(path), "--json")
    result = json.loads(out)
    assert code == 0 and result["documents"] == 4 and result["conversations"] == 2
    follow = result["follow-ups"]
    # Typed alone, "And what about Russia?" finds Russia's harvest; read in its thread, NATO on Russia.
    assert follow["turns"] == 1 and follow["raw R@1"] == 0.0 and follow["bot R@1"] == follow["rewrite R@1"] == 1.0
    alone = result["self-contained"]
    assert alone["turns"] == 3 and alone["bot R@5"] == alone["raw R@5"] == 1.0
    code, out, _ = run("eval", "conversations", str(path), "--part", "report")
    assert code == 0 and "1 conversations" in out and "| all | 1 |" in out
    # CAsT 2020 gives passage ids, not passages: refused with the reason.
    older = tmp_path / "cast2020.json"
    older.write_text(json.dumps([{"number": 1, "turn": [{"number": 1, "raw_utterance": "Why?",
                                                         "manual_rewritten_utterance": "Why?"}]}]))
    code, _, err = run("eval", "conversations", str(older))
    assert code != 0 and "no answer passages" in err


def test_eval_news_and_whole_articles_measure_what_a_user_is_shown(run, tmp_path):
    import gzip

    otters = ("Otter news\n\nSea otters hold hands while they sleep so that they do not drift apart. "
              "A raft of otters can number more than a hundred animals. Keepers at the aquarium feed them squid.")
    bees = ("Bee news\n\nWorker bees fan nectar with their wings to turn it into honey. "
            "A strong colony stores twenty five kilograms of honey in a good season.")
    folder = tmp_path / "news"
    folder.mkdir()
    (folder / "articles.jsonl").write_text("\n".join(json.dumps({"id": i, "url": "", "article": text})
                                                     for i, text in (("o", otters), ("b", bees))))
    questions = [
        {"article_id": "o", "question": "Why do sea otters hold hands while they sleep?", "gold": ["drift apart"],
         "unanswerable": False, "kind": "answerable"},
        {"article_id": "b", "question": "How much honey does a strong colony store?", "gold": ["twenty five"],
         "unanswerable": False, "kind": "answerable"},
        {"article_id": "o", "question": "Which tax deadline did the parliament move to May?", "gold": None,
         "unanswerable": True, "kind": "adjacent"},
    ]
    (folder / "questions.jsonl").write_text("\n".join(json.dumps(q) for q in questions))
    code, out, _ = run("eval", "news", str(folder / "questions.jsonl"), "--json")
    kinds = json.loads(out)["by_kind"]
    assert code == 0 and kinds["answerable"]["questions"] == 2 and kinds["adjacent"]["declined"] == 1.0
    assert kinds["answerable"]["in bold"] == 1.0 and kinds["answerable"]["in first three"] == 1.0

    # The same as SQuAD: each article one document; an answer known by its place in the article.
    paragraphs = [otters.split("\n\n")[1], "Otters eat sea urchins, crabs and clams from the sea floor."]
    squad = {"data": [{"title": "Otters", "paragraphs": [
        {"context": paragraphs[0], "qas": [{"id": "1", "question": "Why do otters hold hands while they sleep?",
                                            "answers": [{"text": "drift apart", "answer_start":
                                                         paragraphs[0].index("drift apart")}]}]},
        {"context": paragraphs[1], "qas": [{"id": "2", "question": "What do otters eat from the sea floor?",
                                            "answers": [{"text": "sea urchins, crabs and clams", "answer_start":
                                                         paragraphs[1].index("sea urchins")}]}]},
    ]}]}
    path = tmp_path / "squad.json.gz"
    path.write_bytes(gzip.compress(json.dumps(squad).encode()))
    code, out, _ = run("eval", "squad", str(path), "--whole-articles")
    assert code == 0 and "1 articles, 2 questions" in out
    assert "| answerable | 2 | 1.000 | 1.000 | 1.000 | 1.000 | 0.000 |" in out


@BOTH_BACKENDS
def test_collections_from_the_command_line(run, tmp_path, monkeypatch):
    from tests.fakes.web import FakeWebsite

    monkeypatch.setenv("VERBATIM_ALLOW_PRIVATE_HOSTS", "127.0.0.1")  # the test's own web server
    index = ("--index", str(tmp_path / "index"))
    note = tmp_path / "lighthouse.txt"
    note.write_text("Lighthouse log\n\nThe lighthouse keeper Agnes Holt lit the lamp every night for forty years.")
    assert run("ingest", str(SAMPLES), *index, "--quiet")[0] == 0
    assert run("ingest", str(note), *index, "--collection", "chat-1001", "--quiet")[0] == 0
    assert run("ingest", str(note), *index, "--collection", "no spaces!", "--quiet")[0] != 0  # a clear refusal

    code, out, _ = run("collections", *index)
    assert code == 0 and "chat-1001" in out and "group -1001" in out and "shared" in out
    assert "Lighthouse log" not in run("documents", *index)[1]  # the shared collection, by default
    assert "Lighthouse log" in run("documents", *index, "--collection", "chat-1001")[1]
    question = "Who lit the lighthouse lamp every night?"
    assert "Agnes" not in run("ask", question, *index)[1]
    assert "Agnes" in run("ask", question, *index, "--collection", "chat-1001", "--collection", "shared")[1]
    assert run("show", str(note), *index)[0] != 0 and run("show", str(note), *index, "--collection", "chat-1001")[0] == 0
    assert run("remove", str(note), *index)[0] != 0  # not in the shared collection

    with FakeWebsite() as site:  # a feed's articles go to the collection it was added with
        site.pages["/feed.xml"] = ("application/rss+xml", f"""<?xml version="1.0"?><rss version="2.0"><channel>
            <item><title>Harbour news</title><link>{site.url('/harbour')}</link><guid>h-1</guid></item>
            </channel></rss>""".encode())
        site.pages["/harbour"] = ("text/html", b"<html><body><article><h1>Harbour news</h1><p>The harbour "
                                  b"master counted forty ferries in the bay on the first day of spring, more "
                                  b"than in any year since the old pier was rebuilt.</p></article></body></html>")
        assert "into chat-1001" in run("feeds", "add", site.url("/feed.xml"), *index, "--collection", "chat-1001")[1]
        run("feeds", "poll", *index)
    assert "Harbour news" in run("documents", *index, "--collection", "chat-1001")[1]
    assert "Harbour news" not in run("documents", *index)[1]

    code, out, _ = run("collections", "drop", "chat-1001", "--yes", *index)
    assert code == 0 and "removed 2 documents of chat-1001" in out
    assert "chat-1001" not in run("collections", *index)[1]
    assert run("collections", "drop", "chat-1001", "--yes", *index)[0] != 0
