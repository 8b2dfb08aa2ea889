"""Every setting, declared once: name, default, help. Read from environment variables.

The README's settings table is checked against this class by a test, and docker-compose.yml's
environment by another, so a setting cannot be documented or wired under a name the code ignores.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def _xdg(var: str, fallback: str) -> Path:
    return Path(os.environ.get(var) or Path.home() / fallback) / "cablegraph"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="", case_sensitive=False, extra="ignore")

    neo4j_uri: str | None = Field(
        None, description="Use this Neo4j server (bolt://, neo4j://, neo4j+s://) and provision nothing."
    )
    neo4j_user: str = Field("neo4j", description="Neo4j user name.")
    neo4j_password: str | None = Field(
        None,
        description="Neo4j password. For the local server: generated once and stored with mode 0600 when unset.",
    )
    neo4j_database: str = Field("neo4j", description="Neo4j database name.")
    neo4j_version: str = Field("5.26.30", description="Neo4j Community version resolved from Maven Central.")
    neo4j_browser_version: str = Field(
        "5.24.0", description="Neo4j Browser version resolved from Maven Central."
    )
    neo4j_bolt_port: int = Field(7687, description="Bolt port of the local Neo4j server (loopback only).")
    neo4j_http_port: int = Field(
        7474, description="HTTP port of the local Neo4j server; Neo4j Browser is at /browser/."
    )
    neo4j_heap: str = Field("1g", pattern=r"^\d+[kmgKMG]?$", description="Java heap of the local Neo4j server.")
    neo4j_pagecache: str = Field(
        "512m", pattern=r"^\d+[kmgKMG]?$", description="Page cache of the local Neo4j server."
    )
    neo4j_max_connections: int = Field(
        8, ge=1, description="Most transactions one process runs on Neo4j at once; more wait for a free connection."
    )
    neo4j_retry_time: float = Field(
        10.0, ge=0, description="Seconds a transaction that met a transient error (a deadlock, a leader switch, a "
        "restart) is retried before it fails.",
    )
    neo4j_start_timeout: float = Field(
        120.0, description="Seconds to wait for the local Neo4j server to answer."
    )
    cablegraph_cache: Path = Field(
        default_factory=lambda: _xdg("XDG_CACHE_HOME", ".cache"),
        description="Where the Neo4j jars are cached after the first download (default ~/.cache/cablegraph).",
    )
    cablegraph_data: Path = Field(
        default_factory=lambda: _xdg("XDG_DATA_HOME", ".local/share") / "neo4j",
        description="The local Neo4j server's home: config, data, logs, password "
        "(default ~/.local/share/cablegraph/neo4j).",
    )
    cablegraph_host: str = Field("127.0.0.1", description="Address the API listens on.")
    cablegraph_port: int = Field(8000, description="Port the API listens on.")
    cablegraph_access_log: bool = Field(
        False, description="Whether the API logs a line for every HTTP request (uvicorn's access log)."
    )
    cablegraph_allowed_hosts: str = Field(
        "", description="Host names the API answers to, comma-separated. Empty: localhost, 127.0.0.1 and ::1 when it "
        "listens on loopback (so a web page cannot reach it by DNS rebinding), any name otherwise.",
    )
    cablegraph_workers: int = Field(
        default_factory=lambda: os.cpu_count() or 1,
        ge=1,
        description="Processes that read and extract documents in parallel when loading many (default: one per core).",
    )
    cablegraph_max_tokens: int = Field(
        5000, ge=1, description="Most tokens (names, punctuation, values) one GraphQL document may hold."
    )
    cablegraph_batch: int = Field(
        100, ge=1, description="Documents a load writes in one transaction; one that Neo4j refuses is retried alone."
    )
    cablegraph_max_depth: int = Field(12, ge=1, description="Deepest GraphQL selection the API accepts.")
    cablegraph_max_aliases: int = Field(30, ge=1, description="Most field aliases one GraphQL query may use.")
    cablegraph_max_cost: int = Field(
        250000, ge=1, description="Highest estimated cost (objects a query may touch) the API accepts."
    )
    cablegraph_introspection: bool = Field(True, description="Whether clients may introspect the GraphQL schema.")
    cablegraph_query_timeout: float = Field(
        10.0, description="Seconds a single Neo4j transaction may run before it is cancelled."
    )
    cablegraph_keys: Path = Field(
        default_factory=lambda data: data["cablegraph_data"] / "api-keys.yaml",
        description="API keys file: each key's name, role and the SHA-256 of its secret, mode 0600 "
        "(default api-keys.yaml in CABLEGRAPH_DATA).",
    )
    cablegraph_anonymous: Literal["reader", "none"] = Field(
        "reader", description="Role of a request without an API key: reader, or none to require a key."
    )
    cablegraph_review: Path = Field(
        default_factory=lambda: SEEDS / "review.yaml",
        description="Review decisions file, applied on every load; `cablegraph review` and editors add to it "
        "(default seeds/review.yaml).",
    )
    cablegraph_inbox: Path = Field(
        default_factory=lambda data: data["cablegraph_data"] / "inbox",
        description="Folder where editors' ingested documents are saved; `cablegraph load` and `up` load it "
        "after seeds/ (default inbox in CABLEGRAPH_DATA).",
    )

    @property
    def local(self) -> bool:
        """True when we run our own Neo4j rather than a user's server."""
        return not self.neo4j_uri

    @property
    def bolt_uri(self) -> str:
        return self.neo4j_uri or f"bolt://127.0.0.1:{self.neo4j_bolt_port}"


def env_name(field: str) -> str:
    return field.upper()
