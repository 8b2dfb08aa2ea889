"""The GraphQL schema. Enums come from model.yaml; resolvers only call named queries through the
per-request batches, so nesting never multiplies round trips to Neo4j."""

from __future__ import annotations

import base64
import enum
import logging
from collections.abc import Hashable
from typing import Annotated, Any, Generic, TypeVar

import strawberry
from graphql import GraphQLError
from strawberry.extensions import MaskErrors
from strawberry.types import Info

from api import limits
from api.batch import Batches, off_thread
from graph.db import GraphUnavailable
from graph.queries import HUB, MAX_ALL_PATHS_HOPS, MAX_HOPS, MAX_NEIGHBOURHOOD, MAX_PAGE, FactFilter
from graph.queries import EntityFilter as QueryFilter
from graph.settings import Settings
from schema.model import load_model, parse_date

log = logging.getLogger("cablegraph.api")
MODEL = load_model()

Family = strawberry.enum(
    enum.Enum("Family", {f.upper(): f for f in MODEL.families}), description="Entity families from model.yaml."
)
RelationshipType = strawberry.enum(
    enum.Enum("RelationshipType", {t: t for t in MODEL.fact_types}), description="Typed facts from model.yaml."
)


@strawberry.enum(description="Which relationships of an entity: outgoing, incoming or both.")
class Direction(enum.Enum):
    OUT = "OUT"
    IN = "IN"
    BOTH = "BOTH"


def batches(info: Info) -> Batches:
    return info.context["batches"]


# -- paging -------------------------------------------------------------------------------------
Node = TypeVar("Node")


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None


@strawberry.type
class Edge(Generic[Node]):
    cursor: str
    node: Node


@strawberry.type(description="One page of a list (a Relay connection): how many there are in all, this page's "
                 "items with their cursors (or just `nodes`), and where the next page starts.")
class Connection(Generic[Node]):
    total_count: int
    edges: list[Edge[Node]]
    nodes: list[Node] = strawberry.field(description="This page's items, without cursors.")
    page_info: PageInfo


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


def window(first: int, after: str | None) -> tuple[int, int]:
    """(skip, limit) of the page a client asks for."""
    if not 0 <= first <= MAX_PAGE:
        raise ValueError(f"first must be between 0 and {MAX_PAGE}")
    return decode_cursor(after), first


def connection(total: int, rows: list[Any], skip: int, wrap: Any) -> Connection:
    nodes = [wrap(r) for r in rows]
    edges = [Edge(cursor=encode_cursor(skip + i), node=n) for i, n in enumerate(nodes)]
    return Connection(
        total_count=total, edges=edges, nodes=nodes,
        page_info=PageInfo(has_next_page=skip + len(rows) < total, end_cursor=edges[-1].cursor if edges else None),
    )


def sliced(rows: list[Any], first: int, after: str | None, wrap: Any) -> Connection:
    """A connection over a list already in hand."""
    skip, limit = window(first, after)
    return connection(len(rows), rows[skip:skip + limit], skip, wrap)


async def paged(info: Info, fetch: Any, key: Hashable, args: tuple, first: int, after: str | None,
                wrap: Any) -> Connection:
    """One page of a per-object list, batched with every other object asking with the same arguments."""
    page = window(first, after)
    got = await batches(info).pages(fetch, *args, page).load(key)
    return connection(got["total"], got["items"], page[0], wrap)


First = Annotated[int, strawberry.argument(description=f"Page size, 0 to {MAX_PAGE}.")]
After = Annotated[str | None, strawberry.argument(description="The endCursor of the previous page.")]
From = Annotated[str | None, strawberry.argument(name="from", description="On or after: YYYY, YYYY-MM or YYYY-MM-DD.")]
To = Annotated[str | None, strawberry.argument(description="On or before: YYYY, YYYY-MM or YYYY-MM-DD.")]


def date_bound(value: str | None, name: str) -> str | None:
    return parse_date(value, name)[0] if value is not None else None


def search_text(query: str) -> str:
    if len(query) > 200:
        raise ValueError("query is longer than 200 characters")
    return query


def type_names(types: list | None) -> list[str] | None:
    """Relationship types as the model names them, or None for any."""
    return [t.value for t in types] if types is not None else None


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
    async def mentions(self, info: Info, first: First = limits.DEFAULT_PAGE, after: After = None
                       ) -> Connection[Mention]:
        return await paged(info, batches(info).reads.mentions_of_documents, self.id, (), first, after,
                           lambda r: Mention(entity=Entity.of(r["entity"]), count=r["count"]))

    @strawberry.field(description="Every claim whose quote is in this document, in text order.")
    async def claims(self, info: Info, first: First = limits.DEFAULT_PAGE, after: After = None) -> Connection[Claim]:
        return await paged(info, batches(info).reads.claims_of_documents, self.id, (), first, after, Claim.of)


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
    method: str = strawberry.field(description="How it was found: curated, pattern, classifier, cooccurrence, ner.")
    note: str | None
    row: strawberry.Private[dict]  # with its document and entities, projected by the query

    @classmethod
    def of(cls, row: dict) -> Claim:
        return cls(
            id=row["id"], predicate=row["predicate"], quote=row["quote"], start=row["start"], end=row["end"],
            date=row.get("date"), date_precision=row.get("date_precision"), confidence=row["confidence"],
            method=row["method"], note=row.get("note"), row=row,
        )

    @strawberry.field
    def document(self) -> Document:
        return Document.of(self.row["document"])

    @strawberry.field
    def subject(self) -> Entity:
        return Entity.of(self.row["subject"])

    @strawberry.field(name="object")
    def object_(self) -> Entity:
        return Entity.of(self.row["object"])

    @strawberry.field(
        description="Who asserts it (a source, an officer, a detainee, an opinion's author); "
        "null when it is the document's own reporting."
    )
    def claimed_by(self) -> Entity | None:
        return Entity.of(self.row["claimed_by"]) if self.row.get("claimed_by") else None


@strawberry.type(description="A typed fact between two entities, with every claim behind it.")
class Relationship:
    type: str
    confidence: float | None = strawberry.field(description="The highest confidence among its claims.")
    first_date: str | None
    last_date: str | None
    source_row: strawberry.Private[dict]  # both entities, projected by the query
    target_row: strawberry.Private[dict]
    claim_ids: strawberry.Private[list[str]]

    @classmethod
    def of(cls, row: dict, entities: dict[str, dict] | None = None) -> Relationship:
        """With `entities` (rows by id) when the row names its ends by id."""
        source, target = (row["source"], row["target"]) if entities is None else (
            entities[row["source"]], entities[row["target"]])
        return cls(
            type=row["type"], confidence=row.get("confidence"), first_date=row.get("first_date"),
            last_date=row.get("last_date"), source_row=source, target_row=target,
            claim_ids=row.get("claim_ids") or [],
        )

    @strawberry.field
    def source(self) -> Entity:
        return Entity.of(self.source_row)

    @strawberry.field
    def target(self) -> Entity:
        return Entity.of(self.target_row)

    @strawberry.field(description="The claims (quotes in documents) behind this fact, by document and position.")
    async def evidence(self, info: Info, first: First = limits.DEFAULT_PAGE, after: After = None
                       ) -> Connection[Claim]:
        rows = [r for r in await batches(info).claim.load_many(self.claim_ids) if r is not None]
        return sliced(sorted(rows, key=lambda r: (r["document"]["id"], r["start"])), first, after, Claim.of)


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

    @strawberry.field(description="Typed facts this entity takes part in: of these types, in this direction, at "
                      "least this confident, with claims dated between `from` and `to`.")
    async def relationships(
        self, info: Info, types: list[RelationshipType] | None = None, direction: Direction = Direction.BOTH,
        min_confidence: float | None = None, from_: From = None,
        to: To = None, first: First = limits.DEFAULT_PAGE, after: After = None,
    ) -> Connection[Relationship]:
        facts = fact_filter(types, direction, min_confidence, from_, to)
        return await paged(info, batches(info).reads.relationships, self.id, (facts,), first, after,
                           Relationship.of)

    @strawberry.field(description="Documents that name this entity or state a claim about it.")
    async def documents(self, info: Info, first: First = limits.DEFAULT_PAGE, after: After = None
                        ) -> Connection[Document]:
        return await paged(info, batches(info).reads.documents_of_entities, self.id, (), first, after, Document.of)

    @strawberry.field(description="Its dated claims, oldest first: when things happened, not when reported; "
                      "optionally only those between `from` and `to`.")
    async def timeline(
        self, info: Info, from_: From = None,
        to: To = None, first: First = limits.DEFAULT_PAGE, after: After = None,
    ) -> Connection[Claim]:
        bounds = (date_bound(from_, "from"), date_bound(to, "to"))
        return await paged(info, batches(info).reads.timeline, self.id, bounds, first, after, Claim.of)


@strawberry.type
class Mention:
    count: int
    entity: Entity


@strawberry.type
class SearchHit:
    entity: Entity
    score: float


@strawberry.type(description="A contact of an organization and the link that makes it interesting.")
class ContactLink:
    contact: Entity
    linked_entity: Entity
    of: strawberry.Private[str]  # the organization's id

    @strawberry.field(description="The direct dealings with the organization or its members, by type, source id "
                      "and target id.")
    async def contact_evidence(self, info: Info, first: First = limits.DEFAULT_PAGE, after: After = None
                               ) -> Connection[Relationship]:
        return await paged(info, batches(info).reads.dealings, (self.contact.id, self.of), (), first, after,
                           Relationship.of)

    @strawberry.field(description="The contact's relationships to the linked entity, by type, source id and "
                      "target id.")
    async def link(self, info: Info, first: First = limits.DEFAULT_PAGE, after: After = None
                   ) -> Connection[Relationship]:
        return await paged(info, batches(info).reads.links, (self.contact.id, self.linked_entity.id), (), first,
                           after, Relationship.of)


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


@strawberry.type
class Score:
    key: str
    score: float


@strawberry.type(description="Counts for dashboards.")
class Aggregates:
    by_family: list[Count]
    by_kind: list[Count]
    by_tag: list[Count]
    by_relationship_type: list[Count]
    claims_by_document: list[Count] = strawberry.field(description="The documents with the most claims.")
    claims_by_year: list[Count] = strawberry.field(description="By when it happened (claims with a date).")
    most_connected: list[Count] = strawberry.field(description="Entities with the most typed facts (degree).")
    co_mentions: list[Count] = strawberry.field(description="Entity pairs named in the most documents together.")
    most_central: list[Score] = strawberry.field(description="Entities with the highest PageRank over the typed "
                                                 "facts, weighted by claims: central to the network, not just busy.")
    current: bool = strawberry.field(description="False when these are the counts of an earlier state of the "
                                     "graph: the current ones took longer than the query timeout and are still "
                                     "being computed.")


@strawberry.type
class Stats:
    documents: int
    entities: int
    relationships: int = strawberry.field(description="Typed fact edges between entities.")
    claims: int


@strawberry.input(description="A typed fact an entity must take part in.")
class RelatedFilter:
    types: list[RelationshipType] | None = strawberry.field(default=None, description="Any of these types.")
    direction: Direction = Direction.BOTH
    min_confidence: float | None = None
    from_: str | None = strawberry.field(default=None, name="from", description="Claims dated on or after.")
    to: str | None = strawberry.field(default=None, description="Claims dated on or before.")
    other: EntityFilter | None = strawberry.field(default=None, description="The entity at the other end.")

    def to_query(self) -> FactFilter:
        return fact_filter(self.types, self.direction, self.min_confidence, self.from_, self.to,
                           self.other.to_query() if self.other else None)


def fact_filter(types: list | None, direction: Direction, min_confidence: float | None, date_from: str | None,
                date_to: str | None, other: QueryFilter | None = None) -> FactFilter:
    if min_confidence is not None and not 0 <= min_confidence <= 1:
        raise ValueError("minConfidence must be between 0 and 1")
    return FactFilter(
        types=tuple(type_names(types)) if types is not None else None, direction=direction.value,
        min_confidence=min_confidence, date_from=date_bound(date_from, "from"), date_to=date_bound(date_to, "to"),
        other=other,
    )


@strawberry.input(description="Entities to match: all given conditions must hold.")
class EntityFilter:
    family: Family | None = None
    kinds: list[str] | None = strawberry.field(default=None, description="Any of these kinds.")
    tags: list[str] | None = strawberry.field(default=None, description="All of these tags.")
    ids: list[strawberry.ID] | None = None
    name_contains: str | None = strawberry.field(default=None, description="In the name or an alias, any case.")
    name_starts_with: str | None = strawberry.field(default=None, description="Name or alias starts so, any case.")
    name_fuzzy: str | None = strawberry.field(
        default=None, description="Every word in the name or an alias, tolerating typos and spellings."
    )
    related: RelatedFilter | None = strawberry.field(default=None, description="Takes part in such a fact.")
    and_: list[EntityFilter] | None = strawberry.field(default=None, name="and", description="All of these too.")
    or_: list[EntityFilter] | None = strawberry.field(default=None, name="or", description="At least one of these.")
    not_: EntityFilter | None = strawberry.field(default=None, name="not", description="Not this.")

    def to_query(self) -> QueryFilter:
        def tup(v: list | None) -> tuple | None:
            return tuple(str(x) for x in v) if v is not None else None

        for text in (self.name_contains, self.name_starts_with, self.name_fuzzy):
            if text is not None and not 0 < len(text) <= 200:
                raise ValueError("name filters take 1 to 200 characters")
        return QueryFilter(
            family=self.family.value if self.family else None,
            kinds=tup(self.kinds), tags=tup(self.tags), ids=tup(self.ids),
            name_contains=self.name_contains, name_starts_with=self.name_starts_with, name_fuzzy=self.name_fuzzy,
            related=self.related.to_query() if self.related else None,
            all_of=tuple(f.to_query() for f in self.and_ or ()),
            any_of=tuple(f.to_query() for f in self.or_ or ()),
            none_of=self.not_.to_query() if self.not_ else None,
        )


def entity_filter(flt: EntityFilter | None) -> QueryFilter:
    return flt.to_query() if flt else QueryFilter()


@strawberry.enum(description="How to order a list of entities.")
class EntityOrder(enum.Enum):
    ID = "ID"
    NAME = "NAME"
    DEGREE = "DEGREE"


def relationship_list(rows: list[dict], entities: list[dict] | None = None) -> list[Relationship]:
    """Relationships; with `entities`, the rows that name the ends of `rows` by id."""
    by_id = {e["id"]: e for e in entities} if entities is not None else None
    return [Relationship.of(r, by_id) for r in rows]


# -- queries ------------------------------------------------------------------------------------
@strawberry.type
class Query:
    @strawberry.field
    async def entity(self, info: Info, id: strawberry.ID) -> Entity | None:
        row = await batches(info).entity.load(str(id))
        return Entity.of(row) if row else None

    @strawberry.field(description="Entities matching a filter, in an order.")
    async def entities(
        self, info: Info, filter: EntityFilter | None = None, order_by: EntityOrder = EntityOrder.ID,
        first: First = limits.DEFAULT_PAGE, after: After = None,
    ) -> Connection[Entity]:
        skip, limit = window(first, after)
        flt = entity_filter(filter)
        total, rows = await off_thread(batches(info).reads.entities_page, flt, skip, limit, order_by.value)
        return connection(total, rows, skip, Entity.of)

    @strawberry.field(description="Full-text search over names and aliases; tolerates typos and partial words. "
                      "Best first.")
    async def search(
        self, info: Info, query: str, family: Family | None = None, first: First = 10, after: After = None
    ) -> Connection[SearchHit]:
        skip, limit = window(first, after)
        total, hits = await off_thread(
            batches(info).reads.search, search_text(query), family.value if family else None, skip, limit
        )
        return connection(total, hits, skip, lambda h: SearchHit(entity=Entity.of(h[0]), score=h[1]))

    @strawberry.field
    async def document(self, info: Info, id: strawberry.ID) -> Document | None:
        row = await batches(info).document.load(str(id))
        return Document.of(row) if row else None

    @strawberry.field(description="Documents ordered by id.")
    async def documents(self, info: Info, first: First = limits.DEFAULT_PAGE, after: After = None
                        ) -> Connection[Document]:
        skip, limit = window(first, after)
        total, rows = await off_thread(batches(info).reads.documents_page, skip, limit)
        return connection(total, rows, skip, Document.of)

    @strawberry.field(
        description="Who dealt directly with an organization (met, informed, was handled, recruited, trained, "
        "funded, armed or supported by it or its members) and is also linked to an entity matching linkedTo; by "
        "contact id, then linked entity id."
    )
    async def contacts(
        self, info: Info, of: strawberry.ID, linked_to: EntityFilter, first: First = limits.DEFAULT_PAGE,
        after: After = None,
    ) -> Connection[ContactLink]:
        skip, limit = window(first, after)
        total, rows = await off_thread(batches(info).reads.contacts, str(of), linked_to.to_query(), skip, limit)
        return connection(total, rows, skip, lambda r: ContactLink(
            contact=Entity.of(r["contact"]), linked_entity=Entity.of(r["linked"]), of=str(of)))

    @strawberry.field(description=f"Paths of typed facts between two entities, shortest first and then by their "
                      f"entities' ids: all the shortest ones (up to {MAX_HOPS} hops), or with `all` every path "
                      f"without repeated entities (up to {MAX_ALL_PATHS_HOPS} hops).")
    async def paths(
        self,
        info: Info,
        from_: Annotated[strawberry.ID, strawberry.argument(name="from")],
        to: strawberry.ID,
        max_hops: int = 4,
        all: bool = False,
        first: First = 10,
    ) -> list[Path]:
        rows = await off_thread(batches(info).reads.paths, str(from_), str(to), max_hops, not all,
                                window(first, None)[1])
        return [Path(entities=[Entity.of(e) for e in r["entities"]],
                     relationships=relationship_list(r["rels"], r["entities"])) for r in rows]

    @strawberry.field(description=f"Entities up to `depth` (at most {MAX_NEIGHBOURHOOD}) fact hops away, nearest "
                      f"first, and the facts among them. Within a ring, those reached through an entity with at most "
                      f"{HUB} facts come before those only a hub reaches, then by id.")
    async def neighbourhood(
        self, info: Info, id: strawberry.ID, depth: int = 1, types: list[RelationshipType] | None = None,
        first: First = 50,
    ) -> Neighbourhood:
        row = await off_thread(batches(info).reads.neighbourhood, str(id), depth, type_names(types),
                               window(first, None)[1])
        return Neighbourhood(entities=[Entity.of(e) for e in row["entities"]],
                             relationships=relationship_list(row["rels"], row["entities"]))

    @strawberry.field(description="Entities with a typed fact to both `a` and `b`, and those facts.")
    async def common_neighbours(
        self, info: Info, a: strawberry.ID, b: strawberry.ID, first: First = limits.DEFAULT_PAGE,
        after: After = None,
    ) -> Connection[CommonNeighbour]:
        rows = await off_thread(batches(info).reads.common_neighbours, str(a), str(b))
        return sliced(rows, first, after, lambda r: CommonNeighbour(
            entity=Entity.of(r["entity"]), to_first=relationship_list(r["left"]),
            to_second=relationship_list(r["right"]),
        ))

    @strawberry.field(description="Counts by family, kind, tag, type and year; the top documents by claims, "
                      "entities by degree and by PageRank, and co-mentioned pairs. Computed off the request path "
                      "and kept until the graph changes (see `current`).")
    async def aggregates(self, info: Info, first: First = 10) -> Aggregates:
        rows = await off_thread(batches(info).reads.aggregates, window(first, None)[1])
        counts = {k: [Count(key=str(c["key"]), count=c["count"]) for c in v] for k, v in rows.items()
                  if k not in ("most_central", "current")}
        return Aggregates(**counts, most_central=[Score(**c) for c in rows["most_central"]], current=rows["current"])

    @strawberry.field
    async def stats(self, info: Info) -> Stats:
        return Stats(**await off_thread(batches(info).reads.stats))


def internal(error: GraphQLError) -> bool:
    """Hide unexpected failures (driver and Cypher internals) from clients; log them for operators.
    Bad arguments (ValueError, or variables GraphQL could not coerce) and an unreachable database are the
    client's to know."""
    original = error.original_error
    if original is None or isinstance(original, ValueError | GraphUnavailable | GraphQLError):
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
