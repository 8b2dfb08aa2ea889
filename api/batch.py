"""Per-request batching: every object a GraphQL selection touches at one nesting level is fetched
by one named query, whatever the number of objects (no N+1)."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Sequence
from functools import partial
from typing import Any

from anyio import to_thread
from strawberry.dataloader import DataLoader

from graph.queries import Reads

EMPTY_PAGE = {"total": 0, "items": []}


async def off_thread(fn: Callable[..., Any], *args: Any) -> Any:
    """The driver is synchronous; keep the event loop free while Neo4j answers."""
    return await to_thread.run_sync(partial(fn, *args))


def keyed(fetch: Callable[[list], dict[Hashable, Any]], default: Any) -> DataLoader:
    async def load(keys: Sequence[Hashable]) -> list[Any]:
        found = await off_thread(fetch, list(dict.fromkeys(keys)))
        return [found.get(k, default) for k in keys]

    return DataLoader(load_fn=load)


class Batches:
    """One set of loaders per request, so results are never shared between users or requests."""

    def __init__(self, reads: Reads):
        self.reads = reads
        self.entity = keyed(reads.entities_by_id, None)
        self.document = keyed(reads.documents_by_id, None)
        self.claim = keyed(reads.claims_by_id, None)
        self._pages: dict[Hashable, DataLoader] = {}

    def pages(self, fetch: Callable[..., dict[str, dict]], *args: Hashable) -> DataLoader:
        """A loader of one page (`{total, items}`) per key (an id, or a pair of ids): objects asking with the
        same arguments share one query. `fetch(keys, *args)` is a named query of `Reads`."""
        key = (fetch.__name__, args)
        if key not in self._pages:
            self._pages[key] = keyed(lambda ids: fetch(ids, *args), EMPTY_PAGE)
        return self._pages[key]
