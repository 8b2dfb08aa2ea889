"""Read queries answered by one Cypher statement (graph/compile.py) instead of the resolvers.

A query text is parsed and validated once, with the same limits as every query, and kept if every field it
selects can be compiled and it has at most MAX_LISTS lists. Neo4j plans a new statement once (then caches it),
and a nested one can take a second to plan: so the first time a text is asked the resolvers answer, while its
statement runs once in the background (one at a time), and from then on it is compiled. Each request coerces
its variables, checks and converts the arguments with the same helpers the resolvers use, and runs one
statement whose result is the answer's `data`. Anything else — mutations, aggregates, introspection,
@skip/@include, invalid queries or arguments — goes to the resolvers, which answer it or report what is wrong
exactly as they always do.
"""

from __future__ import annotations

import json
import logging
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import strawberry
from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    InlineFragmentNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    get_named_type,
    get_nullable_type,
    is_list_type,
    parse,
    specified_rules,
)
from graphql.execution.values import get_argument_values, get_variable_values
from strawberry.schema.schema import validate_document
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.arguments import convert_arguments

from api import limits
from api.schema import date_bound, encode_cursor, entity_filter, fact_filter, search_text, type_names, window
from graph.compile import Compiler, Select, ordered
from graph.db import GraphUnavailable
from graph.queries import MAX_PAGE, Reads
from graph.settings import Settings

log = logging.getLogger("cablegraph.api")
PLANS = 256  # query texts kept, most recently used
PREPARED = 16  # statements kept per query text, by its variables, most recently used
MAX_LISTS = 16  # lists (connections and lists of objects) in a compiled selection: planning grows fast with them


def _page(a: dict) -> dict:
    return {"page": window(a["first"], a.get("after"))}


# each compiled field with arguments: its arguments (Python names, converted) to the compiler's
ARGUMENTS: dict[tuple[str, str], Callable[[dict], dict]] = {
    ("Query", "entity"): lambda a: {"id": str(a["id"])},
    ("Query", "document"): lambda a: {"id": str(a["id"])},
    ("Query", "entities"): lambda a: {"filter": entity_filter(a.get("filter")), "order": a["order_by"].value,
                                      **_page(a)},
    ("Query", "documents"): _page,
    ("Query", "search"): lambda a: {"text": search_text(a["query"]),
                                    "family": a["family"].value if a.get("family") else None, **_page(a)},
    ("Query", "contacts"): lambda a: {"of": str(a["of"]), "linked": a["linked_to"].to_query(), **_page(a)},
    ("Query", "paths"): lambda a: {"source": str(a["from_"]), "target": str(a["to"]), "max_hops": a["max_hops"],
                                   "shortest": not a["all"], "limit": window(a["first"], None)[1]},
    ("Query", "neighbourhood"): lambda a: {
        "id": str(a["id"]), "depth": a["depth"], "limit": window(a["first"], None)[1],
        "types": type_names(a.get("types"))},
    ("Query", "commonNeighbours"): lambda a: {"a": str(a["a"]), "b": str(a["b"]), **_page(a)},
    ("Entity", "relationships"): lambda a: {
        "facts": fact_filter(a.get("types"), a["direction"], a.get("min_confidence"), a.get("from_"), a.get("to")),
        **_page(a)},
    ("Entity", "documents"): _page,
    ("Entity", "timeline"): lambda a: {
        "date_from": date_bound(a.get("from_"), "from"), "date_to": date_bound(a.get("to"), "to"), **_page(a)},
    ("Document", "mentions"): _page,
    ("Document", "claims"): _page,
    ("Relationship", "evidence"): _page,
    ("ContactLink", "contactEvidence"): _page,
    ("ContactLink", "link"): _page,
}
ROOTS = {"__typename", "stats"} | {field for parent, field in ARGUMENTS if parent == "Query"}


@dataclass
class Plan:
    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDefinitionNode]
    ready: bool = False  # its statement has run once (Neo4j has planned it)
    refused: bool = False  # it failed to: the resolvers answer it
    # the prepared selections and statements of the last variables it was asked with, by their JSON
    prepared: OrderedDict[str, tuple[tuple[Select, ...], Any]] = field(default_factory=OrderedDict)
    lock: threading.Lock = field(default_factory=threading.Lock)  # the warmer's thread prepares too


class Compiled:
    """The plans of the query texts seen, and their answers."""

    def __init__(self, schema: strawberry.Schema, reads: Reads, settings: Settings):
        self.schema = schema
        self.compiler = Compiler(reads, encode_cursor)
        self.rules = (*specified_rules, *limits.validation_rules(settings, MAX_PAGE))
        self.parse_options = limits.parse_options(settings)
        self.plans: OrderedDict[tuple[str, str | None], Plan | None] = OrderedDict()
        self.warmer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cablegraph-compiled")
        self.warming: Future | None = None

    def plan(self, query: str, operation_name: str | None) -> Plan | None:
        """The plan of a query text, or None when the resolvers must answer it."""
        key = (query, operation_name)
        if key in self.plans:
            self.plans.move_to_end(key)
            return self.plans[key]
        plan = self._plan(query, operation_name)
        self.plans[key] = plan
        if len(self.plans) > PLANS:
            self.plans.popitem(last=False)
        return plan

    def _plan(self, query: str, operation_name: str | None) -> Plan | None:
        try:
            document = parse(query, **self.parse_options)
        except GraphQLError:
            return None
        if validate_document(self.schema._schema, document, self.rules):
            return None
        operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)
                      and (operation_name is None or (d.name and d.name.value == operation_name))]
        if len(operations) != 1 or operations[0].operation is not OperationType.QUERY:
            return None
        plan = Plan(operations[0], {d.name.value: d for d in document.definitions
                                    if isinstance(d, FragmentDefinitionNode)})
        root = self.schema._schema.query_type
        if not _compilable(document) or any(
                f.name.value not in ROOTS for f in _fields(plan.operation.selection_set, plan.fragments)):
            return None
        return plan if _lists(root, plan.operation.selection_set, plan.fragments) <= MAX_LISTS else None

    def warm(self, plan: Plan, variables: dict[str, Any] | None) -> None:
        """Run a plan's statement once in the background, unless one is already running (it will be asked
        again): then it is ready, or, if it fails, left to the resolvers."""
        if plan.ready or plan.refused or (self.warming is not None and not self.warming.done()):
            return

        def run() -> None:
            try:
                plan.ready = self.answer(plan, variables) is not None
            except GraphUnavailable as exc:  # too slow to plan and run: left to the resolvers; or Neo4j is down
                plan.refused = exc.timed_out
            except Exception:  # a defect of the compiler: the resolvers answer it
                plan.refused = True
                log.exception("a query is left to the resolvers: its compiled statement failed")

        self.warming = self.warmer.submit(run)

    def answer(self, plan: Plan, variables: dict[str, Any] | None) -> dict[str, Any] | None:
        """The `data` of the answer (one round trip), or None when the resolvers must report what is wrong
        with the variables or arguments. Raises GraphUnavailable when Neo4j cannot answer."""
        prepared = self.prepare(plan, variables)
        return None if prepared is None else ordered(prepared[0], self.compiler.run(prepared[1]))

    async def aanswer(self, plan: Plan, variables: dict[str, Any] | None) -> dict[str, Any] | None:
        """`answer`, on the event loop (Graph.aread)."""
        prepared = self.prepare(plan, variables)
        return None if prepared is None else ordered(prepared[0], await self.compiler.arun(prepared[1]))

    def prepare(self, plan: Plan, variables: dict[str, Any] | None) -> tuple[tuple[Select, ...], Any] | None:
        """The selection with its arguments checked and converted, and its statement (kept for the plan's
        last PREPARED sets of variables: they depend on nothing else); None when the variables or arguments
        are wrong."""
        key = json.dumps(variables, sort_keys=True, default=repr) if variables else ""
        with plan.lock:
            prepared = plan.prepared.get(key)
            if prepared is not None:
                plan.prepared.move_to_end(key)
                return prepared
        coerced = get_variable_values(self.schema._schema, plan.operation.variable_definitions or (),
                                      variables or {})
        if isinstance(coerced, list):
            return None
        try:
            fields = self.selects(self.schema._schema.query_type, plan.operation.selection_set, plan, coerced)
            prepared = fields, self.compiler.statement(fields)
        except ValueError:
            return None
        with plan.lock:
            plan.prepared[key] = prepared
            if len(plan.prepared) > PREPARED:
                plan.prepared.popitem(last=False)
        return prepared

    def selects(self, parent: GraphQLObjectType, selection_set: SelectionSetNode, plan: Plan,
                variables: Any) -> tuple[Select, ...]:
        """The selection as the compiler takes it: fields of the same response key merged, fragments
        spread, arguments checked and converted."""
        keyed: dict[str, list[FieldNode]] = {}
        for node in _fields(selection_set, plan.fragments):
            keyed.setdefault(node.alias.value if node.alias else node.name.value, []).append(node)
        out = []
        for key, nodes in keyed.items():
            name = nodes[0].name.value
            if name == "__typename":
                out.append(Select(key, name, {"name": parent.name}))
                continue
            definition = parent.fields[name]
            args = {}
            if (parent.name, name) in ARGUMENTS:
                raw = get_argument_values(definition, nodes[0], variables)
                strawberry_field = definition.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
                converted = convert_arguments(raw, strawberry_field.arguments,
                                              scalar_registry=self.schema.schema_converter.scalar_registry,
                                              config=self.schema.config)
                args = ARGUMENTS[(parent.name, name)](converted)
            children: tuple[Select, ...] = ()
            if nodes[0].selection_set:
                merged = SelectionSetNode(selections=tuple(s for n in nodes for s in n.selection_set.selections))
                children = self.selects(get_named_type(definition.type), merged, plan, variables)
            out.append(Select(key, name, args, children))
        return tuple(out)


def _fields(selection_set: SelectionSetNode, fragments: dict[str, FragmentDefinitionNode]) -> Iterator[FieldNode]:
    """The fields of a selection, through its fragments (every type here is an object type, so a fragment
    that validates applies)."""
    for s in selection_set.selections:
        if isinstance(s, FieldNode):
            yield s
        elif isinstance(s, InlineFragmentNode):
            yield from _fields(s.selection_set, fragments)
        elif isinstance(s, FragmentSpreadNode):
            yield from _fields(fragments[s.name.value].selection_set, fragments)


def _lists(parent: GraphQLObjectType, selection_set: SelectionSetNode,
           fragments: dict[str, FragmentDefinitionNode]) -> int:
    """How many lists a selection has (each nested once per parent field, not per object)."""
    count = 0
    for node in _fields(selection_set, fragments):
        definition = parent.fields.get(node.name.value)
        if definition is None or node.selection_set is None:
            continue
        child = get_named_type(definition.type)
        count += int(is_list_type(get_nullable_type(definition.type)) or child.name.endswith("Connection"))
        count += _lists(child, node.selection_set, fragments)
    return count


def _compilable(document: DocumentNode) -> bool:
    """No directives (whether a field is there would depend on variables) and no introspection."""
    stack: list[Any] = list(document.definitions)
    while stack:
        node = stack.pop()
        if getattr(node, "directives", None):
            return False
        if isinstance(node, FieldNode) and node.name.value in ("__schema", "__type"):
            return False
        selection_set = getattr(node, "selection_set", None)
        if selection_set is not None:
            stack.extend(selection_set.selections)
    return True
