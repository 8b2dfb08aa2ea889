"""The GraphQL schema. Enums come from model.yaml; resolvers only call named queries through the
per-request batches, so nesting never multiplies round trips to Neo4j."""

from __future__ import annotations

import base64
import enum
import logging
from typing import Annotated, Any

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors
from strawberry.types import Info

from api import limits
from api.batch import Batches, off_thread
from graph.db import GraphUnavailable
from graph.queries import MAX_HOPS, MAX_NEIGHBOURHOOD
from graph.queries import EntityFilter as QueryFilter
from graph.settings import Settings
from schema.model import load_model

log = logging.getLogger("cablegraph.api")
MODEL = load_model()
MAX_PAGE = 200

Family = strawberry.enum(
    enum.Enum("Family", {f.upper(): f for f in MODEL.families}), description="Entity families from model.yaml."
)


@strawberry.enum(description="Which relationships of an entity: outgoing, incoming or both.")
class Direction(enum.Enum):
    OUT = "OUT"
    IN = "IN"
    BOTH = "BOTH"


def batches(info: Info) -> Batches:
    return info.context["batches"]


# -- types --------------------------------------------------------------------------------------
@strawberry.type(description="A source document, as received.")
class Document:
    id: strawberry.ID
    title: str | None
    publisher: str | None
    authors: list[str] | None
    published: str | None = strawberry.field(description="When it was reported: YYYY, YYYY-MM or YYYY-MM-DD.")
    kind: str
    url: str | None

    @classmethod
    def of(cls, row: dict) -> Document:
        return cls(**{k: row.get(k) for k in ("id", "title", "publisher", "authors", "published", "kind", "url")})

    @strawberry.field(description="Entities the document names, most often named first.")
    async def mentions(self, info: Info) -> list[Mention]:
        rows = await batches(info).document_mentions.load(self.id)
        return [Mention(entity_id=r["entity"], count=r["count"]) for r in rows]

    @strawberry.field(description="Every claim whose quote is in this document, in text order.")
    async def claims(self, info: Info) -> list[Claim]:
        return [Claim.of(r) for r in await batches(info).document_claims.load(self.id)]


@strawberry.type(description="The evidence behind a fact: a verbatim quote, where it is, who asserts it.")
class Claim:
    id: strawberry.ID
    predicate: str
    quote: str
    start: int = strawberry.field(description="Character offset of the quote in the document text.")
    end: int
    date: str | None = strawberry.field(description="When it happened, as precise as the text says.")
    date_precision: str | None
    confidence: float
    method: str = strawberry.field(description="How it was found: curated, pattern, cooccurrence, ner.")
    note: str | None
    document_id: strawberry.Private[str]
    subject_id: strawberry.Private[str]
    object_id: strawberry.Private[str]
    claimed_by_id: strawberry.Private[str | None]

    @classmethod
    def of(cls, row: dict) -> Claim:
        return cls(
            id=row["id"], predicate=row["predicate"], quote=row["quote"], start=row["start"], end=row["end"],
            date=row.get("date"), date_precision=row.get("date_precision"), confidence=row["confidence"],
            method=row["method"], note=row.get("note"), document_id=row["document"],
            subject_id=row["subject"], object_id=row["object"], claimed_by_id=row.get("claimed_by"),
        )

    @strawberry.field
    async def document(self, info: Info) -> Document:
        return Document.of(await batches(info).document.load(self.document_id))

    @strawberry.field
    async def subject(self, info: Info) -> Entity:
        return Entity.of(await batches(info).entity.load(self.subject_id))

    @strawberry.field(name="object")
    async def object_(self, info: Info) -> Entity:
        return Entity.of(await batches(info).entity.load(self.object_id))

    @strawberry.field(
        description="Who asserts it (a source, an officer, a detainee, an opinion's author); "
        "null when it is the document's own reporting."
    )
    async def claimed_by(self, info: Info) -> Entity | None:
        if self.claimed_by_id is None:
            return None
        return Entity.of(await batches(info).entity.load(self.claimed_by_id))


@strawberry.type(description="A typed fact between two entities, with every claim behind it.")
class Relationship:
    type: str
    confidence: float | None = strawberry.field(description="The highest confidence among its claims.")
    first_date: str | None
    last_date: str | None
    source_id: strawberry.Private[str]
    target_id: strawberry.Private[str]
    claim_ids: strawberry.Private[list[str]]

    @classmethod
    def of(cls, row: dict) -> Relationship:
        return cls(
            type=row["type"], confidence=row.get("confidence"), first_date=row.get("first_date"),
            last_date=row.get("last_date"), source_id=row["source"], target_id=row["target"],
            claim_ids=row.get("claim_ids") or [],
        )

    @strawberry.field
    async def source(self, info: Info) -> Entity:
        return Entity.of(await batches(info).entity.load(self.source_id))

    @strawberry.field
    async def target(self, info: Info) -> Entity:
        return Entity.of(await batches(info).entity.load(self.target_id))

    @strawberry.field(description="The claims (quotes in documents) behind this fact.")
    async def evidence(self, info: Info) -> list[Claim]:
        rows = [r for r in await batches(info).claim.load_many(self.claim_ids) if r is not None]
        return [Claim.of(r) for r in sorted(rows, key=lambda r: (r["document"], r["start"]))]


@strawberry.type(description="A person, organization, operation or place.")
class Entity:
    id: strawberry.ID
    name: str
    aliases: list[str]
    family: Family
    kind: str
    tags: list[str]
    description: str | None
    reviewed: bool = strawberry.field(description="False for entities found by NER that nobody has reviewed.")

    @classmethod
    def of(cls, row: dict) -> Entity:
        return cls(
            id=row["id"], name=row["name"], aliases=row.get("aliases") or [], family=Family(row["family"]),
            kind=row["kind"], tags=row.get("tags") or [], description=row.get("description"),
            reviewed=bool(row.get("reviewed")),
        )

    @strawberry.field(description="Typed facts this entity takes part in, filtered by type and direction.")
    async def relationships(
        self, info: Info, types: list[str] | None = None, direction: Direction = Direction.BOTH
    ) -> list[Relationship]:
        key = tuple(sorted(set(types))) if types is not None else None
        rows = await batches(info).relationships(key, direction.value).load(self.id)
        return [Relationship.of(r) for r in rows]

    @strawberry.field(description="Documents that name this entity or state a claim about it.")
    async def documents(self, info: Info) -> list[Document]:
        return [Document.of(r) for r in await batches(info).entity_documents.load(self.id)]

    @strawberry.field(description="Its dated claims, oldest first: when things happened, not when reported.")
    async def timeline(self, info: Info) -> list[Claim]:
        return [Claim.of(r) for r in await batches(info).timeline.load(self.id)]


@strawberry.type
class Mention:
    count: int
    entity_id: strawberry.Private[str]

    @strawberry.field
    async def entity(self, info: Info) -> Entity:
        return Entity.of(await batches(info).entity.load(self.entity_id))


@strawberry.type
class SearchHit:
    entity: Entity
    score: float


@strawberry.type(description="A contact of an organization and the link that makes it interesting.")
class ContactLink:
    contact: Entity
    contact_evidence: list[Relationship] = strawberry.field(
        description="The direct dealings with the organization or its members."
    )
    linked_entity: Entity
    link: list[Relationship] = strawberry.field(description="The contact's relationships to the linked entity.")


@strawberry.type
class Path:
    entities: list[Entity]
    relationships: list[Relationship]


@strawberry.type(description="Entities around one entity and the facts among them.")
class Neighbourhood:
    entities: list[Entity]
    relationships: list[Relationship]


@strawberry.type(description="An entity with facts to both of two others.")
class CommonNeighbour:
    entity: Entity
    to_first: list[Relationship]
    to_second: list[Relationship]


@strawberry.type
class Count:
    key: str
    count: int


@strawberry.type(description="Counts for dashboards.")
class Aggregates:
    by_family: list[Count]
    by_kind: list[Count]
    by_tag: list[Count]
    by_relationship_type: list[Count]
    claims_by_document: list[Count]
    claims_by_year: list[Count] = strawberry.field(description="By when it happened (claims with a date).")
    most_connected: list[Count] = strawberry.field(description="Entities with the most typed facts (degree).")
    co_mentions: list[Count] = strawberry.field(description="Entity pairs named in the most documents together.")


@strawberry.type
class Stats:
    documents: int
    entities: int
    relationships: int = strawberry.field(description="Typed fact edges between entities.")
    claims: int


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class EntityEdge:
    cursor: str
    node: Entity


@strawberry.type
class EntityConnection:
    total_count: int
    edges: list[EntityEdge]
    page_info: PageInfo


@strawberry.type
class DocumentEdge:
    cursor: str
    node: Document


@strawberry.type
class DocumentConnection:
    total_count: int
    edges: list[DocumentEdge]
    page_info: PageInfo


@strawberry.input(description="Entities to match: all given conditions must hold.")
class EntityFilter:
    family: Family | None = None
    kinds: list[str] | None = strawberry.field(default=None, description="Any of these kinds.")
    tags: list[str] | None = strawberry.field(default=None, description="All of these tags.")
    ids: list[strawberry.ID] | None = None
    name_contains: str | None = strawberry.field(default=None, description="In the name or an alias, any case.")
    name_starts_with: str | None = strawberry.field(default=None, description="Name or alias starts so, any case.")
    and_: list[EntityFilter] | None = strawberry.field(default=None, name="and", description="All of these too.")
    or_: list[EntityFilter] | None = strawberry.field(default=None, name="or", description="At least one of these.")
    not_: EntityFilter | None = strawberry.field(default=None, name="not", description="Not this.")

    def to_query(self) -> QueryFilter:
        def tup(v: list | None) -> tuple | None:
            return tuple(str(x) for x in v) if v is not None else None

        for text in (self.name_contains, self.name_starts_with):
            if text is not None and not 0 < len(text) <= 200:
                raise ValueError("name filters take 1 to 200 characters")
        return QueryFilter(
            family=self.family.value if self.family else None,
            kinds=tup(self.kinds), tags=tup(self.tags), ids=tup(self.ids),
            name_contains=self.name_contains, name_starts_with=self.name_starts_with,
            all_of=tuple(f.to_query() for f in self.and_ or ()),
            any_of=tuple(f.to_query() for f in self.or_ or ()),
            none_of=self.not_.to_query() if self.not_ else None,
        )


@strawberry.enum(description="How to order a list of entities.")
class EntityOrder(enum.Enum):
    ID = "ID"
    NAME = "NAME"
    DEGREE = "DEGREE"


# -- paging -------------------------------------------------------------------------------------
def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"offset:{offset}".encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    if cursor is None:
        return 0
    try:
        kind, _, value = base64.urlsafe_b64decode(cursor.encode()).decode().partition(":")
        offset = int(value)
        if kind != "offset" or offset < 0:
            raise ValueError
    except (ValueError, UnicodeDecodeError) as exc:
        raise ValueError(f"invalid cursor {cursor!r}: pass an endCursor from a previous page") from exc
    return offset + 1


def check_first(first: int) -> int:
    if not 0 <= first <= MAX_PAGE:
        raise ValueError(f"first must be between 0 and {MAX_PAGE}")
    return first


def page(total: int, rows: list[Any], skip: int, wrap: Any, edge: Any) -> tuple[list[Any], PageInfo]:
    edges = [edge(cursor=encode_cursor(skip + i), node=wrap(r)) for i, r in enumerate(rows)]
    return edges, PageInfo(has_next_page=skip + len(rows) < total, end_cursor=edges[-1].cursor if edges else None)


def relationship_list(rows: list[dict]) -> list[Relationship]:
    return [Relationship.of(r) for r in rows]


# -- queries ------------------------------------------------------------------------------------
@strawberry.type
class Query:
    @strawberry.field
    async def entity(self, info: Info, id: strawberry.ID) -> Entity | None:
        row = await batches(info).entity.load(str(id))
        return Entity.of(row) if row else None

    @strawberry.field(description="Entities matching a filter, ordered by id (Relay connection).")
    async def entities(
        self, info: Info, filter: EntityFilter | None = None, order_by: EntityOrder = EntityOrder.ID,
        first: int = 20, after: str | None = None,
    ) -> EntityConnection:
        skip, limit = decode_cursor(after), check_first(first)
        flt = filter.to_query() if filter else QueryFilter()
        total, rows = await off_thread(batches(info).reads.entities_page, flt, skip, limit, order_by.value)
        edges, info_ = page(total, rows, skip, Entity.of, EntityEdge)
        return EntityConnection(total_count=total, edges=edges, page_info=info_)

    @strawberry.field(description="Full-text search over names and aliases; tolerates typos and partial words.")
    async def search(
        self, info: Info, query: str, family: Family | None = None, first: int = 10
    ) -> list[SearchHit]:
        if len(query) > 200:
            raise ValueError("query is longer than 200 characters")
        hits = await off_thread(
            batches(info).reads.search, query, family.value if family else None, check_first(first)
        )
        return [SearchHit(entity=Entity.of(e), score=score) for e, score in hits]

    @strawberry.field
    async def document(self, info: Info, id: strawberry.ID) -> Document | None:
        row = await batches(info).document.load(str(id))
        return Document.of(row) if row else None

    @strawberry.field(description="Documents ordered by id (Relay connection).")
    async def documents(self, info: Info, first: int = 20, after: str | None = None) -> DocumentConnection:
        skip, limit = decode_cursor(after), check_first(first)
        total, rows = await off_thread(batches(info).reads.documents_page, skip, limit)
        edges, info_ = page(total, rows, skip, Document.of, DocumentEdge)
        return DocumentConnection(total_count=total, edges=edges, page_info=info_)

    @strawberry.field(
        description="Who dealt directly with an organization (met, informed, was handled, recruited, trained, "
        "funded, armed or supported by it or its members) and is also linked to an entity matching linkedTo."
    )
    async def contacts(self, info: Info, of: strawberry.ID, linked_to: EntityFilter) -> list[ContactLink]:
        b = batches(info)
        rows = await off_thread(b.reads.contacts, str(of), linked_to.to_query())
        ids = {r["contact"] for r in rows} | {r["linked"] for r in rows}
        entities = dict(zip(ids, await b.entity.load_many(list(ids)), strict=True))
        return [
            ContactLink(
                contact=Entity.of(entities[r["contact"]]),
                contact_evidence=relationship_list(r["dealings"]),
                linked_entity=Entity.of(entities[r["linked"]]),
                link=relationship_list(r["links"]),
            )
            for r in rows
        ]

    @strawberry.field(description=f"All shortest paths of typed facts between two entities, up to {MAX_HOPS} hops.")
    async def paths(
        self,
        info: Info,
        from_: Annotated[strawberry.ID, strawberry.argument(name="from")],
        to: strawberry.ID,
        max_hops: int = 4,
    ) -> list[Path]:
        b = batches(info)
        rows = await off_thread(b.reads.paths, str(from_), str(to), max_hops)
        ids = list({i for r in rows for i in r["entities"]})
        entities = dict(zip(ids, await b.entity.load_many(ids), strict=True))
        return [
            Path(entities=[Entity.of(entities[i]) for i in r["entities"]], relationships=relationship_list(r["rels"]))
            for r in rows
        ]

    @strawberry.field(description=f"Entities up to `depth` (at most {MAX_NEIGHBOURHOOD}) fact hops away, nearest "
                      "first, and the facts among them.")
    async def neighbourhood(
        self, info: Info, id: strawberry.ID, depth: int = 1, types: list[str] | None = None, first: int = 50
    ) -> Neighbourhood:
        b = batches(info)
        row = await off_thread(b.reads.neighbourhood, str(id), depth, types, check_first(first))
        entities = [e for e in await b.entity.load_many(row["entities"]) if e]
        return Neighbourhood(entities=[Entity.of(e) for e in entities], relationships=relationship_list(row["rels"]))

    @strawberry.field(description="Entities with a typed fact to both `a` and `b`, and those facts.")
    async def common_neighbours(self, info: Info, a: strawberry.ID, b: strawberry.ID) -> list[CommonNeighbour]:
        batch = batches(info)
        rows = await off_thread(batch.reads.common_neighbours, str(a), str(b))
        entities = await batch.entity.load_many([r["entity"] for r in rows])
        return [
            CommonNeighbour(entity=Entity.of(e), to_first=relationship_list(r["left"]),
                            to_second=relationship_list(r["right"]))
            for r, e in zip(rows, entities, strict=True)
        ]

    @strawberry.field(description="Counts by family, kind, tag, type, document and year; top entities; co-mentions.")
    async def aggregates(self, info: Info, first: int = 10) -> Aggregates:
        rows = await off_thread(batches(info).reads.aggregates, check_first(first))
        return Aggregates(**{k: [Count(key=str(c["key"]), count=c["count"]) for c in v] for k, v in rows.items()})

    @strawberry.field
    async def stats(self, info: Info) -> Stats:
        return Stats(**await off_thread(batches(info).reads.stats))


def internal(error: GraphQLError) -> bool:
    """Hide unexpected failures (driver and Cypher internals) from clients; log them for operators.
    Bad arguments (ValueError) and an unreachable database are the client's to know."""
    original = error.original_error
    if original is None or isinstance(original, ValueError | GraphUnavailable):
        return False
    log.error("query failed: %s", error.message, exc_info=original)
    return True


def build_schema(settings: Settings) -> strawberry.Schema:
    """The schema with the limits `settings` ask for, and the editors' mutations."""
    from api.edit import Mutation  # api.edit builds on this module's types

    return strawberry.Schema(
        query=Query,
        mutation=Mutation,
        extensions=[
            *limits.extensions(settings, MAX_PAGE),
            lambda: MaskErrors(should_mask_error=internal, error_message="Internal error; see the server log."),
        ],
    )
