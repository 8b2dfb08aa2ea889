"""Typed facts from sentences (spaCy's small English model; no database)."""

from pathlib import Path

import pytest

from loaders.boilerplate import noise_spans
from loaders.curated import read_catalogue
from loaders.extract import extract
from loaders.resolve import Resolver

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def resolver(model) -> Resolver:
    return Resolver.build((e.id, e.family, e.aliases) for e in read_catalogue(SEEDS / "entities.yaml", model))


def facts(resolver, model, text: str) -> dict[tuple[str, str, str], object]:
    out = extract("t", text, noise_spans(text, []), resolver, model)
    return {(c.subject, c.predicate, c.object): c for c in out.claims}


@pytest.mark.parametrize(
    "text, fact",
    [
        ("On December 7, 2014, MOIS officers met with Kaka Hama in Halabja.",
         ("mois", "MET_WITH", "mohammed-haji-mahmoud")),
        ("The head of the KSDP, Mohammed Haji Mahmoud, spoke.", ("mohammed-haji-mahmoud", "LEADS", "ksdp")),
        ("Abu Mahdi al-Muhandis, the commander of Kataib Hezbollah, arrived.",
         ("abu-mahdi-al-muhandis", "LEADS", "kataib-hezbollah")),
        ("Asaib Ahl al-Haq was trained by the Quds Force.", ("quds-force", "TRAINED", "asaib-ahl-al-haq")),
        ("The Iranian-backed Badr Organization fought ISIS.", ("badr-organization", "OPPOSED", "isis")),
        ("Iran supplied the Peshmerga with rockets.", ("iran", "ARMED", "peshmerga")),
        ("Qasim Sulaimani travelled to Baghdad.", ("qassem-soleimani", "VISITED", "baghdad")),
        ("The Peshmerga recaptured the town of Makhmour.", ("peshmerga", "CONTROLS", "makhmour")),
        ("Khazali stated that he traveled to Tehran and met Soleimani there.",
         ("qayis-khazali", "MET_WITH", "qassem-soleimani")),
        ("Source 1 is a cousin of Kaka Hama.", ("t-source-1", "RELATIVE_OF", "mohammed-haji-mahmoud")),
        ("Source 1 has been handled by the MOIS since June 2014.", ("t-source-1", "HANDLED_BY", "mois")),
        ("Shamkhani, who leads the Supreme National Security Council, met Adil Abdul-Mahdi.",
         ("ali-shamkhani", "MET_WITH", "adil-abdul-mahdi")),
    ],
)
def test_patterns_find_the_fact(resolver, model, text, fact):
    found = facts(resolver, model, text)
    assert fact in found, sorted(found)
    claim = found[fact]
    assert text[claim.start:claim.end] == claim.quote and claim.method == "pattern"


def test_dates_hedges_attribution_and_negation(resolver, model):
    text = "According to Khazali, the Quds Force reportedly funded Asaib Ahl al-Haq in March 2007."
    found = facts(resolver, model, text)
    claim = found[("quds-force", "FUNDED", "asaib-ahl-al-haq")]
    assert (claim.date, claim.date_precision) == ("2007-03", "month")
    assert claim.claimed_by == "qayis-khazali" and claim.confidence < 0.75
    assert not facts(resolver, model, "The MOIS did not meet Kaka Hama.")


def test_the_model_decides_which_endpoints_a_type_allows(resolver, model):
    found = facts(resolver, model, "Baghdad met with Erbil.")  # places do not meet
    assert not any(p == "MET_WITH" for _, p, _ in found)


def test_role_nouns_and_pronouns(resolver, model):
    text = ("The detainee, Qayis Khazali, was questioned. The detainee stated that he formed the Special Groups "
            "in 2005.")
    assert ("qayis-khazali", "LEADS", "special-groups") in facts(resolver, model, text)
