"""Constraints and indexes, derived from model.yaml and applied idempotently (`cablegraph init`)."""

from __future__ import annotations

from graph.db import Graph
from schema.model import Model

FULLTEXT_INDEX = "entity_names"


def fact_ends(source_id: str, target_id: str) -> str:
    """Cypher for a fact edge's `ends` property, from Cypher for its two entities' ids. It is indexed for every
    fact type, so the facts between two hubs are looked up rather than found by reading a hub's relationships."""
    return f"{source_id} + '|' + {target_id}"


def statements(model: Model) -> list[str]:
    """Schema statements for every property the model marks unique, indexed or full-text, and for the `ends`
    of every fact type."""
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
    for fact in model.fact_types:
        rel = model.rel_type(fact)
        out.append(f"CREATE INDEX {rel.lower()}_ends IF NOT EXISTS FOR ()-[r:{rel}]-() ON (r.ends)")
    return out


def migrate(graph: Graph, model: Model) -> list[str]:
    """Apply `statements`, then give `ends` to the fact edges written before it existed."""
    done = statements(model)
    for statement in done:
        graph.run(statement)
    graph.run("CALL db.awaitIndexes(300)")
    for fact in model.fact_types:
        graph.run(f"MATCH (s)-[r:{model.rel_type(fact)}]->(o) WHERE r.ends IS NULL "
                  f"CALL (s, r, o) {{ SET r.ends = {fact_ends('s.id', 'o.id')} }} IN TRANSACTIONS OF 10000 ROWS")
    return done
