"""Loading at scale: `cablegraph load` on the synthetic corpus beside a bare batched UNWIND ... MERGE of
the same records through the driver, at several sizes, in one run against one throwaway Neo4j.

    .venv/bin/python -m bench.load [--sizes 1000,10000,100000] [--cache DIR]

For each size: the corpus is generated (or reused from the cache), the database is emptied, and
`cablegraph load CORPUS` runs as a user runs it (the CLI in its own process: start-up, reading,
checking every quote, alias matching, writing). Then the database is emptied again and the bare
loader (this module with --bare, also its own process) writes the same records the generator says
the graph must hold: documents, entities, mentions, claims and fact edges, 100 documents a
transaction, with nothing checked. Both graphs must have the same counts of every label and
relationship type, and the counts the generator planted. Writes bench/results/load.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from bench import synthetic
from graph.db import Graph, connect
from graph.migrate import fact_ends, migrate
from graph.server import LocalServer, free_port
from graph.settings import Settings
from schema.model import Model, load_model

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "load.json"
TARGET = 0.7  # our documents/s at least this share of the bare loader's
BARE_BATCH = 100  # documents a bare transaction holds (about 1,000 claims and 1,000 mentions)


# -- measuring a process -------------------------------------------------------------------------------
def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = defaultdict(list)
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            tree[ppid].append(int(entry.name))
    return tree


def _rss(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, IndexError, ValueError):
        return 0


def cpu_seconds(pid: int) -> float:
    """CPU time of a running process (the Neo4j server), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@dataclass
class Peak:
    """Samples the resident memory of a process, and of its descendants (the extraction workers)."""

    pid: int
    tree: bool = True  # and its descendants
    interval: float = 0.5
    bytes: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def __enter__(self) -> Peak:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set():
            tree, total, todo = _children() if self.tree else {}, 0, [self.pid]
            while todo:
                pid = todo.pop()
                total += _rss(pid)
                todo.extend(tree.get(pid, ()))
            self.bytes = max(self.bytes, total)
            self._stop.wait(self.interval)

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()


def timed(command: list[str], env: dict[str, str], log: Path) -> dict:
    """Run a loader process; its wall time, its tree's peak memory and CPU time, and Neo4j's CPU."""
    before = os.times()
    with log.open("w") as out:
        start = time.perf_counter()
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, cwd=ROOT)
        with Peak(proc.pid) as peak:
            code = proc.wait()
        seconds = time.perf_counter() - start
    after = os.times()
    if code != 0:
        raise SystemExit(f"{' '.join(command)} exited with {code}; see {log}")
    return {"seconds": seconds, "peak_rss_mb": round(peak.bytes / 2**20),
            "cpu_seconds": after.children_user + after.children_system - before.children_user - before.children_system}


# -- the database --------------------------------------------------------------------------------------
class Database:
    """A throwaway local Neo4j, emptied by starting it again on a fresh store (faster than deleting)."""

    def __init__(self, home: Path):
        self.settings = Settings(neo4j_uri=None, neo4j_password=None, cablegraph_data=home,
                                 neo4j_bolt_port=free_port(), neo4j_http_port=free_port())
        self.server = LocalServer(self.settings)

    def fresh(self, model: Model) -> None:
        self.server.stop()
        data = self.settings.cablegraph_data / "data"
        for sub in ("databases", "transactions"):
            shutil.rmtree(data / sub / self.settings.neo4j_database, ignore_errors=True)
        self.server.start(log=lambda *_: None)
        with self.connect() as graph:
            migrate(graph, model)

    def connect(self) -> Graph:
        return connect(self.settings)

    def env(self) -> dict[str, str]:
        return {**os.environ, "NEO4J_URI": self.settings.bolt_uri, "NEO4J_USER": self.settings.neo4j_user,
                "NEO4J_PASSWORD": self.server.password(), "NEO4J_DATABASE": self.settings.neo4j_database}



def counts(graph: Graph, model: Model) -> dict[str, int]:
    """Nodes per label and relationships per type (from Neo4j's count store: cheap at any size)."""
    out = {}
    for label in model.nodes:
        out[label] = graph.read(f"MATCH (n:{model.label(label)}) RETURN count(n) AS n")[0]["n"]
    for rel in model.relationships:
        out[rel] = graph.read(f"MATCH ()-[r:{model.rel_type(rel)}]->() RETURN count(r) AS n")[0]["n"]
    return out


# -- the bare loader -----------------------------------------------------------------------------------
BARE_STATEMENTS = {
    "documents": "UNWIND $rows AS r MERGE (d:Document {id: r.id}) SET d += r.props",
    "mentions": "UNWIND $rows AS r MATCH (d:Document {id: r.doc}), (e:Entity {id: r.entity}) "
                "MERGE (d)-[m:MENTIONS]->(e) SET m.count = r.count, m.spans = r.spans",
    "claims": "UNWIND $rows AS r MATCH (d:Document {id: r.doc}), (s:Entity {id: r.subject}), "
              "(o:Entity {id: r.object}) MERGE (c:Claim {id: r.id}) SET c += r.props "
              "MERGE (c)-[:STATED_IN]->(d) MERGE (c)-[:SUBJECT]->(s) MERGE (c)-[:OBJECT]->(o)",
    "claimed_by": "UNWIND $rows AS r MATCH (c:Claim {id: r.id}), (w:Entity {id: r.by}) MERGE (c)-[:CLAIMED_BY]->(w)",
    "edges": "UNWIND $rows AS r MATCH (s:Entity {id: r.s}), (o:Entity {id: r.o}) MERGE (s)-[f:$(r.p)]->(o) "
             f"SET f.ends = {fact_ends('r.s', 'r.o')}, f.claim_ids = coalesce(f.claim_ids, []) + r.claim_ids, "
             "f.doc_ids = coalesce(f.doc_ids, []) + [d IN r.doc_ids WHERE NOT d IN coalesce(f.doc_ids, [])], "
             "f.confidence = CASE WHEN f.confidence > r.confidence THEN f.confidence ELSE r.confidence END, "
             "f.first_date = CASE WHEN f.first_date < r.first_date THEN f.first_date "
             "  ELSE coalesce(r.first_date, f.first_date) END, "
             "f.last_date = CASE WHEN f.last_date > r.last_date THEN f.last_date "
             "  ELSE coalesce(r.last_date, f.last_date) END",
}


def bare_rows(out: Path, documents: list[dict]) -> dict[str, list[dict]]:
    rows: dict[str, list[dict]] = {k: [] for k in BARE_STATEMENTS}
    edges: dict[tuple[str, str, str], dict] = {}
    for d in documents:
        text = (out / d["path"]).read_text(encoding="utf-8")
        props = {k: d[k] for k in ("title", "published", "kind", "publisher", "sha256")}
        rows["documents"].append({"id": d["id"], "props": {**props, "text": text, "path": d["path"]}})
        for entity, spans in d["mentions"]:
            rows["mentions"].append({"doc": d["id"], "entity": entity, "count": len(spans),
                                     "spans": [f"{s}-{e}" for s, e in spans]})
        for c in d["claims"]:
            props = {k: c[k] for k in ("predicate", "quote", "start", "end", "confidence", "date", "date_precision",
                                       "method")}
            props["fact"] = f"{c['predicate']}|{c['subject']}|{c['object']}"
            rows["claims"].append({"id": c["id"], "doc": d["id"], "subject": c["subject"], "object": c["object"],
                                   "props": props})
            if c["claimed_by"]:
                rows["claimed_by"].append({"id": c["id"], "by": c["claimed_by"]})
            edge = edges.setdefault((c["predicate"], c["subject"], c["object"]), {
                "p": c["predicate"], "s": c["subject"], "o": c["object"], "claim_ids": [], "doc_ids": [],
                "confidence": 0.0, "first_date": None, "last_date": None})
            edge["claim_ids"].append(c["id"])
            if d["id"] not in edge["doc_ids"]:
                edge["doc_ids"].append(d["id"])
            edge["confidence"] = max(edge["confidence"], c["confidence"])
            if c["date"]:
                edge["first_date"] = min(filter(None, (edge["first_date"], c["date"])))
                edge["last_date"] = max(filter(None, (edge["last_date"], c["date"])))
    rows["edges"] = list(edges.values())
    return rows


def bare(out: Path, graph: Graph) -> None:
    """Write the generator's records the plainest fast way: batched UNWIND ... MERGE, nothing checked."""
    entities: list[dict] = []
    documents: list[dict] = []

    def flush() -> None:
        batch = bare_rows(out, documents)
        graph.write(lambda tx: [tx.run(BARE_STATEMENTS[k], rows=batch[k]).consume() for k in BARE_STATEMENTS])
        documents.clear()

    for record in synthetic.read_records(out):
        if record["type"] == "entity":
            entities.append({"id": record["id"], "family": record["family"],
                             "props": {k: record[k] for k in ("id", "name", "kind", "tags", "aliases")}
                             | {"reviewed": True}})
            continue
        if entities:
            graph.write(lambda tx: tx.run(
                "UNWIND $rows AS r MERGE (e:Entity {id: r.id}) SET e += r.props, e:$(r.family)",
                rows=entities).consume())
            entities.clear()
        documents.append(record)
        if len(documents) >= BARE_BATCH:
            flush()
    flush()


# -- the benchmark -------------------------------------------------------------------------------------
def run_size(db: Database, model: Model, docs: int, cache: Path, logs: Path) -> dict:
    out = cache / f"{docs}"
    summary = synthetic.cached(out, docs)
    planted = {"Document": summary.docs, "Claim": summary.facts, "MENTIONS": summary.mentions}
    result: dict = {"documents": docs, "facts": summary.facts, "characters": summary.characters,
                    "entities": summary.catalogue}
    for path in synthetic.corpus_dir(out).rglob("*"):  # both loaders find the files in the OS's cache, not the
        if path.is_file():  # first one only on disk
            path.read_bytes()
    for name, command in (
        ("cablegraph", [str(Path(sys.executable).with_name("cablegraph")), "load", str(synthetic.corpus_dir(out))]),
        ("bare", [sys.executable, "-m", "bench.load", "--bare", str(out)]),
    ):
        db.fresh(model)
        neo4j_pid = db.server.pid()
        neo4j_before = cpu_seconds(neo4j_pid)
        with Peak(neo4j_pid, tree=False) as neo4j_peak:
            run = timed(command, db.env(), logs / f"{name}-{docs}.log")
        neo4j_cpu = cpu_seconds(neo4j_pid) - neo4j_before
        with db.connect() as graph:
            found = counts(graph, model)
        result[name] = {
            "seconds": round(run["seconds"], 2),
            "docs_per_second": round(docs / run["seconds"], 1),
            "facts_per_second": round(summary.facts / run["seconds"], 1),
            "peak_rss_mb": run["peak_rss_mb"],
            "cores_busy_loader": round(run["cpu_seconds"] / run["seconds"], 2),
            "cores_busy_neo4j": round(neo4j_cpu / run["seconds"], 2),
            "neo4j_peak_rss_mb": round(neo4j_peak.bytes / 2**20),
            "counts": found,
        }
        print(f"{docs:>7} docs  {name:10} {run['seconds']:8.1f} s  {docs / run['seconds']:8.1f} docs/s  "
              f"peak RSS {run['peak_rss_mb']} MB", flush=True)
    ours, theirs = result["cablegraph"], result["bare"]
    result["ratio"] = round(theirs["seconds"] / ours["seconds"], 3)
    result["same_counts"] = ours["counts"] == theirs["counts"]
    result["planted_counts"] = all(ours["counts"][k] == v for k, v in planted.items())
    return result


def write_results(runs: list[dict], settings: Settings) -> None:
    per_doc = [r["cablegraph"]["seconds"] / r["documents"] for r in runs]
    results = {
        "sizes": runs,
        "target_ratio": TARGET,
        "seconds_per_document_largest_over_smallest": round(per_doc[-1] / per_doc[0], 2),
        "cores": os.cpu_count(),
        "workers": int(os.environ.get("CABLEGRAPH_WORKERS", os.cpu_count() or 1)),
        "neo4j": {"version": settings.neo4j_version, "heap": settings.neo4j_heap,
                  "pagecache": settings.neo4j_pagecache},
        "bare_batch_documents": BARE_BATCH,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1000,10000,100000", help="corpus sizes, in documents")
    parser.add_argument("--cache", type=Path, default=Settings().cablegraph_cache / "synthetic",
                        help="where generated corpora are kept between runs")
    parser.add_argument("--bare", type=Path, help=argparse.SUPPRESS)  # the bare loader's own process
    args = parser.parse_args(argv)
    if args.bare:
        with connect(Settings()) as graph:
            bare(args.bare, graph)
        return 0
    sizes = [int(s) for s in args.sizes.split(",")]
    model = load_model()
    runs: list[dict] = []
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(Path(tmp) / "neo4j")
        try:
            for docs in sizes:
                runs.append(run_size(db, model, docs, args.cache, Path(tmp)))
                write_results(runs, db.settings)  # after each size: a long run that stops keeps what it measured
        finally:
            db.server.stop()
    print(f"{'documents':>10} {'facts':>9} {'ours docs/s':>12} {'ours facts/s':>13} {'bare docs/s':>12} "
          f"{'ratio':>6} {'peak RSS':>9}  counts")
    for r in runs:
        print(f"{r['documents']:>10} {r['facts']:>9} {r['cablegraph']['docs_per_second']:>12} "
              f"{r['cablegraph']['facts_per_second']:>13} {r['bare']['docs_per_second']:>12} {r['ratio']:>6} "
              f"{r['cablegraph']['peak_rss_mb']:>6} MB  {'same' if r['same_counts'] else 'DIFFERENT'}")
    ok = all(r["same_counts"] and r["planted_counts"] for r in runs)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
