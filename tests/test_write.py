"""The batched write path: several documents a transaction, and still each whole or not at all."""

from dataclasses import replace

import pytest
from conftest import SEEDS, load

from graph.write import ClaimRecord, DocumentRecord, MentionRecord, Writer, WriteResult
from schema.model import InvalidData

pytestmark = pytest.mark.neo4j


def document(doc_id: str, quote: str, **changes) -> DocumentRecord:
    text = f"{quote} More text follows.\n"
    claim = ClaimRecord(id=f"{doc_id}:c", predicate="MET_WITH", subject="mois", object="ksdp", quote=quote,
                        start=0, end=len(quote), confidence=0.8, method="curated", date="2014-12")
    record = DocumentRecord(id=doc_id, kind="document", text=text, sha256=doc_id, load_hash=doc_id,
                            path=f"{doc_id}.txt", mentions=[MentionRecord("mois", [(0, 4)])], claims=[claim])
    return replace(record, **changes)


@pytest.fixture
def catalogue_only(empty_graph, model):
    load(empty_graph, model, SEEDS / "entities.yaml")
    return empty_graph


def count_transactions(graph, monkeypatch) -> list[int]:
    calls: list[int] = []
    write = graph.write

    def counting(work):
        calls.append(1)
        return write(work)

    monkeypatch.setattr(graph, "write", counting)
    return calls


def test_a_batch_is_one_transaction(catalogue_only, model, monkeypatch):
    calls = count_transactions(catalogue_only, monkeypatch)
    docs = [document(f"w{i}", f"The MOIS met the KSDP, report {i}.") for i in range(5)]
    results = Writer(catalogue_only, model).write_documents(docs)
    assert [r.status for r in results] == ["added"] * 5 and len(calls) == 1
    [edge] = catalogue_only.read(
        "MATCH (:Entity {id: 'mois'})-[r:MET_WITH]->(:Entity {id: 'ksdp'}) RETURN r.doc_ids AS docs")
    assert edge["docs"] == [f"w{i}" for i in range(5)]


def test_a_bad_document_in_a_batch_is_named_and_the_others_land(catalogue_only, model, monkeypatch):
    calls = count_transactions(catalogue_only, monkeypatch)
    docs = [
        document("good-1", "The MOIS met the KSDP in Erbil."),
        # Neo4j stores no maps in properties: the batch fails, then this document alone
        document("bad", "The MOIS met the KSDP in Halabja.", published={"when": "later"}),
        document("good-2", "The MOIS met the KSDP in Sulaimaniyah."),
    ]
    results = Writer(catalogue_only, model).write_documents(docs)
    assert isinstance(results[0], WriteResult) and isinstance(results[2], WriteResult)
    assert isinstance(results[1], InvalidData)
    assert str(results[1]).startswith("bad.txt: Neo4j refused the document")
    assert len(calls) == 1 + 3  # the batch, then one transaction each
    assert {r["id"] for r in catalogue_only.read("MATCH (d:Document) RETURN d.id AS id")} == {"good-1", "good-2"}
    assert not catalogue_only.read("MATCH (c:Claim) WHERE c.id STARTS WITH 'bad' RETURN c")
    [edge] = catalogue_only.read(
        "MATCH (:Entity {id: 'mois'})-[r:MET_WITH]->(:Entity {id: 'ksdp'}) RETURN r.claim_ids AS claims")
    assert edge["claims"] == ["good-1:c", "good-2:c"]


def test_a_document_the_model_refuses_is_named_before_any_transaction(catalogue_only, model, monkeypatch):
    calls = count_transactions(catalogue_only, monkeypatch)
    bad = document("odd", "The MOIS met the KSDP.")
    bad = replace(bad, claims=[replace(bad.claims[0], predicate="ADMIRES")])
    results = Writer(catalogue_only, model).write_documents([bad, document("fine", "The MOIS met the KSDP again.")])
    assert str(results[0]).startswith("odd.txt: unknown relationship type 'ADMIRES'")
    assert results[1].status == "added" and len(calls) == 1


def test_gained_claims_merge_into_an_edge_as_a_recompute_would(catalogue_only, model):
    writer = Writer(catalogue_only, model)
    writer.write_documents([document("a", "The MOIS met the KSDP first.")])
    later = document("b", "The MOIS met the KSDP later.")
    later = replace(later, claims=[replace(later.claims[0], confidence=0.95, date="2015-02-03")])
    writer.write_documents([later])
    query = ("MATCH (:Entity {id: 'mois'})-[r:MET_WITH]->(:Entity {id: 'ksdp'}) "
             "RETURN r {.claim_ids, .doc_ids, .confidence, .first_date, .last_date} AS r")
    merged = catalogue_only.read(query)
    assert merged == [{"r": {"claim_ids": ["a:c", "b:c"], "doc_ids": ["a", "b"], "confidence": 0.95,
                             "first_date": "2014-12", "last_date": "2015-02-03"}}]
    writer.write_documents([replace(later, load_hash="again")])  # rewriting b recomputes from the claims
    assert catalogue_only.read(query) == merged
