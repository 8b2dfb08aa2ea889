"""Hostile values at every argument of the schema, and broken HTTP bodies: each gets a clear client
error or an empty answer, never an internal error, and nothing in the graph changes.

The arguments are read from the schema itself, so a new argument is attacked without editing this file."""

import json

import pytest
from conftest import snapshot
from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLScalarType,
    get_named_type,
)
from starlette.testclient import TestClient

from api.app import create_app
from api.schema import build_schema
from graph.settings import Settings

pytestmark = pytest.mark.neo4j

SCHEMA = build_schema(Settings())._schema
DOCUMENT = "001_9e368b0eaaa11057"
# Where a field of each type can be reached from the root, with `%s` for the field.
REACH = {
    "Query": "%s",
    "Entity": 'entity(id: "mois") { %s }',
    "Document": f'document(id: "{DOCUMENT}") {{ %s }}',
    "Relationship": 'entity(id: "mois") { relationships(first: 1) { nodes { %s } } }',
    "ContactLink": 'contacts(of: "mois", linkedTo: {}, first: 1) { nodes { %s } }',
    "Aggregates": "aggregates { %s }",
    "Mutation": "%s",
}
STRINGS = [
    "' OR 1=1 //",
    '") MATCH (n) DETACH DELETE n //',
    "x}) DETACH DELETE n WITH 1 AS x MATCH (y {id: 'a",
    "$ids",
    "`Entity`:Person",
    'name:"*" OR id:*~',
    "\u0000\u202e\U0001f600",
    "",
    "x" * 100_000,
]
INTS = [-1, 0, 2**31 - 1, -(2**31), 2**31]
FLOATS = [-1e308, 1e308, -0.0, 2**70]


def valid(type_) -> object:
    """An ordinary value of a type, for the arguments not under attack."""
    if isinstance(type_, GraphQLNonNull):
        return valid(type_.of_type)
    if isinstance(type_, GraphQLList):
        return [valid(type_.of_type)]
    if isinstance(type_, GraphQLEnumType):
        return next(iter(type_.values))
    if isinstance(type_, GraphQLInputObjectType):
        return {}
    return {"ID": "mois", "String": "mois", "Int": 1, "Float": 0.5, "Boolean": False}[type_.name]


def hostile(type_, depth: int = 0) -> list[object]:
    """Values of (or pretending to be of) a type that a careless server would choke on; input objects get
    hostile values in each of their fields, down to nested filters of nested filters."""
    if isinstance(type_, GraphQLNonNull):
        return [*hostile(type_.of_type, depth), None]
    if isinstance(type_, GraphQLList):
        inner = hostile(type_.of_type, depth)
        return [[v] for v in inner[:3]] + [inner[:1] * 5000, "not a list"]
    if isinstance(type_, GraphQLEnumType):
        return ["NOT_A_VALUE", STRINGS[1], 7]
    if isinstance(type_, GraphQLInputObjectType):
        out: list[object] = [{"noSuchField": 1}, "not an object", deep_filter(60)]
        if depth < 2:
            for name, field in type_.fields.items():
                out += [{name: v} for v in hostile(field.type, depth + 1)[:4]]
        return out
    assert isinstance(type_, GraphQLScalarType)
    return {"Int": INTS, "Float": FLOATS, "Boolean": ["true", 1]}.get(type_.name, STRINGS)


def deep_filter(levels: int) -> dict:
    flt: dict = {"nameContains": STRINGS[1]}
    for i in range(levels):
        flt = {["and", "or", "not"][i % 3]: flt if i % 3 == 2 else [flt]}
    return flt


def attacks(type_names: list[str]):
    for type_name in type_names:
        reach = REACH[type_name]
        operation = "mutation" if type_name == "Mutation" else "query"
        for field_name, field in SCHEMA.type_map[type_name].fields.items():
            for arg_name, arg in field.args.items():
                others = {n: a for n, a in field.args.items() if n != arg_name and isinstance(a.type, GraphQLNonNull)}
                declared = [f"${arg_name}: {arg.type}"] + [f"${n}: {a.type}" for n, a in others.items()]
                call = ", ".join(f"{n}: ${n}" for n in [arg_name, *others])
                named = get_named_type(field.type)
                selection = "" if isinstance(named, GraphQLScalarType | GraphQLEnumType) else " { __typename }"
                query = f"{operation}({', '.join(declared)}) {{ {reach % f'{field_name}({call}){selection}'} }}"
                for value in hostile(arg.type):
                    yield f"{type_name}.{field_name}({arg_name})", query, {
                        arg_name: value, **{n: valid(a.type) for n, a in others.items()}
                    }


def test_every_type_with_arguments_is_reached():
    with_args = {
        name for name, t in SCHEMA.type_map.items()
        if not name.startswith("__") and not isinstance(t, GraphQLInputObjectType)
        and any(getattr(f, "args", None) for f in getattr(t, "fields", {}).values())
    }
    assert with_args <= set(REACH), with_args - set(REACH)


@pytest.fixture(scope="module")
def client(seeded):
    with TestClient(create_app(seeded), base_url="http://localhost") as c:
        yield c


def attack(client: TestClient, type_names: list[str], headers: dict | None = None) -> int:
    """Every hostile value at every argument of these types: a client error or an answer, never a crash."""
    tried = 0
    for where, query, variables in attacks(type_names):
        response = client.post("/graphql", json={"query": query, "variables": variables}, headers=headers or {})
        assert response.status_code in (200, 400), (where, str(variables)[:200], response.status_code)
        messages = [e["message"] for e in response.json().get("errors") or []]
        assert not any("Internal error" in m for m in messages), (where, str(variables)[:200], messages)
        tried += 1
    return tried


def test_hostile_values_at_every_argument(client, seeded):
    before = snapshot(seeded)
    assert attack(client, [t for t in REACH if t != "Mutation"]) > 300
    assert snapshot(seeded) == before
    assert client.post("/graphql", json={"query": "{ stats { documents } }"}).json() == {"data": {"stats": {
        "documents": 5}}}


@pytest.mark.parametrize("body, content_type", [
    (b'{"query": ', "application/json"),
    (b"[]", "application/json"),
    (b'"{ stats { claims } }"', "application/json"),
    (b'{"query": 1}', "application/json"),
    (b'{"query": "{ stats { claims } }", "variables": "nope"}', "application/json"),
    (b'{"query": "{ stats { claims } }", "variables": [1]}', "application/json"),
    (b'{"query": "{ stats { claims } ", "operationName": 5}', "application/json"),
    (b"\xff\xfe\x00{", "application/json"),
    (b"{ stats { claims } }", "text/plain"),
    (b'{"query": "' + b"{" * 20_000 + b'"}', "application/json"),
    (json.dumps({"query": "{ stats { claims } }", "extensions": "x" * 2_000_000}).encode(), "application/json"),
])
def test_broken_bodies_get_a_client_error(client, body, content_type):
    """Refused with a 4xx, or (as GraphQL over HTTP allows for application/json) answered with errors only."""
    response = client.post("/graphql", content=body, headers={"content-type": content_type})
    assert response.status_code < 500, (response.status_code, response.text[:300])
    assert response.status_code >= 400 or (response.json()["data"] is None and response.json()["errors"])
    assert "Internal error" not in response.text


def test_hostile_values_at_every_mutation_argument(editing):
    """With an editor's key: some hostile strings are fine aliases or texts, so the graph may change; what may
    not happen is an internal error."""
    assert attack(editing.client, ["Mutation"], {"Authorization": f"Bearer {editing.editor}"}) > 100
    assert editing.client.post("/graphql", json={"query": "{ stats { documents } }"}).json()["data"]["stats"]
