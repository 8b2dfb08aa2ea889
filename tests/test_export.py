"""Exports a user can open elsewhere: Gephi's GraphML, neo4j-admin's CSV, JSONL with evidence."""

import json
import os
import re
import subprocess
import xml.etree.ElementTree as ET

import pytest

from graph.export import Exporter
from graph.server import ADMIN_TOOL, ensure_jars

pytestmark = pytest.mark.neo4j
NS = {"g": "http://graphml.graphdrawing.org/xmlns"}


def counts(graph):
    return graph.read(
        "RETURN COUNT { (n) } AS nodes, COUNT { ()-[]->() } AS relationships, COUNT { (:Entity) } AS entities, "
        "COUNT { ()-[r]->() WHERE r.claim_ids IS NOT NULL } AS facts"
    )[0]


def test_jsonl_has_every_node_and_relationship_with_evidence(seeded, model, tmp_path):
    out = tmp_path / "graph.jsonl"
    written = Exporter(seeded, model).write("jsonl", out)
    records = [json.loads(line) for line in out.read_text().splitlines()]
    expected = counts(seeded)
    assert written == {"nodes": expected["nodes"], "relationships": expected["relationships"]}
    texts = {r["id"]: r["properties"]["text"] for r in records if r["type"] == "node" and "Document" in r["labels"]}
    facts = [r for r in records if r.get("evidence") is not None]
    assert len(facts) == expected["facts"]
    for fact in facts:
        assert fact["evidence"] and len(fact["evidence"]) == len(fact["properties"]["claim_ids"])
        for claim in fact["evidence"]:
            assert texts[claim["document"]][claim["start"]:claim["end"]] == claim["quote"]


def test_graphml_is_the_entity_network(seeded, model, tmp_path):
    out = tmp_path / "graph.graphml"
    Exporter(seeded, model).write("graphml", out)
    root = ET.parse(out).getroot()  # noqa: S314 - our own file
    expected = counts(seeded)
    assert len(root.findall(".//g:node", NS)) == expected["entities"]
    edges = root.findall(".//g:edge", NS)
    assert len(edges) == expected["facts"]
    kaka = root.find(".//g:node[@id='mohammed-haji-mahmoud']", NS)
    assert "Kaka Hama" in kaka.find("g:data[@key='aliases']", NS).text


def test_csv_imports_with_neo4j_admin(seeded, model, settings, tmp_path):
    out = tmp_path / "csv"
    Exporter(seeded, model).write("csv", out)
    home = tmp_path / "home"
    (home / "conf").mkdir(parents=True)
    (home / "conf" / "neo4j.conf").write_text("")
    files = [f"--nodes={p}" for p in sorted(out.glob("nodes-*.csv"))]
    files += [f"--relationships={p}" for p in sorted(out.glob("relationships-*.csv"))]
    lib = ensure_jars(settings)
    proc = subprocess.run(
        ["java", "-cp", f"{lib}/*", ADMIN_TOOL, "database", "import", "full", "--multiline-fields=true",
         f"--report-file={tmp_path / 'import.report'}", *files],
        env={**os.environ, "NEO4J_HOME": str(home), "NEO4J_CONF": str(home / "conf")},
        capture_output=True, text=True, timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-2000:] + proc.stderr[-2000:]
    imported = re.search(r"Imported:\s+(\d+) nodes\s+(\d+) relationships", proc.stdout)
    expected = counts(seeded)
    assert imported and (int(imported[1]), int(imported[2])) == (expected["nodes"], expected["relationships"])


def test_unknown_format_is_refused(seeded, model, tmp_path):
    with pytest.raises(ValueError, match="format must be one of graphml, csv, jsonl"):
        Exporter(seeded, model).write("xlsx", tmp_path / "x")
