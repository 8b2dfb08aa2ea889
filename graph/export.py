"""The whole graph out to files other tools read: GraphML (Gephi), CSV in the layout
`neo4j-admin database import` reads, and JSONL (one record per node and relationship, with evidence).

Everything streams from Neo4j in one pass per kind of record, so memory stays flat however big the graph.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, TextIO
from xml.sax.saxutils import escape, quoteattr

from graph.db import Graph
from schema.model import Model

FORMATS = ("graphml", "csv", "jsonl")
ARRAY_DELIMITER = ";"  # neo4j-admin's default
NODE_LABELS = ("Document", "Entity", "Claim")  # every node is one of these (entities also carry a family)
TYPES = {"list": "string[]", "int": "int", "float": "float", "bool": "boolean"}
MENTION_PROPS = [("count", "int"), ("spans", "string[]")]
FACT_PROPS = [("claim_ids", "string[]"), ("doc_ids", "string[]"), ("confidence", "float"), ("first_date", "string"),
              ("last_date", "string"), ("ends", "string")]


class Exporter:
    def __init__(self, graph: Graph, model: Model):
        self.graph = graph
        self.model = model
        self.families = list(model.families)

    # -- what there is -----------------------------------------------------------------------
    def nodes(self, label: str) -> Iterator[dict[str, Any]]:
        """Nodes of one declared label, with their family label when they are entities."""
        label = self.model.label(label)
        yield from self.graph.stream(
            f"MATCH (n:{label}) RETURN properties(n) AS props, "
            "[l IN labels(n) WHERE l IN $families][0] AS family ORDER BY n.id",
            families=self.families,
        )

    def relationships(self, rel_type: str) -> Iterator[dict[str, Any]]:
        rel_type = self.model.rel_type(rel_type)
        yield from self.graph.stream(
            f"MATCH (a)-[r:{rel_type}]->(b) RETURN a.id AS start, b.id AS end, properties(r) AS props "
            "ORDER BY a.id, b.id"
        )

    def evidence(self) -> dict[str, dict[str, Any]]:
        """Every claim, by id, as the evidence a fact edge points to."""
        return {
            row["claim"]["id"]: row["claim"]
            for row in self.graph.stream(
                "MATCH (c:Claim)-[:STATED_IN]->(d:Document) OPTIONAL MATCH (c)-[:CLAIMED_BY]->(w:Entity) "
                "RETURN c {.id, .quote, .start, .end, .date, .date_precision, .confidence, .method, "
                "document: d.id, claimed_by: w.id} AS claim"
            )
        }

    # -- formats -----------------------------------------------------------------------------
    def write(self, fmt: str, out: Path) -> dict[str, int]:
        if fmt not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}")
        return {"graphml": self.graphml, "csv": self.csv, "jsonl": self.jsonl}[fmt](out)

    def jsonl(self, out: Path) -> dict[str, int]:
        counts = {"nodes": 0, "relationships": 0}
        evidence = self.evidence()
        with out.open("w", encoding="utf-8") as f:
            for label in NODE_LABELS:
                for row in self.nodes(label):
                    labels = [label] + ([row["family"]] if row["family"] else [])
                    _line(f, {"type": "node", "id": row["props"]["id"], "labels": labels, "properties": row["props"]})
                    counts["nodes"] += 1
            for rel_type in self.model.relationships:
                for row in self.relationships(rel_type):
                    record = {"type": "relationship", "relationship": rel_type, "start": row["start"],
                              "end": row["end"], "properties": row["props"]}
                    if "claim_ids" in row["props"]:
                        record["evidence"] = [evidence[c] for c in row["props"]["claim_ids"] if c in evidence]
                    _line(f, record)
                    counts["relationships"] += 1
        return counts

    def csv(self, out: Path) -> dict[str, int]:
        """One file per node label and per relationship type, headed as neo4j-admin import wants."""
        out.mkdir(parents=True, exist_ok=True)
        counts = {"nodes": 0, "relationships": 0}
        for label in NODE_LABELS:
            declared = self.model.nodes[label].properties
            props = [p for p in declared if p != "id"]
            header = [f"id:ID({label})"] + [f"{p}:{TYPES.get(declared[p].type, 'string')}" for p in props] + [":LABEL"]
            with (out / f"nodes-{label.lower()}.csv").open("w", encoding="utf-8", newline="") as f:
                w = csv.writer(f)
                w.writerow(header)
                for row in self.nodes(label):
                    labels = ARRAY_DELIMITER.join([label] + ([row["family"]] if row["family"] else []))
                    w.writerow([row["props"]["id"], *(_cell(row["props"].get(p)) for p in props), labels])
                    counts["nodes"] += 1
        for rel_type, rel in self.model.relationships.items():
            start, end = (_id_space(labels) for labels in (rel.source, rel.target))
            typed = MENTION_PROPS if rel_type == "MENTIONS" else FACT_PROPS if rel.fact else []
            keys = [k for k, _ in typed]
            header = [f":START_ID({start})", f":END_ID({end})", ":TYPE"] + [f"{k}:{t}" for k, t in typed]
            with (out / f"relationships-{rel_type.lower()}.csv").open("w", encoding="utf-8", newline="") as f:
                w = csv.writer(f)
                w.writerow(header)
                for row in self.relationships(rel_type):
                    w.writerow([row["start"], row["end"], rel_type, *(_cell(row["props"].get(k)) for k in keys)])
                    counts["relationships"] += 1
        return counts

    def graphml(self, out: Path) -> dict[str, int]:
        """The entity network: entities as nodes, typed facts as edges (with how many claims back them)."""
        counts = {"nodes": 0, "relationships": 0}
        node_keys = ["name", "family", "kind", "tags", "aliases", "reviewed", "description"]
        edge_keys = ["type", "confidence", "claims", "documents", "first_date", "last_date"]
        with out.open("w", encoding="utf-8") as f:
            f.write('<?xml version="1.0" encoding="UTF-8"?>\n'
                    '<graphml xmlns="http://graphml.graphdrawing.org/xmlns">\n')
            for k in node_keys:
                f.write(f'  <key id="{k}" for="node" attr.name="{k}" attr.type="string"/>\n')
            for k in edge_keys:
                kind = "double" if k == "confidence" else "int" if k in ("claims", "documents") else "string"
                f.write(f'  <key id="e_{k}" for="edge" attr.name="{k}" attr.type="{kind}"/>\n')
            f.write('  <graph id="cablegraph" edgedefault="directed">\n')
            for row in self.nodes("Entity"):
                p = {**row["props"], "family": row["family"]}
                f.write(f"    <node id={quoteattr(p['id'])}>")
                for k in node_keys:
                    if p.get(k) is not None:
                        f.write(f'<data key="{k}">{escape(_text(p[k]))}</data>')
                f.write("</node>\n")
                counts["nodes"] += 1
            for rel_type in self.model.fact_types:
                for row in self.relationships(rel_type):
                    p = row["props"]
                    values = {"type": rel_type, "confidence": p.get("confidence"),
                              "claims": len(p.get("claim_ids") or []), "documents": len(p.get("doc_ids") or []),
                              "first_date": p.get("first_date"), "last_date": p.get("last_date")}
                    f.write(f"    <edge source={quoteattr(row['start'])} target={quoteattr(row['end'])}>")
                    for k in edge_keys:
                        if values[k] is not None:
                            f.write(f'<data key="e_{k}">{escape(_text(values[k]))}</data>')
                    f.write("</edge>\n")
                    counts["relationships"] += 1
            f.write("  </graph>\n</graphml>\n")
        return counts


def _line(f: TextIO, record: dict[str, Any]) -> None:
    f.write(json.dumps(record, ensure_ascii=False, sort_keys=True) + "\n")


def _text(value: Any) -> str:
    return "; ".join(map(str, value)) if isinstance(value, list) else str(value).lower() \
        if isinstance(value, bool) else str(value)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return ARRAY_DELIMITER.join(str(v) for v in value)
    return str(value).lower() if isinstance(value, bool) else str(value)


def _id_space(labels: frozenset[str]) -> str:
    """Relationship ends name node labels; CSV ids live in the space of the node file they come from."""
    spaces = {label if label in NODE_LABELS else "Entity" for label in labels}
    if len(spaces) != 1:
        raise ValueError(f"relationship ends {sorted(labels)} span several node files")
    return spaces.pop()
