"""Train the fact model (loaders/factmodel.json) on the annotated evaluation set, bench/eval/.

Each document is read as `cablegraph load` reads it, and every candidate pair of each sentence
(loaders.factmodel.candidates) is labelled from the gold: the fact type and direction the gold gives that
pair in that sentence, or none. A multinomial logistic regression learns them. The hyper-parameters below
were chosen by leave-one-document-out cross-validation only (`python -m bench.evaluate eval --cv`).
The same gold and code give the same weights. Training needs scikit-learn (`pip install -e '.[train]'`);
loading never does.

    .venv/bin/python -m bench.train [--set eval]
"""

from __future__ import annotations

import argparse
import json
import sys
from collections import Counter
from dataclasses import dataclass, replace
from itertools import product
from pathlib import Path

import numpy as np
import yaml

from bench.evaluate import ROOT, align, fact_key, gold_entities
from graph.write import DocumentRecord
from loaders.curated import read_catalogue
from loaders.factmodel import NONE, WEIGHTS, Candidate, FactModel, allowed_classes, anchors, candidates, label
from loaders.pipeline import Preparer
from loaders.readers import SourceText, read_text
from loaders.relations import Fact
from schema.model import Model, load_model

C = 1.0  # inverse L2 regularisation
KEEP = 0.0  # a rule's fact is kept unless the model gives it less than this (CV: any veto cost more than it saved)
ADD = 0.6  # the model adds a fact the rules missed when it gives it at least this
MIN_COUNT = 2  # features seen in fewer candidates than this are dropped
PRUNE = 0.01  # smaller weights are dropped (a weights file a few hundred kilobytes long)
GRID = {"c": (0.1, 0.3, 1.0), "keep": (0.0, 0.01, 0.03, 0.1), "add": (0.3, 0.4, 0.5, 0.6, 0.7)}  # for search


@dataclass
class Sample:
    """One annotated document as the rules read it: its candidates, and the gold's classes for each."""

    stem: str
    text: str
    gold: dict
    record: DocumentRecord  # with the rules' facts
    candidates: list[Candidate]
    labels: list[list[str]]
    sentences: list[tuple[int, int, frozenset[str]]]  # each parsed sentence's span and the entities standing in it

    def gold_keys(self) -> set[tuple[str, str, str]]:
        """The gold facts, with the entities the extraction aligned to them (fact_key, as the scorer)."""
        mapping = align(gold_entities(self.text, self.gold), self.record)
        return {fact_key(mapping.get(f["subject"], f"?{f['subject']}"), f["predicate"],
                         mapping.get(f["object"], f"?{f['object']}")) for f in self.gold["facts"]}


class Recorder:
    """A `decide` for relations.extract that keeps the rules' facts and records each sentence's candidates
    and the entities that stand in it (named, referred to, or in a rule's fact)."""

    def __init__(self, model: Model):
        self.table = allowed_classes(model)
        self.found: list[Candidate] = []
        self.sentences: list[tuple[int, int, frozenset[str]]] = []

    def start(self) -> None:
        self.found, self.sentences = [], []

    def __call__(self, sent, clause, proposed: list[Fact]) -> list[Fact]:
        self.found += candidates(sent, clause, proposed, self.table)
        standing = set(anchors(sent, clause)) | {e for f in proposed for e in (f.subject, f.object)}
        self.sentences.append((sent.start_char, sent.end_char, frozenset(standing)))
        return proposed


def labels(text: str, stated: list[tuple[str, str, str, str]], cands: list[Candidate]) -> list[list[str]]:
    """The classes of each candidate: those of the facts (subject, predicate, object, the passage stating
    it) about its pair whose passage holds both its tokens."""
    spans: dict[tuple[str, str], list[tuple[int, int, str]]] = {}
    for s, predicate, o, passage in stated:
        start = text.find(passage) if passage else -1
        while start >= 0:
            spans.setdefault((s, o), []).append((start, start + len(passage), predicate))
            start = text.find(passage, start + 1)
    out = []
    for cand in cands:
        lo, hi = min(cand.anchors), max(cand.anchors)
        found = {label(p, forward) for forward, pair in ((True, (cand.first, cand.second)),
                                                         (False, (cand.second, cand.first)))
                 for start, end, p in spans.get(pair, ()) if start <= lo and hi < end}
        out.append(sorted(found))
    return out


def gold_stated(text: str, gold: dict, record: DocumentRecord) -> list[tuple[str, str, str, str]]:
    """The gold facts of an annotated document, between the entities the extraction aligned to them."""
    mapping = align(gold_entities(text, gold), record)
    return [(mapping[f["subject"]], f["predicate"], mapping[f["object"]], f.get("sentence", ""))
            for f in gold["facts"] if f["subject"] in mapping and f["object"] in mapping]


def read_set(folder: Path, model: Model | None = None) -> list[Sample]:
    """Every annotated document of a set, read by the rules, with its candidates labelled."""
    model = model or load_model()
    catalogue = read_catalogue(ROOT / "seeds" / "entities.yaml", model)
    recorder = Recorder(model)
    preparer = Preparer(model, catalogue, version="train", overrides={}, decide=recorder)
    samples = []
    for gold_path in sorted((folder / "gold").glob("*.yaml")):
        doc = folder / "docs" / f"{gold_path.stem}.txt"
        text = read_text(doc)
        gold = yaml.safe_load(gold_path.read_text(encoding="utf-8"))
        recorder.start()
        record = preparer.prepare(SourceText(doc.stem, text, {}, doc, str(doc)), None)
        samples.append(Sample(doc.stem, text, gold, record, recorder.found,
                              labels(text, gold_stated(text, gold, record), recorder.found), recorder.sentences))
    return samples


def candidate_losses(sample: Sample) -> list[tuple[str, dict]]:
    """Each gold fact of a sample and whether it reaches the fact model as a candidate labelled with its
    class ("candidate"), else where it is lost: an endpoint the extraction never found as an entity
    ("no entity"), an endpoint that no parsed sentence of the gold's sentence names or refers to ("no
    subject", "no object", "neither"), the two standing in different parsed sentences of it ("split"), or
    a pair whose families allow no such fact ("families")."""
    mapping = align(gold_entities(sample.text, sample.gold), sample.record)
    out = []
    for fact in sample.gold["facts"]:
        s, o = mapping.get(fact["subject"]), mapping.get(fact["object"])
        passage = fact.get("sentence", "")
        spans, start = [], sample.text.find(passage) if passage else -1
        while start >= 0:
            spans.append((start, start + len(passage)))
            start = sample.text.find(passage, start + 1)
        if s is None or o is None:
            out.append(("no entity", fact))
            continue
        classes = {label(fact["predicate"], True), label(fact["predicate"], False)}
        if any(cand.first in (s, o) and cand.second in (s, o) and set(found) & classes
               and any(a <= min(cand.anchors) and max(cand.anchors) < b for a, b in spans)
               for cand, found in zip(sample.candidates, sample.labels, strict=True)):
            out.append(("candidate", fact))
            continue
        parsed = [names for lo, hi, names in sample.sentences if any(lo < b and a < hi for a, b in spans)]
        together = any({s, o} <= names for names in parsed)
        has_s, has_o = (any(e in names for names in parsed) for e in (s, o))
        out.append(("families" if together else "split" if has_s and has_o else
                    "no object" if has_s else "no subject" if has_o else "neither", fact))
    return out


def fit(samples: list[Sample], c: float = C, keep: float = KEEP, add: float = ADD, rules: bool = True,
        min_count: int = MIN_COUNT, model: Model | None = None) -> FactModel:
    """A fact model from labelled samples; without `rules`, it does not see what the rules proposed."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    def usable(feature: str) -> bool:
        return rules or not feature.startswith("rule=")

    counts = Counter(f for s in samples for cand in s.candidates for f in set(cand.features) if usable(f))
    names = sorted(f for f, n in counts.items() if n >= min_count)
    index = {f: i for i, f in enumerate(names)}
    rows, ys, weights = [], [], []
    for s in samples:
        for cand, classes in zip(s.candidates, s.labels, strict=True):
            columns = sorted({index[f] for f in cand.features if f in index})
            for cls in classes or [NONE]:
                rows.append(columns)
                ys.append(cls)
                weights.append(1 / max(1, len(classes)))
    x = csr_matrix((np.ones(sum(map(len, rows))), [i for r in rows for i in r],
                    np.cumsum([0, *map(len, rows)])), shape=(len(rows), len(names)))
    clf = LogisticRegression(C=c, max_iter=3000, tol=1e-4)
    clf.fit(x, ys, sample_weight=weights)
    classes = [str(k) for k in clf.classes_]
    if len(classes) == 2:  # a binary fit has one row of weights, for the second class
        coef = np.vstack([-clf.coef_[0] / 2, clf.coef_[0] / 2])
        bias = np.array([-clf.intercept_[0] / 2, clf.intercept_[0] / 2])
    else:
        coef, bias = clf.coef_, clf.intercept_
    coef = np.where(np.abs(coef) < PRUNE, 0, np.round(coef, 3)).T  # features x classes
    used = [n for n in names if coef[index[n]].any()]
    weights = coef[[index[n] for n in used]].astype(np.float32)
    return FactModel(classes, {n: i for i, n in enumerate(used)}, weights, np.round(bias, 3).astype(np.float32),
                     keep, add, rules, allowed_classes(model or load_model()))


def search(samples: list[Sample]) -> dict:
    """The hyper-parameters of GRID with the best F1 of leave-one-document-out cross-validation, pooled
    over all documents (facts counted as the scorer counts them). Prints every setting's scores."""
    gold = [s.gold_keys() for s in samples]
    best: tuple[float, dict] | None = None
    for c in GRID["c"]:
        folds = []
        for n, s in enumerate(samples):
            fm = fit(samples[:n] + samples[n + 1:], c=c)
            folds.append((fm, fm.probabilities(s.candidates)))
        for keep, add in product(GRID["keep"], GRID["add"]):
            matched = predicted = 0
            for s, (fm, probs), g in zip(samples, folds, gold, strict=True):
                found = {fact_key(f.subject, f.predicate, f.object)
                         for f in replace(fm, keep=keep, add=add).choose(s.candidates, probs)}
                matched, predicted = matched + len(found & g), predicted + len(found)
            precision, recall = matched / max(1, predicted), matched / max(1, sum(map(len, gold)))
            f1 = 2 * precision * recall / max(1e-9, precision + recall)
            print(f"  C {c:<4} keep {keep:<4} add {add:<4} P {precision:.3f} R {recall:.3f} F1 {f1:.3f}", flush=True)
            if best is None or f1 > best[0]:
                best = (f1, {"c": c, "keep": keep, "add": add})
    assert best is not None
    print(f"best: {best[1]}")
    return best[1]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", default="eval", help="the annotated set to train on: a folder under bench/")
    parser.add_argument("--out", type=Path, default=WEIGHTS, help="where to write the weights")
    args = parser.parse_args(argv)
    folder = ROOT / "bench" / args.set
    if not (folder / "gold").is_dir():
        print(f"no annotated set at {folder}", file=sys.stderr)
        return 2
    samples = read_set(folder)
    fm = fit(samples)
    args.out.write_text(json.dumps(fm.to_dict(), separators=(",", ":")) + "\n", encoding="utf-8")
    pairs = sum(len(s.candidates) for s in samples)
    facts = sum(bool(x) for s in samples for x in s.labels)
    print(f"{len(samples)} documents, {pairs} candidate pairs ({facts} stating a gold fact), "
          f"{len(fm.index)} features, {len(fm.classes)} classes: written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
