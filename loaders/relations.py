"""Typed facts from the clauses of a sentence, read off spaCy's dependency parse: who does what to whom
(the subject and objects of a verb, through passives, coordination, relative clauses and light verbs such
as "held talks with"), which role a noun gives its holder ("X, the leader of Y", "Y's deputy chairman X",
"named X as the Special Groups commander in Sadr City") and where something is ("the KDP office in Gwer").
Pronouns, relative pronouns and definite descriptions ("the detainee", "the operation") stand for the
entity the text named for them. Each fact becomes a Claim of its type with the sentence as its quote, a
date when the sentence gives one, a confidence (lower for a weaker construction or a hedge) and who
asserts it when the sentence attributes it ("according to X", "X told his interrogators that ...").
What is negated, wished for, planned or recommended is not a fact; the model decides which endpoint
families a type allows. The words these rules read (verbs per fact type, role, event and place nouns) are
in loaders.lexicon.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from graph.write import ClaimRecord
from loaders.curated import claim_id
from loaders.dates import find_date
from loaders.lexicon import (
    ARRIVING,
    ATTACKS,
    ATTRIBUTING,
    ATTRIBUTION_AFTER,
    ATTRIBUTION_BEFORE,
    BALANCE,
    BODY_NOUNS,
    BODY_SITES,
    BUDGET_NOUNS,
    COMITATIVE,
    CONDITIONS,
    CONFLICT_NOUNS,
    CONTROL,
    CONTROL_VERBS,
    COOPERATION,
    DEFINITE,
    DESIGNATE,
    DIRECTIONS,
    EVENT_NOUNS,
    EVENT_OBJECTS,
    EXPEL,
    FACILITY_NOUNS,
    FIGHT,
    FIRST_PERSON,
    GROUP_NOUNS,
    GROUP_PRONOUNS,
    HANDLER,
    HANDLING,
    HEDGE,
    HOLDING,
    IRREALIS,
    KEEPING,
    LEMMA_GAPS,
    LIFT,
    LIGHT,
    LOC,
    MOBILE,
    MODALS,
    MONEY_NOUNS,
    NAME_CLASSES,
    OBJECT_CONTROL,
    OFFICES,
    PARTITIVE,
    PERCEPTION,
    PERSONAL_RELATIVE,
    PLACE_NOUNS,
    POSSESSIVE_GAP,
    PRONOUNS,
    RECEIVE,
    RELATIVE,
    REPORTED_PRONOUNS,
    REPORTING,
    RESPONSIBLE,
    RETAKE,
    ROLE_PREPS,
    ROLE_WORDS,
    SELF_NOUNS,
    SEND,
    SITE_WORDS,
    SPATIAL_NOUNS,
    SPEECH,
    STANCES,
    STATES,
    SUBORDINATE,
    SUCCEED,
    TIE_PREPS,
    TIES,
    TITLE_CLASSES,
    TRAINING_NOUNS,
    TRANSFER,
    UNIT_NOUNS,
    VERBS,
    WEAPON_NOUNS,
)
from schema.model import InvalidData, Model

VERB_CONFIDENCE, NOUN_CONFIDENCE, STANCE_CONFIDENCE = 0.75, 0.7, 0.65
HEDGE_FACTOR = 0.8  # "reportedly", "allegedly"
BYLINE = re.compile(r"^By [A-Z].*$", re.MULTILINE)  # "By Ayla Bayatli", near the top: who "I" is
BYLINE_WITHIN = 400
ANAPHORA_FACTOR = 0.9  # the quote does not name an endpoint: "he", "the detainee", "the operation" stand for it
Rule = tuple[tuple[str, ...], list[str], list[str], float]  # predicates, subjects, objects, confidence


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    entity: str


@dataclass(frozen=True)
class Fact:
    """A fact a sentence states, with how sure we are and the token that states it."""

    subject: str
    predicate: str
    object: str
    confidence: float
    token: int  # its index in the document: who asserts the fact is who reports that token
    method: str = "pattern"


Decide = Callable[[Any, "_Clause", list[Fact]], Iterable[Fact]]


def by_rules(sent, clause: _Clause, proposed: list[Fact]) -> list[Fact]:
    """The facts a sentence states, by the rules alone: all they propose."""
    return proposed


def _claimant(text: str, sentence_start: int, mentions: list[Mention], families: dict[str, str]) -> str | None:
    """Who the sentence says asserts it: 'according to X', 'X said/told ... that'."""
    for m in mentions:
        if families.get(m.entity) not in ("Person", "Organization"):
            continue
        if ATTRIBUTION_BEFORE.search(text[max(sentence_start, m.start - 30):m.start]):
            return m.entity
        if ATTRIBUTION_AFTER.match(text[m.end:m.end + 60]):
            return m.entity
    return None


def _allowed(predicates: tuple[str, ...], source: str | None, target: str | None, model: Model) -> str | None:
    if "LOCATED_IN" in predicates and source == target == "Location":
        predicates = ("PART_OF",)  # a place within a place
    for predicate in predicates:
        try:
            model.check_fact(predicate, source or "", target or "", "pattern")
        except InvalidData:
            continue
        return predicate
    return None




def _relative_clause(token):
    """The relative clause a relative pronoun opens ("Jurf al-Sakhar, which Kataib Hezbollah has held")."""
    if token.dep_ not in ("nsubj", "nsubjpass", "dobj", "pobj", "poss", "attr"):
        return None
    for _ in range(3):
        if token.head.i == token.i:
            return None
        token = token.head
        if token.dep_ == "relcl":
            return token
    return None


def _after_dateline(subject) -> list:
    """A subject, or for a dateline ("BAQUBA, Iraq, Nov. 25 (Levant Wire) — Badr fighters retook ...", which
    the parser may take for one) what it put in apposition after the dash."""
    if not (subject.is_upper and len(subject) > 3 and subject.i == subject.sent.start
            and subject.i + 1 < len(subject.doc) and subject.nbor(1).text == ","):
        return [subject]
    dash = next((c.i for c in subject.children if c.text in ("—", "–", "-", "--")), None)
    return [c for c in subject.children if c.dep_ == "appos" and dash is not None and c.i > dash]


def _bare_the(noun) -> bool:
    """'the north' alone, not 'a village north' or 'the front north'."""
    return [c.lower_ for c in noun.children if c.dep_ in ("det", "amod", "compound")] == ["the"]


def _hyphenated(token) -> list:
    """The tokens of a hyphenated word ("secretary-general"), which spaCy splits in three."""
    doc, first, last = token.doc, token.i, token.i
    while first > 0 and not doc[first - 1].whitespace_ and "-" in (doc[first - 1].text, doc[first].text):
        first -= 1
    while last + 1 < len(doc) and not doc[last].whitespace_ and "-" in (doc[last].text, doc[last + 1].text):
        last += 1
    return list(doc[first:last + 1])


class _Clause:
    """One sentence: who its noun phrases, pronouns and subjects stand for, who holds the roles its nouns
    name, and who it reports."""

    def __init__(self, at: dict[int, Mention], possessed: dict[Mention, Mention], inside: list[Mention],
                 families: dict[str, str], last_person: str | None, described: _Descriptions, informants: set[str],
                 claimant: str | None, last_body: str | None = None, commands: dict[str, str] | None = None,
                 author: str | None = None):
        self.at, self.possessed, self.inside, self.families = at, possessed, inside, families
        self.last_person, self.described, self.informants, self.claimant = last_person, described, informants, claimant
        self.last_body = last_body
        self.commands = commands or {}  # who leads which body, as the text said so far
        self.author = author  # who the byline names
        self.resolving: set[int] = set()  # noun phrases being resolved ("he ... his": each other's subject)

    def entities_of(self, token, depth: int = 0, avoid: tuple[str, ...] = (), follow: bool = True) -> list[str]:
        """The named entities a noun phrase headed by `token` stands for (and, if `follow`, its conjuncts);
        a pronoun does not stand for anyone in `avoid` (the object 'him' is not the subject)."""
        if token.i in self.resolving:  # "its fighters" as the subject of the clause above "its": no one
            return []
        self.resolving.add(token.i)
        try:
            return self._entities(token, depth, avoid, follow)
        finally:
            self.resolving.discard(token.i)

    def _entities(self, token, depth: int, avoid: tuple[str, ...], follow: bool) -> list[str]:
        m = self.at.get(token.idx)
        lower = token.lower_
        if m is not None:
            if token.dep_ != "poss" and m in self.possessed:  # "the Revolutionary Guards’ Quds Force"
                m = self.possessed[m]
            found = [m.entity]
        elif named := self._known_as(token):  # "an officer known as Hajj Yusuf"
            found = named
        elif lower in GROUP_PRONOUNS:
            found = self._group(token, avoid)
        elif lower in PRONOUNS:
            found = self._antecedent(token, avoid)
        elif lower in FIRST_PERSON:  # "When I went back to Tal Afar", not "“I will not leave,” he said"
            found = [self.author] if self.author and not _quoted(token) else []
        elif lower == "whose" and _relative_clause(token) is None and token.head.dep_ == "nsubj":
            # "a party based in Halabja whose leader, X, is close to Tehran", parsed as the verb's second subject
            found = [e for c in token.head.head.children if c.dep_ == "nsubj" and c != token.head
                     for e in self.entities_of(c, follow=False)]
        elif lower in RELATIVE and (clause := _relative_clause(token)) is not None:  # "which X has held"
            found = self._described(clause.head) if lower == "whose" else []  # "militias whose abuses"
            found = found or (self._person_above(clause.head) if lower in PERSONAL_RELATIVE
                              else self._described(clause.head))
        elif examples := self._examples(token):  # "Shia leaders such as Ammar al-Hakim and Hadi al-Amiri"
            found = examples
        elif lower in GROUP_NOUNS or lower in BODY_SITES:  # "a delegation of the PUK", "his fighters"
            found = [e for c in token.children if c.dep_ == "prep" and c.lower_ == "of"
                     for p in c.children if p.dep_ == "pobj" for e in self.entities_of(p, depth + 1)
                     if lower not in BODY_SITES or self.families.get(e) != "Location"]  # not "the camps of Ramadi"
            owners = [self.at[t.idx].entity for c in token.children if c.dep_ in ("compound", "nmod")
                      for t in c.subtree if t.idx in self.at]  # "the MNF-I interrogation cell", "the KDP office"
            found += [e for e in dict.fromkeys(owners) if lower not in FACILITY_NOUNS or self.families.get(e) != "Location"]
            found += [self.commands.get(e, e) if lower in PARTITIVE else e for c in token.children if c.dep_ == "poss"
                      for e in self.entities_of(c, depth + 1)]  # "his fighters": those of the body he leads
            if not found and lower in BODY_SITES and token.dep_ == "dobj" and token.head.lemma_.lower() in KEEPING:
                found = [e for e in self.subjects(token.head)[0] if self.families.get(e) == "Organization"]
            if not found and lower in BODY_SITES and token.dep_ == "pobj" and token.head.lower_ == "with":
                owner = token.head.head  # "an Iranian body with offices in Karbala": the body's, named before it
                found = [e for e in self.entities_of(owner.head if owner.dep_ == "appos" else owner, depth + 1)
                         if self.families.get(e) == "Organization"]
            found = found or self.referent(token)  # "Islamic State militants ... the militants"
        elif token.pos_ == "NOUN" and (token.tag_ == "NNS" or lower in SELF_NOUNS) and token.lemma_ not in UNIT_NOUNS and (
                found := [m.entity for c in token.children if c.dep_ == "compound" and (m := self.at.get(c.idx))
                          and self.families.get(m.entity) == "Organization"]):
            pass  # "Daesh couriers", "Islamic State positions", "the Badr militia": the body's people or things
        elif lower in PLACE_NOUNS or lower in SPATIAL_NOUNS and (lower not in DIRECTIONS or _bare_the(token)):
            # "the town of X", "the outskirts of X", "the north of X" (not "a village north of X")
            found = [self.at[c.idx].entity for c in token.children if c.dep_ == "compound" and c.idx in self.at]
            found = found or [e for c in token.children if c.dep_ == "prep" and c.lower_ == "of"
                              for p in c.children if p.dep_ == "pobj" for e in self.entities_of(p, depth + 1)]
            found = found or self.referent(token)  # "the town", once the text said which
        else:  # "The detainee, Qais al-Khazali, was captured": the name given; "the detainee": who that was
            found = [self.at[c.idx].entity for c in token.children if c.dep_ == "appos" and c.idx in self.at]
            found = found or self.referent(token)
        if follow and depth < 2:
            for c in token.conjuncts:
                if c.i > token.i:
                    found += self.entities_of(c, depth + 1)
            for c in token.children:  # "Kataib Hezbollah, the Badr Organization and AAH": a list, parsed as
                if c.dep_ == "appos" and c.idx in self.at and any(x.idx in self.at for x in c.conjuncts):
                    found += self.entities_of(c, depth + 1)  # an apposition with conjuncts
        return list(dict.fromkeys(found))

    def _examples(self, noun) -> list[str]:
        """What 'such as' lists for a plural: 'leaders such as X and Y'."""
        return [e for c in noun.children if c.dep_ == "prep" and c.lower_ == "as"
                and any(a.lower_ == "such" for a in c.children) for p in c.children if p.dep_ == "pobj"
                for e in self.entities_of(p)] if noun.tag_ == "NNS" and noun.idx not in self.at else []

    def family_at(self, token) -> str | None:
        m = self.at.get(token.idx)
        return self.families.get(m.entity) if m is not None else None

    def referent(self, noun) -> list[str]:
        """'the operation', 'the station', 'the detainee': what the text last called that. A noun that
        describes ('X, the town ...', 'described X as the party closest to ...') refers to nothing."""
        if noun.pos_ != "NOUN" or noun.idx in self.at \
                or not any(c.dep_ == "det" and c.lower_ in DEFINITE or c.tag_ == "PRP$" for c in noun.children) \
                or any(c.dep_ == "compound" or c.dep_ == "poss" and c.tag_ != "PRP$" for c in noun.children) \
                or noun.dep_ in ("appos", "attr", "oprd") or noun.dep_ == "pobj" and noun.head.lower_ == "as":
            return []
        found = self.described.latest(noun.lower_, noun.idx)  # "the quarters" are not "a quarter"
        if found is None and noun.lower_ in BODY_NOUNS and any(c.lower_ in DEFINITE for c in noun.children) \
                and not any(c.dep_ == "prep" and c.lower_ == "of" for c in noun.children):
            # "X denied it, said a spokesman for the group": the body named last (not "the militia of X")
            before = [m.entity for m in self.inside if m.end <= noun.idx
                      and self.families.get(m.entity) == "Organization"]
            found = before[-1] if before else self.last_body
        return [found] if found else []

    def attribution(self, sent) -> tuple[str | None, set[int]]:
        """Who a sentence reports, and the words they report: 'He said that ...' and 'The detainee named X
        as ...' (all but the speaker's own words), 'X, he said, ...' and '..., the source said.' (all but
        the aside), 'According to the source, ...'. A speaker with a name nobody knows is "" (no one we can
        name); (None, ...) when the parse shows no speaker."""
        everything = {t.i for t in sent}
        for token in sent:
            if token.lower_ == "according":
                for o in (o for p in token.children if p.lower_ == "to" for o in p.children if o.dep_ == "pobj"):
                    found = self.entities_of(o, follow=False)
                    return (found[0] if found else ""), everything - {t.i for t in token.subtree}
        root = sent.root
        for verb in (root, *(c for c in root.children if c.dep_ == "parataxis")):
            subject = next((c for c in verb.children if c.dep_ == "nsubj"), None)
            if subject is None or verb.lemma_.lower() not in ATTRIBUTING or _unasserted(verb):
                continue
            aside = verb != root  # "Hajj Yusuf, he said, took ...": 'he' is not Hajj Yusuf
            avoid = tuple(self.subjects(root)[0]) if aside else ()
            found = [e for e in self.entities_of(subject, follow=False, avoid=avoid)
                     if self.families.get(e) in ("Person", "Organization")]
            speaker = found[0] if found else "" if subject.pos_ in ("PROPN", "PRON") else None
            own = verb.subtree if aside else (*subject.subtree, verb)
            return speaker, everything - {t.i for t in own}
        return None, everything

    def _group(self, pronoun, avoid: tuple[str, ...]) -> list[str]:
        """The body 'it' or 'they' stands for: the speaker ('CentCom said it had carried out strikes'), the
        subject of a clause above its own ('militias drove ISIS out and they now hold the town', 'the PMF
        emerged from the war, in which they fought ...'), else the nearest body named before it ('the Quds
        Force paid the Special Groups and armed them')."""
        speaker = self._speaker(pronoun) if pronoun.lower_ in ("it", "its") else None
        if speaker and self.families.get(speaker) == "Organization" and speaker not in avoid:
            return [speaker]
        node = pronoun.head
        # a subject 'it' may be a country: "Iran armed the Kurds when it needed allies"
        bodies = ("Organization", "Location") if pronoun.dep_ == "nsubj" else ("Organization",)
        for _ in range(6):  # up through the clauses above it, relative clauses included
            if node.head.i == node.i:
                break
            node = node.head
            if node.pos_ not in ("VERB", "AUX"):
                continue
            subjects = [e for c in node.children if c.dep_ in ("nsubj", "nsubjpass") for x in _after_dateline(c)
                        if x.lower_ not in PRONOUNS for e in self.entities_of(x, follow=False)
                        if self.families.get(e) in bodies and e not in avoid]
            if subjects:
                return subjects[:1]
        before = [x.entity for x in self.inside if x.end <= pronoun.idx
                  and self.families.get(x.entity) == "Organization" and x.entity not in avoid]
        if not before and self.last_body not in (None, *avoid):  # "Badr has kept ... Its leader, X, ..."
            before = [self.last_body]
        return before[-1:]

    def _speaker(self, pronoun) -> str | None:
        """Who reports the clause a pronoun is in: 'DQ said that he crossed ... and was driven to Baghdad,
        where he was introduced to ...', 'According to DQ, ... sent him to Tehran'."""
        node = pronoun
        for _ in range(6):
            if node.dep_ == "ccomp" and node.head.lemma_.lower() in SPEECH:
                for subject in (c for c in node.head.children if c.dep_ == "nsubj" and c != pronoun):
                    found = self.entities_of(subject, follow=False)
                    return found[0] if found else ""  # a speaker who is no one we know: "" (unknown)
                return None
            if node.head.i == node.i:
                break
            node = node.head
        return None

    def _antecedent(self, pronoun, avoid: tuple[str, ...]) -> list[str]:
        """The person 'he' or 'his' stands for: the speaker of the clause it is reported in ('Khazali said
        that he ...'), else the nearest person named before it in the sentence, else the subject of its
        clause, else who asserts the sentence ('According to Khazali, ... paid him'), else the first person
        of the last sentence that named one. A speaker not known to be a person leaves it unresolved."""
        if parallel := self._parallel_subject(pronoun, avoid):
            return parallel
        speaker = self._speaker(pronoun) if pronoun.lower_ in REPORTED_PRONOUNS else None
        if speaker is None or speaker in avoid:
            before = [x.entity for x in self.inside if x.end <= pronoun.idx and self.families.get(x.entity) == "Person"]
            before += [e for t in pronoun.sent if t.i < pronoun.i and t.pos_ == "NOUN" and t.idx not in self.at
                       for e in self.referent(t) if self.families.get(e) == "Person"]
            before = [e for e in before if e not in avoid] or self._subject_person(pronoun, avoid)
            if before:
                return before[-1:]
            speaker = self.claimant if self.claimant not in avoid else None
        if speaker is not None:  # "DQ said that he ...", with DQ unknown or not known to be a person
            return [speaker] if self.families.get(speaker) == "Person" else []
        return [self.last_person] if self.last_person else []

    def _parallel_subject(self, pronoun, avoid: tuple[str, ...]) -> list[str]:
        """'He is close to X, and he maintains ...'; 'X stated that A travels to Tehran, that he takes his orders
        from B, and that B pays him': the person a clause coordinated with the pronoun's is about (A)."""
        verb = pronoun.head
        for _ in range(2):
            if not (verb.dep_ == "conj" or verb.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ == "that"
                                                                       for c in verb.children)):
                return []
            verb = verb.head
            for subject in (c for c in verb.children if c.dep_ == "nsubj" and c != pronoun):
                found = [e for e in self.entities_of(subject, follow=False, avoid=avoid)
                         if self.families.get(e) == "Person" and e not in avoid]
                if found:
                    return found[:1]
        return []

    def topic(self, sent, speaker: str | None) -> str | None:
        """Who 'he' in the next sentence most likely is: whoever this sentence reports, else its main subject
        if it is a person (none we know after an unknown name, as in 'DQ stated ...'), else the first
        person it names; a sentence without a subject (a heading, a fragment) leaves it as it was."""
        if speaker is not None and self.families.get(speaker) != "Organization":
            return speaker or None
        subjects = [c for c in sent.root.children if c.dep_ in ("nsubj", "nsubjpass")]
        unknown = False  # "An ethnic Arab from Khuzestan, Shamkhani commanded ...": the subject that names one
        for subject in subjects:
            found = self.entities_of(subject, follow=False)
            people = [e for e in found if self.families.get(e) == "Person"]
            if people:
                return people[0]
            unknown = unknown or not found and (subject.pos_ == "PROPN" or subject.lower_ in REPORTED_PRONOUNS)
        if unknown:
            return None
        people = [m.entity for m in self.inside if self.families.get(m.entity) == "Person"]
        return people[0] if people and subjects else self.last_person

    def body_topic(self, sent) -> str | None:
        """What 'it' or 'its' opening the next sentence most likely is: this sentence's main subject if it is
        an organization, else the last organization it names; one that names none leaves it as it was."""
        for subject in (c for c in sent.root.children if c.dep_ in ("nsubj", "nsubjpass")):
            bodies = [e for e in self.entities_of(subject, follow=False) if self.families.get(e) == "Organization"]
            if bodies:
                return bodies[0]
        bodies = [m.entity for m in self.inside if self.families.get(m.entity) == "Organization"]
        return bodies[-1] if bodies else self.last_body

    def _subject_person(self, pronoun, avoid: tuple[str, ...]) -> list[str]:
        """'He described Sheibani as his main rival': 'his' is the subject when no one else fits."""
        verb = next((a for a in pronoun.ancestors if a.pos_ in ("VERB", "AUX")), None)
        if verb is None:
            return []
        subjects = [c for c in verb.children if c.dep_ in ("nsubj", "nsubjpass") and c != pronoun]
        return [e for c in subjects for e in self.entities_of(c, follow=False)
                if self.families.get(e) == "Person" and e not in avoid]

    def _known_as(self, token) -> list[str]:
        """'an officer known as Hajj Yusuf', 'an offensive the militias called Operation Ashura', 'two instructors,
        who called themselves Abu Jihad and Abu Ali', 'a man he knows only as Abu Zahra'."""
        for acl in token.children:
            if acl.dep_ in ("acl", "relcl") and acl.lemma_.lower() in ("know", "call", "name", "nickname"):
                for prep in acl.children:
                    for o in prep.children if prep.lower_ == "as" else [prep] if prep.dep_ == "oprd" else []:
                        if o.idx in self.at:
                            return [self.at[x.idx].entity for x in (o, *o.conjuncts) if x.idx in self.at]
        return []

    def _person_above(self, noun) -> list[str]:
        """'who' refers to a person: 'Source 2, an engineer at the North Oil Company who reports ...', 'Source 7
        is a member of the council who has reported ...'."""
        for _ in range(5):
            m = self.at.get(noun.idx)
            if m is not None and self.families.get(m.entity) == "Person":
                return [m.entity]
            if noun.dep_ == "attr":  # the copula's subject is who the noun describes
                people = [e for c in noun.head.children if c.dep_ == "nsubj" for e in self.entities_of(c)
                          if self.families.get(e) == "Person"]
                if people:
                    return people
            if noun.head.i == noun.i:
                break
            noun = noun.head
        return self._described(noun)

    def _described(self, noun, follow: bool = True) -> list[str]:
        """The entity a descriptive noun stands for, climbing appositions ("Rasul, a trader ..."); an apposition
        the parser hung elsewhere describes the name its comma follows ("influence through the Patriotic Union of
        Kurdistan, the party Jalal Talabani founded")."""
        start = noun.left_edge.i
        while noun.dep_ == "appos" and noun.idx not in self.at:
            noun = noun.head
        found = self.entities_of(noun, follow=follow)
        if not found and start >= 2 and noun.doc[start - 1].text == "," and (m := self.at.get(noun.doc[start - 2].idx)):
            found = [m.entity]
        return found

    def subjects(self, verb, depth: int = 0) -> tuple[list[str], bool]:
        """Who a verb's subject stands for, and whether the verb is passive: its own subject, the noun a
        relative clause or participle describes, the object of 'thank X for' or 'saw X doing', else the
        subject of the verb it is coordinated with or depends on."""
        passive = any(c.dep_ in ("nsubjpass", "auxpass") for c in verb.children)
        # a dateline ("MAKHMOUR, Iraq, Aug. 11 —") is not a subject, though what follows its dash may be
        own = [x for c in verb.children if c.dep_ in ("nsubj", "nsubjpass") for x in _after_dateline(c)]
        if own:  # the parser may give a verb two subjects; keep those that name someone
            if any(c.lower_ in RELATIVE for c in own) and verb.dep_ == "relcl":  # "Muhandis, who heads KH"
                if any(c.lower_ == "who" for c in own):
                    return self._person_above(verb.head), passive
                return self._described(verb.head), passive
            return [e for c in own for e in self.entities_of(c)], passive
        if (fronted := self._fronted_subject(verb)) is not None:
            return [fronted], passive
        if verb.dep_ == "acl":  # "a trader based in Koya": the noun it describes
            return self._described(verb.head), True
        if verb.dep_ == "pcomp" and depth < 3:  # "thanked Iran for supporting": Iran; "after meeting": the subject
            governing = verb.head.head
            objects = [e for c in governing.children if c.dep_ == "dobj" for e in self.entities_of(c)]
            if objects and governing.lemma_.lower() in OBJECT_CONTROL:
                return objects, passive
            return self.subjects(governing, depth + 1)[0], passive
        if verb.dep_ in ("xcomp", "advcl", "ccomp", "acl") and verb.head.lemma_.lower() in PERCEPTION and depth < 3:
            seen = [e for c in verb.head.children if c.dep_ == "dobj" for e in self.entities_of(c)]
            if seen:  # "photographs showed Suleimani touring the front line": Suleimani toured it
                return seen, passive
        if verb.dep_ in ("conj", "xcomp", "advcl") and depth < 3:
            found, shared = self.subjects(verb.head, depth + 1)  # "is funded and armed by X": both passive
            return found, passive or shared and verb.dep_ == "conj" and verb.tag_ == "VBN"
        return [], passive

    def _fronted_subject(self, verb) -> str | None:
        """'During the meeting of 9 Ordibehesht, Brother Hosseini paid ...': spaCy's small model may hang the
        subject after an opening phrase on that phrase, leaving the verb without one; a name set off by a
        comma just before a verb without a subject, inside a phrase that depends on that verb, is its subject."""
        if verb.i == 0 or verb.dep_ not in ("ROOT", "ccomp"):
            return None
        before = verb.doc[verb.i - 1]
        m = self.at.get(before.idx)
        if m is None or self.families.get(m.entity) not in ("Person", "Organization") \
                or before.dep_ not in ("appos", "pobj", "conj", "npadvmod") \
                or not any(a.dep_ == "prep" and a.head.i == verb.i for a in before.ancestors):
            return None
        first = next((t for t in before.sent if t.idx >= m.start), before)
        return m.entity if first.i > 0 and verb.doc[first.i - 1].text == "," else None

    def holders(self, noun, depth: int = 0) -> list[str]:
        """Who holds the role a noun names: 'X, the leader of Y', 'the Badr leader, X', 'his brother X',
        'an officer known as X', 'X is the leader', 'named X as the leader', 'Oil Minister X', or the holder
        of a coordinated role."""
        named = [e for c in noun.children if c.dep_ == "appos" for e in self.entities_of(c)]
        named += self._known_as(noun)
        head = noun.head
        if named or head.i == noun.i:
            return named
        if noun.dep_ == "appos":  # "Brother Javad and Brother Saeed, both officers of ...": a plural fits all
            found = self._described(head, follow=noun.tag_ == "NNS")
            if not found and depth < 2:  # "the prime minister Nouri al-Maliki, a senior figure in ..."
                found = self.holders(head, depth + 1)
            return found
        if noun.dep_ == "compound" and head.idx in self.at:
            return [self.at[head.idx].entity]
        if noun.dep_ in ("attr", "acomp", "oprd"):
            return self.subjects(head)[0]
        if noun.dep_ == "pobj" and head.lower_ == "as":
            verb = head.head
            objects = [e for c in verb.children if c.dep_ == "dobj" for e in self.entities_of(c)]
            if verb.lemma_.lower() in SUCCEED:  # "Qaani, who succeeded Soleimani as commander of X": both, in turn
                return self.subjects(verb)[0] + objects
            return objects or self.subjects(verb)[0]
        if noun.dep_ == "conj" and depth < 2 and "NNS" not in (noun.tag_, head.tag_):
            return self.holders(head, depth + 1)  # "the chairman and the founder of X"; not "his brother and fighters"
        return []

    def role(self, noun) -> list[Rule]:
        """What a role noun says of its holder: 'the PMF's deputy chairman' (a member), 'the leader of
        Badr', 'a Quds Force officer', 'an informant of this station in Kalar', 'his brother', 'the Quds
        Force department' (a part); a post in a place ('the Special Groups commander in Sadr City') is
        where its holder is, and leads only a local part."""
        chain = _hyphenated(noun)
        if noun.idx in self.at or noun.head in chain or noun.pos_ not in ("NOUN", "PROPN"):
            return []
        word = "".join(t.lower_ for t in chain) if len(chain) > 1 else noun.lemma_.lower()
        children = [c for t in chain for c in t.children if c not in chain]
        titled = next((c for c in children if c.dep_ == "compound" and f"{c.lower_}-{word}" in ROLE_WORDS), None)
        if titled is not None:  # "secretary general" written as two words
            word, children = f"{titled.lower_}-{word}", [c for c in children if c != titled]
        children += [p for c in children if c.lower_ in RESPONSIBLE for p in c.children]
        entry = HANDLER if word == "officer" and any(c.lower_ == "case" for c in children) else ROLE_WORDS.get(word)
        holders = self.holders(noun) if entry else []
        if not holders:
            return []
        (predicates, reverse), avoid = entry, tuple(holders)
        # (preposition, the noun it names, the entities it stands for)
        anchors = [("", c, self.entities_of(c, avoid=avoid)) for c in children
                   if c.dep_ in ("compound", "poss", "nmod") or c.dep_ == "amod" and c.idx in self.at]  # "Asayish"
        preps = TIE_PREPS if predicates in TIES else ROLE_PREPS
        anchors += [(p.lower_, o, self.entities_of(o, avoid=avoid)) for p in children
                    if p.dep_ == "prep" and p.lower_ in preps for o in p.children if o.dep_ == "pobj"]
        # "a tribal leader in Ramadi", "the commander of the base": where the holder is (heading a country is not)
        places = [e for prep, named, found in anchors if predicates not in TIES
                  and (prep in ("in", "at") or prep == "of" and (named.lower_ in SITE_WORDS or word in OFFICES))
                  for e in found if self.families.get(e) == "Location"]
        if predicates == ("LEADS",) and (
            any(c.lower_ in SUBORDINATE or c.lower_ in ("a", "an") for c in children)
            or word.split("-")[0] in SUBORDINATE
            or any(prep == "in" and e in places for prep, _, found in anchors for e in found)
            or any(c.lower_ in PARTITIVE and c.idx not in self.at for c in children)
            or any(named.lower_ in PARTITIVE and named.idx not in self.at for _, named, found in anchors if found)
        ):  # a deputy, one of several, a local post, or the commander of some of its forces: a member
            predicates = ("MEMBER_OF",)
        out: list[Rule] = [(LOC, holders, places, NOUN_CONFIDENCE)] if places else []
        objects = [e for _, _, found in anchors for e in found if e not in places
                   if self.families.get(e) != "Location" or predicates in TIES]
        if word in UNIT_NOUNS:  # a unit is part of an organization, not of the place it works on
            objects = [e for e in objects if self.families.get(e) == "Organization"]
        if predicates == ("OPPOSED",):  # "his main rival X": he opposes X; "X, a rival of Y": X opposes Y
            possessors = [e for c in children if c.dep_ == "poss" for e in self.entities_of(c, avoid=avoid)]
            out += [(predicates, possessors, holders, NOUN_CONFIDENCE),
                    (predicates, holders, [e for e in objects if e not in possessors], NOUN_CONFIDENCE)]
        elif reverse:  # "X's handler Y": X is handled by Y; "a case officer of the station" serves in it
            people = [e for e in objects if self.families.get(e) == "Person"]
            out += [(predicates, people, holders, NOUN_CONFIDENCE),
                    (("MEMBER_OF",), holders, [e for e in objects if e not in people], NOUN_CONFIDENCE)]
        else:
            out.append((predicates, holders, objects, NOUN_CONFIDENCE))
        return out

    def stance(self, word) -> list[Rule]:
        """'a police force loyal to the KDP', 'the party closest to Iran', 'is moving closer to the Americans'."""
        objects = [e for p in word.children if p.dep_ == "prep" and p.lower_ in ("to", "with")
                   for o in p.children if o.dep_ == "pobj" for e in self.entities_of(o)]
        if not objects:
            return []
        if word.dep_ == "amod":
            holders = self.entities_of(word.head) or self.holders(word.head)
        else:
            holders = self.subjects(word.head)[0]
        if word.lower_.startswith("clos"):  # places close to each other are only near
            holders = [h for h in holders if self.families.get(h) != "Location"]
        return [((STANCES[word.lower_],), holders, objects, STANCE_CONFIDENCE)]


def extract(
    doc_id: str, text: str, doc, mentions: list[Mention], families: dict[str, str], model: Model,
    informants: set[str] = frozenset(), decide: Decide | None = None,
) -> list[ClaimRecord]:
    """Claims from each sentence of a parsed document, about the entities mentioned in it; `informants`
    are the report's own sources (one who reports to X is X's source). `decide`, given a sentence, what
    the rules propose in it and the sentence's reading (`_Clause`), says which facts the sentence states,
    each with its confidence and the token that states it (for who asserts it); by default, the rules'
    (`by_rules`)."""
    at: dict[int, Mention] = {}
    for m in mentions:
        for i in range(m.start, m.end):
            at[i] = m
    ordered = sorted(mentions, key=lambda m: m.start)
    possessed = {m: nxt for m, nxt in zip(ordered, ordered[1:], strict=False)
                 if POSSESSIVE_GAP.match(text[m.end:nxt.start])}
    claims: dict[str, ClaimRecord] = {}
    last_person: str | None = None
    last_body: str | None = None
    commands: dict[str, str] = {}
    described = _Descriptions(text, ordered, families)
    byline = BYLINE.search(text, 0, BYLINE_WITHIN)
    author = next((m.entity for m in ordered if byline and byline.start() <= m.start < byline.end()
                   and families.get(m.entity) == "Person"), None)
    cursor = 0
    for sent in doc.sents:
        sentence = text[sent.start_char:sent.end_char]
        inside = []
        while cursor < len(ordered) and ordered[cursor].start < sent.end_char:
            if ordered[cursor].start >= sent.start_char:
                inside.append(ordered[cursor])
            cursor += 1
        described.learn(sent, at)
        quote = sentence.strip()
        q_start = sent.start_char + sentence.index(quote[:1]) if quote else sent.start_char
        date, precision = find_date(sentence)
        hedge = HEDGE_FACTOR if HEDGE.search(sentence) else 1
        named = _claimant(text, sent.start_char, inside, families)  # "according to X", "X said"
        clause = _Clause(at, possessed, inside, families, last_person, described, informants, named, last_body,
                         commands, author)
        speaker, reported = clause.attribution(sent)
        named_here = {m.entity for m in inside}
        if speaker is None:
            speaker, reported = named, {t.i for t in sent}
        proposed: dict[tuple[str, str, str], Fact] = {}
        for token in sent:
            lemma = LEMMA_GAPS.get(token.lower_) or token.lemma_.lower() or token.lower_
            if token.dep_ == "prep":
                rules = _noun_prep(token, clause)
            elif token.pos_ in ("NOUN", "PROPN"):
                rules = clause.role(token) + _assault(token, clause) + _branch(token, clause) + _signature(token, clause)
            elif token.pos_ in ("ADJ", "ADV") and token.lower_ in STANCES:
                rules = clause.stance(token)
            elif token.pos_ in ("VERB", "AUX") and not _unasserted(token):
                rules = _light_verb(token, lemma, clause) + (_verb(token, lemma, clause) if lemma in VERBS else []) \
                    + _based(token, clause)
            else:
                continue
            for predicates, s_ids, o_ids, confidence in rules:
                for s in s_ids:
                    for o in o_ids:
                        predicate = _allowed(predicates, families.get(s), families.get(o), model)
                        if predicate is None or s == o:
                            continue
                        weight = confidence * hedge * (1 if {s, o} <= named_here else ANAPHORA_FACTOR)
                        proposed.pop((s, predicate, o), None)  # the last token to state it is the one kept
                        proposed[(s, predicate, o)] = Fact(s, predicate, o, round(weight, 3), token.i)
        facts = (decide or by_rules)(sent, clause, list(proposed.values()))
        commands.update((f.subject, f.object) for f in facts
                        if f.predicate == "LEADS" and families.get(f.object) == "Organization")
        for fact in facts:
            cid = claim_id(doc_id, fact.predicate, fact.subject, fact.object, quote)
            claims[cid] = ClaimRecord(
                id=cid, predicate=fact.predicate, subject=fact.subject, object=fact.object, quote=quote,
                start=q_start, end=q_start + len(quote), confidence=fact.confidence,
                method=fact.method, date=date, date_precision=precision,
                claimed_by=speaker or None if fact.token in reported else None,
            )
        last_person, last_body = clause.topic(sent, speaker), clause.body_topic(sent)
    return sorted(claims.values(), key=lambda c: (c.start, c.id))


def _quoted(token) -> bool:
    """Inside quotation marks that open in its sentence."""
    before = token.doc.text[token.sent.start_char:token.idx]
    return before.count("“") > before.count("”") or before.count('"') % 2 == 1


class _Descriptions:
    """The nouns the text has used so far for each entity, for definite descriptions to refer back."""

    def __init__(self, text: str, mentions: list[Mention], families: dict[str, str]):
        self.seen: dict[str, list[tuple[int, str]]] = defaultdict(list)
        self.families = families
        for m in mentions:
            words = re.findall(r"[a-z]+", text[m.start:m.end].lower())
            title = re.search(r"([A-Za-z]+)\.?\s+$", text[max(0, m.start - 12):m.start])
            nouns = {TITLE_CLASSES.get(w) for w in words[:1] + ([title.group(1).lower()] if title else [])}
            if words and (words[-1] in NAME_CLASSES or words[-1][:-1] in NAME_CLASSES):
                nouns.add(words[-1])  # "the station" of "Erbil Station", "the militias" of "Shia militias"
            if families.get(m.entity) == "Operation":  # "the operation" of "Operation Ashura", "the Karbala raid"
                nouns |= {"operation", *(EVENT_NOUNS & set(words))}
            for noun in nouns - {None}:
                self.seen[noun].append((m.start, m.entity))

    def learn(self, sent, at: dict[int, Mention]) -> None:
        """'Amerli, a farming town', 'the town of Amerli': from here on 'the town' can be Amerli; 'The
        detainee, Qais al-Khazali'."""
        for token in sent:
            if token.pos_ != "NOUN" or token.idx in at:
                continue
            if token.lower_ in GROUP_NOUNS and token.tag_ == "NNS":  # "Islamic State militants": "the militants"
                self.seen[token.lower_] += [(token.idx, at[c.idx].entity) for c in token.children
                                            if c.dep_ == "compound" and c.idx in at
                                            and self.families.get(at[c.idx].entity) == "Organization"]
            if token.dep_ == "appos" and token.head.idx in at:
                self.seen[token.lower_].append((token.idx, at[token.head.idx].entity))
            for c in token.children:
                if c.dep_ == "appos" and c.idx in at:
                    self.seen[token.lower_].append((token.idx, at[c.idx].entity))
                elif c.dep_ == "prep" and c.lower_ == "of" and token.lower_ in PLACE_NOUNS:  # "the town of Jalawla"
                    self.seen[token.lower_] += [(token.idx, at[o.idx].entity) for o in c.children
                                                if o.dep_ == "pobj" and o.idx in at]

    def latest(self, noun: str, before: int) -> str | None:
        found = [(p, e) for p, e in self.seen.get(noun, ()) if p < before]
        return max(found)[1] if found else None


def _unasserted(verb, depth: int = 0) -> bool:
    """Not said to have happened: 'did not meet', 'had no role in', 'without coordinating with', 'should list',
    'will visit', 'planned to visit', 'wished first to consult', 'should help them to drive X out', 'would never
    allow the KDP to take X', 'demanded that X be paid' ('would later lead' tells what did happen)."""
    later = any(c.lower_ in ("later", "eventually") for c in verb.children)
    perfect = any(c.dep_ == "aux" and c.lower_ == "have" for c in verb.children)
    return any(c.dep_ == "neg" or c.dep_ == "aux" and c.lower_ in MODALS
               and not (c.lower_ == "would" and later or c.lower_ in ("may", "might") and perfect)
               or c.dep_ == "advmod" and any(g.dep_ == "neg" for g in c.children)  # "no longer"
               or c.dep_ == "dobj" and any(g.dep_ == "det" and g.lower_ in ("no", "neither") for g in c.children)
               for c in verb.children) \
        or verb.dep_ == "pcomp" and verb.head.lower_ == "without" \
        or verb.dep_ == "advcl" and any(c.dep_ == "mark" and c.lower_ in CONDITIONS for c in verb.children) \
        or (verb.dep_ == "xcomp" or verb.dep_ == "ccomp" and any(c.dep_ == "aux" and c.lower_ == "to"
                                                                for c in verb.children)) \
        and (verb.head.lemma_.lower() in IRREALIS or depth < 2 and _unasserted(verb.head, depth + 1)) \
        or verb.dep_ == "ccomp" and verb.head.lemma_.lower() in IRREALIS and (  # "demanded that they be paid"
            verb.tag_ == "VB" or any(c.dep_ in ("aux", "auxpass") and c.tag_ == "VB" for c in verb.children))


def _objects_of(prep, clause: _Clause) -> list[str]:
    return [e for p in prep.children if p.dep_ == "pobj" for e in clause.entities_of(p)]


def _places_of(prep, clause: _Clause) -> list[str]:
    """Where arriving puts someone: 'at Amerli', or 'at the Zanyari headquarters in Dabashan' (a meeting at a
    safe house in a district is not a visit to the district)."""
    found = [e for e in _objects_of(prep, clause) if clause.families.get(e) == "Location"]
    return found or [e for o in prep.children if o.dep_ == "pobj" for p in o.children
                     if p.dep_ == "prep" and p.lower_ == "in" for e in _objects_of(p, clause)]


def _companions(verb, clause: _Clause) -> tuple[list[str], bool]:
    """Who shares the subject's part ('captured ..., together with X', 'fought alongside X'), and whether
    they acted side by side ('fought side by side', 'alongside')."""
    preps = [c for c in verb.children if c.dep_ == "prep"]
    preps += [p for c in preps for o in c.children if o.dep_ == "pobj" for p in o.children if p.dep_ == "prep"]
    found, allied = [], any(c.lower_ in ("side", "together", "jointly") and c.dep_ in ("npadvmod", "advmod")
                            for c in verb.children)
    for prep in preps:
        alongside = prep.lower_ == "alongside" or prep.lower_ == "with" and prep.head.lower_ == "side"
        if alongside or prep.lower_ == "with" and any(a.lower_ in COMITATIVE for a in prep.children):
            found += _objects_of(prep, clause)
            allied = allied or alongside
    return found, allied


def _verb(token, lemma: str, clause: _Clause) -> list[Rule]:
    slots, reverse = VERBS[lemma]
    subj, passive = clause.subjects(token)
    if lemma in HOLDING:  # "Iran maintains its hegemony in Iraq": Iran is not in Iraq
        subj = [e for e in subj if clause.families.get(e) != "Location"]
    companions, allied = _companions(token, clause)
    out: list[Rule] = []
    if allied and lemma in COOPERATION:  # "fought alongside the ISF", "PUK fighters and Badr fought side by side"
        out += [(("ALLIED_WITH",), subj, companions or subj, VERB_CONFIDENCE)]
    subj = list(dict.fromkeys(subj + companions))

    def add(predicates: tuple[str, ...], actor: list[str], patient: list[str], patient_token=None) -> None:
        if lemma in REPORTING and any(a in clause.informants for a in actor):  # "Source 2 reports to Rahmani"
            out.append((("SOURCE_FOR",), [a for a in actor if a in clause.informants], patient, VERB_CONFIDENCE))
            actor = [a for a in actor if a not in clause.informants]
        if predicates == ("LEADS",) and patient_token is not None and patient_token.idx not in clause.at \
                and (patient_token.lower_ in PARTITIVE or patient_token.lemma_.lower() in UNIT_NOUNS):
            predicates = ("MEMBER_OF",)  # "commanded Jaish al-Mahdi fighters", "heads the Zanyari's directorate"
            patient = patient or [e for c in patient_token.children if c.dep_ in ("poss", "compound")
                                  for e in clause.entities_of(c) if clause.families.get(e) == "Organization"]
        if predicates == ("LEADS",) and lemma in HANDLING:  # "Source 2 is run by Brother Kazemi": handled
            out.append((("HANDLED_BY",), [p for p in patient if clause.families.get(p) == "Person"], actor,
                        VERB_CONFIDENCE))
        out.append((predicates, patient, actor, VERB_CONFIDENCE) if reverse
                   else (predicates, actor, patient, VERB_CONFIDENCE))

    for c in token.children:
        light = lemma in LIGHT and (c.lower_ in EVENT_OBJECTS or c.lemma_.lower() in EVENT_NOUNS
                                    or clause.family_at(c) == "Operation")
        if c.dep_ in ("dobj", "dative") and "" in slots and not passive and not light:  # not "paid a visit"
            add(slots[""], subj, clause.entities_of(c, avoid=tuple(subj)), c)
        preps = [c] if c.dep_ == "prep" else [p for p in c.children if p.dep_ == "prep"] \
            if c.dep_ == "dobj" or c.dep_ == "advmod" and c.lower_ in ("back", "home") else []  # "went back to X"
        if c.dep_ == "dobj" and c.idx not in clause.at:  # "spent much of the next three years in Iraq"
            preps += [q for p in preps for o in p.children if o.dep_ == "pobj" and o.idx not in clause.at
                      for q in o.children if q.dep_ == "prep"]
        preps += [q for p in preps if p.lower_ == "by" for o in p.children if o.lower_ == "side"
                  for q in o.children if q.dep_ == "prep"]  # "fought side by side against X"
        for prep in preps:  # "keeps an office in Tehran": the place can hang off the object
            if prep.lower_ in slots:
                add(slots[prep.lower_], subj, _places_of(prep, clause) if lemma in ARRIVING
                    else _objects_of(prep, clause))
    if "" in slots and not passive and not any(c.dep_ in ("dobj", "dative") for c in token.children):
        # "has armed and advised Badr", "trained and armed the Hashd": one subject, and the object of the last verb
        for c in [c for v in token.conjuncts if v.i > token.i and v.pos_ == "VERB"
                  and not any(x.dep_ in ("nsubj", "nsubjpass") for x in v.children)
                  for c in v.children if c.dep_ == "dobj"]:
            add(slots[""], subj, clause.entities_of(c, avoid=tuple(subj)), c)
    gap = token if token.dep_ == "relcl" else token.head if token.dep_ == "conj" and token.head.dep_ == "relcl" else None
    if gap is not None and "" in slots and not passive and not any(c.dep_ in ("dobj", "dative") for c in token.children) \
            and not any(t.tag_ in ("WDT", "WP", "WP$", "WRB") or t.lower_ == "that" for t in gap.subtree if t.i < gap.i) \
            and any(c.dep_ == "nsubj" for c in gap.children):
        add(slots[""], subj, clause._described(gap.head), gap.head)  # "the party Talabani founded and led"
    objects = [c for c in token.children if c.dep_ == "dobj"]
    holders = [token, *objects, *(x for c in objects for x in c.conjuncts)]  # "from" may hang off the place
    places = [e for c in objects for e in clause.entities_of(c)]
    losers = [e for h in holders for c in h.children if c.dep_ == "prep" and c.lower_ == "from"
              for e in _objects_of(c, clause)] if lemma in RETAKE or lemma in CONTROL_VERBS and places else []
    if lemma in RETAKE or losers:  # "recaptured Makhmour from the Islamic State", "took Kirkuk from the
        # Peshmerga": they held the town, and the takers fought them (not "took his orders from X")
        if passive:  # "Jalawla, which was retaken from Daesh": the subject is the place
            places, subj = subj, _agents(token, clause)
        out += [(CONTROL, losers, places, VERB_CONFIDENCE), (("OPPOSED",), subj, losers, VERB_CONFIDENCE)]
    elif passive and "" in slots:  # "X was recruited by Y": Y acts on X
        patient = token.head if token.dep_ == "acl" else next(
            (c for c in token.children if c.dep_ == "nsubjpass"), None)
        add(slots[""], _agents(token, clause), subj, patient)
    return out


def _agents(verb, clause: _Clause) -> list[str]:
    """Who did what a passive verb says: 'by X', 'funded and armed by X' (the agent of the verb after it),
    'during a raid by X', or 'paid from the PMF budget'."""
    found: list[str] = []
    for v in (verb, *(c for c in verb.conjuncts if c.i > verb.i)):
        found = [e for c in v.children if c.dep_ == "agent" for e in _objects_of(c, clause)]
        if found:
            break
    found = found or [e for c in verb.children if c.dep_ == "prep" and c.lower_ in ("during", "in")
                      for o in c.children if o.dep_ == "pobj" and o.lemma_.lower() in EVENT_NOUNS
                      for p in o.children if p.dep_ == "prep" and p.lower_ == "by" for e in _objects_of(p, clause)]
    return found or [e for c in verb.children if c.dep_ == "prep" and c.lower_ in ("from", "out", "through")
                     for o in c.children if o.dep_ == "pobj" and o.lemma_.lower() in BUDGET_NOUNS
                     for x in o.children if x.dep_ in ("compound", "poss") or x.dep_ == "prep" and x.lower_ == "of"
                     for e in (_objects_of(x, clause) if x.dep_ == "prep" else clause.entities_of(x))]


def _light_verb(token, lemma: str, clause: _Clause) -> list[Rule]:
    """Facts a verb states through its object: 'held talks with X', 'carried out strikes against X',
    'made a condolence visit' (an operation), 'the raid was carried out by X', 'sent weapons to X', 'gave X
    millions of dollars', 'sent him to Tehran', 'listed X as a terrorist organization', 'drove X out of Y'."""
    objects = [c for c in token.children if c.dep_ in ("dobj", "dative") and c.pos_ != "ADP"]
    if not objects and lemma in LIGHT:  # "the raid was carried out by X": X took part in it
        events = [e for c in token.children if c.dep_ == "nsubjpass" for e in clause.entities_of(c)
                  if clause.families.get(e) == "Operation"]
        return [(("PARTICIPATED_IN",), _agents(token, clause), events, VERB_CONFIDENCE)] if events else []
    direct = [c for c in objects if c.dep_ == "dobj"]
    if not direct and token.dep_ == "relcl" and token.head.pos_ == "NOUN" and lemma in TRANSFER \
            and not any(c.dep_ == "nsubj" and c.lower_ in PRONOUNS for c in token.children):
        direct = [token.head]  # "the weapons Iran sent to X": what was sent is the noun the clause describes
    if not objects and not direct:
        return []
    subj = clause.subjects(token)[0]
    # "delivered rockets to X": the parser may call that "to" a dative
    preps = [c for c in token.children if c.dep_ == "prep" or c.dep_ == "dative" and c.pos_ == "ADP"]
    out: list[Rule] = []
    if lemma in DESIGNATE:  # "listed X as a terrorist organization", "designated X a terrorist organization"
        terrorist = [c for c in token.children if c.dep_ not in ("nsubj", "nsubjpass")
                     and any(t.lower_.startswith("terrorist") for t in c.subtree)]
        if terrorist:  # the complement ("a terrorist organization") names no one
            out.append((("OPPOSED",), subj, [e for c in objects for e in clause.entities_of(c)], VERB_CONFIDENCE))
    for obj in direct:
        noun, named, things = obj.lemma_.lower(), clause.at.get(obj.idx), _things(obj)
        if named is not None and clause.families.get(named.entity) == "Operation" and lemma in LIGHT:
            out.append((("PARTICIPATED_IN",), subj, [named.entity], VERB_CONFIDENCE))
        elif named is None and (obj.lower_ in EVENT_OBJECTS or noun in EVENT_OBJECTS):
            words, predicates = EVENT_OBJECTS.get(obj.lower_) or EVENT_OBJECTS[noun]
            out += [(predicates, subj, _objects_of(p, clause), NOUN_CONFIDENCE)
                    for p in (*obj.children, *preps) if p.dep_ == "prep" and p.lower_ in words]
        if lemma in TRANSFER and things & (WEAPON_NOUNS | MONEY_NOUNS):
            recipients = [e for c in token.children if c.dep_ == "dative" for e in clause.entities_of(c)]
            recipients += [e for p in preps if p.lower_ in ("to", "for") for o in p.children if o.dep_ == "pobj"
                           for e in (*clause.entities_of(o), *(x for q in o.children if q.dep_ == "prep"
                                                               and q.lower_ == "for" for x in _objects_of(q, clause)))]
            out.append((("ARMED",) if things & WEAPON_NOUNS else ("FUNDED",), subj, recipients, VERB_CONFIDENCE))
        elif lemma in SEND:  # "sent him to Tehran"; "sent fighters to Syria": the sender's own fighters
            travellers = clause.entities_of(obj) or (subj if noun in PARTITIVE or obj.lower_ in PARTITIVE else [])
            out += [(("VISITED",), travellers, _objects_of(p, clause), VERB_CONFIDENCE) for p in preps
                    if p.lower_ in ("to", "into")]
        if lemma in EXPEL:  # "drove Islamic State fighters out of Jurf al-Sakhar": they had held it
            places = [e for p in preps for q in (p, *p.children) if q.dep_ == "prep" and q.lower_ in ("from", "of")
                      for e in _objects_of(q, clause)]
            if places:
                losers = clause.entities_of(obj)
                out += [(("CONTROLS",), losers, places, NOUN_CONFIDENCE), (FIGHT, subj, losers, VERB_CONFIDENCE)]
    if lemma in RECEIVE and direct:  # "receive weapons, training and money from X": X gave them
        obj = direct[0]
        given = _things(obj) | {t.lemma_.lower() for t in obj.conjuncts}
        givers = [e for p in (*preps, *obj.children) if p.dep_ in ("prep", "dative") and p.lower_ == "from"
                  for e in _objects_of(p, clause)]  # "received a salary from X": the parser may hang it on either
        out += [((predicate,), givers, subj, VERB_CONFIDENCE) for nouns, predicate in
                ((WEAPON_NOUNS, "ARMED"), (MONEY_NOUNS, "FUNDED"), (TRAINING_NOUNS, "TRAINED")) if given & nouns]
    return out


def _things(obj) -> set[str]:
    """What an object names, by lemma: 'rockets', or what it counts ('two consignments of rockets and mortars')."""
    return {obj.lemma_.lower()} | {t.lemma_.lower() for p in obj.children if p.dep_ == "prep" and p.lower_ == "of"
                                   for o in p.children if o.dep_ == "pobj" for t in (o, *o.conjuncts)}


def _state(prep, clause: _Clause) -> list[Rule]:
    """'has been in contact with X', 'remains under the control of X', 'remains in Islamic State hands',
    'spoke at a press conference with X'."""
    for noun in (c for c in prep.children if c.dep_ == "pobj"):
        entry = STATES.get((prep.lower_, noun.lower_))
        if entry is None and EVENT_OBJECTS.get(noun.lower_, (None, None))[1] == ("MET_WITH",):
            entry = ("with", ("MET_WITH",), False)
        if entry is None:
            continue
        word, predicates, reverse = entry
        others = [e for c in noun.children if c.dep_ in ("compound", "poss") for e in clause.entities_of(c)]
        others += [e for p in noun.children if p.dep_ == "prep" and p.lower_ == word for e in _objects_of(p, clause)]
        subj = clause.subjects(prep.head)[0]
        return [(predicates, others, subj, NOUN_CONFIDENCE) if reverse else (predicates, subj, others, NOUN_CONFIDENCE)]
    return []


def _against(prep, clause: _Clause) -> list[Rule]:
    """Whoever acts against X opposes X: 'run a joint cell against Daesh', 'needed allies against Saddam',
    'a war waged against Iran by X'. Strikes and raids against X target it (`_light_verb`); a verb that says
    more ('fought against') says it itself; balancing one side against another is neither."""
    verb = prep.head
    if verb.pos_ == "NOUN" and verb.dep_ == "dobj" and not _attack(verb):  # "ran a cell against X"
        verb = verb.head
    lemma = verb.lemma_.lower()
    if verb.pos_ != "VERB" or _unasserted(verb) or lemma in BALANCE or "against" in VERBS.get(lemma, ({},))[0] \
            or any(c.dep_ == "dobj" and _attack(c) for c in verb.children):
        return []
    actors, passive = clause.subjects(verb)
    if passive:
        actors = _agents(verb, clause)
    return [(("OPPOSED",), actors, _objects_of(prep, clause), VERB_CONFIDENCE)]


def _assault(noun, clause: _Clause) -> list[Rule]:
    """An attack named as a noun: 'the Islamic State siege of Amerli', 'ISIS's assault on Erbil', 'raids on X
    by Y'; who breaks or lifts a siege fights the besiegers."""
    preps = ATTACKS.get(noun.lemma_.lower())
    if preps is None or noun.idx in clause.at:
        return []
    verb = next((a for a in noun.ancestors if a.pos_ in ("VERB", "AUX")), None)
    if verb is not None and _unasserted(verb):
        return []
    agents = [e for c in noun.children if c.dep_ in ("compound", "poss") for e in clause.entities_of(c)
              if clause.families.get(e) in ("Person", "Organization")]  # not the place of "the Karbala raid"
    agents += [e for c in noun.children if c.dep_ == "prep" and c.lower_ == "by" for e in _objects_of(c, clause)]
    targets = [e for c in noun.children if c.dep_ == "prep" and c.lower_ in preps for e in _objects_of(c, clause)]
    out: list[Rule] = [(("TARGETED",), agents, targets, NOUN_CONFIDENCE)]
    if noun.dep_ == "dobj" and noun.head.lemma_.lower() in LIFT and not _unasserted(noun.head):
        out.append((("OPPOSED",), clause.subjects(noun.head)[0], agents, VERB_CONFIDENCE))
    return out


def _branch(name, clause: _Clause) -> list[Rule]:
    """A body's own body is part of it: 'the Revolutionary Guards’ Quds Force', 'the PUK's Zanyari'; a
    person's body is the one he leads: 'Hadi al-Amiri's Fatah Alliance'."""
    m = clause.at.get(name.idx)
    if m is None or name.idx != m.start or clause.families.get(m.entity) != "Organization":
        return []  # once per mention, at its first word
    owners = [p.entity for p, q in clause.possessed.items() if q is m]
    return [(("PART_OF",), [m.entity], [e for e in owners if clause.families.get(e) == "Organization"],
             NOUN_CONFIDENCE),
            (("LEADS",), [e for e in owners if clause.families.get(e) == "Person"], [m.entity], NOUN_CONFIDENCE)]


def _based(verb, clause: _Clause) -> list[Rule]:
    """'the Mashhad-based shrine foundation', 'Astan Quds Razavi, the Mashhad-based foundation': what is
    described is in the place named before the hyphen."""
    if verb.lower_ != "based" or verb.dep_ != "amod" or verb.i < 2 or verb.doc[verb.i - 1].text not in ("-", "‐", "–"):
        return []
    place = clause.at.get(verb.doc[verb.i - 2].idx)
    if place is None or clause.families.get(place.entity) != "Location":
        return []
    owners = clause.entities_of(verb.head) or (clause.entities_of(verb.head.head) if verb.head.dep_ == "appos" else [])
    return [(LOC, owners, [place.entity], NOUN_CONFIDENCE)]


def _signature(name, clause: _Clause) -> list[Rule]:
    """A byline or signature, a line without a verb: 'By X and Y, Meridian News Agency' (members), 'Approved:
    Brig. X, Director, Muthanna Intelligence Directorate' (its head, by the role between)."""
    m = clause.at.get(name.idx)
    if m is None or name.dep_ != "appos" or clause.families.get(m.entity) != "Organization" \
            or any(t.pos_ in ("VERB", "AUX") and t.i > 0 for t in name.sent):
        return []
    people = [e for e in clause.entities_of(name.head) if clause.families.get(e) == "Person"]
    roles = [ROLE_WORDS.get(c.lower_, ((), False))[0] for c in name.head.children if c.dep_ == "appos" and c.i < name.i]
    return [(("LEADS",) if ("LEADS",) in roles else ("MEMBER_OF",), people, [m.entity], NOUN_CONFIDENCE)]


def _attack(noun) -> bool:
    return noun.lower_ in EVENT_OBJECTS or noun.lemma_.lower() in EVENT_OBJECTS or noun.lemma_.lower() in ATTACKS


def _noun_prep(prep, clause: _Clause) -> list[Rule]:
    """'the KDP in Erbil', 'Quds Force officers in Basra', 'the Ainkawa district of Erbil', 'Farhad Zamani of
    the MOIS' (a member), 'the KSDP of Hama Haji Mahmoud' (its leader), 'has been in contact with X', 'the
    quarrel between X and Y'."""
    head = prep.head
    if prep.lower_ == "against":
        return _against(prep, clause)
    if head.pos_ in ("VERB", "AUX"):
        return [] if _unasserted(head) else _state(prep, clause)
    if head.pos_ not in ("NOUN", "PROPN"):
        return []
    places = [e for p in prep.children if p.dep_ == "pobj" for e in clause.entities_of(p)]
    if prep.lower_ == "between" and head.lemma_.lower() in CONFLICT_NOUNS:  # "the quarrel between X and Y"
        return [(("OPPOSED",), places[:1], places[1:], NOUN_CONFIDENCE)]
    if prep.lower_ in ("in", "around") or prep.lower_ == "at" and head.lower_ in BODY_SITES \
            or prep.lower_ == "on" and any(
            p.dep_ == "pobj" and p.lower_ in SPATIAL_NOUNS for p in prep.children):  # "on the edge of X"
        before = prep.doc[prep.i - 1]
        body = before.lower_ in GROUP_NOUNS or clause.family_at(before) == "Organization"
        if before != head and body and before.head.dep_ == "prep":
            head = before  # "the names of Badr commanders in Diyala": the nearer noun is in Diyala
        group = head.head.head if head.dep_ == "pobj" and head.head.lower_ == "of" else head  # "a delegation of X"
        if clause.referent(head) or group.lower_ in MOBILE or head.dep_ == "pobj" and head.head.dep_ == "agent":
            return []  # "this station in Kalar", "a delegation in Sulaimaniyah", "captured by commandos in Basra"
        owners = clause.entities_of(head)
        if not owners and head.dep_ == "appos":  # "Sheikh Faris, a tribal leader in Ramadi"
            owners = clause.entities_of(head.head)
        # a place is part of another only when the text says so aside ("Jurf al-Sakhar, in Babil province", "a
        # quarter in the north of the city"), not in "the role of Iran in Iraq" or "U.S. soldiers in Karbala"
        aside = before.text == "," or head.dep_ == "appos" or head.lower_ in PLACE_NOUNS
        owners = [e for e in owners if aside or clause.families.get(e) != "Location"]
        return [(LOC, owners, places, NOUN_CONFIDENCE)]
    if prep.lower_ == "of" and (head.lower_ in PLACE_NOUNS or head.lower_ in SPATIAL_NOUNS and head.dep_ == "appos"):
        parts = [clause.at[c.idx].entity for c in head.children  # the parser may call "the Bakrajo quarter" an amod
                 if c.idx in clause.at and (c.dep_ in ("compound", "nmod") or c.dep_ == "amod" and c.ent_type_ != "NORP")]
        if head.dep_ == "appos" and (head.lower_ not in DIRECTIONS or _bare_the(head)) \
                and not any(t.lower_ in DIRECTIONS for t in prep.doc[head.i:prep.i]):
            # "Ramadi, the capital of Anbar", "the Hoz district, the heart of the city" (not "a town north of X")
            parts += [e for e in clause.entities_of(head.head, follow=False) if clause.families.get(e) == "Location"]
        return [(("PART_OF",), parts, places, NOUN_CONFIDENCE)]
    if prep.lower_ == "of" and head.idx in clause.at:
        owner = clause.at[head.idx].entity
        people = [e for e in places if clause.families.get(e) == "Person"]
        bodies = [e for e in places if clause.families.get(e) == "Organization"]
        if clause.families.get(owner) == "Person":
            return [(("MEMBER_OF",), [owner], bodies, NOUN_CONFIDENCE)]
        if clause.families.get(owner) == "Organization":  # not "the interrogation of Khazali"
            return [(("PART_OF",), [owner], bodies, NOUN_CONFIDENCE), (("LEADS",), people, [owner], NOUN_CONFIDENCE)]
    return []
