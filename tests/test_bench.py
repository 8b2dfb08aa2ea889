"""The evaluation sets are well-formed and the scorer counts what it says (no database)."""

import pytest

from bench import check_gold
from bench.evaluate import CLEAN, print_misses, score
from graph.write import ClaimRecord, DocumentRecord, MentionRecord


@pytest.mark.parametrize("name", ["eval", "heldout"])
def test_gold_sets_pass_their_checker(name):
    assert check_gold.main(["--set", name, "--strict", "-q"]) == 0


def claim(s, p, o):
    return ClaimRecord(id=f"{s}{p}{o}", predicate=p, subject=s, object=o, quote="q", start=0, end=1,
                       confidence=0.7, method="pattern")


def test_the_scorer_aligns_entities_links_and_facts(capsys):
    text = "Qasim Sulaimani met Farhad Zamani in Vienna. Kaka Hama stayed home."
    gold = {
        "entities": [
            {"name": "Qassem Soleimani", "link": "qassem-soleimani", "mentions": ["Qasim Sulaimani"]},
            {"name": "Farhad Zamani", "link": None, "mentions": ["Farhad Zamani"]},
            {"name": "Vienna", "link": None, "mentions": ["Vienna"]},
            {"name": "Kaka Hama", "link": "mohammed-haji-mahmoud", "mentions": ["Kaka Hama"]},
        ],
        "facts": [
            {"subject": "Farhad Zamani", "predicate": "MET_WITH", "object": "qassem-soleimani"},
            {"subject": "Farhad Zamani", "predicate": "VISITED", "object": "Vienna"},
        ],
    }
    record = DocumentRecord(
        id="d", kind="document", text=text, sha256="", load_hash="",
        mentions=[MentionRecord("qassem-soleimani", [(0, 15)]), MentionRecord("farhad-zamani", [(20, 33)]),
                  MentionRecord("ksdp", [(37, 43)])],  # Vienna missed; "Vienna" wrongly linked to a known entity
        claims=[claim("qassem-soleimani", "MET_WITH", "farhad-zamani"),  # symmetric: matches the gold fact
                claim("farhad-zamani", "LEADS", "ksdp")],
    )
    result = score({"qassem-soleimani", "mohammed-haji-mahmoud", "ksdp"}, text, gold, record)
    assert result["entities"] == {"gold": 4, "predicted": 3, "matched": 3}
    assert result["linking"] == {"matched": 3, "correct": 2}  # Vienna -> ksdp is a wrong link
    assert result["facts"]["matched"] == {"MET_WITH": 1}
    assert result["missed_facts"] == ["VISITED farhad-zamani ksdp"]
    assert result["wrong_facts"] == ["LEADS farhad-zamani ksdp"]
    print_misses("d", result)  # --misses: each with its sentence (the claim's quote here is "q")
    assert capsys.readouterr().out.splitlines() == ["d  MISSED VISITED farhad-zamani ksdp", "    ",
                                                    "d  WRONG  LEADS farhad-zamani ksdp", "    q"]
    print_misses(CLEAN[0], result)  # a document the rules were never tuned on: its misses stay unread
    assert capsys.readouterr().out.splitlines() == [f"{CLEAN[0]}  (CLEAN: 1 missed and 1 wrong, not printed)"]


def test_the_scorer_compares_claimants_of_facts_found_in_their_sentence():
    text = "Kaka Hama said Soleimani met Zamani. Zamani met Kaka Hama."
    gold = {
        "entities": [
            {"name": "Kaka Hama", "link": "mohammed-haji-mahmoud", "mentions": ["Kaka Hama"]},
            {"name": "Qassem Soleimani", "link": "qassem-soleimani", "mentions": ["Soleimani"]},
            {"name": "Farhad Zamani", "link": None, "mentions": ["Zamani"]},
        ],
        "facts": [
            {"subject": "qassem-soleimani", "predicate": "MET_WITH", "object": "Farhad Zamani",
             "sentence": "Kaka Hama said Soleimani met Zamani.", "claimed_by": "mohammed-haji-mahmoud"},
            {"subject": "Farhad Zamani", "predicate": "MET_WITH", "object": "mohammed-haji-mahmoud",
             "sentence": "Zamani met Kaka Hama."},
        ],
    }
    said = ClaimRecord(id="1", predicate="MET_WITH", subject="qassem-soleimani", object="farhad-zamani",
                       quote="Kaka Hama said Soleimani met Zamani.", start=0, end=36, confidence=0.75,
                       method="pattern", claimed_by="farhad-zamani")  # the wrong claimant
    plain = ClaimRecord(id="2", predicate="MET_WITH", subject="farhad-zamani", object="mohammed-haji-mahmoud",
                        quote="Zamani met Kaka Hama.", start=37, end=58, confidence=0.75, method="pattern")
    record = DocumentRecord(
        id="d", kind="document", text=text, sha256="", load_hash="",
        mentions=[MentionRecord("mohammed-haji-mahmoud", [(0, 9), (48, 57)]),
                  MentionRecord("qassem-soleimani", [(15, 24)]), MentionRecord("farhad-zamani", [(29, 35), (37, 43)])],
        claims=[said, plain],
    )
    assert score(set(), text, gold, record)["attribution"] == {"compared": 2, "agreed": 1}
