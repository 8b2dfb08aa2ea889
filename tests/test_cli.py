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


def test_big_loads_report_totals_not_a_row_a_document(env, monkeypatch):
    import api.cli

    monkeypatch.setattr(api.cli, "LISTED", 3)
    result = runner.invoke(app, ["load"], env=env)
    assert result.exit_code == 0, result.output
    assert result.output.count("unchanged") == 1 and "│ 5 " in result.output


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


def test_review_lists_and_records_decisions(env, tmp_path):
    listed = runner.invoke(app, ["review", "--threshold", "0.9"], env=env)
    assert listed.exit_code == 0, listed.output
    assert "Unreviewed entities" in listed.output and "Extracted facts below 0.9" in listed.output
    decisions = tmp_path / "review.yaml"
    added = runner.invoke(app, ["review", "alias", "mois", "Etelaat", "--file", str(decisions)], env=env)
    assert added.exit_code == 0, added.output
    dropped = runner.invoke(app, ["review", "reject-fact", "doc:abc", "--file", str(decisions)], env=env)
    assert dropped.exit_code == 0
    text = decisions.read_text()
    assert "- alias: mois\n  name: Etelaat\n" in text and "reject_claim: doc:abc" in text
    refused = runner.invoke(app, ["review", "accept", "mois", "--file", str(decisions)], env=env)
    assert refused.exit_code == 1 and "already reviewed" in refused.output
    missing = runner.invoke(app, ["review", "merge", "nobody", "mois", "--file", str(decisions)], env=env)
    assert missing.exit_code == 1 and "no entity 'nobody'" in missing.output
