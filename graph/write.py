"""The batched write path. Loaders hand records here; nothing else writes to Neo4j.

A document is written in one transaction: its node, the unreviewed entities its NER found, its
mentions and its claims, and then the fact edges those claims support are recomputed from every
claim that remains. Fact edges are derived data, so reloading, editing or removing a document
leaves them exactly as a clean load would.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import asdict, dataclass, field

import neo4j

from graph.db import Graph
from schema.model import Model


@dataclass(frozen=True)
class EntityRecord:
    id: str
    name: str
    family: str
    kind: str
    aliases: list[str] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    description: str | None = None
    reviewed: bool = True
    candidates: list[str] | None = None  # "entity-id score" pairs a person should choose between


@dataclass(frozen=True)
class MentionRecord:
    entity: str
    spans: list[tuple[int, int]]


@dataclass(frozen=True)
class ClaimRecord:
    id: str
    predicate: str
    subject: str
    object: str
    quote: str
    start: int
    end: int
    confidence: float
    method: str
    date: str | None = None
    date_precision: str | None = None
    claimed_by: str | None = None
    note: str | None = None


@dataclass(frozen=True)
class DocumentRecord:
    id: str
    kind: str
    text: str
    sha256: str
    load_hash: str
    title: str | None = None
    publisher: str | None = None
    authors: list[str] | None = None
    published: str | None = None
    url: str | None = None
    path: str | None = None
    source: str | None = None  # the file it was read from, resolved, so a change can reload it
    entities: list[EntityRecord] = field(default_factory=list)  # unreviewed, found by NER
    mentions: list[MentionRecord] = field(default_factory=list)
    claims: list[ClaimRecord] = field(default_factory=list)

    def properties(self) -> dict:
        skip = {"entities", "mentions", "claims"}
        return {k: v for k, v in asdict(self).items() if k not in skip}


@dataclass
class WriteResult:
    status: str  # added | updated | unchanged
    claims_added: int = 0
    claims_removed: int = 0
    mentions: int = 0


def _entity_props(e: EntityRecord) -> dict:
    return {k: v for k, v in asdict(e).items() if k != "family"}


class Writer:
    """Labels and relationship types are checked against the model (`model.label`, `model.rel_type`)
    before they travel, like every value, as parameters."""

    def __init__(self, graph: Graph, model: Model):
        self.graph = graph
        self.model = model

    # -- the curated catalogue ------------------------------------------------------------------
    def write_catalogue(self, entities: list[EntityRecord]) -> tuple[int, int, list[str]]:
        """Make the reviewed entities exactly the catalogue. Returns (written, removed, kept):
        kept are reviewed entities no longer in the catalogue that claims still cite."""
        m = self.model
        families = ":".join(m.label(f) for f in m.families)
        rows = [{"family": m.label(e.family), "props": _entity_props(e)} for e in entities]

        def work(tx: neo4j.ManagedTransaction) -> tuple[int, int, list[str]]:
            tx.run(
                f"UNWIND $rows AS row MERGE (e:Entity {{id: row.props.id}}) "
                f"REMOVE e:{families} SET e += row.props, e:$(row.family)",
                rows=rows,
            ).consume()
            stale = tx.run(
                "MATCH (e:Entity {reviewed: true}) WHERE NOT e.id IN $ids "
                "RETURN e.id AS id, COUNT { (e)<-[:SUBJECT|OBJECT|CLAIMED_BY]-(:Claim) } AS cited",
                ids=[e.id for e in entities],
            ).data()
            removed = [r["id"] for r in stale if not r["cited"]]
            tx.run("UNWIND $ids AS id MATCH (e:Entity {id: id}) DETACH DELETE e", ids=removed).consume()
            return len(entities), len(removed), [r["id"] for r in stale if r["cited"]]

        return self.graph.write(work)

    def catalogue(self) -> list[EntityRecord]:
        rows = self.graph.read(
            "MATCH (e:Entity {reviewed: true}) RETURN e {.*} AS e, "
            "[l IN labels(e) WHERE l IN $families][0] AS family ORDER BY e.id",
            families=list(self.model.families),
        )
        return [
            EntityRecord(
                id=r["e"]["id"], name=r["e"]["name"], family=r["family"], kind=r["e"]["kind"],
                aliases=r["e"].get("aliases") or [], tags=r["e"].get("tags") or [],
                description=r["e"].get("description"), reviewed=True,
            )
            for r in rows
        ]

    def drop_uncited(self, ids: list[str]) -> list[str]:
        """Remove the entities of `ids` (reviewed ones the catalogue no longer has) that no claim cites any
        more; returns those still cited."""
        def work(tx: neo4j.ManagedTransaction) -> list[str]:
            rows = tx.run(
                "UNWIND $ids AS id MATCH (e:Entity {id: id, reviewed: true}) "
                "RETURN e.id AS id, COUNT { (e)<-[:SUBJECT|OBJECT|CLAIMED_BY]-(:Claim) } AS cited",
                ids=ids,
            ).data()
            gone = [r["id"] for r in rows if not r["cited"]]
            tx.run("UNWIND $ids AS id MATCH (e:Entity {id: id}) DETACH DELETE e", ids=gone).consume()
            return [r["id"] for r in rows if r["cited"]]

        return self.graph.write(work)

    def load_hashes(self) -> dict[str, str]:
        rows = self.graph.read("MATCH (d:Document) RETURN d.id AS id, d.load_hash AS h")
        return {r["id"]: r["h"] for r in rows}

    def sources(self) -> dict[str, str | None]:
        """Each document's source file, for reloading it."""
        rows = self.graph.read("MATCH (d:Document) RETURN d.id AS id, d.source AS source")
        return {r["id"]: r["source"] for r in rows}

    # -- documents ------------------------------------------------------------------------------
    def write_document(self, doc: DocumentRecord) -> WriteResult:
        return self.graph.write(lambda tx: self._write_document(tx, doc))

    def _write_document(self, tx: neo4j.ManagedTransaction, doc: DocumentRecord) -> WriteResult:
        """Four round trips whatever the document's size: what was there, the document and its
        entities, mentions and claims, the claims behind every fact edge it touches, the edges."""
        old = tx.run(
            "OPTIONAL MATCH (d:Document {id: $id}) "
            "OPTIONAL MATCH (d)<-[:STATED_IN]-(c:Claim)-[:SUBJECT]->(s), (c)-[:OBJECT]->(o) "
            "WITH d, collect({id: c.id, p: c.predicate, s: s.id, o: o.id}) AS claims "
            "OPTIONAL MATCH (d)-[:MENTIONS]->(u:Entity {reviewed: false}) "
            "RETURN d IS NOT NULL AS exists, claims, collect(u.id) AS unreviewed",
            id=doc.id,
        ).single()
        old_claims = [c for c in old["claims"] if c["id"] is not None]
        tx.run(
            "MERGE (d:Document {id: $id}) "
            "WITH d CALL (d) { MATCH (d)<-[:STATED_IN]-(c:Claim) DETACH DELETE c } "
            "CALL (d) { MATCH (d)-[r:MENTIONS]->() DELETE r } "
            "SET d = $props "
            "WITH d CALL (d) { UNWIND $entities AS row MERGE (e:Entity {id: row.props.id}) "
            "  ON CREATE SET e += row.props, e:$(row.family) } "
            "CALL (d) { UNWIND $mentions AS row MATCH (e:Entity {id: row.entity}) "
            "  CREATE (d)-[:MENTIONS {count: row.count, spans: row.spans}]->(e) } "
            "CALL (d) { UNWIND $claims AS row MATCH (s:Entity {id: row.subject}), (o:Entity {id: row.object}) "
            "  CREATE (c:Claim) SET c = row.props "
            "  CREATE (c)-[:STATED_IN]->(d), (c)-[:SUBJECT]->(s), (c)-[:OBJECT]->(o) "
            "  WITH c, row WHERE row.claimed_by IS NOT NULL "
            "  MATCH (w:Entity {id: row.claimed_by}) CREATE (c)-[:CLAIMED_BY]->(w) }",
            id=doc.id,
            props=doc.properties(),
            entities=[{"family": self.model.label(e.family), "props": _entity_props(e)} for e in doc.entities],
            mentions=[
                {"entity": x.entity, "count": len(x.spans), "spans": [f"{s}-{e}" for s, e in x.spans]}
                for x in doc.mentions
            ],
            claims=[
                {"subject": c.subject, "object": c.object, "claimed_by": c.claimed_by,
                 "props": {**{k: v for k, v in asdict(c).items() if k not in ("subject", "object", "claimed_by")},
                           "fact": fact_key(c.predicate, c.subject, c.object)}}
                for c in doc.claims
            ],
        ).consume()
        pairs = {(c["p"], c["s"], c["o"]) for c in old_claims}
        pairs |= {(c.predicate, c.subject, c.object) for c in doc.claims}
        self._recompute_facts(tx, pairs, old["unreviewed"])
        old_ids = {c["id"] for c in old_claims}
        new_ids = {c.id for c in doc.claims}
        return WriteResult(
            status="updated" if old["exists"] else "added",
            claims_added=len(new_ids - old_ids),
            claims_removed=len(old_ids - new_ids),
            mentions=sum(len(x.spans) for x in doc.mentions),
        )

    def _recompute_facts(
        self, tx: neo4j.ManagedTransaction, pairs: set[tuple[str, str, str]], orphans: list[str]
    ) -> None:
        """Each fact edge summarises the claims that remain for its (subject, type, object); the
        unreviewed entities in `orphans` go when nothing refers to them any more."""
        rows = [{"p": self.model.rel_type(p), "s": s, "o": o, "key": fact_key(p, s, o)} for p, s, o in sorted(pairs)]
        found = tx.run(
            "UNWIND $rows AS row MATCH (c:Claim {fact: row.key})-[:STATED_IN]->(d:Document) "
            "RETURN row.p AS p, row.s AS s, row.o AS o, c.id AS id, d.id AS doc, c.confidence AS confidence, "
            "c.date AS date",
            rows=rows,
        ).data()
        edges = _summarise(found)
        tx.run(
            "CALL () { UNWIND $gone AS row "
            "  MATCH (:Entity {id: row.s})-[r:$(row.p)]->(:Entity {id: row.o}) DELETE r } "
            "CALL () { UNWIND $edges AS row MATCH (s:Entity {id: row.s}), (o:Entity {id: row.o}) "
            "  MERGE (s)-[r:$(row.p)]->(o) SET r = row.props } "
            "CALL () { UNWIND $orphans AS id MATCH (e:Entity {id: id, reviewed: false}) "
            "  WHERE NOT (e)--() DELETE e }",
            gone=[{k: r[k] for k in ("p", "s", "o")} for r in rows if (r["p"], r["s"], r["o"]) not in edges],
            edges=[{"p": p, "s": s, "o": o, "props": props} for (p, s, o), props in sorted(edges.items())],
            orphans=orphans,
        ).consume()


def fact_key(predicate: str, subject: str, obj: str) -> str:
    """What a claim is evidence for: the fact edge (subject)-[predicate]->(object), as one indexed value."""
    return f"{predicate}|{subject}|{obj}"


def _summarise(claims: list[dict]) -> dict[tuple[str, str, str], dict]:
    """Fact-edge properties from the claims behind it: ids, documents, best confidence, date span."""
    grouped: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for c in claims:
        grouped[(c["p"], c["s"], c["o"])].append(c)
    edges = {}
    for key, cs in grouped.items():
        dates = sorted(c["date"] for c in cs if c["date"])
        edges[key] = {
            "claim_ids": sorted({c["id"] for c in cs}),
            "doc_ids": sorted({c["doc"] for c in cs}),
            "confidence": max(c["confidence"] for c in cs),
            "first_date": dates[0] if dates else None,
            "last_date": dates[-1] if dates else None,
        }
    return edges
