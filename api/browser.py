"""The guide and the style for Neo4j Browser, which runs on Neo4j's port and fetches them from ours.

Those requests are cross-origin, so these files, and nothing else the API serves, allow any origin and
any request header: they are public, read-only and need no credentials. The Browser adds headers of its
own (`cache-control` and `pragma` to a guide request, its error tracker's `sentry-trace` to requests for
localhost), which makes the web browser ask first, in a preflight, whether it may send them.
"""

from __future__ import annotations

from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, PlainTextResponse
from starlette.routing import Route, Router
from starlette.types import ASGIApp

from graph.browser import GUIDE, GUIDE_NAME, STYLE_NAME, grass, style
from schema.model import Model


def browser_files(model: Model) -> ASGIApp:
    sheet = grass(style(model))

    async def guide(request: Request) -> FileResponse:
        return FileResponse(GUIDE, media_type="text/html; charset=utf-8")

    async def stylesheet(request: Request) -> PlainTextResponse:
        return PlainTextResponse(sheet)

    routes = [Route(f"/{GUIDE_NAME}", guide), Route(f"/{STYLE_NAME}", stylesheet)]
    return CORSMiddleware(Router(routes), allow_origins=["*"], allow_methods=["GET"], allow_headers=["*"])
