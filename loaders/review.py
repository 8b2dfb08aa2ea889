"""Review decisions that last: what a person decided about extracted entities and facts, kept as
data (`review.yaml` beside the catalogue) and applied on every load, so a fresh load reproduces the
reviewed graph exactly.

    decisions:
      - accept: farhad-zamani            # an extracted entity becomes reviewed (fields may correct it)
        name: Farhad Zamani
        family: Person
        kind: intelligence_officer
      - reject: vienna                   # a wrongly extracted name: never created or linked again
        names: [Vienna]
      - reject_claim: "report-7:3f2a…"   # a wrongly extracted fact
      - merge: zamani                    # the same entity as `into`; its names become aliases there
        into: farhad-zamani
        names: [Zamani]
      - alias: mois                      # one more spelling
        name: Etelaat
      - split: isis                      # these aliases belong to a new entity
        aliases: [Islamic State of Iraq]
        into: {id: isi, name: Islamic State of Iraq, family: Organization, kind: terrorist_group}
      - add_claim: report-7              # a fact the document states, checked like a curated one
        subject: farhad-zamani
        predicate: MET_WITH
        object: mohammed-haji-mahmoud
        quote: Brigadier Farhad Zamani of the MOIS met Kaka Hama
        confidence: 0.9
        by: alice                        # who decided (any decision may say; an API key's name)
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from graph.write import EntityRecord
from loaders.aliases import normalize
from loaders.curated import FACT_FIELDS, SLUG, read_yaml
from schema.model import InvalidData, Model

REVIEW_NAME = "review.yaml"
ACTIONS = ("accept", "reject", "reject_claim", "merge", "alias", "split", "add_claim")
FIELDS = {
    "accept": {"name", "family", "kind", "tags", "aliases", "description"},
    "reject": {"names"},
    "reject_claim": set(),
    "merge": {"into", "names"},
    "alias": {"name"},
    "split": {"aliases", "into"},
    "add_claim": FACT_FIELDS,
}


@dataclass
class Decisions:
    accepted: list[dict[str, Any]] = field(default_factory=list)
    aliases: dict[str, list[str]] = field(default_factory=dict)
    merges: dict[str, str] = field(default_factory=dict)  # old id -> surviving id
    splits: list[tuple[str, list[str], dict[str, Any], str]] = field(default_factory=list)
    rejected_names: set[str] = field(default_factory=set)  # normalised
    rejected_claims: set[str] = field(default_factory=set)
    claims: dict[str, list[tuple[str, dict[str, Any]]]] = field(default_factory=dict)  # doc id -> (where, fact)

    def add(self, entry: Any, where: str) -> None:
        """One decision, checked for its shape (what it refers to is checked where it is applied)."""
        actions = [a for a in ACTIONS if isinstance(entry, dict) and a in entry]
        if len(actions) != 1:
            raise InvalidData(f"{where}: each decision is exactly one of {', '.join(ACTIONS)}")
        action = actions[0]
        target = entry[action]
        unknown = set(entry) - {action, "__line__", "by"} - FIELDS[action]
        if unknown:
            raise InvalidData(f"{where}: unknown field(s) {', '.join(sorted(unknown))} for {action}")
        if not isinstance(target, str) or not target:
            raise InvalidData(f"{where}: {action} needs an id")
        if action == "accept":
            self.accepted.append({**{k: v for k, v in entry.items() if k in FIELDS["accept"]},
                                  "id": target, "where": where})
        elif action == "reject":
            self.rejected_names |= {normalize(n) for n in entry.get("names") or []}
        elif action == "reject_claim":
            self.rejected_claims.add(target)
        elif action == "merge":
            if not isinstance(entry.get("into"), str):
                raise InvalidData(f"{where}: merge needs into: <entity id>")
            into = self.merges.get(entry["into"], entry["into"])
            if into == target:
                raise InvalidData(f"{where}: merging {target} into {entry['into']} would merge it into itself")
            self.merges = {old: into if new == target else new for old, new in self.merges.items()}
            self.merges[target] = into
            self.aliases.setdefault(into, []).extend(entry.get("names") or [])
        elif action == "alias":
            if not isinstance(entry.get("name"), str) or not entry["name"].strip():
                raise InvalidData(f"{where}: alias needs name: <spelling>")
            self.aliases.setdefault(target, []).append(entry["name"].strip())
        elif action == "add_claim":
            fact = {k: v for k, v in entry.items() if k in FIELDS["add_claim"]}
            self.claims.setdefault(target, []).append((f"{where}: add_claim", fact))
        else:
            into = entry.get("into")
            if not isinstance(into, dict) or not isinstance(entry.get("aliases"), list):
                raise InvalidData(f"{where}: split needs aliases: [...] and into: {{id, name, family, kind}}")
            self.splits.append((target, entry["aliases"], into, where))

    def apply(self, catalogue: list[EntityRecord], model: Model) -> list[EntityRecord]:
        """The catalogue as the decisions leave it."""
        by_id = {e.id: e for e in catalogue}
        aliases = {k: list(v) for k, v in self.aliases.items()}
        for spec in self.accepted:
            where = spec["where"]
            if spec["id"] in by_id:
                raise InvalidData(f"{where}: {spec['id']} is already in the catalogue")
            by_id[spec["id"]] = _entity(spec, model, where)
        for old, into in self.merges.items():
            if into not in by_id:
                raise InvalidData(f"merge of {old}: {into!r} is not in the catalogue")
            if old in by_id:
                gone = by_id.pop(old)
                aliases.setdefault(into, []).extend(gone.aliases)
        for entity_id, moved, spec, where in self.splits:
            source = by_id.get(entity_id)
            if source is None:
                raise InvalidData(f"{where}: {entity_id!r} is not in the catalogue")
            missing = [a for a in moved if a not in source.aliases]
            if missing:
                raise InvalidData(f"{where}: {entity_id} has no alias {missing[0]!r}")
            by_id[entity_id] = replace(source, aliases=[a for a in source.aliases if a not in moved])
            new = _entity({**spec, "aliases": sorted(set(spec.get("aliases") or []) | set(moved))}, model, where)
            if new.id in by_id:
                raise InvalidData(f"{where}: {new.id} is already in the catalogue")
            by_id[new.id] = new
        for named, names in aliases.items():
            entity_id = self.merges.get(named, named)  # a spelling of an entity merged since stays with it
            if entity_id not in by_id:
                raise InvalidData(f"alias for {entity_id!r}: not in the catalogue")
            by_id[entity_id] = replace(by_id[entity_id], aliases=sorted(set(by_id[entity_id].aliases) | set(names)))
        return sorted(by_id.values(), key=lambda e: e.id)


def _entity(spec: dict[str, Any], model: Model, where: str) -> EntityRecord:
    tags = spec.get("tags") or []
    model.check_entity(spec.get("family"), spec.get("kind"), tags, where)
    if not isinstance(spec.get("name"), str) or not SLUG.match(str(spec.get("id"))):
        raise InvalidData(f"{where}: an entity needs a slug id and a name")
    return EntityRecord(
        id=spec["id"], name=spec["name"], family=spec["family"], kind=spec["kind"],
        aliases=sorted(set(spec.get("aliases") or []) | {spec["name"]}), tags=sorted(tags),
        description=spec.get("description"), reviewed=True,
    )


def read_decisions(path: Path | None) -> Decisions:
    decisions = Decisions()
    if path is None or not path.exists():
        return decisions
    entries = read_yaml(path).get("decisions") or []
    if not isinstance(entries, list):
        raise InvalidData(f"{path}: expected a list under 'decisions'")
    for entry in entries:
        decisions.add(entry, f"{path}:{entry.get('__line__', '?') if isinstance(entry, dict) else '?'}")
    return decisions


def record(path: Path, decision: dict[str, Any]) -> None:
    """Append one decision to the file, keeping what is there (comments included)."""
    if path.exists():
        text = path.read_text(encoding="utf-8")
    else:
        text = "# Review decisions, applied on every load (see loaders/review.py).\ndecisions:\n"
    if "decisions:" not in text:
        raise InvalidData(f"{path}: has no 'decisions:' list to add to")
    block = yaml.safe_dump([decision], sort_keys=False, allow_unicode=True, width=110)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text.rstrip("\n") + "\n" + block, encoding="utf-8")
