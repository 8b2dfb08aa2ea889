"""GraphQL mutations, for API keys with the editor role. Each edit lasts (it is recorded as data that
every load applies) and shows at once (the documents it changes are reloaded before it returns); see
loaders/editor.py. A reader's request never reaches here: the permission check refuses it first, and
only an editor's request context holds the Editor at all."""

from __future__ import annotations

import strawberry
from strawberry.types import Info

from api.auth import EditorOnly, principal_of
from api.batch import off_thread
from api.schema import Claim, Document, Entity, batches
from loaders.editor import Change, Editor


@strawberry.type(description="A document an edit reloaded, and what changed in it.")
class Reload:
    status: str = strawberry.field(description="added, updated or unchanged.")
    claims_added: int
    claims_removed: int
    document_id: strawberry.Private[str]

    @strawberry.field
    async def document(self, info: Info) -> Document | None:
        row = await batches(info).document.load(self.document_id)
        return Document.of(row) if row else None


@strawberry.type(description="The entity with its new spelling; every document was reloaded.")
class AliasAdded:
    entity: Entity
    reloaded: list[Reload]


@strawberry.type(description="The entity that remains; every document was reloaded.")
class EntitiesMerged:
    entity: Entity
    merged: strawberry.ID = strawberry.field(description="The id that is gone.")
    reloaded: list[Reload]


@strawberry.type(description="The new claim, stated in its document, which was reloaded.")
class ClaimAdded:
    claim: Claim
    reloaded: list[Reload]


@strawberry.type(description="The new document, after extraction and resolution.")
class DocumentIngested:
    document: Document
    reloaded: list[Reload]


def _editor(info: Info) -> Editor:
    return info.context["editor"]


def _by(info: Info) -> str:
    return principal_of(info).label


def _reloads(change: Change) -> list[Reload]:
    return [
        Reload(document_id=o.doc_id, status=o.result.status, claims_added=o.result.claims_added,
               claims_removed=o.result.claims_removed)
        for o in change.reloaded if o.doc_id and o.result
    ]


async def _entity(info: Info, entity_id: str) -> Entity:
    return Entity.of(await batches(info).entity.load(entity_id))


async def _document(info: Info, document_id: str) -> Document:
    return Document.of(await batches(info).document.load(document_id))


@strawberry.type
class Mutation:
    @strawberry.mutation(
        permission_classes=[EditorOnly],
        description="Add a spelling to a reviewed entity. Recorded in the review decisions file.",
    )
    async def add_alias(self, info: Info, entity: strawberry.ID, name: str) -> AliasAdded:
        change = await off_thread(_editor(info).add_alias, str(entity), name, _by(info))
        return AliasAdded(entity=await _entity(info, change.entity), reloaded=_reloads(change))

    @strawberry.mutation(
        permission_classes=[EditorOnly],
        description="Two ids are one entity: `entity`'s names become aliases of `into` (a reviewed entity), and "
        "its mentions and claims move there. Recorded in the review decisions file.",
    )
    async def merge_entities(self, info: Info, entity: strawberry.ID, into: strawberry.ID) -> EntitiesMerged:
        change = await off_thread(_editor(info).merge, str(entity), str(into), _by(info))
        return EntitiesMerged(entity=await _entity(info, change.entity), merged=entity, reloaded=_reloads(change))

    @strawberry.mutation(
        permission_classes=[EditorOnly],
        description="A fact a document states, with its verbatim quote, checked like a curated fact (schema/model.yaml "
        "decides the predicate and the endpoints). Recorded in the review decisions file.",
    )
    async def add_claim(
        self, info: Info, document: strawberry.ID, subject: strawberry.ID, predicate: str, object: strawberry.ID,
        quote: str, confidence: float, date: str | None = None, claimed_by: strawberry.ID | None = None,
        note: str | None = None,
    ) -> ClaimAdded:
        fact = {"subject": str(subject), "predicate": predicate, "object": str(object), "quote": quote,
                "confidence": confidence, "date": date, "claimed_by": str(claimed_by) if claimed_by else None,
                "note": note}
        change = await off_thread(_editor(info).add_claim, str(document), fact, _by(info))
        row = await batches(info).claim.load(change.claim)
        return ClaimAdded(claim=Claim.of(row), reloaded=_reloads(change))

    @strawberry.mutation(
        permission_classes=[EditorOnly],
        description="Add a document: saved as Markdown in the inbox folder, then loaded like `cablegraph load` "
        "(extraction, resolution). The id defaults to one derived from the text.",
    )
    async def ingest_document(
        self, info: Info, text: str, title: str | None = None, published: str | None = None,
        publisher: str | None = None, authors: list[str] | None = None, kind: str | None = None,
        url: str | None = None, id: strawberry.ID | None = None,
    ) -> DocumentIngested:
        metadata = {"title": title, "published": published, "publisher": publisher, "authors": authors,
                    "kind": kind, "url": url}
        change = await off_thread(_editor(info).ingest, text, metadata, str(id) if id else None, _by(info))
        return DocumentIngested(document=await _document(info, change.document), reloaded=_reloads(change))
