"""Driver and transactions. Reads run in managed read transactions (routed to secondaries on a
cluster), writes in managed write transactions; the driver retries both on transient errors
(deadlocks, leader switches, a restart) for NEO4J_RETRY_TIME seconds.

A Graph outlives Neo4j: it can be created while the server is down, says so with GraphUnavailable
while it stays down, and works again when it is back (the driver opens fresh connections)."""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import neo4j
from neo4j import AsyncGraphDatabase, GraphDatabase
from neo4j.exceptions import (
    AuthError,
    ClientError,
    ConnectionAcquisitionTimeoutError,
    DatabaseUnavailable,
    ServiceUnavailable,
    SessionExpired,
)

from graph.server import LocalServer
from graph.settings import Settings

T = TypeVar("T")
UNREACHABLE = (ServiceUnavailable, SessionExpired, DatabaseUnavailable, OSError)
TIMED_OUT = "Neo.ClientError.Transaction.TransactionTimedOut"  # the code's prefix: ...ClientConfiguration and others


class GraphUnavailable(RuntimeError):
    """Neo4j cannot be reached, refused our credentials, or was too busy to answer in time; the message
    says which and what to do."""

    def __init__(self, message: str, timed_out: bool = False):
        super().__init__(message)
        self.timed_out = timed_out  # the statement ran out of CABLEGRAPH_QUERY_TIMEOUT


class Graph:
    """One driver for one database. `reads` counts round trips, so tests can bound them. `async_driver`, when
    given, makes the same driver for asyncio (`aread`), one per event loop."""

    def __init__(self, driver: neo4j.Driver, database: str, timeout: float, uri: str | None = None,
                 hint: str = "check NEO4J_URI", async_driver: Callable[[], neo4j.AsyncDriver] | None = None):
        self.driver = driver
        self.async_driver = async_driver
        self._async: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, neo4j.AsyncDriver] = (
            weakref.WeakKeyDictionary())
        self.database = database
        self.timeout = timeout
        self.where = f" at {uri}" if uri else ""
        self.hint = hint  # what to do when Neo4j is not reachable
        self.reads = 0
        # Set when Neo4j stopped answering: then each transaction first checks, quickly, that it is back,
        # rather than every request waiting out the retries of a server that is plainly down.
        self.down = False

    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> Graph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _unavailable(self, exc: Exception) -> GraphUnavailable:
        if isinstance(exc, AuthError):
            return GraphUnavailable(f"Neo4j{self.where} refused the credentials; check NEO4J_USER / NEO4J_PASSWORD.")
        if isinstance(exc, ConnectionAcquisitionTimeoutError):
            return GraphUnavailable(f"Neo4j{self.where} is busy: no connection came free in time; try again.")
        if isinstance(exc, ClientError):
            return GraphUnavailable(
                f"Neo4j{self.where} did not finish within {self.timeout:g} s (CABLEGRAPH_QUERY_TIMEOUT): ask for "
                "less, or try again when it is less busy.", timed_out=True,
            )
        self.down = True
        reason = str(exc).strip().splitlines()[-1] if str(exc).strip() else type(exc).__name__
        return GraphUnavailable(f"Neo4j is not reachable{self.where} ({reason}); {self.hint}.")

    def ping(self) -> None:
        """Raise GraphUnavailable, quickly and without retries, unless Neo4j answers and accepts us."""
        try:
            self.driver.verify_connectivity()
        except (*UNREACHABLE, AuthError) as exc:
            raise self._unavailable(exc) from exc
        self.down = False

    @contextmanager
    def _translated(self) -> Iterator[None]:
        """Driver errors that mean Neo4j cannot answer now, as GraphUnavailable; any other error as it is."""
        try:
            yield
        except (*UNREACHABLE, AuthError, ConnectionAcquisitionTimeoutError) as exc:
            raise self._unavailable(exc) from exc
        except ClientError as exc:
            if not (exc.code or "").startswith(TIMED_OUT):
                raise
            raise self._unavailable(exc) from exc

    @contextmanager
    def _answering(self) -> Iterator[None]:
        """`_translated`, after checking that Neo4j is back if it was down."""
        if self.down:
            self.ping()
        with self._translated():
            yield

    @contextmanager
    def _session(self, access: str = neo4j.WRITE_ACCESS) -> Iterator[neo4j.Session]:
        with self._answering(), self.driver.session(database=self.database, default_access_mode=access) as session:
            yield session

    def read(self, cypher: str, **params: Any) -> list[dict[str, Any]]:
        """One managed read transaction (retried on transient errors), one round trip; rows as dicts. Through
        the driver's execute_query, which costs less per call than a session of our own."""
        self.reads += 1
        with self._answering():
            args, options = self._read_call(cypher, params)
            records, _, _ = self.driver.execute_query(*args, **options)
        return [dict(r) for r in records]  # values are plain: every statement returns maps, not nodes

    def _read_call(self, cypher: str, params: dict[str, Any]) -> tuple[tuple, dict[str, Any]]:
        """How `read` and `aread` pass a read to execute_query: the statement with its timeout, to a reader of
        this database, with no causal chaining."""
        return ((neo4j.Query(cypher, timeout=self.timeout), params),
                {"database_": self.database, "routing_": neo4j.RoutingControl.READ, "bookmark_manager_": None})

    async def aread(self, cypher: str, **params: Any) -> list[dict[str, Any]]:
        """`read` on the running event loop, with no worker thread: through the async driver of this loop (made
        on first use, closed by `aclose`), or, without `async_driver`, `read` in a worker thread."""
        if self.async_driver is None:
            return await asyncio.to_thread(self.read, cypher, **params)
        loop = asyncio.get_running_loop()
        driver = self._async.get(loop)
        if driver is None:
            driver = self._async[loop] = self.async_driver()
        self.reads += 1
        with self._translated():
            if self.down:
                await driver.verify_connectivity()
                self.down = False
            args, options = self._read_call(cypher, params)
            records, _, _ = await driver.execute_query(*args, **options)
        return [dict(r) for r in records]

    async def aclose(self) -> None:
        """Close the async driver of the running event loop, if `aread` made one."""
        driver = self._async.pop(asyncio.get_running_loop(), None)
        if driver is not None:
            await driver.close()

    def version(self) -> str:
        """Where the database's history stands: the bookmark a read ends with, which moves whenever a
        transaction commits. One round trip."""
        self.reads += 1
        with self._session(neo4j.READ_ACCESS) as session:
            session.execute_read(lambda tx: tx.run("RETURN 1").consume())
            return ",".join(sorted(session.last_bookmarks().raw_values))

    def stream(self, cypher: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Rows one at a time from a read, for results too large to hold (exports). Not retried:
        rows already handed out cannot be taken back."""
        self.reads += 1
        with self._session(neo4j.READ_ACCESS) as session:
            for record in session.run(cypher, params):
                yield record.data()

    def write(self, work: Callable[[neo4j.ManagedTransaction], T]) -> T:
        """Run `work` in one managed write transaction: all of it commits, or none of it."""
        with self._session() as session:
            return session.execute_write(work)

    def run(self, cypher: str, **params: Any) -> None:
        """A schema or admin statement in its own auto-commit transaction."""
        with self._session() as session:
            session.run(cypher, params).consume()


def connect(settings: Settings, verify: bool = True) -> Graph:
    """A Graph for NEO4J_URI, or for the local server. With `verify`, fail now if Neo4j does not
    answer; without, the Graph says so on each use until it does (the API starts either way)."""
    password = settings.neo4j_password if not settings.local else LocalServer(settings).password()
    options = dict(auth=(settings.neo4j_user, password or ""), max_connection_pool_size=settings.neo4j_max_connections,
                   notifications_min_severity="OFF", max_transaction_retry_time=settings.neo4j_retry_time)
    driver = GraphDatabase.driver(settings.bolt_uri, **options)
    hint = "run `cablegraph neo4j start`" if settings.local else "check NEO4J_URI"
    graph = Graph(driver, settings.neo4j_database, settings.cablegraph_query_timeout, settings.bolt_uri, hint,
                  async_driver=lambda: AsyncGraphDatabase.driver(settings.bolt_uri, **options))
    if verify:
        try:
            graph.ping()
        except GraphUnavailable:
            driver.close()
            raise
    return graph
