from pathlib import Path

import pytest

from loaders.curated import find_quote, read_annotations, read_catalogue
from schema.model import InvalidData

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
TEXT = "Intro line.\nSoleimani met Kaka Hama in Erbil on December 7, 2014.\n12 Comments\nSoleimani met Kaka Hama.\n"
FAMILIES = {
    "qassem-soleimani": "Person", "mohammed-haji-mahmoud": "Person", "erbil": "Location", "mois": "Organization"
}


def sidecar(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "doc.yaml"
    path.write_text(body, encoding="utf-8")
    return path


def annotations(tmp_path, model, facts: str, extra: str = ""):
    path = sidecar(tmp_path, f"document:\n  kind: news-article\n{extra}facts:\n{facts}")
    return read_annotations(path, None, "doc", TEXT, FAMILIES, model)


FACT = """  - subject: qassem-soleimani
    predicate: MET_WITH
    object: mohammed-haji-mahmoud
    quote: "{quote}"
    date: "2014-12-07"
    confidence: 0.9
"""


def test_a_good_fact_becomes_a_claim_with_offsets(tmp_path, model):
    ann = annotations(tmp_path, model, FACT.format(quote="Soleimani met Kaka Hama in Erbil"))
    [claim] = ann.claims
    assert TEXT[claim.start:claim.end] == "Soleimani met Kaka Hama in Erbil"
    assert (claim.date, claim.date_precision, claim.method) == ("2014-12-07", "day", "curated")
    assert claim.id.startswith("doc:")


def test_quote_not_in_text_is_refused_with_file_and_line(tmp_path, model):
    with pytest.raises(InvalidData, match=r"doc\.yaml:4: fact qassem-soleimani MET_WITH .*not found verbatim"):
        annotations(tmp_path, model, FACT.format(quote="Soleimani met Kaka Hama in Baghdad"))


def test_quote_only_in_comments_is_refused(tmp_path, model):
    with pytest.raises(InvalidData, match="only in page boilerplate or reader comments"):
        annotations(tmp_path, model, FACT.format(quote="Soleimani met Kaka Hama."))


def test_quote_found_outside_noise_when_it_also_appears_inside(tmp_path, model):
    text = "Comments are closed.\nShared line.\n"
    assert find_quote(text, "Shared line.", [(0, 21)]) == 21
    assert find_quote(text, "closed", [(0, 21)]) is None


def test_curated_noise_rules(tmp_path, model):
    extra = 'noise:\n  - text: "Intro line."\n'
    with pytest.raises(InvalidData, match="only in page boilerplate"):
        annotations(tmp_path, model, FACT.format(quote="Intro line."), extra)
    with pytest.raises(InvalidData, match="text 'Not there' is not in the document"):
        annotations(tmp_path, model, FACT.format(quote="Intro line."), 'noise:\n  - text: "Not there"\n')


@pytest.mark.parametrize(
    "replace, message",
    [
        (("MET_WITH", "LIKES"), "unknown relationship type 'LIKES'"),
        (("object: mohammed-haji-mahmoud", "object: nobody"), "object 'nobody' is not an entity in the catalogue"),
        (("object: mohammed-haji-mahmoud", "object: erbil"), "MET_WITH cannot end at a Location"),
        (("confidence: 0.9", "confidence: 2"), r"confidence must be a number in \(0, 1\]"),
        (('date: "2014-12-07"', 'date: "December 2014"'), "is not YYYY, YYYY-MM or YYYY-MM-DD"),
        (("confidence: 0.9", "confidence: 0.9\n    claimed_by: erbil"), "claimed_by 'erbil' must be a Person"),
        (("confidence: 0.9", "confidence: 0.9\n    source: x"), r"unknown field\(s\) source"),
    ],
)
def test_bad_facts_are_refused(tmp_path, model, replace, message):
    facts = FACT.format(quote="Soleimani met Kaka Hama in Erbil").replace(*replace)
    with pytest.raises(InvalidData, match=message):
        annotations(tmp_path, model, facts)


def test_duplicate_fact_is_refused(tmp_path, model):
    fact = FACT.format(quote="Soleimani met Kaka Hama in Erbil")
    with pytest.raises(InvalidData, match="given twice"):
        annotations(tmp_path, model, fact + fact)


def test_entities_in_a_sidecar_are_pointed_to_the_catalogue(tmp_path, model):
    path = sidecar(tmp_path, "entities: []\nfacts: []\n")
    with pytest.raises(InvalidData, match="entities belong in entities.yaml"):
        read_annotations(path, None, "doc", TEXT, FAMILIES, model)


def test_broken_yaml_names_the_file(tmp_path, model):
    path = sidecar(tmp_path, "facts: [\n")
    with pytest.raises(InvalidData, match="doc.yaml: not valid YAML"):
        read_annotations(path, None, "doc", TEXT, FAMILIES, model)


@pytest.mark.parametrize(
    "entry, message",
    [
        ("- {id: Bad Id, name: X, family: Person, kind: person}", "lowercase-hyphen slug"),
        ("- {id: x, name: X, family: Planet, kind: person}", "unknown family 'Planet'"),
        ("- {id: x, name: X, family: Person, kind: city}", "kind 'city' is not a Person kind"),
        ("- {id: x, family: Person, kind: person}", "name is required"),
        ("- {id: x, name: X, family: Person, kind: person}\n- {id: x, name: Y, family: Person, kind: person}",
         r"already declared at .*entities.yaml:2"),
    ],
)
def test_bad_catalogue_entries_are_refused(tmp_path, model, entry, message):
    path = tmp_path / "entities.yaml"
    path.write_text("entities:\n" + entry + "\n")
    with pytest.raises(InvalidData, match=message):
        read_catalogue(path, model)


def test_the_seed_annotations_are_valid_and_substantial(model):
    catalogue = read_catalogue(SEEDS / "entities.yaml", model)
    families = {e.id: e.family for e in catalogue}
    assert len(catalogue) > 80
    total = 0
    for text_path in sorted(SEEDS.glob("*.txt")):
        text = text_path.read_text(encoding="utf-8")
        ann = read_annotations(text_path.with_suffix(".yaml"), None, text_path.stem, text, families, model)
        assert ann.claims, text_path
        for claim in ann.claims:
            assert text[claim.start:claim.end] == claim.quote
            assert not any(a <= claim.start < b for a, b in ann.noise)
        total += len(ann.claims)
    assert total > 100


def test_the_sidecar_may_name_the_document_id(tmp_path, model):
    path = sidecar(tmp_path, "document:\n  id: khazali-logs\n  kind: opinion-article\nfacts:\n"
                   + FACT.format(quote="Soleimani met Kaka Hama in Erbil"))
    ann = read_annotations(path, None, "file-stem", TEXT, FAMILIES, model)
    assert ann.metadata["id"] == "khazali-logs" and ann.claims[0].id.startswith("khazali-logs:")
    assert read_annotations(sidecar(tmp_path, "facts: []\n"), None, "file-stem", TEXT, FAMILIES, model).metadata == {
        "id": "file-stem"
    }
