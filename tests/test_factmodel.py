"""The learned fact model: the shipped weights load and judge, and training on a tiny set makes a model
that finds the facts it was shown in sentences it was not (spaCy's small model; no database)."""

import json
from pathlib import Path

import numpy as np
import pytest
import yaml

from bench.train import candidate_losses, fit, read_set
from loaders.curated import read_catalogue
from loaders.factmodel import NONE, SYMMETRIC, WEIGHTS, FactModel, allowed_classes, unlabel
from loaders.pipeline import Preparer
from loaders.readers import SourceText

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def test_the_shipped_model_loads_with_classes_the_schema_allows(model):
    fm = FactModel.load(WEIGHTS, model)
    assert fm.weights.shape == (len(fm.index), len(fm.classes)) and fm.bias.shape == (len(fm.classes),)
    allowed = {c for classes in allowed_classes(model).values() for c in classes}
    assert NONE in fm.classes and set(fm.classes) - {NONE} <= allowed
    assert {unlabel(c, "a", "b")[1] for c in fm.classes if c != NONE} <= set(model.fact_types)
    assert 0 <= fm.keep <= fm.add <= 1


def test_a_broken_weights_file_names_itself(tmp_path, model):
    path = tmp_path / "factmodel.json"
    path.write_text("{}")
    with pytest.raises(Exception, match="factmodel.json"):
        FactModel.load(path, model)


def test_classes_carry_direction_except_for_symmetric_types(model):
    table = allowed_classes(model)
    assert "MET_WITH" in table[("Person", "Person")] and "MEMBER_OF>" in table[("Person", "Organization")]
    assert "MEMBER_OF<" in table[("Organization", "Person")] and "LOCATED_IN>" not in table[("Location", "Location")]
    assert unlabel("LEADS<", "a", "b") == ("b", "LEADS", "a") and "RELATIVE_OF" in SYMMETRIC


# Invented sentences about catalogue entities: who trained whom, and who met whom, said several ways.
TRAIN = {
    "one": ("The Quds Force trained Hezbollah. The Peshmerga met Kaka Hama in Halabja. Muhandis visited Baghdad.",
            [("quds-force", "TRAINED", "hezbollah", "The Quds Force trained Hezbollah."),
             ("peshmerga", "MET_WITH", "mohammed-haji-mahmoud", "The Peshmerga met Kaka Hama in Halabja."),
             ("abu-mahdi-al-muhandis", "VISITED", "baghdad", "Muhandis visited Baghdad.")]),
    "two": ("Hezbollah trained Asaib Ahl al-Haq. Muhandis met Kaka Hama. The Peshmerga visited Erbil.",
            [("hezbollah", "TRAINED", "asaib-ahl-al-haq", "Hezbollah trained Asaib Ahl al-Haq."),
             ("abu-mahdi-al-muhandis", "MET_WITH", "mohammed-haji-mahmoud", "Muhandis met Kaka Hama."),
             ("peshmerga", "VISITED", "erbil", "The Peshmerga visited Erbil.")]),
}


@pytest.fixture(scope="module")
def tiny_set(tmp_path_factory, model) -> Path:
    """A two-document annotated set, in the layout of bench/eval/ (gold entities named by their ids)."""
    folder = tmp_path_factory.mktemp("tiny")
    (folder / "docs").mkdir()
    (folder / "gold").mkdir()
    catalogue = {e.id: e for e in read_catalogue(SEEDS / "entities.yaml", model)}
    for stem, (text, facts) in TRAIN.items():
        (folder / "docs" / f"{stem}.txt").write_text(text + "\n", encoding="utf-8")
        ids = {x for s, _, o, _ in facts for x in (s, o)}
        entities = [{"name": catalogue[i].name, "family": catalogue[i].family, "link": i,
                     "mentions": [a for a in catalogue[i].aliases if a in text]} for i in sorted(ids)]
        gold = {"entities": entities,
                "facts": [{"subject": s, "predicate": p, "object": o, "sentence": q} for s, p, o, q in facts]}
        (folder / "gold" / f"{stem}.yaml").write_text(yaml.safe_dump(gold), encoding="utf-8")
    return folder


def test_training_on_a_tiny_set_makes_a_model_that_finds_facts_in_new_sentences(tiny_set, model, tmp_path):
    samples = read_set(tiny_set, model)
    assert all(any(labels) for s in samples for labels in [s.labels])  # the gold reached the candidates
    fm = fit(samples, c=10.0, keep=0.0, add=0.3, rules=False, min_count=1, model=model)
    assert fm.rules is False and NONE in fm.classes
    catalogue = read_catalogue(SEEDS / "entities.yaml", model)
    preparer = Preparer(model, catalogue, version="test", overrides={}, decide=fm.decide)
    text = "Asaib Ahl al-Haq trained the Peshmerga. Kaka Hama met the Quds Force."
    doc = tmp_path / "new.txt"
    record = preparer.prepare(SourceText("new", text, {}, doc, str(doc)), None)
    found = {(c.subject, c.predicate, c.object): c for c in record.claims}
    assert ("asaib-ahl-al-haq", "TRAINED", "peshmerga") in found, sorted(found)
    claim = found[("asaib-ahl-al-haq", "TRAINED", "peshmerga")]
    assert claim.method == "classifier" and 0.3 <= claim.confidence <= 1
    assert text[claim.start:claim.end] == claim.quote == "Asaib Ahl al-Haq trained the Peshmerga."
    # what it writes is what it reads back
    again = FactModel.from_dict(json.loads(json.dumps(fm.to_dict())), model)
    cands = samples[0].candidates
    assert np.allclose(again.probabilities(cands), fm.probabilities(cands), atol=1e-3)


def test_candidate_losses_say_where_a_gold_fact_is_lost(tiny_set, model):
    one = read_set(tiny_set, model)[0]
    assert [outcome for outcome, _ in candidate_losses(one)] == ["candidate"] * 3
    facts = [
        # Baghdad is in the gold, Hezbollah is not named in this sentence; Halabja is no gold entity here
        {"subject": "hezbollah", "predicate": "VISITED", "object": "baghdad", "sentence": "Muhandis visited Baghdad."},
        {"subject": "peshmerga", "predicate": "VISITED", "object": "halabja",
         "sentence": "The Peshmerga met Kaka Hama in Halabja."},
    ]
    one.gold = {**one.gold, "facts": facts}
    assert [outcome for outcome, _ in candidate_losses(one)] == ["no subject", "no entity"]

