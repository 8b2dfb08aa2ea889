"""Fuzzing (hypothesis) every reader and the curated loaders with arbitrary bytes and with inputs shaped
like the real thing: the only acceptable failure is InvalidData naming the file, and a document that
fails to load leaves the graph exactly as it was. HYPOTHESIS_PROFILE=deep searches much longer."""

from __future__ import annotations

import csv
import io
import json
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import SEEDS, load, snapshot
from hypothesis import event, given, settings
from hypothesis import strategies as st
from test_readers import make_pdf

from loaders import readers
from loaders.curated import DOCUMENT_FIELDS, ENTITY_FIELDS, FACT_FIELDS, read_annotations, read_catalogue
from schema.model import InvalidData, load_model

MODEL = load_model()
FAMILIES = {e.id: e.family for e in read_catalogue(SEEDS / "entities.yaml", MODEL)}
TEXT = (
    "MOIS report, 7 December 2014.\nSoleimani met Kaka Hama in Erbil on December 7, 2014. "
    "The KSDP fought ISIS near Kirkuk.\n\n12 Comments\nSoleimani met Kaka Hama.\n"
)


@contextmanager
def folder(files: dict[str, bytes]) -> Iterator[Path]:
    with tempfile.TemporaryDirectory() as tmp:
        for name, data in files.items():
            (Path(tmp) / name).write_bytes(data)
        yield Path(tmp)


def refused_or_done(call: Callable[[], Any], *paths: Path) -> Any:
    """call(), whose only acceptable failure is InvalidData naming one of `paths`; None when refused."""
    try:
        return call()
    except InvalidData as exc:
        assert any(str(p) in str(exc) for p in paths), f"the error does not name the file: {exc}"
        return None


# -- values shaped like what a careless or hostile file holds ------------------------------------
any_text = st.text(st.characters(exclude_categories=()), max_size=80)  # surrogates and controls included
scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), any_text,
                    st.dates().map(str), st.sampled_from(["2014", "2014-12", "2014-12-07", "2014-13", "0000-00-00"]))


def nested(keys: list[str]) -> st.SearchStrategy:
    return st.recursive(
        scalars,
        lambda inner: st.one_of(st.lists(inner, max_size=4),
                                st.dictionaries(st.one_of(st.sampled_from(keys), any_text), inner, max_size=5)),
        max_leaves=12,
    )


def maybe(valid: st.SearchStrategy, keys: list[str] = ()) -> st.SearchStrategy:
    """Mostly a plausible value, sometimes anything at all."""
    return st.one_of(valid, valid, nested(list(keys) or ["x"]))


METADATA = ["id", "title", "publisher", "source", "authors", "author", "published", "date", "kind", "url", "link",
            "text", "body", "content"]
LAUGHS = "\n".join(  # a billion references to one list, in a few hundred bytes
    [f"l0: &l0 [{', '.join(['lol'] * 9)}]"] + [f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]" for i in range(1, 9)]
)
yaml_soup = st.lists(st.one_of(st.sampled_from([
    "published: 2014-13-45", "date: 2014-02-30", "date: 2014-02-28 25:00:00", "title: !!timestamp 2014",
    "title: !!binary xyz", "title: !!binary aGVsbG8=", "kind: !!int abc", "url: !!float abc", "id: 0x_",
    "authors: !!set {a, b}", "facts: !!omap [1]", "document: &d [*d]", "noise: &n [*n]", "? [a, b]\n: c",
    'title: "\\ud800"', "authors: ['\\udfff']", "facts: " + "[" * 600 + "]" * 600, LAUGHS, "facts: [*l8]",
    "- a\n- b", "facts:\n  - &f {subject: mois}\n  - *f", "text: |\n  block\n", "!!python/object:os.system {}",
    "document: {title: [1, {a: b}]}", "entities: [{id: x, family: [Person]}]", "1: 2", "null: ~",
]), st.text(max_size=40)), max_size=5).map("\n".join)
yaml_text = st.one_of(nested(METADATA).map(lambda v: yaml.safe_dump(v, allow_unicode=True)), yaml_soup)
encodings = st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "latin-1", "cp1252"])


def encoded(text: st.SearchStrategy) -> st.SearchStrategy:
    return st.builds(lambda t, e: t.encode(e, errors="surrogatepass" if e.startswith("utf") else "replace"),
                     text, encodings)


# -- readers ---------------------------------------------------------------------------------------
def check_read(name: str, data: bytes) -> None:
    with folder({name: data}) as where:
        path = where / name
        docs = refused_or_done(lambda: readers.read(path), path)
    for doc in docs or []:
        assert isinstance(doc.id, str) and doc.id.strip()
        assert doc.text.strip(), "a document with no text was read"
        doc.text.encode("utf-8")  # Neo4j and the hashes need valid Unicode
        assert str(path) in doc.where
        assert set(doc.metadata) <= set(readers.METADATA_KEYS)
        for key, value in doc.metadata.items():
            assert all(isinstance(v, str) and v for v in value) if key == "authors" else isinstance(value, str)
            (value if key != "authors" else "".join(value)).encode("utf-8")


@pytest.mark.parametrize("suffix", sorted(readers.SUFFIXES))
@given(data=st.binary(max_size=3000))
def test_any_bytes(suffix, data):
    check_read("doc" + suffix, data)


@given(data=encoded(any_text))
def test_text(data):
    check_read("doc.txt", data)


markdown = st.builds(
    lambda front, fence, body: f"---\n{front}{fence}\n{body}", st.one_of(yaml_text, any_text),
    st.sampled_from(["---", "...", "--- ", "", "----"]),
    st.one_of(any_text, any_text.map(lambda t: f"# {t}\n\nBody.")),
)


@given(data=encoded(markdown))
def test_markdown(data):
    check_read("doc.md", data)


TAGS = ["html", "head", "body", "title", "meta", "link", "article", "main", "section", "div", "p", "span", "h1",
        "h2", "header", "footer", "nav", "aside", "figure", "figcaption", "script", "style", "br", "pre", "ul",
        "li", "a", "time", "table", "td", "blockquote", "template", "svg", "noscript", "b", "strong", "!--"]
ATTRIBUTES = st.dictionaries(
    st.sampled_from(["class", "id", "hidden", "style", "aria-hidden", "itemprop", "rel", "datetime", "content",
                     "property", "name", "role", "charset", "pubdate", "href"]),
    st.one_of(st.sampled_from(["comments", "related-posts", "share", "sidebar", "byline", "has-sidebar",
                               "display:none", "true", "articleBody", "author", "main", "canonical", "og:title",
                               "article:published_time", "2014-12-07", "2014-13-45T10:00", "utf-8", "latin1",
                               "x-unknown", "Jane Doe and John Roe", "Related Posts", "12 Comments"]), any_text),
    max_size=3,
)


def render(node: Any) -> str:
    if isinstance(node, str):
        return node
    tag, attributes, children = node
    attrs = "".join(f' {k}="{v}"' for k, v in attributes.items())
    inner = "".join(render(child) for child in children)
    return f"<{tag}{attrs}>{inner}</{tag}>" if tag != "!--" else f"<!--{inner}-->"


html_tree = st.recursive(
    st.one_of(any_text, st.sampled_from(["Donate now to support our work", "Share this", "Related Posts",
                                         "Comments are closed.", "&amp;&#0;&#xD800;", "<p>", "</div>"])),
    lambda inner: st.tuples(st.sampled_from(TAGS), ATTRIBUTES, st.lists(inner, max_size=4)),
    max_leaves=30,
)
html_page = st.one_of(
    html_tree.map(render),
    st.builds(lambda decl, tree: decl + render(tree),
              st.sampled_from(["", "<?xml version='1.0' encoding='utf-8'?>", "<!DOCTYPE html>", "\ufeff"]),
              st.tuples(st.just("html"), st.just({}), st.lists(html_tree, max_size=3))),
    st.integers(0, 5000).map(lambda n: "<html><body><article>" + "<div>" * n + "<p>deep</p>" + "</div>" * n),
)


@given(data=encoded(html_page))
def test_html(data):
    check_read("doc.html", data)


@st.composite
def pdfs(draw) -> bytes:
    pages = draw(st.lists(st.lists(st.text(max_size=40), max_size=3), min_size=1, max_size=3))
    info = draw(st.dictionaries(st.sampled_from(["Title", "Author", "CreationDate"]),
                                st.one_of(st.text(max_size=30), st.sampled_from(["D:2014", "D:20141399", "D:x"])),
                                max_size=3))
    data = bytearray(make_pdf(pages, info))
    for _ in range(draw(st.integers(0, 4))):
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["flip", "insert", "delete", "truncate"]))
        if op == "flip":
            data[at] = draw(st.integers(0, 255))
        elif op == "insert":
            data[at:at] = draw(st.sampled_from([b"<<", b">>", b"[", b"9999999999", b" 0 R", b"/Length", b"(", b"\\"]))
        elif op == "delete":
            del data[at : at + draw(st.integers(1, 40))]
        else:
            data = data[:at] + b"\n%%EOF\n"
    return bytes(data)


@given(data=pdfs())
def test_pdf(data):
    check_read("doc.pdf", data)


json_record = st.one_of(
    st.fixed_dictionaries({}, optional={k: maybe(any_text, METADATA) for k in METADATA}),
    nested(METADATA),
)
json_text = st.one_of(
    st.builds(json.dumps, json_record),
    st.builds(json.dumps, st.lists(json_record, max_size=4)),
    st.builds(lambda r, cut: json.dumps(r)[:cut], json_record, st.integers(0, 60)),
    st.integers(1, 3000).map(lambda n: "[" * n + "]" * n),
)


@given(data=encoded(json_text))
def test_json(data):
    check_read("doc.json", data)


@given(lines=st.lists(st.one_of(st.builds(json.dumps, json_record), any_text, st.just("")), max_size=6),
       newline=st.sampled_from(["\n", "\r\n"]))
def test_jsonl(lines, newline):
    check_read("doc.jsonl", newline.join(lines).encode("utf-8", errors="surrogatepass"))


# -- the curated catalogue and annotations ---------------------------------------------------------
slugs = st.from_regex(r"[a-z0-9]{1,8}(-[a-z0-9]{1,8}){0,2}", fullmatch=True)
families = st.sampled_from([*MODEL.families, "Planet"])
kinds = st.sampled_from([*MODEL.all_kinds(), "spaceship"])
tags = st.lists(st.sampled_from([*MODEL.tags, "martian"]), max_size=3)
entity_entry = st.fixed_dictionaries({}, optional={
    "id": maybe(slugs), "name": maybe(st.text(max_size=30)), "family": maybe(families), "kind": maybe(kinds),
    "tags": maybe(tags), "aliases": maybe(st.lists(st.text(max_size=20), max_size=3)),
    "description": maybe(st.text(max_size=40)), "colour": scalars,
})
catalogue_yaml = st.one_of(
    st.builds(lambda e: {"entities": e}, st.lists(entity_entry, max_size=5)).map(yaml.safe_dump),
    nested(["entities"]).map(yaml.safe_dump), yaml_soup,
).map(lambda v: v.encode("utf-8", errors="surrogatepass"))


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8", errors="surrogatepass")


def csv_table(columns: list[str], cell: st.SearchStrategy) -> st.SearchStrategy:
    header = st.lists(st.sampled_from([*columns, "bogus", ""]), min_size=0, max_size=len(columns) + 1, unique=True)
    return st.builds(csv_bytes, header, st.lists(st.lists(cell, max_size=len(columns) + 1), max_size=5))


entity_cell = st.one_of(slugs, families, kinds, tags.map(";".join), any_text)


@given(data=st.one_of(catalogue_yaml, st.binary(max_size=2000)), name=st.just("entities.yaml"))
def test_catalogue_yaml(data, name):
    with folder({name: data}) as where:
        refused_or_done(lambda: read_catalogue(where / name, MODEL), where / name)


@given(data=st.one_of(csv_table(sorted(ENTITY_FIELDS), entity_cell), st.binary(max_size=2000)))
def test_catalogue_csv(data):
    with folder({"entities.csv": data}) as where:
        refused_or_done(lambda: read_catalogue(where / "entities.csv", MODEL), where / "entities.csv")


quotes = st.builds(lambda a, b: TEXT[min(a, b) : max(a, b)], st.integers(0, len(TEXT)), st.integers(0, len(TEXT)))
ids = st.sampled_from([*FAMILIES, "nobody"])
predicates = st.sampled_from([*MODEL.fact_types, "LOVES", "MENTIONS"])
fact_entry = st.fixed_dictionaries({}, optional={
    "subject": maybe(ids), "predicate": maybe(predicates), "object": maybe(ids), "quote": maybe(quotes),
    "date": maybe(st.sampled_from(["2014", "2014-12", "2014-12-07", "2014-00", "12/7/2014"])),
    "confidence": maybe(st.one_of(st.floats(), st.integers(-1, 2))), "claimed_by": maybe(ids),
    "note": maybe(st.text(max_size=20)), "colour": scalars,
})
noise_entry = st.fixed_dictionaries({}, optional={"text": maybe(quotes), "from": maybe(quotes), "to": maybe(quotes)})
document_entry = st.fixed_dictionaries({}, optional={
    "id": maybe(slugs), "title": maybe(st.text(max_size=30)), "publisher": maybe(st.text(max_size=20)),
    "authors": maybe(st.lists(st.text(max_size=15), max_size=3)), "url": maybe(st.text(max_size=20)),
    "published": maybe(st.sampled_from(["2014", "2014-12-07", "2014-13"])),
    "kind": maybe(st.sampled_from([*MODEL.nodes["Document"].kinds, "novel"])),
})
sidecar_shaped = st.one_of(
    st.fixed_dictionaries({}, optional={
        "document": maybe(document_entry, sorted(DOCUMENT_FIELDS)), "noise": maybe(st.lists(noise_entry, max_size=3)),
        "facts": maybe(st.lists(fact_entry, max_size=4)), "entities": st.just([]),
    }),
    nested(["document", "noise", "facts"]),
).map(lambda v: yaml.safe_dump(v, allow_unicode=True))
sidecar = st.one_of(sidecar_shaped, yaml_soup).map(lambda v: v.encode("utf-8", errors="surrogatepass"))
fact_cell = st.one_of(ids, predicates, quotes, st.sampled_from(["0.9", "1", "2", "nan", "2014-12"]), any_text)
facts_csv = csv_table(sorted(FACT_FIELDS), fact_cell)


@given(side=st.one_of(st.none(), sidecar, st.binary(max_size=1000)),
       table=st.one_of(st.none(), facts_csv, st.binary(max_size=1000)))
def test_annotations(side, table):
    files = {k: v for k, v in (("doc.yaml", side), ("doc.facts.csv", table)) if v is not None}
    with folder(files) as where:
        paths = [where / name if name in files else None for name in ("doc.yaml", "doc.facts.csv")]
        found = refused_or_done(lambda: read_annotations(*paths, "doc", TEXT, FAMILIES, MODEL),
                                *(p for p in paths if p))
    for claim in found.claims if found else []:
        assert TEXT[claim.start : claim.end] == claim.quote
        assert claim.subject in FAMILIES and claim.object in FAMILIES
    if found:
        for key, value in found.metadata.items():
            assert value is None or isinstance(value, str) or key == "authors", (key, value)


# -- through the pipeline, into Neo4j --------------------------------------------------------------
@pytest.fixture(scope="module")
def graph_now(seeded) -> dict:
    """The snapshot of the graph as the last example left it, so each example takes one snapshot."""
    return {"snapshot": snapshot(seeded)}


@pytest.mark.neo4j
@settings(max_examples=20)
@given(text=st.one_of(st.just(TEXT), any_text), side=st.one_of(st.none(), sidecar),
       table=st.one_of(st.none(), facts_csv))
def test_a_document_that_fails_leaves_the_graph_as_it_was(seeded, model, graph_now, text, side, table):
    files = {"doc.txt": text.encode("utf-8", errors="surrogatepass")}
    files.update({k: v for k, v in (("doc.yaml", side), ("doc.facts.csv", table)) if v is not None})
    with folder(files) as where:
        report = refused_or_done(lambda: load(seeded, model, where), *(where / name for name in files))
    before, graph_now["snapshot"] = graph_now["snapshot"], snapshot(seeded)
    event("refused" if report is None or report.errors else "loaded")
    if report is None or report.errors:
        for outcome in report.errors if report else []:
            assert str(where) in outcome.error
        assert graph_now["snapshot"] == before
