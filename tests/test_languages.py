"""Language detection and the analyzers by kind of script (index/text/languages.py), and what they
change for sentences, chunks and BM25 (issue #22)."""

import numpy as np
import pytest

from index.models import centroids
from index.storage.embedded.bm25 import LexicalIndex
from index.text import terms
from index.text.chunking import chunk_spans, split_sentences
from index.text.languages import analyzer, detect, right_to_left
from index.text.tokens import analysed, tokenize

SAID = {
    "ru": "Альянс заявил, что Китай стал решающим пособником войны России против Украины.",
    "ar": "قال الحلف إن الصين أصبحت عاملا حاسما في تمكين حرب روسيا ضد أوكرانيا.",
    "zh": "北约表示，中国已成为俄罗斯对乌克兰战争的决定性推动者。",
    "hi": "गठबंधन ने कहा कि चीन यूक्रेन के खिलाफ रूस के युद्ध का निर्णायक सहायक बन गया है।",
    "es": "La alianza dijo que China se había convertido en un facilitador decisivo de la guerra de Rusia.",
    "de": "Das Bündnis erklärte, China sei zu einem entscheidenden Wegbereiter des russischen Krieges geworden.",
    "ja": "同盟は、中国がロシアの戦争を決定的に後押ししていると述べた。",
    "en": "The alliance said China had become a decisive enabler of Russia's war against Ukraine.",
}


@pytest.mark.parametrize("language", sorted(SAID))
def test_a_sentence_is_read_in_its_language(language):
    assert detect(SAID[language]) == language


def test_a_short_question_in_latin_letters_is_not_guessed():
    """fastText reads "otters" as Italian and "Stoltenberg" as German: two words say too little,
    so the text counts as English for its words and no passage is kept out for its language."""
    for text in ("otters", "NATO", "Stoltenberg", "budget deficit"):
        assert detect(text) == "en" and detect(text, otherwise="") == ""
    assert detect("北约") == "zh"  # a script of one language says enough
    assert detect("¿Quién ganó el Super Bowl?") == "es"


def test_a_paragraph_opening_with_foreign_names_is_read_in_the_language_of_the_rest():
    text = ("The Amazon rainforest (Portuguese: Floresta Amazônica or Amazônia; Spanish: Selva Amazónica, "
            "Amazonía or usually Amazonia; French: Forêt amazonienne) is a moist broadleaf forest. It covers "
            "most of the Amazon basin of South America. The basin covers seven million square kilometres.")
    assert detect(text) == "en"


def test_chinese_is_matched_by_pairs_of_characters():
    assert analyzer("zh").words("北约组织") == ["北约", "约组", "组织"]
    assert set(tokenize(["北约说中国是推动者"])[0]) >= {"北约", "中国"}


def test_hindi_words_keep_their_vowel_signs():
    words = analyzer("hi").words("गठबंधन ने कहा")
    assert "गठबंधन" in words and "कहा" in words  # not cut at the marks


def test_russian_forms_of_a_word_share_a_stem_and_stop_words_go():
    (language, tokens), = analysed(["Альянс заявил, что Китай и Китаю не друзья"])
    assert language == "ru"
    assert "что" not in tokens and "и" not in tokens
    assert analyzer("ru").tokens("Китае") == analyzer("ru").tokens("Китай")


def test_english_tokens_are_bm25s_own():
    import bm25s
    import Stemmer

    text = SAID["en"] + " The summit was held in Washington in July 2024."
    assert tokenize([text]) == bm25s.tokenize([text], stopwords="en", stemmer=Stemmer.Stemmer("english"),
                                              return_ids=False, show_progress=False)


@pytest.mark.parametrize("text, count", [
    ("北约成立于1949年。它有32个成员国！中国怎么说？", 3),
    ("تأسس حلف الناتو عام 1949. ما هو موقف الصين؟ لا أحد يعرف.", 3),
    ("नाटो की स्थापना 1949 में हुई। इसके 32 सदस्य हैं। चीन ने क्या कहा?", 3),
    ("タワーは東京にあります。高さは333メートルです！", 2),
])
def test_sentences_end_at_each_scripts_own_full_stops(text, count):
    assert len(split_sentences(text)) == count


def test_a_long_sentence_without_spaces_is_cut_between_characters():
    text = "北约成立于一九四九年它现在有三十二个成员国" * 20
    chunks = chunk_spans(text, lambda texts: [len(t) for t in texts], 50)
    assert len(chunks) > 1 and all(end - start <= 50 for start, end in chunks)
    assert "".join(text[a:b] for a, b in chunks) == text


def test_question_words_are_weighed_in_their_language():
    weights = terms.question_weights("Что Китай сделал для войны России?", "ru")
    assert terms.key("Китае", "ru") in weights  # another case of the same word
    assert "что" not in weights  # a stop word
    found = terms.keys(SAID["ru"], "ru")
    assert terms.coverage(weights, found) > 0.5


def test_bm25_keeps_to_the_questions_language():
    """A Spanish question shares only names with an English passage: the passage in Spanish is
    found by BM25, the English one is not (meaning decides across languages)."""
    english = "Jens Stoltenberg said China had become a decisive enabler of Russia's war."
    spanish = "Jens Stoltenberg dijo que China se había convertido en un facilitador decisivo de la guerra."
    index = LexicalIndex.build([1, 2], [english, spanish])
    scores = dict(zip(index.ids.tolist(), index.scores("¿Qué dijo Jens Stoltenberg sobre China y la guerra?")))
    assert scores[2] > 0 and scores[1] == 0
    english_scores = dict(zip(index.ids.tolist(), index.scores("What did Jens Stoltenberg say about China?")))
    assert english_scores[1] > english_scores[2] == 0
    short = dict(zip(index.ids.tolist(), index.scores("Stoltenberg")))  # too short to tell: both count
    assert short[1] > 0 and short[2] > 0


def test_right_to_left_is_told_by_most_letters():
    assert right_to_left(SAID["ar"]) and right_to_left("NATO 2024: " + SAID["ar"])
    assert not right_to_left(SAID["en"]) and not right_to_left(SAID["en"] + " (الناتو)")


def test_a_question_is_read_toward_the_language_of_the_passages():
    """The multilingual model's language centres (index/models/centroids.py): a Chinese question
    asked of English passages is also searched nearer the English centre and farther from the
    Chinese one; asked of Chinese passages, or unsure of its language, or on the English default
    model (no centres), it is searched as asked."""
    model = "multilingual-e5-small"
    known = centroids.centres(model)
    assert {"en", "zh", "ar", "vi", "ru", "hi"} <= set(known)
    question = known["zh"] + np.random.default_rng(0).normal(0, 0.02, known["zh"].shape).astype(np.float32)
    question /= np.linalg.norm(question)
    asked, moved = centroids.readings(question, model, "zh", ["en", "zh"])
    assert np.allclose(asked, question) and np.isclose(np.linalg.norm(moved), 1.0)
    assert moved @ known["en"] > question @ known["en"] and moved @ known["zh"] < question @ known["zh"]
    assert len(centroids.readings(question, model, "zh", ["zh"])) == 1
    assert len(centroids.readings(question, model, "", ["en"])) == 1
    assert len(centroids.readings(question, "all-MiniLM-L6-v2", "zh", ["en"])) == 1
