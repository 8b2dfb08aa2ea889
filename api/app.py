"""The Starlette app: GraphQL at /graphql (GraphiQL in a browser), health at /health, Neo4j Browser's
guide and style under /browser.

GraphiQL's scripts and styles are served from local copies installed from the npm registry at
setup (api/static/package.json): the page works with the network off. The files are byte-identical
to the ones Strawberry's page names, so its subresource-integrity hashes still hold.

The dashboard at / (api/static/dashboard) is hand-written HTML, CSS and JS with no build step; it reads
only through /graphql.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from functools import cached_property
from pathlib import Path
from typing import Any

import orjson
from cross_web import HTTPException
from graphql import ExecutionResult
from starlette.applications import Starlette
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.http import GraphQLRequestData

from api.auth import Authenticate, Keys, Role, is_loopback
from api.batch import Batches, off_thread
from api.browser import browser_files
from api.compiled import Compiled
from api.schema import build_schema
from graph.browser import URL_PATH as BROWSER_URL
from graph.db import Graph, GraphUnavailable
from graph.queries import Reads
from graph.settings import Settings
from loaders.editor import Editor
from schema.model import load_model

log = logging.getLogger("cablegraph.api")
VENDOR = Path(__file__).resolve().parent / "static" / "node_modules"
DASHBOARD = Path(__file__).resolve().parent / "static" / "dashboard"
VENDOR_URL = "/static/vendor/"
GRAPHQL = "/graphql"
REQUEST_KEYS = {"query", "variables", "operationName", "extensions"}
CDN = re.compile(r"https://[^/\s\"]+/(@?[^@\s\"]+)@[0-9][^/\s\"]*/")


def local_assets(html: str) -> str:
    """Point every CDN URL of a page at our vendored copy of the same package."""
    return CDN.sub(lambda m: f"{VENDOR_URL}{m.group(1)}/", html)


class CablegraphGraphQL(GraphQL):
    def __init__(self, reads: Reads, settings: Settings, editor: Editor, **kwargs: Any):
        super().__init__(build_schema(settings), **kwargs)
        self.reads = reads
        self.editor = editor
        self.compiled = Compiled(self.schema, reads, settings)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """A POST of one JSON query whose compiled statement is ready (api/compiled.py) is answered here, in one
        round trip and without Strawberry's request handling; anything else, or anything wrong with it, goes to
        Strawberry, which answers or reports it as it always does."""
        if scope["type"] != "http" or scope["method"] != "POST" or not _plain_json(scope):
            await super().__call__(scope, receive, send)
            return
        read = await _read_body(receive)
        if read is None:  # the client went away
            return
        body, receive = read
        answer = await self.compiled_answer(body)
        if answer is None:
            await super().__call__(scope, receive, send)
            return
        await send({"type": "http.response.start", "status": 200,
                    "headers": [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(answer))]})
        await send({"type": "http.response.body", "body": answer})

    async def compiled_answer(self, body: bytes) -> bytes | None:
        """The whole response to a request body, or None when Strawberry must answer it."""
        try:
            request = orjson.loads(body)
        except orjson.JSONDecodeError:
            return None
        if not isinstance(request, dict) or not isinstance(request.get("query"), str) \
                or not isinstance(request.get("variables"), dict | None) \
                or not isinstance(request.get("operationName"), str | None) \
                or not isinstance(request.get("extensions"), dict | None) or request.keys() - REQUEST_KEYS:
            return None
        plan = self.compiled.plan(request["query"], request.get("operationName"))
        if plan is None or not plan.ready:
            return None
        try:
            data = await self.compiled.aanswer(plan, request.get("variables"))
        except GraphUnavailable as exc:  # as the resolvers would say it, without waiting for them to fail again
            return orjson.dumps({"data": None, "errors": [{"message": str(exc)}]})
        except Exception:  # a defect of the compiler: log it, and let the resolvers answer
            log.exception("compiled query failed; answering it with the resolvers")
            return None
        return None if data is None else orjson.dumps({"data": data})

    async def execute_single(self, request: Any, request_adapter: Any, sub_response: Any, context: Any,
                             root_value: Any, request_data: GraphQLRequestData) -> ExecutionResult:
        """The resolvers answer; the first time a query text the compiler handles is asked, its statement runs
        once in the background, and it is compiled from then on (api/compiled.py)."""
        plan = (self.compiled.plan(request_data.query, request_data.operation_name)
                if request_data.query and request_adapter.method == "POST" else None)
        if plan is not None and not plan.ready:
            self.compiled.warm(plan, request_data.variables)
        return await super().execute_single(request, request_adapter, sub_response, context, root_value,
                                            request_data)

    @cached_property
    def graphql_ide_html(self) -> str:
        return local_assets(super().graphql_ide_html)

    def decode_json(self, data: str | bytes) -> object:
        """JSON that is not an object (or a batch list), not text at all, or nested thousands deep, is the
        client's error."""
        try:
            parsed = json.loads(data)
        except RecursionError as exc:
            raise HTTPException(400, "the body is nested too deeply") from exc
        except ValueError as exc:  # bad JSON or bytes that are no Unicode text
            raise HTTPException(400, f"the body is not JSON text: {exc}") from exc
        if not isinstance(parsed, dict | list):
            raise HTTPException(400, "the body must be a JSON object with a query")
        return parsed

    async def get_context(self, request: Any, response: Any) -> dict[str, Any]:
        principal = request.state.principal  # set by api.auth.Authenticate
        return {"request": request, "response": response, "batches": Batches(self.reads), "principal": principal,
                "editor": self.editor if principal.role is Role.EDITOR else None}


def _plain_json(scope: Scope) -> bool:
    """A request body of JSON, and an answer wanted as one JSON document (not a stream)."""
    content_type = accept = b""
    for name, value in scope["headers"]:
        if name == b"content-type":
            content_type = value
        elif name == b"accept":
            accept = value
    return content_type.split(b";")[0].strip().lower() == b"application/json" \
        and b"multipart" not in accept and b"event-stream" not in accept


async def _read_body(receive: Receive) -> tuple[bytes, Receive] | None:
    """The whole request body, and a `receive` that gives it again (then whatever the client sends next); None
    if the client disconnected first."""
    chunks, more = [], True
    while more:
        message = await receive()
        if message["type"] != "http.request":
            return None
        chunks.append(message.get("body", b""))
        more = message.get("more_body", False)
    body = b"".join(chunks)
    replayed = False

    async def again() -> Message:
        nonlocal replayed
        if replayed:
            return await receive()
        replayed = True
        return {"type": "http.request", "body": body, "more_body": False}

    return body, again


def allowed_hosts(settings: Settings) -> list[str]:
    """The Host headers the API answers: a page on another site that rebinds its own name to 127.0.0.1 sends
    its name, and is refused."""
    named = [h.strip() for h in settings.cablegraph_allowed_hosts.split(",") if h.strip()]
    if named:
        return named
    return ["localhost", "127.0.0.1", "::1", "[::1]"] if is_loopback(settings.cablegraph_host) else ["*"]


class API(Starlette):
    """Starlette behind one host check for every request, except that a POST to /graphql, nearly all of the
    traffic, reaches its endpoint from there directly rather than through Starlette's error handlers and routing."""

    def __init__(self, graphql: ASGIApp, allowed: list[str], **kwargs: Any):
        super().__init__(**kwargs)
        self.graphql = graphql
        self.checked = TrustedHostMiddleware(self._route, allowed_hosts=allowed)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.checked(scope, receive, send)

    async def _route(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and scope["path"] == GRAPHQL:
            scope["app"] = self
            await self.graphql(scope, receive, send)
        else:
            await super().__call__(scope, receive, send)


def create_app(graph: Graph, settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    model = load_model()
    reads = Reads(graph, model)
    keys = Keys(settings.cablegraph_keys)
    keys.entries()  # a bad keys file stops the server before it serves anything
    graphql = CablegraphGraphQL(reads, settings, Editor(graph, model, settings))
    reads.overview.warm()

    async def health(request: Request) -> JSONResponse:
        try:
            await off_thread(graph.ping)  # answers at once when Neo4j is down, rather than after the retries
            stats = await off_thread(reads.stats)
        except GraphUnavailable as exc:
            return JSONResponse({"status": "unavailable", "neo4j": str(exc)}, status_code=503)
        return JSONResponse({"status": "ok", "neo4j": "up", **stats})

    async def home(request: Request) -> FileResponse:
        return FileResponse(DASHBOARD / "index.html")

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        await graph.aclose()  # the async driver of the server's event loop, made by the compiled reads

    endpoint = Authenticate(graphql, keys, settings.cablegraph_anonymous)
    app = API(
        endpoint, allowed_hosts(settings),
        lifespan=lifespan,
        routes=[
            Route("/", home),
            Mount("/static/dashboard", StaticFiles(directory=DASHBOARD)),
            Route("/health", health),
            Route(GRAPHQL, endpoint, methods=["GET", "POST"]),
            Mount(VENDOR_URL.rstrip("/"), StaticFiles(directory=VENDOR, check_dir=False)),
            Mount(BROWSER_URL, browser_files(model)),
        ],
    )
    app.state.compiled = graphql.compiled
    return app
