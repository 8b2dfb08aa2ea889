"""Review decisions are data, applied on every load: a fresh load reproduces the reviewed graph."""

import pytest
from conftest import assert_a_fresh_load_reproduces, load

from loaders.review import read_decisions, record
from schema.model import InvalidData

REPORT = ("Brigadier Farhad Zamani of the MOIS met Kaka Hama in Sulaimaniyah on 7 December 2014.\n"
          "Abu Karrar sent his greetings. Zamani later travelled to Vienna.\n")


def entity(graph, entity_id):
    rows = graph.read("MATCH (e:Entity {id: $id}) RETURN e {.*} AS e", id=entity_id)
    return rows[0]["e"] if rows else None


@pytest.mark.neo4j
def test_decisions_apply_on_every_load_and_a_fresh_load_reproduces_them(empty_graph, model, seed_copy):
    (seed_copy / "report.txt").write_text(REPORT)
    load(empty_graph, model, seed_copy)
    assert entity(empty_graph, "farhad-zamani")["reviewed"] is False
    assert entity(empty_graph, "vienna") and entity(empty_graph, "abu-karrar")
    [met] = empty_graph.read(
        "MATCH (c:Claim {predicate: 'MET_WITH'})-[:STATED_IN]->(:Document {id: 'report'}) RETURN c.id AS id"
    )
    review = seed_copy / "review.yaml"
    record(review, {"accept": "farhad-zamani", "name": "Farhad Zamani", "family": "Person",
                    "kind": "intelligence_officer", "tags": ["iranian"], "aliases": ["Zamani"]})
    record(review, {"reject": "vienna", "names": ["Vienna"]})
    record(review, {"merge": "abu-karrar", "into": "qassem-soleimani", "names": ["Abu Karrar"]})
    record(review, {"alias": "mois", "name": "Etelaat"})
    record(review, {"reject_claim": met["id"]})
    load(empty_graph, model, seed_copy)
    zamani = entity(empty_graph, "farhad-zamani")
    assert zamani["reviewed"] is True and zamani["kind"] == "intelligence_officer" and zamani["tags"] == ["iranian"]
    assert entity(empty_graph, "vienna") is None and entity(empty_graph, "abu-karrar") is None
    assert "Abu Karrar" in entity(empty_graph, "qassem-soleimani")["aliases"]
    assert "Etelaat" in entity(empty_graph, "mois")["aliases"]
    assert not empty_graph.read("MATCH (c:Claim {id: $id}) RETURN c", id=met["id"])
    mentioned = {r["id"] for r in empty_graph.read(
        "MATCH (:Document {id: 'report'})-[:MENTIONS]->(e) RETURN e.id AS id")}
    assert {"farhad-zamani", "qassem-soleimani"} <= mentioned and "vienna" not in mentioned
    assert_a_fresh_load_reproduces(empty_graph, model, seed_copy)


@pytest.mark.neo4j
def test_a_split_moves_aliases_to_a_new_entity(empty_graph, model, seed_copy):
    record(seed_copy / "review.yaml", {"split": "isis", "aliases": ["Islamic State of Iraq and Syria"],
                                       "into": {"id": "isis-syria", "name": "ISIS in Syria",
                                                "family": "Organization", "kind": "terrorist_group"}})
    load(empty_graph, model, seed_copy)
    assert "Islamic State of Iraq and Syria" not in entity(empty_graph, "isis")["aliases"]
    assert entity(empty_graph, "isis-syria")["aliases"] == ["ISIS in Syria", "Islamic State of Iraq and Syria"]


def test_bad_decisions_name_the_line(tmp_path, model):
    path = tmp_path / "review.yaml"
    path.write_text("decisions:\n- accept: x\n  reject: y\n")
    with pytest.raises(InvalidData, match=r"review.yaml:2: each decision is exactly one of"):
        read_decisions(path)
    path.write_text("decisions:\n- merge: x\n")
    with pytest.raises(InvalidData, match=r"review.yaml:2: merge needs into"):
        read_decisions(path)
    path.write_text("decisions:\n- alias: nobody\n  name: X\n")
    with pytest.raises(InvalidData, match="alias for 'nobody': not in the catalogue"):
        read_decisions(path).apply([], model)
    path.write_text("decisions:\n- accept: x\n  name: X\n  family: Person\n  kind: city\n")
    with pytest.raises(InvalidData, match="review.yaml:2: kind 'city' is not a Person kind"):
        read_decisions(path).apply([], model)


def test_recording_keeps_what_is_there(tmp_path):
    path = tmp_path / "review.yaml"
    record(path, {"alias": "mois", "name": "Etelaat"})
    path.write_text(path.read_text() + "# a reviewer's comment\n")
    record(path, {"reject_claim": "doc:123"})
    text = path.read_text()
    assert "# a reviewer's comment" in text
    decisions = read_decisions(path)
    assert decisions.aliases == {"mois": ["Etelaat"]} and decisions.rejected_claims == {"doc:123"}


def test_merges_follow_chains_and_spellings_follow_the_merge(tmp_path, model):
    from graph.write import EntityRecord

    path = tmp_path / "review.yaml"
    path.write_text("decisions:\n- alias: a\n  name: Alpha\n- merge: a\n  into: b\n  by: alice\n"
                    "- merge: b\n  into: c\n")
    decisions = read_decisions(path)
    assert decisions.merges == {"a": "c", "b": "c"}
    catalogue = [EntityRecord(id=x, name=x.upper(), family="Person", kind="person", aliases=[x.upper()]) for x in "abc"]
    [c] = decisions.apply(catalogue, model)
    assert c.id == "c" and c.aliases == ["A", "Alpha", "B", "C"]
    path.write_text("decisions:\n- merge: a\n  into: b\n- merge: b\n  into: a\n")
    with pytest.raises(InvalidData, match="review.yaml:4: merging b into a would merge it into itself"):
        read_decisions(path)


@pytest.mark.neo4j
def test_merging_a_reviewed_entity_moves_its_claims_and_removes_it(empty_graph, model, seed_copy):
    load(empty_graph, model, seed_copy)
    record(seed_copy / "review.yaml", {"merge": "peter-moore", "into": "james-foley", "names": ["Peter Moore"]})
    report = load(empty_graph, model, seed_copy)
    assert report.catalogue[2] == []  # nothing kept: the claims that cited it moved with the documents' reload
    assert entity(empty_graph, "peter-moore") is None
    assert_a_fresh_load_reproduces(empty_graph, model, seed_copy)


@pytest.mark.neo4j
def test_added_claims_reload_their_document_and_are_checked_like_curated_ones(empty_graph, model, seed_copy):
    quote = "Members of Iran’s intelligence agency worked to co-opt Sunni fighters in the battle against ISIS"
    load(empty_graph, model, seed_copy)
    review = seed_copy / "review.yaml"
    fact = {"subject": "mois", "predicate": "SUPPORTED", "object": "sunni-arab-groups", "quote": quote,
            "confidence": 0.6}
    record(review, {"add_claim": "002_6a9d2407a8ec5682", **fact})
    report = load(empty_graph, model, seed_copy)
    assert [o.result.status for o in report.outcomes].count("updated") == 1
    [claim] = empty_graph.read("MATCH (c:Claim {predicate: 'SUPPORTED', quote: $q}) RETURN c {.*} AS c", q=quote)
    assert claim["c"]["method"] == "curated"
    assert [o.result.status for o in load(empty_graph, model, seed_copy).outcomes] == ["unchanged"] * 5
    review.write_text(review.read_text().replace("co-opt Sunni", "co-opt Shia"))
    report = load(empty_graph, model, seed_copy)
    [failed] = report.errors
    assert "review.yaml:3: add_claim: fact mois SUPPORTED sunni-arab-groups: quote is not found verbatim" \
        in failed.error
