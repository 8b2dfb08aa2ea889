"""The batched write path. Loaders hand records here; nothing else writes to Neo4j.

Documents are written in batches, a batch in one transaction: their nodes, the unreviewed entities
their NER found, their mentions and claims, and then the fact edges those claims support. If Neo4j
refuses a batch for what is in it, each of its documents is written in a transaction of its own, so
a document loads whole or not at all and a bad one keeps no other out. Fact edges are derived data:
one that lost claims is recomputed from the claims that remain, one that only gained claims merges
them into its summary, so reloading, editing or removing a document leaves them as a clean load would.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields
from functools import cache

import neo4j

from graph.db import Graph
from graph.migrate import fact_ends
from schema.model import InvalidData, Model


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
        return _props(self, ("entities", "mentions", "claims"))


@dataclass
class WriteResult:
    status: str  # added | updated | unchanged
    claims_added: int = 0
    claims_removed: int = 0
    mentions: int = 0


def _entity_props(e: EntityRecord) -> dict:
    return _props(e, ("family",))


def _props(record: object, skip: tuple[str, ...]) -> dict:
    """A record's fields as properties. Shallow: dataclasses.asdict copies deeply, which shows at scale."""
    return {name: getattr(record, name) for name in _field_names(type(record)) if name not in skip}


@cache
def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in fields(cls))


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
    def write_documents(self, docs: list[DocumentRecord]) -> list[WriteResult | InvalidData]:
        """Write the documents in one transaction, each whole. If Neo4j refuses the batch for what is
        in it, each is written in a transaction of its own: the others land, and the refused one gets
        its error with nothing of it written. One result (or error) per document, in order."""
        return self.write_rows(self.rows(docs))

    def rows(self, docs: list[DocumentRecord]) -> list[tuple[DocumentRecord, dict | InvalidData]]:
        """The documents as query parameters, checked against the model: the part of writing that needs
        no database, so a loader can do it for one batch while another is being written."""
        rows: list[tuple[DocumentRecord, dict | InvalidData]] = []
        for doc in docs:
            try:
                rows.append((doc, self._document_row(doc)))
            except InvalidData as exc:
                rows.append((doc, InvalidData(f"{doc.path or doc.id}: {exc}")))
        return rows

    def write_rows(self, rows: list[tuple[DocumentRecord, dict | InvalidData]]) -> list[WriteResult | InvalidData]:
        """`write_documents`, for what `rows` made of them."""
        ready = [(doc, row) for doc, row in rows if isinstance(row, dict)]
        written = self._write_whole(ready) if ready else {}
        return [row if isinstance(row, InvalidData) else written[doc.id] for doc, row in rows]

    def _write_whole(self, batch: list[tuple[DocumentRecord, dict]]) -> dict[str, WriteResult | InvalidData]:
        try:
            return self.graph.write(lambda tx: self._write_batch(tx, batch))
        except neo4j.exceptions.ClientError as exc:
            if not _refused_for_data(exc):
                raise
            if len(batch) > 1:  # find which: one transaction each
                return {k: v for one in batch for k, v in self._write_whole([one]).items()}
            doc = batch[0][0]
            return {doc.id: InvalidData(f"{doc.path or doc.id}: Neo4j refused the document: {exc.message}")}

    def _document_row(self, doc: DocumentRecord) -> dict:
        """The document as query parameters; labels and relationship types checked against the model."""
        for c in doc.claims:
            self.model.rel_type(c.predicate)
        return {
            "id": doc.id,
            "props": doc.properties(),
            "entities": [{"family": self.model.label(e.family), "props": _entity_props(e)} for e in doc.entities],
            "mentions": [
                {"entity": x.entity, "count": len(x.spans), "spans": [f"{s}-{e}" for s, e in x.spans]}
                for x in doc.mentions
            ],
            "claims": [
                {"subject": c.subject, "object": c.object, "claimed_by": c.claimed_by,
                 "props": {**_props(c, ("subject", "object", "claimed_by")),
                           "fact": fact_key(c.predicate, c.subject, c.object)}}
                for c in doc.claims
            ],
        }

    def _write_batch(
        self, tx: neo4j.ManagedTransaction, batch: list[tuple[DocumentRecord, dict]]
    ) -> dict[str, WriteResult]:
        """A few round trips whatever the batch's size: what was there, the documents with their
        entities, mentions and claims, then the fact edges those claims touch."""
        old = {r["id"]: r for r in tx.run(
            "UNWIND $ids AS id OPTIONAL MATCH (d:Document {id: id}) "
            "RETURN id, d IS NOT NULL AS exists, "
            "  COLLECT { MATCH (d)<-[:STATED_IN]-(c:Claim)-[:SUBJECT]->(s), (c)-[:OBJECT]->(o) "
            "    RETURN {id: c.id, p: c.predicate, s: s.id, o: o.id} } AS claims, "
            "  COLLECT { MATCH (d)-[:MENTIONS]->(u:Entity {reviewed: false}) RETURN u.id } AS unreviewed",
            ids=[doc.id for doc, _ in batch],
        )}
        tx.run(
            "UNWIND $docs AS doc MERGE (d:Document {id: doc.id}) "
            "WITH d, doc CALL (d) { MATCH (d)<-[:STATED_IN]-(c:Claim) DETACH DELETE c } "
            "CALL (d) { MATCH (d)-[r:MENTIONS]->() DELETE r } "
            "SET d = doc.props "
            "WITH d, doc CALL (doc) { UNWIND doc.entities AS row MERGE (e:Entity {id: row.props.id}) "
            "  ON CREATE SET e += row.props, e:$(row.family) } "
            "CALL (d, doc) { UNWIND doc.mentions AS row MATCH (e:Entity {id: row.entity}) "
            "  CREATE (d)-[:MENTIONS {count: row.count, spans: row.spans}]->(e) } "
            "CALL (d, doc) { UNWIND doc.claims AS row "
            "  MATCH (s:Entity {id: row.subject}), (o:Entity {id: row.object}) "
            "  CREATE (c:Claim) SET c = row.props "
            "  CREATE (c)-[:STATED_IN]->(d), (c)-[:SUBJECT]->(s), (c)-[:OBJECT]->(o) "
            "  WITH c, row WHERE row.claimed_by IS NOT NULL "
            "  MATCH (w:Entity {id: row.claimed_by}) CREATE (c)-[:CLAIMED_BY]->(w) }",
            docs=[row for _, row in batch],
        ).consume()
        removed = {(c["p"], c["s"], c["o"]) for r in old.values() for c in r["claims"]}
        added = [{"p": c.predicate, "s": c.subject, "o": c.object, "id": c.id, "doc": doc.id,
                  "confidence": c.confidence, "date": c.date} for doc, _ in batch for c in doc.claims]
        self._update_facts(tx, added, removed, [u for r in old.values() for u in r["unreviewed"]])
        results = {}
        for doc, _ in batch:
            old_ids = {c["id"] for c in old[doc.id]["claims"]}
            new_ids = {c.id for c in doc.claims}
            results[doc.id] = WriteResult(
                status="updated" if old[doc.id]["exists"] else "added",
                claims_added=len(new_ids - old_ids),
                claims_removed=len(old_ids - new_ids),
                mentions=sum(len(x.spans) for x in doc.mentions),
            )
        return results

    def _update_facts(
        self, tx: neo4j.ManagedTransaction, added: list[dict], removed: set[tuple[str, str, str]], orphans: list[str]
    ) -> None:
        """Each fact edge summarises the claims that remain for its (subject, type, object). An edge that
        lost claims is summarised again from its claims; one that only gained claims takes theirs into the
        summary it holds, inside Neo4j: a popular edge's thousands of claim ids never travel back and forth.
        The unreviewed entities in `orphans` go when nothing refers to them any more."""
        gained = _by_fact(added)
        rows = [{"p": self.model.rel_type(p), "s": s, "o": o, "key": fact_key(p, s, o)} for p, s, o in sorted(removed)]
        remaining = tx.run(
            "UNWIND $rows AS row MATCH (c:Claim {fact: row.key})-[:STATED_IN]->(d:Document) "
            "RETURN row.p AS p, row.s AS s, row.o AS o, c.id AS id, d.id AS doc, c.confidence AS confidence, "
            "c.date AS date",
            rows=rows,
        ).data() if rows else []
        edges = {key: _summary(claims) for key, claims in _by_fact(remaining).items()}
        grown = {key: _summary(claims) for key, claims in gained.items() if key not in removed}
        tx.run(
            "CALL () { UNWIND $gone AS row "
            "  MATCH (:Entity {id: row.s})-[r:$(row.p)]->(:Entity {id: row.o}) DELETE r } "
            "CALL () { UNWIND $edges AS row MATCH (s:Entity {id: row.s}), (o:Entity {id: row.o}) "
            f"  MERGE (s)-[r:$(row.p)]->(o) SET r = row.props, r.ends = {fact_ends('row.s', 'row.o')} }} "
            "CALL () { UNWIND $grown AS row MATCH (s:Entity {id: row.s}), (o:Entity {id: row.o}) "
            f"  MERGE (s)-[r:$(row.p)]->(o) ON CREATE SET r.ends = {fact_ends('row.s', 'row.o')} "
            "  WITH r, row.props AS new "
            "  SET r.claim_ids = COLLECT { UNWIND coalesce(r.claim_ids, []) + new.claim_ids AS x "
            "      RETURN DISTINCT x ORDER BY x }, "
            "    r.doc_ids = COLLECT { UNWIND coalesce(r.doc_ids, []) + new.doc_ids AS x "
            "      RETURN DISTINCT x ORDER BY x }, "
            "    r.confidence = CASE WHEN r.confidence >= new.confidence THEN r.confidence ELSE new.confidence END, "
            "    r.first_date = CASE WHEN new.first_date IS NULL OR r.first_date <= new.first_date "
            "      THEN r.first_date ELSE new.first_date END, "
            "    r.last_date = CASE WHEN new.last_date IS NULL OR r.last_date >= new.last_date "
            "      THEN r.last_date ELSE new.last_date END } "
            "CALL () { UNWIND $orphans AS id MATCH (e:Entity {id: id, reviewed: false}) "
            "  WHERE NOT (e)--() DELETE e }",
            gone=[{"p": self.model.rel_type(p), "s": s, "o": o} for p, s, o in sorted(removed - set(edges))],
            edges=[{"p": p, "s": s, "o": o, "props": props} for (p, s, o), props in sorted(edges.items())],
            grown=[{"p": p, "s": s, "o": o, "props": props} for (p, s, o), props in sorted(grown.items())],
            orphans=orphans,
        ).consume()


def _refused_for_data(exc: neo4j.exceptions.ClientError) -> bool:
    """Neo4j refused a statement for the values it carried (a type, a constraint), not for our query or
    our rights: another document's values would have been fine."""
    code = exc.code or ""
    return code.startswith(("Neo.ClientError.Statement.", "Neo.ClientError.Schema.")) and not code.endswith(
        "SyntaxError")


def fact_key(predicate: str, subject: str, obj: str) -> str:
    """What a claim is evidence for: the fact edge (subject)-[predicate]->(object), as one indexed value."""
    return f"{predicate}|{subject}|{obj}"


def _by_fact(claims: list[dict]) -> dict[tuple[str, str, str], list[dict]]:
    grouped: dict[tuple[str, str, str], list[dict]] = defaultdict(list)
    for c in claims:
        grouped[(c["p"], c["s"], c["o"])].append(c)
    return grouped


def _summary(claims: list[dict]) -> dict:
    """Fact-edge properties from the claims behind it: ids, documents, best confidence, date span."""
    dates = [c["date"] for c in claims if c["date"]]
    return {
        "claim_ids": sorted({c["id"] for c in claims}),
        "doc_ids": sorted({c["doc"] for c in claims}),
        "confidence": max(c["confidence"] for c in claims),
        "first_date": min(dates, default=None),
        "last_date": max(dates, default=None),
    }
