"""The Starlette app: GraphQL at /graphql (GraphiQL in a browser), health at /health."""

from __future__ import annotations

from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse
from starlette.routing import Route
from strawberry.asgi import GraphQL

from api.batch import Batches, off_thread
from api.schema import schema
from graph.db import Graph, GraphUnavailable
from graph.queries import Reads
from schema.model import load_model


class CablegraphGraphQL(GraphQL):
    def __init__(self, reads: Reads, **kwargs: Any):
        super().__init__(schema, **kwargs)
        self.reads = reads

    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        return {"request": request, "response": response, "batches": Batches(self.reads)}


def create_app(graph: Graph) -> Starlette:
    reads = Reads(graph, load_model())

    async def health(request: Request) -> JSONResponse:
        try:
            stats = await off_thread(reads.stats)
        except GraphUnavailable as exc:
            return JSONResponse({"status": "unavailable", "neo4j": str(exc)}, status_code=503)
        return JSONResponse({"status": "ok", "neo4j": "up", **stats})

    async def home(request: Request) -> RedirectResponse:
        return RedirectResponse("/graphql")

    @asynccontextmanager
    async def lifespan(app: Starlette):
        yield
        graph.close()

    return Starlette(
        routes=[
            Route("/", home),
            Route("/health", health),
            Route("/graphql", CablegraphGraphQL(reads), methods=["GET", "POST"]),
        ],
        lifespan=lifespan,
    )
