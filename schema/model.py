"""The domain model, read from model.yaml and checked as it loads.

Everything that names a label, a relationship type, a kind or a tag asks this module, so a typo in
code or data fails here with the offending name instead of silently writing an unknown label.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import yaml

MODEL_PATH = Path(__file__).with_name("model.yaml")
PROPERTY_TYPES = {"string", "int", "float", "bool", "date", "list"}
NAME = re.compile(r"^[A-Z][A-Za-z]*$")
REL_NAME = re.compile(r"^[A-Z][A-Z_]*$")
DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")


class InvalidModel(Exception):
    """model.yaml itself is inconsistent."""


class InvalidData(ValueError):
    """A record does not fit the model; the message names the record and the field."""


@dataclass(frozen=True)
class Property:
    name: str
    type: str
    required: bool = False
    unique: bool = False
    index: bool = False
    fulltext: bool = False


@dataclass(frozen=True)
class NodeType:
    label: str
    description: str
    abstract: bool
    parent: str | None
    properties: dict[str, Property]
    kinds: tuple[str, ...]

    @property
    def labels(self) -> tuple[str, ...]:
        return (self.parent, self.label) if self.parent else (self.label,)


@dataclass(frozen=True)
class RelType:
    type: str
    description: str
    source: frozenset[str]
    target: frozenset[str]
    fact: bool = False
    contact: bool = False
    membership: bool = False


@dataclass(frozen=True)
class Model:
    nodes: dict[str, NodeType]
    relationships: dict[str, RelType]
    tags: dict[str, str]
    date_precisions: tuple[str, ...]
    methods: tuple[str, ...]
    families: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        fams = tuple(n.label for n in self.nodes.values() if n.parent == "Entity")
        object.__setattr__(self, "families", fams)

    # -- names, for building Cypher: only declared names come out of these ---------------------
    def label(self, name: str) -> str:
        if name not in self.nodes:
            raise InvalidData(f"unknown node label {name!r}; model.yaml declares {sorted(self.nodes)}")
        return name

    def rel_type(self, name: str) -> str:
        if name not in self.relationships:
            raise InvalidData(
                f"unknown relationship type {name!r}; model.yaml declares {sorted(self.relationships)}"
            )
        return name

    @property
    def fact_types(self) -> tuple[str, ...]:
        return tuple(r.type for r in self.relationships.values() if r.fact)

    @property
    def contact_types(self) -> tuple[str, ...]:
        return tuple(r.type for r in self.relationships.values() if r.contact)

    @property
    def membership_types(self) -> tuple[str, ...]:
        return tuple(r.type for r in self.relationships.values() if r.membership)

    def all_kinds(self) -> tuple[str, ...]:
        return tuple(k for f in self.families for k in self.nodes[f].kinds)

    # -- data checks ------------------------------------------------------------------------------
    def family(self, name: str, where: str) -> NodeType:
        if name not in self.families:
            raise InvalidData(f"{where}: unknown family {name!r} (one of {', '.join(self.families)})")
        return self.nodes[name]

    def check_entity(self, family: str, kind: str, tags: list[str], where: str) -> None:
        node = self.family(family, where)
        if kind not in node.kinds:
            raise InvalidData(f"{where}: kind {kind!r} is not a {family} kind ({', '.join(node.kinds)})")
        for tag in tags:
            if tag not in self.tags:
                raise InvalidData(f"{where}: unknown tag {tag!r} (one of {', '.join(self.tags)})")

    def check_fact(self, predicate: str, source_family: str, target_family: str, where: str) -> None:
        rel = self.relationships.get(predicate)
        if rel is None or not rel.fact:
            raise InvalidData(
                f"{where}: unknown relationship type {predicate!r} (one of {', '.join(self.fact_types)})"
            )
        if source_family not in rel.source:
            raise InvalidData(
                f"{where}: {predicate} cannot start at a {source_family} (allowed: {', '.join(sorted(rel.source))})"
            )
        if target_family not in rel.target:
            raise InvalidData(
                f"{where}: {predicate} cannot end at a {target_family} (allowed: {', '.join(sorted(rel.target))})"
            )

    def check_document_kind(self, kind: str, where: str) -> None:
        kinds = self.nodes["Document"].kinds
        if kind not in kinds:
            raise InvalidData(f"{where}: document kind {kind!r} is not one of {', '.join(kinds)}")


def parse_date(value: object, where: str) -> tuple[str, str] | tuple[None, None]:
    """A date as the text gives it -> (ISO prefix, precision). YAML may hand us an int or a date."""
    if value is None:
        return None, None
    text = str(value)
    m = DATE.match(text)
    if not m:
        raise InvalidData(f"{where}: date {text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    _, month, day = m.groups()
    if month and not 1 <= int(month) <= 12 or day and not 1 <= int(day) <= 31:
        raise InvalidData(f"{where}: date {text!r} is out of range")
    return text, "day" if day else "month" if month else "year"


def _properties(label: str, raw: dict, inherited: dict[str, Property]) -> dict[str, Property]:
    props = dict(inherited)
    for name, spec in (raw or {}).items():
        spec = spec or {}
        unknown = set(spec) - {"type", "required", "unique", "index", "fulltext"}
        if unknown:
            raise InvalidModel(f"{label}.{name}: unknown property settings {sorted(unknown)}")
        if spec.get("type") not in PROPERTY_TYPES:
            raise InvalidModel(f"{label}.{name}: type must be one of {sorted(PROPERTY_TYPES)}")
        props[name] = Property(name=name, **spec)
    return props


def parse_model(raw: dict) -> Model:
    if not isinstance(raw, dict) or raw.get("version") != 1:
        raise InvalidModel("model.yaml must be a mapping with version: 1")
    nodes: dict[str, NodeType] = {}
    pending = dict(raw.get("nodes") or {})
    while pending:  # parents before children, whatever the file order
        progressed = False
        for label, spec in list(pending.items()):
            if not NAME.match(label):
                raise InvalidModel(f"node label {label!r} must be CamelCase")
            parent = spec.get("extends")
            if parent and parent not in nodes:
                if parent not in pending:
                    raise InvalidModel(f"{label} extends unknown {parent!r}")
                continue
            inherited = nodes[parent].properties if parent else {}
            nodes[label] = NodeType(
                label=label,
                description=spec.get("description", ""),
                abstract=bool(spec.get("abstract")),
                parent=parent,
                properties=_properties(label, spec.get("properties"), inherited),
                kinds=tuple(spec.get("kinds") or ()),
            )
            del pending[label]
            progressed = True
        if not progressed:
            raise InvalidModel(f"cycle in extends among {sorted(pending)}")
    for node in nodes.values():
        if node.parent == "Entity" and not node.kinds:
            raise InvalidModel(f"entity family {node.label} declares no kinds")
        if node.properties and "id" not in node.properties:
            raise InvalidModel(f"{node.label} has properties but no id")
    rels: dict[str, RelType] = {}
    for name, spec in (raw.get("relationships") or {}).items():
        if not REL_NAME.match(name):
            raise InvalidModel(f"relationship type {name!r} must be UPPER_SNAKE_CASE")
        edge = spec.get("edge") or {}
        ends = {}
        for side in ("source", "target"):
            labels = edge.get(side) or []
            if not labels:
                raise InvalidModel(f"{name}: edge.{side} is empty")
            for label in labels:
                if label not in nodes:
                    raise InvalidModel(f"{name}: edge.{side} names unknown label {label!r}")
            ends[side] = frozenset(labels)
        rels[name] = RelType(
            type=name,
            description=spec.get("description", ""),
            fact=bool(spec.get("fact")),
            contact=bool(spec.get("contact")),
            membership=bool(spec.get("membership")),
            **ends,
        )
    model = Model(
        nodes=nodes,
        relationships=rels,
        tags=dict(raw.get("tags") or {}),
        date_precisions=tuple(raw.get("date_precisions") or ()),
        methods=tuple(raw.get("methods") or ()),
    )
    if set(model.families) != {"Person", "Organization", "Operation", "Location"}:
        raise InvalidModel(f"entity families must be Person, Organization, Operation, Location: {model.families}")
    return model


@cache
def load_model(path: Path = MODEL_PATH) -> Model:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise InvalidModel(f"{path}: not valid YAML: {exc}") from exc
    return parse_model(raw)
