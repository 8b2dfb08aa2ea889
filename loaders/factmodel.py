"""A learned judge of the facts a sentence states, next to the hand-written rules of loaders.relations.

Every pair of entities a sentence names (or refers to: "he", "the town", "which", as the rules resolve
them) is a candidate. Its features come from spaCy's parse: the dependency path between the two (labels
and lemmas), the word that joins them and the roles each plays under it, the words between them, which
fact types the lexicon's words on the path suggest, the endpoint families, negation, modality and hedging,
and which fact the rules proposed for the pair. A multinomial logistic regression (weights in
`factmodel.json`, trained by `python -m bench.train` on the annotated evaluation set) gives each candidate
a probability for each fact type and direction, or none. A rule's fact is kept (with the rule's confidence)
unless the model gives it less than `keep`; the model adds a fact the rules missed when it gives it at least
`add`, with that probability as its confidence and "classifier" as its method.

Inference is a sum of weight rows per candidate, done with numpy for all candidates of a sentence.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import numpy as np

from loaders.lexicon import (
    ATTACKS,
    EVENT_OBJECTS,
    HEDGE,
    IRREALIS,
    ROLE_WORDS,
    SPEECH,
    STANCES,
    VERBS,
)
from loaders.relations import Fact, _Clause, _unasserted
from schema.model import InvalidData, Model

WEIGHTS = Path(__file__).with_name("factmodel.json")
SYMMETRIC = {"MET_WITH", "ALLIED_WITH", "RELATIVE_OF"}  # a fact that reads the same both ways
NONE = "NONE"
ANAPHORS = {"PRP", "PRP$", "WP", "WP$", "WDT"}  # "he", "his", "who", "whose", "which"
JOINING = {"prep", "agent", "dative", "prt"}  # a side's role is its preposition: "prep:with"
MAX_PATH = 7  # longer dependency paths are "long": their exact shape says little
MAX_BETWEEN = 8  # the words between two mentions, when there are no more than this


def label(predicate: str, forward: bool) -> str:
    """A class: the fact type and whether the first of the pair (in text order) is its subject."""
    return predicate if predicate in SYMMETRIC else f"{predicate}{'>' if forward else '<'}"


def unlabel(cls: str, first: str, second: str) -> tuple[str, str, str]:
    """(subject, predicate, object) of a class said of a pair."""
    if cls.endswith("<"):
        return second, cls[:-1], first
    return first, cls.rstrip(">"), second


def allowed_classes(model: Model) -> dict[tuple[str, str], tuple[str, ...]]:
    """For each pair of families (in text order), the classes the model allows between them (a place
    within a place is PART_OF, never LOCATED_IN)."""
    table = {}
    for first in model.families:
        for second in model.families:
            out = []
            for predicate in model.fact_types:
                for forward in (True, False) if predicate not in SYMMETRIC else (True,):
                    s, o = (first, second) if forward else (second, first)
                    if predicate == "LOCATED_IN" and s == o == "Location":
                        continue
                    try:
                        model.check_fact(predicate, s, o, "factmodel")
                    except InvalidData:
                        continue
                    out.append(label(predicate, forward))
            table[(first, second)] = tuple(out)
    return table


@dataclass
class Candidate:
    """Two entities of one sentence, each at the token that names or refers to it, in text order."""

    first: str
    second: str
    features: list[str]
    allowed: tuple[str, ...]
    token: int  # the second one's token (after any "X said"): who reports it asserts what the pair states
    anchors: tuple[int, int]  # character offsets of the two tokens (for training labels)
    rules: dict[str, Fact] = field(default_factory=dict)  # class -> the rules' fact


def anchors(sent, clause: _Clause) -> dict[str, list[tuple[object, bool]]]:
    """Each entity of the sentence and the tokens that stand for it: the head word of each mention, and
    each pronoun, relative pronoun or definite description the rules resolve to it (flagged)."""
    out: dict[str, list[tuple[object, bool]]] = defaultdict(list)
    doc = sent.doc
    for m in clause.inside:
        span = doc.char_span(m.start, m.end, alignment_mode="expand")
        if span is not None and span.start >= sent.start:
            out[m.entity].append((span.root, False))
    for t in sent:
        if t.idx in clause.at or not (t.tag_ in ANAPHORS or t.pos_ == "NOUN" and clause.referent(t)):
            continue
        for e in clause.entities_of(t, follow=False):
            out[e].append((t, True))
    return out


def _up(token) -> list:
    """The token and its ancestors, to the root."""
    chain = [token]
    while chain[-1].head.i != chain[-1].i:  # spaCy makes a new Token object each time: compare indices
        chain.append(chain[-1].head)
    return chain


def _path(a, b) -> tuple[list, list]:
    """From a up to the lowest common ancestor (included) and from b up to it (excluded)."""
    up_a, up_b = _up(a), _up(b)
    on_b = {t.i: n for n, t in enumerate(up_b)}
    for n, t in enumerate(up_a):
        if t.i in on_b:
            return up_a[:n + 1], up_b[:on_b[t.i]]
    return up_a, up_b  # different sentences: no common ancestor


def _role(side: list) -> str:
    """How a side hangs from the joining word: its label, with the preposition ('prep:with')."""
    if not side:
        return "="
    top = side[-1]
    return f"{top.dep_}:{top.lower_}" if top.dep_ in JOINING else top.dep_


def _lexicon(lemma: str) -> list[str]:
    """The fact types the rules' lexicon gives a word, as features (not rules: the model weighs them)."""
    out = []
    if lemma in VERBS:
        slots, reverse = VERBS[lemma]
        out += [f"lexv={slot}:{'/'.join(p)}{':rev' if reverse else ''}" for slot, p in slots.items()]
    if lemma in ROLE_WORDS:
        out.append(f"lexrole={'/'.join(ROLE_WORDS[lemma][0])}")
    if lemma in STANCES:
        out.append(f"lexstance={STANCES[lemma]}")
    if lemma in EVENT_OBJECTS:
        out.append(f"lexevent={'/'.join(EVENT_OBJECTS[lemma][1])}")
    if lemma in ATTACKS:
        out.append("lexattack")
    return out


def _word_class(lemma: str, pos: str) -> str:
    """A word on a path as the lexicon classes it ("R:LEADS" for leader, chief, head ...), else its part of
    speech: paths through different words of one class look alike."""
    if lemma in ROLE_WORDS:
        return "R:" + "/".join(ROLE_WORDS[lemma][0])
    if lemma in VERBS:
        return "V:" + "/".join(sorted({p for preds in VERBS[lemma][0].values() for p in preds}))
    if lemma in STANCES:
        return "S:" + STANCES[lemma]
    if lemma in EVENT_OBJECTS:
        return "E:" + "/".join(EVENT_OBJECTS[lemma][1])
    if lemma in ATTACKS:
        return "E:TARGETED"
    return pos


SUBJECT_ROLES = {"nsubj", "agent", "csubj"}


def _slot(role: str) -> str | None:
    """The lexicon slot an object role fills: '' for a direct object (or a passive subject), else its
    preposition."""
    if role in ("dobj", "nsubjpass", "dative", "attr"):
        return ""
    return role.split(":", 1)[1] if role.startswith("prep:") else None


def _verb_reading(lemma: str, role_a: str, role_b: str) -> list[str]:
    """What the lexicon says a verb joining the pair states, in the pair's direction: 'A met B' is
    MET_WITH, 'B was handled by A' HANDLED_BY from B."""
    if lemma not in VERBS:
        return []
    slots, reverse = VERBS[lemma]
    out = []
    for subject, obj, forward in ((role_a, role_b, True), (role_b, role_a, False)):
        slot = _slot(obj)
        if subject.split(":")[0] in SUBJECT_ROLES and slot in slots:
            out += [f"vlex={label(p, forward != reverse)}" for p in slots[slot]]
    return out or ["vlex=other"]


def features(a, b, fam_a: str | None, fam_b: str | None, ana_a: bool, ana_b: bool, hedged: bool,
             named: set[int]) -> list[str]:
    """The features of a pair at tokens a (first) and b; `named`: the indices of tokens in a mention, which
    stand as "<E>" (a name says nothing about how two others are related)."""

    def word(t) -> str:
        return "<E>" if t.i in named else t.lemma_.lower()

    up_a, up_b = _path(a, b)
    lca = up_a[-1]
    side_a, side_b = up_a[:-1], up_b
    role_a, role_b = _role(side_a), _role(side_b)
    lemma = word(lca)
    fams = f"{fam_a}>{fam_b}"
    out = ["bias", f"fam={fams}", f"ana={int(ana_a)}{int(ana_b)}", f"roles={role_a}|{role_b}",
           f"roles={role_a}|{role_b}|{fams}", f"lca={lemma}", f"lca={lemma}|{role_a}|{role_b}",
           f"lcapos={lca.pos_}|{role_a}|{role_b}", f"lcapos={lca.pos_}|{role_a}|{role_b}|{fams}"]
    inner = [t for t in (*side_a[1:], lca, *reversed(side_b[1:])) if t.i not in (a.i, b.i)]
    length = len(side_a) + len(side_b)
    if length <= MAX_PATH:
        out.append("path=" + "/".join([f"^{t.dep_}" for t in side_a] + [f"v{t.dep_}" for t in reversed(side_b)]))
        if length <= 4:
            out.append("lpath=" + "/".join([f"^{t.dep_}" for t in side_a] + [lemma]
                                            + [f"v{t.dep_}" for t in reversed(side_b)]))
    else:
        out.append("path=long")
    out.append(f"len={min(length, MAX_PATH + 1)}")
    if length <= MAX_PATH:  # the path with its words as the lexicon classes them
        out.append("cpath=" + "/".join([f"^{t.dep_}" for t in side_a]
                                       + ["<E>" if t.i in named else _word_class(t.lemma_.lower(), t.pos_)
                                          for t in inner if t.dep_ not in ("prep", "agent")]
                                       + [f"v{t.dep_}" for t in reversed(side_b)]))
    out += _verb_reading(lemma, role_a, role_b)
    for t in inner:
        out.append(f"on={word(t)}")
        out += _lexicon(word(t))
        if t.dep_ == "neg" or any(c.dep_ == "neg" for c in t.children):
            out.append("neg")
    if any(t.pos_ in ("VERB", "AUX") and _unasserted(t) for t in (lca, *inner)):
        out.append("unasserted")
    above = _up(lca)[1:4]  # what the clause is said under: "denied arming", "suspects that", "asked to meet"
    if any(t.lemma_.lower() in IRREALIS for t in above):
        out.append("irrealis")
    if any(t.lemma_.lower() in SPEECH for t in above):
        out.append("reported")
    out += [f"gov={t.lemma_.lower()}" for t in above if t.pos_ in ("VERB", "AUX")][:2]
    if lemma in SPEECH:
        out.append(f"speech|{role_a}|{role_b}")
    if hedged:
        out.append("hedge")
    lo, hi = (a, b) if a.i < b.i else (b, a)
    between = lo.doc[lo.i + 1:hi.i]
    if len(between) <= MAX_BETWEEN:
        out += [f"btw={word(t)}" for t in between if not t.is_space]
    out.append(f"gap={min(len(between), MAX_BETWEEN + 1)}")
    return out


def candidates(sent, clause: _Clause, proposed: list[Fact], table: dict[tuple[str, str], tuple[str, ...]]
               ) -> list[Candidate]:
    """The pairs of entities of a sentence that some fact type allows, with the rules' facts on each; an
    entity a rule found where no token of the sentence stands for it is placed at the rule's token."""
    standing = anchors(sent, clause)
    doc = sent.doc
    for fact in proposed:
        for e in (fact.subject, fact.object):
            if e not in standing:
                standing[e].append((doc[fact.token], True))
    families = clause.families
    hedged = bool(HEDGE.search(sent.text))
    named = {t.i for t in sent if t.idx in clause.at}
    found: dict[tuple[str, str], Candidate] = {}
    for e1, e2 in combinations(sorted(standing), 2):
        best = min(((x, y) for x in standing[e1] for y in standing[e2]),
                   key=lambda p: (sum(map(len, _path(p[0][0], p[1][0]))), p[0][1] + p[1][1], p[0][0].i, p[1][0].i))
        (a, ana_a), (b, ana_b) = best
        if (a.i, a.idx) > (b.i, b.idx) or a.i == b.i and e1 > e2:
            (a, ana_a, e1), (b, ana_b, e2) = (b, ana_b, e2), (a, ana_a, e1)
        allowed = table.get((families.get(e1), families.get(e2)), ())
        if not allowed:
            continue
        found[(e1, e2)] = Candidate(
            e1, e2, features(a, b, families.get(e1), families.get(e2), ana_a, ana_b, hedged, named), allowed,
            b.i, (a.idx, b.idx))
    for fact in proposed:
        pair = (fact.subject, fact.object)
        forward = pair in found
        cand = found.get(pair) or found.get(pair[::-1])
        if cand is not None:
            cand.rules[label(fact.predicate, forward)] = fact
    for cand in found.values():
        cand.features += [f"rule={c}" for c in cand.rules] or ["rule=none"]
        cand.features += [f"rule={c}|{f.confidence}" for c, f in cand.rules.items()]
    return list(found.values())


@dataclass
class FactModel:
    """Weights of a multinomial logistic regression over the classes, and the two thresholds."""

    classes: list[str]
    index: dict[str, int]
    weights: np.ndarray  # features x classes
    bias: np.ndarray
    keep: float
    add: float
    rules: bool = True  # whether it weighs the rules' facts (False: it judges every pair alone)
    table: dict[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)  # allowed_classes

    @classmethod
    def from_dict(cls, data: dict, model: Model | None = None) -> FactModel:
        """From its JSON form: the classes, the feature names and the non-zero weights as (feature, class,
        weight) rows."""
        classes, names = data["classes"], data["features"]
        weights = np.zeros((len(names), len(classes)), dtype=np.float32)
        for row, column, weight in data["weights"]:
            weights[row, column] = weight
        return cls(classes, {n: i for i, n in enumerate(names)}, weights, np.array(data["bias"], dtype=np.float32),
                   data["keep"], data["add"], data["rules"], allowed_classes(model) if model else {})

    @classmethod
    def load(cls, path: Path = WEIGHTS, model: Model | None = None) -> FactModel:
        try:
            return cls.from_dict(json.loads(path.read_text(encoding="utf-8")), model)
        except (OSError, ValueError, KeyError) as exc:
            raise InvalidData(f"{path}: not a fact model ({exc}); run `python -m bench.train` to make one") from exc

    def to_dict(self) -> dict:
        names = sorted(self.index, key=self.index.get)
        rows, columns = np.nonzero(self.weights)
        return {"classes": self.classes, "features": names, "bias": [round(float(x), 3) for x in self.bias],
                "weights": [[int(r), int(c), round(float(self.weights[r, c]), 3)]
                            for r, c in zip(rows, columns, strict=True)],
                "keep": self.keep, "add": self.add, "rules": self.rules}

    def probabilities(self, cands: list[Candidate]) -> np.ndarray:
        """One row per candidate: the probability of each class; classes its families rule out get none."""
        scores = np.tile(self.bias, (len(cands), 1))
        column = {c: i for i, c in enumerate(self.classes)}
        mask = np.full(scores.shape, -np.inf, dtype=np.float32)
        for n, cand in enumerate(cands):
            rows = [self.index[f] for f in cand.features if f in self.index]
            if rows:
                scores[n] += self.weights[rows].sum(axis=0)
            mask[n, column[NONE]] = 0
            for c in cand.allowed:
                if c in column:
                    mask[n, column[c]] = 0
        scores = scores + mask
        scores -= scores.max(axis=1, keepdims=True)
        exp = np.exp(scores)
        return exp / exp.sum(axis=1, keepdims=True)

    def choose(self, cands: list[Candidate], probs: np.ndarray | None = None) -> list[Fact]:
        """The facts the sentence states: the rules' that the model does not reject, and the model's own
        (`probs`: the candidates' probabilities, if already known); without `rules`, the model's alone."""
        if not cands:
            return []
        probs = self.probabilities(cands) if probs is None else probs
        out = []
        for cand, row in zip(cands, probs, strict=True):
            for n, cls in enumerate(self.classes):
                if cls == NONE:
                    continue
                p = float(row[n])
                rule = cand.rules.get(cls) if self.rules else None
                if rule is not None and p >= self.keep or rule is None and p >= self.add:
                    s, predicate, o = unlabel(cls, cand.first, cand.second)
                    out.append(rule or Fact(s, predicate, o, round(p, 3), cand.token, "classifier"))
        return out

    def decide(self, sent, clause: _Clause, proposed: list[Fact]) -> list[Fact]:
        return self.choose(candidates(sent, clause, proposed, self.table))
