"""A real Neo4j for the integration tests: the one NEO4J_URI names (its data is wiped!), or a
throwaway server started through the same code as `cablegraph neo4j start`, on free ports."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import hypothesis
import pytest
import yaml

from graph.db import Graph, connect
from graph.migrate import migrate
from graph.server import LocalServer, free_port
from graph.settings import Settings, env_name
from graph.write import Writer
from loaders.pipeline import Pipeline
from schema.model import Model, load_model

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

# Fuzzing stays quick in the suite; HYPOTHESIS_PROFILE=deep searches much longer.
hypothesis.settings.register_profile(
    "quick", max_examples=100, deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow]
)
hypothesis.settings.register_profile(
    "deep", max_examples=3000, deadline=None, suppress_health_check=[hypothesis.HealthCheck.too_slow]
)
hypothesis.settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "quick"))


@pytest.fixture(scope="session")
def model() -> Model:
    return load_model()


def throwaway_settings(home: Path) -> Settings:
    """A small local Neo4j in `home`, on free ports."""
    return Settings(
        neo4j_uri=None,
        neo4j_password=None,
        cablegraph_data=home,
        neo4j_bolt_port=free_port(),
        neo4j_http_port=free_port(),
        neo4j_heap="512m",
        neo4j_pagecache="128m",
        neo4j_start_timeout=240,
    )


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    if os.environ.get("NEO4J_URI"):
        return Settings()
    return throwaway_settings(tmp_path_factory.mktemp("neo4j-home"))


@pytest.fixture(scope="session")
def server(settings: Settings) -> Iterator[LocalServer | None]:
    if not settings.local:
        yield None
        return
    local = LocalServer(settings)
    local.start()
    yield local
    local.stop()


@pytest.fixture(scope="session")
def graph(settings: Settings, server: LocalServer | None, model: Model) -> Iterator[Graph]:
    with connect(settings) as g:
        migrate(g, model)
        yield g


def wipe(graph: Graph) -> None:
    graph.run("MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 1000 ROWS")


def load(graph: Graph, model: Model, *paths: Path, force: bool = False):
    return Pipeline(Writer(graph, model), model).load(list(paths), force=force)


@pytest.fixture
def empty_graph(graph: Graph) -> Graph:
    wipe(graph)
    return graph


@pytest.fixture(scope="module")
def seeded(graph: Graph, model: Model) -> Graph:
    """The five seed documents, loaded once per test module that reads them."""
    wipe(graph)
    report = load(graph, model, SEEDS)
    assert not report.errors, [o.error for o in report.errors]
    return graph


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    """A private copy of seeds/ that a test may edit."""
    dest = tmp_path / "seeds"
    shutil.copytree(SEEDS, dest)
    return dest


def snapshot(graph: Graph) -> dict:
    """Counts by label and by relationship type, and a checksum of a canonical dump of the graph: every
    node with its labels and properties (ids included), every relationship with its type, the ids of
    its ends and its properties. Two graphs with the same snapshot hold the same data."""
    nodes = graph.read("MATCH (n) RETURN labels(n) AS labels, properties(n) AS props")
    rels = graph.read("MATCH (a)-[r]->(b) RETURN type(r) AS type, a.id AS a, b.id AS b, properties(r) AS props")
    node_rows = sorted(json.dumps([sorted(n["labels"]), n["props"]], sort_keys=True, default=str) for n in nodes)
    rel_rows = sorted(json.dumps(r, sort_keys=True, default=str) for r in rels)
    digest = hashlib.sha256("\n".join(node_rows + rel_rows).encode()).hexdigest()
    return {
        "nodes": len(nodes), "relationships": len(rels),
        "labels": dict(sorted(Counter(label for n in nodes for label in n["labels"]).items())),
        "types": dict(sorted(Counter(r["type"] for r in rels).items())),
        "checksum": digest,
    }


# -- a generated corpus, for loads big enough to interrupt or to run beside queries ---------------
FIRST_NAMES = ("Karim", "Hadi", "Jamal", "Samir", "Latif", "Nabil", "Rafiq", "Tariq")
LAST_NAMES = ("Nuri", "Saadi", "Kazemi", "Rahimi", "Jaber", "Hamdani")
GROUPS = ("Green Brigade", "Black Brigade", "Silver Brigade", "Crimson Front", "Golden Front", "White Front")
PLACES = ("Qaradagh", "Tel Harun", "Bazyan", "Kalar", "Darbandikhan", "Sharazur")


def write_corpus(folder: Path, documents: int, seed: int = 0) -> dict[str, int]:
    """A catalogue (entities.yaml) and `documents` short annotated reports, each with a few curated
    facts among a few dozen entities, so that fact edges gather claims from many documents. Returns
    how many documents and claims a complete load holds."""
    rng = random.Random(seed)

    def slug(name: str) -> str:
        return name.lower().replace(" ", "-")

    people = [f"{first} {last}" for last in LAST_NAMES for first in FIRST_NAMES][:24]
    catalogue = [
        *({"id": slug(n), "name": n, "family": "Person", "kind": "official"} for n in people),
        *({"id": slug(n), "name": n, "family": "Organization", "kind": "militia"} for n in GROUPS),
        *({"id": slug(n), "name": n, "family": "Location", "kind": "city"} for n in PLACES),
    ]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "entities.yaml").write_text(yaml.safe_dump({"entities": catalogue}, sort_keys=False))
    claims = 0
    for n in range(documents):
        facts: dict[str, tuple[str, str, str]] = {}  # quote -> (predicate, subject, object)
        for _ in range(4):
            person, group, other, place = (rng.choice(people), rng.choice(GROUPS), rng.choice(GROUPS),
                                            rng.choice(PLACES))
            predicate, subject, obj, quote = rng.choice([
                ("MET_WITH", person, group, f"{person} met envoys of the {group} in {place}."),
                ("MEMBER_OF", person, group, f"{person} serves in the {group}."),
                ("OPPOSED", group, other, f"The {group} fought the {other} near {place}."),
            ])
            if subject != obj:
                facts[quote] = (predicate, slug(subject), slug(obj))
        name = f"report-{n:05d}"
        (folder / f"{name}.txt").write_text(f"Report {n}\n\n{' '.join(facts)}\n\nFiled as report {n}.\n")
        sidecar = {
            "document": {"title": f"Report {n}", "published": f"2014-{n % 12 + 1:02d}", "kind": "intelligence-report"},
            "facts": [{"subject": s, "predicate": p, "object": o, "quote": q, "date": f"2014-{rng.randint(1, 12):02d}",
                       "confidence": round(rng.uniform(0.5, 1.0), 2)} for q, (p, s, o) in facts.items()],
        }
        (folder / f"{name}.yaml").write_text(yaml.safe_dump(sidecar, sort_keys=False))
        claims += len(facts)
    return {"documents": documents, "claims": claims}


# -- the real command line, in processes of its own -------------------------------------------------
CLI = str(Path(sys.executable).with_name("cablegraph"))


def cli_env(settings: Settings, **overrides: object) -> dict[str, str]:
    """The environment that gives a `cablegraph` process exactly these settings."""
    env = {k: v for k, v in os.environ.items() if k.lower() not in Settings.model_fields}
    values = {**settings.model_dump(), **overrides}
    env.update({env_name(k): str(v) for k, v in values.items() if v is not None})
    return env


@contextmanager
def api_process(settings: Settings, log: Path) -> Iterator[str]:
    """`cablegraph serve` on a free port in a process of its own; yields its URL once it listens."""
    port = free_port()
    with open(log, "wb") as out:
        proc = subprocess.Popen([CLI, "serve", "--port", str(port)], env=cli_env(settings), stdout=out,
                                stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            assert proc.poll() is None, f"cablegraph serve exited:\n{log.read_text()}"
            assert time.monotonic() < deadline, f"cablegraph serve did not listen:\n{log.read_text()}"
            with socket.socket() as sock:
                if sock.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.2)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
