#!/usr/bin/env python3
"""Check the gold annotations of an evaluation set against their texts and the domain model.

Usage: python3 bench/check_gold.py [--set eval|heldout] [--strict] [GOLD.yaml ...]

With no files every bench/<set>/gold/*.yaml is checked. Errors make the exit status 1; warnings only do so
with --strict. Needs nothing but python3 and PyYAML.
"""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from collections import Counter
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
MODEL = ROOT / "schema" / "model.yaml"
CATALOGUE = ROOT / "seeds" / "entities.yaml"

FAMILIES = ("Person", "Organization", "Operation", "Location")
CLAIMANT_FAMILIES = ("Person", "Organization")
DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
WORDS_MIN, WORDS_MAX = 350, 800
DOC_KEYS = {"title", "kind", "published", "publisher", "authors", "url", "synthetic", "note"}
ENTITY_KEYS = {"name", "family", "kind", "link", "mentions", "note"}
FACT_KEYS = {"subject", "predicate", "object", "sentence", "date", "claimed_by", "note"}
# A sentence starts at a line start or after end punctuation (optionally closed by a quote or bracket) and ends
# with end punctuation (optionally closed by a quote or bracket) or at the end of a line.
CLOSERS = "\"'”’)]"
END_PUNCT = ".!?"


def load_yaml(path: Path):
    with path.open(encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def find_all(text: str, needle: str) -> list[int]:
    """Start offsets of needle in text where it is not glued to a word character on either side."""
    pattern = re.compile(r"(?<!\w)" + re.escape(needle) + r"(?!\w)")
    return [m.start() for m in pattern.finditer(text)]


def valid_date(value: str) -> bool:
    m = DATE_RE.match(value)
    if not m:
        return False
    year, month, day = m.group(1), m.group(2), m.group(3)
    try:
        dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return False
    return True


def sentence_bounds_ok(text: str, sentence: str) -> bool:
    """True when some occurrence of sentence starts and ends on sentence boundaries."""
    if sentence != sentence.strip():
        return False
    ends_with_punct = sentence.rstrip(CLOSERS)[-1:] in END_PUNCT
    start = text.find(sentence)
    while start != -1:
        end = start + len(sentence)
        before = text[:start].rstrip(" \t")
        at_line_start = not before or before.endswith("\n")
        after_punct = start > 0 and text[start - 1].isspace() and before.rstrip(CLOSERS)[-1:] in END_PUNCT
        after = text[end:]
        at_line_end = not after.strip(" \t") or after.lstrip(" \t").startswith("\n")
        before_space = ends_with_punct and (not after or after[0].isspace())
        if (at_line_start or after_punct) and (at_line_end or before_space):
            return True
        start = text.find(sentence, start + 1)
    return False


class Report:
    def __init__(self, name: str):
        self.name = name
        self.errors: list[str] = []
        self.warnings: list[str] = []
        self.notes: list[str] = []

    def error(self, msg: str) -> None:
        self.errors.append(msg)

    def warn(self, msg: str) -> None:
        self.warnings.append(msg)

    def note(self, msg: str) -> None:
        self.notes.append(msg)


def load_model() -> tuple[dict[str, dict], set[str]]:
    model = load_yaml(MODEL)
    facts = {name: rel["edge"] for name, rel in model["relationships"].items() if rel.get("fact")}
    doc_kinds = set(model["nodes"]["Document"]["kinds"])
    return facts, doc_kinds


def load_catalogue() -> dict[str, dict]:
    return {e["id"]: e for e in load_yaml(CATALOGUE)["entities"]}


def check_document(gold_path: Path, facts_model: dict, doc_kinds: set, catalogue: dict) -> tuple[Report, dict]:
    rep = Report(gold_path.name)
    stats: dict = {"entities": 0, "known": 0, "new": 0, "mentions": 0, "facts": 0, "words": 0, "dated": 0, "claimed": 0}
    text_path = gold_path.parent.parent / "docs" / (gold_path.stem + ".txt")
    if not text_path.exists():
        rep.error(f"no text {text_path.relative_to(ROOT)}")
        return rep, stats
    text = text_path.read_text(encoding="utf-8")
    stats["words"] = len(text.split())
    if not WORDS_MIN <= stats["words"] <= WORDS_MAX:
        rep.warn(f"text has {stats['words']} words (expected {WORDS_MIN}-{WORDS_MAX})")
    gold = load_yaml(gold_path)
    if not isinstance(gold, dict):
        rep.error("gold file is not a mapping")
        return rep, stats
    for key in set(gold) - {"document", "entities", "facts"}:
        rep.warn(f"unknown top-level key {key!r}")

    # --- document
    doc = gold.get("document") or {}
    if not isinstance(doc.get("title"), str) or not doc["title"].strip():
        rep.error("document.title missing")
    if doc.get("kind") not in doc_kinds:
        rep.error(f"document.kind {doc.get('kind')!r} not one of {sorted(doc_kinds)}")
    if not isinstance(doc.get("published"), str) or not valid_date(doc["published"]):
        rep.error(f"document.published {doc.get('published')!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    for key in set(doc) - DOC_KEYS:
        rep.warn(f"unknown document key {key!r}")

    # --- entities
    entities = gold.get("entities") or []
    by_ref: dict[str, dict] = {}  # link id (known) or name (new) -> entity
    known_names: dict[str, str] = {}  # name of a known entity -> its link, to flag names used instead of ids
    surface_owner: dict[str, str] = {}
    spans: list[tuple[int, int, str]] = []  # every occurrence of every mention: (start, end, entity ref)
    for i, ent in enumerate(entities):
        where = f"entities[{i}]"
        if not isinstance(ent, dict):
            rep.error(f"{where} is not a mapping")
            continue
        for key in set(ent) - ENTITY_KEYS:
            rep.warn(f"{where}: unknown key {key!r}")
        name = ent.get("name")
        if not isinstance(name, str) or not name.strip():
            rep.error(f"{where}: name missing")
            continue
        where = f"entity {name!r}"
        family = ent.get("family")
        if family not in FAMILIES:
            rep.error(f"{where}: family {family!r} not one of {FAMILIES}")
        link = ent.get("link")
        if link is not None:
            if link not in catalogue:
                rep.error(f"{where}: link {link!r} is not an id in seeds/entities.yaml")
            elif catalogue[link]["family"] != family:
                rep.error(f"{where}: family {family} but {link} is a {catalogue[link]['family']}")
            ref = link
            known_names[name] = link
            stats["known"] += 1
        else:
            ref = name
            stats["new"] += 1
            for cid, cent in catalogue.items():
                if name.casefold() in {a.casefold() for a in [cent["name"], *(cent.get("aliases") or [])]}:
                    rep.warn(f"{where}: link is null but the catalogue has {cid} with that name or alias")
        if ref in by_ref:
            rep.error(f"{where}: duplicate entity {ref!r}")
        by_ref[ref] = ent
        stats["entities"] += 1
        mentions = ent.get("mentions")
        if not isinstance(mentions, list) or not mentions:
            rep.error(f"{where}: mentions must be a non-empty list")
            continue
        if len(set(mentions)) != len(mentions):
            rep.error(f"{where}: repeated mention in list")
        for m in mentions:
            if not isinstance(m, str) or not m.strip() or m != m.strip():
                rep.error(f"{where}: bad mention {m!r}")
                continue
            stats["mentions"] += 1
            if m not in text:
                rep.error(f"{where}: mention {m!r} not found in text")
                continue
            hits = find_all(text, m)
            if not hits:
                rep.warn(f"{where}: mention {m!r} only occurs inside a longer word")
            spans.extend((h, h + len(m), ref) for h in hits)
            if m in surface_owner and surface_owner[m] != ref:
                rep.error(f"{where}: mention {m!r} is also a mention of {surface_owner[m]!r}")
            surface_owner.setdefault(m, ref)

    # every entity should occur at least once on its own, not only nested in another entity's mention
    for ref in by_ref:
        own = [(s, e) for s, e, r in spans if r == ref]
        others = [(s, e) for s, e, r in spans if r != ref]
        if own and all(any(os <= s and e <= oe and (os, oe) != (s, e) for os, oe in others) for s, e in own):
            rep.warn(f"entity {ref!r} only occurs nested inside other entities' mentions")

    # catalogue names and aliases in the text that no gold mention covers
    for cid, cent in catalogue.items():
        for alias in {cent["name"], *(cent.get("aliases") or [])}:
            if len(alias) < 3:
                continue
            for h in find_all(text, alias):
                end = h + len(alias)
                if not any(s < end and h < e for s, e, _ in spans):
                    line = text.count("\n", 0, h) + 1
                    rep.warn(f"line {line}: {alias!r} (catalogue {cid}) is not covered by any gold mention")

    # --- facts
    def resolve(value, where: str, role: str) -> dict | None:
        if not isinstance(value, str) or not value:
            rep.error(f"{where}: {role} missing")
            return None
        if value in by_ref:
            return by_ref[value]
        if value in known_names:
            rep.error(f"{where}: {role} {value!r} is a known entity; use its link id {known_names[value]!r}")
        else:
            rep.error(f"{where}: {role} {value!r} is not a gold entity (link id or name of a new one)")
        return None

    seen: set[tuple] = set()
    facts = gold.get("facts") or []
    for i, fact in enumerate(facts):
        where = f"facts[{i}]"
        if not isinstance(fact, dict):
            rep.error(f"{where} is not a mapping")
            continue
        where = f"facts[{i}] {fact.get('subject')} {fact.get('predicate')} {fact.get('object')}"
        for key in set(fact) - FACT_KEYS:
            rep.warn(f"{where}: unknown key {key!r}")
        stats["facts"] += 1
        subj = resolve(fact.get("subject"), where, "subject")
        obj = resolve(fact.get("object"), where, "object")
        pred = fact.get("predicate")
        edge = facts_model.get(pred)
        if edge is None:
            rep.error(f"{where}: predicate {pred!r} is not a relationship with fact: true")
        if subj is not None and obj is not None and subj is obj:
            rep.error(f"{where}: subject and object are the same entity")
        if edge is not None:
            if subj is not None and subj.get("family") not in edge["source"]:
                rep.error(f"{where}: {pred} cannot start at a {subj.get('family')} (allowed {edge['source']})")
            if obj is not None and obj.get("family") not in edge["target"]:
                rep.error(f"{where}: {pred} cannot end at a {obj.get('family')} (allowed {edge['target']})")
        if pred == "LOCATED_IN" and subj and obj and subj.get("family") == obj.get("family") == "Location":
            rep.warn(f"{where}: a place within a place is PART_OF in this set")
        sentence = fact.get("sentence")
        if not isinstance(sentence, str) or not sentence.strip():
            rep.error(f"{where}: sentence missing")
        elif sentence not in text:
            rep.error(f"{where}: sentence not found verbatim in text: {sentence[:80]!r}")
        else:
            if not sentence_bounds_ok(text, sentence):
                rep.error(f"{where}: sentence is not a full sentence of the text: {sentence[:80]!r}")
            for role, ent in (("subject", subj), ("object", obj)):
                if ent and not any(m in sentence for m in ent.get("mentions") or []):
                    rep.note(f"{where}: {role} is not named in the sentence (pronoun or description)")
        date = fact.get("date")
        if date is not None:
            stats["dated"] += 1
            if not isinstance(date, str) or not valid_date(date):
                rep.error(f"{where}: date {date!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
        claimant = fact.get("claimed_by")
        if claimant is not None:
            stats["claimed"] += 1
            cent = resolve(claimant, where, "claimed_by")
            if cent is not None and cent.get("family") not in CLAIMANT_FAMILIES:
                rep.error(f"{where}: claimed_by must be a Person or Organization, not a {cent.get('family')}")
        key = (fact.get("subject"), pred, fact.get("object"), sentence)
        if key in seen:
            rep.error(f"{where}: duplicate fact for the same sentence")
        seen.add(key)
    stats["predicates"] = Counter(f.get("predicate") for f in facts if isinstance(f, dict))
    return rep, stats


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("gold", nargs="*", type=Path, help="gold files (default: bench/<set>/gold/*.yaml)")
    parser.add_argument("--set", default="eval", help="the evaluation set under bench/ (eval, heldout)")
    parser.add_argument("--strict", action="store_true", help="treat warnings as errors")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors and the summary only")
    parser.add_argument(
        "-v",
        "--verbose",
        action="store_true",
        help="also print notes (fact endpoints referred to only by a pronoun or description)",
    )
    args = parser.parse_args(argv)

    facts_model, doc_kinds = load_model()
    catalogue = load_catalogue()
    folder = ROOT / "bench" / args.set
    paths = args.gold or sorted((folder / "gold").glob("*.yaml"))
    missing_gold = []
    if not args.gold:
        gold_stems = {p.stem for p in paths}
        missing_gold = [t for t in sorted((folder / "docs").glob("*.txt")) if t.stem not in gold_stems]
        for txt in missing_gold:
            print(f"ERROR {txt.name}: no gold file")

    n_err = len(missing_gold)
    n_warn = 0
    totals: Counter = Counter()
    rows = []
    for path in paths:
        rep, stats = check_document(path, facts_model, doc_kinds, catalogue)
        for msg in rep.errors:
            print(f"ERROR {rep.name}: {msg}")
        if not args.quiet:
            for msg in rep.warnings:
                print(f"WARN  {rep.name}: {msg}")
        if args.verbose:
            for msg in rep.notes:
                print(f"NOTE  {rep.name}: {msg}")
        n_err += len(rep.errors)
        n_warn += len(rep.warnings)
        rows.append((path.stem, stats))
        for key in ("words", "entities", "known", "new", "facts", "dated", "claimed"):
            totals[key] += stats.get(key, 0)
    print(f"{'document':32} {'words':>5} {'ents':>4} {'known':>5} {'new':>4} {'facts':>5} {'dated':>5} {'claimed':>7}")
    for stem, s in rows:
        print(
            f"{stem:32} {s['words']:5} {s['entities']:4} {s['known']:5} {s['new']:4} {s['facts']:5} "
            f"{s['dated']:5} {s['claimed']:7}"
        )
    print(
        f"{'TOTAL':32} {totals['words']:5} {totals['entities']:4} {totals['known']:5} {totals['new']:4} "
        f"{totals['facts']:5} {totals['dated']:5} {totals['claimed']:7}"
    )
    preds: Counter = Counter()
    for _, s in rows:
        preds.update(s.get("predicates", {}))
    print("predicates: " + ", ".join(f"{p} {n}" for p, n in sorted(preds.items())))
    print(f"{n_err} error(s), {n_warn} warning(s)")
    return 1 if n_err or (args.strict and n_warn) else 0


if __name__ == "__main__":
    sys.exit(main())
