"""The query-latency benchmarks compare like with like: on the seeds, our API, the hand-written Cypher
and the Neo4j GraphQL Library give the same answer to each of its questions, and so does each layer of our
API that bench.overhead times."""

from __future__ import annotations

import asyncio
import dataclasses
import re
from collections.abc import Awaitable, Callable, Iterator

import pytest

from bench import latency, overhead
from graph.db import Graph
from graph.settings import Settings


@pytest.fixture(scope="module")
def endpoints(seeded: Graph, settings: Settings,
              tmp_path_factory: pytest.TempPathFactory) -> Iterator[latency.Endpoints]:
    with latency.servers(settings, tmp_path_factory.mktemp("latency")) as found:
        yield found


def agree(endpoints: latency.Endpoints, questions: tuple[latency.Question, ...]) -> dict[str, int]:
    async def ask() -> dict[str, int]:
        async with endpoints:
            return await latency.check(endpoints, latency.SEEDS, questions)

    return asyncio.run(ask())


def test_the_three_forms_of_each_question_agree(endpoints: latency.Endpoints) -> None:
    sizes = agree(endpoints, latency.QUESTIONS)
    assert list(sizes) == [q.name for q in latency.QUESTIONS]
    assert len(sizes) == 10
    assert all(isinstance(size, int) for size in sizes.values()), sizes  # every form answered every question


def test_a_different_answer_is_caught(endpoints: latency.Endpoints) -> None:
    lookup = next(q for q in latency.QUESTIONS if q.name == "lookup")
    wrong = dataclasses.replace(lookup, cypher=lookup.cypher.replace("{id: $id}", "{id: 'ksdp'}"))
    with pytest.raises(latency.Disagreement, match="cypher answers differently"):
        agree(endpoints, (wrong,))


def test_the_forms_agree_on_pages_that_cut_the_answer(endpoints: latency.Endpoints) -> None:
    """The bounded questions ask for pages larger than the seeds' answers: ask again for pages of 1 or 2, so
    the three forms must pick the same first items (the same order, the Library's per-field pages merged)."""
    pages = {"first": 2, "claims": 1, "memberships": 1, "dealings": 1}
    literal = {latency.FACTS_PAGE: 2, latency.CONTACTS_PAGE: 2, latency.CLAIMS_PAGE: 1, latency.MEMBERSHIPS_PAGE: 1,
               latency.DEALINGS_PAGE: 1}
    names = ("facts", "evidence", "contacts", "deep")
    full = [q for q in latency.QUESTIONS if q.name in names]
    tight = tuple(dataclasses.replace(
        q, variables=lambda p, q=q: {**q.variables(p), **{k: v for k, v in pages.items() if k in q.variables(p)}},
        ours=re.sub(r"first: (\d+)\b", lambda m: f"first: {literal.get(int(m[1]), m[1])}", q.ours),
    ) for q in full)
    full_sizes, tight_sizes = agree(endpoints, tuple(full)), agree(endpoints, tight)
    assert all(tight_sizes[n] < full_sizes[n] for n in names), (full_sizes, tight_sizes)  # the pages cut


def test_each_layer_of_our_api_gives_the_same_answer_and_is_timed(endpoints: latency.Endpoints, seeded: Graph,
                                                                    settings: Settings) -> None:
    results = asyncio.run(overhead.measure(seeded, settings, latency.SEEDS, endpoints.ours, rounds=2, warm_seconds=0.1))
    assert list(results) == [q.name for q in latency.QUESTIONS if q.name != "aggregates"]
    for timed in results.values():
        assert list(timed["p50_ms"]) == list(overhead.LAYERS)
        assert all(ms > 0 for ms in timed["p50_ms"].values())


def test_the_benchmark_http_client_reads_chunked_answers_and_replaces_a_connection_the_server_closed() -> None:
    async def exchange() -> tuple[list, list[bytes]]:
        requests: list[bytes] = []

        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            head = await reader.readuntil(b"\r\n\r\n")
            length = int(re.search(rb"Content-Length: (\d+)", head)[1])
            requests.append(await reader.readexactly(length))
            body = b'{"n": %d}' % len(requests)
            if len(requests) == 1:  # kept alive by HTTP/1.1's default, then closed while idle
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
            else:
                writer.write(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\n%s\r\n%x\r\n%s\r\n0\r\n\r\n"
                             % (body[:3], len(body) - 3, body[3:]))
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/graphql"
        client = latency.HTTP()
        answers = [await client.post(url, {"query": "{ a }"})]
        await asyncio.sleep(0.1)
        answers.append(await client.post(url, {"query": "{ b }"}))
        await client.aclose()
        server.close()
        return answers, requests

    answers, requests = asyncio.run(exchange())
    assert answers == [(200, {"n": 1}), (200, {"n": 2})]
    assert requests == [b'{"query": "{ a }"}', b'{"query": "{ b }"}']


def recorder(calls: list[str], name: str, seconds: float = 0.0) -> Callable[[], Awaitable[None]]:
    """A form of a question that notes each time it is asked."""
    async def ask() -> None:
        calls.append(name)
        await asyncio.sleep(seconds)
    return ask


def test_the_forms_of_a_question_are_timed_in_turns() -> None:
    calls: list[str] = []
    cells = asyncio.run(latency.measure({"a": recorder(calls, "a"), "b": recorder(calls, "b")}, 10, 1, warm=3))
    assert calls == ["a"] * 3 + ["b"] * 3 + (["a"] * 2 + ["b"] * 2) * latency.BLOCKS
    assert set(cells) == {"a", "b"} and all(c["p50_ms"] is not None and c["requests_per_s"] > 0
                                            for c in cells.values())


def test_the_warm_up_asks_every_question_in_every_form_in_turn_until_its_time_is_up() -> None:
    calls: list[str] = []
    q1, q2 = {"c": recorder(calls, "q1 c", 0.001), "o": recorder(calls, "q1 o", 0.001)}, {"c": recorder(calls, "q2 c")}
    asyncio.run(latency.warm_up([q1, q2], 0.05))
    assert len(calls) >= 6 and len(calls) % 3 == 0 and calls[:6] == ["q1 c", "q1 o", "q2 c"] * 2


def test_a_question_slower_than_the_budget_is_timed_once_at_concurrency_one() -> None:
    calls: list[str] = []

    async def ask(name: str, seconds: float) -> None:
        calls.append(name)
        await asyncio.sleep(seconds)

    async def time_it() -> dict:
        fast, slow = (lambda: ask("fast", 0.001)), (lambda: ask("slow", 0.05))
        assert 20 <= await latency.requests_for([fast], 100, 1.0) <= 100
        assert await latency.requests_for([fast, slow], 100, 0.01) == latency.SLOW
        calls.clear()
        return (await latency.measure({"slow": slow}, latency.SLOW, 1, warm=1))["slow"]

    cell = asyncio.run(time_it())
    assert calls == ["slow"] * (1 + latency.SLOW) and cell["p50_ms"] >= 50
    results = {"concurrency": [1, 8], "sizes": {size: {"questions": {"aggregates": {
        "bounded": False, "cells": {"1": {f: {"p50_ms": ms, "requests_per_s": 1.0} for f in latency.FORMS}},
        "ours_over_cypher_p50": {"1": 1.0}, "ours_over_library_p50": {"1": 1.0}}}} for size, ms in
        (("1000", 10.0), ("100000", 20.0))}}
    results["ours_p50_largest_over_smallest"] = latency.growth(results["sizes"])
    assert results["ours_p50_largest_over_smallest"]["aggregates"]["1"] == 2.0
    assert "| aggregates * | 20.0 ms |" in latency.table(results)  # no rate at concurrency 8: not timed there
