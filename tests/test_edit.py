"""Editors' mutations over GraphQL: they show at once, a fresh load reproduces them, readers cannot write."""


import pytest
import yaml
from conftest import snapshot, wipe
from starlette.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.auth import Keys
from api.cli import app as cli
from graph.db import Graph
from graph.settings import Settings

pytestmark = pytest.mark.neo4j
REPORT = ("Brigadier Farhad Zamani of the MOIS met Kaka Hama in Sulaimaniyah on 7 December 2014.\n"
          "Abu Karrar sent his greetings. Zamani later travelled to Vienna.\n")
SEED_QUOTE = "Members of Iran’s intelligence agency worked to co-opt Sunni fighters in the battle against ISIS"
SEED_DOC = "002_6a9d2407a8ec5682"
INGEST = """mutation($text: String!) { ingestDocument(text: $text, title: "Zamani in Sulaimaniyah",
  published: "2014-12", publisher: "Test Desk", authors: ["A. Reporter"], kind: "intelligence-report",
  id: "zamani-report") { document { id title published kind } reloaded { status document { id } } } }"""
ALIAS = 'mutation { addAlias(entity: "mois", name: "Etelaat") { entity { id aliases } reloaded { status } } }'
MERGE = """mutation($entity: ID!, $into: ID!) { mergeEntities(entity: $entity, into: $into) {
  entity { id aliases } merged reloaded { status document { id } } } }"""
CLAIM = """mutation($document: ID!, $subject: ID!, $predicate: String!, $object: ID!, $quote: String!,
  $confidence: Float!, $date: String, $claimedBy: ID) {
  addClaim(document: $document, subject: $subject, predicate: $predicate, object: $object, quote: $quote,
           confidence: $confidence, date: $date, claimedBy: $claimedBy, note: "added in a test") {
    claim { id quote start date datePrecision method subject { id } object { id } claimedBy { id }
            document { id } }
    reloaded { status claimsAdded claimsRemoved document { id } } } }"""


def entity(graph: Graph, entity_id: str) -> dict | None:
    rows = graph.read("MATCH (e:Entity {id: $id}) RETURN e {.*} AS e", id=entity_id)
    return rows[0]["e"] if rows else None


def files(settings: Settings) -> dict[str, str]:
    """Everything an edit may record: the decisions file and the inbox."""
    paths = [settings.cablegraph_review, *sorted(settings.cablegraph_inbox.glob("*"))]
    return {str(p): p.read_text() for p in paths if p.exists()}


def test_every_edit_shows_at_once_and_a_fresh_load_reproduces_them(editing, server, settings):
    g = editing.graph
    ingested = editing.edit(INGEST, text=REPORT)
    assert ingested["document"] == {"id": "zamani-report", "title": "Zamani in Sulaimaniyah", "published": "2014-12",
                                    "kind": "intelligence-report"}
    assert ingested["reloaded"] == [{"status": "added", "document": {"id": "zamani-report"}}]
    assert entity(g, "abu-karrar")["reviewed"] is False and entity(g, "farhad-zamani")["reviewed"] is False

    aliased = editing.edit(ALIAS)
    assert "Etelaat" in aliased["entity"]["aliases"] and "Etelaat" in entity(g, "mois")["aliases"]
    assert [r["status"] for r in aliased["reloaded"]] == ["updated"] * 6  # names are matched in every document

    merged = editing.edit(MERGE, entity="abu-karrar", into="qassem-soleimani")
    assert merged["merged"] == "abu-karrar" and "Abu Karrar" in merged["entity"]["aliases"]
    assert entity(g, "abu-karrar") is None
    mentioned = {r["id"] for r in g.read("MATCH (:Document {id: 'zamani-report'})-[:MENTIONS]->(e) RETURN e.id AS id")}
    assert "qassem-soleimani" in mentioned
    # a reviewed entity that curated claims cite: the claims move, the entity goes
    editing.edit(MERGE, entity="peter-moore", into="james-foley")
    assert entity(g, "peter-moore") is None
    assert g.read("MATCH (c:Claim)-[:SUBJECT|OBJECT]->(:Entity {id: 'james-foley'}) RETURN count(c) AS n")[0]["n"] >= 2

    added = editing.edit(CLAIM, document=SEED_DOC, subject="mois", predicate="SUPPORTED",
                         object="sunni-arab-groups", quote=SEED_QUOTE, confidence=0.6, date="2014-11")
    claim = added["claim"]
    assert claim["quote"] == SEED_QUOTE and claim["method"] == "curated" and claim["date"] == "2014-11"
    assert claim["datePrecision"] == "month" and claim["document"] == {"id": SEED_DOC}
    assert added["reloaded"] == [{"status": "updated", "claimsAdded": 1, "claimsRemoved": 0,
                                  "document": {"id": SEED_DOC}}]
    edge = g.read("MATCH (:Entity {id: 'mois'})-[r:SUPPORTED]->(:Entity {id: 'sunni-arab-groups'}) "
                  "RETURN r.claim_ids AS ids")
    assert edge and claim["id"] in edge[0]["ids"]
    # on an ingested document, between an entity its extraction found and a merged one's survivor
    on_report = editing.edit(CLAIM, document="zamani-report", subject="farhad-zamani", predicate="MET_WITH",
                             object="mohammed-haji-mahmoud", quote="Farhad Zamani of the MOIS met Kaka Hama",
                             confidence=0.8, date="2014-12-07", claimedBy="mois")["claim"]
    assert on_report["subject"] == {"id": "farhad-zamani"} and on_report["claimedBy"] == {"id": "mois"}

    decisions = yaml.safe_load(editing.settings.cablegraph_review.read_text())["decisions"]
    assert [next(iter(d)) for d in decisions] == ["alias", "merge", "merge", "add_claim", "add_claim"]
    assert all(d["by"] == "alice" for d in decisions)
    assert [p.name for p in editing.settings.cablegraph_inbox.iterdir()] == ["zamani-report.md"]

    edited = snapshot(g)
    wipe(g)
    password = server.password() if server else settings.neo4j_password
    env = {"NEO4J_URI": settings.bolt_uri, "NEO4J_USER": settings.neo4j_user, "NEO4J_PASSWORD": password,
           "CABLEGRAPH_REVIEW": str(editing.settings.cablegraph_review), "CABLEGRAPH_WORKERS": "1"}
    loaded = CliRunner().invoke(cli, ["load", str(editing.seeds), str(editing.settings.cablegraph_inbox)], env=env)
    assert loaded.exit_code == 0, loaded.output
    assert snapshot(g) == edited


MUTATIONS = [
    (INGEST, {"text": REPORT}),
    (ALIAS, {}),
    (MERGE, {"entity": "isis", "into": "mois"}),
    (CLAIM, {"document": SEED_DOC, "subject": "mois", "predicate": "SUPPORTED", "object": "sunni-arab-groups",
             "quote": SEED_QUOTE, "confidence": 0.6}),
]


def test_readers_cannot_change_anything(editing):
    before, recorded = snapshot(editing.graph), files(editing.settings)
    for key in (editing.reader, None):  # a reader's key, and no key at all
        for query, variables in MUTATIONS:
            error = editing.refused(query, key, **variables)
            assert "needs the editor role" in error["message"] and error["extensions"]["code"] == "FORBIDDEN"
    assert snapshot(editing.graph) == before and files(editing.settings) == recorded == {}
    assert editing.gql('{ entity(id: "mois") { name } }', editing.reader)["data"]["entity"]["name"]


def test_read_transactions_cannot_write(seeded):
    from neo4j.exceptions import ClientError

    before = snapshot(seeded)
    with pytest.raises(ClientError, match="read access mode"):
        seeded.read("CREATE (:Entity {id: 'written-by-a-reader'}) RETURN 1 AS x")
    assert snapshot(seeded) == before


BAD_EDITS = [
    (CLAIM, {"quote": "Members of Iran's intelligence agency worked"}, "quote is not found verbatim in the document"),
    (CLAIM, {"subject": "nobody"}, "subject 'nobody' is not an entity"),
    (CLAIM, {"predicate": "ADMIRES"}, "unknown relationship type 'ADMIRES'"),
    (CLAIM, {"predicate": "LOCATED_IN"}, "LOCATED_IN cannot end at a Organization"),
    (CLAIM, {"confidence": 1.5}, "confidence must be a number in (0, 1]"),
    (CLAIM, {"date": "last spring"}, "date 'last spring' is not YYYY, YYYY-MM or YYYY-MM-DD"),
    (CLAIM, {"document": "no-such-document"}, "document: no document 'no-such-document'"),
    (ALIAS.replace('"mois"', '"nobody"'), {}, "entity: no entity 'nobody'"),
    (MERGE, {"entity": "mois", "into": "nobody"}, "into: no entity 'nobody'"),
    (MERGE, {"entity": "mois", "into": "mois"}, "into: an entity cannot be merged into itself"),
    (INGEST.replace('"2014-12"', '"December"'), {"text": REPORT}, "ingestDocument published"),
    (INGEST.replace('"intelligence-report"', '"rumour"'), {"text": REPORT}, "document kind 'rumour'"),
    (INGEST.replace('"zamani-report"', '"../escape"'), {"text": REPORT}, "id: use a lowercase-hyphen slug"),
    (INGEST.replace('"zamani-report"', '"' + "x" * 300 + '"'), {"text": REPORT}, "id: use a lowercase-hyphen slug"),
    (ALIAS.replace('"Etelaat"', '"Ete\\u0000laat"'), {}, "name: give 1 to 200 printable characters"),
    (INGEST, {"text": "  \n"}, "text: the document is empty"),
]


def test_bad_edits_are_refused_naming_the_field_and_change_nothing(editing):
    before, recorded = snapshot(editing.graph), files(editing.settings)
    good_claim = {"document": SEED_DOC, "subject": "mois", "predicate": "SUPPORTED", "object": "sunni-arab-groups",
                  "quote": SEED_QUOTE, "confidence": 0.6}
    for query, variables, message in BAD_EDITS:
        error = editing.refused(query, **({**good_claim, **variables} if query is CLAIM else variables))
        assert message in error["message"], (message, error)
        assert files(editing.settings) == recorded
    assert snapshot(editing.graph) == before


def test_an_alias_needs_a_reviewed_entity_and_merging_into_an_extracted_one_is_refused(editing):
    editing.edit(INGEST, text=REPORT)
    assert "accept it" in editing.refused(ALIAS.replace('"mois"', '"farhad-zamani"'))["message"]
    error = editing.refused(MERGE, entity="mois", into="farhad-zamani")
    assert error["extensions"]["field"] == "into" and "nobody has reviewed it" in error["message"]


def test_a_document_whose_file_is_gone_is_named(editing):
    (editing.seeds / "000_bb87c937ed287912.txt").unlink()
    before = snapshot(editing.graph)
    error = editing.refused(ALIAS)
    assert "'000_bb87c937ed287912' was loaded from" in error["message"] and "which is gone" in error["message"]
    assert snapshot(editing.graph) == before and files(editing.settings) == {}


def test_unknown_keys_are_refused_with_401_and_anonymous_access_can_be_turned_off(editing):
    for headers in ({"Authorization": "Bearer cg_not-a-key"}, {"X-API-Key": "cg_not-a-key"}):
        response = editing.client.post("/graphql", json={"query": "{ stats { documents } }"}, headers=headers)
        assert response.status_code == 401 and response.headers["www-authenticate"].startswith("Bearer")
        assert response.json() == {"errors": [{"message": "unknown or revoked API key",
                                               "extensions": {"code": "UNAUTHENTICATED"}}]}
    strict = editing.settings.model_copy(update={"cablegraph_anonymous": "none"})
    with TestClient(create_app(editing.graph, strict), base_url="http://localhost") as client:
        query = {"query": "{ stats { documents } }"}
        refused = client.post("/graphql", json=query)
        assert refused.status_code == 401 and "needs a key" in refused.json()["errors"][0]["message"]
        assert client.get("/graphql", params=query, headers={"accept": "application/json"}).status_code == 401
        allowed = client.post("/graphql", json=query, headers={"Authorization": f"Bearer {editing.reader}"})
        assert allowed.json() == {"data": {"stats": {"documents": 5}}}
        assert client.get("/graphql", headers={"accept": "text/html"}).status_code == 200  # GraphiQL's page
    Keys(editing.settings.cablegraph_keys).revoke("alice")  # counts at once, on the running server
    response = editing.client.post("/graphql", json={"query": ALIAS}, headers={"X-API-Key": editing.editor})
    assert response.status_code == 401
