import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from bench import synthetic
from loaders.aliases import APOSTROPHES, PUNCTUATION, TOKEN, AliasMatcher, alias_atoms, is_acronym, normalize
from loaders.curated import read_catalogue

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"


@pytest.fixture(scope="module")
def matcher(model) -> AliasMatcher:
    return AliasMatcher((e.id, e.aliases) for e in read_catalogue(SEEDS / "entities.yaml", model))


def found(matcher: AliasMatcher, text: str) -> dict[str, list[str]]:
    return {k: [text[s:e] for s, e in v] for k, v in matcher.find(text).items()}


@pytest.mark.parametrize(
    "text, entity, surface",
    [
        ("Irans spies were everywhere", "iran", "Iran"),  # possessive that lost its apostrophe
        ("Iran’s spies", "iran", "Iran"),
        ("[Qassem] Suleimani and Soleimani", "qassem-soleimani", "[Qassem] Suleimani"),
        ("Suleimani and Sulaimani", "qassem-soleimani", "Suleimani"),
        ("Kaka Hama told them", "mohammed-haji-mahmoud", "Kaka Hama"),
        ("attacks on ISISpositions", "isis", "ISIS"),  # lost space after an acronym
        ("the fight onISIS", "isis", "ISIS"),
        ("Daesh fighters", "isis", "Daesh"),
        ("al-Muhandis arrived", "abu-mahdi-al-muhandis", "al-Muhandis"),
        ("Muhandiss men", "abu-mahdi-al-muhandis", "Muhandis"),
        ("Adil Abdul-Mahdi resigned", "adil-abdul-mahdi", "Adil Abdul-Mahdi"),
        ("Asa’ib Ahl al-Haq", "asaib-ahl-al-haq", "Asa’ib Ahl al-Haq"),
        ("Asaib Ahl Al Haq", "asaib-ahl-al-haq", "Asaib Ahl Al Haq"),
        ("the Ba’ath Party", "baath-party", "Ba’ath Party"),
        ("near Jurf al Sakhar", "jurf-al-sakhar", "Jurf al Sakhar"),
        ("the MOISs officers", "mois", "MOIS"),
        ("Ministry of Intelligence and Security", "mois", "Ministry of Intelligence and Security"),
        ("ministry of intelligence and security", "mois", "ministry of intelligence and security"),
    ],
)
def test_mangled_seed_spellings_resolve(matcher, text, entity, surface):
    assert surface in found(matcher, text).get(entity, []), found(matcher, text)


def test_acronyms_are_case_sensitive(matcher):
    hits = found(matcher, "Let us go. The US and the U.S. agreed; mois is not a word.")
    assert hits["united-states"] == ["US", "U.S."]
    assert "mois" not in hits


def test_no_match_inside_longer_words(matcher):
    assert "iran" not in found(matcher, "Iranian officials")
    assert found(matcher, "Baghdadi spoke") == {"abu-bakr-al-baghdadi": ["Baghdadi"]}


def test_longest_alias_wins_and_spans_point_into_the_text(matcher):
    text = "Maj. Gen. Qassem Soleimani, head of the Quds Force"
    spans = matcher.find(text)
    assert [text[s:e] for s, e in spans["qassem-soleimani"]] == ["Maj. Gen. Qassem Soleimani"]
    assert [text[s:e] for s, e in spans["quds-force"]] == ["Quds Force"]


def test_skip_spans_hide_boilerplate(matcher):
    text = "Soleimani spoke. 12 Comments Soleimani is great"
    assert matcher.find(text, skip=[(17, len(text))]) == {"qassem-soleimani": [(0, 9)]}


def test_ambiguous_aliases_are_not_guessed():
    m = AliasMatcher([("a", ["Salih"]), ("b", ["Salih", "Wisam Salih"])])
    assert m.find("Salih said") == {}
    assert m.find("Wisam Salih said") == {"b": [(0, 11)]}
    assert m.lookup("salih") == {"a", "b"}


def test_normalize_and_lookup():
    assert normalize("Al-Muhandis") == normalize("Muhandis") == "muhandis"
    assert normalize("the Islamic State") == normalize("Islamic State")
    assert normalize("Asa’ib") == normalize("Asaib")
    assert normalize("U.S.") == normalize("US")
    m = AliasMatcher([("iran", ["Iran"])])
    assert m.lookup("Irans") == {"iran"}
    assert m.lookup("Iraq") == set()


def test_isation_is_ization():
    m = AliasMatcher([("pmf", ["Popular Mobilization Forces"])])
    text = "units of the Popular Mobilisation Forces shelled it"
    assert [text[s:e] for s, e in m.find(text)["pmf"]] == ["Popular Mobilisation Forces"]


def test_atoms():
    assert is_acronym("MOIS") and is_acronym("U.S.") and not is_acronym("Iran")
    assert len(alias_atoms("Jurf al-Sakhar")) == len(alias_atoms("Jurf Sakhar"))  # the article is optional anyway
    assert len(alias_atoms("U.S.")) == 4 and alias_atoms("U.S.")[0][1] == "U"  # no article, case kept


def token_pattern(token: str) -> str:
    out = []
    for i, ch in enumerate(token):
        if ch in APOSTROPHES:
            out.append("'?")
        elif ch == ".":
            out.append(r"\.?")
        elif ch in "zs" and token[i - 1:i] == "i" and token[i + 1:i + 6] == "ation":
            out.append("[sz]")
        else:
            out.append(re.escape(ch))
            nxt = token[i + 1] if i + 1 < len(token) else ""
            if ch.lower() in "aeiou" and nxt.isalpha():
                out.append("'?")
    return "".join(out)


def alias_pattern(alias: str) -> str:
    """What an alias matches, as a regex: apostrophes and dots optional, an apostrophe allowed after an inner
    vowel, -isation for -ization, words joined by spaces, hyphens or nothing, and "al" or "el" allowed before
    any word (the alias's own articles are left out, but for a last word)."""
    tokens = TOKEN.findall(alias.strip())
    parts = [token_pattern(t) for i, t in enumerate(tokens) if not (t.lower() in {"al", "el"} and i < len(tokens) - 1)]
    if is_acronym(alias):
        return r"[\s\-]*".join(parts)
    return r"[\s\-]*".join(rf"(?:(?:al|el)[\s\-]?)?{p}" for p in parts)


def alternation(aliases: list[str], acronyms: bool) -> re.Pattern:
    """The definition the matcher keeps to: one regex of every alias, longest first."""
    chosen = sorted({a for a in aliases if normalize(a) and is_acronym(a) == acronyms}, key=lambda a: (-len(a), a))
    before, word = (r"(?<![A-Z0-9])", "A-Z0-9") if acronyms else (r"(?<!\w)", r"\w")
    body = "|".join(alias_pattern(a) for a in chosen)
    return re.compile(f"{before}(?P<core>{body})(?:'?s)?(?![{word}])", 0 if acronyms else re.I)


def test_matching_equals_one_alternation_of_every_alias(model, tmp_path):
    """Only the aliases that start like the text are tried at each place; nothing else may change."""
    synthetic.generate(tmp_path, docs=40, seed=11, entities=600)
    catalogues = [read_catalogue(SEEDS / "entities.yaml", model),
                  read_catalogue(synthetic.corpus_dir(tmp_path) / "entities.csv", model)]
    texts = [p.read_text() for p in sorted(SEEDS.glob("*.txt")) + sorted((ROOT / "bench").glob("*/docs/*.txt"))]
    texts += [p.read_text() for p in sorted(synthetic.corpus_dir(tmp_path).rglob("*.txt"))]
    texts.append("Hadi al-Amiri, Hadi al Amiri, Hadi Amiri, HadiAmiri, Hadi - Amiri, Hadi alAmiri, Hadi al-\nAmiri. "
                 "Abdul-Mahdi, AbdulMahdi, Abdul Mahdi, Abdul\u00a0Mahdi. Jurf al-Sakhar, Jurf al Sakhar, Jurf Sakhar. "
                 "Abu Mahdi al-Muhandis, Abu  Mahdi  alMuhandis, Abu Mahdi al\nMuhandis, Abu Mahdi el-Muhandis's men.")
    tricky = {"us": ["U.S.", "US"], "usa": ["U.S.A."], "abbas": ["Abbas"], "aah": ["Asa'ib Ahl al-Haq", "AAH"],
              "amiri": ["Hadi al-Amiri", "Amiri"], "pmf": ["Popular Mobilization Forces", "PMF"],
              "aq": ["Al Qaeda", "al-Qa'ida"], "baath": ["Ba'ath Party", "Baath"], "alawi": ["Alawi", "el-Alawi"],
              "odd": ["Abu ' Ali", "Umm ."]}  # a word that may be empty
    catalogues.append([SimpleNamespace(id=k, aliases=v) for k, v in tricky.items()])
    texts.append("U.S.A, U.S.'s, the U.S.S.R., US-led, USes, U.S, u.s. Abbas's men, Abbass, ABBAS'S, Abbas_ "
                 "Asa'ib Ahl al-Haq, Asaib Ahl Al Haq, Asa''ib, AAHs, AAH's, AAH1. al-al-Amiri, Hadi al -Amiri, Hadi "
                 "al- Amiri, Hadi el--Amiri, Al Amiri, Popular Mobilisation Forces, popular mobilizationforces, PMFs. "
                 "AlQaeda, al Qa'ida, Al-Qaida, Ba'ath party, Ba'ath's, Baaths, Alawi, al-Alawi, el Alawi, elAlawi. "
                 "Abu Ali, Abu ' Ali, Abu 'Ali, Abu - Ali, Abu ', Abu al-Ali, "
                 "Umm . Ali, Umm. Ali, Umm ..Ali, Umm x, Umm . x.")
    for catalogue in catalogues:
        aliases = [a for e in catalogue for a in e.aliases]
        m = AliasMatcher((e.id, e.aliases) for e in catalogue)
        for ours, acronyms in ((m._upper, True), (m._plain, False)):
            reference = alternation(aliases, acronyms)
            for text in texts + [t.upper() for t in texts[:3]] + [t.lower() for t in texts[:3]]:
                text = text.translate(PUNCTUATION)
                assert list(ours.finditer(text)) == [
                    x.span("core") for x in reference.finditer(text)]
