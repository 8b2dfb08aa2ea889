"""Edits made while the API runs, so that they last and show at once.

Each edit is kept as data that every load applies (an alias or a merge, and a fact added to a document,
go to the review decisions file; a new document goes to the inbox folder as Markdown with its
metadata in front matter), so a fresh load of the seeds, the decisions and the inbox reproduces it.
It shows at once because the ordinary pipeline then reloads the documents it can change, from the
source files the graph remembers: every document when the catalogue changes (names are matched in
all of them), one document otherwise. A change that would make a document fail to load is undone and
reported; nothing of it is recorded. Edits run one at a time.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from graph.db import Graph
from graph.queries import Reads
from graph.settings import Settings
from graph.write import Writer
from loaders import readers
from loaders.curated import SLUG, claim_id, read_metadata_overrides
from loaders.pipeline import Outcome, Pipeline, Report
from loaders.review import Decisions, read_decisions, record
from schema.model import InvalidData, Model

MAX_NAME = 200
MAX_ID = 100  # it names a file


class EditError(ValueError):
    """Refused, with the argument to fix when there is one (also as the GraphQL error's `field`)."""

    def __init__(self, field: str | None, message: str):
        super().__init__(f"{field}: {message}" if field else message)
        self.extensions = {"code": "BAD_USER_INPUT", **({"field": field} if field else {})}


@dataclass
class Change:
    """What an edit changed: the object it is about, and every document reloaded."""

    reloaded: list[Outcome] = field(default_factory=list)
    entity: str | None = None
    claim: str | None = None
    document: str | None = None


class Editor:
    def __init__(self, graph: Graph, model: Model, settings: Settings):
        self.model = model
        self.writer = Writer(graph, model)
        self.reads = Reads(graph, model)
        self.review = settings.cablegraph_review
        self.inbox = settings.cablegraph_inbox
        self.workers = settings.cablegraph_workers
        self._lock = threading.Lock()

    # -- the catalogue: every document reloads ---------------------------------------------------
    def add_alias(self, entity: str, name: str, by: str) -> Change:
        name = " ".join(name.split())
        if not 0 < len(name) <= MAX_NAME or not name.isprintable():
            raise EditError("name", f"give 1 to {MAX_NAME} printable characters")
        with self._lock:
            row = self._entity(entity, "entity")
            if name in row["aliases"]:
                return Change(entity=entity)
            if not row["reviewed"]:
                raise EditError("entity", f"{entity!r} was found by extraction and nobody has reviewed it; "
                                "accept it (cablegraph review accept) or merge it into a reviewed entity")
            return self._catalogue_change({"alias": entity, "name": name, "by": by}, entity)

    def merge(self, entity: str, into: str, by: str) -> Change:
        with self._lock:
            row = self._entity(entity, "entity")
            if not self._entity(into, "into")["reviewed"]:
                raise EditError("into", f"{into!r} was found by extraction and nobody has reviewed it; "
                                "merge into a reviewed entity")
            if entity == into:
                raise EditError("into", "an entity cannot be merged into itself")
            decision = {"merge": entity, "into": into, "names": row["aliases"], "by": by}
            return self._catalogue_change(decision, into)

    def _catalogue_change(self, decision: dict[str, Any], entity: str) -> Change:
        decisions = read_decisions(self.review)
        before = [e for e in self.writer.catalogue() if e.id not in decisions.merges]
        alone = Decisions()
        alone.add(decision, "this edit")
        after = alone.apply(before, self.model)
        decisions.add(decision, "this edit")
        sources = self._sources(None)
        *_, kept = self.writer.write_catalogue(after)
        report = self._reload(sources, decisions)
        if report.errors:
            self.writer.write_catalogue(before)
            undone = self._reload(sources, read_decisions(self.review))
            raise EditError(None, _failures(report) + ("" if not undone.errors else
                                                      f" (undoing it failed too: {_failures(undone)})"))
        self.writer.drop_uncited(kept)
        record(self.review, decision)
        return Change(entity=entity, reloaded=report.outcomes)

    # -- one document ----------------------------------------------------------------------------
    def add_claim(self, document: str, fact: dict[str, Any], by: str) -> Change:
        with self._lock:
            sources = self._sources([document])
            decision = {"add_claim": document, **{k: v for k, v in fact.items() if v is not None}, "by": by}
            decisions = read_decisions(self.review)
            decisions.add(decision, "this edit")
            report = self._reload(sources, decisions)
            if report.errors:  # the document keeps its previous version
                raise EditError(None, _failures(report))
            record(self.review, decision)
        renamed = {k: decisions.merges.get(fact[k], fact[k]) for k in ("subject", "object")}
        cid = claim_id(document, fact["predicate"], renamed["subject"], renamed["object"], fact["quote"])
        return Change(claim=cid, document=document, reloaded=_about(report, document))

    def ingest(self, text: str, metadata: dict[str, Any], doc_id: str | None, by: str) -> Change:
        if not text.strip():
            raise EditError("text", "the document is empty")
        if "\x00" in text:
            raise EditError("text", "contains NUL characters; send the document's text")
        if len(text.encode()) > readers.MAX_BYTES:
            raise EditError("text", f"is over the {readers.MAX_BYTES} byte limit")
        meta = read_metadata_overrides(metadata, self.model, "ingestDocument")
        doc_id = doc_id or f"inbox-{hashlib.sha256(text.encode()).hexdigest()[:16]}"
        if not SLUG.match(doc_id) or len(doc_id) > MAX_ID:
            raise EditError("id", f"use a lowercase-hyphen slug of at most {MAX_ID} characters, "
                            "such as 'mois-report-2014-12'")
        front = yaml.safe_dump({**meta, "ingested_by": by}, sort_keys=False, allow_unicode=True)
        content = f"---\n{front}---\n{text}"
        path = (self.inbox / f"{doc_id}.md").resolve()
        with self._lock:
            known = self.writer.sources()
            if path.exists() and path.read_text(encoding="utf-8") != content:
                raise EditError("id", f"the inbox already holds another document {doc_id!r}")
            if doc_id in known and known[doc_id] != str(path):
                raise EditError("id", f"document {doc_id!r} exists already (loaded from another file)")
            created = not path.exists()
            if created:
                _write_new(path, content)
            report = self._reload([path], read_decisions(self.review))
            if report.errors:
                if created:
                    path.unlink()
                raise EditError(None, _failures(report))
        return Change(document=doc_id, reloaded=report.outcomes)

    # -- helpers ---------------------------------------------------------------------------------
    def _entity(self, entity_id: str, field_name: str) -> dict[str, Any]:
        row = self.reads.entities_by_id([entity_id]).get(entity_id)
        if row is None:
            raise EditError(field_name, f"no entity {entity_id!r}")
        return row

    def _sources(self, ids: list[str] | None) -> list[Path]:
        """The files to reload for these documents (all when None); refused when one is missing."""
        known = self.writer.sources()
        for doc in ids or []:
            if doc not in known:
                raise EditError("document", f"no document {doc!r}")
        wanted = known if ids is None else {doc: known[doc] for doc in ids}
        for doc, source in sorted(wanted.items()):
            if not source or not Path(source).is_file():
                where = f"from {source}, which is gone" if source else "before documents remembered their files"
                raise EditError(None, f"document {doc!r} was loaded {where}; load it again (cablegraph load) "
                                "or restore the file, then retry")
        return sorted({Path(s) for s in wanted.values() if s})

    def _reload(self, paths: list[Path], decisions: Decisions) -> Report:
        try:
            return Pipeline(self.writer, self.model, workers=self.workers).load(paths, decisions=decisions)
        except InvalidData as exc:
            raise EditError(None, str(exc)) from exc


def _about(report: Report, document: str) -> list[Outcome]:
    return [o for o in report.outcomes if o.doc_id == document]


def _failures(report: Report) -> str:
    return "; ".join(o.error for o in report.errors if o.error)


def _write_new(path: Path, content: str) -> None:
    """The whole file or none of it, so a load never reads half a document."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".ingest-", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(content)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
