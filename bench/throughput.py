"""Loading throughput: the whole `cablegraph load` path (read, spaCy, resolution, fact extraction,
Neo4j writes) on a corpus of unannotated documents, beside spaCy's own `nlp.pipe` on the same texts,
measured in one run. Starts a throwaway Neo4j like the tests do.

    .venv/bin/python -m bench.throughput [--documents 1000]

Writes bench/results/throughput.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

from graph.db import connect
from graph.migrate import migrate
from graph.server import LocalServer, free_port
from graph.settings import Settings
from graph.write import Writer
from loaders.ner import nlp
from loaders.pipeline import Pipeline
from schema.model import load_model

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results" / "throughput.json"


def corpus(count: int, seed: int = 7) -> list[str]:
    """Documents of 3-6 paragraphs drawn from the seed and evaluation texts (realistic names and density)."""
    sources = sorted((ROOT / "seeds").glob("*.txt")) + sorted((ROOT / "bench" / "eval" / "docs").glob("*.txt"))
    paragraphs = [p.strip() for s in sources for p in s.read_text(encoding="utf-8").split("\n") if len(p) > 150]
    rng = random.Random(seed)
    return ["\n\n".join(rng.sample(paragraphs, rng.randint(3, 6))) + "\n" for _ in range(count)]


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (the extraction workers)."""
    own, children = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def process_cpu_seconds(pid: int) -> float:
    """CPU time of a running process (the Neo4j server), from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    texts = corpus(args.documents)
    chars = sum(len(t) for t in texts)
    model = load_model()

    pipe = nlp()
    list(pipe.pipe(texts[:20]))  # warm up
    start = time.perf_counter()
    for _ in pipe.pipe(texts):
        pass
    spacy_seconds = time.perf_counter() - start

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        folder.mkdir()
        for i, text in enumerate(texts):
            (folder / f"doc-{i:05d}.txt").write_text(text, encoding="utf-8")
        settings = Settings(neo4j_uri=None, neo4j_password=None, cablegraph_data=Path(tmp) / "neo4j",
                            neo4j_bolt_port=free_port(), neo4j_http_port=free_port())
        server = LocalServer(settings)
        server.start()
        try:
            with connect(settings) as graph:
                migrate(graph, model)
                pipeline = Pipeline(Writer(graph, model), model, workers=args.workers)
                pipeline.load([ROOT / "seeds" / "entities.yaml"])
                neo4j_pid = server.pid()
                cpu_before, neo4j_before, start = cpu_seconds(), process_cpu_seconds(neo4j_pid), time.perf_counter()
                report = pipeline.load([folder])
                ours_seconds = time.perf_counter() - start
                cpu_used = cpu_seconds() - cpu_before
                neo4j_used = process_cpu_seconds(neo4j_pid) - neo4j_before
                claims = graph.read("MATCH (c:Claim {method: 'pattern'}) RETURN count(c) AS n")[0]["n"]
        finally:
            server.stop()
    failed = len(report.errors)
    results = {
        "documents": len(texts),
        "characters": chars,
        "workers": args.workers,
        "spacy_pipe_seconds": round(spacy_seconds, 2),
        "spacy_pipe_docs_per_second": round(len(texts) / spacy_seconds, 1),
        "cablegraph_load_seconds": round(ours_seconds, 2),
        "cablegraph_load_docs_per_second": round(len(texts) / ours_seconds, 1),
        "ratio_to_spacy": round(spacy_seconds / ours_seconds, 3),
        "cores_busy_python": round(cpu_used / ours_seconds, 2),
        "cores_busy_neo4j": round(neo4j_used / ours_seconds, 2),
        "cores": os.cpu_count(),
        "extracted_claims": claims,
        "failed_documents": failed,
        "target_ratio": 0.7,
    }
    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    for key, value in results.items():
        print(f"{key:32} {value}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
