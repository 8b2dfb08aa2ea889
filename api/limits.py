"""Limits that refuse an abusive query before it reaches Neo4j: size, depth, aliases, an estimated
cost, and (optionally) introspection. Each answers with a GraphQL error that says what to change."""

from __future__ import annotations

from graphql import (
    FieldNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLObjectType,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    SelectionSetNode,
    ValidationRule,
    get_named_type,
    get_nullable_type,
    is_list_type,
)
from strawberry.extensions import (
    AddValidationRules,
    DisableIntrospection,
    MaxAliasesLimiter,
    ParserCache,
    QueryDepthLimiter,
    SchemaExtension,
    ValidationCache,
)

from graph.settings import Settings

DEFAULT_PAGE = 20  # the page size of a connection asked without `first`; other lists are assumed this long
CHARACTERS_PER_TOKEN = 20  # a document may be this many times longer than its token limit (comments, strings)


class SizeLimit(SchemaExtension):
    """Stop parsing a huge document early: parsing and validating run on the event loop, so a few
    megabytes of fields would hold up every other request."""

    def __init__(self, settings: Settings):
        self.options = parse_options(settings)

    def on_operation(self):
        self.execution_context.parse_options.update(self.options)  # type: ignore[typeddict-item]
        yield


def estimate_cost(selection_set: SelectionSetNode, parent: GraphQLObjectType, fragments: dict, page_max: int,
                  multiplier: int = 1, page: int | None = None) -> int:
    """Objects a selection may touch: each field counts once per parent object; lists multiply."""
    total = 0
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            field = parent.fields.get(selection.name.value)
            if field is None:  # __typename and friends
                continue
            first = _first(selection, page_max)
            nullable = get_nullable_type(field.type)
            named = get_named_type(field.type)
            own_page = None
            if named.name.endswith("Connection"):
                count, own_page = 1, first or DEFAULT_PAGE
            elif is_list_type(nullable):
                count = page if selection.name.value in ("edges", "nodes") and page else first or DEFAULT_PAGE
            else:
                count = 1
            total += multiplier * count
            if selection.selection_set and isinstance(named, GraphQLObjectType):
                total += estimate_cost(selection.selection_set, named, fragments, page_max, multiplier * count,
                                       own_page)
        elif isinstance(selection, InlineFragmentNode):
            total += estimate_cost(selection.selection_set, parent, fragments, page_max, multiplier, page)
        elif isinstance(selection, FragmentSpreadNode) and selection.name.value in fragments:
            total += estimate_cost(fragments[selection.name.value].selection_set, parent, fragments, page_max,
                                   multiplier, page)
    return total


def _first(field: FieldNode, page_max: int) -> int | None:
    for arg in field.arguments or ():
        if arg.name.value == "first":
            return int(arg.value.value) if isinstance(arg.value, IntValueNode) else page_max  # a variable: worst case
    return None


def cost_rule(max_cost: int, page_max: int) -> type[ValidationRule]:
    class CostLimit(ValidationRule):
        def enter_operation_definition(self, node: OperationDefinitionNode, *_args) -> None:
            root = self.context.schema.get_root_type(node.operation)
            fragments = {f.name.value: f for f in self.context.document.definitions if hasattr(f, "type_condition")}
            cost = estimate_cost(node.selection_set, root, fragments, page_max) if root else 0
            if cost > max_cost:
                self.report_error(GraphQLError(
                    f"query too expensive: estimated cost {cost} is over the limit of {max_cost}. "
                    "Ask for smaller pages (first) or fewer nested lists.", node,
                ))

    return CostLimit


def validation_rules(settings: Settings, page_max: int) -> list[type[ValidationRule]]:
    """The rules that refuse a query too deep, too aliased or too expensive."""
    return [
        *QueryDepthLimiter(max_depth=settings.cablegraph_max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=settings.cablegraph_max_aliases).validation_rules,
        cost_rule(settings.cablegraph_max_cost, page_max),
    ]


def parse_options(settings: Settings) -> dict[str, int]:
    """How much of a query text the parser reads before it gives up: the same for the resolvers and the
    compiled path."""
    return {"max_lexical_tokens": settings.cablegraph_max_tokens, "max_comments": settings.cablegraph_max_tokens,
            "max_source_length": settings.cablegraph_max_tokens * CHARACTERS_PER_TOKEN}


def extensions(settings: Settings, page_max: int) -> list:
    """Limit extensions for each request, as Strawberry wants them. Their validation rules are made once,
    so a query text seen before is neither parsed nor validated again (most of the CPU of a small query)."""
    rules = validation_rules(settings, page_max)
    out = [
        lambda: SizeLimit(settings), lambda: ParserCache(maxsize=256),
        lambda: AddValidationRules(rules), lambda: ValidationCache(maxsize=256),
    ]
    if not settings.cablegraph_introspection:
        out.append(DisableIntrospection)
    return out
