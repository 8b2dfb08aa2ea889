"""From paths to a loaded graph: find the catalogue and documents, read and check them, extract what
nobody annotated, write them in batches (each document whole or not at all), and say what changed.

Everything a document needs is prepared and checked before its transaction opens, so a bad
document is reported with its file and line and leaves the graph as it was. Preparing (reading,
spaCy, extraction) runs in worker processes when there are many documents, a bounded way ahead of
the main process, which writes what is ready: memory stays flat however many documents there are.
"""

from __future__ import annotations

import hashlib
import json
import multiprocessing
import sys
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Executor, Future, ProcessPoolExecutor, ThreadPoolExecutor
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, NamedTuple

from graph.write import DocumentRecord, EntityRecord, MentionRecord, Writer, WriteResult
from loaders import readers
from loaders.aliases import AliasMatcher
from loaders.boilerplate import noise_spans
from loaders.curated import (
    CATALOGUE_NAMES,
    FACTS_SUFFIX,
    read_annotations,
    read_catalogue,
    read_fact,
    read_metadata_overrides,
    sidecar_for,
)
from loaders.extract import extract
from loaders.factmodel import WEIGHTS, FactModel
from loaders.relations import Decide
from loaders.resolve import Resolver
from loaders.review import REVIEW_NAME, Decisions, read_decisions
from schema.model import MODEL_PATH, InvalidData, Model, load_model

PARALLEL_FROM = 16  # fewer documents than this are not worth starting workers for
CHUNK = 8  # files a worker prepares per call
AHEAD = 4  # chunks per worker prepared or being prepared beyond what the writer has taken
BATCH_DOCUMENTS = 100  # documents written in one transaction (CABLEGRAPH_BATCH)...
BATCH_CHARACTERS = 2_000_000  # ...or fewer, when their texts reach this size


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


def discover(paths: Iterable[Path]) -> tuple[list[Path], Path | None, list[Path]]:
    """The catalogue files (entities.yaml, entities.csv), the review decisions (review.yaml) and the
    document files, in a stable order. Sidecars (<doc>.yaml, <doc>.facts.csv) are found from their documents."""
    catalogues: list[Path] = []
    reviews: list[Path] = []
    docs: list[Path] = []
    for path in paths:
        if not path.exists():
            raise InvalidData(f"{path}: no such file or directory")
        candidates = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for p in candidates:
            if p.name in CATALOGUE_NAMES:
                catalogues.append(p)
            elif p.name == REVIEW_NAME:
                reviews.append(p)
            elif p.suffix.lower() in readers.SUFFIXES:
                docs.append(p)
            elif not path.is_dir() and p.suffix.lower() not in (".yaml", ".yml") and not p.name.endswith(FACTS_SUFFIX):
                raise InvalidData(
                    f"{p}: cannot read {p.suffix or 'this'} files (use {', '.join(sorted(readers.SUFFIXES))})"
                )
    dirs = {p.parent.resolve() for p in catalogues + reviews}
    if len(dirs) > 1:
        names = ", ".join(map(str, catalogues + reviews))
        raise InvalidData(f"catalogue or review files in more than one folder: {names}")
    return catalogues, (reviews[0] if reviews else None), docs


def fingerprint(*parts: object) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


class Names(NamedTuple):
    """What preparing a document needs of a catalogue entity, as an EntityRecord has it too: its id, family and
    every name it goes by. Preparers get these, not whole records (in a worker, half the memory and the pickle)."""

    id: str
    family: str
    aliases: list[str]


@dataclass
class Preparer:
    """Everything needed to turn a file into document records without touching the database. `decide`
    says which facts a sentence states (relations.extract); by default, the rules as the shipped fact
    model (loaders.factmodel) judges them."""

    model: Model
    catalogue: Sequence[EntityRecord | Names]
    version: str
    overrides: dict[str, Any]
    decisions: Decisions = field(default_factory=Decisions)
    decide: Decide | None = None

    def __post_init__(self) -> None:
        self.matcher = AliasMatcher((e.id, e.aliases) for e in self.catalogue)
        self.families = {e.id: e.family for e in self.catalogue}
        if self.decide is None:
            self.decide = FactModel.load(WEIGHTS, self.model).decide

    @cached_property
    def resolver(self) -> Resolver:
        """Extraction's indexes of the catalogue, built when an unannotated document first needs them."""
        return Resolver.build(((e.id, e.family, e.aliases) for e in self.catalogue), matcher=self.matcher)

    def records(self, path: Path) -> list[DocumentRecord | InvalidData]:
        """One record per document in the file, or the error that stopped it."""
        try:
            sources = readers.read(path)
        except InvalidData as exc:
            return [exc]
        single = len(sources) == 1
        out: list[DocumentRecord | InvalidData] = []
        for source in sources:
            try:
                out.append(self.prepare(source, sidecar_for(path) if single else None))
            except InvalidData as exc:
                out.append(exc)
        return out

    def prepare(self, source: readers.SourceText, sidecar: tuple[Path | None, Path | None] | None) -> DocumentRecord:
        text = source.text
        sha = hashlib.sha256(text.encode()).hexdigest()
        annotated = sidecar is not None and any(sidecar)
        if annotated:
            annotations = read_annotations(
                *sidecar, source.id, text, self.families, self.model, renames=self.decisions.merges
            )
            metadata = {**source.metadata, **annotations.metadata}
            noise, claims = annotations.noise, annotations.claims
            found = self.matcher.find(text, skip=noise)
            new_entities: list[EntityRecord] = []
            side_hash = fingerprint(*(p.read_text(encoding="utf-8") if p else None for p in sidecar))
        else:
            metadata = {**source.metadata, "id": source.id}
            noise = noise_spans(text, [])
            extraction = extract(source.id, text, noise, self.resolver, self.model, self.decisions.rejected_names,
                                 self.decide)
            new_entities, found = extraction.entities, extraction.mentions
            claims = [c for c in extraction.claims if c.id not in self.decisions.rejected_claims]
            side_hash = None
        metadata.update(self.overrides)
        if metadata.get("kind"):
            self.model.check_document_kind(metadata["kind"], source.where)
        added = self.decisions.claims.get(metadata["id"], [])
        if added:  # facts a reviewer added: checked like curated ones; they may cite the entities found here
            families = {**self.families, **{e.id: e.family for e in new_entities}}
            for where, fact in added:
                claim = read_fact(fact, where, metadata["id"], text, noise, families, self.model, self.decisions.merges)
                if any(c.id == claim.id for c in claims):
                    raise InvalidData(f"{where}: the document already has this fact with this quote")
                claims = [*claims, claim]
        first_line = next((line.strip() for line in text.splitlines() if line.strip()), "")
        origin = str(source.path.resolve())
        return DocumentRecord(
            id=metadata["id"],
            kind=metadata.get("kind") or "document",
            text=text,
            sha256=sha,
            load_hash=fingerprint(sha, side_hash, self.version, metadata, origin, [fact for _, fact in added]),
            title=metadata.get("title") or (first_line[:200] if not annotated else None),
            publisher=metadata.get("publisher"),
            authors=metadata.get("authors"),
            published=metadata.get("published"),
            url=metadata.get("url"),
            path=source.where,
            source=origin,
            entities=new_entities,
            mentions=[MentionRecord(entity=k, spans=v) for k, v in sorted(found.items())],
            claims=claims,
        )


_worker: Preparer | None = None


def _start_worker(model_path: Path, catalogue: list[Names], version: str, overrides: dict,
                  decisions: Decisions) -> None:
    global _worker
    _worker = Preparer(load_model(model_path), catalogue, version, overrides, decisions)


def _worker_records(paths: list[Path]) -> list[list[DocumentRecord | InvalidData]]:
    assert _worker is not None
    return [_worker.records(path) for path in paths]


def bounded_map(pool: Executor, fn: Callable[[Any], Any], items: Iterable[Any], window: int) -> Iterator[Any]:
    """`pool.map(fn, items)`, in order, with at most `window` calls submitted and not yet taken:
    `pool.map` submits every item at once, and their results would wait in memory for the writer."""
    pending: deque[Future] = deque()
    for item in items:
        pending.append(pool.submit(fn, item))
        if len(pending) >= window:
            yield pending.popleft().result()
    while pending:
        yield pending.popleft().result()


@dataclass
class Batch:
    """Documents waiting for their transaction, and the files to report as done once it commits. A
    batch is written by the `writing` thread while this one gathers the next: Neo4j is kept busy, and
    the Python work of reading results and building parameters is done while it works."""

    writer: Writer
    writing: ThreadPoolExecutor
    progress: Callable[[Path], None] | None
    size: int = BATCH_DOCUMENTS
    documents: list[tuple[Outcome, DocumentRecord]] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    characters: int = 0
    pending: tuple[Future, list[tuple[Outcome, DocumentRecord]], list[Path]] | None = None

    def add(self, outcome: Outcome, record: DocumentRecord) -> None:
        self.documents.append((outcome, record))
        self.characters += len(record.text)

    def done(self, path: Path) -> None:
        """All of the file's documents are in the batch (or failed, or were unchanged)."""
        self.files.append(path)
        if len(self.documents) >= self.size or self.characters >= BATCH_CHARACTERS:
            self.flush()

    def flush(self) -> None:
        """Hand the batch to the writing thread once the one before it is written."""
        rows = self.writer.rows([record for _, record in self.documents])
        self.wait()
        self.pending = (self.writing.submit(self.writer.write_rows, rows), self.documents, self.files)
        self.documents, self.files, self.characters = [], [], 0

    def wait(self) -> None:
        """Record what became of the batch being written, and report its files."""
        if self.pending is None:
            return
        future, documents, files = self.pending
        self.pending = None
        for (outcome, _), result in zip(documents, future.result(), strict=True):
            if isinstance(result, InvalidData):
                outcome.error = str(result)
            else:
                outcome.result = result
        if self.progress:
            for path in files:
                self.progress(path)


class Pipeline:
    def __init__(self, writer: Writer, model: Model, workers: int = 1, overrides: dict[str, Any] | None = None,
                 batch: int = BATCH_DOCUMENTS):
        self.writer = writer
        self.model = model
        self.workers = workers
        self.batch = batch
        self.overrides = read_metadata_overrides(overrides or {}, model)

    def _records(
        self, docs: list[Path], names: list[Names], version: str, decisions: Decisions
    ) -> Iterator[tuple[Path, list]]:
        if self.workers <= 1 or len(docs) < PARALLEL_FROM:
            preparer = Preparer(self.model, names, version, self.overrides, decisions)
            for path in docs:
                yield path, preparer.records(path)
            return
        context = multiprocessing.get_context("spawn")  # the driver's threads must not be forked
        args = (MODEL_PATH, names, version, self.overrides, decisions)
        chunks = [docs[i:i + CHUNK] for i in range(0, len(docs), CHUNK)]
        with ProcessPoolExecutor(self.workers, mp_context=context, initializer=_start_worker, initargs=args) as pool:
            for chunk, prepared in zip(chunks, bounded_map(pool, _worker_records, chunks, self.workers * AHEAD),
                                       strict=True):
                yield from zip(chunk, prepared, strict=True)

    def load(
        self, paths: Iterable[Path], force: bool = False, progress: Callable[[Path], None] | None = None,
        review: Path | None = None, decisions: Decisions | None = None,
    ) -> Report:
        """Load `paths`. Review decisions are `decisions` if given, else those of a review.yaml among the
        paths, else those of `review`."""
        catalogue_paths, found_review, docs = discover(paths)
        if decisions is None:
            decisions = read_decisions(found_review or review)
        report = Report()
        if catalogue_paths:
            catalogue = decisions.apply(read_catalogue(catalogue_paths, self.model), self.model)
        else:  # the graph's reviewed entities already carry the decisions; merged ones linger while cited
            catalogue = [e for e in self.writer.catalogue() if e.id not in decisions.merges]
        names = [Names(e.id, sys.intern(e.family), e.aliases) for e in catalogue]
        version = fingerprint(
            MODEL_PATH.read_text(encoding="utf-8"), hashlib.sha256(WEIGHTS.read_bytes()).hexdigest(), names,
            sorted(decisions.rejected_names), sorted(decisions.rejected_claims), decisions.merges,
        )
        if catalogue_paths:
            report.catalogue = self.writer.write_catalogue(catalogue)
        hashes = self.writer.load_hashes()
        with ThreadPoolExecutor(1, thread_name_prefix="writing") as writing:
            batch = Batch(self.writer, writing, progress, self.batch)
            self._gather(batch, report, hashes, force, self._records(docs, names, version, decisions))
            batch.flush()
            batch.wait()
        if report.catalogue and report.catalogue[2]:  # their claims may just have moved to another entity
            written, removed, kept = report.catalogue
            cited = self.writer.drop_uncited(kept)
            report.catalogue = (written, removed + len(kept) - len(cited), cited)
        return report

    def _gather(self, batch: Batch, report: Report, hashes: dict[str, str], force: bool,
                prepared: Iterator[tuple[Path, list]]) -> None:
        seen: dict[str, str] = {}
        for path, records in prepared:
            for record in records:
                outcome = Outcome(path=path, doc_id=None)
                report.outcomes.append(outcome)
                try:
                    if isinstance(record, InvalidData):
                        raise record
                    outcome.doc_id = record.id
                    if record.id in seen:
                        raise InvalidData(
                            f"{record.path}: document id {record.id!r} is also the id of {seen[record.id]}"
                        )
                    seen[record.id] = record.path
                    if not force and hashes.get(record.id) == record.load_hash:
                        outcome.result = WriteResult(status="unchanged")
                    else:
                        batch.add(outcome, record)
                except InvalidData as exc:
                    outcome.error = str(exc)
            batch.done(path)
