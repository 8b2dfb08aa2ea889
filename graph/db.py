"""Driver and transactions. Reads run in read transactions (routed to secondaries on a cluster),
writes in managed write transactions that the driver retries on transient errors."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import neo4j
from neo4j import GraphDatabase, unit_of_work
from neo4j.exceptions import AuthError, ServiceUnavailable

from graph.server import LocalServer
from graph.settings import Settings

T = TypeVar("T")


class GraphUnavailable(RuntimeError):
    """Neo4j cannot be reached or refused our credentials; the message says which and what to do."""


class Graph:
    """One driver for one database. `reads` counts round trips, so tests can bound them."""

    def __init__(self, driver: neo4j.Driver, database: str, timeout: float):
        self.driver = driver
        self.database = database
        self.timeout = timeout
        self.reads = 0

    def close(self) -> None:
        self.driver.close()

    def __enter__(self) -> Graph:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _session(self, access: str = neo4j.WRITE_ACCESS):
        try:
            with self.driver.session(database=self.database, default_access_mode=access) as session:
                yield session
        except ServiceUnavailable as exc:
            raise GraphUnavailable(f"Neo4j is not reachable: {exc}") from exc
        except AuthError as exc:
            raise GraphUnavailable(
                f"Neo4j refused the credentials ({exc.message}). Check NEO4J_USER / NEO4J_PASSWORD."
            ) from exc

    def read(self, cypher: str, **params: Any) -> list[dict[str, Any]]:
        """One read transaction, one round trip; rows as dicts."""
        self.reads += 1

        @unit_of_work(timeout=self.timeout)
        def work(tx: neo4j.ManagedTransaction) -> list[dict[str, Any]]:
            return tx.run(cypher, params).data()

        with self._session() as session:
            return session.execute_read(work)

    def stream(self, cypher: str, **params: Any) -> Iterator[dict[str, Any]]:
        """Rows one at a time from a read, for results too large to hold (exports)."""
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


def connect(settings: Settings) -> Graph:
    """Connect to NEO4J_URI, or to the local server (which must be started)."""
    password = settings.neo4j_password if not settings.local else LocalServer(settings).password()
    driver = GraphDatabase.driver(
        settings.bolt_uri, auth=(settings.neo4j_user, password or ""), max_connection_pool_size=64,
        notifications_min_severity="OFF", max_transaction_retry_time=10,
    )
    graph = Graph(driver, settings.neo4j_database, settings.cablegraph_query_timeout)
    try:
        driver.verify_connectivity()
    except (ServiceUnavailable, OSError) as exc:
        driver.close()
        hint = "run `cablegraph neo4j start`" if settings.local else "check NEO4J_URI"
        raise GraphUnavailable(f"Neo4j at {settings.bolt_uri} is not reachable ({exc}); {hint}.") from exc
    except AuthError as exc:
        driver.close()
        raise GraphUnavailable(
            f"Neo4j at {settings.bolt_uri} refused the credentials; check NEO4J_USER / NEO4J_PASSWORD."
        ) from exc
    return graph
