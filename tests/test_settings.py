"""Settings are declared once: the README documents exactly them, docker-compose wires exactly them."""

import re
from pathlib import Path

import yaml

from graph.settings import Settings, env_name

ROOT = Path(__file__).resolve().parent.parent


def readme_settings() -> dict[str, tuple[str, str]]:
    text = (ROOT / "README.md").read_text()
    rows = re.findall(r"^\| `([A-Z0-9_]+)` \| (.*?) \| (.*?) \|$", text, re.MULTILINE)
    return {name: (default.strip(), help_.strip()) for name, default, help_ in rows}


def test_readme_table_lists_every_setting_with_its_default_and_help():
    documented = readme_settings()
    fields = Settings.model_fields
    assert set(documented) == {env_name(f) for f in fields}
    for field, info in fields.items():
        default, help_ = documented[env_name(field)]
        assert help_ == info.description, field
        if info.default_factory is None:
            shown = "(unset)" if info.default is None else f"`{info.default}`"
            assert default == shown, field


def test_docker_compose_agrees_with_the_settings():
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    neo4j, api = compose["services"]["neo4j"], compose["services"]["api"]
    assert neo4j["image"].startswith("neo4j:5.26") and "community" in neo4j["image"]
    defaults = Settings(neo4j_uri=None)
    assert f"127.0.0.1:{defaults.neo4j_http_port}:7474" in neo4j["ports"]
    assert f"127.0.0.1:{defaults.neo4j_bolt_port}:7687" in neo4j["ports"]
    assert f"127.0.0.1:{defaults.cablegraph_port}:8000" in api["ports"]
    env = api["environment"]
    known = {env_name(f) for f in Settings.model_fields}
    assert set(env) <= known, set(env) - known
    assert env["NEO4J_URI"] == "bolt://neo4j:7687"
    assert env["CABLEGRAPH_PORT"] == "8000"
    assert neo4j["environment"]["NEO4J_AUTH"].split("/", 1)[1] == env["NEO4J_PASSWORD"]
    assert api["depends_on"]["neo4j"]["condition"] == "service_healthy"
    assert "healthcheck" in neo4j and "healthcheck" in api and "neo4j-data" in compose["volumes"]
    assert (ROOT / "Dockerfile").exists()
