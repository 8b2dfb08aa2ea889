"""Whole-graph answers for dashboards (graph/overview.py): the same counts as their plain Cypher definitions,
kept until the graph changes, and a computation slower than the query timeout never holds a request longer."""

import threading

import pytest
from conftest import SEEDS, load

from graph import overview
from graph.db import GraphUnavailable
from graph.overview import Overview, pagerank
from graph.queries import Reads


def test_counts_agree_with_their_cypher_definitions(seeded, model, monkeypatch):
    monkeypatch.setattr(overview, "PAGE", 2)  # five documents: three pages, and pairs merged across them
    reads = Reads(seeded, model)
    everything = Overview(reads, top=10_000)
    co_mentions = reads.read(
        "MATCH (a:Entity)<-[:MENTIONS]-(d:Document)-[:MENTIONS]->(b:Entity) WHERE a.id < b.id "
        "WITH a.id + ' | ' + b.id AS key, count(DISTINCT d) AS count RETURN key, count ORDER BY count DESC, key")
    assert len(co_mentions) > 100 and everything._co_mentions() == co_mentions
    edges = reads.read(f"MATCH (a:Entity)-[r:{reads.fact_pattern}]->(b:Entity) "
                       "RETURN a.id AS a, b.id AS b, size(r.claim_ids) AS w")
    central = dict(pagerank([tuple(e.values()) for e in edges]))  # the same edges, read in another order
    assert {c["key"]: c["score"] for c in everything._centrality()} == pytest.approx(central, rel=1e-9)
    assert Overview(reads, top=3)._co_mentions() == co_mentions[:3]


def test_whole_graph_answers_are_kept_until_the_graph_changes(empty_graph, model):
    load(empty_graph, model, SEEDS)
    reads = Reads(empty_graph, model)
    first = reads.aggregates(5)
    before = empty_graph.reads
    assert reads.aggregates(5) == first and empty_graph.reads - before == 1  # only the check that nothing changed
    assert first["current"] and "1999" not in {c["key"] for c in first["claims_by_year"]}
    empty_graph.run("MATCH (c:Claim) WITH c ORDER BY c.id LIMIT 1 SET c.date = '1999'")
    assert "1999" in {c["key"] for c in reads.aggregates(5)["claims_by_year"]}
    six = reads.aggregates(6)
    assert len(six["co_mentions"]) == 6 and six["co_mentions"][:5] == reads.aggregates(5)["co_mentions"]


def test_a_slow_computation_answers_with_the_last_counts_marked_not_current(empty_graph, model, monkeypatch):
    load(empty_graph, model, SEEDS)
    reads = Reads(empty_graph, model)
    gate = threading.Event()
    compute = Overview._compute

    def slow(self, version):
        gate.wait(30)
        compute(self, version)

    monkeypatch.setattr(Overview, "_compute", slow)
    monkeypatch.setattr(empty_graph, "timeout", 0.3)
    with pytest.raises(GraphUnavailable, match="still being computed"):
        reads.aggregates(5)
    gate.set()
    reads.overview.job.result(30)
    first = reads.aggregates(5)
    assert first["current"] and "1999" not in {c["key"] for c in first["claims_by_year"]}

    gate.clear()
    empty_graph.run("MATCH (c:Claim) WITH c ORDER BY c.id LIMIT 1 SET c.date = '1999'")
    assert reads.aggregates(5) == {**first, "current": False}
    gate.set()
    reads.overview.job.result(30)
    latest = reads.aggregates(5)
    assert latest["current"] and "1999" in {c["key"] for c in latest["claims_by_year"]}


def test_a_failed_computation_is_tried_again(empty_graph, model, monkeypatch):
    reads = Reads(empty_graph, model)
    calls = []

    def broken(self):
        calls.append(1)
        if len(calls) == 1:
            raise GraphUnavailable("Neo4j is not reachable")
        return []

    monkeypatch.setattr(Overview, "_co_mentions", broken)
    with pytest.raises(GraphUnavailable, match="not reachable"):
        reads.aggregates(5)
    assert reads.aggregates(5)["current"] and len(calls) == 2


def test_pagerank_of_a_star_and_a_chain():
    star = dict(pagerank([("hub", x, 1) for x in "abcd"]))
    assert star["hub"] > star["a"] == star["b"] and abs(sum(star.values()) - 1) < 1e-9
    chain = dict(pagerank([("a", "b", 1), ("b", "c", 1)]))
    assert chain["b"] > chain["a"] == chain["c"]
    assert pagerank([]) == []
