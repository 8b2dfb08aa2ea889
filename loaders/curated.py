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
    except Exception as exc:  # PyYAML's constructors raise ValueError, RecursionError... on bad dates or deep nesting
        raise InvalidData(f"{path}: not valid YAML ({type(exc).__name__}: {exc})") from exc
    if not isinstance(data, dict):
        raise InvalidData(f"{path}: expected a mapping at the top level")
    bad = _lone_surrogate(data)
    if bad is not None:
        raise InvalidData(f"{path}: not valid Unicode (a lone surrogate in {bad[:60]!r})")
    return data


def _lone_surrogate(data: Any) -> str | None:
    """The first string inside `data` that UTF-8 cannot encode (YAML can spell "\\ud800"; no store takes it).
    Each container is looked at once: YAML aliases can share one a billion times, or nest it in itself."""
    stack, seen = [data], set()
    while stack:
        value = stack.pop()
        if isinstance(value, str):
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                return value
        elif isinstance(value, dict | list) and id(value) not in seen:
            seen.add(id(value))
            stack.extend([*value, *value.values()] if isinstance(value, dict) else value)
    return None


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


def _where(path: Path, entry: Any, what: str) -> str:
    line = entry.get("__line__", "?") if isinstance(entry, dict) else "?"
    return f"{path}:{line}: {what}"


def _section(data: dict, name: str, path: Path) -> list:
    """A list-valued section of a YAML file ([] when absent)."""
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        raise InvalidData(f"{_where(path, data, name)} must be a list, not {type(value).__name__}")
    return value


def _text(entry: dict, name: str, where: str) -> str | None:
    """An optional field that must be a string when given."""
    value = entry.get(name)
    if value is not None and not isinstance(value, str):
        raise InvalidData(f"{where}: {name} must be a string, not {type(value).__name__}")
    return value


def _fields(entry: Any, allowed: set[str], where: str) -> dict:
    if not isinstance(entry, dict):
        raise InvalidData(f"{where}: expected a mapping, got {type(entry).__name__}")
    unknown = set(entry) - allowed - {"__line__"}
    if unknown:
        raise InvalidData(
            f"{where}: unknown field(s) {', '.join(sorted(map(str, unknown)))} (allowed: {', '.join(sorted(allowed))})"
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
        entry = _fields(entry, ENTITY_FIELDS, _where(path, entry, "entity"))
        eid = entry.get("id")
        where = _where(path, entry, f"entity {eid!r}")
        if not isinstance(eid, str) or not SLUG.match(eid):
            raise InvalidData(f"{where}: id must be a lowercase-hyphen slug such as 'qassem-soleimani'")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise InvalidData(f"{where}: name is required")
        tags = _strings(entry.get("tags"), where, "tags")
        family, kind = _text(entry, "family", where), _text(entry, "kind", where)
        model.check_entity(family, kind, tags, where)
        aliases = _strings(entry.get("aliases"), where, "aliases")
        record = EntityRecord(
            id=eid, name=name.strip(), family=family, kind=kind,
            aliases=sorted(set(aliases) | {name.strip()}), tags=sorted(set(tags)),
            description=_text(entry, "description", where), reviewed=True,
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


def read_metadata_overrides(values: dict[str, Any], model: Model, where: str = "command line") -> dict[str, Any]:
    """Metadata given on the command line (or through the API), checked like a sidecar's."""
    return _check_metadata({k: v for k, v in values.items() if v is not None}, where, model)


def read_metadata(data: dict, path: Path, model: Model) -> dict[str, Any]:
    document = data.get("document")
    meta = _fields({} if document is None else document, DOCUMENT_FIELDS, _where(path, data, "document"))
    return _check_metadata({k: v for k, v in meta.items() if k != "__line__"}, _where(path, meta, "document"), model)


def _check_metadata(out: dict[str, Any], where: str, model: Model) -> dict[str, Any]:
    if "id" in out and (not isinstance(out["id"], str) or not SLUG.match(out["id"])):
        raise InvalidData(f"{where}: id must be a lowercase-hyphen slug")
    for name in ("title", "publisher", "url", "kind"):
        _text(out, name, where)
    if out.get("authors") is not None:
        out["authors"] = _strings(out["authors"], where, "authors")
    if out.get("published") is not None:
        out["published"], _ = parse_date(out["published"], where + " published")
    if out.get("kind") is not None:
        model.check_document_kind(out["kind"], where)
    return out


def read_noise_rules(data: dict, path: Path) -> list[NoiseRule]:
    rules = []
    for entry in _section(data, "noise", path):
        where = _where(path, entry, "noise")
        entry = _fields(entry, {"text", "from", "to"}, where)
        text, start, stop = (_text(entry, name, where) for name in ("text", "from", "to"))
        if (text is None) == (start is None) or "" in (text, start, stop):
            raise InvalidData(f"{where}: give either text: or from: (with optional to:), each a non-empty string")
        rules.append(NoiseRule(text=text, start=start, stop=stop, where=where))
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


def read_fact(
    entry: Any, place: str, doc_id: str, text: str, noise: list[tuple[int, int]], families: dict[str, str],
    model: Model, renames: dict[str, str] | None = None,
) -> ClaimRecord:
    """One curated fact (`place` says where it is written), checked against the model, the entities in
    `families`, and the document's text: its quote must be verbatim there and outside the noise."""
    entry = _fields(entry, FACT_FIELDS, f"{place}: fact")
    renames = renames or {}
    subject, predicate, obj, claimed_by, note = (
        _text(entry, name, f"{place}: fact") for name in ("subject", "predicate", "object", "claimed_by", "note")
    )
    subject, obj = renames.get(subject, subject), renames.get(obj, obj)  # merged in review
    where = f"{place}: fact {subject} {predicate} {obj}"
    for role, eid in (("subject", subject), ("object", obj)):
        if eid not in families:
            raise InvalidData(f"{where}: {role} {eid!r} is not an entity in the catalogue")
    model.check_fact(predicate, families[subject], families[obj], where)
    claimed_by = renames.get(claimed_by, claimed_by)
    if claimed_by is not None and families.get(claimed_by) not in ("Person", "Organization"):
        raise InvalidData(f"{where}: claimed_by {claimed_by!r} must be a Person or Organization in the catalogue")
    quote = entry.get("quote")
    if not isinstance(quote, str) or not quote.strip():
        raise InvalidData(f"{where}: quote is required")
    start = find_quote(text, quote, noise)
    if start is None:
        found = "only in page boilerplate or reader comments" if quote in text else "not found verbatim"
        raise InvalidData(f"{where}: quote is {found} in the document: {quote[:80]!r}")
    confidence = entry.get("confidence")
    if isinstance(confidence, bool) or not isinstance(confidence, int | float) or not 0 < confidence <= 1:
        raise InvalidData(f"{where}: confidence must be a number in (0, 1]")
    date, precision = parse_date(entry.get("date"), where)
    return ClaimRecord(
        id=claim_id(doc_id, predicate, subject, obj, quote), predicate=predicate, subject=subject, object=obj,
        quote=quote, start=start, end=start + len(quote), confidence=float(confidence), method="curated",
        date=date, date_precision=precision, claimed_by=claimed_by, note=note,
    )


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
        raise InvalidData(f"{path}: unknown section(s) {', '.join(sorted(map(str, unknown)))}{hint}")
    metadata = read_metadata(data, path, model) if path else {}
    doc_id = metadata.setdefault("id", default_id)
    noise = noise_spans(text, read_noise_rules(data, path) if path else [])
    entries = [(path, e) for e in _section(data, "facts", path)] if path else []
    if table:
        for row in read_csv(table, FACT_FIELDS, {"subject", "predicate", "object", "quote", "confidence"}):
            if "confidence" in row:
                try:
                    row["confidence"] = float(row["confidence"])
                except ValueError:
                    pass  # refused below with the line
            entries.append((table, row))
    claims: dict[str, ClaimRecord] = {}
    renames = renames or {}
    for source, entry in entries:
        place = f"{source}:{entry.get('__line__', '?') if isinstance(entry, dict) else '?'}"
        claim = read_fact(entry, place, doc_id, text, noise, families, model, renames)
        if claim.id in claims:
            raise InvalidData(f"{place}: fact {claim.subject} {claim.predicate} {claim.object}: "
                              "the same fact with the same quote is given twice")
        claims[claim.id] = claim
    return Annotations(metadata=metadata, noise=noise, claims=sorted(claims.values(), key=lambda c: c.id))
