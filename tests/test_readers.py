"""Document readers: text, Markdown, HTML, PDF, JSON and JSONL to clean text and metadata; pure, no database."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from loaders import readers
from loaders.readers import SUFFIXES, SourceText, normalise_published, read, split_authors
from schema.model import InvalidData

DATA = Path(__file__).resolve().parent / "data" / "readers"


def fails(path: Path, *parts: str) -> str:
    """read(path) raises InvalidData whose message holds every part; returns the message."""
    with pytest.raises(InvalidData) as info:
        read(path)
    message = str(info.value)
    for part in parts:
        assert part in message, f"{part!r} not in {message!r}"
    return message


# -- a minimal PDF writer, so the tests need no PDF package of their own ---------------------------
def _pdf_string(text: str) -> str:
    return "(" + text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)") + ")"


def make_pdf(pages: list[list[str]], info: dict[str, str] | None = None) -> bytes:
    """A PDF 1.4 file with one Helvetica text line per string; a page with no lines has no text layer."""
    objects: list[bytes] = []
    n_pages = len(pages)
    font = 3 + 2 * n_pages
    kids = " ".join(f"{3 + 2 * i} 0 R" for i in range(n_pages))
    objects.append(b"<< /Type /Catalog /Pages 2 0 R >>")
    objects.append(f"<< /Type /Pages /Kids [{kids}] /Count {n_pages} >>".encode())
    for i, lines in enumerate(pages):
        objects.append(
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents {4 + 2 * i} 0 R "
            f"/Resources << /Font << /F1 {font} 0 R >> >> >>".encode()
        )
        ops = "".join(f"{_pdf_string(line)} Tj 0 -16 Td " for line in lines)
        content = f"BT /F1 12 Tf 72 720 Td {ops}ET".encode() if lines else b"0 0 1 rg 72 72 100 100 re f"
        objects.append(b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream")
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>")
    trailer = "/Root 1 0 R"
    if info:
        entries = " ".join(f"/{key} {_pdf_string(value)}" for key, value in info.items())
        objects.append(f"<< {entries} >>".encode())
        trailer += f" /Info {len(objects)} 0 R"
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} {trailer} >>\n".encode()
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


@pytest.fixture
def pdf(tmp_path: Path) -> Path:
    path = tmp_path / "cable.pdf"
    path.write_bytes(
        make_pdf(
            [["Page one: the officer met the source.", "A second line (with parentheses)."], ["Page two text."]],
            {"Title": "Cable 42", "Author": "Jane Doe; John Roe", "CreationDate": "D:20141207100000Z"},
        )
    )
    return path


# -- the API ---------------------------------------------------------------------------------------
def test_suffixes_cover_every_format() -> None:
    assert {".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".json", ".jsonl"} == SUFFIXES


def test_plain_text_is_kept_as_read_text_gives_it(tmp_path: Path) -> None:
    path = tmp_path / "note.TXT"
    path.write_bytes(b"\xef\xbb\xbfLine one.\r\nLine two.\r\n")
    [doc] = read(path)
    assert doc == SourceText("note", "Line one.\nLine two.\n", {}, path, str(path))
    assert doc.text == readers.read_text(path)


def test_unknown_suffix_and_missing_file(tmp_path: Path) -> None:
    fails(tmp_path / "sheet.docx", "sheet.docx", "cannot read .docx files")
    fails(tmp_path / "gone.txt", "gone.txt", "cannot read the file")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2014-12-07", "2014-12-07"),
        ("2014-12-07T10:00:00Z", "2014-12-07"),
        ("2014-12-07 10:00:00+03:30", "2014-12-07"),
        ("2014-12", "2014-12"),
        ("2014", "2014"),
        (2014, "2014"),
        (" 2014-12-07 ", "2014-12-07"),
        ("7 December 2014", None),
        ("2014-13", None),
        ("2014-02-30", None),
        ("2014-12T10:00", None),
        ("", None),
        (None, None),
        (True, None),
        ([2014], None),
    ],
)
def test_normalise_published(value: object, expected: str | None) -> None:
    assert normalise_published(value) == expected


def test_split_authors() -> None:
    assert split_authors("By Jane Doe, John Roe and Ann Poe") == ["Jane Doe", "John Roe", "Ann Poe"]
    assert split_authors("Reuters") == ["Reuters"]


# -- HTML ------------------------------------------------------------------------------------------
FURNITURE = [
    "SITE LOGO", "NAV WORLD", "NAV POLITICS", "SCRIPT TEXT", "STYLE TEXT", "BYLINE JANE", "18 November 2019",
    "SHARE ON", "FIGCAPTION", "PHOTO CREDIT", "DONATION APPEAL", "donate", "Related posts", "RELATED ONE",
    "RELATED TWO", "Read more", "READ MORE LINK", "ARTICLE FOOTER", "3 Comments", "COMMENT ONE", "COMMENT TWO",
    "DISQUS", "ASIDE TEXT", "SITE FOOTER",
]  # fmt: skip


def test_html_news_page_keeps_the_article_and_drops_the_furniture() -> None:
    path = DATA / "news.html"
    [doc] = read(path)
    assert doc.id == "news"
    assert doc.where == str(path)
    assert doc.text == (
        "Iran's spies in Iraq\n\n"
        "First paragraph: the leaked cables describe a network of informants.\n\n"
        "The ministry\n\n"
        "Second paragraph with a link and emphasis.\nA new line after a break.\n\n"
        "Third paragraph & the last one."
    )
    for snippet in FURNITURE:
        assert snippet not in doc.text
    assert doc.metadata == {
        "title": "Iran's spies in Iraq",
        "publisher": "The Example Post",
        "authors": ["Jane Doe", "John Roe"],
        "published": "2019-11-18",
        "url": "https://example.org/2019/11/iran-spies",
    }


def test_html_without_article_takes_the_element_with_most_paragraph_text() -> None:
    [doc] = read(DATA / "no_article.html")
    assert doc.text == (
        "Cable 42\n\nThe officer met the source in Baghdad.\n\n"
        "He reported to the ministry twice a month, according to the cable.\n\nThe meetings ended in 2015."
    )
    for snippet in ("TOP LINKS", "MENU ITEM", "LEFT COLUMN", "CAPTION TEXT", "Short."):
        assert snippet not in doc.text
    assert doc.metadata == {"title": "Cable 42"}


def test_html_metadata_fallbacks(tmp_path: Path) -> None:
    path = tmp_path / "page.htm"
    path.write_text(
        '<?xml version="1.0" encoding="utf-8"?><html><head><title>Page title</title>'
        '<meta property="og:url" content="https://example.org/p"></head><body>'
        '<header><h1 class="logo">Logo</h1></header>'
        '<main><p>By <a rel="author" href="/a">Ann Poe</a></p><p>Body text of the page. <time datetime="2015-03">'
        "March</time></p></main></body></html>",
        encoding="utf-8",
    )
    [doc] = read(path)
    assert doc.metadata == {
        "title": "Logo",
        "authors": ["Ann Poe"],
        "published": "2015-03",
        "url": "https://example.org/p",
    }
    assert "Body text of the page. March" in doc.text


def test_html_furniture_classes_never_remove_the_article(tmp_path: Path) -> None:
    path = tmp_path / "wrapped.html"
    path.write_text(
        '<html><body><div class="layout has-sidebar sidebar-right"><div class="comments-open">'
        '<article class="post"><h2>Headline in h2</h2><p>The foundation received a donation from the ministry.</p>'
        "<p>Another paragraph.</p></article>"
        '<div class="sidebar"><p>SIDEBAR</p></div><ol class="commentlist"><li><article class="comment">'
        "<p>A COMMENT that is longer than the article itself, by a long way, on and on and on.</p>"
        "</article></li></ol></div></div></body></html>",
        encoding="utf-8",
    )
    [doc] = read(path)
    assert doc.text == ("Headline in h2\n\nThe foundation received a donation from the ministry.\n\nAnother paragraph.")


def test_html_in_a_declared_charset_is_decoded() -> None:
    [doc] = read(DATA / "latin1.html")
    assert doc.text == "Café in Tehran."


def test_html_binary_garbage_is_invalid_data(tmp_path: Path) -> None:
    fails(DATA / "binary.html", f"{DATA / 'binary.html'}:", "looks binary")
    garbage = tmp_path / "garbage.html"
    garbage.write_bytes(bytes(range(0x80, 0x100)) * 4)
    fails(garbage, f"{garbage}:1:", "not UTF-8")


def test_html_with_no_article_text_is_invalid_data(tmp_path: Path) -> None:
    path = tmp_path / "chrome.html"
    path.write_text(
        "<html><head><title>T</title><script>var x = 'text';</script></head>"
        "<body><nav>Home News</nav><footer>Copyright</footer></body></html>",
        encoding="utf-8",
    )
    fails(path, str(path), "no article text found")
    comment_only = tmp_path / "comment.html"
    comment_only.write_text("<!-- just a comment -->", encoding="utf-8")
    with pytest.raises(InvalidData, match="comment.html"):
        read(comment_only)


# -- Markdown --------------------------------------------------------------------------------------
def test_markdown_front_matter_is_metadata_and_leaves_the_text() -> None:
    path = DATA / "front_matter.md"
    [doc] = read(path)
    raw = path.read_text(encoding="utf-8")
    assert doc.text == "# A heading that is not the title\n\nBody text with *Markdown* kept as written.\n"
    assert raw.endswith(doc.text)
    assert doc.metadata == {
        "title": "The Quds Force in Iraq",
        "publisher": "The Example Post",
        "authors": ["Jane Doe"],
        "published": "2019-11-18",
        "kind": "news-article",
        "url": "https://example.org/quds",
    }


def test_markdown_title_from_the_leading_heading_and_text_as_is() -> None:
    path = DATA / "heading.md"
    [doc] = read(path)
    assert doc.metadata == {"title": "Soleimani's visit"}
    assert doc.text == readers.read_text(path)


def test_markdown_bad_front_matter_names_the_line() -> None:
    path = DATA / "bad_front_matter.md"
    fails(path, f"{path}:4:", "front matter is not valid YAML")


def test_markdown_only_front_matter_is_empty(tmp_path: Path) -> None:
    path = tmp_path / "only.markdown"
    path.write_text("---\ntitle: x\n---\n\n", encoding="utf-8")
    fails(path, str(path), "empty")


# -- PDF -------------------------------------------------------------------------------------------
def test_pdf_text_layer_and_metadata(pdf: Path) -> None:
    [doc] = read(pdf)
    assert doc.id == "cable"
    lines = doc.text.split("\n")
    assert "Page one: the officer met the source." in lines
    assert "A second line (with parentheses)." in lines
    assert doc.text.index("Page one") < doc.text.index("Page two text.")
    assert doc.metadata == {"title": "Cable 42", "authors": ["Jane Doe", "John Roe"], "published": "2014-12-07"}


def test_pdf_truncated_is_not_readable(pdf: Path, tmp_path: Path) -> None:
    truncated = tmp_path / "truncated.pdf"
    truncated.write_bytes(pdf.read_bytes()[: pdf.stat().st_size // 2])
    fails(truncated, f"{truncated}: not a readable PDF (")


def test_pdf_corrupt_body_is_not_readable(tmp_path: Path) -> None:
    corrupt = tmp_path / "corrupt.pdf"
    corrupt.write_bytes(b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog /Pages 9 0 R\nendobj\ntrailer\n<< >>\n%%EOF\n")
    fails(corrupt, f"{corrupt}: not a readable PDF (")
    not_pdf = tmp_path / "page.pdf"
    not_pdf.write_text("<html>this is not a PDF</html>", encoding="utf-8")
    fails(not_pdf, f"{not_pdf}: not a readable PDF (")


def test_pdf_without_text_layer(tmp_path: Path) -> None:
    scanned = tmp_path / "scan.pdf"
    scanned.write_bytes(make_pdf([[], []]))
    fails(scanned, f"{scanned}: has no text layer (scanned?)")


# -- JSON and JSONL --------------------------------------------------------------------------------
def test_json_list_records() -> None:
    path = DATA / "list.json"
    docs = read(path)
    assert [d.id for d in docs] == ["cable-1", "list-2", "list-3"]
    assert [d.where for d in docs] == [f"{path}:record {n}" for n in (1, 2, 3)]
    first, second, third = docs
    assert first.text == "The first cable text."
    assert first.metadata == {
        "title": "First cable",
        "publisher": "Archive",
        "authors": ["A. Writer", "B. Writer"],
        "published": "2014-12-07",
        "kind": "intelligence-report",
    }
    assert second.text == "Second record, first paragraph.\n\nSecond paragraph."
    assert second.metadata == {"authors": ["C. Writer"], "published": "2014-12"}
    assert third.text == "Third record."
    assert third.metadata == {"url": "https://example.org/3"}  # an unreadable date is dropped, not fatal


def test_json_object_is_one_document_named_after_the_file() -> None:
    path = DATA / "object.json"
    [doc] = read(path)
    assert (doc.id, doc.where, doc.text) == ("object", str(path), "A single object is a single document.")
    assert doc.metadata == {"title": "One object", "published": "2014"}


def test_jsonl_records_by_line() -> None:
    path = DATA / "good.jsonl"
    docs = read(path)
    assert [(d.id, d.where, d.text) for d in docs] == [
        ("a", f"{path}:line 1", "Line one."),
        ("b", f"{path}:line 2", "Line two."),
        ("good-3", f"{path}:line 4", "Line four, no id."),
    ]


def test_jsonl_broken_line_is_named() -> None:
    path = DATA / "broken.jsonl"
    fails(path, f"{path}:line 3 column", "not valid JSON")


def test_json_broken_names_line_and_column() -> None:
    path = DATA / "broken.json"
    fails(path, f"{path}:line 3 column 39:", "not valid JSON")


def test_json_record_without_text_is_named() -> None:
    path = DATA / "no_text.json"
    fails(path, f"{path}:record 2:", "no text")


@pytest.mark.parametrize(
    ("content", "where", "what"),
    [
        ('[{"text": "a"}, 5]', "record 2", "expected an object, got int"),
        ('"just a string"', "", "expected an object or a list of objects"),
        ("[]", "", "no records"),
        ('[{"text": 5}]', "record 1", "text must be a string"),
        ('[{"text": "  "}]', "record 1", "text is blank"),
        ('[{"text": "a", "id": ""}]', "record 1", "id must be a non-empty string"),
        ('[{"text": "a", "title": {"x": 1}}]', "record 1", "title must be a string"),
        ('[{"text": "a", "authors": [1, 2]}]', "record 1", "authors must be"),
        ('[{"id": "x", "text": "a"}, {"id": "x", "text": "b"}]', "record 2", "'x' is also the id of"),
        ("[" * 100_000, "", "not valid JSON"),
    ],
)
def test_json_bad_records(tmp_path: Path, content: str, where: str, what: str) -> None:
    path = tmp_path / "records.json"
    path.write_text(content, encoding="utf-8")
    fails(path, f"{path}:{where}" if where else f"{path}:", what)


# -- files that are not documents ------------------------------------------------------------------
def test_latin1_text_names_file_and_line() -> None:
    path = DATA / "latin1.txt"
    fails(path, f"{path}:1:", "not UTF-8")


@pytest.mark.parametrize("name", ["empty.txt", "empty.json", "blank.jsonl"])
def test_empty_files(name: str) -> None:
    fails(DATA / name, f"{DATA / name}:", "empty")


@pytest.mark.parametrize("name", ["big.txt", "big.md", "big.html", "big.pdf", "big.json", "big.jsonl"])
def test_oversize_files(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    monkeypatch.setattr(readers, "MAX_BYTES", 100)
    path = tmp_path / name
    path.write_bytes(b"x" * 101)
    fails(path, f"{path}: 101 bytes is over the 100 byte limit")


def _damaged(data: bytes, rng: random.Random) -> bytes:
    """A copy with a random stretch overwritten, or cut out with the tail kept, so the %%EOF stays."""
    start = rng.randrange(len(data) - 20)
    length = rng.randrange(1, 40)
    if rng.random() < 0.5:
        return data[:start] + bytes(rng.randrange(256) for _ in range(length)) + data[start + length :]
    return data[:start] + data[-rng.randrange(7, 60) :]


@pytest.mark.parametrize("suffix", sorted(SUFFIXES))
def test_garbage_never_raises_anything_but_invalid_data(tmp_path: Path, suffix: str) -> None:
    rng = random.Random(suffix)
    pdf_bytes = make_pdf([["Some text."]])
    samples = [
        bytes(rng.randrange(256) for _ in range(rng.randrange(1, 600))) for _ in range(8)
    ] + [
        bytes(rng.randrange(1, 128) for _ in range(rng.randrange(1, 600))) for _ in range(8)
    ] + [
        _damaged(pdf_bytes, rng) for _ in range(16)
    ]  # fmt: skip
    for n, data in enumerate(samples):
        path = tmp_path / f"sample{n}{suffix}"
        path.write_bytes(data)
        try:
            docs = read(path)
        except InvalidData as exc:
            assert str(path) in str(exc)
        else:
            assert all(isinstance(d, SourceText) and d.text.strip() for d in docs)
