"""A whole GraphQL read selection as one Cypher statement.

The API's resolvers read one nesting level per round trip (`Reads`, batched per level) and build every object
in Python. For the selections this module handles, the API instead runs one statement that returns the
answer's whole `data`, already shaped as GraphQL shapes it (response keys, enum names, connections with their
cursors): one round trip whatever the depth, and no Python work per object. The lists come from the statements
`Reads` runs (graph/queries.py), nested as COLLECT subqueries, so both ways filter, order and page alike; the
tests ask both the same questions and compare the answers.

A selection arrives as a tree of `Select`s whose arguments the API has already checked and converted.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from graph.queries import (
    DOCUMENTS,
    Params,
    Reads,
    claims_of,
    common_body,
    documents_body,
    documents_of,
    entities_body,
    evidence_of,
    facts_of,
    links_of,
    mentions_of,
    neighbourhood_body,
    paths_body,
    search_body,
    timeline_of,
)


class NotCompiled(Exception):
    """A field this module does not compile (the resolvers answer it)."""


@dataclass(frozen=True)
class Select:
    key: str  # the response key: the alias, or the field's name
    name: str  # the field, as the schema names it
    args: dict[str, Any] = field(default_factory=dict)  # checked: pages as (skip, limit), filters as query objects
    fields: tuple[Select, ...] = ()


# scalar fields of each object: a Cypher expression of the object bound to {v}
SCALARS: dict[str, dict[str, str]] = {
    "Entity": {
        "id": "{v}.id", "name": "{v}.name", "aliases": "coalesce({v}.aliases, [])", "kind": "{v}.kind",
        "tags": "coalesce({v}.tags, [])", "description": "{v}.description",
        "reviewed": "coalesce({v}.reviewed, false)", "family": "toUpper([l IN labels({v}) WHERE l IN $families][0])",
    },
    "Document": {f: f"{{v}}.{f}" for f in ("id", "title", "publisher", "authors", "published", "kind", "url")},
    "Claim": {
        **{f: f"{{v}}.{f}" for f in ("id", "predicate", "quote", "start", "end", "date", "confidence", "method",
                                     "note")},
        "datePrecision": "{v}.date_precision",
    },
    "Relationship": {"type": "type({v})", "confidence": "{v}.confidence", "firstDate": "{v}.first_date",
                     "lastDate": "{v}.last_date"},
    "Mention": {"count": "{v}.count"},
    "SearchHit": {"score": "{v}.score"},
}
# fields holding the one object at the end of a relationship (null when there is none): its type, the relationship
ONE: dict[str, dict[str, tuple[str, str]]] = {
    "Claim": {"document": ("Document", "STATED_IN"), "subject": ("Entity", "SUBJECT"),
              "object": ("Entity", "OBJECT"), "claimedBy": ("Entity", "CLAIMED_BY")},
}
# fields holding an object that is a value of {v}: its type, the expression
VALUE: dict[str, dict[str, tuple[str, str]]] = {
    "Relationship": {"source": ("Entity", "startNode({v})"), "target": ("Entity", "endNode({v})")},
    "Mention": {"entity": ("Entity", "{v}.entity")},
    "SearchHit": {"entity": ("Entity", "{v}.node")},
    "ContactLink": {"contact": ("Entity", "{v}.contact"), "linkedEntity": ("Entity", "{v}.linked")},
    "CommonNeighbour": {"entity": ("Entity", "{v}.entity")},
}
# fields holding a list of objects that is a value of {v}: their type, the expression
LISTS: dict[str, dict[str, tuple[str, str]]] = {
    "Path": {"entities": ("Entity", "{v}.nodes"), "relationships": ("Relationship", "{v}.rels")},
    "Neighbourhood": {"entities": ("Entity", "{v}.entities"), "relationships": ("Relationship", "{v}.rels")},
    "CommonNeighbour": {"toFirst": ("Relationship", "{v}.left"), "toSecond": ("Relationship", "{v}.right")},
}


def ordered(fields: Sequence[Select], value: Any) -> Any:
    """An answer with every object's keys in the order the selection asks for them, as GraphQL answers are
    written (Neo4j's maps keep no order)."""
    if isinstance(value, list):
        return [ordered(fields, v) for v in value]
    if isinstance(value, dict):
        return {f.key: ordered(f.fields, value[f.key]) if f.fields else value[f.key] for f in fields}
    return value


class Compiler:
    """Statements for selections, on the model's graph; `cursor(offset)` is the API's cursor of a position."""

    def __init__(self, reads: Reads, cursor: Callable[[int], str]):
        self.reads = reads
        self.cursor = cursor

    def statement(self, fields: Sequence[Select]) -> tuple[str, dict[str, Any]]:
        """One statement returning one row with a `data` column: the answer to the selection of Query fields."""
        build = _Statement(self)
        data = ", ".join(f"`{f.key}`: {build.root(f)}" for f in fields)
        return f"RETURN {{{data}}} AS data", build.params.values

    def run(self, statement: tuple[str, dict[str, Any]]) -> dict[str, Any]:
        cypher, params = statement
        return self.reads.read(cypher, **params)[0]["data"]

    async def arun(self, statement: tuple[str, dict[str, Any]]) -> dict[str, Any]:
        cypher, params = statement
        return (await self.reads.aread(cypher, **params))[0]["data"]


class _Statement:
    def __init__(self, compiler: Compiler):
        self.reads = compiler.reads
        self.cursor = compiler.cursor
        self.params = Params(compiler.reads.fact_pattern)
        self.count = 0

    def var(self) -> str:
        self.count += 1
        return f"v{self.count}"

    def value(self, value: Any) -> str:
        self.count += 1
        return self.params("c", str(self.count), value)

    # -- objects ------------------------------------------------------------------------------------
    def object(self, type_name: str, v: str, fields: Sequence[Select]) -> str:
        """The map of `fields` of the object bound to variable `v`."""
        return "{" + ", ".join(f"`{f.key}`: {self.field(type_name, v, f)}" for f in fields) + "}"

    def bound(self, type_name: str, expression: str, fields: Sequence[Select]) -> str:
        """The map of `fields` of the object `expression` evaluates to, or null when it is null."""
        v = self.var()
        return f"[{v} IN [{expression}] WHERE {v} IS NOT NULL | {self.object(type_name, v, fields)}][0]"

    def each(self, type_name: str, expression: str, fields: Sequence[Select]) -> str:
        v = self.var()
        return f"[{v} IN {expression} | {self.object(type_name, v, fields)}]"

    def field(self, type_name: str, v: str, f: Select) -> str:
        if f.name == "__typename":
            return self.value(f.args["name"])
        if f.name in SCALARS.get(type_name, {}):
            return SCALARS[type_name][f.name].format(v=v)
        if f.name in VALUE.get(type_name, {}):
            target, expression = VALUE[type_name][f.name]
            return self.bound(target, expression.format(v=v), f.fields)
        if f.name in LISTS.get(type_name, {}):
            target, expression = LISTS[type_name][f.name]
            return self.each(target, expression.format(v=v), f.fields)
        if f.name in ONE.get(type_name, {}):
            target, rel_type = ONE[type_name][f.name]
            x = self.var()
            return f"[({v})-[:{rel_type}]->({x}:{target}) | {self.object(target, x, f.fields)}][0]"
        return self.listed(type_name, v, f)

    def listed(self, type_name: str, v: str, f: Select) -> str:
        """A connection (a page of a list) of the object bound to `v`."""
        a, item = f.args, self.var()
        match type_name, f.name:
            case "Entity", "relationships":
                return self.page("Relationship", facts_of(v, a['facts'], self.params, item), f)
            case "Entity", "documents":
                return self.page("Document", documents_of(v, item), f)
            case "Entity", "timeline":
                body = timeline_of(v, a["date_from"], a["date_to"], self.params, item)
                return self.page("Claim", body, f)
            case "Document", "mentions":
                return self.page("Mention", mentions_of(v, item), f)
            case "Document", "claims":
                return self.page("Claim", claims_of(v, item), f)
            case "Relationship", "evidence":
                return self.page("Claim", evidence_of(v, item), f)
            case "ContactLink", "contactEvidence":  # the row holds the contact and the organization's node
                c, org = self.var(), self.var()
                body = self.reads.dealings_of(c, org, item)
                return self.page("Relationship", f"WITH {v}.contact AS {c}, {v}.of AS {org} {body}", f)
            case "ContactLink", "link":
                c, x = self.var(), self.var()
                body = links_of(c, x, self.params, item)
                return self.page("Relationship", f"WITH {v}.contact AS {c}, {v}.linked AS {x} {body}", f)
        raise NotCompiled(f"{type_name}.{f.name}")

    # -- connections --------------------------------------------------------------------------------
    def page(self, type_name: str, body: str | None, f: Select, total: str | None = None) -> str:
        """A connection over the ordered rows of statement `body` (None: none), cut into the page `f` asks for.
        The statement itself is cut (SKIP, LIMIT), so Neo4j stops at the end of the page, when `total` (an
        expression of how many there are) is given or the page's total is not asked for; otherwise the whole
        list is collected, counted and cut."""
        skip, limit = f.args["page"]
        whole, x, s, n = self.var(), self.var(), self.value(skip), self.value(limit)
        if body is None:
            source = "{total: 0, page: []}"
        elif total is not None or not _wants_total(f):
            count = total if total is not None and _wants_total(f) else "null"
            source = f"{{total: {count}, page: COLLECT {{ {body} SKIP {s} LIMIT {n} }}}}"
        else:
            source = f"[{whole} IN [COLLECT {{ {body} }}] | {{total: size({whole}), page: {whole}[{s}..{s} + {n}]}}][0]"
        cursors = self.value([self.cursor(skip + i) for i in range(limit)]) if _wants_cursors(f) else ""
        last = f"size({x}.page) - 1"
        values: dict[str, Callable[[Select], str]] = {
            "totalCount": lambda g: f"{x}.total",
            "nodes": lambda g: self.each(type_name, f"{x}.page", g.fields),
            "edges": lambda g: self.edges(type_name, f"{x}.page", cursors, g.fields),
            "pageInfo": lambda g: self.map(g.fields, {
                "hasNextPage": f"{s} + size({x}.page) < {x}.total",
                "endCursor": f"CASE {last} WHEN -1 THEN null ELSE {cursors}[{last}] END",
            }),
        }
        return f"[{x} IN [{source}] | {self.map(f.fields, values)}][0]"

    def edges(self, type_name: str, page: str, cursors: str, fields: Sequence[Select]) -> str:
        i, node = self.var(), self.var()
        edge = self.map(fields, {"cursor": f"{cursors}[{i}]",
                                 "node": lambda g: self.object(type_name, node, g.fields)})
        return f"[{i} IN range(0, size({page}) - 1) | [{node} IN [{page}[{i}]] | {edge}][0]]"

    def map(self, fields: Sequence[Select], values: dict[str, str | Callable[[Select], str]]) -> str:
        """The map of `fields`, each from `values` by name: an expression, or a function of the field."""
        def value(f: Select) -> str:
            if f.name == "__typename":
                return self.value(f.args["name"])
            v = values[f.name]
            return v if isinstance(v, str) else v(f)

        return "{" + ", ".join(f"`{f.key}`: {value(f)}" for f in fields) + "}"

    # -- the Query type -----------------------------------------------------------------------------
    def root(self, f: Select) -> str:
        a, v = f.args, self.var()
        match f.name:
            case "__typename":
                return self.value(a["name"])
            case "entity" | "document":
                label = "Entity" if f.name == "entity" else "Document"
                return (f"[{v} IN COLLECT {{ MATCH ({v}_n:{label} {{id: {self.value(a['id'])}}}) RETURN {v}_n }} "
                        f"| {self.object(label, v, f.fields)}][0]")
            case "entities":
                flt = self.reads.resolve(a["filter"])
                total, body = entities_body(flt, a["order"], self.reads.families, self.params, v)
                return self.page("Entity", body, f, total)
            case "documents":
                return self.page("Document", documents_body(v), f, DOCUMENTS)
            case "search":
                return self.page("SearchHit", search_body(a["text"], a["family"], self.params, v), f)
            case "contacts":
                body = self.reads.contacts_body(a["of"], self.reads.resolve(a["linked"]), self.params, v)
                return self.page("ContactLink", body, f)
            case "commonNeighbours":
                return self.page("CommonNeighbour", common_body(a['a'], a['b'], self.params, v), f)
            case "paths":
                body = paths_body(a["source"], a["target"], a["max_hops"], a["shortest"], a["limit"], self.params, v)
                return self.each("Path", f"COLLECT {{ {body} }}" if body else "[]", f.fields)
            case "neighbourhood":
                body = neighbourhood_body(a["id"], a["depth"], a["types"], a["limit"], self.params, v)
                return self.each("Neighbourhood", f"COLLECT {{ {body} }} + [{{entities: [], rels: []}}]",
                                 f.fields) + "[0]"
            case "stats":
                return self.map(f.fields, self.reads.totals)
        raise NotCompiled(f"Query.{f.name}")


def _wants_total(f: Select) -> bool:
    """Whether a connection's selection needs to know how many items there are in all."""
    return any(g.name == "totalCount" or (g.name == "pageInfo" and any(e.name == "hasNextPage" for e in g.fields))
               for g in f.fields)


def _wants_cursors(f: Select) -> bool:
    return any(e.name in ("cursor", "endCursor") for g in f.fields if g.name in ("edges", "pageInfo")
               for e in g.fields)
