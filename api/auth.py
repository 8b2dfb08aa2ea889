"""API keys and roles. A reader may run queries; an editor may also run the mutations of api/edit.py.

Keys live in one YAML file (CABLEGRAPH_KEYS, mode 0600) that holds each key's name, role and the
SHA-256 of its secret, never the secret itself: `cablegraph keys add` prints a new key once. The file
is read again whenever it changes, so a key added or revoked on the command line counts at once on a
running server. A request carries its key as `Authorization: Bearer KEY` or `X-API-Key: KEY`; one
without a key gets the CABLEGRAPH_ANONYMOUS role (reader, or none). A key that is not in the file is
refused with HTTP 401, never treated as no key.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import hmac
import ipaddress
import logging
import os
import re
import secrets
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send
from strawberry.permission import BasePermission
from strawberry.types import Info

from schema.model import InvalidData

log = logging.getLogger("cablegraph.api")
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
SHA256 = re.compile(r"^[0-9a-f]{64}$")
PREFIX = "cg_"  # makes a leaked key recognisable in logs and secret scanners


class Role(enum.StrEnum):
    READER = "reader"
    EDITOR = "editor"


@dataclass(frozen=True)
class Principal:
    """Who sent a request: a key's name (None without a key) and its role."""

    name: str | None
    role: Role

    @property
    def label(self) -> str:
        return self.name or "anonymous"


def digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


class Keys:
    """The keys file."""

    def __init__(self, path: Path):
        self.path = path
        self._seen: tuple[int, int, int] | None = None
        self._entries: list[dict[str, str]] = []

    def entries(self) -> list[dict[str, str]]:
        """The keys, read again only when the file changed."""
        try:
            info = self.path.stat()
        except FileNotFoundError:
            self._seen, self._entries = None, []
            return []
        seen = (info.st_ino, info.st_mtime_ns, info.st_size)
        if seen != self._seen:
            self._entries, self._seen = self._read(info), seen
        return self._entries

    def _read(self, info: os.stat_result) -> list[dict[str, str]]:
        if stat.S_IMODE(info.st_mode) & 0o077:
            raise InvalidData(f"{self.path}: other users may read or change the API keys; run chmod 600 {self.path}")
        try:
            data = yaml.safe_load(self.path.read_text(encoding="utf-8")) or {}
        except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
            raise InvalidData(f"{self.path}: cannot read the API keys ({exc})") from exc
        entries = data.get("keys") if isinstance(data, dict) else None
        if not isinstance(entries, list):
            raise InvalidData(f"{self.path}: expected a list under 'keys'")
        for n, entry in enumerate(entries, 1):
            if not isinstance(entry, dict) or not isinstance(entry.get("name"), str) \
                    or entry.get("role") not in {r.value for r in Role} or not SHA256.match(str(entry.get("sha256"))):
                raise InvalidData(f"{self.path}: key {n} needs a name, a role (reader or editor) and a sha256")
        return entries

    def lookup(self, key: str) -> Principal | None:
        """The key's holder, comparing digests in constant time (and against every key, found or not)."""
        presented = digest(key)
        found = None
        for entry in self.entries():
            if hmac.compare_digest(presented, entry["sha256"]):
                found = entry
        return Principal(found["name"], Role(found["role"])) if found else None

    def add(self, name: str, role: Role) -> str:
        """A new key for `name`; the only time its secret is seen."""
        if not NAME.match(name):
            raise InvalidData(f"key name {name!r}: use 1 to 64 letters, digits and . _ @ - (not first)")
        entries = self.entries()
        if any(e["name"] == name for e in entries):
            raise InvalidData(f"key name {name!r} is taken; revoke it first or choose another")
        key = PREFIX + secrets.token_urlsafe(32)
        created = dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()
        self._write([*entries, {"name": name, "role": str(role), "sha256": digest(key), "created": created}])
        return key

    def revoke(self, name: str) -> None:
        entries = self.entries()
        if not any(e["name"] == name for e in entries):
            raise InvalidData(f"no key named {name!r} in {self.path}")
        self._write([e for e in entries if e["name"] != name])

    def _write(self, entries: list[dict[str, str]]) -> None:
        """Replace the file in one step, created 0600 so there is no moment others could read it."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        text = "# Cablegraph API keys (cablegraph keys add|list|revoke). Only SHA-256 digests are kept.\n"
        text += yaml.safe_dump({"keys": entries}, sort_keys=False)
        fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".api-keys-")  # mkstemp creates files 0600
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                f.write(text)
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        self._seen = None


class Unauthenticated(Exception):
    """The request's key is missing (when one is required), malformed or unknown."""


def presented_key(request: Request) -> str | None:
    bearer, header = request.headers.get("authorization"), request.headers.get("x-api-key")
    keys = set()
    if bearer is not None:
        scheme, _, value = bearer.strip().partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise Unauthenticated("the Authorization header must be 'Bearer <API key>'")
        keys.add(value.strip())
    if header is not None:
        keys.add(header.strip())
    if len(keys) > 1:
        raise Unauthenticated("the Authorization and X-API-Key headers carry different keys")
    return next(iter(keys), None)


class Authenticate:
    """ASGI middleware for the GraphQL endpoint: puts the request's Principal in `request.state.principal`,
    or answers 401 with a GraphQL-style error."""

    def __init__(self, app: ASGIApp, keys: Keys, anonymous: str):
        self.app, self.keys, self.anonymous = app, keys, anonymous

    def principal(self, request: Request) -> Principal:
        key = presented_key(request)
        if key is not None:
            found = self.keys.lookup(key)
            if found is None:
                raise Unauthenticated("unknown or revoked API key")
            return found
        ide_page = request.method == "GET" and "query" not in request.query_params  # runs nothing
        if self.anonymous == "none" and not ide_page:
            raise Unauthenticated("this API needs a key: send 'Authorization: Bearer <API key>' "
                                  "(an operator creates one with `cablegraph keys add`)")
        return Principal(None, Role.READER)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            try:
                scope.setdefault("state", {})["principal"] = self.principal(Request(scope))
            except Unauthenticated as exc:
                await _refuse(401, str(exc), "UNAUTHENTICATED")(scope, receive, send)
                return
            except InvalidData as exc:  # the keys file went bad under a running server
                log.error("%s", exc)
                await _refuse(500, "Internal error; see the server log.", "INTERNAL")(scope, receive, send)
                return
        await self.app(scope, receive, send)


def _refuse(status: int, message: str, code: str) -> JSONResponse:
    headers = {"WWW-Authenticate": 'Bearer realm="cablegraph"'} if status == 401 else None
    return JSONResponse({"errors": [{"message": message, "extensions": {"code": code}}]}, status, headers)


def principal_of(info: Info) -> Principal:
    return info.context.get("principal") or Principal(None, Role.READER)


class Forbidden(ValueError):
    """A ValueError, so the API shows its message to the client (see api/schema.internal)."""

    extensions = {"code": "FORBIDDEN"}


class EditorOnly(BasePermission):
    message = "this needs the editor role: send an editor's API key (cablegraph keys add NAME --role editor)"

    def has_permission(self, source: Any, info: Info, **kwargs: Any) -> bool:
        return principal_of(info).role is Role.EDITOR

    def on_unauthorized(self) -> None:
        raise Forbidden(self.message)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
