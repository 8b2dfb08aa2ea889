"""Where our API's time goes: bench.latency's questions (all but the dashboard's counts, answered from memory)
timed layer by layer, beside their hand-written Cypher, one request at a time on one corpus.

    .venv/bin/python -m bench.overhead [--size 1000] [--requests 300]

The layers, each including the one before:
- `cypher`: bench.latency's hand-written statement, through the neo4j driver (`execute_query`);
- `statement`: the one statement our API compiles the query into (api/compiled.py), through `Graph.read`;
- `answer`: `Compiled.answer`: the statement prepared for these variables (arguments checked and converted, the
  statement built: once, then kept with the query's plan) and run, keys ordered;
- `app`: the whole Starlette app, called in-process on uvloop, as `cablegraph serve` runs it (host and key
  checks, the compiled read's own request handling, the same answer through the async driver, JSON);
- `http`: `cablegraph serve`, another process, over HTTP/1.1 with keep-alive (bench.latency's client).
Each round asks every layer once, in turn, so the machine's drift falls on all of them alike; p50 over the
rounds. Writes bench/results/overhead-SIZE.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import neo4j
import uvloop
from graphql.execution.values import get_variable_values
from starlette.applications import Starlette

from api.app import create_app
from api.compiled import Compiled, Plan
from bench import latency
from graph.db import Graph, connect
from graph.settings import Settings

RESULTS = latency.ROOT / "bench" / "results"
LAYERS = ("cypher", "statement", "answer", "app", "http")
WARM = 20  # rounds before timing: connections, Neo4j's plans, the compiled plans


async def call_app(app: Starlette, body: bytes) -> bytes:
    """One POST /graphql to the app in-process, as uvicorn would pass it; the response body."""
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST",
             "scheme": "http", "path": "/graphql", "raw_path": b"/graphql", "query_string": b"", "root_path": "",
             "headers": [(b"host", b"127.0.0.1"), (b"content-type", b"application/json"),
                         (b"content-length", str(len(body)).encode())],
             "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80)}
    messages = [{"type": "http.request", "body": body, "more_body": False}]
    sent: list[dict] = []

    async def receive() -> dict:
        return messages.pop() if messages else {"type": "http.disconnect"}

    async def send(message: dict) -> None:
        sent.append(message)

    await app(scope, receive, send)
    if sent[0]["status"] != 200:
        raise RuntimeError(f"the app answered {sent[0]['status']}: {sent[1:]}")
    return b"".join(m.get("body", b"") for m in sent[1:])


async def post(client: latency.HTTP, endpoint: str, payload: dict) -> Any:
    """One POST to our API over HTTP: the answer's `data`."""
    status, answer = await client.post(endpoint, payload)
    if status != 200:
        raise RuntimeError(f"the API answered {status}: {json.dumps(answer)[:300]}")
    return answer["data"]


async def layers(q: latency.Question, params: latency.Parameters, app: Starlette,
                 client: latency.HTTP, endpoint: str, driver: neo4j.Driver,
                 database: str) -> dict[str, Callable[[], Any]]:
    """One request of each layer for question `q` about `params`, as functions (the app's returns a
    coroutine)."""
    compiled: Compiled = app.state.compiled
    variables = q.variables(params)
    payload = {"query": q.ours, "variables": variables}
    body = json.dumps(payload).encode()
    plan = compiled.plan(q.ours, None)
    if plan is None:
        raise RuntimeError(f"{q.name}: our API does not compile this query")
    await _until_ready(app, body, plan)
    schema = compiled.schema._schema
    coerced = get_variable_values(schema, plan.operation.variable_definitions or (), variables)
    cypher, values = compiled.compiler.statement(compiled.selects(schema.query_type, plan.operation.selection_set,
                                                                  plan, coerced))
    reads = compiled.compiler.reads
    hand_params = {**variables, "families": list(latency.MODEL.families), "facts": list(latency.MODEL.fact_types)}
    data = compiled.answer(plan, variables)
    served = {"statement": reads.read(cypher, **values)[0]["data"],
              "app": json.loads(await call_app(app, body))["data"], "http": await post(client, endpoint, payload)}
    for layer, other in served.items():
        if other != data:
            raise latency.Disagreement(f"{q.name}: the {layer} layer answers differently from Compiled.answer:\n"
                                       f"  {json.dumps(other)[:500]}\n  {json.dumps(data)[:500]}")
    return {
        "cypher": lambda: driver.execute_query(q.cypher, hand_params, database_=database,
                                               routing_=neo4j.RoutingControl.READ),
        "statement": lambda: reads.read(cypher, **values),
        "answer": lambda: compiled.answer(plan, variables),
        "app": lambda: call_app(app, body),
        "http": lambda: post(client, endpoint, payload),
    }


async def _until_ready(app: Starlette, body: bytes, plan: Plan) -> None:
    """The first asks of a query text are answered by the resolvers while its statement is planned."""
    deadline = time.monotonic() + 60
    while not plan.ready:
        if plan.refused or time.monotonic() > deadline:
            raise RuntimeError("the compiled statement was refused or never got ready")
        await call_app(app, body)
        await asyncio.sleep(0.05)


async def time_layers(asks: dict[str, Callable[[], Any]], rounds: int) -> dict[str, float]:
    times: dict[str, list[float]] = {layer: [] for layer in LAYERS}
    for i in range(WARM + rounds):
        for layer, ask in asks.items():
            start = time.perf_counter()
            result = ask()
            if asyncio.iscoroutine(result):
                await result
            if i >= WARM:
                times[layer].append(time.perf_counter() - start)
    return {layer: round(statistics.median(t) * 1000, 2) for layer, t in times.items()}


async def measure(graph: Graph, settings: Settings, params: latency.Parameters, endpoint: str,
                  rounds: int, warm_seconds: float = latency.WARM_SECONDS) -> dict[str, dict]:
    """Every question but the dashboard's counts: its layers checked to give the same answer, all of them asked
    in turn for `warm_seconds` (latency.warm_up), then each timed. The `cypher` layer goes through the same
    driver as our own reads."""
    client = latency.HTTP()
    app = create_app(graph, settings)
    deadline = time.monotonic() + latency.SETTLE_SECONDS
    while not latency.settled(json.loads(await call_app(app, json.dumps(latency.SETTLE).encode()))):
        if time.monotonic() > deadline:
            raise RuntimeError(f"the dashboard's counts were not computed within {latency.SETTLE_SECONDS} s")
        await asyncio.sleep(1)
    out = {}
    try:
        asks = {q.name: await layers(q, params, app, client, endpoint, graph.driver, settings.neo4j_database)
                for q in latency.QUESTIONS if q.name != "aggregates"}
        await latency.warm_up(list(asks.values()), warm_seconds)
        for name, ask in asks.items():
            p50 = await time_layers(ask, rounds)
            out[name] = {"p50_ms": p50, "over_cypher": {k: round(v / p50["cypher"], 2) for k, v in p50.items()}}
            print(f"  {name:13} " + "  ".join(f"{k} {v:6.2f} ms" for k, v in p50.items()), flush=True)
    finally:
        await client.aclose()
        await graph.aclose()
    return out


def table(results: dict) -> str:
    head = ["question", *(f"{layer} p50" for layer in LAYERS), "http / cypher"]
    rows = [[name, *(f"{q['p50_ms'][layer]:.2f} ms" for layer in LAYERS), f"{q['over_cypher']['http']}"]
            for name, q in results["questions"].items()]
    return "\n".join(["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
                     + ["| " + " | ".join(r) + " |" for r in rows])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", default="1000", help="synthetic documents (bench/synthetic.py), or `seeds`")
    parser.add_argument("--requests", type=int, default=300, help="timed rounds per question")
    parser.add_argument("--out", type=Path, help="the results file (default bench/results/overhead-SIZE.json)")
    parser.add_argument("--keep", type=Path, help="keep the corpus's Neo4j in KEEP/<size> and use it again "
                                                  "(as bench.latency --keep)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, latency.loaded(args.size, Path(tmp), args.keep) as loaded:
        settings, params, totals = loaded
        with latency.servers(settings, Path(tmp), library=False) as endpoints, connect(settings) as graph:
            questions = uvloop.run(measure(graph, settings, params, endpoints.ours, args.requests))
    results = {"size": args.size, "graph": totals, "rounds": args.requests, "questions": questions}
    out = args.out or RESULTS / f"overhead-{args.size}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2) + "\n")
    print(f"wrote {out}\n\n{table(results)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
