from pathlib import Path

import pytest

from loaders.curated import read_catalogue
from loaders.resolve import Resolver, initials, name_key, name_parts, skeleton

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def resolver(model) -> Resolver:
    return Resolver.build((e.id, e.family, e.aliases) for e in read_catalogue(SEEDS / "entities.yaml", model))


@pytest.mark.parametrize("a, b", [("Soleimani", "Suleimani"), ("Soleimani", "Sulaimani"), ("Qassem", "Qasim"),
                                  ("Qassem", "Qassim"), ("Mohammed", "Muhammad"), ("Jabouri", "Jubouri")])
def test_transliterations_share_a_skeleton(a, b):
    assert skeleton(a) == skeleton(b)


@pytest.mark.parametrize("a, b", [("Hossein", "Hassan"), ("Hussein", "Hasan"), ("Husayn", "Hassan")])
def test_hussein_and_hassan_are_two_names(a, b):
    assert skeleton(a) != skeleton(b)
    assert skeleton(a) == skeleton("Hussain")


def test_a_full_name_with_another_given_name_is_someone_else(resolver):
    assert resolver.resolve("Hossein Nasrollahi").entity is None
    assert resolver.resolve("Hasan Nasrallah").entity == resolver.resolve("Hassan Nasrallah").entity is not None


def test_titles_articles_and_possessives_are_not_name_parts():
    assert name_parts("Maj. Gen. Qassem Soleimani's") == ["Qassem", "Soleimani"]
    assert name_key("al-Muhandis") == name_key("Muhandis")
    assert initials("Kurdistan Socialist Democratic Party") == "KSDP"
    assert initials("Ministry of Intelligence and Security") == "MIS"


@pytest.mark.parametrize(
    "name, entity",
    [
        ("Qasim Sulaimani", "qassem-soleimani"),
        ("Qassim Suleimani", "qassem-soleimani"),
        ("Gen. Sulaimani", "qassem-soleimani"),
        ("Abdul-Mahdi", "adil-abdul-mahdi"),
        ("Adel Abdul Mahdi", "adil-abdul-mahdi"),
        ("al-Muhandis", "abu-mahdi-al-muhandis"),
        ("Salim al-Jubouri", "salim-al-jabouri"),
        ("Mohammad Haji Mahmood", "mohammed-haji-mahmoud"),
        ("KSDP", "ksdp"),
        ("Revolutionary Guard Corps", "irgc"),
    ],
)
def test_variants_resolve(resolver, name, entity):
    found = resolver.resolve(name)
    assert found.entity == entity and found.score >= 0.85, found


def test_surname_alone_needs_an_earlier_full_mention(resolver):
    cold = resolver.resolve("Mr. Jabouri")
    assert cold.entity is None and cold.candidates == (("salim-al-jabouri", 0.6),)
    doc = resolver.for_document()
    doc.note("salim-al-jabouri")
    assert doc.resolve("Mr. Jabouri").entity == "salim-al-jabouri"


def test_ambiguous_names_are_candidates_not_guesses():
    r = Resolver.build([("a", "Person", ["Wisam Salih"]), ("b", "Person", ["Srud Salih"])])
    found = r.resolve("Salih")
    assert found.entity is None and {c for c, _ in found.candidates} == {"a", "b"}
    doc = r.for_document()
    doc.note("b")
    assert doc.resolve("Col. Salih").entity == "b"


def test_a_document_learns_its_own_new_names():
    doc = Resolver.build([]).for_document()
    doc.introduce("farhad-zamani", "Person", "Farhad Zamani")
    assert doc.resolve("Zamani").entity == "farhad-zamani"
    assert doc.resolve("Brig. Farhad Zamani").entity == "farhad-zamani"
    assert doc.define_acronyms("the Kurdistan Toilers Party (KTP) said") == {"KTP": "Kurdistan Toilers Party"}


def test_acronyms_of_names_with_arabic_articles():
    doc = Resolver.build([]).for_document()
    assert doc.define_acronyms("Khazali leads Asaib Ahl al-Haq (AAH).") == {"AAH": "Asaib Ahl al-Haq"}


def test_the_short_name_of_a_body_needs_an_earlier_full_mention():
    r = Resolver.build([("fatah-alliance", "Organization", ["Fatah Alliance"]),
                        ("dawa-party", "Organization", ["Islamic Dawa Party"])])
    assert r.resolve("Fatah").entity is None
    doc = r.for_document()
    doc.note("fatah-alliance")
    assert doc.resolve("Fatah").entity == "fatah-alliance"
    doc.note("dawa-party")
    assert doc.resolve("Dawa").entity is None  # three words: "Dawa" alone is not its short name


def test_first_names_of_a_person_named_before():
    r = Resolver.build([("abu-bakr-al-tikriti", "Person", ["Abu Bakr al-Tikriti"]),
                        ("abu-bakr-al-anbari", "Person", ["Abu Bakr al-Anbari"])])
    doc = r.for_document()
    assert doc.resolve("Abu Bakr").entity is None
    doc.note("abu-bakr-al-tikriti")
    assert doc.resolve("Abu Bakr").entity == "abu-bakr-al-tikriti"
    doc.note("abu-bakr-al-anbari")
    assert doc.resolve("Abu Bakr").entity is None  # two named before: either


def test_a_hyphenated_acronym_names_the_body_named_last():
    doc = Resolver.build([]).for_document()
    text = "officers of the Kurdistan Security Council – Counter Terrorism (KSC-CT) said"
    assert doc.define_acronyms(text) == {"KSC-CT": "Counter Terrorism"}


def test_a_person_named_again_with_a_middle_name_added_or_left_out():
    doc = Resolver.build([]).for_document()
    doc.introduce("hassan-karim-al-zayadi", "Person", "Hassan Karim al-Zayadi")
    assert doc.resolve("Hassan Karim Jabbar al-Zayadi").entity == "hassan-karim-al-zayadi"
    doc.introduce("ali-hamid-jabbar-al-saadi", "Person", "Ali Hamid Jabbar al-Saadi")
    assert doc.resolve("Ali Hamid al-Saadi").entity == "ali-hamid-jabbar-al-saadi"
    assert doc.resolve("Ali al-Saadi").entity is None  # two names are not enough to tell relatives apart
    assert doc.resolve("Muhannad Jabbar al-Zayadi").entity is None  # another first name: a relative


def test_an_acronym_in_another_language_and_the_body_of_a_body():
    r = Resolver.build([("quds-force", "Organization", ["Quds Force"])])
    doc = r.for_document()
    kdpi = "offices of the Democratic Party of Iranian Kurdistan (KDPI) in Koya"
    assert doc.define_acronyms(kdpi) == {"KDPI": "Democratic Party of Iranian Kurdistan"}  # the letters reordered
    assert doc.define_acronyms("the Iraqi National Congress (PKK)") == {}  # not the same letters
    qf = "members of the Quds Force of the Islamic Revolutionary Guard Corps (IRGC-QF) trained them"
    assert doc.define_acronyms(qf) == {"IRGC-QF": "Quds Force"}  # the known body named first


def test_a_generic_word_left_of_an_alias_is_no_name():
    r = Resolver.build([("iranian-foreign-ministry", "Organization", ["Iranian Ministry of Foreign Affairs",
                                                                      "foreign ministry"])])
    assert r.resolve("Ministry").entity is None  # "the Ministry" of an MOIS cable is not the foreign ministry
    assert r.resolve("Foreign Ministry").entity == "iranian-foreign-ministry"


def test_a_company_by_its_first_name():
    r = Resolver.build([("shaho-transport-company", "Organization", ["Shaho Transport Company"])])
    doc = r.for_document()
    assert doc.resolve("Shaho").entity is None
    doc.note("shaho-transport-company")
    assert doc.resolve("Shaho").entity == "shaho-transport-company"
