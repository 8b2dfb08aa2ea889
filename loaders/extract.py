"""Extraction for a document nobody has annotated: names (catalogue aliases first, then spaCy),
resolution to known entities, new unreviewed entities with review candidates, and typed facts.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field, replace

from graph.write import ClaimRecord, EntityRecord
from loaders import lexicon, ner, relations
from loaders.aliases import fold, normalize, overlaps, slug
from loaders.resolve import KIND_WORDS, Resolution, Resolver, name_key, name_parts, short_name
from schema.model import Model

ONLY_LINKED = {"NORP"}  # "Iranian", "Sunni": a known group's mention; only a plural ("Kurds") may be new
# What stands just before a name says more about its family than spaCy's small model often does.
PLACE_CONTEXT = re.compile(
    r"\b(?:in|near|outside|into|to|from|(?:town|village|city|district|province|region|area|north|south|east|west"
    r"|capital|outskirts|governor|mayor) of|(?:border|crossing|checkpoint) at)\s+$", re.IGNORECASE
)
PERSON_CONTEXT = re.compile(
    r"\b(?:Mr|Mrs|Ms|Dr|Gen|Col|Brig|Maj|Capt|Lt|Sheikh|Shaykh|Brother|Haj|Hajj|Sayyid|Mullah|Ayatollah|President|"
    r"Minister|Ambassador|Speaker|Colonel|General|Brigadier)\.?\s+$"
)
# "the source codenamed Darband", "a courier called Karrar", "a man he knows only as Abu Zahra", "the instructor,
# whom the trainees called Hajji Ahmad": a person, whatever spaCy calls the name elsewhere
CODENAME_BEFORE = re.compile(
    r"\b(?:source|agent|informant|courier|man|woman|officer|instructor|trainer|commander|smuggler|driver|"
    r"handler|cleric)s?(?:,?\s+\w+){0,3}?\s+(?:codenamed|code-named|called|named|(?:known|referred to)(?: only)? as)"
    r"\s+$",
    re.IGNORECASE)
# "Haidar Kadhim Jabbar al-Shibli (hereafter detainee)": the term stands for that name from there on
HEREAFTER = re.compile(r"\s*\((?:hereafter|hereinafter|henceforth),?\s+(?:(?:referred to|called) as\s+|called\s+)?"
                       r"(?:the\s+)?[\"“']?([A-Za-z][\w-]*(?: [A-Za-z0-9][\w-]*){0,2}?)[\"”']?\s*\)")
# "X, the leader of ...", "X, the Badr Organization’s commander", "X, who leads ...": X is a person
ROLE_AFTER = re.compile(
    rf"^,\s+(?:(?:the |a |an )?(?:[\w-]+(?:['’]s)? ){{0,2}}"
    rf"(?:{lexicon.LEAD_NOUN}|{lexicon.MEMBER_NOUN}|{lexicon.KIN})\b)"
)
# "X, who ...": X is a person, unless X ends a phrase with "of" ("the governor of Salahuddin, who ...")
WHO_AFTER = re.compile(r"^,\s+who\b")
OF_BEFORE = re.compile(r"\bof\s+$")
ARTICLE_BEFORE = re.compile(r"\bthe\s+$", re.IGNORECASE)
# "Jalawla, a mixed Kurdish and Arab town": a place
PLACE_AFTER = re.compile(rf"^,\s+(?:the |a |an )?(?:[\w-]+ ){{0,4}}{lexicon.PLACE_WORD}\b")
# a name that runs into common nouns: "PUK politburo", "Badr commanders"
TRAILING_NOUNS = re.compile(r"^(.*[A-Z][\w’'-]*)(?:\s+[a-z][\w-]*)+$")
# between a name and another name for the same one: ", also known as", " (alias", ", nicknamed"
ALIAS_GAP = re.compile(r",\s+(?:also |better |more commonly )?(?:known as|nicknamed|a\.k\.a\.?|alias)\s+"
                       r"|\s+\((?:alias|a\.k\.a\.?|aka|also known as|known as)\s+")
Span = tuple[int, int]
CONTEXT_WEIGHT = 3  # a title or "in" before a name outweighs a label spaCy gave it twice
DEFINITION_WEIGHT = 10  # what the text says a name is ("X, a farming town") outweighs any number of labels


@dataclass
class Extraction:
    entities: list[EntityRecord] = field(default_factory=list)
    mentions: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    claims: list[ClaimRecord] = field(default_factory=list)


def _longer_name(text: str, name: ner.Name, inner: list[tuple[int, int]]) -> bool:
    """A proper name that merely contains a known alias: the extra words are capitalised name parts."""
    rest = text[name.start:name.end]
    for s, e in sorted(inner, reverse=True):
        rest = rest[: s - name.start] + " " + rest[e - name.start:]
    words = [w for w in rest.replace("-", " ").split() if w.lower() not in ("of", "the", "al", "and")]
    return bool(words) and all(w[:1].isupper() for w in words) and not rest.strip().startswith(("'", "’"))


def _short_names_to_full_names(new: dict[str, EntityRecord], mentions: dict[str, list[tuple[int, int]]]) -> None:
    """'Hadi al-Amiri ... Amiri': a new one-word name that is the last name of exactly one new person
    named in full before it is that person, whichever family spaCy first gave either name; so is the first
    name of exactly one new person named in full before or after it ('a courier called Karrar ... identified
    Karrar as Karrar Jawad Hashim')."""
    for short in [e for e in new.values() if len(name_key(e.name).split()) == 1 and e.id in mentions
                  and e.kind != "informant"]:  # "Source 2" is not "Source Basir"
        key, first = name_key(short.name), fold(name_parts(short.name)[0])
        owners = [e for e in new.values() if e.id != short.id and e.id in mentions and e.kind != "informant"
                  and len(parts := name_key(e.name).split()) > 1
                  and (parts[-1] == key and "Person" in (e.family, short.family)
                       and mentions[e.id][0] < mentions[short.id][0]
                       or fold(name_parts(e.name)[0]) == first and e.family == "Person"
                       and short.family != "Organization" and " " not in short.name)]  # not "Imam Ali"
        if len(owners) == 1:
            owner = owners[0]
            _merge(new, mentions, owner.id, short.id, family="Person",
                   kind="person" if owner.family != "Person" else owner.kind)


def _merge(new: dict[str, EntityRecord], mentions: dict[str, list[Span]], keep: str, gone: str,
           as_alias: bool = True, **changes: str) -> None:
    """New entity `gone` is `keep`: its mentions become `keep`'s, and a new `keep` takes its names as aliases
    (unless `as_alias` is false: a term a text defines is no one's name elsewhere) and `changes`."""
    mentions[keep] = sorted(mentions[keep] + mentions.pop(gone))
    if keep in new:
        aliases = [*new[keep].aliases, *new[gone].aliases] if as_alias else new[keep].aliases
        new[keep] = replace(new[keep], aliases=aliases, **changes)
    del new[gone]


PROVINCE = re.compile(r"(.+?)\s+(?:[Pp]rovince|[Gg]overnorate)")


def _provinces(text: str, new: dict[str, EntityRecord], mentions: dict[str, list[Span]],
               families: dict[str, str]) -> None:
    """'Amarah, the capital of Maysan Province ... rivals in Maysan': a new place named as a province or a
    governorate is the one place the text also names without that word."""
    for whole in [e for e in new.values() if e.family == "Location" and e.id in mentions]:
        if not (m := PROVINCE.fullmatch(whole.name)):
            continue
        same = {k for k, spans in mentions.items() if k != whole.id and families.get(k) == "Location"
                and any(fold(text[s:e]) == fold(m.group(1)) for s, e in spans)}
        if len(same) == 1:
            _merge(new, mentions, same.pop(), whole.id)


def _declared_aliases(text: str, new: dict[str, EntityRecord], mentions: dict[str, list[Span]],
                      families: dict[str, str]) -> None:
    """'Ismail Hamid Sultan, known as Abu Younis', 'Ismail Hamid Sultan (alias Abu Younis)': the second name
    is the first one's, and its mentions are that entity's. A name nobody knew goes to the other one; two
    known entities stay apart (the text does not override the catalogue). Declarations chain: in 'A, known as
    B ... B, also known as C', C is A's too."""
    at = sorted((span, k) for k, spans in mentions.items() for span in spans)
    merged: dict[str, str] = {}  # each entity folded into another: the one it went to
    for ((_, end), first), ((start, _), second) in zip(at, at[1:], strict=False):
        while first in merged:
            first = merged[first]
        while second in merged:
            second = merged[second]
        if first == second or not ALIAS_GAP.fullmatch(text[end:start]) \
                or families.get(first) not in ("Person", "Organization"):
            continue
        keep, gone = (first, second) if second in new else (second, first) if first in new else (None, None)
        if keep is None or gone not in mentions or keep not in mentions:
            continue
        _merge(new, mentions, keep, gone)
        merged[gone] = keep


def _defined_terms(text: str, new: dict[str, EntityRecord], mentions: dict[str, list[Span]],
                   noise: list[Span]) -> None:
    """'Haidar Kadhim Jabbar al-Shibli (hereafter detainee) ... Detainee stated that ...': from its definition on,
    the term is a mention of the name before it, and a new entity spaCy made of the term is that name's."""
    for entity, end in sorted(((k, e) for k, spans in mentions.items() for _, e in spans), key=lambda x: x[1]):
        definition = HEREAFTER.match(text, end)
        if definition is None or entity not in mentions:
            continue
        term = definition.group(1)
        for other in [k for k in new if k != entity and k in mentions and normalize(new[k].name) == normalize(term)]:
            _merge(new, mentions, entity, other, as_alias=False)  # 'Detainee', which spaCy took for a name
        taken = [s for spans in mentions.values() for s in spans] + noise
        for m in re.finditer(rf"(?<![\w-]){re.escape(term)}(?![\w-])", text[definition.end():], re.IGNORECASE):
            span = (definition.end() + m.start(), definition.end() + m.end())
            if not overlaps(*span, taken):
                mentions[entity].append(span)
        mentions[entity].sort()


def _body_before_nouns(name: ner.Name, local, acronyms: dict[str, str], families: dict[str, str]) -> ner.Name:
    """'two PUK politburo members', 'the Badr commanders': spaCy may run a body's name into the common nouns
    after it; when the name resolves to nothing and its capitalised words alone name a body, the mention is
    that body's (the nouns say which of its parts or people, as role nouns do)."""
    m = TRAILING_NOUNS.match(name.text)
    if m is None or local.resolve(acronyms.get(name.text, name.text)).entity is not None:
        return name
    head = m.group(1)
    entity = local.resolve(acronyms.get(head, head)).entity
    if entity is None or families.get(entity) != "Organization":
        return name
    return replace(name, end=name.start + len(head), text=head, family="Organization", kind="organization")


def _body_by_kind(text: str, name: ner.Name, mentions: dict[str, list[Span]], families: dict[str, str]
                  ) -> str | None:
    """'the Iraqi Turkmen Front ... the Front’s leader': the kind of body alone, capitalised, is the one body
    named before it whose name ends in that word."""
    if " " in name.text or fold(name.text) not in KIND_WORDS:
        return None
    bodies = {k for k, spans in mentions.items() if families.get(k) == "Organization"
              for s, e in spans if e <= name.start and fold(text[s:e].split()[-1]) == fold(name.text)}
    return bodies.pop() if len(bodies) == 1 else None


def _coordinated(name: ner.Name, resolver: Resolver) -> list[ner.Name]:
    """'the Badr Organization and Turkmen units': spaCy may run two names joined by "and" into one; a name
    nobody knows whose first part ends in the kind of body or place it is ("Organization", "province") is
    two names (not "the Ministry of Intelligence and Security")."""
    first, sep, second = name.text.partition(" and ")
    if not sep or not second[:1].isupper() or first.split()[-1].lower() not in lexicon.NAME_CLASSES \
            or resolver.resolve(name.text).entity is not None:
        return [name]
    right = name.start + len(first) + len(sep)
    return [replace(name, end=name.start + len(first), text=first), replace(name, start=right, text=second)]


def _context(text: str, name: ner.Name) -> tuple[tuple[str, str], int] | None:
    """The family and kind the words around a name give it, and how much that weighs."""
    before, after = text[max(0, name.start - 40):name.start], text[name.end:name.end + 60]
    if ROLE_AFTER.match(after) or WHO_AFTER.match(after) and not OF_BEFORE.search(before) \
            or CODENAME_BEFORE.search(before):
        return ("Person", "person"), DEFINITION_WEIGHT
    if PLACE_AFTER.match(after):
        return ("Location", "place"), DEFINITION_WEIGHT
    if PERSON_CONTEXT.search(before) or ner.HONORIFIC_NAME.fullmatch(name.text):
        return ("Person", "person"), CONTEXT_WEIGHT
    if PLACE_CONTEXT.search(before):
        return ("Location", "place"), CONTEXT_WEIGHT
    if name.family == "Person" and ARTICLE_BEFORE.search(before):  # "the Zanyari" is no one's name
        return ("Organization", "organization"), CONTEXT_WEIGHT
    return None


def _elsewhere(text: str, surfaces: dict[str, set[str]], taken: list[Span], noise: list[Span]
               ) -> list[tuple[str, Span, list[Span]]]:
    """A name means one thing throughout a text: its other occurrences, which spaCy's small model can miss
    (in a headline, a signature, a list, or a defined acronym standing alone), are mentions of the same
    entity, and take over the shorter names inside them ("Sulaimaniyah" of "Sulaimaniyah Station").
    Each: the entity, the span, the spans it takes over."""
    names = {n: next(iter(ids)) for n, ids in surfaces.items() if len(ids) == 1 and len(n) > 2}
    if not names:
        return []
    pattern = re.compile(r"(?<![\w-])(?:" + "|".join(map(re.escape, sorted(names, key=len, reverse=True)))
                         + r")(?![\w-])")
    found = []
    for m in pattern.finditer(text):
        (start, end), inner = m.span(), [(s, e) for s, e in taken if s < m.end() and m.start() < e]
        if all(start <= s and e <= end and (s, e) != (start, end) for s, e in inner) \
                and not overlaps(start, end, noise):
            found.append((names[m.group()], (start, end), inner))
    return found


def extract(
    doc_id: str, text: str, noise: list[tuple[int, int]], resolver: Resolver, model: Model,
    rejected: set[str] = frozenset(), decide: relations.Decide | None = None,
) -> Extraction:
    """`rejected`: normalised names a reviewer said are not entities; `decide`: which facts each sentence
    states, given what the rules propose (relations.extract; by default, the rules alone)."""
    found = resolver.matcher.find(text, skip=noise)
    taken = noise + [s for spans in found.values() for s in spans]
    doc = ner.nlp()(text)
    local = resolver.for_document()
    for entity_id in sorted(found, key=lambda k: found[k][0]):
        local.note(entity_id)
    families = dict(resolver.families)
    acronyms = local.define_acronyms(text)
    new: dict[str, EntityRecord] = {}
    votes: dict[str, Counter] = defaultdict(Counter)  # spaCy may label one name differently each time
    mentions = {k: list(v) for k, v in found.items()}
    surfaces: dict[str, set[str]] = {}  # each name spaCy found, and whom it named
    names = ner.numbered_sources(text) + ner.units(text)
    names += [n for name in ner.names(doc) for n in _coordinated(name, resolver)]
    places = [(ent.start_char, ent.end_char) for ent in doc.ents if ent.label_ in ("GPE", "LOC", "FAC", "ORG")]
    places += [span for k, spans in found.items() if families.get(k) == "Location" for span in spans]
    names += ner.titled_names(text) + ner.kind_names(doc, sorted(set(places)))
    for name in sorted(names, key=lambda n: (n.start, -n.end, n.label != "KIND")):  # what a kind word says first
        inner = [(s, e) for s, e in taken if name.start <= s and e <= name.end and (s, e) != (name.start, name.end)]
        if name.family == "Person" and len(inner) == 1 and inner[0][0] == name.start \
                and len(name_parts(text[inner[0][0]:inner[0][1]])) >= 2 \
                and any(families.get(k) == "Person" and inner[0] in spans for k, spans in mentions.items()):
            continue  # "Ali Musa Daqduq al-Musawi": a person named in full, with more of his names after
        if inner and not overlaps(name.start, name.end, [t for t in taken if t not in inner]) \
                and (_longer_name(text, name, inner) or name.label == "KIND"):  # "the Tikrit offensive"
            # "Kataib Hezbollah" is not "Hezbollah", nor "Kurdistan Toilers Party" "Kurdistan"
            for k in mentions:
                mentions[k] = [sp for sp in mentions[k] if sp not in inner]
            taken = [t for t in taken if t not in inner]
        if overlaps(name.start, name.end, taken):
            continue
        if normalize(name.text) in rejected:
            continue
        # a numbered or code-named source is this report's own, never someone known elsewhere
        is_source = name.label == "SOURCE"
        if not is_source:
            name = _body_before_nouns(name, local, acronyms, families)
        resolution = Resolution(None, 0.0) if is_source else local.resolve(acronyms.get(name.text, name.text))
        entity_id = resolution.entity or (None if is_source else _body_by_kind(text, name, mentions, families))
        # what the words around a new name say of it (a numbered source is an informant; "the Babil provincial
        # council" says what it is)
        context = None if is_source or name.label == "KIND" or entity_id is not None and entity_id not in new \
            else _context(text, name)
        if entity_id is None:
            group = name.label in ONLY_LINKED and name.text.endswith("s") and name.text[:1].isupper()
            if name.label in ONLY_LINKED and not group or not name_key(name.text):
                continue
            entity_id = slug(name.text)
            if name.label == "SOURCE":  # "Source 1" of one report is not "Source 1" of another
                entity_id = slug(f"{doc_id} {name.text}")
            if entity_id in resolver.families and entity_id not in new:
                entity_id = f"{entity_id}-{name.family.lower()}"
            if entity_id not in new:
                candidates = [f"{c} {score:.2f}" for c, score in resolution.candidates]
                kind = "ethnic_group" if group else name.kind  # "the Kurds", "the Yazidis"
                new[entity_id] = EntityRecord(
                    id=entity_id, name=name.text, family=name.family, kind=kind, aliases=[name.text],
                    reviewed=False, candidates=candidates,
                )
                # "Kosrat Rasul Ali, the first deputy ...", which spaCy called a facility: indexed as a person
                defined = context is not None and context[1] == DEFINITION_WEIGHT
                local.introduce(entity_id, context[0][0] if defined else name.family, name.text)
                families[entity_id] = name.family
        if entity_id in new:
            votes[entity_id][(name.family, "ethnic_group" if name.label in ONLY_LINKED else name.kind)] += 1
            if context is not None:
                votes[entity_id][context[0]] += context[1]
        local.note(entity_id)
        mentions.setdefault(entity_id, []).append((name.start, name.end))
        taken.append((name.start, name.end))
        if name.label not in ONLY_LINKED:
            surfaces.setdefault(name.text, set()).add(entity_id)
    for entity_id, counts in votes.items():
        (family, kind), _ = counts.most_common(1)[0]
        new[entity_id] = replace(new[entity_id], family=family, kind=kind)
        families[entity_id] = family
    for acronym, long in acronyms.items():  # "the Kurdistan Democratic Party (KDP) ... the KDP"
        resolved = local.resolve(long).entity
        if resolved is not None:
            surfaces.setdefault(acronym, set()).add(resolved)
    named = [(text[s:e], k) for k, spans in found.items() for s, e in spans]
    named += [(surface, next(iter(ids))) for surface, ids in surfaces.items() if len(ids) == 1]
    for surface, entity_id in named:  # "the Badr Organization ... the Badr commanders": its short name
        short = short_name(surface)
        if short and families.get(entity_id) == "Organization" and surface.startswith(short) \
                and local.resolve(short).entity in (None, entity_id):
            surfaces.setdefault(short, set()).add(entity_id)
    for entity_id, span, inner in _elsewhere(text, surfaces, taken, noise):
        for k in mentions:
            mentions[k] = [sp for sp in mentions[k] if sp not in inner]
        mentions.setdefault(entity_id, []).append(span)
    mentions = {k: v for k, v in mentions.items() if v}
    _declared_aliases(text, new, mentions, families)
    _provinces(text, new, mentions, families)
    _defined_terms(text, new, mentions, noise)
    _short_names_to_full_names(new, mentions)
    families.update((k, e.family) for k, e in new.items())
    mention_list = [relations.Mention(s, e, k) for k, spans in mentions.items() for s, e in spans]
    informants = {e.id for e in new.values() if e.kind == "informant"}
    claims = [c for c in relations.extract(doc_id, text, doc, mention_list, families, model, informants, decide)
              if not overlaps(c.start, c.end, noise)]  # a sentence running into a comment is no evidence
    return Extraction(
        entities=sorted(new.values(), key=lambda e: e.id),
        mentions={k: sorted(v) for k, v in sorted(mentions.items())},
        claims=claims,
    )
