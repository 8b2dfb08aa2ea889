"""The HTTP surface: GraphQL over POST and GET, GraphiQL and the dashboard from local files, health."""

import base64
import hashlib
import json
import re
import subprocess
from pathlib import Path

import pytest
from neo4j import AsyncGraphDatabase, GraphDatabase
from starlette.testclient import TestClient

from api.app import VENDOR, VENDOR_URL, CablegraphGraphQL, allowed_hosts, create_app
from api.compiled import PREPARED
from graph.compile import Compiler
from graph.db import Graph
from graph.settings import Settings

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def client(seeded):
    with TestClient(create_app(seeded), base_url="http://localhost") as c:
        # the dashboard's counts, which the app starts computing when it is made, read the graph too: done before
        # a test counts reads (on a cold Neo4j, the first module of a run, they were not, and a count was 13)
        c.app.state.compiled.compiler.reads.overview.job.result()
        yield c


def test_graphql_post_and_get(client):
    query = '{ entity(id: "mois") { name family } }'
    posted = client.post("/graphql", json={"query": query})
    assert posted.status_code == 200
    assert posted.json() == {"data": {"entity": {"name": "Ministry of Intelligence and Security",
                                                 "family": "ORGANIZATION"}}}
    got = client.get("/graphql", params={"query": query}, headers={"accept": "application/json"})
    assert got.json() == posted.json()


def ask_twice(client, query: str, **variables) -> dict:
    """Ask a query, wait for its compiled statement's background run, and ask again: the second answer."""
    compiled = client.app.state.compiled
    first = client.post("/graphql", json={"query": query, "variables": variables}).json()
    plan = compiled.plan(query, None)
    if plan is not None:
        # another query's run may have been under way (one at a time), and then this one waits its turn
        for _ in range(2):
            if compiled.warming is not None:
                compiled.warming.result()
            compiled.warm(plan, variables)
    second = client.post("/graphql", json={"query": query, "variables": variables}).json()
    assert second == first
    return second


def test_reads_are_one_statement_once_planned_and_the_rest_goes_to_the_resolvers(client, seeded):
    deep = """query($id: ID!) { entity(id: $id) { name relationships(first: 5) { totalCount edges { cursor node {
        type target { id } evidence { nodes { quote document { title } claimedBy { id } } } } } } } }"""
    answer = ask_twice(client, deep, id="mois")
    before = seeded.reads
    assert client.post("/graphql", json={"query": deep, "variables": {"id": "mois"}}).json() == answer
    assert seeded.reads - before == 1 and answer["data"]["entity"]["relationships"]["edges"]
    # the same selection behind @include, which the compiler leaves alone: the resolvers, one read per level
    gated = deep.replace("query($id: ID!) { entity(id: $id)",
                         "query($id: ID!, $on: Boolean!) { entity(id: $id) @include(if: $on)")
    before = seeded.reads
    assert ask_twice(client, gated, id="mois", on=True) == answer
    assert seeded.reads - before > 2
    # more lists than a statement should nest (planning grows fast with them): the resolvers
    wide = "{ " + " ".join(f'e{i}: entity(id: "mois") {{ documents {{ nodes {{ id }} }} }}' for i in range(17)) + " }"
    assert client.app.state.compiled.plan(wide, None) is None
    mixed = ask_twice(client, "{ stats { documents } aggregates(first: 2) { byFamily { key } } }")
    assert mixed["data"]["stats"] == {"documents": 5}  # aggregates: resolvers
    bad = deep.replace("first: 5", "first: 500")
    assert "first must be between 0 and 200" in ask_twice(client, bad, id="mois")["errors"][0]["message"]


def test_a_compiled_statement_is_kept_for_the_last_variables_and_answers_each_as_the_resolvers_do(client):
    query = """query($id: ID!) { entity(id: $id) { id relationships(first: 3) { nodes { type target { id } } } } }"""
    gated = query.replace("query($id: ID!) { entity(id: $id)",
                          "query($id: ID!, $on: Boolean!) { entity(id: $id) @include(if: $on)")
    compiled = client.app.state.compiled
    for id_ in ("mois", "ksdp", "mois", "qassem-soleimani"):
        assert ask_twice(client, query, id=id_) == ask_twice(client, gated, id=id_, on=True)  # compiled == resolvers
    plan = compiled.plan(query, None)
    assert plan.ready and list(plan.prepared) == [json.dumps({"id": i}) for i in ("ksdp", "mois", "qassem-soleimani")]
    for i in range(PREPARED + 2):
        assert client.post("/graphql", json={"query": query, "variables": {"id": f"nobody-{i}"}}).json() == {
            "data": {"entity": None}}
    assert len(plan.prepared) == PREPARED and json.dumps({"id": "mois"}) not in plan.prepared


def test_a_ready_read_is_answered_before_strawberry_and_anything_unusual_is_left_to_it(client, monkeypatch):
    query = 'query($id: ID!) { entity(id: $id) { name relationships(first: 2) { nodes { type } } } }'
    answer = ask_twice(client, query, id="mois")  # its statement has run: the plan is ready
    strawberry = []
    run = CablegraphGraphQL.run

    async def counted(self, *args, **kwargs):
        strawberry.append(1)
        return await run(self, *args, **kwargs)

    monkeypatch.setattr(CablegraphGraphQL, "run", counted)
    body = json.dumps({"query": query, "variables": {"id": "mois"}}).encode()
    for headers, content in [({}, body), ({"content-type": "application/json; charset=utf-8"}, body),
                             ({}, iter([body[:10], body[10:30], body[30:]]))]:  # a body in three messages
        posted = client.post("/graphql", content=content, headers={"content-type": "application/json", **headers})
        assert posted.status_code == 200 and posted.json() == answer and not strawberry
        assert posted.headers["content-type"] == "application/json"
    # a stream asked for, or a body Strawberry refuses: Strawberry answers, as it always does
    streamed = client.post("/graphql", content=body, headers={"content-type": "application/json",
                                                               "accept": "multipart/mixed, application/json"})
    assert streamed.status_code == 200 and len(strawberry) == 1
    for bad in ({"query": query, "variables": ["mois"]},
                {"query": query, "variables": {"id": "mois"}, "extensions": 1}):
        refused = client.post("/graphql", json=bad)
        assert refused.status_code == 400 and "must be an object" in refused.text
    assert client.post("/graphql", content=body[:-1], headers={"content-type": "application/json"}).status_code == 400
    assert len(strawberry) == 4


def test_a_compiler_defect_is_logged_and_the_resolvers_answer(client, monkeypatch, caplog):
    ready = '{ entity(id: "mois") { name relationships(first: 3) { nodes { type } } } }'
    expected = ask_twice(client, ready)
    fresh = '{ entity(id: "mois") { name documents(first: 3) { nodes { id } } } }'

    def broken(self, statement):
        raise RuntimeError("Invalid input in generated Cypher")

    async def abroken(self, statement):
        broken(self, statement)

    monkeypatch.setattr(Compiler, "run", broken)  # the warm-up's first run, in a thread
    monkeypatch.setattr(Compiler, "arun", abroken)  # a request's, on the event loop
    assert client.post("/graphql", json={"query": ready}).json() == expected
    assert "compiled query failed" in caplog.text
    assert ask_twice(client, fresh)["data"]["entity"]["documents"]["nodes"]
    assert client.app.state.compiled.plan(fresh, None).refused and "left to the resolvers" in caplog.text


def test_graphiql_is_served_from_local_files_with_matching_integrity(client):
    page = client.get("/graphql", headers={"accept": "text/html"})
    assert page.status_code == 200 and "graphiql" in page.text.lower()
    assert not re.search(r"(src|href)=\"https?://", page.text), "the page must not load anything from the network"
    assets = re.findall(r'(?:src|href)="(/static/vendor/[^"]+)"\s+integrity="([^"]+)"', page.text)
    assert len(assets) >= 5
    for url, integrity in assets:
        served = client.get(url)
        assert served.status_code == 200, url
        digest = "sha384-" + base64.b64encode(hashlib.sha384(served.content).digest()).decode()
        assert digest == integrity, url
        assert (VENDOR / url[len(VENDOR_URL):]).exists()


def test_the_dashboard_and_everything_it_loads_are_local(client):
    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assets = re.findall(r'(?:src|href)="([^"#]+)"', page.text)
    assert {"/static/dashboard/dashboard.js", "/static/vendor/cytoscape/dist/cytoscape.min.js"} <= set(assets)
    for url in assets:
        assert url.startswith(("/", "data:")), url
        if url.startswith("/static/"):
            assert client.get(url).status_code == 200, url


def test_health(client):
    body = client.get("/health").json()
    assert body["status"] == "ok" and body["documents"] == 5


def test_health_and_queries_say_when_neo4j_is_down(caplog):
    options = {"auth": ("neo4j", "x"), "max_transaction_retry_time": 1}
    dead = Graph(GraphDatabase.driver("bolt://127.0.0.1:9", **options), "neo4j", 2.0,
                 async_driver=lambda: AsyncGraphDatabase.driver("bolt://127.0.0.1:9", **options))
    with TestClient(create_app(dead), base_url="http://localhost") as c:
        health = c.get("/health")
        assert health.status_code == 503 and health.json()["status"] == "unavailable"
        query = "{ stats { documents } }"
        result = c.post("/graphql", json={"query": query}).json()  # the resolvers (its statement never ran)
        assert result["data"] is None and "not reachable" in result["errors"][0]["message"]
        c.app.state.compiled.plan(query, None).ready = True  # as if it had: the compiled read, on the event loop
        result = c.post("/graphql", json={"query": query}).json()
        assert result["data"] is None and "not reachable" in result["errors"][0]["message"]
        assert len(dead._async) == 1 and "compiled query failed" not in caplog.text  # said by the compiled read


def test_graphql_over_http_audit_has_no_failing_must(live_api):
    """graphql-http's audit suite (npm) against a real server: every MUST passes."""
    audit = Path(__file__).parent / "http-audit" / "audit.mjs"
    proc = subprocess.run(["node", str(audit), f"{live_api}/graphql"], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    results = json.loads(proc.stdout)
    assert len(results) > 40
    failing = [r for r in results if r["status"] == "error"]
    assert not failing, failing


def test_a_page_rebinding_its_name_to_loopback_is_refused(client):
    query = {"query": '{ entity(id: "mois") { name } }'}
    refused = client.post("/graphql", json=query, headers={"host": "attacker.example:8000"})
    assert refused.status_code == 400 and "mois" not in refused.text.lower()
    for host in ("localhost:8000", "127.0.0.1:8000"):
        assert client.post("/graphql", json=query, headers={"host": host}).status_code == 200


def test_allowed_hosts_follow_the_listening_address_or_the_setting():
    assert "attacker.example" not in allowed_hosts(Settings(cablegraph_host="127.0.0.1"))
    assert allowed_hosts(Settings(cablegraph_host="0.0.0.0")) == ["*"]  # noqa: S104 - the point of the test
    named = Settings(cablegraph_host="127.0.0.1", cablegraph_allowed_hosts="graph.newsroom.internal, localhost")
    assert allowed_hosts(named) == ["graph.newsroom.internal", "localhost"]
