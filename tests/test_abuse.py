"""Abuse, against `cablegraph serve` in a process of its own: hostile GraphQL from many clients while
well-formed queries run beside it, and a load running while 32 clients query. Robustness tests with
generous bounds, not benchmarks."""

from __future__ import annotations

import json
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx2
import pytest
from conftest import CLI, api_process, cli_env, snapshot, write_corpus

from graph.settings import Settings

pytestmark = pytest.mark.neo4j


@pytest.fixture(scope="module")
def api(settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    # These tests are about errors, not speed: on a busy shared machine a query may wait long for the CPU.
    patient = settings.model_copy(update={"cablegraph_query_timeout": 60.0})
    with api_process(patient, tmp_path_factory.mktemp("api") / "api.log") as url:
        yield url


def post(http: httpx2.Client, body: object) -> tuple[float, httpx2.Response]:
    started = time.monotonic()
    content = body if isinstance(body, str) else json.dumps(body)
    answer = http.post("/graphql", content=content, headers={"content-type": "application/json"})
    return time.monotonic() - started, answer


def p99(latencies: list[float]) -> float:
    return sorted(latencies)[int(len(latencies) * 0.99)]


def hammer(url: str, clients: int, work, until) -> list[str]:
    """Run `work(http)` in a loop on `clients` threads, each with its own connection, until `until()`;
    returns what went wrong."""
    problems: list[str] = []

    def client() -> None:
        with httpx2.Client(base_url=url, timeout=120) as http:
            while not until():
                try:
                    problem = work(http)
                except Exception as exc:  # noqa: BLE001 - a dropped connection is a finding, not a crash
                    problem = f"{type(exc).__name__}: {exc}"
                if problem:
                    problems.append(problem)

    threads = [threading.Thread(target=client, daemon=True) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(600)
    return problems


# -- hostile GraphQL ---------------------------------------------------------------------------------
WELL_FORMED = [
    "{ stats { documents entities relationships claims } }",
    '{ search(query: "Suleimani", first: 5) { nodes { score entity { id name } } } }',
    '{ entity(id: "mois") { name relationships(types: [MET_WITH]) { nodes { type target { name } '
    "evidence { nodes { quote document { title } } } } } } }",
    "{ entities(first: 50, filter: {family: ORGANIZATION}) { totalCount edges { node { id name kind } } } }",
    '{ neighbourhood(id: "ksdp", depth: 2, first: 50) { entities { id } relationships { type } } }',
    '{ paths(from: "qassem-soleimani", to: "ksdp", maxHops: 3) { entities { name } relationships { type } } }',
    "{ aggregates(first: 5) { byFamily { key count } mostConnected { key count } } }",
    "{ documents(first: 5) { totalCount edges { node { id title claims { nodes { quote } } } } } }",
]
# Strings that would do harm if they ever became Cypher or Lucene syntax: data (or nothing) back, no error.
INJECTION = [
    '{ entity(id: "mois\\"}) DETACH DELETE n //") { id } }',
    "{ entity(id: \"x' OR 1=1 //\") { id } }",
    '{ search(query: "*:* OR name:mois) DETACH DELETE", first: 5) { nodes { score } } }',
    '{ search(query: "AND OR NOT ~ ^ [ ] { } ( ) \\\\ / \\" : ! && ||", first: 5) { nodes { score } } }',
    '{ entities(filter: {nameContains: ".*) DETACH DELETE n //"}) { totalCount } }',
    '{ entities(filter: {kinds: ["militia` DETACH DELETE n //"], tags: ["x}) RETURN 1 //"]}) { totalCount } }',
    '{ paths(from: "mois", to: "x\\u0000\\ud7ff") { entities { id } } }',
    '{ document(id: "../../etc/passwd") { id } }',
]


def nest(depth: int) -> str:
    return '{ entity(id: "mois") {' + " relationships { nodes { source {" * depth + " id" + " } } }" * depth + " } }"


def deep_filter(depth: int) -> str:
    """A request whose filter variable nests `not` `depth` times (as JSON text: too deep for json.dumps)."""
    variable = '{"not": ' * depth + '{"nameContains": "a"}' + "}" * depth
    query = "query($f: EntityFilter) { entities(filter: $f) { totalCount } }"
    return f'{{"query": "{query}", "variables": {{"f": {variable}}}}}'


HOSTILE = [
    {"query": nest(40)},  # deep
    {"query": "{" + " ".join(f'a{i}: entity(id: "mois") {{ name }}' for i in range(40)) + "}"},  # aliased
    {"query": "{" + " stats { documents }" * 3000 + "}"},  # wide
    {"query": "{ " + "stats { documents } " * 20 + "}" + " " * 3_000_000},  # a few megabytes
    {"query": "{ entities(first: 1000000) { totalCount } }"},  # huge pages
    {"query": "{ documents(first: -1) { totalCount } }"},
    {"query": "{ entities(first: 99999999999) { totalCount } }"},
    {"query": "query($n: Int!) { documents(first: $n) { totalCount } }", "variables": {"n": 10**6}},
    {"query": "{ entities(first: 200) { edges { node { relationships { nodes { evidence { nodes { document { "
              "mentions { nodes { entity { id } } } } } } } } } } } }"},  # too expensive
    {"query": "{ ...A } fragment A on Query { ...B } fragment B on Query { ...A }"},
    {"query": "{ stats " + "@include(if: true) " * 300 + "{ documents } }"},
    deep_filter(900),
    deep_filter(5000),
    {"query": '{ search(query: "' + "a" * 5000 + '") { nodes { score } } }'},
    {"query": '{ neighbourhood(id: "mois", depth: 99, types: ["MET_WITH]->() DETACH DELETE n //"]) { entities '
              "{ id } } }"},
    {"query": "mutation { wipe }"},
    {"query": 42},
    {"query": "{ stats { documents } }", "variables": "not an object"},
    [{"query": "{ stats { documents } }"}] * 100,  # batches are not accepted
]


def test_hostile_queries_under_concurrent_load_leave_the_server_up_and_well_formed_ones_fast(seeded, api):
    before = snapshot(seeded)
    with httpx2.Client(base_url=api, timeout=120) as http:
        expected = {}
        for query in WELL_FORMED + INJECTION:
            _, answer = post(http, {"query": query})
            assert answer.status_code == 200 and "errors" not in answer.json(), (query, answer.text)
            expected[query] = answer.json()
        for body in HOSTILE:  # refused: a GraphQL error that says why, or a 4xx for what is not GraphQL
            _, answer = post(http, body)
            assert answer.status_code < 500 and "Internal error" not in answer.text, (str(body)[:200], answer.text)
            assert answer.status_code >= 400 or answer.json().get("errors"), (str(body)[:200], answer.text[:500])

    latencies: list[float] = []
    deadline = time.monotonic() + 20
    turn = iter(range(10**9))

    def well_formed(http: httpx2.Client) -> str | None:
        query = WELL_FORMED[next(turn) % len(WELL_FORMED)]
        took, answer = post(http, {"query": query})
        latencies.append(took)
        if answer.status_code != 200 or answer.json() != expected[query]:
            return f"{query}: {answer.status_code} {answer.text[:300]}"
        return None

    def hostile(http: httpx2.Client) -> str | None:
        n = next(turn)
        body = HOSTILE[n % len(HOSTILE)] if n % 3 else {"query": INJECTION[n % len(INJECTION)]}
        _, answer = post(http, body)
        return f"{str(body)[:100]}: {answer.status_code}" if answer.status_code >= 500 else None

    problems: list[str] = []
    attackers = threading.Thread(target=lambda: problems.extend(
        hammer(api, 8, hostile, lambda: time.monotonic() > deadline)))
    attackers.start()
    problems += hammer(api, 8, well_formed, lambda: time.monotonic() > deadline)
    attackers.join(600)
    assert not problems, problems[:5]
    assert len(latencies) >= 16, "the well-formed clients hardly ran"
    assert p99(latencies) < 10, f"p99 {p99(latencies):.1f}s over {len(latencies)} well-formed queries"
    assert httpx2.get(f"{api}/health", timeout=60).status_code == 200
    assert snapshot(seeded) == before


# -- loading while clients query ---------------------------------------------------------------------
MIXED = [
    "{ stats { documents claims } }",
    '{ search(query: "Karim", first: 5) { nodes { score entity { id name } } } }',
    '{ entity(id: "green-brigade") { name relationships { nodes { type source { name } evidence { nodes { quote } } } '
    "} } }",
    "{ documents(first: 20) { totalCount edges { node { id title claims { nodes { quote } } } } } }",
    '{ neighbourhood(id: "crimson-front", depth: 2) { entities { id } relationships { type } } }',
    "{ aggregates(first: 5) { claimsByDocument { key count } } }",
]
DOCUMENTS = 60
CLIENTS = 32


def test_loading_while_32_clients_query(empty_graph, api, settings, tmp_path):
    expected = write_corpus(tmp_path / "corpus", DOCUMENTS, seed=1)
    with open(tmp_path / "load.out", "w") as out:
        loader = subprocess.Popen([CLI, "load", str(tmp_path / "corpus")], env=cli_env(settings), stdout=out,
                                  stderr=subprocess.STDOUT)
    started = time.monotonic()
    turn = iter(range(10**9))
    seen = threading.local()

    def until() -> bool:  # while the load runs, and for 20 s at least
        return loader.poll() is not None and time.monotonic() - started > 20 or time.monotonic() - started > 600

    latencies: list[float] = []

    def query(http: httpx2.Client) -> str | None:
        text = MIXED[next(turn) % len(MIXED)]
        took, answer = post(http, {"query": text})
        latencies.append(took)
        if answer.status_code != 200 or "errors" in answer.json():
            return f"{text}: {answer.status_code} {answer.text[:300]}"
        if "stats" in answer.json()["data"]:  # documents arrive and never go
            count = answer.json()["data"]["stats"]["documents"]
            if count < getattr(seen, "documents", 0):
                return f"the document count went down from {seen.documents} to {count}"
            seen.documents = count
        return None

    try:
        problems = hammer(api, CLIENTS, query, until)
    finally:
        if loader.poll() is None:
            loader.kill()
    assert loader.wait(60) == 0, Path(tmp_path / "load.out").read_text()
    assert not problems, problems[:5]
    final = snapshot(empty_graph)
    assert final["labels"]["Document"] == expected["documents"]
    assert final["labels"]["Claim"] == expected["claims"]
    ids = {r["id"] for r in empty_graph.read("MATCH (d:Document) RETURN d.id AS id")}
    assert ids == {f"report-{n:05d}" for n in range(DOCUMENTS)}
