"""Reading files, folders and URLs into text, title and date."""

import pytest

from index import Fetcher, UnsupportedDocument
from index.sources.documents import expand, load, parse
from tests.conftest import SAMPLES
from tests.fakes.web import FakeWebsite, make_pdf

ARTICLE = """<html><head><title>Site name | Otters sleep holding hands</title>
<meta property="article:published_time" content="2024-03-02T08:00:00Z"></head>
<body><nav>Home | News | Sport | Weather | Contact us | Subscribe</nav>
<article><h1>Otters sleep holding hands</h1>
<p>Sea otters often hold hands while they sleep, so that they do not drift apart on the water.</p>
<p>A group of resting otters is called a raft, and rafts can include more than a hundred animals.</p>
</article><footer>Copyright 2024. All rights reserved. Cookie settings.</footer></body></html>"""


def test_html_keeps_the_article_and_drops_navigation(tmp_path):
    path = tmp_path / "otters.html"
    path.write_text(ARTICLE)
    doc = load(str(path))
    assert "Sea otters often hold hands" in doc.text
    assert "Cookie settings" not in doc.text and "Subscribe" not in doc.text
    assert "Otters sleep holding hands" in doc.title
    assert doc.published == "2024-03-02"


def test_markdown_title_comes_from_the_heading():
    doc = load(str(SAMPLES / "verbatim-guide.md"))
    assert doc.title == "Verbatim guide"
    assert "verbatim ingest" in doc.text


def test_pdf_text_layer_and_title(tmp_path):
    path = tmp_path / "report.pdf"
    path.write_bytes(make_pdf(["Quarterly report.", "Revenue grew by 12 percent."], title="Q3 report"))
    doc = load(str(path))
    assert "Revenue grew by 12 percent." in doc.text
    assert doc.title == "Q3 report"


def test_folders_are_read_recursively_skipping_hidden_and_unknown_files(tmp_path):
    from index.sources import ocr

    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "a" / "b" / "deep.md").write_text("# Deep\ntext")
    (tmp_path / "top.txt").write_text("top")
    (tmp_path / ".hidden").mkdir()
    (tmp_path / ".hidden" / "secret.txt").write_text("no")
    (tmp_path / "image.png").write_bytes(b"\x89PNG")  # a picture of a page: read by OCR when installed
    (tmp_path / "data.bin").write_bytes(b"\x00\x01")
    found = sorted(p.rsplit("/", 1)[1] for p in expand(str(tmp_path)))
    assert found == ["deep.md", *(["image.png"] if ocr.available() else []), "top.txt"]


def test_urls_are_downloaded_and_read_by_content_type():
    with FakeWebsite() as site:
        site.pages["/story"] = ("text/html; charset=utf-8", ARTICLE.encode())
        site.pages["/paper"] = ("application/pdf", make_pdf(["Cats purr at 25 to 150 hertz."]))
        local = Fetcher(allowed_hosts=frozenset({"127.0.0.1"}))
        story = load(site.url("/story"), local)
        paper = load(site.url("/paper"), local)
        assert story.source == site.url("/story") and "raft" in story.text
        assert "purr" in paper.text
        with pytest.raises(UnsupportedDocument, match="could not download"):
            load(site.url("/missing"), local)


def test_unsupported_and_malformed_files_get_clear_reasons(tmp_path):
    (tmp_path / "sheet.xlsx").write_bytes(b"PK\x03\x04")
    with pytest.raises(UnsupportedDocument, match=r"\.xlsx are not supported"):
        load(str(tmp_path / "sheet.xlsx"))
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.7 garbage")
    with pytest.raises(UnsupportedDocument, match="PDF"):
        load(str(tmp_path / "bad.pdf"))
    (tmp_path / "latin.txt").write_bytes("Café au lait costs 3 €.".encode("cp1252"))
    assert "Café" in load(str(tmp_path / "latin.txt")).text


@pytest.mark.parametrize("encoding, text", [
    ("cp1251", "Москва — столица России. Здесь живут миллионы людей, и город растёт каждый год."),
    ("gbk", "北京是中华人民共和国的首都，也是全国的政治和文化中心。"),
    ("shift_jis", "東京は日本の首都であり、世界有数の大都市です。多くの人が住んでいます。"),
    ("cp1252", "Café au lait costs 3 €. A naïve résumé."),
    ("utf-16", "Hello from UTF-16 with a byte-order mark: Ünïcödé."),
])
def test_text_in_other_encodings_is_read_right(tmp_path, encoding, text):
    path = tmp_path / "note.txt"
    path.write_bytes(text.encode(encoding))
    assert load(str(path)).text == text


def test_an_html_page_in_gbk_is_read_by_its_declared_charset():
    body = "北京是中华人民共和国的首都，也是全国的政治和文化中心。这里有很多历史建筑和博物馆，每年吸引数百万游客前来参观。"
    page = f'<html><head><meta charset="gbk"><title>新闻</title></head><body><article><p>{body}</p></article></body></html>'
    doc = parse(page.encode("gbk"), source="https://news.example/cn", kind="html")
    assert doc.title == "新闻" and body in doc.text


def test_garbage_and_oversized_files_are_refused_with_a_reason(tmp_path):
    import random

    noise = bytes(random.Random(1).randrange(128, 256) for _ in range(20_000))
    (tmp_path / "noise.txt").write_bytes(noise)
    with pytest.raises(UnsupportedDocument, match="not readable text"):
        load(str(tmp_path / "noise.txt"))
    big = tmp_path / "big.txt"
    big.write_bytes(b"All work and no play. " * 60_000)  # 1.3 MB
    with pytest.raises(UnsupportedDocument, match="larger than 1 MB"):
        load(str(big), Fetcher(max_bytes=2**20))
