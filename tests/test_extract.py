"""What extraction makes of names in an unannotated text (no database)."""

from pathlib import Path

import pytest

from loaders.curated import read_catalogue
from loaders.extract import extract
from loaders.resolve import Resolver

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def resolver(model) -> Resolver:
    return Resolver.build((e.id, e.family, e.aliases) for e in read_catalogue(SEEDS / "entities.yaml", model))


def test_known_names_link_new_names_are_unreviewed(resolver, model):
    text = "Brigadier Farhad Zamani met Qasim Sulaimani in Vienna. Zamani flew home."
    out = extract("d", text, [], resolver, model)
    assert "qassem-soleimani" in out.mentions
    new = {e.id: e for e in out.entities}
    assert new["farhad-zamani"].reviewed is False and new["farhad-zamani"].family == "Person"
    assert [text[s:e] for s, e in out.mentions["farhad-zamani"]] == ["Farhad Zamani", "Zamani"]


def test_a_longer_name_is_not_the_alias_inside_it(resolver, model):
    out = extract("d", "Kataib Hezbollah fighters and Hezbollah advisers arrived.", [], resolver, model)
    assert "kataib-hezbollah" in {e.id for e in out.entities}
    assert len(out.mentions["hezbollah"]) == 1


def test_ambiguous_names_become_review_candidates(model):
    r = Resolver.build([("john-smith", "Person", ["John Smith"]), ("jane-smith", "Person", ["Jane Smith"])])
    out = extract("d", "Yesterday Smith said nothing to reporters.", [], r, model)
    [smith] = [e for e in out.entities if e.name == "Smith"]
    assert sorted(smith.candidates) == ["jane-smith 0.60", "john-smith 0.60"] and smith.reviewed is False


def test_numbered_sources_belong_to_their_report(resolver, model):
    out = extract("cable-7", "Source 1 met Kaka Hama in Erbil.", [], resolver, model)
    assert "cable-7-source-1" in {e.id for e in out.entities}


def test_nationalities_are_never_new_entities(resolver, model):
    out = extract("d", "Belgian officials met Iranian diplomats.", [], resolver, model)
    assert not any(e.name in ("Belgian", "Iranian") for e in out.entities)


def test_noise_is_neither_mention_nor_evidence(resolver, model):
    text = "Soleimani met Kaka Hama.\n2 Comments\nReader: Soleimani met Shamkhani.\n"
    from loaders.boilerplate import noise_spans

    out = extract("d", text, noise_spans(text, []), resolver, model)
    assert "ali-shamkhani" not in out.mentions
    assert all(c.end <= text.index("2 Comments") for c in out.claims)


def test_a_surname_after_a_new_full_name_is_that_person(resolver, model):
    # spaCy calls "Hadi al-Amiri" a place and "Amiri" an organization here; "who leads" says he is a person
    text = ("The network runs through three men: Muhandis; Hadi al-Amiri, who leads Badr; and Khazali. Asked in May, "
            "Amiri replied that he would stay.")
    out = extract("d", text, [], resolver, model)
    assert [text[s:e] for s, e in out.mentions["hadi-al-amiri"]] == ["Hadi al-Amiri", "Amiri"]
    assert "amiri" not in out.mentions and next(e for e in out.entities if e.id == "hadi-al-amiri").family == "Person"


def test_honorifics_mark_people_spacy_misses(resolver, model):
    out = extract("d", "Brother Javad and Brother Saeed met Source 1 in Erbil.", [], resolver, model)
    people = {e.id for e in out.entities if e.family == "Person"}
    assert {"brother-javad", "brother-saeed"} <= people


def test_context_outweighs_the_label_spacy_gave(resolver, model):
    out = extract("d", "The Zanyari, the intelligence service of the party, met Kaka Hama. Qara Tapa, a farming "
                       "village, lies near the border.", [], resolver, model)
    families = {e.id: e.family for e in out.entities}  # spaCy: Zanyari a person, Qara Tapa a person
    assert families["zanyari"] == "Organization" and families["qara-tapa"] == "Location"
    out = extract("d", "Brother Mehdi crossed the border at Bashmakh and met the source codenamed Darband. Darband "
                       "said nothing.", [], resolver, model)
    families = {e.id: e.family for e in out.entities}  # spaCy: Bashmakh a person, Darband an organization
    assert families["bashmakh"] == "Location" and families["darband"] == "Person"


def test_a_name_found_once_names_the_same_entity_everywhere(resolver, model):
    text = ("The Kurdistan Toilers Party (KTP) met the Peshmerga in Erbil. On Monday the KTP fought ISIS near Kirkuk. "
            "Sulaimaniyah Station reported it.\n\nApproved: Farhad Zamani, Head of Sulaimaniyah Station")
    out = extract("d", text, [], resolver, model)
    assert [text[s:e] for s, e in out.mentions["kurdistan-toilers-party"]].count("KTP") == 2  # a defined acronym
    # the signature's "Sulaimaniyah Station" is the station, not the city inside its name
    assert len(out.mentions["sulaimaniyah-station"]) == 2 and "sulaimaniyah" not in out.mentions
    assert ("farhad-zamani", "LEADS", "sulaimaniyah-station") in {(c.subject, c.predicate, c.object)
                                                                   for c in out.claims}


def surfaces(out, text: str) -> dict[str, list[str]]:
    return {k: [text[s:e] for s, e in spans] for k, spans in out.mentions.items()}


def test_two_names_joined_by_and_and_a_bodys_short_name(resolver, model):
    text = "Fighters of the Hamza Organization and Shabak units shelled Bartella. Two Hamza commanders visited Tehran."
    found = surfaces(extract("d", text, [], resolver, model), text)
    assert found["hamza-organization"] == ["Hamza Organization", "Hamza"] and found["shabak"] == ["Shabak"]


def test_a_name_is_not_a_lone_common_noun(model):
    from spacy.tokens import Span

    from loaders import ner

    doc = ner.nlp()("The politburo met the Peshmerga.")
    doc.ents = [Span(doc, 1, 2, label="ORG"), Span(doc, 4, 5, label="ORG")]
    assert [n.text for n in ner.names(doc)] == ["Peshmerga"]


@pytest.mark.parametrize("text, entity, surface", [
    ("Soleimani directed the battle for Jalawla and later the Tikrit offensive.", "battle-for-jalawla",
     "battle for Jalawla"),
    ("Soleimani directed the battle for Jalawla and later the Tikrit offensive.", "tikrit-offensive",
     "Tikrit offensive"),
    ("Raad Jabbar, head of the Babil provincial council, met an elder of the Janabi tribe in the Bakrajo quarter of "
     "Sulaimaniyah.", "babil-provincial-council", "Babil provincial council"),
    ("Raad Jabbar, head of the Babil provincial council, met an elder of the Janabi tribe in the Bakrajo quarter of "
     "Sulaimaniyah.", "janabi-tribe", "Janabi tribe"),
    ("Raad Jabbar, head of the Babil provincial council, met an elder of the Janabi tribe in the Bakrajo quarter of "
     "Sulaimaniyah.", "bakrajo", "Bakrajo"),
    ("Ministry of Intelligence and Security\nNajaf Station\n\nBrother Rahimi met Kaka Hama in Najaf.",
     "najaf-station", "Najaf Station"),
    ("Soldiers of the 7th Division of the Iraqi army attacked the town.", "7th-division", "7th Division"),
])
def test_names_whose_kind_follows_in_lower_case(resolver, model, text, entity, surface):
    out = extract("d", text, [], resolver, model)
    assert surfaces(out, text).get(entity) == [surface], surfaces(out, text)
    family = {"battle": "Operation", "tikrit": "Operation", "bakrajo": "Location"}.get(entity.split("-")[0],
                                                                                       "Organization")
    assert {e.id: e.family for e in out.entities}[entity] == family


@pytest.mark.parametrize("text", [
    "The detainee, Ismail Hamid Sultan, known as Abu Younis, was captured. Abu Younis said he joined Daesh.",
    "Detainee: Ismail Hamid Sultan (alias Abu Younis)\n\nAbu Younis said he joined Daesh.",
    "Ismail Hamid Sultan, also known as Abu Younis, joined Daesh. Abu Younis was captured.",
])
def test_a_name_the_text_declares_another_name_of_is_one_entity(resolver, model, text):
    out = extract("d", text, [], resolver, model)
    assert "abu-younis" not in out.mentions and "abu-younis" not in {e.id for e in out.entities}
    assert surfaces(out, text)["ismail-hamid-sultan"] == ["Ismail Hamid Sultan", "Abu Younis", "Abu Younis"]
    [person] = [e for e in out.entities if e.id == "ismail-hamid-sultan"]
    assert person.aliases == ["Ismail Hamid Sultan", "Abu Younis"]


def test_declared_names_chain(resolver, model):
    text = "Ismail Hamid Sultan, known as Abu Younis, joined Daesh. Abu Younis, also known as Abu Hamza, was captured."
    out = extract("d", text, [], resolver, model)
    assert surfaces(out, text)["ismail-hamid-sultan"] == ["Ismail Hamid Sultan", "Abu Younis", "Abu Younis",
                                                           "Abu Hamza"]
    assert [e.aliases for e in out.entities if e.family == "Person"] == [
        ["Ismail Hamid Sultan", "Abu Younis", "Abu Hamza"]]


def test_a_declared_name_of_a_known_entity_and_two_known_ones(resolver, model):
    text = "The commander Karim Dulaimi, known as Kaka Hama, met Qassem Soleimani, known as Hajj Qassem."
    out = extract("d", text, [], resolver, model)
    assert out.entities == []
    assert surfaces(out, text)["mohammed-haji-mahmoud"] == ["Karim Dulaimi", "Kaka Hama"]
    assert surfaces(out, text)["qassem-soleimani"] == ["Qassem Soleimani", "Hajj Qassem"]
    text = "An adviser of the Quds Force known as Abu Zeinab met Hadi al-Amiri, known as Abu Hassan."
    out = extract("d", text, [], resolver, model)  # no comma: the adviser is known as Abu Zeinab, not the Force
    assert "abu-zeinab" in out.mentions and "Abu Zeinab" not in surfaces(out, text)["quds-force"]


@pytest.mark.parametrize("name", ["Diwan al-Rikaz", "Wilayat Dijla", "Liwa Abu al-Fadl al-Abbas"])
def test_an_arabic_name_of_a_body_is_an_organization(resolver, model, name):
    text = f"He said that his cousin, Khalid Sultan, a commander in the group's {name}, persuaded him to join."
    out = extract("d", text, [], resolver, model)
    assert [e.family for e in out.entities if e.name == name] == ["Organization"]



def test_a_known_person_with_more_of_his_names_and_no_header_label(resolver, model):
    text = "DETAINEE: Ali Musa Daqduq al-Musawi\n\nThe detainee met Qais al-Khazali in Basra."
    out = extract("d", text, [], resolver, model)
    assert surfaces(out, text)["ali-musa-daqduq"] == ["Ali Musa Daqduq"]
    assert not out.entities, out.entities  # neither "DETAINEE" nor "Ali Musa Daqduq al-Musawi" is someone new
