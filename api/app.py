"""The Starlette app: GraphQL at /graphql (GraphiQL in a browser), health at /health.

GraphiQL's scripts and styles are served from local copies installed from the npm registry at
setup (api/static/package.json): the page works with the network off. The files are byte-identical
to the ones Strawberry's page names, so its subresource-integrity hashes still hold.
"""

from __future__ import annotations

import json
import re
from functools import cached_property
from pathlib import Path
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from strawberry.asgi import GraphQL

from api.batch import Batches, off_thread
from api.schema import build_schema
from graph.db import Graph, GraphUnavailable
from graph.queries import Reads
from graph.settings import Settings
from schema.model import load_model

VENDOR = Path(__file__).resolve().parent / "static" / "node_modules"
VENDOR_URL = "/static/vendor/"
CDN = re.compile(r"https://[^/\s\"]+/(@?[^@\s\"]+)@[0-9][^/\s\"]*/")


def local_assets(html: str) -> str:
    """Point every CDN URL of a page at our vendored copy of the same package."""
    return CDN.sub(lambda m: f"{VENDOR_URL}{m.group(1)}/", html)


class CablegraphGraphQL(GraphQL):
    def __init__(self, reads: Reads, settings: Settings, **kwargs: Any):
        super().__init__(build_schema(settings), **kwargs)
        self.reads = reads

    @cached_property
    def graphql_ide_html(self) -> str:
        return local_assets(super().graphql_ide_html)

    def decode_json(self, data: str | bytes) -> object:
        try:
            return super().decode_json(data)
        except RecursionError as exc:  # nested thousands deep: answered like any unreadable body (400)
            raise json.JSONDecodeError("nested too deeply", str(data[:20]), 0) from exc

    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        return {"request": request, "response": response, "batches": Batches(self.reads)}


def create_app(graph: Graph, settings: Settings | None = None) -> Starlette:
    reads = Reads(graph, load_model())

    async def health(request: Request) -> JSONResponse:
        try:
            await off_thread(graph.ping)  # answers at once when Neo4j is down, rather than after the retries
            stats = await off_thread(reads.stats)
        except GraphUnavailable as exc:
            return JSONResponse({"status": "unavailable", "neo4j": str(exc)}, status_code=503)
        return JSONResponse({"status": "ok", "neo4j": "up", **stats})

    async def home(request: Request) -> RedirectResponse:
        return RedirectResponse("/graphql")

    return Starlette(
        routes=[
            Route("/", home),
            Route("/health", health),
            Route("/graphql", CablegraphGraphQL(reads, settings or Settings()), methods=["GET", "POST"]),
            Mount(VENDOR_URL.rstrip("/"), StaticFiles(directory=VENDOR, check_dir=False)),
        ],
    )
