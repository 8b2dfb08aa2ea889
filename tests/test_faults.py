"""Faults: Neo4j killed in the middle of a load, Neo4j down when the API starts and going down while it
serves, writers that deadlock. The tests that kill and restart Neo4j do it to a server of their own."""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import httpx2
import pytest
from conftest import CLI, api_process, cli_env, snapshot, throwaway_settings, wipe, write_corpus

from graph.db import Graph, GraphUnavailable, connect
from graph.server import LocalServer

pytestmark = pytest.mark.neo4j
DOCUMENTS = 190  # two batches (loaders.pipeline.BATCH_DOCUMENTS) for the kill to land between; under api.cli.LISTED


@pytest.fixture(scope="module")
def own(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LocalServer]:
    """A Neo4j that only this module's tests use, and kill, stop and restart."""
    settings = throwaway_settings(tmp_path_factory.mktemp("own-neo4j"))
    # a just-restarted server on a busy machine can take a while over its first queries
    server = LocalServer(settings.model_copy(update={"cablegraph_query_timeout": 60.0}))
    yield server
    server.stop()


def kill(server: LocalServer) -> None:
    """SIGKILL, as a crash or the out-of-memory killer would; then collect the process."""
    pid = server.pid()
    assert pid, "Neo4j is not running"
    os.kill(pid, signal.SIGKILL)
    try:
        os.waitpid(pid, 0)  # LocalServer.start started it from this process
    except ChildProcessError:
        pass  # already collected
    assert server.pid() is None


def documents(graph: Graph) -> int:
    return graph.read("MATCH (d:Document) RETURN count(d) AS n")[0]["n"]


def per_document(graph: Graph) -> dict[str, tuple[int, int]]:
    rows = graph.read("MATCH (d:Document) RETURN d.id AS id, COUNT { (d)<-[:STATED_IN]-() } AS claims, "
                      "COUNT { (d)-[:MENTIONS]->() } AS mentions")
    return {r["id"]: (r["claims"], r["mentions"]) for r in rows}


def cablegraph(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([CLI, *args], env=env, capture_output=True, text=True, timeout=900)


@contextmanager
def retries_logged() -> Iterator[list[str]]:
    """The driver's warnings that a managed transaction failed and will be retried."""
    found: list[str] = []

    class Handler(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            if "will be retried" in record.getMessage():
                found.append(record.getMessage())

    logger, handler = logging.getLogger("neo4j.session"), Handler()
    logger.addHandler(handler)
    try:
        yield found
    finally:
        logger.removeHandler(handler)


def neo4j_is_down(http: httpx2.Client) -> None:
    health = http.get("/health")
    assert health.status_code == 503, health.text
    assert health.json()["status"] == "unavailable" and "Neo4j is not reachable" in health.json()["neo4j"]
    started = time.monotonic()
    answer = http.post("/graphql", json={"query": "{ stats { documents } }"})
    assert answer.status_code == 200
    assert answer.json()["data"] is None
    assert "Neo4j is not reachable" in answer.json()["errors"][0]["message"]
    assert time.monotonic() - started < 5, "a query waited out the retries of a server known to be down"


def neo4j_is_back(http: httpx2.Client, timeout: float = 180) -> None:
    deadline = time.monotonic() + timeout
    while http.get("/health").status_code != 200:
        assert time.monotonic() < deadline, "the API did not notice that Neo4j is back"
        time.sleep(0.5)
    answer = http.post("/graphql", json={"query": "{ stats { documents entities } }"}).json()
    assert "errors" not in answer and answer["data"]["stats"]["documents"] >= 0
    for _ in range(3):  # neo4j_is_down's query, answered by the resolvers until its statement is ready, then compiled
        assert "errors" not in http.post("/graphql", json={"query": "{ stats { documents } }"}).json()
        time.sleep(0.5)


def test_the_api_starts_without_neo4j_and_recovers_by_itself(own, tmp_path):
    own.stop()
    with api_process(own.settings, tmp_path / "api.log") as url, httpx2.Client(base_url=url, timeout=120) as http:
        neo4j_is_down(http)
        assert "Serving anyway" in (tmp_path / "api.log").read_text()

        # A read that starts while Neo4j is down is a managed transaction: retried until Neo4j is back.
        patient = connect(own.settings.model_copy(update={"neo4j_retry_time": 240}), verify=False)
        rows: list = []
        reader = threading.Thread(target=lambda: rows.extend(patient.read("RETURN 1 AS one")), daemon=True)
        with retries_logged() as retried:
            reader.start()
            deadline = time.monotonic() + 60
            while not retried:
                assert reader.is_alive() and time.monotonic() < deadline, "the read was not retried"
                time.sleep(0.1)
        try:
            own.start()
            neo4j_is_back(http)
            reader.join(240)
            assert rows == [{"one": 1}]
        finally:
            patient.close()

        kill(own)  # going down while serving
        neo4j_is_down(http)
        own.start()  # the same data and ports
        neo4j_is_back(http)


def test_a_load_killed_mid_way_stops_clearly_and_resumes_to_a_clean_graph(own, tmp_path):
    own.start()
    corpus = tmp_path / "corpus"
    expected = write_corpus(corpus, DOCUMENTS)
    env = cli_env(own.settings, cablegraph_workers=1)
    with connect(own.settings) as graph:
        wipe(graph)
        with open(tmp_path / "load.out", "w") as out:
            # give up soon once Neo4j is gone: waiting out a restart is another test's business
            loader = subprocess.Popen([CLI, "load", str(corpus)], env={**env, "NEO4J_RETRY_TIME": "2"},
                                      stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
        try:
            deadline = time.monotonic() + 300
            while documents(graph) == 0:
                assert loader.poll() is None, (tmp_path / "load.out").read_text()
                assert time.monotonic() < deadline, "no document was loaded in time"
                time.sleep(0.1)
            # Freeze the loader (and its workers) so it cannot finish before the kill lands.
            os.killpg(loader.pid, signal.SIGSTOP)
            loaded = documents(graph)
            assert 0 < loaded < DOCUMENTS, "the load finished before the kill; make the corpus larger"
            kill(own)
            os.killpg(loader.pid, signal.SIGCONT)
            loader.wait(timeout=300)
        finally:
            if loader.poll() is None:
                os.killpg(loader.pid, signal.SIGKILL)
        message = (tmp_path / "load.out").read_text()
        assert loader.returncode == 1, message
        assert "Neo4j is not reachable" in message and "run the same command again" in message, message
        assert "Traceback" not in message

        own.start()
        after_crash = per_document(graph)  # first use of the old connections: the driver replaces them
        assert len(after_crash) >= loaded

        resumed = cablegraph(env, "load", str(corpus))
        assert resumed.returncode == 0, resumed.stderr
        assert resumed.stderr.count("unchanged") == len(after_crash)
        resumed_graph = snapshot(graph)

        wipe(graph)
        clean = cablegraph(env, "load", str(corpus))
        assert clean.returncode == 0, clean.stderr
        clean_graph = snapshot(graph)
        assert resumed_graph == clean_graph
        assert clean_graph["labels"]["Document"] == expected["documents"]
        assert clean_graph["labels"]["Claim"] == expected["claims"]
        # what the crash left was whole documents: each as a clean load writes it
        clean_documents = per_document(graph)
        assert {d: clean_documents[d] for d in after_crash} == after_crash


def test_unreachable_neo4j_is_one_message_and_fails_fast_once_known(tmp_path):
    settings = throwaway_settings(tmp_path / "never-started")
    with pytest.raises(GraphUnavailable, match="is not reachable at bolt://127.0.0.1.*run `cablegraph neo4j start`"):
        connect(settings)
    with connect(settings, verify=False) as graph:
        assert not graph.down
        with pytest.raises(GraphUnavailable):
            graph.ping()
        assert graph.down
        started = time.monotonic()
        with pytest.raises(GraphUnavailable, match="is not reachable"):
            graph.read("RETURN 1")
        assert time.monotonic() - started < 2


def test_writers_that_deadlock_are_retried_until_both_commit(graph):
    """Two transactions lock two nodes in opposite orders: Neo4j detects the deadlock and fails one,
    which the managed write transaction retries."""
    ids = ["deadlock-test-a", "deadlock-test-b"]
    graph.write(lambda tx: tx.run("UNWIND $ids AS id CREATE (:Entity {id: id, hits: 0})", ids=ids).consume())
    barrier = threading.Barrier(2, timeout=60)
    attempts: Counter[str] = Counter()
    errors: list[BaseException] = []

    def writer(first: str, second: str) -> None:
        def work(tx) -> None:
            attempts[first] += 1
            tx.run("MATCH (e:Entity {id: $id}) SET e.hits = e.hits + 1", id=first).consume()
            if attempts[first] == 1:
                barrier.wait()  # each holds its first lock and now asks for the other's
            tx.run("MATCH (e:Entity {id: $id}) SET e.hits = e.hits + 1", id=second).consume()

        try:
            graph.write(work)
        except BaseException as exc:  # noqa: BLE001 - reported by the test below
            errors.append(exc)

    try:
        threads = [threading.Thread(target=writer, args=ids), threading.Thread(target=writer, args=ids[::-1])]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert not errors, errors
        assert sum(attempts.values()) >= 3, "no transaction was retried: there was no deadlock"
        hits = graph.read("MATCH (e:Entity) WHERE e.id IN $ids RETURN e.hits AS hits", ids=ids)
        assert [r["hits"] for r in hits] == [2, 2]
    finally:
        graph.write(lambda tx: tx.run("MATCH (e:Entity) WHERE e.id IN $ids DELETE e", ids=ids).consume())
