"""Every Query field against the seed graph in a real Neo4j."""

import asyncio

import pytest

from api.batch import Batches
from api.schema import build_schema, encode_cursor
from graph.queries import Reads
from graph.settings import Settings

pytestmark = pytest.mark.neo4j
schema = build_schema(Settings())


def run(graph, model, query: str, **variables) -> dict:
    result = asyncio.run(
        schema.execute(query, variable_values=variables, context_value={"batches": Batches(Reads(graph, model))})
    )
    assert result.errors is None, result.errors
    return result.data


def fails(graph, model, query: str, **variables) -> str:
    result = asyncio.run(
        schema.execute(query, variable_values=variables, context_value={"batches": Batches(Reads(graph, model))})
    )
    assert result.errors, result.data
    return result.errors[0].message


def test_the_question_mois_contacts_linked_to_kurdish_parties(seeded, model):
    data = run(seeded, model, """{
      contacts(of: "mois", linkedTo: {kinds: ["political_party"], tags: ["kurdish"]}) {
        contact { id name aliases }
        contactEvidence { type source { id } target { id } evidence { quote document { id } claimedBy { id } } }
        linkedEntity { id kind tags }
        link { type source { id } target { id } evidence { quote document { id } } }
      }}""")
    links = {c["contact"]["id"]: c for c in data["contacts"]}
    kaka = links["mohammed-haji-mahmoud"]
    assert "Kaka Hama" in kaka["contact"]["aliases"]
    assert kaka["linkedEntity"]["id"] == "ksdp"
    assert kaka["linkedEntity"]["kind"] == "political_party" and "kurdish" in kaka["linkedEntity"]["tags"]
    dealings = {d["type"] for d in kaka["contactEvidence"]}
    assert "MET_WITH" in dealings
    quotes = [e["quote"] for d in kaka["contactEvidence"] for e in d["evidence"]]
    assert any("MOIS officers met with Mahmoud" in q for q in quotes)
    link_quotes = [e["quote"] for rel in kaka["link"] for e in rel["evidence"]]
    assert any("Mohammed Haji Mahmoud, also known as Kaka Hama" in q for q in link_quotes)
    for c in data["contacts"]:
        assert c["contactEvidence"] and c["link"]
        assert all(ev["evidence"] for ev in c["contactEvidence"] + c["link"])
        assert c["contact"]["id"] != "mois" and c["linkedEntity"]["id"] != "mois"
        assert "kurdish" in c["linkedEntity"]["tags"] and c["linkedEntity"]["kind"] == "political_party"


def test_contacts_include_dealings_with_members(seeded, model):
    """Someone who met a member of an organization is that organization's contact."""
    data = run(seeded, model, """{ contacts(of: "quds-force", linkedTo: {family: PERSON}) {
        contact { id } contactEvidence { type source { id } target { id } } } }""")
    sources = {(d["source"]["id"], d["target"]["id"]) for c in data["contacts"] for d in c["contactEvidence"]}
    members = run(seeded, model, """{ entity(id: "quds-force") {
        relationships(types: ["MEMBER_OF", "LEADS", "PART_OF"], direction: IN) { source { id } } } }""")
    member_ids = {r["source"]["id"] for r in members["entity"]["relationships"]}
    assert member_ids and any(s in member_ids or t in member_ids for s, t in sources)


def test_entity_with_relationships_evidence_and_documents(seeded, model):
    data = run(seeded, model, """{ entity(id: "qassem-soleimani") {
        id name aliases family kind tags description reviewed
        relationships(types: ["LEADS"], direction: OUT) {
          type source { id } target { id name } confidence firstDate lastDate
          evidence { id quote start end date datePrecision confidence method claimedBy { id } document { id title } }
        }
        documents { id publisher }
      } }""")
    e = data["entity"]
    assert e["family"] == "PERSON" and e["reviewed"] is True and "Suleimani" in e["aliases"]
    assert {r["target"]["id"] for r in e["relationships"]} >= {"quds-force"}
    for r in e["relationships"]:
        assert r["type"] == "LEADS" and r["source"]["id"] == "qassem-soleimani" and r["evidence"]
        for ev in r["evidence"]:
            assert ev["method"] == "curated" and ev["end"] - ev["start"] == len(ev["quote"])
    assert len(e["documents"]) >= 3
    assert run(seeded, model, '{ entity(id: "no-such-entity") { id } }') == {"entity": None}


def test_relationship_direction(seeded, model):
    q = '{ entity(id: "ksdp") { relationships(types: ["LEADS"], direction: %s) { source { id } target { id } } } }'
    incoming = run(seeded, model, q % "IN")["entity"]["relationships"]
    outgoing = run(seeded, model, q % "OUT")["entity"]["relationships"]
    both = run(seeded, model, q % "BOTH")["entity"]["relationships"]
    assert {"source": {"id": "mohammed-haji-mahmoud"}, "target": {"id": "ksdp"}} in incoming
    assert all(r["source"]["id"] == "ksdp" for r in outgoing)
    assert len(both) == len(incoming) + len(outgoing)


def test_entities_filter_and_pages(seeded, model):
    q = """query($filter: EntityFilter, $after: String) { entities(filter: $filter, first: 3, after: $after) {
        totalCount edges { cursor node { id kind tags family } } pageInfo { hasNextPage endCursor } } }"""
    flt = {"family": "ORGANIZATION", "kinds": ["political_party", "armed_force", "government_body"],
           "tags": ["kurdish"]}
    first = run(seeded, model, q, filter=flt)["entities"]
    total = first["totalCount"]
    assert total >= 3
    seen = []
    page = first
    while True:
        seen += [e["node"]["id"] for e in page["edges"]]
        for e in page["edges"]:
            assert e["node"]["family"] == "ORGANIZATION" and "kurdish" in e["node"]["tags"]
        if not page["pageInfo"]["hasNextPage"]:
            break
        page = run(seeded, model, q, filter=flt, after=page["pageInfo"]["endCursor"])["entities"]
    assert len(seen) == len(set(seen)) == total and {"kdp", "ksdp", "peshmerga"} <= set(seen)
    by_ids = run(seeded, model, q, filter={"ids": ["mois", "irgc"]})["entities"]
    assert by_ids["totalCount"] == 2
    assert "invalid cursor" in fails(seeded, model, q, after="garbage")
    assert "first must be between" in fails(seeded, model, "{ entities(first: 100000) { totalCount } }")


def test_search_is_typo_tolerant(seeded, model):
    q = "query($q: String!, $f: Family) { search(query: $q, family: $f, first: 5) { score entity { id family } } }"
    for text, expected in [
        ("Solemani", "qassem-soleimani"), ("kaka hama", "mohammed-haji-mahmoud"), ("Daesh", "isis"),
        ("Ministry of Intelligence", "mois"), ("muhandis", "abu-mahdi-al-muhandis"),
    ]:
        hits = run(seeded, model, q, q=text)["search"]
        assert hits and hits[0]["entity"]["id"] == expected, (text, hits)
        assert hits == sorted(hits, key=lambda h: -h["score"])
    places = run(seeded, model, q, q="Baghdad", f="LOCATION")["search"]
    assert places and all(h["entity"]["family"] == "LOCATION" for h in places)
    assert run(seeded, model, q, q='"(*~:\\')["search"] == []  # nothing searchable, no Lucene syntax error


def test_documents_and_document(seeded, model):
    data = run(seeded, model, """{ documents(first: 2) { totalCount edges { cursor node { id } }
        pageInfo { hasNextPage endCursor } } }""")["documents"]
    assert data["totalCount"] == 5 and data["pageInfo"]["hasNextPage"] and len(data["edges"]) == 2
    assert data["edges"][0]["cursor"] == encode_cursor(0)
    doc = run(seeded, model, """{ document(id: "001_9e368b0eaaa11057") { id title publisher authors published kind
        mentions { count entity { id } } claims { quote document { id } } } }""")["document"]
    assert doc["authors"][:2] == ["Tim Arango", "James Risen"] and doc["published"] == "2019-11-18"
    assert doc["kind"] == "news-article"
    assert {"qassem-soleimani", "mois", "iran"} <= {m["entity"]["id"] for m in doc["mentions"]}
    assert all(m["count"] >= 1 for m in doc["mentions"])
    assert doc["claims"] and all(c["document"]["id"] == doc["id"] for c in doc["claims"])
    assert run(seeded, model, '{ document(id: "nope") { id } }') == {"document": None}


def test_paths(seeded, model):
    data = run(seeded, model, """{ paths(from: "qassem-soleimani", to: "ksdp", maxHops: 4) {
        entities { id } relationships { type source { id } target { id } evidence { quote } } } }""")
    assert data["paths"]
    for p in data["paths"]:
        ids = [e["id"] for e in p["entities"]]
        assert ids[0] == "qassem-soleimani" and ids[-1] == "ksdp"
        assert len(p["relationships"]) == len(ids) - 1 <= 4
        for step, rel in enumerate(p["relationships"]):
            assert {rel["source"]["id"], rel["target"]["id"]} == {ids[step], ids[step + 1]}
            assert rel["evidence"]
    assert run(seeded, model, '{ paths(from: "mois", to: "mois") { entities { id } } }') == {"paths": []}
    too_far = '{ paths(from: "mois", to: "isis", maxHops: 50) { entities { id } } }'
    assert "maxHops must be between" in fails(seeded, model, too_far)


def test_stats(seeded, model):
    stats = run(seeded, model, "{ stats { documents entities relationships claims } }")["stats"]
    assert stats["documents"] == 5 and stats["entities"] > 80 and stats["claims"] > 100
    [edges] = seeded.read("MATCH ()-[r]->() WHERE r.claim_ids IS NOT NULL RETURN count(r) AS n")
    assert stats["relationships"] == edges["n"]


def test_nested_selections_cost_a_bounded_number_of_round_trips(seeded, model):
    query = """{ entities(filter: {family: ORGANIZATION}, first: 30) { edges { node {
        id relationships { type source { id name } target { id name }
          evidence { quote claimedBy { name } document { id title } } }
        documents { id mentions { count entity { id } } } } } } }"""
    before = seeded.reads
    run(seeded, model, query)
    # entities page, relationships, entities at both ends, claims, claimants, documents, mentions, entities
    assert seeded.reads - before <= 10


def test_internal_errors_are_masked_but_argument_errors_are_not(seeded, model, monkeypatch):
    def broken(self):
        raise RuntimeError("MATCH (secret) internals")

    monkeypatch.setattr(Reads, "stats", broken)
    assert fails(seeded, model, "{ stats { claims } }") == "Internal error; see the server log."
    assert "first must be between" in fails(seeded, model, "{ documents(first: -1) { totalCount } }")


def test_neighbourhood(seeded, model):
    q = """query($d: Int!) { neighbourhood(id: "ksdp", depth: $d, first: 30) {
        entities { id } relationships { type source { id } target { id } } } }"""
    one = run(seeded, model, q, d=1)["neighbourhood"]
    ids = [e["id"] for e in one["entities"]]
    assert ids[0] == "ksdp" and "mohammed-haji-mahmoud" in ids and len(ids) == len(set(ids))
    for r in one["relationships"]:
        assert r["source"]["id"] in ids and r["target"]["id"] in ids
    two = run(seeded, model, q, d=2)["neighbourhood"]
    assert set(ids) <= {e["id"] for e in two["entities"]} and len(two["entities"]) > len(ids)
    assert "depth must be between 1 and 3" in fails(seeded, model, q, d=4)


def test_neighbourhood_of_some_types(seeded, model):
    hood = run(seeded, model, """{ neighbourhood(id: "ksdp", depth: 2, types: ["LEADS"]) {
        entities { id } relationships { type } } }""")["neighbourhood"]
    assert "mohammed-haji-mahmoud" in {e["id"] for e in hood["entities"]}
    assert {r["type"] for r in hood["relationships"]} == {"LEADS"}


def test_common_neighbours(seeded, model):
    data = run(seeded, model, """{ commonNeighbours(a: "mois", b: "irgc") {
        entity { id } toFirst { source { id } target { id } } toSecond { source { id } target { id } } } }""")
    rows = data["commonNeighbours"]
    assert rows
    for row in rows:
        n = row["entity"]["id"]
        assert all({r["source"]["id"], r["target"]["id"]} == {"mois", n} for r in row["toFirst"])
        assert all({r["source"]["id"], r["target"]["id"]} == {"irgc", n} for r in row["toSecond"])


def test_timeline_is_oldest_first(seeded, model):
    claims = run(seeded, model, '{ entity(id: "mohammed-haji-mahmoud") { timeline { date quote } } }')
    dates = [c["date"] for c in claims["entity"]["timeline"]]
    assert dates and dates == sorted(dates) and "2014-12-07" in dates


def test_aggregates_add_up(seeded, model):
    data = run(seeded, model, """{ stats { entities relationships claims } aggregates(first: 5) {
        byFamily { key count } byKind { key count } byTag { key count } byRelationshipType { key count }
        claimsByDocument { key count } claimsByYear { key count } mostConnected { key count }
        coMentions { key count } } }""")
    agg, stats = data["aggregates"], data["stats"]
    assert sum(c["count"] for c in agg["byFamily"]) == stats["entities"]
    assert sum(c["count"] for c in agg["byKind"]) == stats["entities"]
    assert sum(c["count"] for c in agg["byRelationshipType"]) == stats["relationships"]
    assert sum(c["count"] for c in agg["claimsByDocument"]) == stats["claims"]
    assert [c["key"] for c in agg["claimsByYear"]] == sorted(c["key"] for c in agg["claimsByYear"])
    top = [c["count"] for c in agg["mostConnected"]]
    assert len(top) == 5 and top == sorted(top, reverse=True)
    assert len(agg["coMentions"]) == 5 and all(" | " in c["key"] for c in agg["coMentions"])


def test_boolean_filters_names_and_order(seeded, model):
    q = """query($f: EntityFilter, $o: EntityOrder) { entities(filter: $f, orderBy: $o, first: 200) {
        totalCount edges { node { id name aliases kind tags family } } } }"""

    def ids(flt, order="ID"):
        return [e["node"] for e in run(seeded, model, q, f=flt, o=order)["entities"]["edges"]]

    kurd = ids({"nameContains": "KURD"})
    assert kurd and all(any("kurd" in n.lower() for n in [e["name"], *e["aliases"]]) for e in kurd)
    assert {e["id"] for e in ids({"nameStartsWith": "kaka"})} == {"mohammed-haji-mahmoud"}
    either = ids({"or": [{"nameContains": "kurd"}, {"tags": ["kurdish"], "family": "PERSON"}]})
    assert {e["id"] for e in kurd} < {e["id"] for e in either}
    no_regions = ids({"nameContains": "kurd", "not": {"kinds": ["region"]}})
    assert no_regions and all(e["kind"] != "region" for e in no_regions) and len(no_regions) < len(kurd)
    both = ids({"and": [{"tags": ["kurdish"]}, {"family": "ORGANIZATION"}]})
    assert both and all("kurdish" in e["tags"] and e["family"] == "ORGANIZATION" for e in both)
    names = [e["name"].lower() for e in ids({"tags": ["iranian"]}, "NAME")]
    assert names == sorted(names)
    top = ids({"family": "ORGANIZATION"}, "DEGREE")[0]["id"]
    degree = seeded.read(
        "MATCH (e:Organization) RETURN e.id AS id, COUNT { (e)-[r]-(:Entity) WHERE r.claim_ids IS NOT NULL } AS n "
        "ORDER BY n DESC, e.id LIMIT 1"
    )
    assert top == degree[0]["id"]
    assert ids({"nameContains": "') MATCH (n) DETACH DELETE n //"}) == []  # a value, never Cypher
    assert run(seeded, model, "{ stats { entities } }")["stats"]["entities"] > 80
