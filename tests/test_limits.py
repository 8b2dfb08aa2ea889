"""Abusive queries are refused before anything reaches Neo4j (the graph here fails if touched)."""

import asyncio

import pytest

from api.batch import Batches
from api.schema import build_schema
from graph.queries import Reads
from graph.settings import Settings
from schema.model import load_model


class Untouchable:
    reads = 0

    def read(self, *args, **kwargs):
        raise AssertionError("the query reached Neo4j")


def errors(query: str, **settings) -> list[str]:
    schema = build_schema(Settings(neo4j_uri="bolt://unused", **settings))
    context = {"batches": Batches(Reads(Untouchable(), load_model()))}
    result = asyncio.run(schema.execute(query, context_value=context))
    return [e.message for e in result.errors or []]


@pytest.mark.parametrize("query, message", [
    ("{" + " stats { claims }" * 100 + "}", "Document contains more than 300 tokens. Parsing aborted."),
    ("{ stats { claims } }" + "\n#" * 400, "Document contains more than 300 comments. Parsing aborted."),
    ('{ search(query: "' + "x" * 6000 + '") { score } }',
     "Source contains more than 6000 code points. Parsing aborted."),
])
def test_too_big(query, message):
    [error] = errors(query, cablegraph_max_tokens=300)
    assert error == f"Syntax Error: {message}"


def test_too_deep():
    query = ('{ entity(id: "x") { relationships { nodes { source { relationships { nodes { source { id } } } } } } } }')
    [message] = errors(query, cablegraph_max_depth=5)
    assert "exceeds maximum operation depth of 5" in message


def test_too_many_aliases():
    query = "{ " + " ".join(f"a{i}: stats {{ claims }}" for i in range(5)) + " }"
    [message] = errors(query, cablegraph_max_aliases=3)
    assert "aliases found" in message or "alias" in message


@pytest.mark.parametrize("first", [200, 150])
def test_too_expensive(first):
    query = (f"{{ entities(first: {first}) {{ edges {{ node {{ relationships {{ nodes {{ evidence {{ nodes {{ "
             "document { mentions { nodes { entity { id } } } } } } } } } } } }")
    [message] = errors(query)
    assert message.startswith("query too expensive: estimated cost") and "over the limit of 250000" in message


def test_introspection_can_be_disabled():
    assert errors("{ __schema { types { name } } }", cablegraph_introspection=False)
    assert errors("{ __schema { queryType { name } } }", cablegraph_introspection=True) == []


def test_reasonable_queries_pass_the_limits():
    # validation passes; execution then needs the database, which is the only error here
    [message] = errors(
        "{ entities(first: 20) { edges { node { id relationships { nodes { evidence { nodes { quote } } } } } } } }"
    )
    assert message == "Internal error; see the server log."


def test_limits_hold_for_a_query_seen_before():
    # parsing and validation are cached by query text; each schema keeps its own limits
    query = '{ entity(id: "x") { relationships { nodes { source { relationships { nodes { source { id } } } } } } } }'
    first = errors(query, cablegraph_max_depth=6)
    assert first == errors(query, cablegraph_max_depth=6) and "maximum operation depth of 6" in first[0]
    assert errors(query, cablegraph_max_depth=12) == ["Internal error; see the server log."]
