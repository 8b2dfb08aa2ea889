"""Every Query field against the seed graph in a real Neo4j."""

import asyncio
import json

import pytest

from api.batch import Batches
from api.compiled import Compiled
from api.schema import build_schema, encode_cursor
from graph import queries
from graph.queries import Reads
from graph.settings import Settings

pytestmark = pytest.mark.neo4j
schema = build_schema(Settings())


def run(graph, model, query: str, **variables) -> dict:
    """The resolvers' answer; a query the compiler handles must get the very same answer from it."""
    result = asyncio.run(
        schema.execute(query, variable_values=variables, context_value={"batches": Batches(Reads(graph, model))})
    )
    assert result.errors is None, result.errors
    compiled = Compiled(schema, Reads(graph, model), Settings())
    plan = compiled.plan(query, None)
    if plan is not None:  # the same answer, with its keys in the same order
        assert json.dumps(compiled.answer(plan, variables)) == json.dumps(result.data)
    return result.data


def fails(graph, model, query: str, **variables) -> str:
    """The resolvers' error; the compiler leaves every such query to them."""
    result = asyncio.run(
        schema.execute(query, variable_values=variables, context_value={"batches": Batches(Reads(graph, model))})
    )
    assert result.errors, result.data
    compiled = Compiled(schema, Reads(graph, model), Settings())
    plan = compiled.plan(query, None)
    assert plan is None or compiled.answer(plan, variables) is None
    return result.errors[0].message


def test_the_question_mois_contacts_linked_to_kurdish_parties(seeded, model):
    data = run(seeded, model, """{
      contacts(of: "mois", linkedTo: {kinds: ["political_party"], tags: ["kurdish"]}) { nodes {
        contact { id name aliases }
        contactEvidence { nodes { type source { id } target { id }
                                  evidence { nodes { quote document { id } claimedBy { id } } } } }
        linkedEntity { id kind tags }
        link { nodes { type source { id } target { id } evidence { nodes { quote document { id } } } } }
      }}}""")
    contacts = data["contacts"]["nodes"]
    links = {c["contact"]["id"]: c for c in contacts}
    kaka = links["mohammed-haji-mahmoud"]
    assert "Kaka Hama" in kaka["contact"]["aliases"]
    assert kaka["linkedEntity"]["id"] == "ksdp"
    assert kaka["linkedEntity"]["kind"] == "political_party" and "kurdish" in kaka["linkedEntity"]["tags"]
    dealings = {d["type"] for d in kaka["contactEvidence"]["nodes"]}
    assert "MET_WITH" in dealings
    quotes = [e["quote"] for d in kaka["contactEvidence"]["nodes"] for e in d["evidence"]["nodes"]]
    assert any("MOIS officers met with Mahmoud" in q for q in quotes)
    link_quotes = [e["quote"] for rel in kaka["link"]["nodes"] for e in rel["evidence"]["nodes"]]
    assert any("Mohammed Haji Mahmoud, also known as Kaka Hama" in q for q in link_quotes)
    for c in contacts:
        assert c["contactEvidence"]["nodes"] and c["link"]["nodes"]
        assert all(ev["evidence"]["nodes"] for ev in c["contactEvidence"]["nodes"] + c["link"]["nodes"])
        assert c["contact"]["id"] != "mois" and c["linkedEntity"]["id"] != "mois"
        assert "kurdish" in c["linkedEntity"]["tags"] and c["linkedEntity"]["kind"] == "political_party"


def test_contacts_include_dealings_with_members(seeded, model):
    """Someone who met a member of an organization is that organization's contact."""
    data = run(seeded, model, """{ contacts(of: "quds-force", linkedTo: {family: PERSON}) { nodes {
        contact { id } contactEvidence { nodes { type source { id } target { id } } } } } }""")
    sources = {(d["source"]["id"], d["target"]["id"]) for c in data["contacts"]["nodes"]
               for d in c["contactEvidence"]["nodes"]}
    members = run(seeded, model, """{ entity(id: "quds-force") {
        relationships(types: [MEMBER_OF, LEADS, PART_OF], direction: IN) { nodes { source { id } } } } }""")
    member_ids = {r["source"]["id"] for r in members["entity"]["relationships"]["nodes"]}
    assert member_ids and any(s in member_ids or t in member_ids for s, t in sources)


def contacts_by_hand(graph, model, of: str, linked: dict) -> list[tuple[str, str]]:
    """The contacts question's (contact, linked entity) pairs, from every fact edge, in Python."""
    reads = Reads(graph, model)
    edges = graph.read(f"MATCH (a:Entity)-[r:{reads.fact_pattern}]->(b:Entity) RETURN a.id AS a, b.id AS b, "
                       "type(r) AS type")
    nodes = {r["id"]: r for r in graph.read("MATCH (e:Entity) RETURN e.id AS id, e.kind AS kind, "
                                            "coalesce(e.tags, []) AS tags, labels(e) AS labels")}

    def matches(x: str) -> bool:
        node = nodes[x]
        return (node["kind"] in linked.get("kinds", [node["kind"]]) and set(linked.get("tags", ())) <= set(node["tags"])
                and x in linked.get("ids", [x]) and linked.get("family", "Entity").title() in node["labels"])

    side = {of} | {e["a"] for e in edges if e["b"] == of and e["type"] in model.membership_types}
    contacts = ({e["b"] for e in edges if e["a"] in side and e["type"] in model.contact_types}
                | {e["a"] for e in edges if e["b"] in side and e["type"] in model.contact_types}) - side
    near = {(e["a"], e["b"]) for e in edges} | {(e["b"], e["a"]) for e in edges}
    return sorted((c, x) for c, x in near if c in contacts and x != of and matches(x))


@pytest.mark.parametrize("of, linked, candidates", [
    ("mois", {"kinds": ["political_party"], "tags": ["kurdish"]}, 1000),
    ("mois", {"ids": ["ksdp"]}, 1000),  # the contact has more facts than the party: found among its neighbours
    ("quds-force", {"ids": ["asaib-ahl-al-haq", "hezbollah"]}, 1000),  # one found from their neighbours
    ("mois", {"kinds": ["political_party", "militia"]}, 1000),
    ("mois", {"kinds": ["political_party", "militia"]}, 2),  # more candidates than that: every contact is read
    ("quds-force", {"family": "ORGANIZATION"}, 1000),  # nothing an index finds: every contact is read
    ("quds-force", {"kinds": ["militia"], "tags": ["shia"]}, 1000),
])
def test_contacts_are_found_from_the_side_with_fewer_facts(seeded, model, monkeypatch, of, linked, candidates):
    """A contact with more facts than the entities it may be linked to together is found among their neighbours,
    any other contact's facts are read: either way the same pairs, by contact and linked entity."""
    monkeypatch.setattr(queries, "CANDIDATES", candidates)
    flt = ", ".join(f"{k}: {json.dumps(v) if k != 'family' else v}" for k, v in linked.items())
    rows = run(seeded, model, f"""{{ contacts(of: "{of}", linkedTo: {{{flt}}}, first: 200) {{ totalCount
        nodes {{ contact {{ id }} linkedEntity {{ id }} }} }} }}""")["contacts"]
    got = [(r["contact"]["id"], r["linkedEntity"]["id"]) for r in rows["nodes"]]
    assert got == contacts_by_hand(seeded, model, of, linked) and rows["totalCount"] == len(got)
    assert got or linked.get("tags") == ["shia"]


def profile_hits(graph, statement: str, params: dict) -> int:
    """The db hits of one statement, every operator's."""
    with graph.driver.session(database=graph.database) as session:
        plan = session.run(f"PROFILE {statement}", params).consume().profile

    def total(op: dict) -> int:
        return op.get("dbHits", 0) + sum(total(c) for c in op.get("children", []))
    return total(plan)


def grow(graph, ids: list[str], n: int, prefix: str) -> None:
    """Give each of the entities `ids` `n` more facts, to new places whose ids start with `prefix`."""
    graph.run("UNWIND $ids AS id MATCH (e:Entity {id: id}) UNWIND range(1, $n) AS i "
              "CREATE (e)-[:VISITED {claim_ids: []}]->(:Entity:Location {id: $prefix + id + '-' + i})",
              ids=ids, n=n, prefix=prefix)


def test_hub_contacts_are_found_from_the_candidates_once(empty_graph, model):
    """Contacts with more relationships than the entities they may be linked to (hubs) are found among those
    entities' neighbours, read once for all the hubs: two more hubs add less to what the question reads than
    reading the candidates' facts once more would."""
    from conftest import SEEDS, load

    from graph.queries import EntityFilter, Params

    load(empty_graph, model, SEEDS)
    reads = Reads(empty_graph, model)
    linked = EntityFilter(kinds=("political_party",), tags=("kurdish",))
    query = """{ contacts(of: "mois", linkedTo: {kinds: ["political_party"], tags: ["kurdish"]}, first: 200) {
        nodes { contact { id } linkedEntity { id } } } }"""

    def hits() -> int:
        p = Params(reads.fact_pattern)
        return profile_hits(empty_graph, f"CALL () {{ {reads.contacts_body('mois', linked, p, 'row')} }} "
                            "RETURN row", p.values)

    try:
        parties = [r["id"] for r in empty_graph.read(
            "MATCH (y:Entity {kind: 'political_party'}) WHERE 'kurdish' IN y.tags RETURN y.id AS id")]
        grow(empty_graph, parties, 100, "village-")  # the candidates' facts: what checking a hub against them reads
        cost = empty_graph.read("MATCH (y:Entity) WHERE y.id IN $ids RETURN sum(COUNT { (y)--() }) AS n",
                                ids=parties)[0]["n"]
        answer = run(empty_graph, model, query)["contacts"]["nodes"]
        contacts = [r["id"] for r in empty_graph.read(
            f"MATCH (o:Entity {{id: 'mois'}}) WITH {reads.side('o', 'v')} AS side UNWIND side AS s "
            f"MATCH (s)-[:{reads.dealing}]-(c:Entity) WHERE NOT c IN side RETURN DISTINCT c.id AS id ORDER BY id")]
        assert len(contacts) >= 3 and cost < 400, (contacts, cost)
        grow(empty_graph, contacts[:1], 400, "hamlet-")  # a hub
        one = hits()
        grow(empty_graph, contacts[1:3], 400, "hamlet-")  # two more
        three = hits()
        assert run(empty_graph, model, query)["contacts"]["nodes"] == answer
        assert three - one < cost, (one, three, cost)  # 65 fewer; checking each hub against them read 389 more
    finally:  # the seed graph again, for the tests after this one
        empty_graph.run("MATCH (n:Entity) WHERE n.id STARTS WITH 'village-' OR n.id STARTS WITH 'hamlet-' "
                        "DETACH DELETE n")


def test_contacts_and_their_dealings_and_links_are_pages(seeded, model):
    """Each contact's dealings and links come a page at a time, by type, source and target, with their totals;
    so do the contacts, by contact and linked entity."""
    whole = """{ contacts(of: "mois", linkedTo: {family: ORGANIZATION}, first: 100) { totalCount nodes {
        contact { id } linkedEntity { id }
        contactEvidence(first: 50) { totalCount nodes { type source { id } target { id } } }
        link(first: 50) { totalCount nodes { type source { id } target { id } } } } } }"""
    rows = run(seeded, model, whole)["contacts"]
    assert rows["totalCount"] == len(rows["nodes"]) > 2
    pairs = [(r["contact"]["id"], r["linkedEntity"]["id"]) for r in rows["nodes"]]
    assert pairs == sorted(pairs) and len(set(pairs)) == len(pairs)

    def key(r):
        return r["type"], r["source"]["id"], r["target"]["id"]

    for r in rows["nodes"]:
        for name in ("contactEvidence", "link"):
            items = r[name]["nodes"]
            assert r[name]["totalCount"] == len(items) > 0 and [key(i) for i in items] == sorted(map(key, items))
    busy = max(rows["nodes"], key=lambda r: r["contactEvidence"]["totalCount"])
    linked = max(rows["nodes"], key=lambda r: r["link"]["totalCount"])
    assert busy["contactEvidence"]["totalCount"] > 1 and linked["link"]["totalCount"] > 1
    q = """query($after: String, $links: String, $skip: String) {
        contacts(of: "mois", linkedTo: {family: ORGANIZATION}, first: 1, after: $skip) { totalCount nodes {
        contact { id } linkedEntity { id }
        contactEvidence(first: 1, after: $after) { totalCount nodes { type source { id } target { id } }
                                                   pageInfo { hasNextPage endCursor } }
        link(first: 1, after: $links) { totalCount edges { cursor node { type source { id } target { id } } }
                                        pageInfo { hasNextPage endCursor } } } } }"""
    for row, name in ((busy, "contactEvidence"), (linked, "link")):
        skip = rows["nodes"].index(row)
        variables = {"skip": encode_cursor(skip - 1) if skip else None}
        seen = []
        while True:
            page = run(seeded, model, q, **variables)["contacts"]
            assert page["totalCount"] == rows["totalCount"]
            [got] = page["nodes"]
            assert (got["contact"]["id"], got["linkedEntity"]["id"]) == pairs[skip]
            part = got[name]
            assert part["totalCount"] == row[name]["totalCount"]
            seen += part["nodes"] if name == "contactEvidence" else [e["node"] for e in part["edges"]]
            if not part["pageInfo"]["hasNextPage"]:
                break
            variables["after" if name == "contactEvidence" else "links"] = part["pageInfo"]["endCursor"]
        assert seen == row[name]["nodes"]
    # without totals the compiled statement cuts each page itself: the same second items
    second = run(seeded, model, """query($after: String) { contacts(of: "mois", linkedTo: {family: ORGANIZATION},
        first: 100) { nodes { contactEvidence(first: 1, after: $after) { nodes { type source { id } target { id } } }
        link(first: 1, after: $after) { nodes { type source { id } target { id } } } } } }""",
                 after=encode_cursor(0))["contacts"]["nodes"]
    assert second == [{name: {"nodes": r[name]["nodes"][1:2]} for name in ("contactEvidence", "link")}
                      for r in rows["nodes"]]
    none = run(seeded, model, """{ contacts(of: "mois", linkedTo: {family: ORGANIZATION}, first: 0) {
        totalCount nodes { contact { id } } pageInfo { hasNextPage } } }""")["contacts"]
    assert none == {"totalCount": rows["totalCount"], "nodes": [], "pageInfo": {"hasNextPage": True}}
    assert "first must be between" in fails(seeded, model, """{ contacts(of: "mois", linkedTo: {}) {
        nodes { link(first: 201) { totalCount } } } }""")


def test_entity_with_relationships_evidence_and_documents(seeded, model):
    data = run(seeded, model, """{ entity(id: "qassem-soleimani") {
        id name aliases family kind tags description reviewed
        relationships(types: [LEADS], direction: OUT) { totalCount nodes {
          type source { id } target { id name } confidence firstDate lastDate
          evidence { totalCount nodes { id quote start end date datePrecision confidence method claimedBy { id }
                                        document { id title } } }
        } }
        documents { totalCount nodes { id publisher } }
      } }""")
    e = data["entity"]
    assert e["family"] == "PERSON" and e["reviewed"] is True and "Suleimani" in e["aliases"]
    rels = e["relationships"]["nodes"]
    assert {r["target"]["id"] for r in rels} >= {"quds-force"} and e["relationships"]["totalCount"] == len(rels)
    for r in rels:
        assert r["type"] == "LEADS" and r["source"]["id"] == "qassem-soleimani" and r["evidence"]["nodes"]
        assert r["evidence"]["totalCount"] == len(r["evidence"]["nodes"])
        for ev in r["evidence"]["nodes"]:
            assert ev["method"] == "curated" and ev["end"] - ev["start"] == len(ev["quote"])
    assert len(e["documents"]["nodes"]) == e["documents"]["totalCount"] >= 3
    assert run(seeded, model, '{ entity(id: "no-such-entity") { id } }') == {"entity": None}


def test_relationship_direction(seeded, model):
    q = ('{ entity(id: "ksdp") { relationships(types: [LEADS], direction: %s) { nodes { source { id } '
         'target { id } } } } }')
    incoming = run(seeded, model, q % "IN")["entity"]["relationships"]["nodes"]
    outgoing = run(seeded, model, q % "OUT")["entity"]["relationships"]["nodes"]
    both = run(seeded, model, q % "BOTH")["entity"]["relationships"]["nodes"]
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
    q = """query($q: String!, $f: Family) { search(query: $q, family: $f, first: 5) {
        totalCount nodes { score entity { id family } } } }"""
    for text, expected in [
        ("Solemani", "qassem-soleimani"), ("kaka hama", "mohammed-haji-mahmoud"), ("Daesh", "isis"),
        ("Ministry of Intelligence", "mois"), ("muhandis", "abu-mahdi-al-muhandis"),
    ]:
        hits = run(seeded, model, q, q=text)["search"]["nodes"]
        assert hits and hits[0]["entity"]["id"] == expected, (text, hits)
        assert hits == sorted(hits, key=lambda h: -h["score"])
    places = run(seeded, model, q, q="Baghdad", f="LOCATION")["search"]["nodes"]
    assert places and all(h["entity"]["family"] == "LOCATION" for h in places)
    assert run(seeded, model, q, q='"(*~:\\')["search"] == {"totalCount": 0, "nodes": []}  # no Lucene error


def test_documents_and_document(seeded, model):
    data = run(seeded, model, """{ documents(first: 2) { totalCount edges { cursor node { id } }
        pageInfo { hasNextPage endCursor } } }""")["documents"]
    assert data["totalCount"] == 5 and data["pageInfo"]["hasNextPage"] and len(data["edges"]) == 2
    assert data["edges"][0]["cursor"] == encode_cursor(0)
    doc = run(seeded, model, """{ document(id: "001_9e368b0eaaa11057") { id title publisher authors published kind
        mentions(first: 200) { nodes { count entity { id } } }
        claims(first: 200) { nodes { quote document { id } } } } }""")["document"]
    assert doc["authors"][:2] == ["Tim Arango", "James Risen"] and doc["published"] == "2019-11-18"
    assert doc["kind"] == "news-article"
    assert {"qassem-soleimani", "mois", "iran"} <= {m["entity"]["id"] for m in doc["mentions"]["nodes"]}
    assert all(m["count"] >= 1 for m in doc["mentions"]["nodes"])
    assert doc["claims"]["nodes"] and all(c["document"]["id"] == doc["id"] for c in doc["claims"]["nodes"])
    assert run(seeded, model, '{ document(id: "nope") { id } }') == {"document": None}


def test_paths(seeded, model):
    data = run(seeded, model, """{ paths(from: "qassem-soleimani", to: "ksdp", maxHops: 4) {
        entities { id } relationships { type source { id } target { id } evidence { nodes { quote } } } } }""")
    assert data["paths"]
    for p in data["paths"]:
        ids = [e["id"] for e in p["entities"]]
        assert ids[0] == "qassem-soleimani" and ids[-1] == "ksdp"
        assert len(p["relationships"]) == len(ids) - 1 <= 4
        for step, rel in enumerate(p["relationships"]):
            assert {rel["source"]["id"], rel["target"]["id"]} == {ids[step], ids[step + 1]}
            assert rel["evidence"]["nodes"]
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
        id relationships { nodes { type source { id name } target { id name }
          evidence { nodes { quote claimedBy { name } document { id title } } } } }
        documents { nodes { id mentions { nodes { count entity { id } } } } } } } } }"""
    before = seeded.reads
    asyncio.run(schema.execute(query, context_value={"batches": Batches(Reads(seeded, model))}))
    # the resolvers: the entities page, their relationships, the claims behind those (with their documents and
    # claimants), their documents, and those documents' mentions (with their entities): one query per level
    assert seeded.reads - before == 5
    compiled = Compiled(schema, Reads(seeded, model), Settings())
    before = seeded.reads
    compiled.answer(compiled.plan(query, None), {})
    assert seeded.reads - before == 1  # compiled: the whole selection in one statement


def test_internal_errors_are_masked_but_argument_errors_are_not(seeded, model, monkeypatch):
    def broken(self, *args):
        raise RuntimeError("MATCH (secret) internals")

    monkeypatch.setattr(Reads, "aggregates", broken)
    assert fails(seeded, model, "{ aggregates { byFamily { key } } }") == "Internal error; see the server log."
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


def walk(edges: list[tuple[str, str]], start: str, depth: int, limit: int, hub: int) -> list[str]:
    """The neighbourhood's order, by hand: ring by ring, the unseen neighbours of the ring's quiet entities (at
    most `hub` facts) by id, then, while the page is not full, those of its hubs by id."""
    adj: dict[str, list[str]] = {}
    for a, b in edges:
        adj.setdefault(a, []).append(b)
        adj.setdefault(b, []).append(a)
    seen, ring, near = {start}, [start], []
    for _ in range(depth):
        if len(near) >= limit or not ring:
            break
        quiet = [x for x in ring if len(adj[x]) <= hub]
        first = sorted({y for x in quiet for y in adj[x]} - seen)[:limit]
        second = []
        if len(near) + len(first) < limit:
            second = sorted({y for x in ring if x not in quiet for y in adj[x]} - seen - set(first))[:limit]
        ring = (first + second)[:limit - len(near)]
        seen |= set(ring)
        near += ring
    return [start, *near]


@pytest.mark.parametrize("start, depth, first, hub", [
    ("ksdp", 2, 30, 3), ("ksdp", 3, 60, 5), ("mois", 2, 40, 8), ("mois", 1, 10, 100), ("mois", 3, 4, 8),
    ("irgc", 2, 25, 0),
])
def test_neighbourhood_walks_through_hubs_last(seeded, model, monkeypatch, start, depth, first, hub):
    """Nearest first; in each ring, what the quiet entities reach before what only a hub reaches."""
    monkeypatch.setattr(queries, "HUB", hub)
    edges = [(r["a"], r["b"]) for r in seeded.read(
        f"MATCH (a:Entity)-[:{Reads(seeded, model).fact_pattern}]->(b:Entity) RETURN a.id AS a, b.id AS b")]
    hood = run(seeded, model, """query($id: ID!, $depth: Int!, $first: Int!) {
        neighbourhood(id: $id, depth: $depth, first: $first) { entities { id } relationships {
        type source { id } target { id } } } }""", id=start, depth=depth, first=first)["neighbourhood"]
    ids = [e["id"] for e in hood["entities"]]
    assert ids == walk(edges, start, depth, first, hub)
    assert hood_facts(hood) == hood_facts(hood, seeded, model) and hood["relationships"]


def hood_facts(hood: dict, graph=None, model=None) -> list[tuple[str, str, str]]:
    """The facts a neighbourhood answered with, or, given the graph, every fact among its entities."""
    if graph is None:
        return sorted((r["type"], r["source"]["id"], r["target"]["id"]) for r in hood["relationships"])
    return sorted((r["t"], r["a"], r["b"]) for r in graph.read(
        f"MATCH (a:Entity)-[r:{Reads(graph, model).fact_pattern}]->(b:Entity) WHERE a.id IN $ids AND b.id IN $ids "
        "RETURN type(r) AS t, a.id AS a, b.id AS b", ids=[e["id"] for e in hood["entities"]]))


def test_facts_between_hubs_are_looked_up(empty_graph, model):
    """The facts between two hubs of a neighbourhood are looked up by their ends, not found by reading a hub's
    facts: giving both hubs 300 more facts adds less to what the question reads than one hub's would. `migrate`
    gives its ends to a fact edge written without them."""
    from conftest import SEEDS, load

    from graph.migrate import migrate
    from graph.queries import Params, neighbourhood_body

    load(empty_graph, model, SEEDS)
    facts = Reads(empty_graph, model).fact_pattern
    x, h1, h2 = empty_graph.read(
        f"MATCH (h1:Entity)-[:{facts}]->(h2:Entity), (x:Entity)-[:{facts}]-(h1), (x)-[:{facts}]-(h2) "
        f"WHERE x <> h1 AND x <> h2 AND h1 <> h2 WITH x, h1, h2, COUNT {{ (x)-[:{facts}]-() }} AS facts "
        "RETURN [x.id, h1.id, h2.id] AS ids ORDER BY facts, ids LIMIT 1")[0]["ids"]
    empty_graph.run(f"MATCH (:Entity {{id: $a}})-[r:{facts}]->(:Entity {{id: $b}}) REMOVE r.ends", a=h1, b=h2)
    migrate(empty_graph, model)
    assert not empty_graph.read(f"MATCH (a)-[r:{facts}]->(b) WHERE r.ends IS NULL OR r.ends <> a.id + '|' + b.id "
                                "RETURN r LIMIT 1")
    query = """query($id: ID!) { neighbourhood(id: $id, depth: 1, first: 200) { entities { id } relationships {
        type source { id } target { id } } } }"""

    def hits() -> int:
        p = Params(facts)
        return profile_hits(empty_graph, f"CALL () {{ {neighbourhood_body(x, 1, None, 200, p, 'hood')} }} RETURN hood",
                            p.values)

    before, hood = hits(), run(empty_graph, model, query, id=x)["neighbourhood"]
    try:
        grow(empty_graph, [h1, h2], 300, "village-")
        after, again = hits(), run(empty_graph, model, query, id=x)["neighbourhood"]
        assert (h1, h2) in {(a, b) for _, a, b in hood_facts(hood)}
        assert hood_facts(again) == hood_facts(hood) == hood_facts(hood, empty_graph, model)
        assert after - before < 300, (before, after)  # reading one hub's new facts would be 300 more
    finally:  # the seed graph again, for the tests after this one
        empty_graph.run("MATCH (n:Entity) WHERE n.id STARTS WITH 'village-' DETACH DELETE n")


def test_shortest_paths_are_neo4js_and_pass_hubs_unread(empty_graph, model):
    """Between entities of at most HUB facts, the shortest paths of up to 3 hops are found by meeting in the
    middle; they are those Neo4j's allShortestPaths finds, for many pairs and bounds. Giving the two hubs of a
    3-hop path 300 more facts each adds less than a third of one hub's new facts to what the question reads;
    Neo4j's bidirectional search reads about one hub's."""
    from conftest import SEEDS, load

    from graph.queries import Params, paths_body

    load(empty_graph, model, SEEDS)
    facts = Reads(empty_graph, model).fact_pattern

    def ours(a: str, b: str, hops: int) -> tuple[str, dict]:
        p = Params(facts)
        return (f"CALL () {{ {paths_body(a, b, hops, True, 10_000, p, 'p')} }} "
                "RETURN [n IN p.nodes | n.id] AS ids, [r IN p.rels | elementId(r)] AS rels", p.values)

    def neo4js(a: str, b: str, hops: int) -> tuple[str, dict]:
        return (f"MATCH (a:Entity {{id: $a}}), (b:Entity {{id: $b}}) "
                f"MATCH p = allShortestPaths((a)-[:{facts}*1..{hops}]-(b)) "
                "RETURN [n IN nodes(p) | n.id] AS ids, [r IN relationships(p) | elementId(r)] AS rels",
                {"a": a, "b": b})

    def paths(form: tuple[str, dict]) -> list:
        return sorted((tuple(r["ids"]), tuple(r["rels"])) for r in empty_graph.read(form[0], **form[1]))

    ids = [r["id"] for r in empty_graph.read(f"MATCH (e:Entity) WHERE EXISTS {{ (e)-[:{facts}]-() }} "
                                             "RETURN e.id AS id ORDER BY id")]
    lengths = set()
    for i, a in enumerate(ids):
        b = ids[(7 * i + 3) % len(ids)]
        for hops in (1, 2, 3, 4):
            found = paths(ours(a, b, hops))
            assert found == paths(neo4js(a, b, hops)), (a, b, hops)
            lengths |= {len(p[1]) for p in found}
    assert lengths == {1, 2, 3, 4}, lengths

    x, h1, h2, z = empty_graph.read(
        f"MATCH (x:Entity)-[:{facts}]-(h1:Entity)-[:{facts}]-(h2:Entity)-[:{facts}]-(z:Entity) "
        f"WHERE x.id < z.id AND NOT EXISTS {{ (x)-[:{facts}*1..2]-(z) }} "
        "RETURN [x.id, h1.id, h2.id, z.id] AS ids ORDER BY ids LIMIT 1")[0]["ids"]
    before = paths(ours(x, z, 3))
    costs = [profile_hits(empty_graph, *form(x, z, 3)) for form in (ours, neo4js)]
    try:
        grow(empty_graph, [h1, h2], 300, "village-")
        assert paths(ours(x, z, 3)) == paths(neo4js(x, z, 3)) == before
        ours_more, neo4js_more = (profile_hits(empty_graph, *form(x, z, 3)) - cost
                                  for form, cost in zip((ours, neo4js), costs, strict=True))
        assert ours_more < 100 < neo4js_more, (ours_more, neo4js_more)  # 28 and 291 were measured
    finally:  # the seed graph again, for the tests after this one
        empty_graph.run("MATCH (n:Entity) WHERE n.id STARTS WITH 'village-' DETACH DELETE n")


def test_neighbourhood_of_some_types(seeded, model):
    hood = run(seeded, model, """{ neighbourhood(id: "ksdp", depth: 2, types: [LEADS]) {
        entities { id } relationships { type } } }""")["neighbourhood"]
    assert "mohammed-haji-mahmoud" in {e["id"] for e in hood["entities"]}
    assert {r["type"] for r in hood["relationships"]} == {"LEADS"}


def test_common_neighbours(seeded, model):
    data = run(seeded, model, """{ commonNeighbours(a: "mois", b: "irgc", first: 200) { totalCount nodes {
        entity { id } toFirst { source { id } target { id } } toSecond { source { id } target { id } } } } }""")
    rows = data["commonNeighbours"]["nodes"]
    assert data["commonNeighbours"]["totalCount"] == len(rows)
    assert rows
    for row in rows:
        n = row["entity"]["id"]
        assert all({r["source"]["id"], r["target"]["id"]} == {"mois", n} for r in row["toFirst"])
        assert all({r["source"]["id"], r["target"]["id"]} == {"irgc", n} for r in row["toSecond"])


def test_timeline_is_oldest_first(seeded, model):
    claims = run(seeded, model,
                 '{ entity(id: "mohammed-haji-mahmoud") { timeline(first: 200) { nodes { date quote } } } }')
    dates = [c["date"] for c in claims["entity"]["timeline"]["nodes"]]
    assert dates and dates == sorted(dates) and "2014-12-07" in dates


def test_aggregates_add_up(seeded, model):
    data = run(seeded, model, """{ stats { entities relationships claims } aggregates(first: 5) {
        byFamily { key count } byKind { key count } byTag { key count } byRelationshipType { key count }
        claimsByDocument { key count } claimsByYear { key count } mostConnected { key count }
        coMentions { key count } current } }""")
    agg, stats = data["aggregates"], data["stats"]
    assert sum(c["count"] for c in agg["byFamily"]) == stats["entities"]
    assert sum(c["count"] for c in agg["byKind"]) == stats["entities"]
    assert sum(c["count"] for c in agg["byRelationshipType"]) == stats["relationships"]
    assert sum(c["count"] for c in agg["claimsByDocument"]) == stats["claims"]
    assert [c["key"] for c in agg["claimsByYear"]] == sorted(c["key"] for c in agg["claimsByYear"])
    top = [c["count"] for c in agg["mostConnected"]]
    assert len(top) == 5 and top == sorted(top, reverse=True)
    assert len(agg["coMentions"]) == 5 and all(" | " in c["key"] for c in agg["coMentions"])
    assert agg["current"] is True


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


def test_nested_lists_are_connections_that_page(seeded, model):
    q = """query($after: String) { entity(id: "mois") { relationships(first: 3, after: $after) {
        totalCount edges { cursor node { type target { id } source { id } } }
        pageInfo { hasNextPage endCursor } } } }"""
    page = run(seeded, model, q)["entity"]["relationships"]
    total, seen = page["totalCount"], []
    assert total > 3
    while True:
        seen += [(e["node"]["type"], e["node"]["source"]["id"], e["node"]["target"]["id"]) for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        page = run(seeded, model, q, after=page["pageInfo"]["endCursor"])["entity"]["relationships"]
    assert len(seen) == len(set(seen)) == total


def test_relationship_filters_by_type_confidence_and_dates(seeded, model):
    q = """query($t: [RelationshipType!], $c: Float, $f: String, $to: String) { entity(id: "mohammed-haji-mahmoud") {
        relationships(types: $t, minConfidence: $c, from: $f, to: $to, first: 200) {
          nodes { type confidence firstDate lastDate } } } }"""

    def rels(**v):
        return run(seeded, model, q, **v)["entity"]["relationships"]["nodes"]

    everything = rels()
    assert {r["type"] for r in rels(t=["MET_WITH"])} == {"MET_WITH"}
    assert all(r["confidence"] >= 0.9 for r in rels(c=0.9)) and len(rels(c=0.0)) == len(everything)
    def at_coarser(a, b):
        n = min(len(a), len(b))
        return a[:n], b[:n]

    dated = rels(f="2014-12", to="2014-12")
    for r in dated:  # "2014" overlaps December 2014; "2014-11" does not
        first, bound = at_coarser(r["firstDate"], "2014-12")
        last, _ = at_coarser(r["lastDate"], "2014-12")
        assert first <= bound <= last, r
    assert len(dated) < len(everything)
    assert all(r["lastDate"] >= "2015" for r in rels(f="2015"))
    assert "is not YYYY, YYYY-MM or YYYY-MM-DD" in fails(seeded, model, q, f="December 2014")
    assert "minConfidence must be between 0 and 1" in fails(seeded, model, q, c=2.0)
    assert "RELATED_TO" in fails(seeded, model, q, t=["RELATED_TO"])  # not a type in model.yaml


def test_entity_filters_by_related_facts_and_fuzzy_names(seeded, model):
    q = """query($f: EntityFilter) { entities(filter: $f, first: 200) { totalCount nodes { id } } }"""

    def ids(flt):
        return {e["id"] for e in run(seeded, model, q, f=flt)["entities"]["nodes"]}

    assert "qassem-soleimani" in ids({"nameFuzzy": "Qasim Sulaimani"})
    assert "qassem-soleimani" not in ids({"nameFuzzy": "Qasim Muhandis"})  # every word must match
    met_mois = ids({"family": "PERSON", "related": {"types": ["MET_WITH"], "other": {"ids": ["mois"]}}})
    assert "mohammed-haji-mahmoud" in met_mois
    rows = seeded.read("MATCH (p:Person)-[:MET_WITH]-(:Entity {id: 'mois'}) RETURN collect(DISTINCT p.id) AS ids")
    assert met_mois == set(rows[0]["ids"])
    kurdish_ties = ids({"related": {"other": {"nameFuzzy": "Kurdistan Democratic", "kinds": ["political_party"]}}})
    assert kurdish_ties and "mohammed-haji-mahmoud" in ids({"related": {"other": {"nameFuzzy": "KSDP"}}})
    led = ids({"related": {"types": ["LEADS"], "direction": "OUT"}, "not": {"related": {"direction": "IN"}}})
    assert led and all(
        seeded.read("MATCH (e:Entity {id: $id})<-[r]-(:Entity) WHERE r.claim_ids IS NOT NULL RETURN count(r) AS n",
                    id=i)[0]["n"] == 0 for i in led
    )
    assert ids({"nameFuzzy": "') RETURN 1 //"}) == set()


def test_all_paths_and_centrality(seeded, model):
    q = """query($all: Boolean!, $h: Int!) { paths(from: "qassem-soleimani", to: "ksdp", maxHops: $h, all: $all,
        first: 200) { entities { id } } }"""
    shortest = run(seeded, model, q, all=False, h=4)["paths"]
    every = run(seeded, model, q, all=True, h=4)["paths"]
    length = len(shortest[0]["entities"])
    assert all(len(p["entities"]) == length for p in shortest)
    assert len(every) > len(shortest) and all(len(p["entities"]) >= length for p in every)
    assert all(len({e["id"] for e in p["entities"]}) == len(p["entities"]) for p in every)  # no entity twice
    lengths = [len(p["entities"]) for p in every]
    assert lengths == sorted(lengths)
    assert "maxHops must be between 1 and 4 for all paths" in fails(seeded, model, q, all=True, h=5)
    top = run(seeded, model, "{ aggregates(first: 5) { mostCentral { key score } } }")["aggregates"]["mostCentral"]
    scores = [t["score"] for t in top]
    assert len(top) == 5 and scores == sorted(scores, reverse=True) and all(0 < s < 1 for s in scores)
    assert "mois" in {t["key"] for t in top}


def test_timeline_between_dates(seeded, model):
    q = """query($f: String, $t: String) { entity(id: "mohammed-haji-mahmoud") { timeline(from: $f, to: $t,
        first: 200) { totalCount nodes { date } } } }"""
    whole = run(seeded, model, q)["entity"]["timeline"]
    later = run(seeded, model, q, f="2015")["entity"]["timeline"]
    assert 0 < later["totalCount"] < whole["totalCount"] and all(n["date"] >= "2015" for n in later["nodes"])
    december = run(seeded, model, q, f="2014-12-01", t="2014-12-31")["entity"]["timeline"]["nodes"]
    assert december and all(n["date"] in ("2014", "2014-12") or n["date"].startswith("2014-12-") for n in december)


def test_the_readme_example_of_a_fuzzy_related_filter(seeded, model):
    data = run(seeded, model, """{ entities(filter: {family: PERSON, related: {types: [MET_WITH], from: "2014-12",
        to: "2014-12", other: {nameFuzzy: "Ministry Inteligence"}}}) { totalCount nodes { name } } }""")
    assert "Mohammed Haji Mahmoud" in {n["name"] for n in data["entities"]["nodes"]}


def test_a_member_with_two_memberships_deals_once(empty_graph, model):
    """A member joined to the organization by two membership types (a member who also leads it) is one member:
    each dealing with them is listed once, as in the contacts question's plain Cypher."""
    from conftest import SEEDS, load

    load(empty_graph, model, SEEDS)
    pair = empty_graph.read(  # someone who dealt with a contact linked to an organization; made a member twice over
        f"MATCH (p:Person)-[:{'|'.join(model.contact_types)}]-(c:Entity)-[]-(:Organization) "
        "WHERE NOT 'mois' IN [p.id, c.id] AND NOT (c)--(:Entity {id: 'mois'}) "
        "RETURN p.id AS member, c.id AS contact ORDER BY p.id, c.id LIMIT 1")[0]
    empty_graph.run("MATCH (p:Entity {id: $p}), (o:Entity {id: 'mois'}) MERGE (p)-[:MEMBER_OF]->(o) "
                    "MERGE (p)-[:LEADS]->(o)", p=pair["member"])
    q = """{ contacts(of: "mois", linkedTo: {family: ORGANIZATION}, first: 200) { nodes { contact { id }
        contactEvidence(first: 200) { totalCount nodes { type source { id } target { id } } } } } }"""
    rows = [r for r in run(empty_graph, model, q)["contacts"]["nodes"] if r["contact"]["id"] == pair["contact"]]
    assert rows
    for row in rows:
        items = [(d["type"], d["source"]["id"], d["target"]["id"]) for d in row["contactEvidence"]["nodes"]]
        assert pair["member"] in {x for _, *ends in items for x in ends}
        assert len(items) == len(set(items)) == row["contactEvidence"]["totalCount"]


def test_an_entitys_facts_in_each_direction_come_by_type_source_and_target(seeded, model):
    for direction in ("OUT", "IN", "BOTH"):
        nodes = run(seeded, model, f"""{{ entity(id: "mois") {{ relationships(direction: {direction}, first: 200) {{
            nodes {{ type source {{ id }} target {{ id }} }} }} }} }}""")["entity"]["relationships"]["nodes"]
        keys = [(n["type"], n["source"]["id"], n["target"]["id"]) for n in nodes]
        assert len(keys) > 3 and len(set(n["type"] for n in nodes)) > 1 and keys == sorted(keys), direction
        assert all(("mois" == k[1]) if direction == "OUT" else ("mois" == k[2]) if direction == "IN" else "mois" in k
                   for k in keys)


def test_a_hub_contacts_facts_are_not_read(empty_graph, model):
    """The contacts question reads hardly more of Neo4j when a contact gains 300 facts that link it to nothing
    asked for (it is checked against the Kurdish parties, not read through), or when 300 parties that are not
    Kurdish appear (the parties are looked up once, not once for each contact)."""
    from conftest import SEEDS, load

    from graph.queries import EntityFilter, Params

    load(empty_graph, model, SEEDS)
    reads = Reads(empty_graph, model)
    linked = EntityFilter(kinds=("political_party",), tags=("kurdish",))

    def hits() -> tuple[int, list]:
        p = Params(reads.fact_pattern)
        body = reads.contacts_body("mois", linked, p, "row")
        with empty_graph.driver.session(database=empty_graph.database) as session:
            result = session.run(f"PROFILE CALL () {{ {body} }} RETURN row.contact.id AS c, row.linked.id AS x",
                                 p.values)
            pairs = [(r["c"], r["x"]) for r in result]
            plan = result.consume().profile

        def total(op: dict) -> int:
            return op.get("dbHits", 0) + sum(total(c) for c in op.get("children", []))
        return total(plan), pairs

    before, pairs = hits()
    assert ("mohammed-haji-mahmoud", "ksdp") in pairs
    try:
        empty_graph.run("MATCH (c:Entity {id: 'mohammed-haji-mahmoud'}) UNWIND range(1, 300) AS i "
                        "CREATE (c)-[:VISITED {claim_ids: []}]->(:Entity:Location {id: 'village-' + i, name: 'V' + i})")
        hub, again = hits()
        empty_graph.run("UNWIND range(1, 300) AS i MATCH (v:Entity {id: 'village-' + i}) "
                        "CREATE (:Entity:Organization {id: 'party-' + i, name: 'P' + i, kind: 'political_party'})"
                        "-[:LOCATED_IN {claim_ids: []}]->(v)")
        parties, still = hits()
        assert again == still == pairs and hub - before < 100 and parties - hub < 1000, (before, hub, parties)
    finally:  # the seed graph again, for the tests after this one
        empty_graph.run("MATCH (n:Entity) WHERE n.id =~ '(village|party)-[0-9]+' DETACH DELETE n")
