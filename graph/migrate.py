"""Constraints and indexes, derived from model.yaml and applied idempotently (`cablegraph init`)."""

from __future__ import annotations

from graph.db import Graph
from schema.model import Model

FULLTEXT_INDEX = "entity_names"


def statements(model: Model) -> list[str]:
    """Schema statements for every property the model marks unique, indexed or full-text."""
    out: list[str] = []
    for node in model.nodes.values():
        inherited = model.nodes[node.parent].properties if node.parent else {}
        own = [p for name, p in node.properties.items() if name not in inherited]
        for prop in own:
            name = f"{node.label.lower()}_{prop.name}"
            if prop.unique:
                out.append(
                    f"CREATE CONSTRAINT {name}_unique IF NOT EXISTS "
                    f"FOR (n:{node.label}) REQUIRE n.{prop.name} IS UNIQUE"
                )
            elif prop.index:
                out.append(f"CREATE INDEX {name} IF NOT EXISTS FOR (n:{node.label}) ON (n.{prop.name})")
        fulltext = [p.name for p in own if p.fulltext]
        if fulltext:
            fields = ", ".join(f"n.{p}" for p in fulltext)
            out.append(
                f"CREATE FULLTEXT INDEX {FULLTEXT_INDEX} IF NOT EXISTS FOR (n:{node.label}) ON EACH [{fields}]"
            )
    return out


def migrate(graph: Graph, model: Model) -> list[str]:
    done = statements(model)
    for statement in done:
        graph.run(statement)
    graph.run("CALL db.awaitIndexes(300)")
    return done
