"""The formatter: any document text gives valid, escaped messages within Telegram's limit."""

import html
import re
from html.parser import HTMLParser

from hypothesis import given, settings
from hypothesis import strategies as st

from bot import formatting
from index import Answer, DocumentInfo, Hit, Missing, Span

ALLOWED = {"b", "blockquote", "a"}


class Checker(HTMLParser):
    """Parse Telegram HTML: only allowed tags, properly nested; collect visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[str] = []
        self.text: list[str] = []
        self.quotes: list[str] = []

    def handle_starttag(self, tag, attrs):
        assert tag in ALLOWED, tag
        self.stack.append(tag)
        if tag == "blockquote":
            self.quotes.append("")

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, f"unbalanced </{tag}>"

    def handle_data(self, data):
        self.text.append(data)
        if "blockquote" in self.stack:
            self.quotes[-1] += data


def check(message: str) -> Checker:
    checker = Checker()
    checker.feed(message)
    checker.close()
    assert not checker.stack
    assert formatting.telegram_length("".join(checker.text)) <= formatting.MESSAGE_LIMIT
    return checker


def make_hit(text: str, answer_start: int, answer_end: int, title: str, source: str, n: int = 0) -> Hit:
    doc = DocumentInfo(f"doc{n}", title, source, "2024-07-11", 1)
    return Hit(doc, n, Span(text, 0, len(text)), Span(text[answer_start:answer_end], answer_start, answer_end), 0.5)


texts = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), min_size=1, max_size=6000)


@settings(max_examples=150, deadline=None)
@given(texts, st.data(), st.text(max_size=300), st.sampled_from(["/tmp/a.txt", "https://x.org/a?b=1&c=<2>"]))
def test_any_text_gives_valid_messages_within_the_limit(text, data, title, source):
    start = data.draw(st.integers(0, len(text) - 1))
    end = data.draw(st.integers(start + 1, len(text)))
    hits = tuple(make_hit(text, start, end, title or "t", source, n) for n in range(4))
    for found in (True, False):  # answered, or the closest passage with what it lacks
        answer = Answer("q", found, hits if found else hits[:1], Missing() if found else Missing("amount"))
        for page in range(formatting.page_count(answer, 3)):
            message = formatting.answer_html(answer, page, 3)
            checker = check(message)
            assert checker.quotes
            for quote in checker.quotes:
                # verbatim after unescaping, even when shortened; a right-to-left quote's lines
                # open with the invisible mark formatting.directed adds
                assert quote in text or unmarked(quote) in text
            assert found or "<b>" not in message.split("<blockquote>")[1].split("</blockquote>")[0]
    # The answering sentence is bold and is itself a piece of the text.
    bold = re.search(r"<blockquote>.*?<b>(.*?)</b>", formatting.answer_html(Answer("q", True, hits[:1])), re.S)
    assert unmarked(html.unescape(bold.group(1))) in text[start:end]


def unmarked(quote: str) -> str:
    """A quote without the right-to-left mark formatting.directed opens each line of one with."""
    return re.sub(r"(^|\n)\u200f", r"\1", quote)


def test_short_quotes_are_whole_and_the_answer_is_bold():
    text = "Bees <3 flowers & sun. They make honey. Winter is long."
    hit = make_hit(text, 23, 39, "Bees & co", "https://bees.example/a?x=1&y=2")
    message = formatting.answer_html(Answer("q", True, (hit,)))
    assert "<blockquote>Bees &lt;3 flowers &amp; sun. <b>They make honey.</b> Winter is long.</blockquote>" in message
    assert '<a href="https://bees.example/a?x=1&amp;y=2#:~:text=They%20make%20honey.">source</a>' in message
    assert "2024-07-11" in message and "(excerpt)" not in message


def test_long_quotes_are_cut_around_the_answer_and_marked():
    text = "Filler sentence here. " * 400 + "The answer is 42. " + "More filler text. " * 400
    start = text.index("The answer")
    hit = make_hit(text, start, start + len("The answer is 42."), "Long", "/x.txt")
    message = formatting.answer_html(Answer("q", True, (hit,)))
    checker = check(message)
    assert "The answer is 42." in checker.quotes[0] and "(excerpt)" in message


def test_emoji_count_as_two_units():
    assert formatting.telegram_length("a😀") == 3
    hit = make_hit("😀" * 5000, 0, 10, "t", "/x")
    check(formatting.answer_html(Answer("q", True, (hit,))))


def test_documents_listing_fits_and_says_what_was_left_out():
    docs = [DocumentInfo(str(i), f"Document number {i} " * 5, f"/d/{i}.txt", None, 1) for i in range(500)]
    message = formatting.documents_html(docs)
    checker = check(message)
    assert "more." in "".join(checker.text)


def _directive(link: str) -> list[str]:
    """Decode a link's text directive back into its textStart[,textEnd] parts."""
    from urllib.parse import unquote

    base, _, fragment = link.partition("#")
    assert fragment.count(":~:text=") == 1, link
    encoded = fragment.split(":~:text=")[1]
    assert "-" not in encoded and "&" not in encoded, encoded  # syntax characters are escaped
    return [unquote(part) for part in encoded.split(",")]


def test_the_source_link_opens_the_page_at_the_answering_sentence():
    sentence = "NATO called China a “decisive enabler” of Russia’s war, 50-50 & more."
    text = "Intro. " + sentence + " Outro."
    hit = make_hit(text, 7, 7 + len(sentence), "Summit", "https://news.example/a?id=1&x=2")
    message = formatting.answer_html(Answer("q", True, (hit,)))
    href = html.unescape(re.search(r'<a href="([^"]+)"', message).group(1))
    assert href.startswith("https://news.example/a?id=1&x=2#:~:text=")
    assert _directive(href) == [sentence]  # the exact sentence, commas, dash, ampersand and quotes kept
    assert href in formatting.answer_plain(Answer("q", True, (hit,)))  # the console shows the same link


def test_long_sentences_are_named_by_their_ends_and_unusable_ones_fall_back():
    long = " ".join(f"word{i}" for i in range(60))
    link = formatting.text_fragment_link("https://x.org/p#top", long)
    assert link.startswith("https://x.org/p#top:~:text=")
    assert _directive(link) == ["word0 word1 word2 word3 word4", "word55 word56 word57 word58 word59"]
    assert formatting.text_fragment_link("https://x.org/p", "two\nlines") == "https://x.org/p"
    assert formatting.text_fragment_link("https://x.org/p", "x" * 500) == "https://x.org/p"  # one huge word
    # A local file has no link at all, so no fragment either.
    hit = make_hit("A sentence here.", 0, 16, "Notes", "/tmp/notes.txt")
    assert "href" not in formatting.answer_html(Answer("q", True, (hit,)))
