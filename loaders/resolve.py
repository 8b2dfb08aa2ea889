"""Entity resolution: which known entity a name found in a text refers to, if any.

Sources transliterate Arabic and Persian names every which way (Qassem / Qasim / Qassim,
Soleimani / Suleimani / Sulaimani), drop or add articles and titles ("Gen. Soleimani",
"al-Muhandis"), and use surnames or acronyms after a first full mention. A name resolves when
exactly one entity fits; when several fit, or the fit is weak, nothing is guessed and the
candidates go to review with their scores.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

from loaders.aliases import ARTICLES, AliasMatcher, fold, is_acronym, normalize

TITLES = {
    "gen", "general", "maj", "major", "brig", "brigadier", "col", "colonel", "lt", "lieutenant", "capt", "captain",
    "sgt", "sergeant", "cmdr", "commander", "staff", "mr", "mrs", "ms", "dr", "sheikh", "shaykh", "haj", "hajj",
    "hajji", "ayatollah", "sayyid", "sayed", "president", "minister", "prime", "deputy", "judge", "imam", "mullah",
    "ambassador", "secretary", "senator", "speaker", "agent", "officer", "the", "brother", "sister", "comrade",
    "engineer", "eng", "oil", "foreign", "defense", "defence", "interior", "finance", "sardar", "kak",
}
STOPWORDS = {"of", "the", "and", "for", "in", "on", "to", "a"}
# Transliteration: one letter for sounds written several ways; vowels only where they start a word.
SOUNDS = [("ph", "f"), ("kh", "x"), ("gh", "g"), ("sh", "s"), ("ch", "s"), ("th", "t"), ("dh", "d"), ("q", "k"),
          ("c", "k"), ("w", "v"), ("z", "s"), ("j", "g"), ("y", "i")]
# "the Fatah Alliance ... Fatah", "the Badr Organization ... Badr": the name without the kind of body it is
BODY_WORDS = {"organization", "organisation", "alliance", "party", "movement", "coalition", "front", "bloc",
              "brigades", "corps", "league", "union"}
FIRM_WORDS = {"company", "group", "firm", "corporation"}  # "the Shaho Transport Company ... Shaho's tankers"
KIND_WORDS = BODY_WORDS | FIRM_WORDS
# Husayn (Hussein, Hossein, Husain, after SOUNDS) and Hasan (Hassan) are two names with one consonant skeleton
HUSAYN = re.compile(r"^h[aou]s{1,2}(?:e?i|ai)n")
SCORE_EXACT, SCORE_SKELETON, SCORE_ACRONYM, SCORE_SURNAME, SCORE_CANDIDATE = 1.0, 0.9, 0.85, 0.85, 0.6
ACRONYM_DEFINITION = re.compile(
    r"([A-Z][\w’'\-]*(?:\s+(?:of|the|and|for|al|(?:al-|el-)?[A-Z][\w’'\-]*))+)\s+\(([A-Z]{2,8}(?:-[A-Z]{1,4})?)\)"
)


def skeleton(token: str) -> str:
    """A spelling-independent key for one name part: 'Soleimani', 'Suleimani', 'Sulaimani' -> 'slmn'."""
    t = re.sub(r"[^a-z]", "", fold(token))
    if not t:
        return ""
    for a, b in SOUNDS:
        t = t.replace(a, b)
    t = HUSAYN.sub("hs1n", t)  # a consonant of its own: Hussein is not Hassan
    head, rest = t[0], re.sub(r"[aeiou]", "", t[1:])
    return re.sub(r"(.)\1+", r"\1", head + rest)


def name_parts(name: str) -> list[str]:
    """Name parts without titles, articles and possessives."""
    words = [w for w in re.split(r"[\s\-‐–]+", re.sub(r"['’]s\b", "", name)) if w]
    words = [w.strip(".,;:()[]\"'’") for w in words]
    return [w for w in words if w and fold(w) not in TITLES and fold(w) not in ARTICLES]


def name_key(name: str) -> str:
    return _key(name_parts(name))


def _key(parts: list[str]) -> str:
    return " ".join(filter(None, (skeleton(p) for p in parts)))


def short_name(name: str) -> str | None:
    """'the Badr Organization' -> 'Badr', 'the Shaho Transport Company' -> 'Shaho': a body's name without the
    kind of body it is, if it has one."""
    named = name_parts(name)
    if len(named) == 3 and fold(named[2]) in FIRM_WORDS and named[1][:1].isupper():
        return named[0]
    return named[0] if len(named) == 2 and fold(named[1]) in KIND_WORDS else None


def initials(name: str) -> str:
    return "".join(w[0].upper() for w in re.findall(r"[\w’']+", name) if w.lower() not in STOPWORDS and w[0].isalpha())


@dataclass(frozen=True)
class Resolution:
    entity: str | None
    score: float
    candidates: tuple[tuple[str, float], ...] = ()


@dataclass
class Resolver:
    """Indexes of the catalogue's names; `for_document` gives a resolver that also learns the
    document's own names as it goes (so 'Zamani' after 'Farhad Zamani' resolves)."""

    matcher: AliasMatcher
    families: dict[str, str]
    skeletons: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    acronyms: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    surnames: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    heads: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # "Abu Hafs" of "Abu Hafs al-Jiburi"
    tails: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    parts: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # person -> name-part skeletons
    words: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # entity -> folded name parts
    short: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))  # "Badr" -> badr-organization

    @classmethod
    def build(cls, entities: Iterable[tuple[str, str, Iterable[str]]], matcher: AliasMatcher | None = None) -> Resolver:
        """`matcher`, when given, must hold the same entities' aliases."""
        entities = [(i, f, list(a)) for i, f, a in entities]
        matcher = matcher or AliasMatcher((i, a) for i, _, a in entities)
        resolver = cls(matcher=matcher, families={i: f for i, f, _ in entities})
        for entity_id, family, aliases in entities:
            resolver.learn(entity_id, family, aliases)
        return resolver

    def learn(self, entity_id: str, family: str, aliases: Iterable[str]) -> None:
        self.families[entity_id] = family
        for alias in aliases:
            named = name_parts(alias)
            self.words[entity_id].update(fold(p) for p in named)
            key = _key(named)
            if key and not (len(named) == 1 and named[0].islower()):  # "foreign ministry" is not "Ministry"
                self.skeletons[key].add(entity_id)
            words = [w for w in re.findall(r"[\w’']+", alias) if w.lower() not in STOPWORDS]
            if len(words) >= 2 and not is_acronym(alias):
                self.acronyms[initials(alias)].add(entity_id)
            parts = key.split()
            for k in range(2, len(parts)):  # "Abdul Mahdi" of "Adil Abdul Mahdi"
                self.tails[" ".join(parts[-k:])].add(entity_id)
            if family == "Person" and len(parts) >= 2:
                self.surnames[parts[-1]].add(entity_id)
                for k in range(2, len(parts)):
                    self.heads[" ".join(parts[:k])].add(entity_id)
                self.parts[entity_id].update(p for p in parts if len(p) >= 3)
            if family == "Organization" and short_name(alias):
                self.short[parts[0]].add(entity_id)

    def _spelled_alike(self, entity_id: str, word: str) -> bool:
        return any(SequenceMatcher(None, word, part).ratio() >= 0.7 for part in self.words.get(entity_id, ()))

    def for_document(self) -> DocumentResolver:
        return DocumentResolver(self)

    def resolve(self, name: str, seen: list[str] = ()) -> Resolution:
        exact = self.matcher.lookup(name)
        if len(exact) == 1:
            return Resolution(next(iter(exact)), SCORE_EXACT)
        if len(exact) > 1:
            return Resolution(None, 0.0, tuple((e, SCORE_EXACT) for e in sorted(exact)))
        key = name_key(name)
        if not key:
            return Resolution(None, 0.0)
        by_skeleton = self.skeletons.get(key, set()) if len(key.replace(" ", "")) >= 4 else set()
        if len(by_skeleton) == 1:
            return Resolution(next(iter(by_skeleton)), SCORE_SKELETON)
        if by_skeleton:
            return Resolution(None, 0.0, tuple((e, SCORE_SKELETON) for e in sorted(by_skeleton)))
        stripped = " ".join(name_parts(name))
        if is_acronym(stripped):
            found = self.acronyms.get(re.sub(r"[^A-Z]", "", stripped), set())
            if len(found) == 1:
                return Resolution(next(iter(found)), SCORE_ACRONYM)
        parts = key.split()
        if len(parts) == 1:  # one word: same skeleton is not enough ("Hosseini" is not "Hassan")
            word = fold(name_parts(name)[0])
            by_skeleton = {e for e in by_skeleton if self._spelled_alike(e, word)}
        by_tail = self.tails.get(key, set())
        if len(by_tail) == 1:
            return Resolution(next(iter(by_tail)), SCORE_SURNAME)
        earlier = [e for e in dict.fromkeys(reversed(seen)) if e in self.heads.get(key, ())]
        if len(earlier) == 1:  # "Abu Hafs" after "Abu Hafs al-Jiburi": the first names of one person named before
            return Resolution(earlier[0], SCORE_SURNAME)
        if len(parts) == 1:
            owners = self.surnames.get(parts[0], set())
            earlier = [e for e in dict.fromkeys(reversed(seen)) if e in owners]
            if not earlier:  # a first name or other part of a person named earlier ("Haj Qasem")
                earlier = [e for e in dict.fromkeys(reversed(seen)) if parts[0] in self.parts.get(e, ())]
            if not earlier:  # the short form of a body named earlier ("Badr" after "the Badr Organization")
                earlier = [e for e in dict.fromkeys(reversed(seen)) if e in self.short.get(parts[0], ())]
            earlier = [e for e in earlier if self._spelled_alike(e, fold(name_parts(name)[0]))]
            if len(earlier) == 1:
                return Resolution(earlier[0], SCORE_SURNAME)
            if owners:
                return Resolution(None, 0.0, tuple((e, SCORE_CANDIDATE) for e in sorted(owners)))
        return Resolution(None, 0.0)


class DocumentResolver:
    """The catalogue resolver plus what this document has introduced so far."""

    def __init__(self, base: Resolver):
        self.base = base
        self.local = Resolver(matcher=AliasMatcher(()), families={})
        self.seen: list[str] = []
        self.people: dict[str, list[str]] = {}  # a person this document introduced -> its name's part skeletons

    def define_acronyms(self, text: str) -> dict[str, str]:
        """'Kurdistan Socialist Democratic Party (KSDP)', 'Islamic Revolutionary Guard Corps – Qods Force
        (IRGC-QF)': the acronym means the long name here (the Qods Force, named last). Its letters may come in
        another order, from the name in another language ('Democratic Party of Iranian Kurdistan (KDPI)')."""
        found = {}
        for long, acr in ACRONYM_DEFINITION.findall(text):
            if not (initials(long).endswith(acr[-2:]) or sorted(acr.replace("-", "")) == sorted(initials(long))):
                continue
            head = long.split(" of ")[0]
            if head != long and self.resolve(long).entity is None and self.resolve(head).entity is not None:
                long = head  # "the Quds Force of the Islamic Revolutionary Guard Corps (IRGC-QF)": the Quds Force
            found[acr] = long
        return found

    def resolve(self, name: str) -> Resolution:
        local = self.local.resolve(name, self.seen)
        if local.entity:
            return local
        found = self.base.resolve(name, self.seen)
        if found.entity is None and not found.candidates and (fuller := self._fuller(name)):
            return fuller
        if found.entity is None and local.candidates:
            return Resolution(None, 0.0, local.candidates + found.candidates)
        return found

    def _fuller(self, name: str) -> Resolution | None:
        """'Hassan Karim Jabbar al-Zayadi' after 'Hassan Karim al-Zayadi', or the other way round: a person
        this document introduced, named again with a middle name added or left out (first and last names
        the same, at least three names in the shorter form)."""
        parts = name_key(name).split()
        fits = [e for e, known in self.people.items()
                if min(len(parts), len(known)) >= 3 and len(parts) != len(known)
                and parts[0] == known[0] and parts[-1] == known[-1] and _within(*sorted((parts, known), key=len))]
        return Resolution(fits[0], SCORE_SURNAME) if len(fits) == 1 else None

    def note(self, entity_id: str) -> None:
        self.seen.append(entity_id)

    def introduce(self, entity_id: str, family: str, name: str) -> None:
        self.local.learn(entity_id, family, [name])
        self.local.matcher.keys[normalize(name)].add(entity_id)
        self.seen.append(entity_id)
        if family == "Person":
            self.people.setdefault(entity_id, name_key(name).split())


def _within(short: list[str], long: list[str]) -> bool:
    """Whether the parts of `short` occur in `long` in the same order."""
    rest = iter(long)
    return all(part in rest for part in short)
