"""Query latency: ten representative questions, each asked three ways over the same Neo4j and data:
our GraphQL API over HTTP (`cablegraph serve`), the same question as hand-written Cypher through the
neo4j driver, and the Neo4j GraphQL Library (`@neo4j/graphql`, bench/neo4j-graphql/) over HTTP. The
three answers are checked to be the same (ids and counts) before anything is timed. Each question is
then timed at each concurrency level (1, 8 and 32): p50, p99 and requests/s after a warm-up, over the
same number of requests for every form and level of a question.

    .venv/bin/python -m bench.latency [--sizes 1000,100000] [--requests 200] [--budget 10] [--concurrency 1,8,32]
    .venv/bin/python -m bench.latency --check-only [--sizes 1000,100000]   # the answer check alone

A size is a number of synthetic documents (bench/synthetic.py, generated once into the cache) or
`seeds`. Each size gets a throwaway Neo4j. The questions ask about the same ids at every synthetic
size (the synthetic world's catalogue does not depend on the number of documents). Writes
bench/results/latency.json, with our p50 on the largest corpus over the smallest for each question.

The Library gets type definitions derived from schema/model.yaml (`library_typedefs`): every fact type
is a relationship field in each direction, claims and documents are nodes, and `family` (a label) is a
`@cypher` field. Lookups, filters, search, one-hop facts and the deep selection use the Library's
generated queries. It has no notion of neighbourhoods, paths, the contacts question or dashboard
counts, and cannot page the claims behind a fact (their ids are a list property on the fact edge), so
those and evidence are `@cypher` fields, the documented way to add custom logic, running the same
statement as the Cypher form.

The client runs on one uvloop event loop: the driver's async API for the Cypher form, and for the two GraphQL
servers `HTTP`, a small HTTP/1.1 client on kept-alive connections, so that what is timed is the servers' work
rather than a general-purpose client's.

Every question asks for the same page in the three forms (FACTS_PAGE and the others below), so the
answers agree at every corpus size, and the bounded ones keep their size as the corpus grows.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httptools
import httpx2
import neo4j
import uvloop

from bench import synthetic
from graph.db import connect
from graph.migrate import FULLTEXT_INDEX, migrate
from graph.overview import Overview
from graph.queries import HUB, Reads, lucene_query
from graph.server import LocalServer, free_port
from graph.settings import Settings
from graph.write import Writer
from loaders.pipeline import Pipeline
from schema.model import Model, load_model

ROOT = Path(__file__).resolve().parent.parent
LIBRARY = ROOT / "bench" / "neo4j-graphql"
RESULTS = ROOT / "bench" / "results" / "latency.json"
FORMS = ("ours", "cypher", "library")
PATHS = 10  # graph.queries.Reads.paths answers at most this many
# Pages, so that every question asks for a bounded answer, the same in the three forms and at any corpus size
# (our API caps a page at 200). In the synthetic corpora the entity's 21 facts fill the page of 20 at every size.
FACTS_PAGE = 20  # an entity's facts (facts, evidence), in our API's order: type, source id, target id
CLAIMS_PAGE = 5  # claims behind a fact (evidence, contacts), in our order: document id, start, claim id
CONTACTS_PAGE = 20  # contacts, by contact id and linked entity id
DEALINGS_PAGE = 10  # a contact's dealings and its links to the linked entity (contacts), by type, source, target
MEMBERSHIPS_PAGE = 10  # a subject's memberships (deep), by type and target id
MODEL = load_model()
FACTS = "|".join(MODEL.rel_type(t) for t in MODEL.fact_types)
MEMBERS = "|".join(MODEL.rel_type(t) for t in MODEL.membership_types)
CONTACTS = "|".join(MODEL.rel_type(t) for t in MODEL.contact_types)
FAMILY = "[l IN labels({0}) WHERE l IN $families][0]"


class Disagreement(AssertionError):
    """Two forms of a question gave different answers: timing them would compare different work."""


@dataclass(frozen=True)
class Parameters:
    """What the questions ask about: ids that exist in the corpus (in a synthetic one, at every size)."""

    entity: str  # an entity's facts, evidence and neighbourhood
    lookup: str
    tag: str  # organizations with this tag
    search: str  # a misspelt name
    path: tuple[str, str]
    contacts_of: str  # an organization
    linked_kinds: tuple[str, ...]  # its contacts linked to entities of these kinds and tags
    linked_tags: tuple[str, ...]
    document: str


SEEDS = Parameters(
    entity="mohammed-haji-mahmoud", lookup="mois", tag="kurdish", search="Suleimani",
    path=("qassem-soleimani", "ksdp"), contacts_of="mois", linked_kinds=("political_party",),
    linked_tags=("kurdish",), document="001_9e368b0eaaa11057",
)
# From bench/synthetic.py's world (seed 7), in every corpus from 1,000 documents up: a person with 21 facts (the
# 99th percentile at 1,000 documents; its era is over by then, so it has as many at 100,000), the most connected
# person (a hub), a misspelling of the first person's name, two entities 3 hops apart, a directorate with a few
# contacts, a report with 14 claims.
SYNTHETIC = Parameters(
    entity="abdolreza-mohsen-danaeifar", lookup="khalid-hassan-raed-al-khazali", tag="kurdish",
    search="Abdolreza Danaifar", path=("hossein-reza-taeb", "kani-aziz-intelligence-directorate"),
    contacts_of="umm-rashid-intelligence-directorate", linked_kinds=("political_party",), linked_tags=("kurdish",),
    document="syn-0000018",
)


@dataclass(frozen=True)
class Question:
    """One question in three forms. `cypher` returns one row with a `data` column shaped like our API's
    response, or, when the Library asks it through a `@cypher` field (`custom`, that field's SDL), the
    field's value in a `result` column (one row per item for a list). `from_library` reshapes the
    Library's response like ours (given the question's variables); `summary` reduces an answer to what
    must agree (ids, counts). Pages are literals in `ours` (the API's cost limit takes a variable page
    as the largest) and variables in the other two."""

    name: str
    what: str
    bounded: bool  # the answer has a fixed largest size (one entity, a page, a top 10), whatever the corpus
    variables: Callable[[Parameters], dict[str, Any]]
    ours: str
    cypher: str
    library: str
    summary: Callable[[dict], Any]
    from_library: Callable[[dict, dict], dict] = lambda data, variables: data
    custom: str | None = None

    @property
    def field(self) -> str:
        return self.custom.split("(")[0] if self.custom else ""


# -- the ten questions ----------------------------------------------------------------------------
def _ref(e: dict | None) -> str | None:
    return e["id"] if e else None


def _first(items: list) -> Any:
    return items[0] if items else None


def _fact_fields(selection: str) -> str:
    """The Library has one field per fact type and direction (see library_typedefs): the first $first of
    each by the other end's id, which holds the entity's first $first facts of that type and direction."""
    return " ".join(f"{d}_{t}Connection(first: $first, sort: [{{node: {{id: ASC}}}}]) {{ edges {{ {selection} }} }}"
                    for t in MODEL.fact_types for d in ("out", "in"))


def _facts_from_library(data: dict, variables: dict) -> dict:
    """The union of the per-field pages, in our API's order (type, source, target), cut to the page."""
    rows = data["entities"]
    if not rows:
        return {"entity": None}
    e = rows[0]
    me = {"id": e["id"], "name": e["name"]}
    rels = []
    for t in MODEL.fact_types:
        for d in ("out", "in"):
            for edge in e[f"{d}_{t}Connection"]["edges"]:
                source, target = (me, edge["node"]) if d == "out" else (edge["node"], me)
                rels.append({"type": t, "confidence": edge["properties"]["confidence"], "source": source,
                             "target": target})
    rels.sort(key=lambda r: (r["type"], r["source"]["id"], r["target"]["id"]))
    return {"entity": {"id": e["id"], "relationships": rels[:variables["first"]]}}


def _deep_from_library(data: dict, variables: dict) -> dict:
    doc = _first(data["documents"])
    if doc is None:
        return {"document": None}
    claims = []
    for c in doc["claims"]:
        s = _first(c["subject"])
        rels = sorted(({"type": t, "target": x} for t in MODEL.membership_types for x in s[f"out_{t}"]),
                      key=lambda r: (r["type"], r["target"]["id"]))[:variables["memberships"]] if s else []
        claims.append({"id": c["id"], "subject": s and {"id": s["id"], "relationships": rels},
                       "object": _first(c["object"]), "claimedBy": _first(c["claimedBy"])})
    return {"document": {"id": doc["id"], "title": doc["title"], "claims": claims}}


def _paths_summary(data: dict) -> list:
    """Which paths make a page of 10 out of more is up to Neo4j: then only their number and lengths count."""
    paths = [([e["id"] for e in p["entities"]], [r["type"] for r in p["relationships"]]) for p in data["paths"]]
    return sorted(paths) if len(paths) < PATHS else [(len(p[1]), len(paths)) for p in paths]


def _aggregates_cypher() -> str:
    """The API's statement for the dashboard's counts (graph/overview.py, taken without running it) and the
    co-mentioned pairs counted in Cypher (the API counts them in Python from compact reads), shaped like the
    GraphQL answer."""

    class Keep:
        cypher = ""

        def read(self, cypher: str, **params: Any) -> list[dict]:
            self.cypher = cypher
            return [{}]

    keep = Keep()
    Overview(Reads(keep, MODEL), 0)._counts()  # type: ignore[arg-type]
    co_mentions = (
        "CALL () { MATCH (a:Entity)<-[:MENTIONS]-(d:Document)-[:MENTIONS]->(b:Entity) WHERE a.id < b.id "
        "  WITH a.id + ' | ' + b.id AS key, count(DISTINCT d) AS n ORDER BY n DESC, key LIMIT $limit "
        "  RETURN collect({key: key, count: n}) AS co_mentions } ")
    fields = {"byFamily": "by_family", "byKind": "by_kind", "byTag": "by_tag",
              "byRelationshipType": "by_relationship_type", "claimsByDocument": "claims_by_document",
              "claimsByYear": "claims_by_year", "mostConnected": "most_connected", "coMentions": "co_mentions"}
    shape = ", ".join(f"{k}: {v}" for k, v in fields.items())
    return f"CALL () {{ {keep.cypher} }} {co_mentions}RETURN {{{shape}}} AS result"


# an entity's first $first facts in our API's order (graph.queries.facts_of), as rows of `r`; `e` is the entity
FIRST_FACTS = f"MATCH (e)-[r:{FACTS}]-(:Entity) WITH r ORDER BY type(r), startNode(r).id, endNode(r).id LIMIT $first"


def _first_claims(fact: str, projection: str) -> str:
    """The first $claims claims `k` (in document `kd`) behind a fact edge, in our API's order
    (graph.queries.evidence_of), each as `projection`."""
    return (f"COLLECT {{ MATCH (k:Claim)-[:STATED_IN]->(kd:Document) WHERE k.id IN {fact}.claim_ids "
            f"WITH k, kd ORDER BY kd.id, k.start, k.id LIMIT $claims RETURN {projection} }}")


AGGREGATE_FIELDS = ("byFamily", "byKind", "byTag", "byRelationshipType", "claimsByDocument", "claimsByYear",
                    "mostConnected", "coMentions")
GRAPHQL_LIST = "[String!]!"
FAMILIES_ARG = f"families: {GRAPHQL_LIST} = {json.dumps(list(MODEL.families))}"
FACTS_ARG = f"facts: {GRAPHQL_LIST} = {json.dumps(list(MODEL.fact_types))}"
MEMBERSHIP = "[" + ", ".join(MODEL.membership_types) + "]"  # enum values

# the neighbourhood's next ring: the unseen neighbours of the last, those a quiet entity reaches first
NEXT_RING = (
    f"CALL (seen, ring) {{ UNWIND ring AS x WITH x, seen, COUNT {{ (x)-[:{FACTS}]-() }} > {HUB} AS hub "
    f"  MATCH (x)-[:{FACTS}]-(y:Entity) WHERE NOT y IN seen WITH y, min(CASE WHEN hub THEN 1 ELSE 0 END) AS hub "
    "  ORDER BY hub, y.id LIMIT $first RETURN collect(y) AS found } "
    "WITH a, seen, near, found[..$first - size(near)] AS next "
    "WITH a, seen + next AS seen, next AS ring, near + next AS near "
)
QUESTIONS = (
    Question(
        "lookup", "one entity by id", True, lambda p: {"id": p.lookup},
        "query($id: ID!) { entity(id: $id) { id name aliases family kind tags description } }",
        "MATCH (e:Entity {id: $id}) RETURN {entity: e {.id, .name, .aliases, .kind, .tags, .description, "
        f"family: {FAMILY.format('e')}}}}} AS data",
        "query($id: ID!) { entities(where: {id: {eq: $id}}) { id name aliases family kind tags description } }",
        summary=lambda d: d["entity"] and {**d["entity"], "family": d["entity"]["family"].upper()},
        from_library=lambda d, _: {"entity": _first(d["entities"])},
    ),
    Question(
        "filter", "organizations with a tag, by id: first page and total", True,
        lambda p: {"tag": p.tag, "first": 20},
        "query($tag: String!, $first: Int!) { entities(filter: {family: ORGANIZATION, tags: [$tag]}, "
        "first: $first) { totalCount edges { node { id name kind } } } }",
        f"MATCH (e:{MODEL.label('Organization')}) WHERE $tag IN e.tags WITH e ORDER BY e.id "
        "WITH collect(e {.id, .name, .kind}) AS found "
        "RETURN {entities: {totalCount: size(found), edges: [n IN found[..$first] | {node: n}]}} AS data",
        "query($tag: String!, $first: Int!) { entitiesConnection(where: {family: {eq: \"Organization\"}, "
        "tags: {includes: $tag}}, first: $first, sort: [{id: ASC}]) { totalCount edges { node { id name kind } } } }",
        summary=lambda d: (d["entities"]["totalCount"], [e["node"]["id"] for e in d["entities"]["edges"]]),
        from_library=lambda d, _: {"entities": d["entitiesConnection"]},
    ),
    Question(
        "search", "full-text search with a misspelling, top 10", True,
        lambda p: {"text": p.search, "lucene": lucene_query(p.search), "index": FULLTEXT_INDEX},
        "query($text: String!) { search(query: $text, first: 10) { nodes { score entity { id name } } } }",
        "CALL db.index.fulltext.queryNodes($index, $lucene, {limit: 50}) YIELD node, score "
        "WITH node, score ORDER BY score DESC, node.id LIMIT 10 "
        "RETURN {search: collect({score: score, entity: node {.id, .name}})} AS data",
        "query($lucene: String!) { searchEntities(phrase: $lucene, first: 10, sort: [{score: DESC}]) "
        "{ edges { score node { id name } } } }",
        summary=lambda d: sorted((-round(h["score"], 4), h["entity"]["id"]) for h in d["search"]),
        from_library=lambda d, _: {"search": [{"score": e["score"], "entity": e["node"]}
                                              for e in d["searchEntities"]["edges"]]},
    ),
    Question(
        "facts", f"an entity's first {FACTS_PAGE} typed facts (by type, source, target), with both ends", True,
        lambda p: {"id": p.entity, "first": FACTS_PAGE},
        f"query($id: ID!) {{ entity(id: $id) {{ id relationships(first: {FACTS_PAGE}) {{ nodes {{ type confidence "
        "source { id name } target { id name } } } } }",
        f"MATCH (e:Entity {{id: $id}}) RETURN {{entity: {{id: e.id, relationships: COLLECT {{ {FIRST_FACTS} "
        "RETURN {type: type(r), confidence: r.confidence, source: {id: startNode(r).id, name: startNode(r).name}, "
        "target: {id: endNode(r).id, name: endNode(r).name}} }}} AS data",
        f"query($id: ID!, $first: Int!) {{ entities(where: {{id: {{eq: $id}}}}) {{ id name "
        f"{_fact_fields('properties { confidence } node { id name }')} }} }}",
        summary=lambda d: d["entity"] and [
            (r["type"], r["source"]["id"], r["target"]["id"], r["confidence"]) for r in d["entity"]["relationships"]],
        from_library=_facts_from_library,
    ),
    Question(
        "evidence", f"the quotes, documents and claimants behind an entity's first {FACTS_PAGE} facts "
        f"(the first {CLAIMS_PAGE} of each, by document and position)", True,
        lambda p: {"id": p.entity, "first": FACTS_PAGE, "claims": CLAIMS_PAGE},
        f"query($id: ID!) {{ entity(id: $id) {{ id relationships(first: {FACTS_PAGE}) {{ nodes {{ "
        f"type source {{ id }} target {{ id }} evidence(first: {CLAIMS_PAGE}) {{ nodes {{ id quote "
        "document { id title } claimedBy { id name } } } } } } }",
        f"MATCH (e:Entity {{id: $id}}) RETURN {{id: e.id, relationships: COLLECT {{ {FIRST_FACTS} "
        "RETURN {type: type(r), source: {id: startNode(r).id}, target: {id: endNode(r).id}, evidence: "
        + _first_claims("r", "{id: k.id, quote: k.quote, document: kd {.id, .title}, "
                             "claimedBy: head([(k)-[:CLAIMED_BY]->(w:Entity) | w {.id, .name}])}") + "} }} AS result",
        "query($id: ID!, $first: Int!, $claims: Int!) { entity(id: $id, first: $first, claims: $claims) { id "
        "relationships { type source { id } target { id } evidence { id quote document { id title } "
        "claimedBy { id name } } } } }",
        summary=lambda d: d["entity"] and [
            (r["type"], r["source"]["id"], r["target"]["id"],
             [(c["id"], c["document"]["id"], _ref(c["claimedBy"])) for c in r["evidence"]])
            for r in d["entity"]["relationships"]],
        custom="entity(id: ID!, first: Int!, claims: Int!): FactsEvidence",
    ),
    Question(
        "neighbourhood", "entities within 2 fact hops (nearest 50) and the facts among them", True,
        lambda p: {"id": p.entity, "first": 50},
        "query($id: ID!, $first: Int!) { neighbourhood(id: $id, depth: 2, first: $first) { entities { id name family } "
        "relationships { type source { id } target { id } } } }",
        "MATCH (a:Entity {id: $id}) WITH a, [a] AS seen, [a] AS ring, [] AS near "
        + NEXT_RING * 2 + "WITH [a] + near AS nodes "
        f"CALL (nodes) {{ WITH nodes, [n IN nodes | elementId(n)] AS ids UNWIND nodes AS x "
        f"  MATCH (x)-[r:{FACTS}]->(y) WHERE elementId(y) IN ids "
        "  RETURN collect({type: type(r), source: {id: x.id}, target: {id: y.id}}) AS rels } "
        f"RETURN {{entities: [n IN nodes | n {{.id, .name, family: {FAMILY.format('n')}}}], relationships: rels}} "
        "AS result",
        "query($id: ID!, $first: Int!) { neighbourhood(id: $id, first: $first) { entities { id name family } "
        "relationships { type source { id } target { id } } } }",
        summary=lambda d: ([e["id"] for e in d["neighbourhood"]["entities"]],
                           sorted((r["type"], r["source"]["id"], r["target"]["id"])
                                  for r in d["neighbourhood"]["relationships"])),
        custom=f"neighbourhood(id: ID!, first: Int!, {FAMILIES_ARG}): Neighbourhood",
    ),
    Question(
        "paths", "all shortest fact paths between two entities, up to 3 hops (at most 10)", True,
        lambda p: {"from": p.path[0], "to": p.path[1], "limit": PATHS},
        "query($from: ID!, $to: ID!) { paths(from: $from, to: $to, maxHops: 3) { entities { id name } "
        "relationships { type source { id } target { id } } } }",
        "MATCH (a:Entity {id: $from}), (b:Entity {id: $to}) "
        f"MATCH p = allShortestPaths((a)-[:{FACTS}*..3]-(b)) WITH p LIMIT $limit "
        "RETURN {entities: [n IN nodes(p) | n {.id, .name}], relationships: [r IN relationships(p) | "
        "{type: type(r), source: {id: startNode(r).id}, target: {id: endNode(r).id}}]} AS result",
        "query($from: ID!, $to: ID!) { paths(from: $from, to: $to) { entities { id name } "
        "relationships { type source { id } target { id } } } }",
        summary=_paths_summary,
        custom=f"paths(from: ID!, to: ID!, limit: Int! = {PATHS}): [Path!]!",
    ),
    Question(
        "contacts", "who dealt with an organization or its members and is linked to a kind of entity, with quotes "
        f"(the first {CONTACTS_PAGE} by contact and linked entity, the first {DEALINGS_PAGE} dealings and links of "
        f"each by type, source and target, the first {CLAIMS_PAGE} quotes of each dealing)",
        True, lambda p: {"of": p.contacts_of, "kinds": list(p.linked_kinds), "tags": list(p.linked_tags),
                         "first": CONTACTS_PAGE, "dealings": DEALINGS_PAGE, "claims": CLAIMS_PAGE},
        "query($of: ID!, $kinds: [String!]!, $tags: [String!]!) { contacts(of: $of, "
        f"linkedTo: {{kinds: $kinds, tags: $tags}}, first: {CONTACTS_PAGE}) {{ nodes {{ contact {{ id name }} "
        f"linkedEntity {{ id name }} contactEvidence(first: {DEALINGS_PAGE}) {{ nodes {{ type source {{ id }} "
        f"target {{ id }} evidence(first: {CLAIMS_PAGE}) {{ nodes {{ id quote }} }} }} }} "
        f"link(first: {DEALINGS_PAGE}) {{ nodes {{ type }} }} }} }} }}",
        f"MATCH (org:Entity {{id: $of}}) OPTIONAL MATCH (m:Entity)-[:{MEMBERS}]->(org) "
        "WITH org, [org] + collect(DISTINCT m) AS side UNWIND side AS s "
        f"MATCH (s)-[:{CONTACTS}]-(c:Entity) WHERE NOT c IN side "
        "WITH DISTINCT org, side, c "
        f"MATCH (c)-[:{FACTS}]-(x:Entity) WHERE x <> org AND x.kind IN $kinds "
        "  AND all(t IN $tags WHERE t IN coalesce(x.tags, [])) "
        "WITH DISTINCT side, c, x ORDER BY c.id, x.id LIMIT $first "
        "RETURN {contact: c {.id, .name}, linkedEntity: x {.id, .name}, "
        f"contactEvidence: COLLECT {{ MATCH (c)-[d:{CONTACTS}]-(s) WHERE s IN side "
        "  WITH d ORDER BY type(d), startNode(d).id, endNode(d).id LIMIT $dealings "
        "  RETURN {type: type(d), source: {id: startNode(d).id}, target: {id: endNode(d).id}, evidence: "
        + _first_claims("d", "k {.id, .quote}") + "} }, "
        f"link: COLLECT {{ MATCH (c)-[l:{FACTS}]-(x) WITH l ORDER BY type(l), startNode(l).id, endNode(l).id "
        "  LIMIT $dealings RETURN {type: type(l)} }} AS result",
        "query($of: ID!, $kinds: [String!]!, $tags: [String!]!, $first: Int!, $dealings: Int!, $claims: Int!) { "
        "contacts(of: $of, kinds: $kinds, tags: $tags, first: $first, dealings: $dealings, claims: $claims) { "
        "contact { id name } linkedEntity { id name } "
        "contactEvidence { type source { id } target { id } evidence { id quote } } link { type } } }",
        summary=lambda d: sorted(
            (c["contact"]["id"], c["linkedEntity"]["id"],
             sorted((r["type"], r["source"]["id"], r["target"]["id"], [e["id"] for e in r["evidence"]])
                    for r in c["contactEvidence"]),
             sorted(r["type"] for r in c["link"])) for c in d["contacts"]),
        custom="contacts(of: ID!, kinds: [String!]!, tags: [String!]!, first: Int!, dealings: Int!, claims: Int!): "
        "[ContactLink!]!",
    ),
    Question(
        "aggregates", "dashboard counts: by family, kind, tag, type, document, year; top 10s", False,
        lambda p: {"limit": 10},
        "query($limit: Int!) { aggregates(first: $limit) { "
        + " ".join(f"{f} {{ key count }}" for f in AGGREGATE_FIELDS) + " } }",
        _aggregates_cypher(),
        "query($limit: Int!) { aggregates(limit: $limit) { "
        + " ".join(f"{f} {{ key count }}" for f in AGGREGATE_FIELDS) + " } }",
        summary=lambda d: {k: [(str(c["key"]), c["count"]) for c in v] for k, v in d["aggregates"].items()},
        custom=f"aggregates(limit: Int!, {FAMILIES_ARG}, {FACTS_ARG}): Aggregates",
    ),
    Question(
        "deep", "a document's claims, their subjects' memberships and leaders (the first "
        f"{MEMBERSHIPS_PAGE} of each subject, by type and target): six levels deep", True,
        lambda p: {"doc": p.document, "memberships": MEMBERSHIPS_PAGE},
        "query($doc: ID!) { document(id: $doc) { id title claims(first: 200) { nodes { id quote "
        f"subject {{ id name relationships(types: {MEMBERSHIP}, direction: OUT, first: {MEMBERSHIPS_PAGE}) {{ nodes {{ "
        "type target { id name } } } } object { id name } claimedBy { id name } } } } }",
        "MATCH (d:Document {id: $doc}) RETURN {document: {id: d.id, title: d.title, "
        "claims: [(d)<-[:STATED_IN]-(c:Claim) | {id: c.id, quote: c.quote, "
        "subject: head([(c)-[:SUBJECT]->(s:Entity) | {id: s.id, name: s.name, "
        f"  relationships: COLLECT {{ MATCH (s)-[r:{MEMBERS}]->(t:Entity) WITH r, t ORDER BY type(r), t.id "
        "  LIMIT $memberships RETURN {type: type(r), target: t {.id, .name}} }}]), "
        "object: head([(c)-[:OBJECT]->(o:Entity) | o {.id, .name}]), "
        "claimedBy: head([(c)-[:CLAIMED_BY]->(w:Entity) | w {.id, .name}])}]}} AS data",
        "query($doc: ID!, $memberships: Int!) { documents(where: {id: {eq: $doc}}) { id title claims { id quote "
        "subject { id name "
        + " ".join(f"out_{t}(limit: $memberships, sort: [{{id: ASC}}]) {{ id name }}" for t in MODEL.membership_types)
        + " } object { id name } claimedBy { id name } } } }",
        summary=lambda d: d["document"] and (d["document"]["id"], d["document"]["title"], sorted(
            (c["id"], c["subject"]["id"], sorted((r["type"], r["target"]["id"]) for r in c["subject"]["relationships"]),
             c["object"]["id"], _ref(c["claimedBy"])) for c in d["document"]["claims"])),
        from_library=_deep_from_library,
    ),
)


# -- the Library's type definitions ---------------------------------------------------------------
SCALARS = {"string": "String", "int": "Int", "float": "Float", "bool": "Boolean", "date": "String",
           "list": "[String!]"}
CUSTOM_TYPES = """
type Ref { id: ID! name: String family: String }
type Edge { type: String! source: Ref! target: Ref! }
type Neighbourhood { entities: [Ref!]! relationships: [Edge!]! }
type Path { entities: [Ref!]! relationships: [Edge!]! }
type Quote { id: ID! quote: String! }
type Dealing { type: String! source: Ref! target: Ref! evidence: [Quote!]! }
type DocumentRef { id: ID! title: String }
type Evidence { id: ID! quote: String! document: DocumentRef! claimedBy: Ref }
type FactEvidence { type: String! source: Ref! target: Ref! evidence: [Evidence!]! }
type FactsEvidence { id: ID! relationships: [FactEvidence!]! }
type ContactLink { contact: Ref! linkedEntity: Ref! contactEvidence: [Dealing!]! link: [Edge!]! }
type Count { key: String! count: Int! }
"""


def library_typedefs(model: Model = MODEL) -> str:
    """The graph as @neo4j/graphql sees it, from model.yaml: no mutations, nodes with their properties,
    every fact type as a relationship field each way, and the custom questions as @cypher fields."""

    def properties(label: str) -> str:
        return "\n".join(
            f"  {p.name}: {'ID' if p.name == 'id' else SCALARS[p.type]}{'!' if p.required else ''}"
            for p in model.nodes[label].properties.values()
        )

    def rel(name: str, target: str, rel_type: str, direction: str, props: str | None = None) -> str:
        extra = f', properties: "{props}"' if props else ""
        return (f'  {name}: [{target}!]! @relationship(type: "{model.rel_type(rel_type)}", '
                f"direction: {direction}{extra})")

    families = ", ".join(f"'{f}'" for f in model.families)
    facts = [rel(f"{d.lower()}_{t}", "Entity", t, d, "Fact") for t in model.fact_types for d in ("OUT", "IN")]
    aggregates = "type Aggregates { " + " ".join(f"{f}: [Count!]!" for f in AGGREGATE_FIELDS) + " }"
    queries = "\n".join(
        f'  {q.custom} @cypher(statement: """{q.cypher}""", columnName: "result")' for q in QUESTIONS if q.custom
    )
    # The full-text index covers name and aliases; the directive accepts only String fields, and names
    # just the index the Library queries (it creates nothing).
    return f"""extend schema @mutation(operations: [])
type Fact @relationshipProperties {{
  claim_ids: [String!]
  doc_ids: [String!]
  confidence: Float
  first_date: String
  last_date: String
}}
type Mention @relationshipProperties {{
  count: Int
  spans: [String!]
}}
type Entity @node(labels: ["{model.label('Entity')}"])
  @fulltext(indexes: [{{indexName: "{FULLTEXT_INDEX}", queryName: "searchEntities", fields: ["name"]}}]) {{
{properties("Entity")}
  family: String @cypher(statement: "RETURN [l IN labels(this) WHERE l IN [{families}]][0] AS f", columnName: "f")
{chr(10).join(facts)}
{rel("mentionedIn", "Document", "MENTIONS", "IN", "Mention")}
{rel("subjectOf", "Claim", "SUBJECT", "IN")}
{rel("objectOf", "Claim", "OBJECT", "IN")}
}}
type Claim @node {{
{properties("Claim")}
{rel("document", "Document", "STATED_IN", "OUT")}
{rel("subject", "Entity", "SUBJECT", "OUT")}
{rel("object", "Entity", "OBJECT", "OUT")}
{rel("claimedBy", "Entity", "CLAIMED_BY", "OUT")}
}}
type Document @node {{
{properties("Document")}
{rel("claims", "Claim", "STATED_IN", "IN")}
{rel("mentions", "Entity", "MENTIONS", "OUT", "Mention")}
}}
{CUSTOM_TYPES}
{aggregates}
type Query {{
{queries}
}}
"""


# -- the three clients ----------------------------------------------------------------------------
class _Message:
    """httptools' callbacks for one response."""

    def __init__(self) -> None:
        self.body: list[bytes] = []
        self.complete = False

    def on_body(self, chunk: bytes) -> None:
        self.body.append(chunk)

    def on_message_complete(self) -> None:
        self.complete = True


class HTTP:
    """POSTs of JSON over HTTP/1.1 on kept-alive connections (asyncio streams, httptools' C parser), for the
    two GraphQL servers."""

    def __init__(self) -> None:
        self.idle: dict[tuple[str, int], list[tuple[asyncio.StreamReader, asyncio.StreamWriter]]] = {}

    async def post(self, url: str, payload: dict) -> tuple[int, Any]:
        """The status and the JSON body of one POST. A kept-alive connection the server has closed since is
        replaced once."""
        parts = urlsplit(url)
        where = (parts.hostname or "127.0.0.1", parts.port or 80)
        body = json.dumps(payload).encode()
        request = (f"POST {parts.path or '/'} HTTP/1.1\r\nHost: {parts.netloc}\r\nContent-Type: application/json\r\n"
                   f"Content-Length: {len(body)}\r\n\r\n").encode() + body
        idle = self.idle.setdefault(where, [])
        if idle:
            try:
                return await self._exchange(idle.pop(), request, idle)
            except ConnectionError:
                pass  # closed while idle
        return await self._exchange(await asyncio.open_connection(*where), request, idle)

    @staticmethod
    async def _exchange(connection: tuple[asyncio.StreamReader, asyncio.StreamWriter], request: bytes,
                        idle: list) -> tuple[int, Any]:
        reader, writer = connection
        message = _Message()
        parser = httptools.HttpResponseParser(message)
        try:
            writer.write(request)
            while not message.complete:
                chunk = await reader.read(1 << 16)
                if not chunk:
                    raise ConnectionError("the server closed the connection")
                parser.feed_data(chunk)
        except BaseException:
            writer.close()
            raise
        if parser.should_keep_alive():
            idle.append(connection)
        else:
            writer.close()
        return parser.get_status_code(), json.loads(b"".join(message.body))

    async def aclose(self) -> None:
        for connections in self.idle.values():
            for _, writer in connections:
                writer.close()
        self.idle.clear()


@dataclass
class Endpoints:
    """Where each form is asked: our API and the Library over HTTP, Neo4j through the async driver."""

    ours: str
    library: str
    bolt: str
    auth: tuple[str, str]
    database: str
    http: HTTP = field(init=False)
    driver: neo4j.AsyncDriver = field(init=False)

    async def __aenter__(self) -> Endpoints:
        self.http = HTTP()
        self.driver = neo4j.AsyncGraphDatabase.driver(self.bolt, auth=self.auth, max_connection_pool_size=256,
                                                      notifications_min_severity="OFF")
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.http.aclose()
        await self.driver.close()

    async def ask(self, form: str, q: Question, variables: dict[str, Any]) -> dict:
        """One request; the answer shaped like our API's `data`."""
        if form == "cypher":
            params = {**variables, "families": list(MODEL.families), "facts": list(MODEL.fact_types)}
            records, _, _ = await self.driver.execute_query(
                q.cypher, params, database_=self.database, routing_=neo4j.RoutingControl.READ)
            if not q.custom:
                return records[0]["data"]
            values = [r["result"] for r in records]
            return {q.field: values if q.custom.rstrip("!").endswith("]") else _first(values)}
        url, query = (self.ours, q.ours) if form == "ours" else (self.library, q.library)
        status, body = await self.http.post(url, {"query": query, "variables": variables})
        if status != 200 or body.get("errors"):
            raise RuntimeError(f"{form} {q.name}: HTTP {status} {json.dumps(body)[:500]}")
        return unwrap(body["data"]) if form == "ours" else q.from_library(body["data"], variables)


def unwrap(data: object) -> object:
    """Our answer with each page (`{nodes: [...]}`) as the plain list the other two forms give."""
    if isinstance(data, dict):
        if set(data) == {"nodes"}:
            return unwrap(data["nodes"])
        return {k: unwrap(v) for k, v in data.items()}
    if isinstance(data, list):
        return [unwrap(v) for v in data]
    return data


async def check(endpoints: Endpoints, params: Parameters, questions: tuple[Question, ...]) -> dict[str, int | str]:
    """Ask every question in every form; raise Disagreement unless the answers agree. Returns the size
    of our API's answer to each (bytes of JSON), to show which answers grow with the corpus, or, for a
    question some form could not answer at all (a timeout on a large corpus), what went wrong."""
    sizes: dict[str, int | str] = {}
    for q in questions:
        variables = q.variables(params)
        try:
            data = {form: await endpoints.ask(form, q, variables) for form in FORMS}
        except Exception as exc:  # noqa: BLE001 - the run goes on with the questions that can be answered
            sizes[q.name] = f"{type(exc).__name__}: {str(exc)[:300]}"
            continue
        answers = {form: q.summary(d) for form, d in data.items()}
        if not answers["ours"]:
            raise Disagreement(f"{q.name}: our API found nothing for {variables}; pick parameters that exist")
        for form in FORMS[1:]:
            if answers[form] != answers["ours"]:
                raise Disagreement(f"{q.name}: {form} answers differently from our API:\n"
                                   f"  ours:  {json.dumps(answers['ours'], default=str)[:1500]}\n"
                                   f"  {form}: {json.dumps(answers[form], default=str)[:1500]}")
        sizes[q.name] = len(json.dumps(data["ours"]))
    return sizes


# -- timing ---------------------------------------------------------------------------------------
def percentile(sorted_values: list[float], p: float) -> float:
    """Nearest rank: the smallest value with at least p% of the values at or below it."""
    return sorted_values[max(0, math.ceil(p / 100 * len(sorted_values)) - 1)]


async def run(ask: Callable[[], Any], requests: int, concurrency: int) -> tuple[list[float], list[str], float]:
    """`requests` calls by `concurrency` workers, each asking again as soon as it has its answer.
    Returns the latencies of the answered ones, the errors of the others, and the time it all took."""
    latencies: list[float] = []
    errors: list[str] = []
    todo = iter(range(requests))

    async def worker() -> None:
        for _ in todo:
            start = time.perf_counter()
            try:
                await ask()
            except Exception as exc:  # a timeout or a refusal under load is a result, not the end of the run
                errors.append(str(exc)[:300])
            else:
                latencies.append(time.perf_counter() - start)

    start = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return latencies, errors, time.perf_counter() - start


BLOCKS = 5  # turns each form takes, in rotation, at one concurrency: a drift of the machine falls on every form


async def measure(asks: dict[str, Callable[[], Any]], requests: int, concurrency: int,
                  warm: int | None = None) -> dict[str, dict]:
    """p50, p99 and requests/s of each form's `requests` timed calls, after `warm` untimed ones (by default as
    many as the concurrency, at least 20 or all of `requests` if fewer) for connections, caches and plans. The
    forms take turns, a block of at most BLOCKS-th of their calls (and at least `concurrency`) at a time."""
    for ask in asks.values():
        await run(ask, max(concurrency, min(20, requests)) if warm is None else warm, concurrency)
    block = max(concurrency, -(-requests // BLOCKS))
    latencies: dict[str, list[float]] = {form: [] for form in asks}
    errors: dict[str, list[str]] = {form: [] for form in asks}
    seconds = dict.fromkeys(asks, 0.0)
    for done in range(0, requests, block):
        for form, ask in asks.items():
            answered, failed, took = await run(ask, min(block, requests - done), concurrency)
            latencies[form] += answered
            errors[form] += failed
            seconds[form] += took
    return {form: _cell(latencies[form], errors[form], seconds[form]) for form in asks}


def _cell(latencies: list[float], errors: list[str], seconds: float) -> dict[str, Any]:
    latencies.sort()
    cell: dict[str, Any] = {
        "p50_ms": round(percentile(latencies, 50) * 1000, 2) if latencies else None,
        "p99_ms": round(percentile(latencies, 99) * 1000, 2) if latencies else None,
        "requests_per_s": round(len(latencies) / seconds, 1),
    }
    if errors:
        cell.update(errors=len(errors), first_error=errors[0])
    return cell


SLOW = 3  # requests for a question one of whose forms outlasts the budget in a single request
WARM_SECONDS = 60  # every question in every form, in turn, before any is timed: Neo4j's JIT compiles its hot paths


async def warm_up(asks: list[dict[str, Callable[[], Any]]], seconds: float) -> None:
    """Ask each question in each form in turn for `seconds`: without it the first questions timed ran on a
    cold JVM (in session 17, the hand-written `lookup`, timed first, took 4.6 times what it took after this)."""
    deadline = time.monotonic() + seconds
    while asks and time.monotonic() < deadline:
        for forms in asks:
            for ask in forms.values():
                result = ask()
                if asyncio.iscoroutine(result):  # bench.overhead's layers include plain calls
                    await result


async def requests_for(asks: list[Callable[[], Any]], requests: int, budget: float) -> int:
    """As many requests as `budget` seconds of the slowest form allow, from 20 up to `requests`, the same
    number for every form and level of a question; `SLOW` when one request alone outlasts the budget."""
    slowest = 0.0
    for ask in asks:
        for _ in range(3):
            start = time.perf_counter()
            await ask()
            took = time.perf_counter() - start
            if took > budget:
                return SLOW
        slowest = max(slowest, took)
    return max(20, min(requests, int(budget / slowest)))


async def time_questions(endpoints: Endpoints, params: Parameters, questions: tuple[Question, ...], requests: int,
                budget: float, levels: list[int], log: Callable[[str], None]) -> dict:
    """Every question at every concurrency, the three forms in turns (`measure`). A question that one form
    answers slower than the budget allows is timed at concurrency 1 only, `SLOW` requests after one warm-up:
    at 100,000 documents the hand-written dashboard counts take half a minute each, and more at once exhaust
    Neo4j's transaction memory."""
    out: dict[str, dict] = {}
    async with endpoints:
        answer_sizes = await check(endpoints, params, questions)
        timed: dict[Question, tuple[dict[str, Callable[[], Any]], int]] = {}
        for q in questions:
            if isinstance(answer_sizes[q.name], str):
                out[q.name] = {"what": q.what, "bounded": q.bounded, "failed": answer_sizes[q.name]}
                log(f"  {q.name:13} not timed: {answer_sizes[q.name]}")
                continue
            asks = {form: partial(endpoints.ask, form, q, q.variables(params)) for form in FORMS}
            timed[q] = asks, await requests_for(list(asks.values()), requests, budget)
        await warm_up([asks for asks, n in timed.values() if n != SLOW], WARM_SECONDS)
        for q, (asks, n) in timed.items():
            cells = {}
            for c in [1] if n == SLOW else levels:
                cell = cells[str(c)] = await measure(asks, n, c, 1 if n == SLOW else None)
                log(f"  {q.name:13} c={c:<3} n={n:<4}" + "  ".join(
                    f"{f} p50 {_ms(cell[f]['p50_ms'])} p99 {_ms(cell[f]['p99_ms'])} {cell[f]['requests_per_s']:6.1f}/s"
                    + (f" ({cell[f]['errors']} errors)" if "errors" in cell[f] else "") for f in FORMS))
            out[q.name] = {
                "what": q.what, "bounded": q.bounded, "answer_bytes": answer_sizes[q.name], "requests": n,
                "cells": cells,
                "ours_over_cypher_p50": {c: _ratio(v["ours"], v["cypher"]) for c, v in cells.items()},
                "ours_over_library_p50": {c: _ratio(v["ours"], v["library"]) for c, v in cells.items()},
            }
    return {q.name: out[q.name] for q in questions}


def _ms(value: float | None) -> str:
    return f"{value:8.2f} ms" if value is not None else "       - ms"


def _ratio(a: dict, b: dict) -> float | None:
    return round(a["p50_ms"] / b["p50_ms"], 2) if a["p50_ms"] and b["p50_ms"] else None


# -- servers --------------------------------------------------------------------------------------
# The dashboard's counts, which our API computes in the background when it starts (graph/overview.py): until they
# are, that work competes with every request, so timing waits for them.
SETTLE = {"query": "{ aggregates(first: 1) { current } }"}
SETTLE_SECONDS = 900  # how long they may take to be computed


def settled(answer: dict) -> bool:
    """Whether an answer to SETTLE has the counts of the graph as it is."""
    return ((answer.get("data") or {}).get("aggregates") or {}).get("current") is True


def _wait(url: str, body: dict | None, process: subprocess.Popen, log_file: Path, timeout: float = 60,
          ready: Callable[[dict], bool] = lambda answer: True) -> None:
    """Until the server at `url` answers a GET (or a POST of `body`) with 200, and the answer is `ready`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{url}: the server exited ({process.returncode}); see {log_file}:\n"
                               + log_file.read_text()[-2000:])
        try:
            r = httpx2.post(url, json=body, timeout=timeout) if body else httpx2.get(url)
            if r.status_code == 200 and (not body or ready(r.json())):
                return
        except httpx2.TransportError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer within {timeout:.0f} s; see {log_file}")


@contextmanager
def servers(settings: Settings, workdir: Path, library: bool = True) -> Iterator[Endpoints]:
    """Our API (`cablegraph serve`) and (unless not `library`) the Library's server, both on the Neo4j
    `settings` name."""
    if library and not (LIBRARY / "node_modules").is_dir():
        raise RuntimeError(f"{LIBRARY}/node_modules is missing: run `npm ci --prefix {LIBRARY}` (make bench does)")
    password = LocalServer(settings).password() if settings.local else settings.neo4j_password or ""
    env = {**os.environ, "NEO4J_URI": settings.bolt_uri, "NEO4J_USER": settings.neo4j_user,
           "NEO4J_PASSWORD": password, "NEO4J_DATABASE": settings.neo4j_database}
    ours_port, library_port = free_port(), free_port()
    commands = {"ours": [str(Path(sys.executable).with_name("cablegraph")), "serve", "--host", "127.0.0.1",
                         "--port", str(ours_port)]}
    if library:
        typedefs = workdir / "typedefs.graphql"
        typedefs.write_text(library_typedefs())
        commands["library"] = ["node", str(LIBRARY / "server.mjs"), str(typedefs), str(library_port)]
    processes: list[subprocess.Popen] = []
    try:
        for name, command in commands.items():
            log_file = workdir / f"{name}.log"
            with log_file.open("w") as log:
                processes.append(subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT))
        _wait(f"http://127.0.0.1:{ours_port}/health", None, processes[0], workdir / "ours.log")
        _wait(f"http://127.0.0.1:{ours_port}/graphql", SETTLE, processes[0], workdir / "ours.log", SETTLE_SECONDS,
              settled)
        if library:
            _wait(f"http://127.0.0.1:{library_port}/graphql", {"query": "{ __typename }"}, processes[1],
                  workdir / "library.log")
        yield Endpoints(ours=f"http://127.0.0.1:{ours_port}/graphql",
                        library=f"http://127.0.0.1:{library_port}/graphql" if library else "",
                        bolt=settings.bolt_uri, auth=(settings.neo4j_user, password),
                        database=settings.neo4j_database)
    finally:
        for p in processes:
            p.terminate()
        for p in processes:
            try:
                p.wait(10)
            except subprocess.TimeoutExpired:
                p.kill()


KEPT = "bench-corpus.json"  # in a kept Neo4j's folder: the synthetic corpus loaded into it, whole


def load_corpus(settings: Settings, size: str, log: Callable[[str], None]) -> tuple[Parameters, dict]:
    """seeds/, or `size` synthetic documents (generated once into the cache); returns what to ask about
    and the graph's totals. A synthetic corpus already loaded whole into this Neo4j's folder (--keep) is
    not loaded again."""
    marker = settings.cablegraph_data / KEPT
    if size == "seeds":
        folder, params, corpus = ROOT / "seeds", SEEDS, None
    else:
        out = settings.cablegraph_cache / "synthetic" / str(int(size))
        summary = asdict(synthetic.cached(out, int(size)))
        folder, params, corpus = synthetic.corpus_dir(out), SYNTHETIC, {**summary, "seconds": None}
    with connect(settings) as graph:
        migrate(graph, MODEL)  # a kept corpus too, loaded by an earlier version
        if corpus is not None and marker.is_file() and json.loads(marker.read_text()) == corpus:
            log(f"  {folder} is already loaded in {settings.cablegraph_data}")
            return params, Reads(graph, MODEL).stats()
        marker.unlink(missing_ok=True)
        start = time.perf_counter()
        report = Pipeline(Writer(graph, MODEL), MODEL, workers=settings.cablegraph_workers).load([folder])
        if report.errors:
            raise RuntimeError(f"{folder} did not load: {[o.error for o in report.errors[:5]]}")
        log(f"  loaded {folder} in {time.perf_counter() - start:.0f} s")
        if corpus is not None:
            marker.write_text(json.dumps(corpus))
        return params, Reads(graph, MODEL).stats()


@contextmanager
def loaded(size: str, workdir: Path, keep: Path | None = None) -> Iterator[tuple[Settings, Parameters, dict]]:
    """A local Neo4j with one corpus loaded: its settings, what to ask about, and the graph's totals. The
    Neo4j lives under `workdir` and goes with it, or, with `keep`, in `keep`/<size>, kept for the next run."""
    settings = Settings(neo4j_uri=None, neo4j_password=None,
                        cablegraph_data=keep / size if keep else workdir / "neo4j",
                        neo4j_bolt_port=free_port(), neo4j_http_port=free_port())
    server = LocalServer(settings)
    server.start()
    try:
        params, totals = load_corpus(settings, size, print)
        yield settings, params, totals
    finally:
        server.stop()


async def check_all(endpoints: Endpoints, params: Parameters) -> dict[str, int | str]:
    async with endpoints:
        return await check(endpoints, params, QUESTIONS)


def corpus_run(size: str, requests: int, budget: float, levels: list[int], check_only: bool = False,
               keep: Path | None = None) -> dict:
    """A Neo4j with one corpus (`loaded`), the two GraphQL servers on it, and every question timed (or,
    with `check_only`, only checked: the size of each of our answers)."""
    print(f"corpus {size}", flush=True)
    with tempfile.TemporaryDirectory() as tmp, loaded(size, Path(tmp), keep) as (settings, params, totals):
        print(f"  {totals}", flush=True)
        load_before = os.getloadavg()[0]
        with servers(settings, Path(tmp)) as endpoints:
            if check_only:
                return {"graph": totals, "answer_bytes": uvloop.run(check_all(endpoints, params))}
            questions = uvloop.run(time_questions(endpoints, params, QUESTIONS, requests, budget, levels, print))
    # the machine's load average before and after: other work on it slows every form alike
    return {"graph": totals, "load_average": [round(load_before, 1), round(os.getloadavg()[0], 1)],
            "questions": questions}


def growth(sizes: dict[str, dict]) -> dict[str, dict]:
    """Our p50 on the largest corpus over our p50 on the smallest, per question and level."""
    small, large = (sizes[s]["questions"] for s in (min(sizes, key=_docs), max(sizes, key=_docs)))
    return {name: {"bounded": q["bounded"], **{c: _ratio(large[name]["cells"][c]["ours"], cell["ours"])
                                                for c, cell in q["cells"].items() if c in large[name]["cells"]}}
            for name, q in small.items() if "cells" in q and "cells" in large[name]}


def _docs(size: str) -> int:
    return 0 if size == "seeds" else int(size)


def table(results: dict) -> str:
    """The README's table: per question, p50 at concurrency 1 and requests/s at the highest level, the
    three forms side by side, on the largest corpus; and how our p50 grew from the smallest."""
    sizes = results["sizes"]
    largest = max(sizes, key=_docs)
    top = str(max(results["concurrency"]))
    growth_ = results.get("ours_p50_largest_over_smallest")
    head = ["question", "p50 ours", "p50 Cypher", "p50 Library", "ours/Cypher", "ours/Library",
            f"req/s ours ({top})", "Cypher", "Library"] + ([f"ours {largest} / {min(sizes, key=_docs)}"]
                                                           if growth_ else [])
    rows = []
    for name, q in sizes[largest]["questions"].items():
        if "failed" in q:
            rows.append([name + ("" if q["bounded"] else " *"), f"not timed: {q['failed'][:80]}"]
                        + [""] * (len(head) - 2))
            continue
        one, many = q["cells"]["1"], q["cells"].get(top)  # a slow question is timed at concurrency 1 only
        row = [name + ("" if q["bounded"] else " *")] + [_ms_cell(one[f]["p50_ms"]) for f in FORMS]
        row += [f"{q['ours_over_cypher_p50']['1']}", f"{q['ours_over_library_p50']['1']}"]
        row += [_rate_cell(many[f]) if many else "" for f in FORMS]
        if growth_:
            row.append(f"{growth_[name]['1']}" if name in growth_ else "")
        rows.append(row)
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])


def _ms_cell(value: float | None) -> str:
    return f"{value:.1f} ms" if value is not None else "failed"


def _rate_cell(cell: dict) -> str:
    rate = f"{cell['requests_per_s']:.0f}" if cell["requests_per_s"] >= 10 else f"{cell['requests_per_s']}"
    return rate + (f" ({cell['errors']} failed)" if "errors" in cell else "")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,100000", help="comma-separated: numbers of documents, or `seeds`")
    parser.add_argument("--requests", type=int, default=200,
                        help="timed requests per question, form and concurrency level (at most)")
    parser.add_argument("--budget", type=float, default=10.0,
                        help="seconds the slowest form of a question may take for its requests, one at a time")
    parser.add_argument("--concurrency", default="1,8,32", help="comma-separated concurrency levels")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--check-only", action="store_true",
                        help="only check that the three forms agree on each corpus; time nothing, write nothing")
    parser.add_argument("--keep", type=Path, help="keep each corpus's Neo4j in KEEP/<size>, and use it again "
                                                  "(a synthetic corpus loaded whole is not loaded again)")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    if args.check_only:  # check() raises Disagreement at the first question whose forms disagree
        unanswered = 0
        for size in args.sizes.split(","):
            answers = corpus_run(size, args.requests, args.budget, levels, True, args.keep)["answer_bytes"]
            for name, answer in answers.items():
                unanswered += isinstance(answer, str)
                print(f"  {name:13} " + (answer if isinstance(answer, str) else f"agree (ours: {answer} bytes)"))
        return int(unanswered > 0)
    sizes: dict[str, dict] = {}
    results: dict[str, Any] = {"requests_per_cell": args.requests, "budget_seconds": args.budget,
                               "concurrency": levels, "cores": os.cpu_count(), "sizes": sizes}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    for size in args.sizes.split(","):
        sizes[size] = corpus_run(size, args.requests, args.budget, levels, keep=args.keep)
        if len(sizes) > 1:
            results["ours_p50_largest_over_smallest"] = growth(sizes)
        args.out.write_text(json.dumps(results, indent=2) + "\n")  # after each size: a long run keeps what it has
    print(f"wrote {args.out}\n\n{table(results)}\n\n* the answer grows with the corpus")
    return 0


if __name__ == "__main__":
    sys.exit(main())
