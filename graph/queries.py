"""Named read queries: the only Cypher the API runs. Each method is one round trip in a read
transaction and takes a batch of keys where the API may ask for many (so a nested GraphQL
selection costs one query per level, not one per object).

Labels and relationship types are spliced in only from the model; every value is a parameter.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from graph.db import Graph
from graph.migrate import FULLTEXT_INDEX
from schema.model import Model

MAX_HOPS = 6
MAX_NEIGHBOURHOOD = 3
LUCENE_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/&|])')


@dataclass(frozen=True)
class EntityFilter:
    """Entities to match. Family is a label; kinds match any; tags must all be present; ids restrict to a
    set; names match case-insensitively against the name and every alias; all_of, any_of and none_of
    combine further filters."""

    family: str | None = None
    kinds: tuple[str, ...] | None = None
    tags: tuple[str, ...] | None = None
    ids: tuple[str, ...] | None = None
    name_contains: str | None = None
    name_starts_with: str | None = None
    all_of: tuple[EntityFilter, ...] = ()
    any_of: tuple[EntityFilter, ...] = ()
    none_of: EntityFilter | None = None

    def compile(self, var: str, prefix: str = "f") -> tuple[str, dict[str, Any]]:
        """A WHERE condition on `var` built from fixed fragments; every value is a parameter."""
        parts: list[str] = []
        params: dict[str, Any] = {}

        def param(name: str, value: Any) -> str:
            params[f"{prefix}_{name}"] = value
            return f"${prefix}_{name}"

        if self.family is not None:
            parts.append(f"{param('family', self.family)} IN labels({var})")
        if self.kinds is not None:
            parts.append(f"{var}.kind IN {param('kinds', list(self.kinds))}")
        if self.tags is not None:
            parts.append(f"all(t IN {param('tags', list(self.tags))} WHERE t IN coalesce({var}.tags, []))")
        if self.ids is not None:
            parts.append(f"{var}.id IN {param('ids', list(self.ids))}")
        for name, op in (("contains", "CONTAINS"), ("starts", "STARTS WITH")):
            value = self.name_contains if name == "contains" else self.name_starts_with
            if value is not None:
                v = param(name, value.lower())
                parts.append(f"any(n IN [{var}.name] + coalesce({var}.aliases, []) WHERE toLower(n) {op} {v})")
        for i, sub in enumerate(self.all_of):
            clause, sub_params = sub.compile(var, f"{prefix}a{i}")
            parts.append(f"({clause})")
            params.update(sub_params)
        if self.any_of:
            clauses = []
            for i, sub in enumerate(self.any_of):
                clause, sub_params = sub.compile(var, f"{prefix}o{i}")
                clauses.append(f"({clause})")
                params.update(sub_params)
            parts.append("(" + " OR ".join(clauses) + ")")
        if self.none_of is not None:
            clause, sub_params = self.none_of.compile(var, f"{prefix}n")
            parts.append(f"NOT ({clause})")
            params.update(sub_params)
        return " AND ".join(parts) or "true", params


ORDERS = {"ID": "e.id", "NAME": "toLower(e.name), e.id", "DEGREE": "degree DESC, e.id"}


def lucene_query(text: str) -> str:
    """User text to a Lucene query: each word exact (boosted), as a prefix, or within two edits."""
    words = [w for w in re.findall(r"\w+", text.lower()) if w]
    parts = []
    for word in words[:12]:
        w = LUCENE_SPECIAL.sub(r"\\\1", word)
        fuzzy = f" OR {w}~" if len(word) > 3 else ""
        parts.append(f"({w}^3 OR {w}*{fuzzy})")
    return " OR ".join(parts)


def entity(var: str) -> str:
    """Projection of an entity node, with its family label as a field."""
    return (
        f"{var} {{.id, .name, .aliases, .kind, .tags, .description, .reviewed, "
        f"family: [l IN labels({var}) WHERE l IN $families][0]}}"
    )


def rel(var: str) -> str:
    """Projection of a fact edge: type, endpoint ids and the summary of its claims."""
    return (
        f"{var} {{type: type({var}), source: startNode({var}).id, target: endNode({var}).id, "
        f".claim_ids, .confidence, .first_date, .last_date}}"
    )


class Reads:
    def __init__(self, graph: Graph, model: Model):
        self.graph = graph
        self.model = model
        self.families = list(model.families)
        self.facts = list(model.fact_types)
        self.fact_pattern = "|".join(model.rel_type(t) for t in model.fact_types)

    def _read(self, cypher: str, **params: Any) -> list[dict[str, Any]]:
        return self.graph.read(cypher, families=self.families, facts=self.facts, **params)

    def _per_id(self, label: str, var: str, ids: list[str], body: str, **params: Any) -> dict[str, list]:
        """One round trip for many nodes: `body` runs per node (bound to `var`) and returns `item` rows."""
        rows = self._read(
            f"UNWIND $ids AS id MATCH ({var}:{self.model.label(label)} {{id: id}}) "
            f"CALL ({var}) {{ {body} }} RETURN id, collect(item) AS items",
            ids=ids, **params,
        )
        return {r["id"]: r["items"] for r in rows}

    # -- entities -------------------------------------------------------------------------------
    def entities_by_id(self, ids: list[str]) -> dict[str, dict]:
        rows = self._read(f"MATCH (e:Entity) WHERE e.id IN $ids RETURN {entity('e')} AS e", ids=ids)
        return {r["e"]["id"]: r["e"] for r in rows}

    def entities_page(self, flt: EntityFilter, skip: int, limit: int, order: str = "ID") -> tuple[int, list[dict]]:
        where, params = flt.compile("e")
        degree = f"COUNT {{ (e)-[:{self.fact_pattern}]-() }}" if order == "DEGREE" else "0"
        rows = self._read(
            f"CALL () {{ MATCH (e:Entity) WHERE {where} RETURN count(e) AS total }} "
            f"CALL () {{ MATCH (e:Entity) WHERE {where} WITH e, {degree} AS degree "
            f"  ORDER BY {ORDERS[order]} SKIP $skip LIMIT $limit RETURN collect({entity('e')}) AS page }} "
            "RETURN total, page",
            skip=skip, limit=limit, **params,
        )
        return rows[0]["total"], rows[0]["page"]

    def search(self, text: str, family: str | None, limit: int) -> list[tuple[dict, float]]:
        query = lucene_query(text)
        if not query:
            return []
        rows = self._read(
            "CALL db.index.fulltext.queryNodes($index, $q, {limit: $scan}) YIELD node, score "
            "WHERE $family IS NULL OR $family IN labels(node) "
            f"RETURN {entity('node')} AS e, score ORDER BY score DESC, node.id LIMIT $limit",
            index=FULLTEXT_INDEX, q=query, family=family, limit=limit, scan=max(limit * 5, 50),
        )
        return [(r["e"], r["score"]) for r in rows]

    def relationships(self, ids: list[str], types: list[str] | None, direction: str) -> dict[str, list[dict]]:
        return self._per_id(
            "Entity", "e", ids,
            f"MATCH (e)-[r:{self.fact_pattern}]-(:Entity) "
            "WHERE ($types IS NULL OR type(r) IN $types) "
            "  AND ($dir = 'BOTH' OR ($dir = 'OUT' AND startNode(r) = e) OR ($dir = 'IN' AND endNode(r) = e)) "
            f"RETURN {rel('r')} AS item ORDER BY item.type, item.source, item.target",
            types=types, dir=direction,
        )

    def documents_of_entities(self, ids: list[str]) -> dict[str, list[dict]]:
        """Documents that name the entity or state a claim about it."""
        return self._per_id(
            "Entity", "e", ids,
            "CALL (e) { MATCH (d:Document)-[:MENTIONS]->(e) RETURN d "
            "  UNION MATCH (d:Document)<-[:STATED_IN]-(:Claim)-[:SUBJECT|OBJECT]->(e) RETURN d } "
            f"RETURN d {{{DOC_FIELDS}}} AS item ORDER BY item.id",
        )

    # -- documents and claims -------------------------------------------------------------------
    def documents_by_id(self, ids: list[str]) -> dict[str, dict]:
        rows = self._read(f"MATCH (d:Document) WHERE d.id IN $ids RETURN d {{{DOC_FIELDS}}} AS d", ids=ids)
        return {r["d"]["id"]: r["d"] for r in rows}

    def documents_page(self, skip: int, limit: int) -> tuple[int, list[dict]]:
        rows = self._read(
            "CALL () { MATCH (d:Document) RETURN count(d) AS total } "
            "CALL () { MATCH (d:Document) WITH d ORDER BY d.id SKIP $skip LIMIT $limit "
            f"  RETURN collect(d {{{DOC_FIELDS}}}) AS page }} "
            "RETURN total, page",
            skip=skip, limit=limit,
        )
        return rows[0]["total"], rows[0]["page"]

    def mentions_of_documents(self, ids: list[str]) -> dict[str, list[dict]]:
        return self._per_id(
            "Document", "d", ids,
            "MATCH (d)-[m:MENTIONS]->(e:Entity) RETURN {entity: e.id, count: m.count} AS item "
            "ORDER BY item.count DESC, item.entity",
        )

    def claims_of_documents(self, ids: list[str]) -> dict[str, list[dict]]:
        return self._per_id(
            "Document", "d", ids,
            f"MATCH (d)<-[:STATED_IN]-(c:Claim) {CLAIM_MATCH} RETURN {CLAIM} AS item ORDER BY c.start, c.id",
        )

    def claims_by_id(self, ids: list[str]) -> dict[str, dict]:
        rows = self._read(f"MATCH (c:Claim) WHERE c.id IN $ids {CLAIM_MATCH} RETURN {CLAIM} AS claim", ids=ids)
        return {r["claim"]["id"]: r["claim"] for r in rows}

    # -- questions ------------------------------------------------------------------------------
    def contacts(self, of: str, linked: EntityFilter) -> list[dict]:
        """Who dealt directly with `of` or its members, and is linked to something matching `linked`."""
        where, params = linked.compile("x", "l")
        members = "|".join(self.model.rel_type(t) for t in self.model.membership_types)
        contact = "|".join(self.model.rel_type(t) for t in self.model.contact_types)
        return self._read(
            "MATCH (org:Entity {id: $of}) "
            f"CALL (org) {{ OPTIONAL MATCH (m:Entity)-[:{members}]->(org) WITH org, collect(DISTINCT m) AS ms "
            "  RETURN ms + [org] AS side } "
            f"UNWIND side AS s MATCH (s)-[d:{contact}]-(c:Entity) WHERE NOT c IN side "
            "WITH org, c, collect(DISTINCT d) AS dealings "
            f"MATCH (c)-[l:{self.fact_pattern}]-(x:Entity) WHERE x <> org AND {where} "
            "WITH c, dealings, x, collect(DISTINCT l) AS links ORDER BY c.id, x.id "
            f"RETURN c.id AS contact, [d IN dealings | {rel('d')}] AS dealings, x.id AS linked, "
            f"[l IN links | {rel('l')}] AS links",
            of=of, **params,
        )

    def paths(self, source: str, target: str, max_hops: int, limit: int = 10) -> list[dict]:
        if not 1 <= max_hops <= MAX_HOPS:
            raise ValueError(f"maxHops must be between 1 and {MAX_HOPS}")
        if source == target:
            return []
        return self._read(
            "MATCH (a:Entity {id: $source}), (b:Entity {id: $target}) "
            f"MATCH p = allShortestPaths((a)-[:{self.fact_pattern}*..{int(max_hops)}]-(b)) "
            "WITH p LIMIT $limit "
            f"RETURN [n IN nodes(p) | n.id] AS entities, [r IN relationships(p) | {rel('r')}] AS rels",
            source=source, target=target, limit=limit,
        )

    # -- review ---------------------------------------------------------------------------------
    def unreviewed(self, limit: int) -> list[dict]:
        """Entities extraction made that nobody reviewed, most mentioned first, with where they occur."""
        return self._read(
            "MATCH (e:Entity {reviewed: false}) "
            "OPTIONAL MATCH (d:Document)-[m:MENTIONS]->(e) "
            f"WITH e, sum(m.count) AS mentions, collect(d.id) AS docs "
            f"RETURN {entity('e')} AS e, e.candidates AS candidates, mentions, docs "
            "ORDER BY mentions DESC, e.id LIMIT $limit",
            limit=limit,
        )

    def weak_claims(self, threshold: float, limit: int) -> list[dict]:
        """Extracted (not curated) claims below a confidence, weakest first."""
        return self._read(
            f"MATCH (c:Claim) WHERE c.method <> 'curated' AND c.confidence < $threshold {CLAIM_MATCH} "
            f"RETURN {CLAIM} AS claim ORDER BY c.confidence, c.id LIMIT $limit",
            threshold=threshold, limit=limit,
        )

    def neighbourhood(self, entity_id: str, depth: int, types: list[str] | None, limit: int) -> dict:
        """Entities within `depth` fact hops, nearest first, and the fact edges among them. The type filter
        is left out when there is none: Neo4j checks `all(r IN relationships(p) ...)` during its shortest-path
        search, but `$types IS NULL OR all(...)` makes it enumerate every path instead (40x slower)."""
        if not 1 <= depth <= MAX_NEIGHBOURHOOD:
            raise ValueError(f"depth must be between 1 and {MAX_NEIGHBOURHOOD}")
        typed = "" if types is None else "AND all(r IN relationships(p) WHERE type(r) IN $types) "
        rows = self._read(
            "MATCH (a:Entity {id: $id}) "
            f"OPTIONAL MATCH p = shortestPath((a)-[:{self.fact_pattern}*1..{int(depth)}]-(b:Entity)) "
            f"WHERE b <> a {typed}"
            "WITH a, b, length(p) AS hops ORDER BY hops, b.id LIMIT $limit "
            "WITH a, collect(b) AS near, collect(b.id) AS ids "
            f"CALL (a, near) {{ WITH [a] + near AS nodes UNWIND nodes AS x "
            f"  MATCH (x)-[r:{self.fact_pattern}]->(y) WHERE y IN nodes AND ($types IS NULL OR type(r) IN $types) "
            f"  RETURN collect(DISTINCT {rel('r')}) AS rels }} "
            "RETURN [a.id] + ids AS entities, rels",
            id=entity_id, types=types, limit=limit,
        )
        return rows[0] if rows else {"entities": [], "rels": []}

    def common_neighbours(self, a: str, b: str) -> list[dict]:
        """Entities with a fact to both, and those facts."""
        return self._read(
            f"MATCH (x:Entity {{id: $a}})-[r1:{self.fact_pattern}]-(n:Entity)"
            f"-[r2:{self.fact_pattern}]-(y:Entity {{id: $b}}) "
            "WHERE n <> x AND n <> y "
            f"WITH n, collect(DISTINCT {rel('r1')}) AS left, collect(DISTINCT {rel('r2')}) AS right "
            "RETURN n.id AS entity, left, right ORDER BY size(left) + size(right) DESC, n.id",
            a=a, b=b,
        )

    def timeline(self, entity_ids: list[str]) -> dict[str, list[dict]]:
        """Each entity's dated claims, oldest first (by when it happened, not when it was reported)."""
        return self._per_id(
            "Entity", "e", entity_ids,
            f"MATCH (c:Claim)-[:SUBJECT|OBJECT]->(e) WHERE c.date IS NOT NULL {CLAIM_MATCH} "
            f"RETURN DISTINCT {CLAIM} AS item ORDER BY item.date, item.id",
        )

    def aggregates(self, limit: int) -> dict[str, list[dict]]:
        """Counts a dashboard draws: by family, kind, tag, relationship type, document and year; the most
        connected entities; the entity pairs most often named in the same documents."""
        rows = self._read(
            "CALL () { MATCH (e:Entity) WITH [l IN labels(e) WHERE l IN $families][0] AS key, count(*) AS n "
            "  ORDER BY n DESC, key RETURN collect({key: key, count: n}) AS by_family } "
            "CALL () { MATCH (e:Entity) WITH e.kind AS key, count(*) AS n ORDER BY n DESC, key "
            "  RETURN collect({key: key, count: n}) AS by_kind } "
            "CALL () { MATCH (e:Entity) UNWIND e.tags AS key WITH key, count(*) AS n ORDER BY n DESC, key "
            "  RETURN collect({key: key, count: n}) AS by_tag } "
            f"CALL () {{ MATCH ()-[r:{self.fact_pattern}]->() WITH type(r) AS key, count(*) AS n "
            "  ORDER BY n DESC, key "
            "  RETURN collect({key: key, count: n}) AS by_relationship_type } "
            "CALL () { MATCH (d:Document) WITH d.id AS key, COUNT { (d)<-[:STATED_IN]-() } AS n "
            "  ORDER BY n DESC, key "
            "  RETURN collect({key: key, count: n}) AS claims_by_document } "
            "CALL () { MATCH (c:Claim) WHERE c.date IS NOT NULL WITH left(c.date, 4) AS key, count(*) AS n "
            "  ORDER BY key RETURN collect({key: key, count: n}) AS claims_by_year } "
            f"CALL () {{ MATCH (e:Entity) WITH e, COUNT {{ (e)-[:{self.fact_pattern}]-() }} AS n "
            "  ORDER BY n DESC, e.id LIMIT $limit RETURN collect({key: e.id, count: n}) AS most_connected } "
            "CALL () { MATCH (a:Entity)<-[:MENTIONS]-(d:Document)-[:MENTIONS]->(b:Entity) WHERE a.id < b.id "
            "  WITH a.id + ' | ' + b.id AS key, count(DISTINCT d) AS n ORDER BY n DESC, key LIMIT $limit "
            "  RETURN collect({key: key, count: n}) AS co_mentions } "
            "RETURN *",
            limit=limit,
        )
        return rows[0]

    def stats(self) -> dict[str, int]:
        facts = " + ".join(f"COUNT {{ ()-[:{t}]->() }}" for t in self.fact_pattern.split("|"))
        rows = self._read(
            "RETURN COUNT { (:Document) } AS documents, COUNT { (:Entity) } AS entities, "
            f"{facts} AS relationships, COUNT {{ (:Claim) }} AS claims"
        )
        return rows[0]


DOC_FIELDS = ".id, .title, .publisher, .authors, .published, .kind, .url"
CLAIM_MATCH = (
    "MATCH (c)-[:STATED_IN]->(doc:Document) MATCH (c)-[:SUBJECT]->(s:Entity) MATCH (c)-[:OBJECT]->(o:Entity) "
    "OPTIONAL MATCH (c)-[:CLAIMED_BY]->(w:Entity)"
)
CLAIM = "c {.*, document: doc.id, subject: s.id, object: o.id, claimed_by: w.id}"
