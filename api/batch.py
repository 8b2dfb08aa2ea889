"""Per-request batching: every object a GraphQL selection touches at one nesting level is fetched
by one named query, whatever the number of objects (no N+1)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from functools import partial
from typing import Any

from anyio import to_thread
from strawberry.dataloader import DataLoader

from graph.queries import Reads


async def off_thread(fn: Callable[..., Any], *args: Any) -> Any:
    """The driver is synchronous; keep the event loop free while Neo4j answers."""
    return await to_thread.run_sync(partial(fn, *args))


def keyed(fetch: Callable[[list[str]], dict[str, Any]], default: Any) -> DataLoader:
    async def load(keys: Sequence[str]) -> list[Any]:
        found = await off_thread(fetch, list(dict.fromkeys(keys)))
        return [found.get(k, default() if callable(default) else default) for k in keys]

    return DataLoader(load_fn=load)


class Batches:
    """One set of loaders per request, so results are never shared between users or requests."""

    def __init__(self, reads: Reads):
        self.reads = reads
        self.entity = keyed(reads.entities_by_id, None)
        self.document = keyed(reads.documents_by_id, None)
        self.claim = keyed(reads.claims_by_id, None)
        self.entity_documents = keyed(reads.documents_of_entities, list)
        self.document_mentions = keyed(reads.mentions_of_documents, list)
        self.document_claims = keyed(reads.claims_of_documents, list)
        self.timeline = keyed(reads.timeline, list)
        self._relationships: dict[Hashable, DataLoader] = {}

    def relationships(self, types: tuple[str, ...] | None, direction: str) -> DataLoader:
        """Entities asking for the same types and direction share one query."""
        key = (types, direction)
        if key not in self._relationships:
            fetch = partial(_relationships, self.reads, list(types) if types is not None else None, direction)
            self._relationships[key] = keyed(fetch, list)
        return self._relationships[key]


def _relationships(reads: Reads, types: list[str] | None, direction: str, ids: list[str]) -> dict[str, list]:
    return reads.relationships(ids, types, direction)
