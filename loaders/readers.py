"""Document readers: a file on disk -> one or more clean article texts with the metadata they carry.

Plain text and Markdown are stored as written (offsets refer to what we store); HTML is reduced to
its article body; PDF gives its text layer; JSON and JSONL hold one document per record. Anything
unreadable raises InvalidData naming the file (and the record or line) and what is wrong.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from schema.model import InvalidData, parse_date

SUFFIXES: frozenset[str] = frozenset({".txt", ".md", ".markdown", ".html", ".htm", ".pdf", ".json", ".jsonl"})
METADATA_KEYS = ("title", "publisher", "authors", "published", "kind", "url")
TEXT_FIELDS = ("text", "body", "content")
MAX_BYTES = 20 * 1024 * 1024


@dataclass(frozen=True)
class SourceText:
    id: str  # the file stem; a JSON/JSONL record's "id", else f"{stem}-{n}"
    text: str  # clean article text (UTF-8, \n newlines)
    metadata: dict[str, Any]  # only keys found among METADATA_KEYS
    path: Path
    where: str  # "file", "file:record 3" or "file:line 7", for error messages


def read(path: Path) -> list[SourceText]:
    """Every document in one file. Raises InvalidData naming the file (and record/line) on bad input."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise InvalidData(f"{path}: cannot read {suffix or 'suffix-less'} files (use {', '.join(sorted(SUFFIXES))})")
    try:
        if suffix == ".txt":
            docs = [SourceText(path.stem, read_text(path), {}, path, str(path))]
        elif suffix in (".md", ".markdown"):
            docs = [_read_markdown(path)]
        elif suffix in (".html", ".htm"):
            docs = [_read_html(path)]
        elif suffix == ".pdf":
            docs = [_read_pdf(path)]
        else:
            docs = _read_json(path, lines=suffix == ".jsonl")
    except OSError as exc:
        raise InvalidData(f"{path}: cannot read the file ({exc.strerror or exc})") from exc
    for doc in docs:
        _check_unicode(doc)
    return docs


def _check_unicode(doc: SourceText) -> None:
    """JSON escapes and YAML can spell a lone UTF-16 surrogate ("\\ud800"), which no UTF-8 store accepts."""
    try:
        json.dumps([doc.id, doc.text, doc.metadata], ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as exc:
        raise InvalidData(f"{doc.where}: not valid Unicode (a lone surrogate {exc.object[exc.start]!r})") from exc


def read_text(path: Path) -> str:
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise InvalidData(f"{path}: {len(data)} bytes is over the {MAX_BYTES} byte limit")
    if b"\x00" in data:
        raise InvalidData(f"{path}: looks binary (contains NUL bytes), not a text document")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidData(f"{path}:{line}: not UTF-8 text ({exc.reason})") from exc
    if not text.strip():
        raise InvalidData(f"{path}: the document is empty")
    return text.replace("\r\n", "\n")



# -- metadata ------------------------------------------------------------------------------------
_ISO_PREFIX = re.compile(r"^(\d{4}(?:-\d{2}(?:-\d{2})?)?)$|^(\d{4}-\d{2}-\d{2})[T ]\d{2}:\d{2}")


def normalise_published(value: object) -> str | None:
    """The ISO prefix of "2014-12-07", "2014-12-07T10:00:00Z", "2014-12", "2014" (or of a date, or a year
    as int); anything else -> None, never an error."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()[:10]
    if isinstance(value, bool) or not isinstance(value, str | int):
        return None
    match = _ISO_PREFIX.match(str(value).strip())
    if not match:
        return None
    text = match.group(1) or match.group(2)
    try:
        parse_date(text, "published")  # month 1-12, day 1-31
        if len(text) == 10:
            dt.date.fromisoformat(text)  # and a day the month has
    except (InvalidData, ValueError):
        return None
    return text


def split_authors(value: str) -> list[str]:
    """A byline as one string -> names: split at ';', ',', ' and ', ' & '; a leading 'By' goes."""
    value = re.sub(r"^\s*by\s+", "", value, flags=re.IGNORECASE)
    return [name.strip() for name in re.split(r"\s*(?:[;,]|\band\b|&)\s*", value) if name.strip()]


def _authors(value: Any, where: str) -> list[str]:
    if isinstance(value, str):
        names = split_authors(value)
    elif isinstance(value, list) and all(isinstance(v, str) for v in value):
        names = [v.strip() for v in value if v.strip()]
    else:
        raise InvalidData(f"{where}: authors must be a string or a list of strings")
    return list(dict.fromkeys(names))


def metadata_from(raw: dict[str, Any], where: str) -> dict[str, Any]:
    """The document metadata in a mapping (front matter, a JSON record), with the usual aliases:
    source -> publisher, author -> authors, date -> published. Other keys are ignored."""
    out: dict[str, Any] = {}
    for key, aliases in (("title", ()), ("publisher", ("source",)), ("kind", ()), ("url", ("link",))):
        value = next((raw[k] for k in (key, *aliases) if raw.get(k) is not None), None)
        if value is None:
            continue
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            raise InvalidData(f"{where}: {key} must be a string, not {type(value).__name__}")
        if str(value).strip():
            out[key] = " ".join(str(value).split())
    value = next((raw[k] for k in ("authors", "author") if raw.get(k) is not None), None)
    if value is not None:
        names = _authors(value, where)
        if names:
            out["authors"] = names
    value = next((raw[k] for k in ("published", "date") if raw.get(k) is not None), None)
    published = normalise_published(value)
    if published:
        out["published"] = published
    return out


def _clean(text: str) -> str:
    """\n newlines, no control characters but tab and newline."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]", "", text)


def _check_size(path: Path) -> None:
    size = path.stat().st_size
    if size > MAX_BYTES:
        raise InvalidData(f"{path}: {size} bytes is over the {MAX_BYTES} byte limit")


# -- Markdown -------------------------------------------------------------------------------------
_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?)^(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL | re.MULTILINE)
_ATX_TITLE = re.compile(r"\A\s*# +(.+?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)


def _read_markdown(path: Path) -> SourceText:
    text = read_text(path)
    metadata: dict[str, Any] = {}
    front = _FRONT_MATTER.match(text)
    if front:
        try:
            data = yaml.safe_load(front.group(1))
        except yaml.YAMLError as exc:
            mark = getattr(exc, "problem_mark", None)
            where = f"{path}:{mark.line + 2}" if mark else str(path)  # +1 for 1-based, +1 for the opening ---
            problem = getattr(exc, "problem", None) or str(exc)
            raise InvalidData(f"{where}: front matter is not valid YAML ({problem})") from exc
        except Exception as exc:  # PyYAML's constructors raise ValueError, RecursionError... on bad dates, deep nesting
            raise InvalidData(f"{path}: front matter is not valid YAML ({type(exc).__name__}: {exc})") from exc
        if data is not None and not isinstance(data, dict):
            raise InvalidData(f"{path}:2: front matter must be a mapping of key: value")
        metadata = metadata_from(data or {}, f"{path}: front matter")
        text = text[front.end() :].lstrip("\n")
        if not text.strip():
            raise InvalidData(f"{path}: the document is empty (only front matter)")
    if "title" not in metadata:
        heading = _ATX_TITLE.match(text)
        if heading and heading.group(1).strip():
            metadata["title"] = heading.group(1).strip()
    return SourceText(path.stem, text, metadata, path, str(path))


# -- HTML -----------------------------------------------------------------------------------------
# Removed wherever they stand: never article text.
DROP_TAGS = {
    "script", "style", "noscript", "template", "svg", "canvas", "iframe", "object", "embed", "nav", "aside",
    "figcaption", "button", "input", "select", "textarea", "dialog", "head", "map", "audio", "video",
}  # fmt: skip
# class/id words (between -, _ or spaces) of page furniture.
FURNITURE = re.compile(
    r"(?:^|[-_\s])(?:comments?|comment-?list|commentlist|disqus|caption|credits?|related|relatedposts|"
    r"share|sharing|sharedaddy|share-?bar|social|addtoany|donate|donations?|subscribe|subscription|newsletter|"
    r"signup|paywall|advert|advertisement|ads?|adsbygoogle|sponsored|promo|outbrain|taboola|sidebar|widget|"
    r"breadcrumbs?|menu|navbar|toolbar|cookies?|popup|modal|byline|author-?(?:bio|box|info|card)|about-the-author|"
    r"entry-meta|post-meta|tags|"
    r"screen-reader-text|sr-only|visually-hidden|skip-link)(?:$|[-_\s])",
    re.IGNORECASE,
)
BLOCK_TAGS = {
    "p", "div", "section", "article", "main", "header", "footer", "blockquote", "pre", "ul", "ol", "li", "dl", "dt",
    "dd", "table", "thead", "tbody", "tfoot", "tr", "td", "th", "caption", "h1", "h2", "h3", "h4", "h5", "h6",
    "figure", "address", "hr", "center", "details", "summary", "body", "html",
}  # fmt: skip
HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
# A heading that opens a block of links to other pages: it and the list after it go.
RELATED_HEADING = re.compile(
    r"^(?:related(?: posts?| articles?| stories| content| coverage| reading)?|read (?:more|also|next)"
    r"|more (?:stories|from [^\n]{1,60})|you (?:may|might) also (?:like|be interested in)|recommended"
    r" (?:for you|reading|stories)|popular (?:posts|stories)|most read)\s*:?$",
    re.IGNORECASE,
)
# A heading that opens a comment thread: it and everything after it go.
COMMENTS_HEADING = re.compile(
    r"^(?:\d+ (?:comments?|responses?|replies|thoughts on .*)|reader comments|(?:leave|post|add) a (?:reply|comment)"
    r"|(?:show|view|load) comments|join the (?:discussion|conversation)|what['’]s your reaction\??"
    r"|comments are closed\.?)\s*:?$",
    re.IGNORECASE,
)
# Short blocks that ask the reader for money or an e-mail address.
APPEAL = re.compile(
    r"\b(?:donate|make a (?:donation|contribution)|support (?:us|our (?:work|journalism|reporting)|independent"
    r" (?:journalism|media|reporting))|become a (?:member|patron|supporter|subscriber)|subscribe (?:now|today|to our)"
    r"|sign up (?:for|to) our|our newsletter|patreon|chip in)\b",
    re.IGNORECASE,
)
APPEAL_CUE = re.compile(r"\b(?:we|us|our|you|your|please)\b", re.IGNORECASE)
SHARE_LINE = re.compile(r"^(?:share(?: this(?: article| story| post)?)?|share on \w+|tweet|print|email)\s*:?$", re.I)
_WINDOWS_1252 = {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "ascii", "us-ascii", "windows-1252", "cp1252"}
_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)


def _read_html(path: Path) -> SourceText:
    from lxml import etree, html  # imported here so a text-only load does not need lxml

    source = _clean(_html_source(path))  # no NUL left: _blocks uses it to stand for <br>
    try:
        doc = html.document_fromstring(_XML_DECLARATION.sub("", source))
    except (etree.LxmlError, ValueError) as exc:
        raise InvalidData(f"{path}: not readable HTML ({exc})") from exc
    if not isinstance(doc.tag, str) or doc.tag.lower() != "html":
        raise InvalidData(f"{path}: not readable HTML (no <html> document)")
    metadata = _html_metadata(doc)
    _drop_furniture(doc)
    root = _content_root(doc)
    if root is None:
        raise InvalidData(f"{path}: no article text found in the HTML")
    _drop_inside(root)
    og_title, page_title = metadata.pop("_og_title"), metadata.pop("_title")
    metadata["title"] = _first_text(root.iter("h1")) or og_title or _first_text(doc.iter("h1")) or page_title
    try:
        text = "\n\n".join(_blocks(root))
    except RecursionError as exc:
        raise InvalidData(f"{path}: not readable HTML (nested too deeply)") from exc
    if not text.strip():
        raise InvalidData(f"{path}: no article text found in the HTML")
    return SourceText(path.stem, text, {k: metadata[k] for k in METADATA_KEYS if metadata.get(k)}, path, str(path))


def _html_source(path: Path) -> str:
    """UTF-8 as read_text checks it, or the charset the page declares."""
    try:
        return read_text(path)
    except InvalidData as exc:
        if not isinstance(exc.__cause__, UnicodeDecodeError):
            raise
        data = path.read_bytes()
        declared = _CHARSET.search(data[:4096])
        if not declared or declared.group(1).lower() in (b"utf-8", b"utf8"):
            raise
        label = declared.group(1).decode("ascii").lower()
        # As browsers do (WHATWG Encoding): a page labelled Latin-1 or ASCII is windows-1252.
        labels = [label] if label not in _WINDOWS_1252 else ["cp1252", "latin-1"]
        for label in labels:
            try:
                return data.decode(label)
            except (LookupError, UnicodeDecodeError):
                continue
        raise exc from None


def _attr(doc: Any, xpath: str, attr: str = "content") -> str | None:
    for el in doc.xpath(xpath):
        value = " ".join((el.get(attr) or "").split())
        if value:
            return value
    return None


def _first_text(elements: Iterable[Any]) -> str | None:
    for el in elements:
        text = " ".join(el.text_content().split())
        if text:
            return text
    return None


def _lower(attr: str) -> str:
    return f"translate(@{attr}, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', 'abcdefghijklmnopqrstuvwxyz')"


def _meta(doc: Any, *names: str) -> str | None:
    for name in names:
        match = " or ".join(f"{_lower(attr)}='{name}'" for attr in ("property", "name", "itemprop"))
        value = _attr(doc, f"//meta[{match}]")
        if value:
            return value
    return None


def _html_metadata(doc: Any) -> dict[str, Any]:
    """Read before anything is removed: bylines and dates often sit in furniture."""
    meta: dict[str, Any] = {}
    meta["_og_title"] = _meta(doc, "og:title", "twitter:title")
    meta["_title"] = _first_text(doc.iter("title"))
    meta["publisher"] = _meta(doc, "og:site_name", "publisher")
    meta["url"] = _attr(doc, f"//link[contains(concat(' ', {_lower('rel')}, ' '), ' canonical ')]", "href") or _meta(
        doc, "og:url"
    )
    published = _meta(doc, "article:published_time", "datepublished", "date", "pubdate", "publishdate", "dc.date",
                      "dcterms.created", "dc.date.issued", "parsely-pub-date", "sailthru.date")  # fmt: skip
    times = [
        *doc.xpath("//time[@itemprop='datePublished' or @pubdate or contains(@class, 'published')]"),
        *doc.xpath("//article//time"),
        *doc.xpath("//body//time[not(ancestor::header[not(ancestor::article)]) and not(ancestor::nav)]"),
    ]
    for candidate in [published, *(t.get("datetime") for t in times)]:
        if normalise_published(candidate):
            meta["published"] = normalise_published(candidate)
            break
    names: list[str] = []
    for value in doc.xpath(f"//meta[{_lower('name')}='author' or @property='article:author']/@content"):
        if value.strip() and not value.strip().startswith(("http://", "https://")):
            names.extend(split_authors(value))
    if not names:
        for el in doc.xpath("//a[contains(concat(' ', @rel, ' '), ' author ')] | //*[@itemprop='author']"):
            name = _first_text(el.xpath(".//*[@itemprop='name']")) or _first_text([el])
            if name:
                names.extend(split_authors(name))
    if names:
        meta["authors"] = list(dict.fromkeys(names))
    return meta


# Class names that describe a state, not a part: "has-sidebar", "no-comments", "comments-open".
_STATE_CLASS = re.compile(
    r"^(?:has|no|with|without|is|show|hide|enabled?|disabled?)[-_]|[-_](?:open|closed|enabled|disabled|active"
    r"|visible|hidden|on|off)$",
    re.IGNORECASE,
)
_ANCHORS = "//h1 | //main | //article | //*[@role='main' or @itemprop='articleBody']"


def _is_furniture(el: Any) -> bool:
    marks = f"{el.get('class') or ''} {el.get('id') or ''}".split()
    return any(FURNITURE.search(mark) for mark in marks if not _STATE_CLASS.search(mark))


def _drop_furniture(doc: Any) -> None:
    """Top down, so nothing inside a dropped element is looked at. A furniture class never removes the
    headline, <main> or a (non-furniture) <article>, nor anything holding them."""
    keep: set[Any] = set()
    for anchor in doc.xpath(_ANCHORS):
        if anchor.tag == "article" and _is_furniture(anchor):
            continue
        keep.add(anchor)
        keep.update(anchor.iterancestors())
    stack = list(doc)
    while stack:
        el = stack.pop()
        if not isinstance(el.tag, str):  # comments, processing instructions
            el.drop_tree()
            continue
        tag = el.tag.lower()
        hidden = el.get("hidden") is not None or re.search(r"display\s*:\s*none", el.get("style") or "") is not None
        # aria-hidden also marks a whole page behind an open dialog in a saved copy
        furniture = el.get("aria-hidden") == "true" or _is_furniture(el)
        if tag in DROP_TAGS or hidden or (furniture and el not in keep):
            el.drop_tree()
        elif tag == "footer" and not el.xpath("ancestor::article or ancestor::main"):
            el.drop_tree()
        elif tag == "header" and not el.xpath("ancestor::article or ancestor::main"):
            _keep_headings(el)
        else:
            stack.extend(el)


def _keep_headings(el: Any) -> None:
    """A <header> keeps its headline and loses its bylines, dates and share links."""
    headings = [h for h in el.iter(*HEADINGS)]
    if not headings:
        el.drop_tree()
        return
    for child in list(el):
        child.drop_tree()
    el.text = None
    el.extend(headings)


def _paragraph_text(el: Any) -> int:
    return sum(len(" ".join(p.text_content().split())) for p in el.iter("p"))


def _content_root(doc: Any) -> Any | None:
    """<article>, else [role=main]/<main>, else the element holding the most paragraph text."""
    for xpath in ("//article | //*[@itemprop='articleBody']", "//*[@role='main'] | //main"):
        found = [el for el in doc.xpath(xpath) if el.text_content().strip()]
        if found:
            return max(found, key=lambda el: (_paragraph_text(el), len(el.text_content())))
    scores: dict[Any, float] = {}
    for p in doc.iter("p"):
        length = len(" ".join(p.text_content().split()))
        parent = p.getparent()
        if parent is not None and length:
            scores[parent] = scores.get(parent, 0) + length
            grand = parent.getparent()
            if grand is not None:
                scores[grand] = scores.get(grand, 0) + length / 2
    if scores:
        return max(scores, key=lambda el: scores[el])
    body = doc.find("body")
    return body if body is not None and body.text_content().strip() else None


def _short_text(el: Any, limit: int = 400) -> str | None:
    text = " ".join(el.text_content().split())
    return text if len(text) <= limit else None


def _drop_inside(root: Any) -> None:
    """Inside the article: footers, header furniture, related-links and comment blocks, appeals."""
    for el in list(root.iter("header", "footer")):
        if el is root or _detached(el, root):
            continue
        if el.tag == "header":
            _keep_headings(el)
        else:
            el.drop_tree()
    for el in list(root.iter(*HEADINGS, "p", "div", "span", "strong", "b", "li")):
        if el is root or _detached(el, root):
            continue
        text = _short_text(el, 80)
        if text is None or el.xpath("descendant::p or descendant::ul or descendant::ol"):
            continue
        if COMMENTS_HEADING.match(text):
            block = _outermost_alone(el, root)
            for sibling in list(block.itersiblings()):
                sibling.drop_tree()
            block.drop_tree()
        elif RELATED_HEADING.match(text):
            block = _outermost_alone(el, root)
            following = block.getnext()
            if following is not None and following.tag in ("ul", "ol", "div", "section", "dl"):
                following.drop_tree()
            block.drop_tree()
        elif SHARE_LINE.match(text):
            _outermost_alone(el, root).drop_tree()
    for el in list(root.iter("p", "div", "section", "blockquote", "li")):
        if el is root or _detached(el, root) or any(child.tag in BLOCK_TAGS for child in el.iterdescendants()):
            continue  # only innermost blocks: never a container that also holds article paragraphs
        text = _short_text(el)
        if text and APPEAL.search(text) and APPEAL_CUE.search(text):
            el.drop_tree()


def _detached(el: Any, root: Any) -> bool:
    return root not in el.iterancestors()


def _outermost_alone(el: Any, root: Any) -> Any:
    """The largest ancestor (below root) whose only text is el's: a heading wrapped in <div><strong>."""
    text = el.text_content().strip()
    parent = el.getparent()
    while parent is not None and parent is not root and parent.text_content().strip() == text:
        el, parent = parent, parent.getparent()
    return el


_BR = "\x00"  # stands for <br> while whitespace is collapsed (read_text has refused NUL)


def _blocks(root: Any) -> Iterator[str]:
    """Block elements become paragraphs, <br> a line break, inline whitespace one space."""
    buffer: list[str] = []

    def flush() -> Iterator[str]:
        raw = "".join(buffer)
        buffer.clear()
        lines = (" ".join(line.split()) for line in re.sub(r"[\u200b\u00ad\ufeff]", "", raw).split(_BR))
        block = "\n".join(line for line in lines if line)
        if block:
            yield block

    def walk(el: Any) -> Iterator[str]:
        tag = el.tag.lower() if isinstance(el.tag, str) else ""
        if tag == "br":
            buffer.append(_BR)
            return
        if tag == "pre":
            yield from flush()
            text = "\n".join(line.rstrip() for line in el.text_content().strip("\n").split("\n"))
            if text.strip():
                yield text
            return
        block = tag in BLOCK_TAGS
        if block:
            yield from flush()
        if el.text and tag:
            buffer.append(el.text)
        for child in el:
            yield from walk(child)
            if child.tail:
                buffer.append(child.tail)
        if block:
            yield from flush()

    yield from walk(root)
    yield from flush()


# -- PDF ------------------------------------------------------------------------------------------
_PDF_DATE = re.compile(r"^(?:D:)?(\d{4})(\d{2})?(\d{2})?")


def _read_pdf(path: Path) -> SourceText:
    from pypdf import PdfReader  # imported here so a text-only load does not need pypdf

    _check_size(path)
    data = path.read_bytes()
    if b"%PDF-" not in data[:1024]:
        raise InvalidData(f"{path}: not a readable PDF (no %PDF- header)")
    if b"%%EOF" not in data[-2048:]:
        raise InvalidData(f"{path}: not a readable PDF (truncated: no %%EOF at the end)")
    try:
        reader = PdfReader(io.BytesIO(data), strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise InvalidData(f"{path}: not a readable PDF (encrypted with a password)")
        pages = [page.extract_text() or "" for page in reader.pages]
        info = reader.metadata
        raw = {
            "Title": info.title if info else None,
            "Author": info.author if info else None,
            "CreationDate": info.creation_date_raw if info else None,
        }
    except InvalidData:
        raise
    except Exception as exc:  # pypdf raises many types on corrupt input; all mean the same here
        raise InvalidData(f"{path}: not a readable PDF ({type(exc).__name__}: {exc})") from exc
    text = "\n\n".join(_tidy_page(page) for page in pages if page.strip())
    if not text.strip():
        raise InvalidData(f"{path}: has no text layer (scanned?)")
    metadata: dict[str, Any] = {}
    if isinstance(raw["Title"], str) and raw["Title"].strip():
        metadata["title"] = " ".join(raw["Title"].split())
    if isinstance(raw["Author"], str) and split_authors(raw["Author"]):
        metadata["authors"] = list(dict.fromkeys(split_authors(raw["Author"])))
    date = _PDF_DATE.match(str(raw["CreationDate"] or ""))
    if date:
        published = normalise_published("-".join(part for part in date.groups() if part))
        if published:
            metadata["published"] = published
    return SourceText(path.stem, text, metadata, path, str(path))


def _tidy_page(page: str) -> str:
    lines = [line.rstrip() for line in _clean(page).split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip("\n")


# -- JSON and JSONL -------------------------------------------------------------------------------
def _read_json(path: Path, lines: bool) -> list[SourceText]:
    text = read_text(path)
    records: list[tuple[str, int, Any]] = []  # (where, number, record)
    if lines:
        for number, line in enumerate(text.split("\n"), start=1):
            if not line.strip():
                continue
            try:
                records.append((f"{path}:line {number}", len(records) + 1, json.loads(line)))
            except json.JSONDecodeError as exc:
                raise InvalidData(f"{path}:line {number} column {exc.colno}: not valid JSON ({_reason(exc)})") from exc
            except RecursionError as exc:
                raise InvalidData(f"{path}:line {number}: not valid JSON (nested too deeply)") from exc
    else:
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidData(f"{path}:line {exc.lineno} column {exc.colno}: not valid JSON ({_reason(exc)})") from exc
        except RecursionError as exc:
            raise InvalidData(f"{path}: not valid JSON (nested too deeply)") from exc
        if isinstance(data, dict):
            records.append((str(path), 0, data))  # one object is one document: its id is the file stem
        elif isinstance(data, list):
            records.extend((f"{path}:record {n}", n, record) for n, record in enumerate(data, start=1))
        else:
            raise InvalidData(f"{path}: expected an object or a list of objects, got {type(data).__name__}")
    if not records:
        raise InvalidData(f"{path}: no records")
    out: list[SourceText] = []
    seen: dict[str, str] = {}
    for where, number, record in records:
        doc = _record(path, where, number, record)
        if doc.id in seen:
            raise InvalidData(f"{where}: id {doc.id!r} is also the id of {seen[doc.id]}")
        seen[doc.id] = where
        out.append(doc)
    return out


def _reason(exc: json.JSONDecodeError) -> str:
    return exc.msg.removesuffix(" at").lower()  # "Invalid control character at" is followed by the position


def _record(path: Path, where: str, number: int, record: Any) -> SourceText:
    if not isinstance(record, dict):
        raise InvalidData(f"{where}: expected an object, got {type(record).__name__}")
    field = next((k for k in TEXT_FIELDS if record.get(k) not in (None, "", [])), None)
    if field is None:
        raise InvalidData(f"{where}: no text (give one of {', '.join(TEXT_FIELDS)})")
    value = record[field]
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        value = "\n\n".join(v.strip() for v in value if v.strip())
    if not isinstance(value, str):
        raise InvalidData(f"{where}: {field} must be a string, not {type(value).__name__}")
    if "\x00" in value:
        raise InvalidData(f"{where}: {field} contains NUL characters")
    if not _clean(value).strip():
        raise InvalidData(f"{where}: {field} is blank")
    doc_id = record.get("id")
    if doc_id is None:
        doc_id = path.stem if number == 0 else f"{path.stem}-{number}"
    elif isinstance(doc_id, bool) or not isinstance(doc_id, str | int) or not str(doc_id).strip():
        raise InvalidData(f"{where}: id must be a non-empty string")
    return SourceText(str(doc_id).strip(), _clean(value), metadata_from(record, where), path, where)
