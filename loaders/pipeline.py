"""From paths to a loaded graph: find the catalogue and documents, check them, write each document
in one transaction, and say what changed.

Everything a document needs is prepared and checked before its transaction opens, so a bad
document is reported with its file and line and leaves the graph as it was.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from graph.write import DocumentRecord, EntityRecord, MentionRecord, Writer, WriteResult
from loaders.boilerplate import noise_spans
from loaders.curated import CATALOGUE_NAME, read_annotations, read_catalogue, sidecar_for
from loaders.extract import extract
from loaders.resolve import Resolver
from schema.model import MODEL_PATH, InvalidData, Model

TEXT_SUFFIXES = {".txt", ".md"}
MAX_BYTES = 20 * 1024 * 1024


@dataclass
class Outcome:
    path: Path
    doc_id: str | None
    result: WriteResult | None = None
    error: str | None = None


@dataclass
class Report:
    catalogue: tuple[int, int, list[str]] | None = None  # written, removed, kept because cited
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def errors(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.error]


def discover(paths: Iterable[Path]) -> tuple[Path | None, list[Path]]:
    """The catalogue (at most one entities.yaml) and the document files, in a stable order."""
    catalogue: Path | None = None
    docs: list[Path] = []
    for path in paths:
        if not path.exists():
            raise InvalidData(f"{path}: no such file or directory")
        candidates = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for p in candidates:
            if p.name == CATALOGUE_NAME:
                if catalogue and catalogue.resolve() != p.resolve():
                    raise InvalidData(f"{p}: a second entity catalogue (the first is {catalogue})")
                catalogue = p
            elif p.suffix.lower() in TEXT_SUFFIXES:
                docs.append(p)
            elif not path.is_dir() and p.suffix.lower() not in (".yaml", ".yml"):
                raise InvalidData(f"{p}: cannot read {p.suffix or 'this'} files (use .txt or .md)")
    return catalogue, docs


def read_text(path: Path) -> str:
    data = path.read_bytes()
    if len(data) > MAX_BYTES:
        raise InvalidData(f"{path}: {len(data)} bytes is over the {MAX_BYTES} byte limit")
    if b"\x00" in data:
        raise InvalidData(f"{path}: looks binary (contains NUL bytes), not a text document")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InvalidData(f"{path}:{line}: not UTF-8 text ({exc.reason})") from exc
    if not text.strip():
        raise InvalidData(f"{path}: the document is empty")
    return text.replace("\r\n", "\n")


def fingerprint(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class Pipeline:
    def __init__(self, writer: Writer, model: Model):
        self.writer = writer
        self.model = model

    def prepare(self, path: Path, catalogue: list[EntityRecord], resolver: Resolver, version: str) -> DocumentRecord:
        """Read, check and extract one document; no database access."""
        text = read_text(path)
        sha = hashlib.sha256(text.encode()).hexdigest()
        doc_id = path.stem
        sidecar = sidecar_for(path)
        families = {e.id: e.family for e in catalogue}
        metadata: dict = {}
        if sidecar:
            annotations = read_annotations(sidecar, doc_id, text, families, self.model)
            metadata, noise, claims = annotations.metadata, annotations.noise, annotations.claims
            doc_id = metadata["id"]
            side_hash = hashlib.sha256(sidecar.read_bytes()).hexdigest()
            found = resolver.matcher.find(text, skip=noise)
            new_entities: list[EntityRecord] = []
        else:
            noise, side_hash = noise_spans(text, []), None
            extraction = extract(doc_id, text, noise, resolver, self.model)
            new_entities, found, claims = extraction.entities, extraction.mentions, extraction.claims
        first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
        return DocumentRecord(
            id=doc_id,
            kind=metadata.get("kind") or "document",
            text=text,
            sha256=sha,
            load_hash=fingerprint(sha, side_hash, version),
            title=metadata.get("title", first_line[:200] if not sidecar else None),
            publisher=metadata.get("publisher"),
            authors=metadata.get("authors"),
            published=metadata.get("published"),
            url=metadata.get("url"),
            path=path.name,
            entities=new_entities,
            mentions=[MentionRecord(entity=k, spans=v) for k, v in sorted(found.items())],
            claims=claims,
        )

    def load(
        self, paths: Iterable[Path], force: bool = False, progress: Callable[[Path], None] | None = None
    ) -> Report:
        catalogue_path, docs = discover(paths)
        report = Report()
        known = {e.id: e for e in self.writer.catalogue()}
        if catalogue_path:
            curated = read_catalogue(catalogue_path, self.model)
            known = {e.id: e for e in curated}
        catalogue = sorted(known.values(), key=lambda e: e.id)
        resolver = Resolver.build((e.id, e.family, e.aliases) for e in catalogue)
        version = fingerprint(
            MODEL_PATH.read_text(encoding="utf-8"), [(e.id, e.family, e.aliases) for e in catalogue]
        )
        if catalogue_path:
            report.catalogue = self.writer.write_catalogue(catalogue)
        hashes = self.writer.load_hashes()
        seen: dict[str, Path] = {}
        for path in docs:
            outcome = Outcome(path=path, doc_id=None)
            report.outcomes.append(outcome)
            try:
                record = self.prepare(path, catalogue, resolver, version)
                outcome.doc_id = record.id
                if record.id in seen:
                    raise InvalidData(f"{path}: document id {record.id!r} is also the id of {seen[record.id]}")
                seen[record.id] = path
                if not force and hashes.get(record.id) == record.load_hash:
                    outcome.result = WriteResult(status="unchanged")
                else:
                    outcome.result = self.writer.write_document(record)
            except InvalidData as exc:
                outcome.error = str(exc)
            if progress:
                progress(path)
        return report
