"""The command line, in-process."""

import json

import pytest
from typer.testing import CliRunner

from api.cli import app

pytestmark = pytest.mark.neo4j
runner = CliRunner()


@pytest.fixture(scope="module")
def env(seeded, settings, server):
    password = server.password() if server else settings.neo4j_password
    return {"NEO4J_URI": settings.bolt_uri, "NEO4J_PASSWORD": password, "NEO4J_USER": settings.neo4j_user}


def test_query_runs_graphql_in_process(env):
    result = runner.invoke(app, ["query", '{ stats { documents } }'], env=env)
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout) == {"data": {"stats": {"documents": 5}}}


def test_query_reports_graphql_errors(env):
    result = runner.invoke(app, ["query", "{ nope }"], env=env)
    assert result.exit_code == 1 and "Cannot query field 'nope'" in result.stdout


def test_load_reports_unchanged_documents(env):
    result = runner.invoke(app, ["load"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.count("unchanged") == 5


def test_load_errors_are_messages_not_tracebacks(env, tmp_path):
    bad = tmp_path / "bad.txt"
    bad.write_bytes(b"\xff\xfe\xfa")
    result = runner.invoke(app, ["load", str(bad)], env=env)
    assert result.exit_code == 1
    assert "bad.txt:1: not UTF-8" in result.output and "Traceback" not in result.output
    missing = runner.invoke(app, ["load", str(tmp_path / "missing")], env=env)
    assert missing.exit_code == 1 and "no such file or directory" in missing.output


def test_unreachable_neo4j_is_a_message(tmp_path):
    result = runner.invoke(app, ["init"], env={"NEO4J_URI": "bolt://127.0.0.1:9", "NEO4J_PASSWORD": "x"})
    assert result.exit_code == 1 and "is not reachable" in result.output and "check NEO4J_URI" in result.output


def test_neo4j_commands_refuse_when_a_server_is_given(env):
    result = runner.invoke(app, ["neo4j", "stop"], env=env)
    assert result.exit_code == 1 and "NEO4J_URI is set" in result.output


def test_every_command_has_help():
    for args in (["--help"], ["up", "--help"], ["load", "--help"], ["serve", "--help"], ["query", "--help"],
                 ["init", "--help"], ["neo4j", "start", "--help"], ["neo4j", "status", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0 and "Usage" in result.output, args
