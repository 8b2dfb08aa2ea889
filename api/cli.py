"""The front door: `cablegraph up` runs everything; each step is also a command of its own."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
from rich.table import Table

from api.auth import Keys, Role, is_loopback
from graph.browser import guide_url
from graph.db import Graph, GraphUnavailable, connect
from graph.migrate import migrate
from graph.server import LocalServer, ServerError
from graph.settings import SEEDS, Settings
from graph.write import Writer
from loaders.pipeline import Pipeline, Report, discover
from loaders.review import record
from schema.model import InvalidData, InvalidModel, load_model

LISTED = 200  # loads of more documents report totals by status rather than a row a document
console = Console(stderr=True)
app = typer.Typer(help="Cablegraph: the Iran Cables as a knowledge graph, served over GraphQL.", no_args_is_help=True)
neo4j_app = typer.Typer(help="Run a local Neo4j Community server (no Docker needed).", no_args_is_help=True)
app.add_typer(neo4j_app, name="neo4j")
review_app = typer.Typer(
    help="Review what extraction found: list it, then accept, reject, merge, split or add aliases. Decisions "
    "go to CABLEGRAPH_REVIEW (seeds/review.yaml) and are applied on every load.",
    invoke_without_command=True,
)
app.add_typer(review_app, name="review")
keys_app = typer.Typer(help="API keys: readers may query, editors may also change the graph.", no_args_is_help=True)
app.add_typer(keys_app, name="keys")


@contextmanager
def friendly_errors() -> Iterator[None]:
    """Known failures print what to do, not a traceback."""
    try:
        yield
    except (ServerError, GraphUnavailable, InvalidData, InvalidModel) as exc:
        console.print(f"[bold red]error:[/] {escape(str(exc))}", soft_wrap=True, highlight=False)
        raise typer.Exit(1) from None


def settings() -> Settings:
    return Settings()


def _print_status(server: LocalServer) -> None:
    s = server.status()
    state = f"[green]running[/] (pid {s.pid})" if s.running else "[yellow]stopped[/]"
    console.print(f"Neo4j {state}\n  bolt:    {s.bolt_uri}\n  browser: {s.browser_url}\n  home:    {s.home}")
    if s.running:
        console.print(f"  login:   user {server.settings.neo4j_user}, password in {server.password_file}")


def _local(s: Settings) -> LocalServer:
    if not s.local:
        console.print(f"[bold red]error:[/] NEO4J_URI is set ({s.neo4j_uri}); no local server is managed.")
        raise typer.Exit(1)
    return LocalServer(s)


@neo4j_app.command("start")
def neo4j_start() -> None:
    """Download Neo4j from Maven Central once, then start it on loopback with Neo4j Browser."""
    with friendly_errors():
        server = _local(settings())
        server.start(log=console.print)
        _print_status(server)


@neo4j_app.command("stop")
def neo4j_stop() -> None:
    """Stop the local Neo4j server cleanly."""
    with friendly_errors():
        stopped = _local(settings()).stop()
        console.print("Neo4j stopped." if stopped else "Neo4j was not running.")


@neo4j_app.command("status")
def neo4j_status() -> None:
    """Say whether the local Neo4j server runs, and where."""
    _print_status(_local(settings()))


@app.command()
def init() -> None:
    """Apply constraints, indexes and the full-text index derived from schema/model.yaml, and the index of each
    fact type on its edges' two ends (idempotent)."""
    with friendly_errors(), connect(settings()) as graph:
        for statement in migrate(graph, load_model()):
            console.print(f"  {statement}")


def sources(s: Settings) -> list[Path]:
    """What `load` and `up` load by default: seeds/, then the documents editors added."""
    return [SEEDS, *([s.cablegraph_inbox] if s.cablegraph_inbox.is_dir() else [])]


def run_load(graph: Graph, paths: list[Path], force: bool, metadata: dict | None = None) -> Report:
    model = load_model()
    migrate(graph, model)
    _, _, docs = discover(paths)
    pipeline = Pipeline(Writer(graph, model), model, workers=settings().cablegraph_workers, overrides=metadata,
                        batch=settings().cablegraph_batch)
    with Progress(
        TextColumn("[bold]loading"), BarColumn(), MofNCompleteColumn(), TextColumn("{task.description}"),
        console=console, transient=True,
    ) as progress:
        task = progress.add_task("", total=len(docs))
        try:
            report = pipeline.load(
                paths, force=force, progress=lambda p: progress.update(task, advance=1, description=p.name),
                review=settings().cablegraph_review,
            )
        except GraphUnavailable as exc:
            done = int(progress.tasks[0].completed)
            raise GraphUnavailable(
                f"{exc}\nThe load stopped after {done} of {len(docs)} files. Each document is written whole or "
                "not at all, so nothing is half-written: when Neo4j is back, run the same command again; it "
                "skips the documents already loaded."
            ) from exc
    _print_report(report)
    return report


def _print_report(report: Report) -> None:
    if report.catalogue:
        written, removed, kept = report.catalogue
        console.print(f"catalogue: {written} curated entities, {removed} removed")
        if kept:
            console.print(f"[yellow]kept, still cited by claims:[/] {', '.join(kept)}")
    if len(report.outcomes) > LISTED:  # a table a document long helps nobody, and takes a while to draw
        table = Table("documents", "status", "claims +", "claims -", "mentions")
        for status in ("added", "updated", "unchanged"):
            done = [o.result for o in report.outcomes if o.result and o.result.status == status]
            if done:
                table.add_row(str(len(done)), status, str(sum(r.claims_added for r in done)),
                              str(sum(r.claims_removed for r in done)), str(sum(r.mentions for r in done)))
        if report.errors:
            table.add_row(str(len(report.errors)), "[red]failed[/]", "", "", "")
        console.print(table)
    else:
        table = Table("document", "status", "claims +", "claims -", "mentions")
        for o in report.outcomes:
            r = o.result
            if o.error:
                table.add_row(o.path.name, "[red]failed[/]", "", "", "")
            elif r:
                table.add_row(o.doc_id, r.status, str(r.claims_added), str(r.claims_removed),
                              str(r.mentions) if r.status != "unchanged" else "")
        console.print(table)
    for o in report.errors:
        console.print(f"[bold red]error:[/] {escape(o.error)}", soft_wrap=True, highlight=False)


@app.command()
def load(
    paths: Annotated[
        list[Path] | None, typer.Argument(help="Files or folders to load (default: seeds/ and CABLEGRAPH_INBOX).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Rewrite documents even when nothing changed.")] = False,
    title: Annotated[str | None, typer.Option(help="Document title (overrides the file and sidecar).")] = None,
    published: Annotated[str | None, typer.Option(help="When it was published: YYYY, YYYY-MM or YYYY-MM-DD.")] = None,
    publisher: Annotated[str | None, typer.Option(help="Who published it.")] = None,
    author: Annotated[list[str] | None, typer.Option(help="An author; repeat for several.")] = None,
    kind: Annotated[str | None, typer.Option(help="Document kind from schema/model.yaml, e.g. news-article.")] = None,
    url: Annotated[str | None, typer.Option(help="Where it came from.")] = None,
) -> None:
    """Load documents (.txt .md .html .pdf .json .jsonl; sidecars .yaml and .facts.csv) and the curated
    catalogue (entities.yaml, entities.csv); each document loads whole or not at all; loading twice changes nothing."""
    metadata = {"title": title, "published": published, "publisher": publisher, "authors": author or None,
                "kind": kind, "url": url}
    with friendly_errors(), connect(settings()) as graph:
        report = run_load(graph, paths or sources(settings()), force, metadata)
    if report.errors:
        raise typer.Exit(1)


@app.command()
def export(
    output: Annotated[Path, typer.Argument(help="File to write (a folder for csv).")],
    format: Annotated[str, typer.Option("--format", help="graphml (Gephi), csv (neo4j-admin import) or jsonl.")],
) -> None:
    """Write the whole graph to GraphML, neo4j-admin import CSV, or JSONL with evidence."""
    from graph.export import FORMATS, Exporter

    if format not in FORMATS:
        console.print(f"[bold red]error:[/] --format must be one of {', '.join(FORMATS)}")
        raise typer.Exit(1)
    with friendly_errors(), connect(settings()) as graph:
        counts = Exporter(graph, load_model()).write(format, output)
    console.print(f"wrote {counts['nodes']} nodes and {counts['relationships']} relationships to {output}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Address to listen on (CABLEGRAPH_HOST).")] = None,
    port: Annotated[int | None, typer.Option(help="Port to listen on (CABLEGRAPH_PORT).")] = None,
) -> None:
    """Serve the GraphQL API (GraphiQL at /graphql) and the dashboard (at /). Starts even when Neo4j does not
    answer yet: /health says so, and the API works as soon as Neo4j does."""
    with friendly_errors(), connect(settings(), verify=False) as graph:
        try:
            graph.ping()
        except GraphUnavailable as exc:
            console.print(f"[yellow]warning:[/] {escape(str(exc))}\nServing anyway: /health answers 503 and "
                          "queries say Neo4j is not reachable until it is.", soft_wrap=True, highlight=False)
        _serve(settings(), graph, host, port)


def _serve(s: Settings, graph: Graph, host: str | None, port: int | None) -> None:
    import uvicorn

    from api.app import create_app

    host, port = host or s.cablegraph_host, port or s.cablegraph_port
    console.print(f"Dashboard: http://{host}:{port}/   GraphQL API: http://{host}:{port}/graphql")
    here = s.model_copy(update={"cablegraph_host": host, "cablegraph_port": port})
    console.print(f"Neo4j Browser guide: :guide {guide_url(here)}")
    if s.cablegraph_anonymous != "none" and not is_loopback(host):
        console.print(f"[yellow]warning:[/] {host} is not loopback and requests without a key may read everything; "
                      "set CABLEGRAPH_ANONYMOUS=none to require API keys (cablegraph keys add)", soft_wrap=True)
    uvicorn.run(create_app(graph, here), host=host, port=port, log_level="info", access_log=s.cablegraph_access_log)


@app.command()
def up(
    keep_neo4j: Annotated[bool, typer.Option(help="Leave the local Neo4j running when the API stops.")] = False,
) -> None:
    """Start Neo4j if needed, create the schema, load seeds/ and the inbox, and serve the API: everything, in one
    command."""
    s = settings()
    server = LocalServer(s) if s.local else None
    started = False
    with friendly_errors():
        if server and not server.status().running:
            server.start(log=console.print)
            started = True
        if server:
            _print_status(server)
        try:
            with connect(s) as graph:
                report = run_load(graph, sources(s), force=False)
                if report.errors:
                    console.print("[yellow]some documents failed; serving what loaded[/]")
                _serve(s, graph, None, None)
        finally:
            if started and not keep_neo4j:
                server.stop()
                console.print("Neo4j stopped.")


@app.command()
def query(
    text: Annotated[str, typer.Argument(help="A GraphQL query, or @file to read it from a file.")],
    variables: Annotated[str | None, typer.Option(help="Variables as JSON.")] = None,
) -> None:
    """Run one GraphQL query in-process, no server needed; prints the JSON result."""
    from api.batch import Batches
    from api.schema import build_schema
    from graph.queries import Reads

    source = Path(text[1:]).read_text() if text.startswith("@") else text
    with friendly_errors(), connect(settings()) as graph:
        context = {"batches": Batches(Reads(graph, load_model()))}
        result = asyncio.run(
            build_schema(settings()).execute(
                source, variable_values=json.loads(variables) if variables else None, context_value=context
            )
        )
    out = {"data": result.data}
    if result.errors:
        out["errors"] = [{"message": e.message, "path": e.path} for e in result.errors]
    typer.echo(json.dumps(out, indent=2, ensure_ascii=False))
    if result.errors:
        raise typer.Exit(1)


# -- review ---------------------------------------------------------------------------------------
ReviewFile = Annotated[Path | None, typer.Option("--file", help="The decisions file (default: CABLEGRAPH_REVIEW).")]


@review_app.callback()
def review_list(
    ctx: typer.Context,
    threshold: Annotated[float, typer.Option(help="List extracted facts below this confidence.")] = 0.7,
    limit: Annotated[int, typer.Option(help="At most this many of each.")] = 50,
) -> None:
    """List unreviewed entities and low-confidence extracted facts with their evidence."""
    if ctx.invoked_subcommand:
        return
    from graph.queries import Reads

    with friendly_errors(), connect(settings()) as graph:
        reads = Reads(graph, load_model())
        entities, claims = reads.unreviewed(limit), reads.weak_claims(threshold, limit)
    table = Table("entity", "name", "family/kind", "mentions", "documents", "candidates", title="Unreviewed entities")
    for row in entities:
        e = row["e"]
        table.add_row(e["id"], e["name"], f"{e['family']}/{e['kind']}", str(row["mentions"]),
                      ", ".join(row["docs"][:3]), ", ".join(row["candidates"] or []))
    console.print(table)
    facts = Table("claim", "fact", "confidence", "quote", title=f"Extracted facts below {threshold}")
    for row in claims:
        c = row["claim"]
        facts.add_row(c["id"], f"{c['subject']['id']} {c['predicate']} {c['object']['id']}", f"{c['confidence']:.2f}",
                      escape(c["quote"][:160]))
    console.print(facts)


def _decide(path: Path | None, decision: dict) -> None:
    path = path or settings().cablegraph_review
    with friendly_errors():
        record(path, decision)
    console.print(f"recorded in {path}; applied on the next `cablegraph load`")


def _entity_row(entity_id: str) -> dict:
    from graph.queries import Reads

    with friendly_errors(), connect(settings()) as graph:
        row = Reads(graph, load_model()).entities_by_id([entity_id]).get(entity_id)
    if row is None:
        console.print(f"[bold red]error:[/] no entity {entity_id!r} in the graph")
        raise typer.Exit(1)
    return row


@review_app.command("accept")
def review_accept(
    entity: Annotated[str, typer.Argument(help="An unreviewed entity id.")],
    name: Annotated[str | None, typer.Option(help="Correct the name.")] = None,
    family: Annotated[str | None, typer.Option(help="Correct the family (Person, Organization, ...).")] = None,
    kind: Annotated[str | None, typer.Option(help="Correct the kind.")] = None,
    tag: Annotated[list[str] | None, typer.Option(help="A tag; repeat for several.")] = None,
    file: ReviewFile = None,
) -> None:
    """Make an extracted entity a reviewed one (optionally correcting it)."""
    row = _entity_row(entity)
    if row["reviewed"]:
        console.print(f"[bold red]error:[/] {entity} is already reviewed")
        raise typer.Exit(1)
    family = family or row["family"]
    decision = {"accept": entity, "name": name or row["name"], "family": family, "kind": kind or row["kind"],
                "aliases": row["aliases"], "tags": tag or []}
    with friendly_errors():
        load_model().check_entity(decision["family"], decision["kind"], decision["tags"], f"accept {entity}")
    _decide(file, decision)


@review_app.command("reject")
def review_reject(
    entity: Annotated[str, typer.Argument(help="An unreviewed entity id that is not a real entity.")],
    file: ReviewFile = None,
) -> None:
    """Never create or link this extracted name again."""
    row = _entity_row(entity)
    if row["reviewed"]:
        console.print(f"[bold red]error:[/] {entity} is curated; edit entities.yaml instead")
        raise typer.Exit(1)
    _decide(file, {"reject": entity, "names": row["aliases"]})


@review_app.command("reject-fact")
def review_reject_fact(
    claim: Annotated[str, typer.Argument(help="The id of an extracted claim.")],
    file: ReviewFile = None,
) -> None:
    """Drop a wrongly extracted fact."""
    _decide(file, {"reject_claim": claim})


@review_app.command("merge")
def review_merge(
    entity: Annotated[str, typer.Argument(help="The entity that is a duplicate.")],
    into: Annotated[str, typer.Argument(help="The reviewed entity it is the same as.")],
    file: ReviewFile = None,
) -> None:
    """Two ids are one entity: the first one's names become aliases of the second."""
    row = _entity_row(entity)
    _entity_row(into)
    _decide(file, {"merge": entity, "into": into, "names": row["aliases"]})


@review_app.command("split")
def review_split(
    entity: Annotated[str, typer.Argument(help="A reviewed entity that conflates two.")],
    alias: Annotated[list[str], typer.Option(help="An alias that belongs to the new entity; repeat.")],
    new_id: Annotated[str, typer.Option(help="Id of the new entity.")],
    name: Annotated[str, typer.Option(help="Name of the new entity.")],
    family: Annotated[str, typer.Option(help="Family of the new entity.")],
    kind: Annotated[str, typer.Option(help="Kind of the new entity.")],
    file: ReviewFile = None,
) -> None:
    """Move some aliases of an entity to a new entity."""
    _entity_row(entity)
    _decide(file, {"split": entity, "aliases": alias,
                   "into": {"id": new_id, "name": name, "family": family, "kind": kind}})


@review_app.command("alias")
def review_alias(
    entity: Annotated[str, typer.Argument(help="A reviewed entity.")],
    name: Annotated[str, typer.Argument(help="Another spelling of its name.")],
    file: ReviewFile = None,
) -> None:
    """Add a spelling to an entity."""
    _entity_row(entity)
    _decide(file, {"alias": entity, "name": name})


# -- keys -----------------------------------------------------------------------------------------
@keys_app.command("add")
def keys_add(
    name: Annotated[str, typer.Argument(help="Who holds the key (a person or a dashboard).")],
    role: Annotated[Role, typer.Option(help="reader: queries only; editor: also the mutations.")] = Role.READER,
) -> None:
    """Create a key and print it once; only its SHA-256 is kept (in CABLEGRAPH_KEYS)."""
    keys = Keys(settings().cablegraph_keys)
    with friendly_errors():
        key = keys.add(name, role)
    console.print(f"{role} key {name!r} added to {keys.path}. It is shown only this once:")
    typer.echo(key)


@keys_app.command("list")
def keys_list() -> None:
    """The keys' names and roles (secrets are never stored)."""
    keys = Keys(settings().cablegraph_keys)
    with friendly_errors():
        entries = keys.entries()
    table = Table("name", "role", "created", title=str(keys.path))
    for e in entries:
        table.add_row(e["name"], e["role"], str(e.get("created", "")))
    console.print(table)


@keys_app.command("revoke")
def keys_revoke(name: Annotated[str, typer.Argument(help="The key's name.")]) -> None:
    """Remove a key; a running server refuses it from the next request."""
    with friendly_errors():
        Keys(settings().cablegraph_keys).revoke(name)
    console.print(f"revoked {name!r}")
