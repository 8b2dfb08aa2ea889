"""The loading benchmark compares like with like: its bare loader builds the graph `cablegraph load` builds."""

import pytest
from conftest import load, wipe

from bench import synthetic
from bench.load import bare, counts

pytestmark = pytest.mark.neo4j


def test_the_bare_loader_and_ours_build_graphs_of_the_same_shape(empty_graph, model, tmp_path):
    summary = synthetic.generate(tmp_path, docs=25, seed=4, entities=300)
    report = load(empty_graph, model, synthetic.corpus_dir(tmp_path))
    assert not report.errors, [o.error for o in report.errors]
    ours = counts(empty_graph, model)
    assert (ours["Document"], ours["Claim"], ours["MENTIONS"]) == (25, summary.facts, summary.mentions)
    assert ours["Entity"] == len([r for r in synthetic.read_records(tmp_path) if r["type"] == "entity"])
    wipe(empty_graph)
    bare(tmp_path, empty_graph)
    assert counts(empty_graph, model) == ours
