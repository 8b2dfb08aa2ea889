"""The synthetic corpus: deterministic, valid for the curated loader, and exactly what it says it holds."""

import json
from pathlib import Path

import pytest

from bench import latency, synthetic
from loaders.curated import read_catalogue
from loaders.pipeline import Preparer


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, synthetic.Summary]:
    out = tmp_path_factory.mktemp("synthetic")
    return out, synthetic.generate(out, docs=60, seed=3, entities=400)


def test_the_loader_finds_exactly_the_planted_names_and_facts(corpus, model):
    out, summary = corpus
    catalogue = read_catalogue([synthetic.corpus_dir(out) / "entities.csv"], model)  # checks kinds and tags
    preparer = Preparer(model, catalogue, "test", {})
    records = list(synthetic.read_records(out))
    assert sum(r["type"] == "entity" for r in records) == len(catalogue)
    documents = [r for r in records if r["type"] == "document"]
    assert len(documents) == summary.docs == 60
    for truth in documents:
        [record] = preparer.records(out / truth["path"])
        assert not isinstance(record, Exception), record
        assert record.id == truth["id"] and record.title == truth["title"]
        assert {m.entity: m.spans for m in record.mentions} == {e: [tuple(s) for s in spans]
                                                                for e, spans in truth["mentions"]}
        fields = ("id", "predicate", "subject", "object", "quote", "start", "end", "confidence", "date",
                  "claimed_by")
        assert sorted(tuple(getattr(c, f) for f in fields) for c in record.claims) == sorted(
            tuple(c[f] for f in fields) for c in truth["claims"])
    assert summary.facts == sum(len(d["claims"]) for d in documents)
    assert 8 <= summary.facts / summary.docs <= 12
    assert summary.mentions == sum(len(d["mentions"]) for d in documents)
    assert summary.unlinked > 0  # shared aliases ("Abu Ali", "Ministry of Oil") occur and are not linked


def test_names_have_variants_and_shared_aliases(corpus):
    out, _ = corpus
    entities = [r for r in synthetic.read_records(out) if r["type"] == "entity"]
    aliases = {a for e in entities for a in e["aliases"]}
    owners: dict[str, int] = {}
    for e in entities:
        for a in e["aliases"]:
            owners[a] = owners.get(a, 0) + 1
    assert any(n > 1 for n in owners.values())  # shared
    assert any("-" in a and a.replace("-", " ") in aliases for a in aliases) or any(
        a.startswith("al-") and a[3:] in aliases for a in aliases)  # al-X / X, Abdul-Mahdi / Abdul Mahdi
    spelled = [e for e in entities if e["family"] == "Person" and len(e["aliases"]) > 2]
    assert len(spelled) > len(entities) / 4  # transliteration variants


def test_the_same_seed_gives_the_same_corpus_and_sizes_nest(tmp_path):
    small = synthetic.generate(tmp_path / "a", docs=10, seed=5, entities=300)
    synthetic.generate(tmp_path / "b", docs=20, seed=5, entities=300)
    a = synthetic.records_path(tmp_path / "a").read_text().splitlines()
    b = synthetic.records_path(tmp_path / "b").read_text().splitlines()
    docs_a, docs_b = ([line for line in r if '"type": "document"' in line] for r in (a, b))
    assert docs_a == docs_b[:10]  # the first 10 documents of 20 are the 10
    assert set(a) - set(docs_a) < set(b) - set(docs_b)  # and the catalogue grows with the corpus
    assert synthetic.cached(tmp_path / "a", docs=10, seed=5, entities=300) == small  # reused, not remade
    other = synthetic.generate(tmp_path / "c", docs=10, seed=6, entities=300)
    assert synthetic.records_path(tmp_path / "c").read_text() != "\n".join(a) + "\n"
    assert json.loads((tmp_path / "c" / "summary.json").read_text())["seed"] == other.seed == 6


def test_the_world_grows_with_the_corpus_and_a_document_names_the_entities_of_its_time(tmp_path, model):
    summary = synthetic.generate(tmp_path, docs=300, seed=2, entities=200)  # an era is 100 documents
    world = synthetic.World(model, 200, 2)
    world.grow(300)
    assert summary.catalogue == len(world.entities) == 200 + synthetic.NEW_PER_DOC * 300
    perennial = {e.id for es in world.perennial.values() for e in es}
    named = 0
    for i, record in enumerate(r for r in synthetic.read_records(tmp_path) if r["type"] == "document"):
        for c in record["claims"]:
            for end in (c["subject"], c["object"]):
                if end not in perennial:
                    first, last = world.eras[end]
                    assert first <= i < last, (i, end, world.eras[end])
                    named += 1
        assert not [c for c in record["claims"] if c["subject"] in world.hubs
                    and c["predicate"] in model.membership_types and c["object"] not in perennial]
    assert named > summary.facts  # most ends are entities of their era, not perennial ones


@pytest.mark.neo4j
def test_a_corpus_loaded_whole_into_a_kept_neo4j_is_not_loaded_again(empty_graph, settings, tmp_path):
    kept = settings.model_copy(update={"cablegraph_cache": tmp_path})
    marker = kept.cablegraph_data / latency.KEPT
    logs: list[str] = []
    try:
        params, totals = latency.load_corpus(kept, "20", logs.append)
        assert latency.load_corpus(kept, "20", logs.append) == (params, totals)
        assert "loaded" in logs[0] and "already loaded" not in logs[0] and "already loaded" in logs[1]
        assert totals["documents"] == 20
        latency.load_corpus(kept, "21", logs.append)  # another corpus: loaded (the 20 documents are unchanged)
        assert "already loaded" not in logs[2] and json.loads(marker.read_text())["docs"] == 21
    finally:
        marker.unlink(missing_ok=True)
