"""API keys: stored as digests, looked up in constant time, refused with 401 when unknown."""

import os
import stat

import pytest
from starlette.requests import Request
from typer.testing import CliRunner

from api.auth import Keys, Role, Unauthenticated, digest, is_loopback, presented_key
from api.cli import app
from schema.model import InvalidData

runner = CliRunner()


def test_keys_keep_only_digests_in_a_private_file(tmp_path):
    keys = Keys(tmp_path / "conf" / "api-keys.yaml")
    secret = keys.add("alice", Role.EDITOR)
    other = keys.add("dashboard", Role.READER)
    text = keys.path.read_text()
    assert secret not in text and other not in text and digest(secret) in text
    assert stat.S_IMODE(keys.path.stat().st_mode) == 0o600
    assert keys.lookup(secret).name == "alice" and keys.lookup(secret).role is Role.EDITOR
    assert keys.lookup(other).role is Role.READER
    assert keys.lookup(secret + "x") is None and keys.lookup("") is None
    with pytest.raises(InvalidData, match="'alice' is taken"):
        keys.add("alice", Role.READER)
    with pytest.raises(InvalidData, match="key name 'a b'"):
        keys.add("a b", Role.READER)
    keys.revoke("alice")
    assert keys.lookup(secret) is None and keys.lookup(other).name == "dashboard"
    with pytest.raises(InvalidData, match="no key named 'alice'"):
        keys.revoke("alice")


def test_a_keys_file_others_may_read_or_change_is_refused(tmp_path):
    keys = Keys(tmp_path / "api-keys.yaml")
    keys.add("alice", Role.EDITOR)
    os.chmod(keys.path, 0o664)
    with pytest.raises(InvalidData, match="chmod 600"):
        Keys(keys.path).entries()


def test_a_change_to_the_file_counts_at_once(tmp_path):
    server, cli = Keys(tmp_path / "api-keys.yaml"), Keys(tmp_path / "api-keys.yaml")
    secret = cli.add("alice", Role.EDITOR)
    assert server.lookup(secret).name == "alice"
    cli.revoke("alice")
    assert server.lookup(secret) is None


def request(*headers: tuple[str, str]) -> Request:
    return Request({"type": "http", "method": "POST", "path": "/graphql", "query_string": b"",
                    "headers": [(k.lower().encode(), v.encode()) for k, v in headers]})


def test_keys_come_from_either_header_and_must_agree():
    assert presented_key(request()) is None
    assert presented_key(request(("Authorization", "Bearer abc"))) == "abc"
    assert presented_key(request(("X-API-Key", "abc"))) == "abc"
    assert presented_key(request(("Authorization", "bearer abc"), ("X-API-Key", "abc"))) == "abc"
    with pytest.raises(Unauthenticated, match="different keys"):
        presented_key(request(("Authorization", "Bearer abc"), ("X-API-Key", "abd")))
    with pytest.raises(Unauthenticated, match="Bearer <API key>"):
        presented_key(request(("Authorization", "Basic YTpi")))


def test_loopback_hosts():
    assert all(map(is_loopback, ["127.0.0.1", "localhost", "::1", "[::1]", "127.0.0.2"]))
    assert not any(map(is_loopback, ["0.0.0.0",  # noqa: S104
                                    "192.168.1.5", "example.org", "::"]))


def test_keys_commands(tmp_path):
    env = {"CABLEGRAPH_KEYS": str(tmp_path / "api-keys.yaml")}
    added = runner.invoke(app, ["keys", "add", "alice", "--role", "editor"], env=env)
    assert added.exit_code == 0, added.output
    secret = added.stdout.strip()
    assert secret.startswith("cg_") and Keys(tmp_path / "api-keys.yaml").lookup(secret).role is Role.EDITOR
    listed = runner.invoke(app, ["keys", "list"], env=env)
    assert listed.exit_code == 0 and "alice" in listed.output and "editor" in listed.output
    assert secret not in listed.output
    bad_role = runner.invoke(app, ["keys", "add", "bob", "--role", "admin"], env=env)
    assert bad_role.exit_code != 0
    revoked = runner.invoke(app, ["keys", "revoke", "alice"], env=env)
    assert revoked.exit_code == 0 and Keys(tmp_path / "api-keys.yaml").lookup(secret) is None
    again = runner.invoke(app, ["keys", "revoke", "alice"], env=env)
    assert again.exit_code == 1 and "no key named 'alice'" in again.output


def test_serving_beyond_loopback_with_anonymous_readers_warns(monkeypatch, capsys, tmp_path):
    import uvicorn
    from neo4j import GraphDatabase

    from api.cli import _serve
    from graph.db import Graph
    from graph.settings import Settings

    monkeypatch.setattr(uvicorn, "run", lambda *args, **kwargs: None)
    graph = Graph(GraphDatabase.driver("bolt://127.0.0.1:9", auth=("neo4j", "x")), "neo4j", 1.0)
    s = Settings(cablegraph_keys=tmp_path / "api-keys.yaml")
    _serve(s, graph, "0.0.0.0", 8000)  # noqa: S104
    assert "CABLEGRAPH_ANONYMOUS=none" in capsys.readouterr().err
    _serve(s, graph, "127.0.0.1", 8000)
    _serve(s.model_copy(update={"cablegraph_anonymous": "none"}), graph, "0.0.0.0", 8000)  # noqa: S104
    assert "warning" not in capsys.readouterr().err
    graph.close()
