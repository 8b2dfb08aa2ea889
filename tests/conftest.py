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
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import hypothesis
import pytest
import yaml
from starlette.testclient import TestClient

from api.app import create_app
from api.auth import Keys, Role
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
        cablegraph_port=free_port(),
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


@contextmanager
def serving(app, host: str = "127.0.0.1", port: int | None = None) -> Iterator[str]:
    """`app` served by uvicorn in a thread (on a free port unless given) while the `with` lasts; yields its URL."""
    import uvicorn

    port = port or free_port()
    server = uvicorn.Server(uvicorn.Config(app, host=host, port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 30
        while not server.started:
            if not thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"the API did not start on {host}:{port}")
            time.sleep(0.05)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        thread.join(10)


@pytest.fixture(scope="module")
def live_api(seeded: Graph) -> Iterator[str]:
    """The real app over HTTP, on the seed graph: its base URL."""
    from api.app import create_app

    with serving(create_app(seeded)) as url:
        yield url


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


def assert_a_fresh_load_reproduces(graph: Graph, model: Model, *paths: Path) -> None:
    """The graph as it stands is exactly what loading `paths` into an empty database makes."""
    before = snapshot(graph)
    wipe(graph)
    load(graph, model, *paths)
    assert snapshot(graph) == before


# -- Neo4j Browser in headless Chromium (Debian's chromium and chromedriver) ----------------------
OFFLINE_CHROMIUM = (
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run", "--window-size=1600,1000",
    # no name resolves, except this machine's: nothing the page asks for can leave it
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
)


@pytest.fixture
def chromium(tmp_path: Path):
    """A fresh headless Chromium that cannot reach the network, recording every request it makes and its
    console."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = "/usr/bin/chromium"
    for arg in (*OFFLINE_CHROMIUM, f"--user-data-dir={tmp_path / 'chromium'}"):
        options.add_argument(arg)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    try:
        yield driver
    finally:
        driver.save_screenshot(str(tmp_path / "chromium.png"))
        driver.quit()


def browser_login(driver, settings: Settings, password: str) -> None:
    """What a user does: open Neo4j Browser, check it found our Bolt port, type the user and password, connect."""
    from selenium.common.exceptions import TimeoutException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(f"http://127.0.0.1:{settings.neo4j_http_port}/browser/")
    wait = WebDriverWait(driver, 60)
    field = wait.until(ec.presence_of_element_located((By.CSS_SELECTOR, '[data-testid="password"]')))
    bolt = driver.find_element(By.CSS_SELECTOR, '[data-testid="boltaddress"]').get_attribute("value")
    assert bolt.endswith(f"127.0.0.1:{settings.neo4j_bolt_port}")
    driver.find_element(By.CSS_SELECTOR, '[data-testid="username"]').send_keys(settings.neo4j_user)
    field.send_keys(password)
    connected = f"You are connected as user {settings.neo4j_user}"
    for _ in range(3):  # a click can land before the form is live (seen once: the form filled, nothing sent)
        wait.until(ec.element_to_be_clickable((By.CSS_SELECTOR, '[data-testid="connect"]'))).click()
        try:
            WebDriverWait(driver, 20).until(ec.text_to_be_present_in_element((By.TAG_NAME, "body"), connected))
            return
        except TimeoutException:
            if not driver.find_elements(By.CSS_SELECTOR, '[data-testid="connect"]'):
                break  # the form is gone: clicking again would not help
    raise AssertionError("Neo4j Browser did not connect: "
                         + driver.find_element(By.TAG_NAME, "body").get_attribute("textContent")[:500])


@dataclass
class Editing:
    graph: Graph
    client: TestClient
    settings: Settings
    seeds: Path
    editor: str
    reader: str

    def gql(self, query: str, key: str | None = None, **variables) -> dict:
        headers = {"Authorization": f"Bearer {key}"} if key else {}
        response = self.client.post("/graphql", json={"query": query, "variables": variables}, headers=headers)
        assert response.status_code == 200, response.text
        return response.json()

    def edit(self, query: str, **variables) -> dict:
        body = self.gql(query, self.editor, **variables)
        assert "errors" not in body, body["errors"]
        return next(iter(body["data"].values()))

    def refused(self, query: str, key: str | None = "editor", **variables) -> dict:
        body = self.gql(query, self.editor if key == "editor" else key, **variables)
        assert body["data"] is None and len(body["errors"]) == 1, body
        return body["errors"][0]


@pytest.fixture
def editing(empty_graph, model, settings, seed_copy, tmp_path) -> Editing:
    """The seeds loaded; decisions, inbox and keys in temporary files; an editor and a reader key."""
    s = settings.model_copy(update={
        "cablegraph_keys": tmp_path / "api-keys.yaml", "cablegraph_review": tmp_path / "decisions" / "review.yaml",
        "cablegraph_inbox": tmp_path / "inbox", "cablegraph_workers": 1,
    })
    keys = Keys(s.cablegraph_keys)
    editor, reader = keys.add("alice", Role.EDITOR), keys.add("dashboard", Role.READER)
    report = Pipeline(Writer(empty_graph, model), model).load([seed_copy], review=s.cablegraph_review)
    assert not report.errors
    with TestClient(create_app(empty_graph, s), base_url="http://localhost") as client:
        yield Editing(empty_graph, client, s, seed_copy, editor, reader)



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
    """`cablegraph serve` on a free port in a process of its own; yields its URL once it listens. Not on one of
    Neo4j's ports, which are free while a test has it stopped, and which it must get back when it starts again."""
    own = {settings.neo4j_bolt_port, settings.neo4j_http_port}
    port = next(p for p in iter(free_port, None) if p not in own)
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
