"""Provisioning a local Neo4j: the session's server is started through this code; here we check
what it promised (loopback, auth, password file, Browser) and the messages when it cannot start."""

import json
import os
import socket
import stat
import urllib.request

import pytest
from conftest import browser_login
from pydantic import ValidationError

from graph import server as server_module
from graph.db import GraphUnavailable, connect
from graph.server import LocalServer, ServerError, free_port
from graph.settings import Settings


def local_settings(tmp_path, **overrides) -> Settings:
    values = dict(neo4j_uri=None, neo4j_password=None, cablegraph_data=tmp_path / "home",
                  neo4j_bolt_port=free_port(), neo4j_http_port=free_port(), neo4j_start_timeout=60)
    return Settings(**{**values, **overrides})


def test_a_taken_port_is_a_clear_message(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        with pytest.raises(ServerError, match=f"port {port} on 127.0.0.1 is taken.*NEO4J_BOLT_PORT"):
            LocalServer(local_settings(tmp_path, neo4j_bolt_port=port)).start()


def test_missing_java_or_maven_is_a_clear_message(tmp_path, monkeypatch):
    monkeypatch.setattr(server_module.shutil, "which", lambda tool: None)
    with pytest.raises(ServerError, match="java was not found on PATH. Install Java 17"):
        LocalServer(local_settings(tmp_path)).start()
    with pytest.raises(ServerError, match="mvn was not found on PATH. Install Maven"):
        server_module.ensure_jars(local_settings(tmp_path, cablegraph_cache=tmp_path / "cache"))


def test_stop_when_not_running(tmp_path):
    assert LocalServer(local_settings(tmp_path)).stop() is False


def test_password_is_generated_once_and_private(tmp_path):
    server = LocalServer(local_settings(tmp_path))
    first = server.password()
    assert first == server.password() and len(first) >= 20
    assert stat.S_IMODE(os.stat(server.password_file).st_mode) == 0o600
    assert LocalServer(local_settings(tmp_path, neo4j_password="given")).password() == "given"


@pytest.mark.neo4j
def test_a_password_that_looks_like_an_option_is_still_a_password(tmp_path):
    """token_urlsafe can start with '-'; the admin tool must not read it as a flag."""
    settings = local_settings(tmp_path, neo4j_password="-starts-with-a-dash")
    server = LocalServer(settings)
    try:
        server.start()
        with connect(settings.model_copy(update={"neo4j_uri": settings.bolt_uri})) as graph:
            assert graph.read("RETURN 1 AS one") == [{"one": 1}]
    finally:
        server.stop()


def test_sizes_are_checked_before_anything_starts(tmp_path):
    with pytest.raises(ValidationError, match="neo4j_heap"):
        local_settings(tmp_path, neo4j_heap="1GiB")


@pytest.mark.neo4j
def test_a_server_that_does_not_come_up_shows_its_log(tmp_path):
    server = LocalServer(local_settings(tmp_path, neo4j_start_timeout=0.5))
    with pytest.raises(ServerError) as err:
        server.start()
    # what the log holds after half a second depends on the machine's load; where it is does not
    assert "did not answer within 0.5s" in str(err.value) and str(tmp_path / "home" / "logs") in str(err.value)
    assert server.pid() is None


def test_java_failures_are_summarised():
    out = "java.lang.IllegalArgumentException: bad value 'x'\n\tat a.b.C(C.java:1)\n\t... 17 more\n"
    assert server_module.java_error(out) == "java.lang.IllegalArgumentException: bad value 'x'"


@pytest.mark.neo4j
def test_the_local_server_is_loopback_with_auth_and_browser(server, settings):
    if server is None:
        pytest.skip("NEO4J_URI names an external server")
    status = server.status()
    assert status.running and status.pid
    conf = (settings.cablegraph_data / "conf" / "neo4j.conf").read_text()
    assert "server.default_listen_address=127.0.0.1" in conf and "dbms.security.auth_enabled=true" in conf
    http = f"http://127.0.0.1:{settings.neo4j_http_port}"
    with urllib.request.urlopen(f"{http}/browser/") as page:
        assert page.status == 200 and "Neo4j Browser" in page.read().decode()
    with urllib.request.urlopen(http + "/") as discovery:  # what Browser reads to find Bolt
        assert json.load(discovery)["bolt_direct"] == f"bolt://127.0.0.1:{settings.neo4j_bolt_port}"
    # Browser's login is a Bolt login: the stored password works, a wrong one is refused clearly
    with connect(settings) as graph:
        assert graph.read("RETURN 1 AS one") == [{"one": 1}]
    with pytest.raises(GraphUnavailable, match="refused the credentials"):
        connect(settings.model_copy(update={"neo4j_uri": status.bolt_uri, "neo4j_password": "wrong"}))


@pytest.mark.neo4j
def test_neo4j_browser_logs_in_headless(server, settings, chromium):
    """What a user does: open Browser, type the user and stored password, connect."""
    if server is None:
        pytest.skip("NEO4J_URI names an external server")
    browser_login(chromium, settings, server.password())
