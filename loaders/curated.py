"""Curated knowledge: the entity catalogue (`entities.yaml`) and each document's annotation sidecar.

An analyst's annotation is only as good as its quote, so a fact whose quote is not verbatim in its
document, or lies only in page boilerplate or reader comments, is refused with the file and line.
"""

from __future__ import annotations

import csv
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from graph.write import ClaimRecord, EntityRecord
from loaders.boilerplate import NoiseRule, noise_spans
from schema.model import InvalidData, Model, parse_date

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
CATALOGUE_NAMES = ("entities.yaml", "entities.csv")
FACTS_SUFFIX = ".facts.csv"
LIST_SEPARATOR = ";"  # inside one CSV cell: "Kaka Hama; Mohammed Haji Mahmoud"
ENTITY_FIELDS = {"id", "name", "family", "kind", "tags", "aliases", "description"}
FACT_FIELDS = {"subject", "predicate", "object", "quote", "date", "confidence", "claimed_by", "note"}
DOCUMENT_FIELDS = {"id", "title", "publisher", "authors", "published", "kind", "url"}
SIDECAR_SECTIONS = {"document", "noise", "facts"}


class _LineLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # the C parser when libyaml is there
    """Remembers the line of every mapping so errors can point at it."""


def _mapping_with_line(loader: _LineLoader, node: yaml.MappingNode) -> dict:
    mapping = loader.construct_mapping(node, deep=True)
    mapping["__line__"] = node.start_mark.line + 1
    return mapping


_LineLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_with_line)


def read_yaml(path: Path) -> dict:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_LineLoader)  # noqa: S506 - SafeLoader subclass
    except UnicodeDecodeError as exc:
        raise InvalidData(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except yaml.YAMLError as exc:
        raise InvalidData(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise InvalidData(f"{path}: expected a mapping at the top level")
    return data


def read_csv(path: Path, columns: set[str], required: set[str]) -> list[dict]:
    """Rows as mappings with their line; empty cells are absent. Unknown or missing columns are refused."""
    try:
        with path.open(encoding="utf-8-sig", newline="") as f:
            reader = csv.DictReader(f)
            header = set(reader.fieldnames or [])
            if not header:
                raise InvalidData(f"{path}: empty CSV (expected a header row: {', '.join(sorted(columns))})")
            if header - columns or required - header:
                raise InvalidData(
                    f"{path}:1: columns must be among {', '.join(sorted(columns))} "
                    f"and include {', '.join(sorted(required))}; got {', '.join(sorted(header))}"
                )
            rows = []
            for row in reader:
                entry = {k: v.strip() for k, v in row.items() if k and v is not None and v.strip()}
                if entry:
                    rows.append({**entry, "__line__": reader.line_num})
            return rows
    except UnicodeDecodeError as exc:
        raise InvalidData(f"{path}: not UTF-8 text ({exc.reason})") from exc
    except csv.Error as exc:
        raise InvalidData(f"{path}: not valid CSV ({exc})") from exc


def _split(value: Any) -> Any:
    return [v.strip() for v in value.split(LIST_SEPARATOR) if v.strip()] if isinstance(value, str) else value


def _where(path: Path, entry: dict, what: str) -> str:
    return f"{path}:{entry.get('__line__', '?')}: {what}"


def _fields(entry: Any, allowed: set[str], where: str) -> dict:
    if not isinstance(entry, dict):
        raise InvalidData(f"{where}: expected a mapping, got {type(entry).__name__}")
    unknown = set(entry) - allowed - {"__line__"}
    if unknown:
        raise InvalidData(
            f"{where}: unknown field(s) {', '.join(sorted(unknown))} (allowed: {', '.join(sorted(allowed))})"
        )
    return entry


def _strings(value: Any, where: str, name: str) -> list[str]:
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise InvalidData(f"{where}: {name} must be a list of non-empty strings")
    return [v.strip() for v in value]


# -- the catalogue ------------------------------------------------------------------------------
def _catalogue_entries(path: Path) -> list[dict]:
    if path.suffix == ".csv":
        rows = read_csv(path, ENTITY_FIELDS, {"id", "name", "family", "kind"})
        return [{k: _split(v) if k in ("tags", "aliases") else v for k, v in row.items()} for row in rows]
    entries = read_yaml(path).get("entities")
    if not isinstance(entries, list):
        raise InvalidData(f"{path}: expected a list under 'entities'")
    return entries


def read_catalogue(paths: Path | list[Path], model: Model) -> list[EntityRecord]:
    """Entities from entities.yaml and/or entities.csv; an id may be declared once across them."""
    out: list[EntityRecord] = []
    declared: dict[str, str] = {}
    for path in [paths] if isinstance(paths, Path) else paths:
        for record, where in _read_entities(path, model):
            if record.id in declared:
                raise InvalidData(f"{where}: id already declared at {declared[record.id]}")
            declared[record.id] = where.rsplit(": ", 1)[0]
            out.append(record)
    return out


def _read_entities(path: Path, model: Model) -> list[tuple[EntityRecord, str]]:
    out = []
    for entry in _catalogue_entries(path):
        where = _where(path, entry if isinstance(entry, dict) else {}, "entity")
        entry = _fields(entry, ENTITY_FIELDS, where)
        eid = entry.get("id")
        where = _where(path, entry, f"entity {eid!r}")
        if not isinstance(eid, str) or not SLUG.match(eid):
            raise InvalidData(f"{where}: id must be a lowercase-hyphen slug such as 'qassem-soleimani'")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidData(f"{where}: name is required")
        tags = _strings(entry.get("tags"), where, "tags")
        model.check_entity(entry.get("family"), entry.get("kind"), tags, where)
        aliases = _strings(entry.get("aliases"), where, "aliases")
        record = EntityRecord(
            id=eid, name=name.strip(), family=entry["family"], kind=entry["kind"],
            aliases=sorted(set(aliases) | {name.strip()}), tags=sorted(set(tags)),
            description=entry.get("description"), reviewed=True,
        )
        out.append((record, where))
    return out


# -- a document's annotations -------------------------------------------------------------------
@dataclass
class Annotations:
    """What a sidecar says about its document, checked against the text and the catalogue."""

    metadata: dict[str, Any]
    noise: list[tuple[int, int]]
    claims: list[ClaimRecord] = field(default_factory=list)


def sidecar_for(doc: Path) -> tuple[Path | None, Path | None]:
    """The document's annotation files: <stem>.yaml and <stem>.facts.csv, where they exist."""
    side = doc.with_suffix(".yaml")
    table = doc.with_name(doc.stem + FACTS_SUFFIX)
    return (
        side if side.exists() and side.name not in CATALOGUE_NAMES and side.name != "review.yaml" else None,
        table if table.exists() else None,
    )


def read_metadata_overrides(values: dict[str, Any], model: Model) -> dict[str, Any]:
    """Metadata given on the command line, checked like a sidecar's."""
    return _check_metadata({k: v for k, v in values.items() if v is not None}, "command line", model)


def read_metadata(data: dict, path: Path, model: Model) -> dict[str, Any]:
    meta = _fields(data.get("document") or {}, DOCUMENT_FIELDS, _where(path, data.get("document") or {}, "document"))
    return _check_metadata({k: v for k, v in meta.items() if k != "__line__"}, _where(path, meta, "document"), model)


def _check_metadata(out: dict[str, Any], where: str, model: Model) -> dict[str, Any]:
    if "id" in out and (not isinstance(out["id"], str) or not SLUG.match(out["id"])):
        raise InvalidData(f"{where}: id must be a lowercase-hyphen slug")
    if out.get("authors") is not None:
        out["authors"] = _strings(out["authors"], where, "authors")
    if out.get("published") is not None:
        out["published"], _ = parse_date(out["published"], where + " published")
    if out.get("kind") is not None:
        model.check_document_kind(out["kind"], where)
    return out


def read_noise_rules(data: dict, path: Path) -> list[NoiseRule]:
    rules = []
    for entry in data.get("noise") or []:
        where = _where(path, entry if isinstance(entry, dict) else {}, "noise")
        entry = _fields(entry, {"text", "from", "to"}, where)
        if ("text" in entry) == ("from" in entry):
            raise InvalidData(f"{where}: give either text: or from: (with optional to:)")
        rules.append(NoiseRule(text=entry.get("text"), start=entry.get("from"), stop=entry.get("to"), where=where))
    return rules


def claim_id(doc_id: str, predicate: str, subject: str, obj: str, quote: str) -> str:
    digest = hashlib.sha256(f"{predicate}|{subject}|{obj}|{quote}".encode()).hexdigest()[:12]
    return f"{doc_id}:{digest}"


def find_quote(text: str, quote: str, noise: list[tuple[int, int]]) -> int | None:
    """Offset of the first occurrence of `quote` that is not in boilerplate; None if there is none."""
    start = text.find(quote)
    while start >= 0:
        if not any(a <= start < b for a, b in noise):
            return start
        start = text.find(quote, start + 1)
    return None


def read_annotations(
    path: Path | None, table: Path | None, default_id: str, text: str, families: dict[str, str], model: Model,
    renames: dict[str, str] | None = None,
) -> Annotations:
    """Parse and check a document's sidecar (YAML) and/or fact table (CSV). `families` maps every
    known entity id to its family; the document id is the sidecar's `document.id`, else `default_id`."""
    data = read_yaml(path) if path else {}
    unknown = set(data) - SIDECAR_SECTIONS - {"__line__"}
    if unknown:
        hint = " (entities belong in entities.yaml)" if "entities" in unknown else ""
        raise InvalidData(f"{path}: unknown section(s) {', '.join(sorted(unknown))}{hint}")
    metadata = read_metadata(data, path, model) if path else {}
    doc_id = metadata.setdefault("id", default_id)
    noise = noise_spans(text, read_noise_rules(data, path) if path else [])
    entries = [(path, e) for e in data.get("facts") or []]
    if table:
        for row in read_csv(table, FACT_FIELDS, {"subject", "predicate", "object", "quote", "confidence"}):
            if "confidence" in row:
                try:
                    row["confidence"] = float(row["confidence"])
                except ValueError:
                    pass  # refused below with the line
            entries.append((table, row))
    claims: dict[str, ClaimRecord] = {}
    for source, entry in entries:
        where = _where(source, entry if isinstance(entry, dict) else {}, "fact")
        entry = _fields(entry, FACT_FIELDS, where)
        renames = renames or {}
        subject, predicate, obj = entry.get("subject"), entry.get("predicate"), entry.get("object")
        subject, obj = renames.get(subject, subject), renames.get(obj, obj)  # merged in review
        where = _where(source, entry, f"fact {subject} {predicate} {obj}")
        for role, eid in (("subject", subject), ("object", obj)):
            if eid not in families:
                raise InvalidData(f"{where}: {role} {eid!r} is not an entity in the catalogue")
        model.check_fact(predicate, families[subject], families[obj], where)
        claimed_by = renames.get(entry.get("claimed_by"), entry.get("claimed_by"))
        if claimed_by is not None and families.get(claimed_by) not in ("Person", "Organization"):
            raise InvalidData(f"{where}: claimed_by {claimed_by!r} must be a Person or Organization in the catalogue")
        quote = entry.get("quote")
        if not isinstance(quote, str) or not quote.strip():
            raise InvalidData(f"{where}: quote is required")
        start = find_quote(text, quote, noise)
        if start is None:
            place = "only in page boilerplate or reader comments" if quote in text else "not found verbatim"
            raise InvalidData(f"{where}: quote is {place} in the document: {quote[:80]!r}")
        confidence = entry.get("confidence")
        if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0 < confidence <= 1:
            raise InvalidData(f"{where}: confidence must be a number in (0, 1]")
        date, precision = parse_date(entry.get("date"), where)
        cid = claim_id(doc_id, predicate, subject, obj, quote)
        if cid in claims:
            raise InvalidData(f"{where}: the same fact with the same quote is given twice")
        claims[cid] = ClaimRecord(
            id=cid, predicate=predicate, subject=subject, object=obj, quote=quote, start=start,
            end=start + len(quote), confidence=float(confidence), method="curated", date=date,
            date_precision=precision, claimed_by=claimed_by, note=entry.get("note"),
        )
    return Annotations(metadata=metadata, noise=noise, claims=sorted(claims.values(), key=lambda c: c.id))
