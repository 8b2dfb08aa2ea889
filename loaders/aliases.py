"""Finding entity names in text the way the seed texts actually spell them.

Copes with case, hyphens or missing spaces between name parts ("Abdul-Mahdi", "AbdulMahdi"), an
optional Arabic article ("al-Muhandis" / "Muhandis", "Jurf al Sakhar"), possessives with or without
the apostrophe the copy lost ("Iran's", "Iran’s", "Irans"), and curly or missing apostrophes inside
names ("Asa’ib" / "Asaib"). All-capital aliases (MOIS, ISIS, US) match case-sensitively so "US" never
matches "us", and may run into a lowercase word on either side, as the seed text's "ISISpositions" and "onISIS" do.
"""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable

APOSTROPHES = "'’‘`ʼ"
ARTICLES = {"al", "el"}
SEP = r"[\s\-‐–]*"
TOKEN = re.compile(r"[^\s\-‐–]+")


def fold(text: str) -> str:
    """Lowercase, accents stripped."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def slug(name: str) -> str:
    """A readable, stable id from a name: 'Farhad Zamani' -> 'farhad-zamani'."""
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")


def normalize(name: str) -> str:
    """The key two spellings of one name share: no case, accents, apostrophes, dots, separators or articles."""
    name = fold(name)
    name = re.sub(rf"[{APOSTROPHES}]s$", "", name)
    name = re.sub(rf"[{APOSTROPHES}.]", "", name)
    tokens = re.findall(r"[^\W_]+", name)
    if len(tokens) > 1 and tokens[0] == "the":
        tokens = tokens[1:]
    if len(tokens) > 1:
        tokens = [t for t in tokens if t not in ARTICLES]
    return "".join(tokens)


def is_acronym(alias: str) -> bool:
    letters = [c for c in alias if c.isalpha()]
    return len(letters) >= 2 and all(c.isupper() for c in letters)


def _token_pattern(token: str) -> str:
    """Apostrophes and dots are optional; a transliteration apostrophe may follow any inner vowel
    ("Asaib" also matches "Asa’ib", "Baath" matches "Ba’ath")."""
    out = []
    for i, ch in enumerate(token):
        if ch in APOSTROPHES:
            out.append(f"[{APOSTROPHES}]?")
        elif ch == ".":
            out.append(r"\.?")
        else:
            out.append(re.escape(ch))
            nxt = token[i + 1] if i + 1 < len(token) else ""
            if ch.lower() in "aeiou" and nxt.isalpha():
                out.append(f"[{APOSTROPHES}]?")
    return "".join(out)


def alias_pattern(alias: str) -> str:
    """A regex for one alias: an article may precede any part ("al-Muhandis", "Jurf al-Sakhar"),
    and parts may be joined by spaces, hyphens or nothing."""
    tokens = TOKEN.findall(alias.strip())
    parts = [_token_pattern(t) for i, t in enumerate(tokens) if not (t.lower() in ARTICLES and i < len(tokens) - 1)]
    if is_acronym(alias):
        return SEP.join(parts)
    article = r"(?:al|el)[\s\-‐–]?"
    return SEP.join(f"(?:{article})?{p}" for p in parts)


class AliasMatcher:
    """All the catalogue's aliases compiled into two regexes (case-insensitive and acronyms)."""

    def __init__(self, names: Iterable[tuple[str, Iterable[str]]]):
        self.keys: dict[str, set[str]] = defaultdict(set)
        plain: dict[str, str] = {}
        upper: dict[str, str] = {}
        for entity_id, aliases in names:
            for alias in aliases:
                key = normalize(alias)
                if not key:
                    continue
                self.keys[key].add(entity_id)
                (upper if is_acronym(alias) else plain)[alias] = alias_pattern(alias)
        self._plain = self._compile(plain, re.IGNORECASE, r"(?<!\w)", r"(?:[" + APOSTROPHES + r"]?s)?(?!\w)")
        self._upper = self._compile(upper, 0, r"(?<![A-Z0-9])", r"(?:[" + APOSTROPHES + r"]?s)?(?![A-Z0-9])")

    @staticmethod
    def _compile(patterns: dict[str, str], flags: int, before: str, after: str) -> re.Pattern | None:
        if not patterns:
            return None
        ordered = sorted(patterns, key=lambda a: (-len(a), a))  # longest alias wins at a position
        alternation = "|".join(patterns[a] for a in ordered)
        return re.compile(f"{before}(?P<core>{alternation}){after}", flags)

    def lookup(self, name: str) -> set[str]:
        """Entity ids whose aliases normalise to the same key as `name`."""
        key = normalize(name)
        found = self.keys.get(key, set())
        if not found and key.endswith("s"):  # a possessive that lost its apostrophe
            found = self.keys.get(key[:-1], set())
        return set(found)

    def find(self, text: str, skip: Iterable[tuple[int, int]] = ()) -> dict[str, list[tuple[int, int]]]:
        """Entity id -> spans (start, end) of unambiguous matches outside the `skip` spans.

        Spans cover the name itself, without a trailing possessive.
        """
        skip = sorted(skip)
        hits: list[tuple[int, int, str]] = []
        for rx in (self._upper, self._plain):
            if rx is None:
                continue
            for m in rx.finditer(text):
                start, end = m.span("core")
                ids = self.keys.get(normalize(m.group("core")), set())
                if len(ids) == 1:
                    hits.append((start, end, next(iter(ids))))
        taken: list[tuple[int, int]] = []
        out: dict[str, list[tuple[int, int]]] = defaultdict(list)
        for start, end, entity in sorted(hits, key=lambda h: (h[0] - h[1], h[0])):  # longest first
            if overlaps(start, end, skip) or overlaps(start, end, taken):
                continue
            taken.append((start, end))
            out[entity].append((start, end))
        return {k: sorted(v) for k, v in sorted(out.items())}


def overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)
