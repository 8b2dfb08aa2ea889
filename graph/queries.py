"""Named read queries: the only Cypher the API runs. Each method is one round trip in a read
transaction and takes a batch of keys where the API may ask for many (so a nested GraphQL
selection costs one query per level, not one per object).

Labels and relationship types are spliced in only from the model; every value is a parameter.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from graph.db import Graph
from graph.migrate import FULLTEXT_INDEX, fact_ends
from graph.overview import Overview
from schema.model import Model

MAX_PAGE = 200  # the longest page of any list the API answers
MAX_HOPS = 6
MAX_ALL_PATHS_HOPS = 4  # every simple path grows fast with length; shortest ones do not
MAX_FUZZY = 1000  # full-text hits a fuzzy name or a search considers
MAX_NEIGHBOURHOOD = 3
CANDIDATES = 1000  # at most this many linked entities of the contacts question are checked one by one
HUB = 100  # an entity with more facts than this is a hub: a neighbourhood walks through it last
# the dashboard's lists that are the first N of a ranking; the others list every key
TOP_LISTS = ("claims_by_document", "most_connected", "co_mentions", "most_central")
LUCENE_SPECIAL = re.compile(r'([+\-!(){}\[\]^"~*?:\\/&|])')


class Params:
    """Parameters of one statement, named by where they are used so nested filters never collide; and the
    fact relationship types (`A|B|...`, from the model) its patterns expand over."""

    def __init__(self, facts: str) -> None:
        self.values: dict[str, Any] = {}
        self.facts = facts

    def __call__(self, prefix: str, name: str, value: Any) -> str:
        key = f"{prefix}_{name}"
        self.values[key] = value
        return f"${key}"

    def only(self, types: tuple[str, ...] | None) -> str:
        """The fact types among `types` (all of them for None, or when none is one), so a pattern expands only
        the relationships asked for; the types come from the model, never from `types`."""
        known = [t for t in self.facts.split("|") if types is None or t in types]
        return "|".join(known) or self.facts


def _dated(var: str, bound: str, op: str) -> str:
    """`var op bound` for ISO date prefixes, compared at the coarser of the two precisions."""
    return f"left({var}, size({bound})) {op} left({bound}, size({var}))"


@dataclass(frozen=True)
class FactFilter:
    """Fact edges to match from one entity: any of `types`, in a direction, at least a confidence, with
    claims dated within [date_from, date_to] (dates compare at the coarser precision, so "2014" overlaps
    "2014-12-07"; an undated edge fails any date bound), and an entity at the other end matching `other`."""

    types: tuple[str, ...] | None = None
    direction: str = "BOTH"
    min_confidence: float | None = None
    date_from: str | None = None
    date_to: str | None = None
    other: EntityFilter | None = None

    def pattern(self, r: str, e: str, o: str, p: Params) -> str:
        """`(e)-[r]-(o)` over the fact types asked for, in this filter's direction: Neo4j expands only those
        relationships of `e`, not its other facts, mentions and claims too."""
        left, right = {"OUT": ("-", "->"), "IN": ("<-", "-")}.get(self.direction, ("-", "-"))
        return f"({e}){left}[{r}:{p.only(self.types)}]{right}({o}:Entity)"

    def compile(self, r: str, o: str, p: Params, prefix: str) -> str:
        """The conditions on a match of `pattern`."""
        parts = []
        if self.types is not None:
            parts.append(f"type({r}) IN {p(prefix, 'types', list(self.types))}")
        if self.min_confidence is not None:
            parts.append(f"{r}.confidence >= {p(prefix, 'confidence', self.min_confidence)}")
        if self.date_from is not None:
            parts.append(_dated(f"{r}.last_date", p(prefix, "from", self.date_from), ">="))
        if self.date_to is not None:
            parts.append(_dated(f"{r}.first_date", p(prefix, "to", self.date_to), "<="))
        if self.other is not None:
            parts.append(f"({self.other.compile(o, p, prefix + 'x')})")
        return " AND ".join(parts) or "true"

    def fuzzy_names(self) -> set[str]:
        return self.other.fuzzy_names() if self.other else set()

    def with_fuzzy(self, found: dict[str, tuple[str, ...]]) -> FactFilter:
        return replace(self, other=self.other.with_fuzzy(found)) if self.other else self


@dataclass(frozen=True)
class EntityFilter:
    """Entities to match. Family is a label; kinds match any; tags must all be present; ids restrict to a
    set; names match case-insensitively against the name and every alias, or fuzzily through the full-text
    index (every word, tolerating typos); `related` asks for a fact edge of some kind; all_of, any_of and
    none_of combine further filters."""

    family: str | None = None
    kinds: tuple[str, ...] | None = None
    tags: tuple[str, ...] | None = None
    ids: tuple[str, ...] | None = None
    name_contains: str | None = None
    name_starts_with: str | None = None
    name_fuzzy: str | None = None
    related: FactFilter | None = None
    all_of: tuple[EntityFilter, ...] = ()
    any_of: tuple[EntityFilter, ...] = ()
    none_of: EntityFilter | None = None
    fuzzy_ids: tuple[str, ...] | None = None  # what name_fuzzy found, filled in by Reads before compiling

    def seekable(self) -> bool:
        """Whether an index finds what this filter matches: it asks for kinds or ids (given, or found by a
        fuzzy name), itself or in a filter it must also match."""
        return (self.kinds is not None or self.ids is not None or self.fuzzy_ids is not None
                or any(f.seekable() for f in self.all_of))

    def children(self) -> tuple[EntityFilter, ...]:
        return (*self.all_of, *self.any_of, *((self.none_of,) if self.none_of else ()))

    def fuzzy_names(self) -> set[str]:
        own = {self.name_fuzzy} if self.name_fuzzy is not None else set()
        related = self.related.fuzzy_names() if self.related else set()
        return own.union(related, *(c.fuzzy_names() for c in self.children()))

    def with_fuzzy(self, found: dict[str, tuple[str, ...]]) -> EntityFilter:
        """This filter with the ids each fuzzy name matched."""
        return replace(
            self,
            fuzzy_ids=found[self.name_fuzzy] if self.name_fuzzy is not None else None,
            related=self.related.with_fuzzy(found) if self.related else None,
            all_of=tuple(f.with_fuzzy(found) for f in self.all_of),
            any_of=tuple(f.with_fuzzy(found) for f in self.any_of),
            none_of=self.none_of.with_fuzzy(found) if self.none_of else None,
        )

    def compile(self, var: str, p: Params, prefix: str = "f") -> str:
        """A WHERE condition on `var` built from fixed fragments; every value goes into `p`."""
        parts: list[str] = []
        if self.family is not None:
            parts.append(f"{p(prefix, 'family', self.family)} IN labels({var})")
        if self.kinds is not None:
            parts.append(f"{var}.kind IN {p(prefix, 'kinds', list(self.kinds))}")
        if self.tags is not None:
            parts.append(f"all(t IN {p(prefix, 'tags', list(self.tags))} WHERE t IN coalesce({var}.tags, []))")
        if self.ids is not None:
            parts.append(f"{var}.id IN {p(prefix, 'ids', list(self.ids))}")
        for name, op, value in (("contains", "CONTAINS", self.name_contains),
                                ("starts", "STARTS WITH", self.name_starts_with)):
            if value is not None:
                v = p(prefix, name, value.lower())
                parts.append(f"any(n IN [{var}.name] + coalesce({var}.aliases, []) WHERE toLower(n) {op} {v})")
        if self.name_fuzzy is not None:
            if self.fuzzy_ids is None:
                raise RuntimeError("fuzzy names must be resolved (Reads.resolve) before compiling")
            parts.append(f"{var}.id IN {p(prefix, 'fuzzy', list(self.fuzzy_ids))}")
        if self.related is not None:
            r, o = f"{prefix}_r", f"{prefix}_o"
            where = self.related.compile(r, o, p, prefix + "r")
            parts.append(f"EXISTS {{ MATCH {self.related.pattern(r, var, o, p)} WHERE {where} }}")
        parts += [f"({sub.compile(var, p, f'{prefix}a{i}')})" for i, sub in enumerate(self.all_of)]
        if self.any_of:
            subs = [f"({sub.compile(var, p, f'{prefix}o{i}')})" for i, sub in enumerate(self.any_of)]
            parts.append("(" + " OR ".join(subs) + ")")
        if self.none_of is not None:
            parts.append(f"NOT ({self.none_of.compile(var, p, f'{prefix}n')})")
        return " AND ".join(parts) or "true"


ORDERS = {"ID": "{e}.id", "NAME": "toLower({e}.name), {e}.id", "DEGREE": "{e}_degree DESC, {e}.id"}


def lucene_query(text: str, every_word: bool = False) -> str:
    """User text to a Lucene query: each word exact (boosted), as a prefix, or within two edits; any word
    may match, or with `every_word` each must."""
    words = [w for w in re.findall(r"\w+", text.lower()) if w]
    parts = []
    for word in words[:12]:
        w = LUCENE_SPECIAL.sub(r"\\\1", word)
        fuzzy = f" OR {w}~" if len(word) > 3 else ""
        parts.append(f"({w}^3 OR {w}*{fuzzy})")
    return (" AND " if every_word else " OR ").join(parts)


def entity(var: str) -> str:
    """Projection of an entity node, with its family label as a field."""
    return (
        f"{var} {{.id, .name, .aliases, .kind, .tags, .description, .reviewed, "
        f"family: [l IN labels({var}) WHERE l IN $families][0]}}"
    )


def rel(var: str, ends: bool = True) -> str:
    """Projection of a fact edge: its type, both entities (projected, so they need no second round trip; or,
    without `ends`, their ids, for answers that list their entities anyway) and the summary of its claims."""
    source, target = (
        (f"[{var}_s IN [startNode({var})] | {entity(var + '_s')}][0]",
         f"[{var}_t IN [endNode({var})] | {entity(var + '_t')}][0]") if ends
        else (f"startNode({var}).id", f"endNode({var}).id")
    )
    return (f"{var} {{type: type({var}), source: {source}, target: {target}, "
            ".claim_ids, .confidence, .first_date, .last_date}")


# -- statements of one list each --------------------------------------------------------------------
# Each returns one column, named `var`, in a fixed order: `Reads` runs them per node of a batch, and the
# compiler of whole selections (graph/compile.py) nests them. Inner variables are named after `var`, so nested
# ones never collide; every value goes into the Params.
def by_fact(r: str) -> str:
    """The order of every list of fact edges: by type, source id and target id."""
    return f"type({r}), startNode({r}).id, endNode({r}).id"


def facts_of(e: str, facts: FactFilter, p: Params, var: str) -> str:
    """The fact edges of entity `e` that `facts` asks for, by type, source and target. In one direction one end
    is `e` itself, so the other end's id gives the same order, read once per edge rather than both ends' ids."""
    r, o = f"{var}_r", f"{var}_o"
    order = f"type({r}), {o}.id" if facts.direction in ("OUT", "IN") else by_fact(r)
    return (f"MATCH {facts.pattern(r, e, o, p)} WHERE {facts.compile(r, o, p, var)} "
            f"RETURN {r} AS {var} ORDER BY {order}")


def links_of(a: str, b: str, p: Params, var: str) -> str:
    """The fact edges between entities `a` and `b`, by type, source and target."""
    r = f"{var}_r"
    return f"MATCH ({a})-[{r}:{p.facts}]-({b}) RETURN {r} AS {var} ORDER BY {by_fact(r)}"


def documents_of(e: str, var: str) -> str:
    """The documents that name entity `e` or state a claim about it, by id."""
    d = f"{var}_d"
    return (f"CALL ({e}) {{ MATCH ({d}:Document)-[:MENTIONS]->({e}) RETURN {d} "
            f"  UNION MATCH ({d}:Document)<-[:STATED_IN]-(:Claim)-[:SUBJECT|OBJECT]->({e}) RETURN {d} }} "
            f"RETURN {d} AS {var} ORDER BY {d}.id")


def timeline_of(e: str, date_from: str | None, date_to: str | None, p: Params, var: str) -> str:
    """Entity `e`'s dated claims, oldest first (by when it happened, not when it was reported), within
    [date_from, date_to] compared at the coarser precision."""
    c = f"{var}_c"
    where = [f"{c}.date IS NOT NULL"]
    if date_from is not None:
        where.append(_dated(f"{c}.date", p(var, "from", date_from), ">="))
    if date_to is not None:
        where.append(_dated(f"{c}.date", p(var, "to", date_to), "<="))
    return (f"MATCH ({c}:Claim)-[:SUBJECT|OBJECT]->({e}) WHERE {' AND '.join(where)} "
            f"WITH DISTINCT {c} ORDER BY {c}.date, {c}.id RETURN {c} AS {var}")


def mentions_of(d: str, var: str) -> str:
    """The entities document `d` names, each `{entity, count}`, most named first."""
    m, e = f"{var}_m", f"{var}_e"
    return (f"MATCH ({d})-[{m}:MENTIONS]->({e}:Entity) RETURN {{entity: {e}, count: {m}.count}} AS {var} "
            f"ORDER BY {m}.count DESC, {e}.id")


def claims_of(d: str, var: str) -> str:
    """The claims stated in document `d`, in text order."""
    c = f"{var}_c"
    return f"MATCH ({d})<-[:STATED_IN]-({c}:Claim) RETURN {c} AS {var} ORDER BY {c}.start, {c}.id"


def evidence_of(r: str, var: str) -> str:
    """The claims behind fact edge `r`, by document and position."""
    c, d = f"{var}_c", f"{var}_d"
    return (f"MATCH ({c}:Claim)-[:STATED_IN]->({d}:Document) WHERE {c}.id IN {r}.claim_ids "
            f"RETURN {c} AS {var} ORDER BY {d}.id, {c}.start, {c}.id")


def paths_body(source: str, target: str, max_hops: int, shortest: bool, limit: int, p: Params,
               var: str) -> str | None:
    """The shortest paths of typed facts between two entities, or every simple path up to `max_hops`
    (shortest first), at most `limit` of them, by length and then by their entities' ids, each `{nodes, rels}`;
    None when the two are the same. Between two entities of at most HUB facts, paths of up to 3 hops are found
    by meeting in the middle: from the facts of the two, the facts between them, or else their common
    neighbours, or else the facts between their neighbours (read from the quiet ones, looked up by their ends
    between two hubs), so the work is bounded by the degrees of the two and of their quiet neighbours, not by a
    hub's. Otherwise, and for longer paths, Neo4j's bidirectional search, which reads every fact of a hub it
    reaches."""
    bound = MAX_HOPS if shortest else MAX_ALL_PATHS_HOPS
    if not 1 <= max_hops <= bound:
        raise ValueError(f"maxHops must be between 1 and {bound}{'' if shortest else ' for all paths'}")
    if source == target:
        return None
    a, b, n, m, q, x, y, r, s, t, ax, by, xs, ys, ids, out, quiet, one, two, three, near, far, mids = (
        f"{var}_{v}" for v in "a b n m q x y r s t ax by xs ys ids out quiet one two three near far mids".split())
    hops = f"[:{p.facts}*1..{int(max_hops)}]"
    ends = (f"MATCH ({a}:Entity {{id: {p(var, 'source', source)}}}), "
            f"({b}:Entity {{id: {p(var, 'target', target)}}}) ")
    order = (f"ORDER BY size({var}.rels), [{n} IN {var}.nodes | {n}.id] LIMIT {p(var, 'limit', limit)} "
             f"RETURN {var}")
    if max_hops == 1 or not shortest:  # one hop: Neo4j reads the facts of the end with fewer
        return (ends + f"MATCH {q} = ({a})-{hops}-({b}) "
                f"WHERE all({n} IN nodes({q}) WHERE single({m} IN nodes({q}) WHERE {m} = {n})) "
                f"WITH {{nodes: nodes({q}), rels: relationships({q})}} AS {var} " + order)
    fact = f"[:{p.facts}]"
    # `ax` and `by`: [neighbour, fact] for every fact of each end
    two_hops = (f"WITH {a}, {b}, {ax}, {by}, {one}, CASE WHEN {one} = [] THEN COLLECT {{ "
                f"UNWIND {ax} AS {s} UNWIND {by} AS {t} WITH {s}, {t} WHERE {s}[0] = {t}[0] "
                f"RETURN {{nodes: [{a}, {s}[0], {b}], rels: [{s}[1], {t}[1]]}} }} ELSE [] END AS {two} "
                f"WITH {a}, {b}, {ax}, {by}, {one} + {two} AS {near} ")
    three_hops = (  # no path is shorter, so the ends' neighbourhoods are disjoint: the facts between them
        f"CALL ({ax}, {by}, {near}) {{ WITH {ax}, {by} WHERE {near} = [] "
        f"  WITH {ax}, {by}, COLLECT {{ UNWIND {ax} AS {s} RETURN DISTINCT {s}[0] AS {x} }} AS {xs}, "
        f"  COLLECT {{ UNWIND {by} AS {t} RETURN DISTINCT {t}[0] AS {y} }} AS {ys} "
        + facts_among(f"{xs}, {ys}", xs, None, p, mids, other=ys)
        + f"WITH {ax}, {by}, {mids}, [{x} IN {xs} | elementId({x})] AS {ids} UNWIND {mids} AS {r} "
        f"  WITH {ax}, {by}, {r}, elementId(startNode({r})) IN {ids} AS {out} "
        f"  WITH {ax}, {by}, {r}, CASE WHEN {out} THEN startNode({r}) ELSE endNode({r}) END AS {x}, "
        f"  CASE WHEN {out} THEN endNode({r}) ELSE startNode({r}) END AS {y} "
        f"  UNWIND [{s} IN {ax} WHERE {s}[0] = {x}] AS {s} UNWIND [{t} IN {by} WHERE {t}[0] = {y}] AS {t} "
        f"  RETURN collect({{nodes: [{x}, {y}], rels: [{s}[1], {r}, {t}[1]]}}) AS {three} }} "
        f"WITH {near} + [{q} IN {three} | {{nodes: [{a}] + {q}.nodes + [{b}], rels: {q}.rels}}] AS {near} "
    )
    return (
        ends + f"WITH {a}, {b}, COUNT {{ ({a})-{fact}-() }} <= {HUB} "
        f"AND COUNT {{ ({b})-{fact}-() }} <= {HUB} AS {quiet} "
        f"CALL ({a}, {b}, {quiet}) {{ WITH {a}, {b} WHERE {quiet} "
        f"  WITH {a}, {b}, "
        f"  COLLECT {{ MATCH ({a})-[{r}:{p.facts}]-({x}:Entity) WHERE {x} <> {a} RETURN [{x}, {r}] }} AS {ax}, "
        f"  COLLECT {{ MATCH ({b})-[{r}:{p.facts}]-({y}:Entity) WHERE {y} <> {b} RETURN [{y}, {r}] }} AS {by} "
        f"  WITH {a}, {b}, {ax}, {by}, "
        f"  [{s} IN {ax} WHERE {s}[0] = {b} | {{nodes: [{a}, {b}], rels: [{s}[1]]}}] AS {one} "
        + two_hops + (three_hops if max_hops >= 3 else "")
        + f"UNWIND {near} AS {q} RETURN collect({q}) AS {near} }} "
        f"CALL ({a}, {b}, {quiet}, {near}) {{ WITH {a}, {b} WHERE NOT {quiet}"
        + (f" OR {near} = [] " if max_hops > 3 else " ")
        + f"MATCH {q} = allShortestPaths(({a})-{hops}-({b})) "
        f"RETURN collect({{nodes: nodes({q}), rels: relationships({q})}}) AS {far} }} "
        f"UNWIND {near} + {far} AS {var} WITH {var} " + order
    )


def facts_among(scope: str, nodes: str, types: list[str] | None, p: Params, var: str,
                other: str | None = None) -> str:
    """A CALL that gives `var` the fact edges (of `types`, or every type) among the entities `nodes`, a list
    expression of the variables in `scope`; or, given `other` (another such list, with none of them), those
    between an entity of `nodes` and one of `other`. Those of the quiet entities are read from them (quiet here:
    at most HUB relationships of any type, which Neo4j counts in one step); those between two others are looked
    up by their ends, which are indexed (graph/migrate.py), or read from them when they have fewer facts (an
    entity's only outgoing relationships) than there are lookups."""
    ns, n, ids, lids, quiet, loud, x, y, r, calm, out, lid, s, o, keys, sought, read = (
        f"{var}_{v}" for v in "ns n ids lids quiet loud x y r calm out lid s o keys sought read".split())
    typed = "" if types is None else f"AND type({r}) IN {p(var, 'types', types)} "
    facts = p.only(None if types is None else tuple(types))
    seek = " UNION ALL ".join(  # the hint: without it, the planner scanned an index for some of them
        f"MATCH ()-[{r}:{kind}]->() USING INDEX {r}:{kind}(ends) WHERE {r}.ends IN {keys} {typed}RETURN {r}"
        for kind in facts.split("|"))
    lookups = f"size({keys}) * {facts.count('|') + 1}"
    ex, ey = f"elementId({x})", f"elementId({y})"

    def apart(u: str, v: str) -> str:  # the entities of element ids `u` and `v` on either side, given `other`
        return "" if other is None else f"AND ({u} IN {lids}) <> ({v} IN {lids}) "

    return (
        f"CALL ({scope}) {{ "
        + (f"WITH {nodes} AS {ns}, [] AS {lids} " if other is None else
           f"WITH {nodes} + {other} AS {ns}, [{n} IN {nodes} | elementId({n})] AS {lids} ")
        + f"  WITH {ns}, {lids}, [{n} IN {ns} | elementId({n})] AS {ids}, "
        f"  [{x} IN {ns} WHERE COUNT {{ ({x})--() }} <= {HUB}] AS {quiet} "
        f"  WITH {ids}, {lids}, {quiet}, [{x} IN {ns} WHERE NOT {x} IN {quiet}] AS {loud} "
        f"  CALL ({quiet}, {ids}, {lids}) {{ UNWIND {quiet} AS {x} "
        f"    MATCH ({x})-[{r}:{facts}]-({y}) WHERE elementId({y}) IN {ids} {apart(ex, ey)}{typed}"
        f"    RETURN collect(DISTINCT {r}) AS {calm} }} "
        f"  CALL ({loud}) {{ UNWIND {loud} AS {x} RETURN sum(COUNT {{ ({x})-->() }}) AS {out} }} "
        f"  WITH {calm}, {lids}, {loud}, {out}, [{x} IN {loud} | {{id: {x}.id, e: elementId({x})}}] AS {lid} "
        f"  WITH {calm}, {lids}, {loud}, {out}, COLLECT {{ UNWIND {lid} AS {s} UNWIND {lid} AS {o} "
        f"    WITH {s}, {o} WHERE true {apart(f'{s}.e', f'{o}.e')}"
        f"    RETURN {fact_ends(f'{s}.id', f'{o}.id')} }} AS {keys} "
        f"  CALL ({keys}, {out}) {{ WITH {keys} WHERE {keys} <> [] AND {lookups} < {out} "
        f"    CALL ({keys}) {{ {seek} }} RETURN collect({r}) AS {sought} }} "
        f"  CALL ({loud}, {lids}, {keys}, {out}) {{ WITH {loud}, {lids} WHERE {lookups} >= {out} "
        f"    WITH {loud}, {lids}, [{x} IN {loud} | elementId({x})] AS {lid} UNWIND {loud} AS {x} "
        f"    MATCH ({x})-[{r}:{facts}]->({y}) WHERE elementId({y}) IN {lid} {apart(ex, ey)}{typed}"
        f"    RETURN collect({r}) AS {read} }} "
        f"  RETURN {calm} + {sought} + {read} AS {var} }} "
    )


def neighbourhood_body(entity_id: str, depth: int, types: list[str] | None, limit: int, p: Params,
                       var: str) -> str:
    """Entities within `depth` fact hops of one, at most `limit`, and the fact edges among them:
    `{entities, rels}`. Nearest first; within a ring, the neighbours of its quiet entities (at most HUB facts)
    come before those reached only through a hub, then by id. A breadth-first walk that stops once it has
    `limit` entities, and goes through hubs only when the quiet entities of a ring do not fill the page: the
    work is bounded by the page and the degree of the quiet entities, not by how far the graph reaches (a
    shortest path to every entity in reach is not) or how many facts a hub has (an archive's Iraq, or IRGC)."""
    if not 1 <= depth <= MAX_NEIGHBOURHOOD:
        raise ValueError(f"depth must be between 1 and {MAX_NEIGHBOURHOOD}")
    a, seen, ring, near, todo, quiet, loud, first, second, found, nxt, x, r, y, rels, ids, more, n = (
        f"{var}_{v}" for v in "a seen ring near todo quiet loud first second found next x r y rels ids more n".split())
    lim = p(var, "limit", limit)
    typed = "" if types is None else f"AND type({r}) IN {p(var, 'types', types)} "

    def unseen(members: str, exclude: str, out: str) -> str:
        """The neighbours of `members` whose element ids are not in `exclude`, by id, at most the page.
        ("Is it one of these nodes" asks of element ids: much cheaper per relationship than of the nodes.)"""
        return (f"UNWIND {members} AS {x} MATCH ({x})-[{r}:{p.facts}]-({y}:Entity) WHERE true {typed}"
                f"WITH DISTINCT {y}, {exclude} WHERE NOT elementId({y}) IN {exclude} "
                f"WITH {y} ORDER BY {y}.id LIMIT {lim} RETURN collect({y}) AS {out}")

    hop = (  # the next ring: unseen neighbours of the last one (none once the page is full), as many as it needs
        f"CALL ({seen}, {ring}, {near}) {{ "
        f"  WITH {near}, [{n} IN {seen} | elementId({n})] AS {ids}, "
        f"  CASE WHEN size({near}) < {lim} THEN {ring} ELSE [] END AS {todo} "
        f"  WITH {near}, {ids}, {todo}, [{x} IN {todo} WHERE COUNT {{ ({x})-[:{p.facts}]-() }} <= {HUB}] AS {quiet} "
        f"  CALL ({quiet}, {ids}) {{ {unseen(quiet, ids, first)} }} "
        f"  CALL ({todo}, {near}, {quiet}, {ids}, {first}) {{ "
        f"    WITH {todo}, {quiet}, {ids}, {first} WHERE size({near}) + size({first}) < {lim} "
        f"    WITH [{x} IN {todo} WHERE NOT {x} IN {quiet}] AS {loud}, "
        f"    {ids} + [{n} IN {first} | elementId({n})] AS {more} {unseen(loud, more, second)} }} "
        f"  RETURN {first} + {second} AS {found} }} "
        f"WITH {a}, {seen}, {near}, {found}[..{lim} - size({near})] AS {nxt} "
        f"WITH {a}, {seen} + {nxt} AS {seen}, {nxt} AS {ring}, {near} + {nxt} AS {near} "
    )
    return (
        f"MATCH ({a}:Entity {{id: {p(var, 'id', entity_id)}}}) "
        f"WITH {a}, [{a}] AS {seen}, [{a}] AS {ring}, [] AS {near} "
        + hop * depth + facts_among(f"{a}, {near}", f"[{a}] + {near}", types, p, rels)
        + f"RETURN {{entities: [{a}] + {near}, rels: {rels}}} AS {var}"
    )


def common_body(a: str, b: str, p: Params, var: str) -> str:
    """Entities with a fact to both `a` and `b`, each `{entity, left, right}` with those facts, the most
    linked first."""
    x, y, n, r1, r2, left, right = (f"{var}_{v}" for v in ("x", "y", "n", "r1", "r2", "left", "right"))
    return (
        f"MATCH ({x}:Entity {{id: {p(var, 'a', a)}}})-[{r1}:{p.facts}]-({n}:Entity)"
        f"-[{r2}:{p.facts}]-({y}:Entity {{id: {p(var, 'b', b)}}}) WHERE {n} <> {x} AND {n} <> {y} "
        f"WITH {n}, collect(DISTINCT {r1}) AS {left}, collect(DISTINCT {r2}) AS {right} "
        f"ORDER BY size({left}) + size({right}) DESC, {n}.id "
        f"RETURN {{entity: {n}, left: {left}, right: {right}}} AS {var}"
    )


def entities_body(flt: EntityFilter, order: str, families: list[str], p: Params,
                  var: str) -> tuple[str | None, str]:
    """How many entities match (an expression, or None when counting them costs what listing them does) and a
    statement of them in `order`, to be cut into a page (append SKIP and LIMIT); the entity is `var`. `flt`
    has its fuzzy names resolved. A family asked for at the top of the filter (one of the model's `families`)
    is matched as that label alone (every node with it is an Entity), so Neo4j scans that label only; with nothing
    else asked, Neo4j counts them from its count store, which keeps a count per label and none for two together."""
    e = var
    labelled = flt.family in families
    where = (replace(flt, family=None) if labelled else flt).compile(e, p, var)
    node = f"({e}:{flt.family})" if labelled else f"({e}:Entity)"
    degree = f"COUNT {{ ({e})-[:{p.facts}]-() }}" if order == "DEGREE" else "0"
    return (f"COUNT {{ {node} }}" if where == "true" else None,
            f"MATCH {node} WHERE {where} WITH {e}, {degree} AS {e}_degree "
            f"ORDER BY {ORDERS[order].format(e=e)} RETURN {e}")


DOCUMENTS = "COUNT { (:Document) }"  # from the count store


def documents_body(var: str) -> str:
    """Every document, by id (append SKIP and LIMIT for a page)."""
    return f"MATCH ({var}:Document) RETURN {var} ORDER BY {var}.id"


def search_body(text: str, family: str | None, p: Params, var: str) -> str | None:
    """A statement of the full-text hits for `text`, best first, each `{node, score}`; None when the text
    has no words to look for."""
    query = lucene_query(text)
    if not query:
        return None
    n, score = f"{var}_n", f"{var}_score"
    fam = p(var, "family", family)
    return (f"CALL db.index.fulltext.queryNodes({p(var, 'index', FULLTEXT_INDEX)}, {p(var, 'q', query)}, "
            f"{{limit: {p(var, 'scan', MAX_FUZZY)}}}) YIELD node AS {n}, score AS {score} "
            f"WHERE {fam} IS NULL OR {fam} IN labels({n}) "
            f"RETURN {{node: {n}, score: {score}}} AS {var} ORDER BY {score} DESC, {n}.id")


class Reads:
    def __init__(self, graph: Graph, model: Model):
        self.graph = graph
        self.model = model
        self.families = list(model.families)
        self.fact_pattern = "|".join(model.rel_type(t) for t in model.fact_types)
        self.members = "|".join(model.rel_type(t) for t in model.membership_types)
        self.dealing = "|".join(model.rel_type(t) for t in model.contact_types)
        # edges of each fact type, from Neo4j's count store rather than by reading every edge
        self.fact_counts = [f"COUNT {{ ()-[:{model.rel_type(t)}]->() }}" for t in model.fact_types]
        self.totals = {"documents": DOCUMENTS, "entities": "COUNT { (:Entity) }",
                       "relationships": " + ".join(self.fact_counts), "claims": "COUNT { (:Claim) }"}
        self.overview = Overview(self, MAX_PAGE)

    def read(self, cypher: str, **params: Any) -> list[dict[str, Any]]:
        return self.graph.read(cypher, families=self.families, **params)

    async def aread(self, cypher: str, **params: Any) -> list[dict[str, Any]]:
        return await self.graph.aread(cypher, families=self.families, **params)

    def _per_id(self, label: str, var: str, ids: list[str], body: str, page: tuple[int, int],
                project: str = "item", **params: Any) -> dict[str, dict]:
        """One round trip for many nodes: `body` runs per node (bound to `var`) and returns ordered `item`
        rows; each node gets its total and the page `(skip, limit)` of its items, each shaped by `project`
        (an expression of `item`) once the page is cut, so no projection is made for items it leaves out."""
        return self._per_key(f"MATCH ({var}:{self.model.label(label)} {{id: key}})", var, ids, body, page,
                             project, **params)

    def _per_pair(self, pairs: list[tuple[str, str]], body: str, page: tuple[int, int],
                  project: str = "item") -> dict[tuple[str, str], dict]:
        """`_per_id` for pairs of entity ids: `body` runs per pair, bound to `a` and `b`."""
        return self._per_key("MATCH (a:Entity {id: key[0]}), (b:Entity {id: key[1]})", "a, b",
                             [list(p) for p in pairs], body, page, project)

    def _per_key(self, match: str, scope: str, keys: list, body: str, page: tuple[int, int], project: str,
                 **params: Any) -> dict:
        rows = self.read(
            f"UNWIND $keys AS key {match} CALL ({scope}) {{ {body} }} WITH key, collect(item) AS items "
            f"RETURN key, size(items) AS total, [item IN items[$skip..$skip + $limit] | {project}] AS items",
            keys=keys, skip=page[0], limit=page[1], **params,
        )
        return {_hashable(r["key"]): {"total": r["total"], "items": r["items"]} for r in rows}

    def resolve(self, flt: EntityFilter) -> EntityFilter:
        """Look up the fuzzy names of a filter in the full-text index (one round trip, only if it has any)."""
        names = sorted(flt.fuzzy_names())
        if not names:
            return flt
        rows = self.read(
            "UNWIND $names AS name CALL (name) { "
            "  CALL db.index.fulltext.queryNodes($index, name.q, {limit: $scan}) YIELD node RETURN node } "
            "RETURN name.text AS text, collect(node.id) AS ids",
            index=FULLTEXT_INDEX, scan=MAX_FUZZY,
            names=[{"text": n, "q": lucene_query(n, every_word=True) or "\"\""} for n in names],
        )
        found = {n: () for n in names} | {r["text"]: tuple(r["ids"]) for r in rows}
        return flt.with_fuzzy(found)

    # -- entities -------------------------------------------------------------------------------
    def entities_by_id(self, ids: list[str]) -> dict[str, dict]:
        rows = self.read(f"MATCH (e:Entity) WHERE e.id IN $ids RETURN {entity('e')} AS e", ids=ids)
        return {r["e"]["id"]: r["e"] for r in rows}

    def entities_page(self, flt: EntityFilter, skip: int, limit: int, order: str = "ID") -> tuple[int, list[dict]]:
        params = Params(self.fact_pattern)
        total, page = entities_body(self.resolve(flt), order, self.families, params, "e")
        rows = self.read(
            f"RETURN {total} AS total, [e IN COLLECT {{ {page} SKIP $skip LIMIT $limit }} | {entity('e')}] AS page"
            if total else  # counted as they are listed: one pass
            f"WITH COLLECT {{ {page} }} AS found "
            f"RETURN size(found) AS total, [e IN found[$skip..$skip + $limit] | {entity('e')}] AS page",
            skip=skip, limit=limit, **params.values,
        )
        return rows[0]["total"], rows[0]["page"]

    def search(self, text: str, family: str | None, skip: int, limit: int) -> tuple[int, list[tuple[dict, float]]]:
        params = Params(self.fact_pattern)
        body = search_body(text, family, params, "h")
        if body is None:
            return 0, []
        rows = self.read(
            f"WITH COLLECT {{ {body} }} AS hits "
            "RETURN size(hits) AS total, [h IN hits[$skip..$skip + $limit] | [n IN [h.node] | "
            f"{{e: {entity('n')}, score: h.score}}][0]] AS page",
            skip=skip, limit=limit, **params.values,
        )
        return rows[0]["total"], [(h["e"], h["score"]) for h in rows[0]["page"]]

    def relationships(self, ids: list[str], facts: FactFilter, page: tuple[int, int]) -> dict[str, dict]:
        params = Params(self.fact_pattern)
        return self._per_id("Entity", "e", ids, facts_of("e", facts, params, "item"), page, rel("item"),
                            **params.values)

    def documents_of_entities(self, ids: list[str], page: tuple[int, int]) -> dict[str, dict]:
        """Documents that name the entity or state a claim about it."""
        return self._per_id("Entity", "e", ids, documents_of("e", "item"), page, f"item {{{DOC_FIELDS}}}")

    # -- documents and claims -------------------------------------------------------------------
    def documents_by_id(self, ids: list[str]) -> dict[str, dict]:
        rows = self.read(f"MATCH (d:Document) WHERE d.id IN $ids RETURN d {{{DOC_FIELDS}}} AS d", ids=ids)
        return {r["d"]["id"]: r["d"] for r in rows}

    def documents_page(self, skip: int, limit: int) -> tuple[int, list[dict]]:
        rows = self.read(
            f"RETURN {DOCUMENTS} AS total, "
            f"[d IN COLLECT {{ {documents_body('d')} SKIP $skip LIMIT $limit }} | d {{{DOC_FIELDS}}}] AS page",
            skip=skip, limit=limit,
        )
        return rows[0]["total"], rows[0]["page"]

    def mentions_of_documents(self, ids: list[str], page: tuple[int, int]) -> dict[str, dict]:
        return self._per_id("Document", "d", ids, mentions_of("d", "item"), page,
                            f"[e IN [item.entity] | {{entity: {entity('e')}, count: item.count}}][0]")

    def claims_of_documents(self, ids: list[str], page: tuple[int, int]) -> dict[str, dict]:
        return self._per_id("Document", "d", ids, claims_of("d", "item"), page, claim("item"))

    def claims_by_id(self, ids: list[str]) -> dict[str, dict]:
        rows = self.read(f"MATCH (c:Claim) WHERE c.id IN $ids RETURN {claim('c')} AS claim", ids=ids)
        return {r["claim"]["id"]: r["claim"] for r in rows}

    # -- questions ------------------------------------------------------------------------------
    def contacts(self, of: str, linked: EntityFilter, skip: int, limit: int) -> tuple[int, list[dict]]:
        """Who dealt directly with `of` or its members, and is linked to something matching `linked`: how many
        (contact, linked entity) pairs, and a page of them (their dealings and links are `dealings` and `links`)."""
        params = Params(self.fact_pattern)
        rows = self.read(
            f"WITH COLLECT {{ {self.contacts_body(of, self.resolve(linked), params, 'row')} }} AS rows "
            "RETURN size(rows) AS total, [row IN rows[$skip..$skip + $limit] | "
            f"{{contact: [c IN [row.contact] | {entity('c')}][0], linked: [x IN [row.linked] | {entity('x')}][0]}}] "
            "AS page",
            skip=skip, limit=limit, **params.values,
        )
        return rows[0]["total"], rows[0]["page"]

    def contacts_body(self, of: str, linked: EntityFilter, p: Params, var: str) -> str:
        """A statement of the contacts of `of` linked to an entity matching `linked` (fuzzy names resolved),
        by contact and linked entity, each `{contact, linked, of}` (`of` the organization's node): a contact has
        a dealing (`dealings_of`) and a link (`links_of`) to the linked entity, listed when asked for.

        A contact's links are found from whichever side has fewer relationships. When `linked` can be looked up
        in an index (`seekable`) and matches at most CANDIDATES entities, the contacts with more relationships than
        all of them together (hubs) are found among their neighbours, read once for all the hubs; any other
        contact's facts are read. Every relationship is counted, mentions too: Neo4j counts all of a node's
        relationships at once, and by type one type at a time, which made the question a third slower on the
        1,000-document corpus."""
        org, side, s, c, cs, x, y, xs, cost, hubs, pairs, pair = (
            f"{var}_{n}" for n in ("org", "side", "s", "c", "cs", "x", "y", "xs", "cost", "hubs", "pairs", "pair"))
        where = linked.compile(x, p, var)
        candidates, near = "[]", "true"
        if linked.seekable():
            cap = p(var, "candidates", CANDIDATES)
            candidates = (f"COLLECT {{ MATCH ({y}:Entity) WHERE {linked.compile(y, p, var)} AND {y} <> {org} "
                          f"RETURN {y} LIMIT {p(var, 'over', CANDIDATES + 1)} }}")
            near = f"size({xs}) > {cap} OR COUNT {{ ({c})--() }} <= {cost}"
        return (
            f"MATCH ({org}:Entity {{id: {p(var, 'of', of)}}}) WITH {org}, {self.side(org, var)} AS {side} "
            f"WITH {org}, {side}, {candidates} AS {xs} "
            f"WITH {org}, {side}, {xs}, reduce(n = 0, {y} IN {xs} | n + COUNT {{ ({y})--() }}) AS {cost} "
            f"UNWIND {side} AS {s} MATCH ({s})-[:{self.dealing}]-({c}:Entity) WHERE NOT {c} IN {side} "
            f"WITH {org}, {xs}, {cost}, collect(DISTINCT {c}) AS {cs} "
            f"WITH {org}, {xs}, {cs}, [{c} IN {cs} WHERE NOT ({near})] AS {hubs} "
            # the hubs' links, from the other side: each candidate's facts read once for all the hubs
            f"WITH {org}, {cs}, {hubs}, COLLECT {{ UNWIND CASE WHEN {hubs} = [] THEN [] ELSE {xs} END AS {y} "
            f"  MATCH ({y})-[:{p.facts}]-({c}) WHERE {c} IN {hubs} RETURN DISTINCT {{c: {c}, y: {y}}} AS {pair} }} "
            f"  AS {pairs} "
            f"UNWIND {cs} AS {c} WITH {org}, {c}, {hubs}, {pairs} ORDER BY {c}.id "
            # each contact's linked entities, a contact at a time: a page cut from this stops expanding contacts
            f"CALL ({org}, {c}, {hubs}, {pairs}) {{ CALL ({org}, {c}, {hubs}, {pairs}) {{ "
            f"  WITH {org}, {c} WHERE NOT {c} IN {hubs} "
            # the contact's facts read in a subquery of their own, which Neo4j cannot start from the linked entities
            f"  CALL ({c}) {{ MATCH ({c})-[:{p.facts}]-({x}:Entity) RETURN DISTINCT {x} }} "
            f"  WITH {org}, {x} WHERE {x} <> {org} AND {where} RETURN {x} "
            f"  UNION "
            f"  WITH {c}, {hubs}, {pairs} WHERE {c} IN {hubs} "
            f"  UNWIND [{pair} IN {pairs} WHERE {pair}.c = {c} | {pair}.y] AS {x} RETURN {x} }} "
            f"  WITH {x} ORDER BY {x}.id RETURN {x} }} "
            f"RETURN {{contact: {c}, linked: {x}, of: {org}}} AS {var}"
        )

    def side(self, org: str, var: str) -> str:
        """A list of organization `org` and its members, each once (a member may belong in several ways)."""
        m = f"{var}_m"
        return f"[{org}] + COLLECT {{ MATCH ({m}:Entity)-[:{self.members}]->({org}) RETURN DISTINCT {m} }}"

    def dealings_of(self, c: str, org: str, var: str) -> str:
        """The dealings of contact `c` with organization `org` or its members, by type, source and target."""
        d, s = f"{var}_d", f"{var}_s"
        return (f"UNWIND {self.side(org, var)} AS {s} MATCH ({c})-[{d}:{self.dealing}]-({s}) "
                f"RETURN {d} AS {var} ORDER BY {by_fact(d)}")

    def dealings(self, pairs: list[tuple[str, str]], page: tuple[int, int]) -> dict[tuple[str, str], dict]:
        """A page of the dealings of each (contact, organization)."""
        return self._per_pair(pairs, self.dealings_of("a", "b", "item"), page, rel("item"))

    def links(self, pairs: list[tuple[str, str]], page: tuple[int, int]) -> dict[tuple[str, str], dict]:
        """A page of the fact edges between each (contact, linked entity)."""
        return self._per_pair(pairs, links_of("a", "b", Params(self.fact_pattern), "item"), page, rel("item"))

    def paths(self, source: str, target: str, max_hops: int, shortest: bool, limit: int) -> list[dict]:
        """The shortest paths of typed facts between two entities, or every simple path up to `max_hops`
        (shortest first), at most `limit` of them."""
        params = Params(self.fact_pattern)
        body = paths_body(source, target, max_hops, shortest, limit, params, "p")
        if body is None:
            return []
        return self.read(
            f"CALL () {{ {body} }} "
            f"RETURN [n IN p.nodes | {entity('n')}] AS entities, [r IN p.rels | {rel('r', False)}] AS rels",
            **params.values,
        )

    # -- review ---------------------------------------------------------------------------------
    def unreviewed(self, limit: int) -> list[dict]:
        """Entities extraction made that nobody reviewed, most mentioned first, with where they occur."""
        return self.read(
            "MATCH (e:Entity {reviewed: false}) "
            "OPTIONAL MATCH (d:Document)-[m:MENTIONS]->(e) "
            f"WITH e, sum(m.count) AS mentions, collect(d.id) AS docs "
            f"RETURN {entity('e')} AS e, e.candidates AS candidates, mentions, docs "
            "ORDER BY mentions DESC, e.id LIMIT $limit",
            limit=limit,
        )

    def weak_claims(self, threshold: float, limit: int) -> list[dict]:
        """Extracted (not curated) claims below a confidence, weakest first."""
        return self.read(
            "MATCH (c:Claim) WHERE c.method <> 'curated' AND c.confidence < $threshold "
            f"WITH c ORDER BY c.confidence, c.id LIMIT $limit RETURN {claim('c')} AS claim",
            threshold=threshold, limit=limit,
        )

    def neighbourhood(self, entity_id: str, depth: int, types: list[str] | None, limit: int) -> dict:
        """Entities within `depth` fact hops, at most `limit`, in the order of `neighbourhood_body`, and the fact
        edges among them."""
        params = Params(self.fact_pattern)
        rows = self.read(
            f"CALL () {{ {neighbourhood_body(entity_id, depth, types, limit, params, 'hood')} }} "
            f"RETURN [n IN hood.entities | {entity('n')}] AS entities, "
            f"[r IN hood.rels | {rel('r', False)}] AS rels",
            **params.values,
        )
        return rows[0] if rows else {"entities": [], "rels": []}

    def common_neighbours(self, a: str, b: str) -> list[dict]:
        """Entities with a fact to both, and those facts."""
        params = Params(self.fact_pattern)
        return self.read(
            f"CALL () {{ {common_body(a, b, params, 'row')} }} WITH row, row.entity AS n "
            f"RETURN {entity('n')} AS entity, [r IN row.left | {rel('r')}] AS left, "
            f"[r IN row.right | {rel('r')}] AS right",
            **params.values,
        )

    def timeline(self, entity_ids: list[str], date_from: str | None, date_to: str | None,
                 page: tuple[int, int]) -> dict[str, dict]:
        params = Params(self.fact_pattern)
        return self._per_id("Entity", "e", entity_ids, timeline_of("e", date_from, date_to, params, "item"),
                            page, claim("item"), **params.values)

    def aggregates(self, limit: int) -> dict[str, Any]:
        """Counts a dashboard draws (graph/overview.py), each top-N list cut to `limit`, and whether they are
        of the graph as it is now (`current`)."""
        answer, current = self.overview.get()
        return {**{k: v[:limit] if k in TOP_LISTS else v for k, v in answer.items()}, "current": current}

    def stats(self) -> dict[str, int]:
        return self.read("RETURN " + ", ".join(f"{v} AS {k}" for k, v in self.totals.items()))[0]


DOC_FIELDS = ".id, .title, .publisher, .authors, .published, .kind, .url"


def _hashable(key: Any) -> Any:
    """A key as the API's loaders look it up: a list (a pair of ids) as a tuple."""
    return tuple(key) if isinstance(key, list) else key


def claim(var: str) -> str:
    """Projection of a claim, with its document and its entities (projected, so they need no second round
    trip); `claimed_by` is null when the document reports it in its own voice."""
    def end(rel_type: str, label: str, shape: Callable[[str], str]) -> str:
        node = f"{var}_{rel_type.lower()}"
        return f"[({var})-[:{rel_type}]->({node}:{label}) | {shape(node)}][0]"

    def document(node: str) -> str:
        return f"{node} {{{DOC_FIELDS}}}"

    return (
        f"{var} {{.*, document: {end('STATED_IN', 'Document', document)}, "
        f"subject: {end('SUBJECT', 'Entity', entity)}, object: {end('OBJECT', 'Entity', entity)}, "
        f"claimed_by: {end('CLAIMED_BY', 'Entity', entity)}}}"
    )
