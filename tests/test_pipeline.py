"""Loading against a real Neo4j: idempotence, all-or-nothing documents, edits, unannotated text."""

import shutil
from pathlib import Path

import pytest
from conftest import SEEDS, assert_a_fresh_load_reproduces, load, snapshot, wipe

from loaders.pipeline import discover
from loaders.readers import read_text
from schema.model import InvalidData

pytestmark = pytest.mark.neo4j
DATA = Path(__file__).resolve().parent / "data" / "readers"


def with_facts(sidecar_text: str, facts: str) -> str:
    """Append facts (written at column 0) in the sidecar's own list indentation."""
    indent = " " * (len(sidecar_text.split("- subject:")[0].rsplit("\n", 1)[-1]))
    return sidecar_text.rstrip("\n") + "\n" + "".join(indent + line + "\n" for line in facts.splitlines())


def test_seeds_load_fully(empty_graph, model):
    report = load(empty_graph, model, SEEDS)
    assert not report.errors
    assert [o.result.status for o in report.outcomes] == ["added"] * 5
    stats = empty_graph.read(
        "RETURN COUNT { (:Document) } AS docs, COUNT { (:Entity {reviewed: true}) } AS entities, "
        "COUNT { (:Claim) } AS claims, COUNT { (:Entity {reviewed: false}) } AS unreviewed"
    )[0]
    assert stats["docs"] == 5 and stats["entities"] > 80 and stats["claims"] > 100
    assert stats["unreviewed"] == 0  # every seed document is curated
    # every claim is stated in a document, verbatim, at its offsets
    rows = empty_graph.read(
        "MATCH (c:Claim)-[:STATED_IN]->(d:Document) RETURN c.quote AS quote, c.start AS s, c.end AS e, d.text AS text"
    )
    assert len(rows) == stats["claims"]
    assert all(r["text"][r["s"]:r["e"]] == r["quote"] for r in rows)
    # every fact edge is backed by the claims it lists
    orphan = empty_graph.read(
        "MATCH (a)-[r]->(b) WHERE r.claim_ids IS NOT NULL "
        "AND NOT all(id IN r.claim_ids WHERE EXISTS { (:Claim {id: id, predicate: type(r)})-[:SUBJECT]->(a) }) "
        "RETURN count(r) AS n"
    )
    assert orphan[0]["n"] == 0


def test_loading_twice_changes_nothing(empty_graph, model):
    load(empty_graph, model, SEEDS)
    first = snapshot(empty_graph)
    report = load(empty_graph, model, SEEDS)
    assert [o.result.status for o in report.outcomes] == ["unchanged"] * 5
    assert snapshot(empty_graph) == first
    load(empty_graph, model, SEEDS, force=True)  # rewriting every document gives the same graph too
    assert snapshot(empty_graph) == first


def test_load_order_does_not_matter(empty_graph, model):
    docs = sorted(SEEDS.glob("*.txt"))
    load(empty_graph, model, SEEDS / "entities.yaml", *reversed(docs))
    assert_a_fresh_load_reproduces(empty_graph, model, SEEDS)


def test_a_bad_document_loads_nothing_and_keeps_its_previous_version(empty_graph, model, seed_copy):
    load(empty_graph, model, seed_copy)
    before = snapshot(empty_graph)
    sidecar = seed_copy / "002_6a9d2407a8ec5682.yaml"
    text = sidecar.read_text()
    # a valid new fact first, then one whose quote is not in the text: the document must not half-load
    sidecar.write_text(with_facts(text, (
        "- subject: mois\n  predicate: OPPOSED\n  object: isis\n"
        "  quote: \"Iran moved to establish itself as the dominant power in Iraq\"\n  confidence: 0.5\n"
        "- subject: mois\n  predicate: OPPOSED\n  object: irgc\n"
        "  quote: \"This sentence is not in the article\"\n  confidence: 0.5\n"
    )))
    report = load(empty_graph, model, seed_copy)
    [failed] = report.errors
    assert failed.path.name == "002_6a9d2407a8ec5682.txt"
    assert "002_6a9d2407a8ec5682.yaml:" in failed.error and "not found verbatim" in failed.error
    assert [o.result.status for o in report.outcomes if not o.error] == ["unchanged"] * 4
    assert snapshot(empty_graph) == before


def test_a_failing_write_rolls_back_the_whole_document(empty_graph, model, monkeypatch):
    """A document whose write fails midway (here: after its claims) leaves no trace."""
    from graph.write import Writer

    def boom(self, tx, added, removed, orphans):
        raise RuntimeError("injected failure after claims were written")

    monkeypatch.setattr(Writer, "_update_facts", boom)
    with pytest.raises(RuntimeError, match="injected"):
        load(empty_graph, model, SEEDS)
    counts = empty_graph.read("RETURN COUNT { (:Document) } AS d, COUNT { (:Claim) } AS c")[0]
    assert counts == {"d": 0, "c": 0}


def test_editing_an_annotation_updates_exactly_what_changed(empty_graph, model, seed_copy):
    load(empty_graph, model, seed_copy)
    sidecar = seed_copy / "002_6a9d2407a8ec5682.yaml"
    text = sidecar.read_text()
    old_quote = "Tensions between the seemingly more pragmatic MOIS approach"
    assert old_quote in text
    new_fact = (
        "- subject: mois\n  predicate: SOURCE_FOR\n  object: irgc\n"
        "  quote: \"Iran already had substantial ties with the dissidents within the community\"\n"
        "  confidence: 0.55\n  date: \"2003\"\n"
    )
    sidecar.write_text(with_facts(text, new_fact))
    report = load(empty_graph, model, seed_copy)
    statuses = {o.doc_id: o.result for o in report.outcomes}
    assert statuses["002_6a9d2407a8ec5682"].status == "updated"
    assert (statuses["002_6a9d2407a8ec5682"].claims_added, statuses["002_6a9d2407a8ec5682"].claims_removed) == (1, 0)
    assert all(r.status == "unchanged" for d, r in statuses.items() if d != "002_6a9d2407a8ec5682")
    [edge] = empty_graph.read(
        "MATCH (:Entity {id: 'mois'})-[r:SOURCE_FOR]->(:Entity {id: 'irgc'}) RETURN r {.*} AS r"
    )
    assert edge["r"]["confidence"] == 0.55 and edge["r"]["first_date"] == "2003"
    # and removing it again removes the claim and the edge it alone supported
    sidecar.write_text(text)
    load(empty_graph, model, seed_copy)
    assert not empty_graph.read("MATCH (:Entity {id: 'mois'})-[r:SOURCE_FOR]->(:Entity {id: 'irgc'}) RETURN r")
    wipe(empty_graph)


def test_editing_the_catalogue_updates_entities_and_mentions(empty_graph, model, seed_copy):
    load(empty_graph, model, seed_copy)
    catalogue = seed_copy / "entities.yaml"
    text = catalogue.read_text()
    query = (
        "MATCH (e:Entity {id: 'halabja'}) "
        "RETURN e.aliases AS aliases, COUNT { (:Document)-[:MENTIONS]->(e) } AS docs"
    )
    [before] = empty_graph.read(query)
    catalogue.write_text(text.replace("- id: halabja\n", "- id: halabja\n  aliases: [secretarian]\n", 1))
    load(empty_graph, model, seed_copy)
    [after] = empty_graph.read(query)
    assert "secretarian" in after["aliases"] and after["docs"] == before["docs"] + 1
    # an entity dropped from the catalogue that no claim cites disappears
    catalogue.write_text(text + "- id: test-only\n  name: Zzyzx Qqq\n  family: Person\n  kind: person\n")
    load(empty_graph, model, seed_copy)
    assert empty_graph.read("MATCH (e:Entity {id: 'test-only'}) RETURN e.reviewed AS r") == [{"r": True}]
    catalogue.write_text(text)
    report = load(empty_graph, model, seed_copy)
    assert report.catalogue[1] == 1
    assert not empty_graph.read("MATCH (e:Entity {id: 'test-only'}) RETURN e")


def test_an_unannotated_document_gets_ner_entities_and_links(empty_graph, model, tmp_path):
    load(empty_graph, model, SEEDS)
    doc = tmp_path / "new-report.txt"
    doc.write_text(
        "Brigadier Farhad Zamani of the MOIS met Kaka Hama in Sulaimaniyah on Tuesday.\n"
        "Zamani later travelled to Vienna with officials of Suleimani's Quds Force.\n"
        "3 Comments\nReader Jane Doe says Zamani is a fraud.\n"
    )
    report = load(empty_graph, model, doc)
    assert not report.errors and report.outcomes[0].result.status == "added"
    rows = empty_graph.read(
        "MATCH (:Document {id: 'new-report'})-[m:MENTIONS]->(e:Entity) RETURN e.id AS id, e.reviewed AS reviewed"
    )
    found = {r["id"]: r["reviewed"] for r in rows}
    for linked in ("mois", "mohammed-haji-mahmoud", "sulaimaniyah", "qassem-soleimani", "quds-force"):
        assert found.get(linked) is True, (linked, found)
    new = {k for k, v in found.items() if v is False}
    assert "vienna" in new and any("zamani" in k for k in new)
    assert not any("jane" in k for k in found)  # reader comments are never evidence or mentions
    again = load(empty_graph, model, doc)
    assert again.outcomes[0].result.status == "unchanged"


def test_reader_errors_name_the_file(tmp_path):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("first line\ncaf\xe9".encode("latin-1"))
    with pytest.raises(InvalidData, match=r"latin1.txt:2: not UTF-8"):
        read_text(bad)
    empty = tmp_path / "empty.md"
    empty.write_text("  \n")
    with pytest.raises(InvalidData, match="empty.md: the document is empty"):
        read_text(empty)
    binary = tmp_path / "blob.txt"
    binary.write_bytes(b"abc\x00def")
    with pytest.raises(InvalidData, match="looks binary"):
        read_text(binary)
    with pytest.raises(InvalidData, match="no such file"):
        discover([tmp_path / "missing"])
    sheet = tmp_path / "x.docx"
    sheet.write_bytes(b"PK")
    with pytest.raises(InvalidData, match="cannot read .docx files"):
        discover([sheet])


def test_a_bad_file_among_good_ones_does_not_stop_the_rest(empty_graph, model, tmp_path):
    (tmp_path / "good.txt").write_text("The MOIS met Kaka Hama.\n")
    (tmp_path / "bad.txt").write_bytes(b"\xff\xfe\x00\x00")
    report = load(empty_graph, model, Path(tmp_path))
    outcome = {o.path.name: o for o in report.outcomes}
    assert outcome["bad.txt"].error and outcome["good.txt"].result.status == "added"


def test_html_and_jsonl_documents_load_with_their_metadata(empty_graph, model, tmp_path):
    load(empty_graph, model, SEEDS / "entities.yaml")
    shutil.copy(DATA / "news.html", tmp_path / "news.html")
    (tmp_path / "wire.jsonl").write_text(
        '{"id": "wire-1", "title": "Talks", "published": "2015-03-02T08:00:00Z", "text": "Qasim Sulaimani met '
        'Kaka Hama in Baghdad."}\n{"id": "wire-2", "text": "The Peshmerga recaptured Makhmour."}\n'
    )
    report = load(empty_graph, model, tmp_path)
    assert not report.errors, [o.error for o in report.errors]
    docs = {r["d"]["id"]: r for r in empty_graph.read("MATCH (d:Document) RETURN d {.id, .title, .published} AS d")}
    assert docs["wire-1"]["d"]["published"] == "2015-03-02" and docs["wire-1"]["d"]["title"] == "Talks"
    assert {"news", "wire-1", "wire-2"} <= set(docs)
    [met] = empty_graph.read(
        "MATCH (:Entity {id: 'qassem-soleimani'})<-[:SUBJECT]-(c:Claim {predicate: 'MET_WITH'})"
        "-[:STATED_IN]->(:Document {id: 'wire-1'}) RETURN c.quote AS quote, c.method AS method"
    )
    assert met == {"quote": "Qasim Sulaimani met Kaka Hama in Baghdad.", "method": "pattern"}


def test_csv_catalogue_and_fact_table(empty_graph, model, tmp_path):
    shutil.copy(SEEDS / "entities.yaml", tmp_path / "entities.yaml")
    (tmp_path / "entities.csv").write_text(
        "id,name,family,kind,tags,aliases\n"
        "farhad-zamani,Farhad Zamani,Person,intelligence_officer,iranian,Brother Farhad; Zamani\n"
    )
    (tmp_path / "note.txt").write_text("Brother Farhad met Kaka Hama in Halabja on 7 December 2014.\n")
    (tmp_path / "note.facts.csv").write_text(
        "subject,predicate,object,quote,date,confidence\n"
        "farhad-zamani,MET_WITH,mohammed-haji-mahmoud,Brother Farhad met Kaka Hama,2014-12-07,0.9\n"
    )
    report = load(empty_graph, model, tmp_path)
    assert not report.errors, [o.error for o in report.errors]
    [row] = empty_graph.read(
        "MATCH (e:Entity {id: 'farhad-zamani'})<-[:SUBJECT]-(c:Claim)-[:STATED_IN]->(d:Document {id: 'note'}) "
        "RETURN e.reviewed AS reviewed, c.method AS method, c.date AS date, e.aliases AS aliases"
    )
    assert row == {"reviewed": True, "method": "curated", "date": "2014-12-07",
                   "aliases": ["Brother Farhad", "Farhad Zamani", "Zamani"]}
    (tmp_path / "note.facts.csv").write_text(
        "subject,predicate,object,quote,confidence\nfarhad-zamani,MET_WITH,mohammed-haji-mahmoud,Not there,0.9\n"
    )
    [failed] = load(empty_graph, model, tmp_path).errors
    assert "note.facts.csv:2: fact farhad-zamani MET_WITH" in failed.error


def test_metadata_from_flags_overrides_the_file(empty_graph, model, tmp_path):
    from graph.write import Writer
    from loaders.pipeline import Pipeline

    doc = tmp_path / "memo.txt"
    doc.write_text("The MOIS met Kaka Hama.\n")
    pipeline = Pipeline(Writer(empty_graph, model), model,
                        overrides={"title": "Memo", "published": "2015-01", "kind": "intelligence-report",
                                   "authors": ["Analyst A"]})
    assert not pipeline.load([doc]).errors
    [row] = empty_graph.read("MATCH (d:Document {id: 'memo'}) RETURN d {.title, .published, .kind, .authors} AS d")
    assert row["d"] == {"title": "Memo", "published": "2015-01", "kind": "intelligence-report",
                        "authors": ["Analyst A"]}
    with pytest.raises(InvalidData, match="command line: document kind 'memo' is not one of"):
        Pipeline(Writer(empty_graph, model), model, overrides={"kind": "memo"})


def test_parallel_preparation_gives_the_same_graph(empty_graph, model, tmp_path):
    from graph.write import Writer
    from loaders.pipeline import PARALLEL_FROM, Pipeline

    texts = (SEEDS / "003_68961675603e16ba.txt").read_text().split("\n")
    paragraphs = [p for p in texts if len(p) > 200]
    for i in range(PARALLEL_FROM + 2):
        (tmp_path / f"doc-{i:02d}.txt").write_text("\n\n".join(paragraphs[i % len(paragraphs):][:3]) + "\n")
    load(empty_graph, model, SEEDS / "entities.yaml")
    Pipeline(Writer(empty_graph, model), model, workers=1).load([tmp_path])
    sequential = snapshot(empty_graph)
    wipe(empty_graph)
    load(empty_graph, model, SEEDS / "entities.yaml")
    report = Pipeline(Writer(empty_graph, model), model, workers=2).load([tmp_path])
    assert not report.errors and len(report.outcomes) == PARALLEL_FROM + 2
    assert snapshot(empty_graph) == sequential


def test_batch_size_does_not_change_the_graph(empty_graph, model):
    """One document a transaction merges claims into edges earlier batches wrote; one batch of all
    summarises them at once; a forced reload recomputes every edge from its claims. All agree."""
    from graph.write import Writer
    from loaders.pipeline import Pipeline

    load(empty_graph, model, SEEDS)
    together = snapshot(empty_graph)
    wipe(empty_graph)
    report = Pipeline(Writer(empty_graph, model), model, batch=1).load([SEEDS])
    assert [o.result.status for o in report.outcomes] == ["added"] * 5
    assert snapshot(empty_graph) == together
    load(empty_graph, model, SEEDS, force=True)
    assert snapshot(empty_graph) == together


def test_a_document_neo4j_refuses_mid_batch_is_named_and_the_rest_load(empty_graph, model, seed_copy, monkeypatch):
    from dataclasses import replace

    from loaders.pipeline import Preparer

    prepare = Preparer.prepare

    def spoiled(self, source, sidecar):
        record = prepare(self, source, sidecar)
        return replace(record, authors=[{"not": "a string"}]) if source.id == "002_6a9d2407a8ec5682" else record

    monkeypatch.setattr(Preparer, "prepare", spoiled)
    report = load(empty_graph, model, seed_copy)
    [failed] = report.errors
    assert failed.path.name == "002_6a9d2407a8ec5682.txt" and "Neo4j refused the document" in failed.error
    assert [o.result.status for o in report.outcomes if not o.error] == ["added"] * 4
    assert not empty_graph.read(
        "MATCH (n) WHERE n.id STARTS WITH '002_6a9d2407a8ec5682' OR '002_6a9d2407a8ec5682' IN n.doc_ids RETURN n")
    assert not empty_graph.read("MATCH ()-[r]->() WHERE '002_6a9d2407a8ec5682' IN r.doc_ids RETURN r")
    monkeypatch.undo()
    report = load(empty_graph, model, seed_copy)  # fixed, it loads, and the graph is as if it never failed
    assert [o.result.status for o in report.outcomes] == ["unchanged"] * 2 + ["added"] + ["unchanged"] * 2
    assert_a_fresh_load_reproduces(empty_graph, model, seed_copy)


def test_workers_are_kept_a_bounded_way_ahead_of_the_writer():
    from concurrent.futures import ThreadPoolExecutor

    from loaders.pipeline import bounded_map

    class Counting(ThreadPoolExecutor):
        submitted = 0

        def submit(self, *args, **kwargs):
            Counting.submitted += 1
            return super().submit(*args, **kwargs)

    with Counting(2) as pool:
        for taken, result in enumerate(bounded_map(pool, lambda x: x * x, range(100), window=6), start=1):
            assert result == (taken - 1) ** 2
            assert Counting.submitted <= taken + 6
    assert Counting.submitted == 100
