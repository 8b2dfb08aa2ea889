"""Answers that read the whole graph, for dashboards: counts by family, kind, tag, relationship type and year, the
documents with the most claims, the most connected and the most central entities, and the entity pairs named
together in the most documents.

They are computed off the request path, one computation at a time, and kept in memory for the state of the
graph they describe (the database's bookmark, which moves whenever a transaction commits). A request waits for
the counts of the current state at most CABLEGRAPH_QUERY_TIMEOUT; when they take longer (a large graph just
changed), it gets the last ones, marked not current, while the new ones are finished.

Every read is bounded: documents and entities are read in pages by id, as compact lists (a row per document or
entity, not per edge: the driver's cost is per row), and co-mentions and PageRank are counted here with numpy.
Counting co-mentioned pairs in Cypher grows with the square of each document's entities and took longer than
the query timeout on 100,000 documents.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from typing import TYPE_CHECKING, Any

import numpy as np

from graph.db import GraphUnavailable

if TYPE_CHECKING:
    from graph.queries import Reads

PAGE = 20_000  # documents or entities per read


class Overview:
    def __init__(self, reads: Reads, top: int):
        self.reads = reads
        self.top = top  # the longest top-N list a client may ask for; shorter ones are its head
        self.lock = threading.Lock()
        self.held: tuple[str, dict[str, Any]] | None = None  # (version, answer)
        self.job: Future | None = None
        self.pool = ThreadPoolExecutor(1, thread_name_prefix="cablegraph-overview")

    def get(self) -> tuple[dict[str, Any], bool]:
        """The answer for the graph as it is now and True; when that takes longer than the query timeout, the
        last answer and False. GraphUnavailable when there is none yet, or Neo4j cannot answer."""
        graph = self.reads.graph
        version = graph.version()
        deadline = time.monotonic() + graph.timeout
        while True:
            with self.lock:
                if self.held is not None and self.held[0] == version:
                    return self.held[1], True
                if self.job is None or self.job.done():
                    self.job = self.pool.submit(self._compute, version)
                job = self.job
            try:
                job.result(timeout=max(0.0, deadline - time.monotonic()))  # raises what the job raised
            except FutureTimeout:
                break
            # done: the answer for `version` is held now, or the job was for an earlier state: start one
        with self.lock:
            if self.held is None:
                raise GraphUnavailable(
                    f"The dashboard counts are still being computed (they took longer than {graph.timeout:g} s, "
                    "CABLEGRAPH_QUERY_TIMEOUT); ask again shortly.", timed_out=True)
            return self.held[1], False

    def warm(self) -> None:
        """Start computing, so that the first dashboard finds the counts ready (the API does at start)."""
        with self.lock:
            if self.job is None:
                self.job = self.pool.submit(self._compute, None)

    def _compute(self, version: str | None) -> None:
        version = version or self.reads.graph.version()
        answer = {**self._counts(), "co_mentions": self._co_mentions(), "most_central": self._centrality()}
        with self.lock:
            self.held = (version, answer)

    def _counts(self) -> dict[str, list[dict]]:
        r = self.reads
        by_type = " UNION ALL ".join(f"RETURN $facts[{i}] AS key, {n} AS n" for i, n in enumerate(r.fact_counts))
        return r.read(
            "CALL () { MATCH (e:Entity) WITH [l IN labels(e) WHERE l IN $families][0] AS key, count(*) AS n "
            "  ORDER BY n DESC, key RETURN collect({key: key, count: n}) AS by_family } "
            "CALL () { MATCH (e:Entity) WITH e.kind AS key, count(*) AS n ORDER BY n DESC, key "
            "  RETURN collect({key: key, count: n}) AS by_kind } "
            "CALL () { MATCH (e:Entity) UNWIND e.tags AS key WITH key, count(*) AS n ORDER BY n DESC, key "
            "  RETURN collect({key: key, count: n}) AS by_tag } "
            f"CALL () {{ CALL () {{ {by_type} }} WITH key, n WHERE n > 0 ORDER BY n DESC, key "
            "  RETURN collect({key: key, count: n}) AS by_relationship_type } "
            "CALL () { MATCH (d:Document) WITH d.id AS key, COUNT { (d)<-[:STATED_IN]-() } AS n "
            "  ORDER BY n DESC, key LIMIT $limit RETURN collect({key: key, count: n}) AS claims_by_document } "
            "CALL () { MATCH (c:Claim) WHERE c.date IS NOT NULL WITH left(c.date, 4) AS key, count(*) AS n "
            "  ORDER BY key RETURN collect({key: key, count: n}) AS claims_by_year } "
            f"CALL () {{ MATCH (e:Entity) WITH e, COUNT {{ (e)-[:{r.fact_pattern}]-() }} AS n "
            "  ORDER BY n DESC, e.id LIMIT $limit RETURN collect({key: e.id, count: n}) AS most_connected } "
            "RETURN *",
            limit=self.top, facts=list(r.model.fact_types),
        )[0]

    def _pages(self, label: str, ends: str) -> Iterator[tuple[str, list]]:
        """(id, `ends`) of every node of `label`, by id, PAGE at a time; `ends` is a list expression of `n`."""
        after = ""
        while True:
            rows = self.reads.read(
                f"MATCH (n:{label}) WHERE n.id > $after WITH n ORDER BY n.id LIMIT $page "
                f"RETURN n.id AS id, {ends} AS ends", after=after, page=PAGE)
            yield from ((row["id"], row["ends"]) for row in rows)
            if len(rows) < PAGE:
                return
            after = rows[-1]["id"]

    def _co_mentions(self) -> list[dict]:
        """The entity pairs named in the most documents together, `{key: "a | b", count}` (a's id before b's),
        most first, then by key."""
        index: dict[str, int] = {}
        keys, counts = np.zeros(0, np.int64), np.zeros(0, np.int64)
        by_size: dict[int, list[list[int]]] = {}
        for n, (_, ids) in enumerate(self._pages("Document", "[(n)-[:MENTIONS]->(e:Entity) | e.id]"), 1):
            named = [index.setdefault(x, len(index)) for x in sorted(set(ids))]
            if len(named) > 1:
                by_size.setdefault(len(named), []).append(named)
            if n % PAGE == 0:
                keys, counts = _add_pairs(keys, counts, by_size)
                by_size = {}
        keys, counts = _add_pairs(keys, counts, by_size)
        names = list(index)
        return [{"key": f"{names[k >> 32]} | {names[k & 0xFFFFFFFF]}", "count": c}
                for k, c in _top(keys, counts, self.top, lambda k: (names[k >> 32], names[k & 0xFFFFFFFF]))]

    def _centrality(self) -> list[dict]:
        """The entities with the highest PageRank over the typed facts (edges undirected, weighted by their
        number of claims), `{key, score}`, highest first."""
        ends = f"[(n)-[r:{self.reads.fact_pattern}]->(b:Entity) | [b.id, size(r.claim_ids)]]"
        edges = [(a, b, w) for a, out in self._pages("Entity", ends) for b, w in out]
        return [{"key": k, "score": s} for k, s in pagerank(edges)[:self.top]]


def _add_pairs(keys: np.ndarray, counts: np.ndarray, by_size: dict[int, list[list[int]]]
               ) -> tuple[np.ndarray, np.ndarray]:
    """`keys`/`counts` (sorted pair codes `a << 32 | b` and how many documents name both) with the pairs of
    each document in `by_size` (its entities' indexes, as many documents of each size) added."""
    codes = [keys]
    for size, docs in by_size.items():
        named, (i, j) = np.array(docs, dtype=np.int64), np.triu_indices(size, 1)
        codes.append((named[:, i] << 32 | named[:, j]).ravel())
    merged, inverse = np.unique(np.concatenate(codes), return_inverse=True)
    total = np.bincount(inverse, minlength=len(merged))
    total[np.searchsorted(merged, keys)] += counts - 1  # each held key counted once above, `count` times before
    return merged, total


def _top(keys: np.ndarray, counts: np.ndarray, top: int, name: Any) -> list[tuple[int, int]]:
    """The `top` (key, count) pairs, most first, ties by `name(key)`."""
    if top <= 0 or len(keys) == 0:
        return []
    floor = np.sort(counts)[-min(top, len(counts))]
    chosen = np.nonzero(counts >= floor)[0]
    return sorted(((int(keys[i]), int(counts[i])) for i in chosen), key=lambda kc: (-kc[1], name(kc[0])))[:top]


def pagerank(edges: list[tuple[str, str, int]], damping: float = 0.85, rounds: int = 100) -> list[tuple[str, float]]:
    """PageRank of an undirected, weighted edge list (source, target, weight), highest first."""
    ids = sorted({x for a, b, _ in edges for x in (a, b)})
    if not ids:
        return []
    index = {x: i for i, x in enumerate(ids)}
    ends = np.array([(index[a], index[b]) for a, b, _ in edges], dtype=np.int64).reshape(-1, 2)
    src, dst = np.concatenate([ends[:, 0], ends[:, 1]]), np.concatenate([ends[:, 1], ends[:, 0]])
    weight = np.tile(np.array([w for *_, w in edges], dtype=float), 2)
    out = np.zeros(len(ids))
    np.add.at(out, src, weight)
    share = weight / out[src]
    rank = np.full(len(ids), 1 / len(ids))
    for _ in range(rounds):
        flow = np.zeros(len(ids))
        np.add.at(flow, dst, rank[src] * share)
        new = (1 - damping) / len(ids) + damping * flow
        done = np.abs(new - rank).sum() < 1e-10
        rank = new
        if done:
            break
    return sorted(((x, float(rank[i])) for x, i in index.items()), key=lambda t: (-t[1], t[0]))
