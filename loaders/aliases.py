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
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Iterator
from functools import lru_cache

APOSTROPHES = "'’‘`ʼ"
DASHES = "-‐–"
ARTICLES = {"al", "el"}
# Aliases are matched in a copy of the text where every apostrophe is ' and every dash is -: it has
# the same offsets, and patterns of ASCII punctuation compile many times faster than Unicode classes.
PUNCTUATION = str.maketrans({c: "'" for c in APOSTROPHES} | {c: "-" for c in DASHES})
SEP = r"[\s\-]*"
TOKEN = re.compile(rf"[^\s{re.escape(DASHES)}]+")


def fold(text: str) -> str:
    """Lowercase, accents stripped."""
    return "".join(c for c in unicodedata.normalize("NFKD", text) if not unicodedata.combining(c)).lower()


def slug(name: str) -> str:
    """A readable, stable id from a name: 'Farhad Zamani' -> 'farhad-zamani'."""
    return re.sub(r"[^a-z0-9]+", "-", fold(name)).strip("-")


@lru_cache(maxsize=1 << 16)  # the same names recur in every document
def normalize(name: str) -> str:
    """The key two spellings of one name share: no case, accents, apostrophes, dots, separators or articles,
    and -ization for -isation."""
    name = fold(name).replace("isation", "ization")
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
    ("Asaib" also matches "Asa’ib", "Baath" matches "Ba’ath"); -ization is also -isation ("Mobilisation")."""
    out = []
    for i, ch in enumerate(token):
        if ch in APOSTROPHES:
            out.append("'?")
        elif ch == ".":
            out.append(r"\.?")
        elif ch in "zs" and token[i - 1:i] == "i" and token[i + 1:i + 6] == "ation":
            out.append("[sz]")
        else:
            out.append(re.escape(ch))
            nxt = token[i + 1] if i + 1 < len(token) else ""
            if ch.lower() in "aeiou" and nxt.isalpha():
                out.append("'?")
    return "".join(out)


def _parts(alias: str) -> list[str]:
    """The alias's words; an article goes unless it is the last word ("Jurf al-Sakhar": Jurf, Sakhar)."""
    tokens = TOKEN.findall(alias.strip())
    return [t for i, t in enumerate(tokens) if not (t.lower() in ARTICLES and i < len(tokens) - 1)]


def alias_pattern(alias: str) -> str:
    """A regex for one alias: an article may precede any part ("al-Muhandis", "Jurf al-Sakhar"),
    and parts may be joined by spaces, hyphens or nothing."""
    parts = [_token_pattern(t) for t in _parts(alias)]
    if is_acronym(alias):
        return SEP.join(parts)
    article = r"(?:al|el)[\s\-]?"
    return SEP.join(f"(?:{article})?{p}" for p in parts)


class AliasMatcher:
    """All the catalogue's aliases, found in a text as two regexes (case-insensitive and acronyms) of
    every alias, longest first, would find them."""

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
        self._plain = _Aliases(plain, True, r"(?<!\w)", r"(?:'?s)?(?!\w)")
        self._upper = _Aliases(upper, False, r"(?<![A-Z0-9])", r"(?:'?s)?(?![A-Z0-9])")

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
        folded = text.translate(PUNCTUATION)
        for aliases in (self._upper, self._plain):
            for start, end in aliases.finditer(folded):
                ids = self.keys.get(normalize(folded[start:end]), set())
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


_RUN = re.compile(r"[^\s\-]*")  # a word up to the next separator
_GAP = re.compile(r"[\s\-]*")  # what may separate the words of an alias (SEP)
NEXT = 10  # letters of the words after an alias's first that pick it out among the aliases with that first word
_OPTIONAL = str.maketrans("", "", APOSTROPHES + ".")  # characters a pattern may skip inside a word


class _Aliases:
    """One regex alternation of many aliases (longest first, between `before` and `after`), run the way
    `re.finditer` would run it (on text whose punctuation is folded to ASCII), but fast for hundreds of
    thousands of aliases: at each place a match may start, only the aliases whose first word is there, and
    whose next NEXT letters (separators left out) are the text's next letters, are tried, one alternation per
    such key, in the same order. A first word may run into the next ("AbdulMahdi"), so every prefix of the
    text's word is looked up, and any later word may follow an article ("Hadi al-Amiri" for Hadi Amiri)."""

    def __init__(self, patterns: dict[str, str], ignore_case: bool, before: str, after: str):
        ordered = sorted(patterns, key=lambda a: (-len(a), a))  # longest alias wins at a position
        self.flags = re.IGNORECASE if ignore_case else 0
        self.articles = ignore_case  # only case-insensitive aliases may take "al-"
        self.frame = (before, after)
        self.patterns = [patterns[a] for a in ordered]
        # first word -> the first NEXT letters of the words after it ("" for a one-word alias) -> aliases, as ranks
        self.heads: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for rank, alias in enumerate(ordered):
            parts = _parts(alias)
            self.heads[self._head(parts[0])][self._letters("".join(parts[1:]))[:NEXT]].append(rank)
        self.lengths = sorted({len(h) for h in self.heads})
        self.longest = self.lengths[-1] if self.lengths else 0
        self.compiled: dict[tuple[str, str], tuple[re.Pattern, list[int]]] = {}
        self.openings = {h[:3] for h in self.heads}  # most words in a text start no alias: a quick no
        firsts = {h[0] for h in self.heads if h} | {"'", "."} | ({"a", "e"} if self.articles else set())
        ahead = "" if "" in self.heads else f"[{re.escape(''.join(sorted(firsts)))}]"
        # where a match may start, and the word there (looked at, not consumed)
        self.starts = re.compile(f"{before}(?=({ahead}[^\\s\\-]{{0,{2 * self.longest}}}))", self.flags)

    def _head(self, word: str) -> str:
        return word.translate(_OPTIONAL).lower() if self.articles else word.translate(_OPTIONAL)

    def _letters(self, word: str) -> str:
        """A word as the aliases' keys spell it: z as s, for -ization / -isation."""
        return self._head(word).replace("z", "s")

    def _keys_at(self, text: str, at: int, word: str) -> set[tuple[str, str]]:
        """(first word, start of the rest) of the aliases that may match at `at`, where `word` is the text
        from there to the next separator."""
        run = self._head(word)
        if run[:3] not in self.openings and run[:2] not in self.openings and run[:1] not in self.openings:
            return set()
        keys: set[tuple[str, str]] = set()
        end = _RUN.match(text, at).end()
        for n in self.lengths[:bisect_right(self.lengths, len(run))]:
            rests = self.heads.get(run[:n])
            if rests is not None:  # the rest may start in this word ("AbdulMahdi") or after it
                keys.update((run[:n], t[:k]) for t in self._tails(text, run[n:], end)
                            for k in range(NEXT + 1) if t[:k] in rests)
        return keys

    def _tails(self, text: str, first: str, at: int) -> set[str]:
        """The first NEXT letters of `first` and the words of the text from `at`, separators left out, and any
        word's leading article taken or left out."""
        tails, word = {""}, first
        for _ in range(NEXT + 2):
            if word:
                letters = self._letters(word)
                options = {letters, letters[2:]} if self.articles and letters[:2] in ARTICLES else {letters}
                tails = {(t + o)[:NEXT] for t in tails for o in options}
            if min(map(len, tails)) >= NEXT:
                break
            m = _RUN.match(text, _GAP.match(text, at).end())
            if not m.group():
                break
            word, at = m.group()[:2 * NEXT], m.end()
        return tails

    def _alternation(self, key: tuple[str, str]) -> tuple[re.Pattern, list[int]]:
        """The aliases of one (first word, start of the rest), in order, each a group of its own: the number
        of the group that matched says which alias it was."""
        found = self.compiled.get(key)
        if found is None:
            ranks = self.heads[key[0]][key[1]]
            before, after = self.frame
            body = "|".join(f"({self.patterns[rank]})" for rank in ranks)
            found = self.compiled[key] = (re.compile(f"{before}(?:{body}){after}", self.flags), ranks)
        return found

    def finditer(self, text: str) -> Iterator[tuple[int, int]]:
        """The spans of the names, without a trailing possessive."""
        if not self.heads:
            return
        end = 0
        for start in self.starts.finditer(text):
            at = start.start()
            if at < end:
                continue
            word = start.group(1)
            keys = self._keys_at(text, at, word)
            if self.articles and word[:2].lower() in ARTICLES:  # "al-Amiri" for Amiri
                rest = at + 2 + (len(word) == 2 and at + 2 < len(text))  # and the separator after it
                keys |= self._keys_at(text, rest, _RUN.match(text, rest, rest + 2 * self.longest).group())
            best: tuple[int, tuple[int, int]] | None = None  # the first alias in order that matches here
            for key in keys:
                pattern, ranks = self._alternation(key)
                m = pattern.match(text, at)
                if m and (best is None or ranks[m.lastindex - 1] < best[0]):
                    best = ranks[m.lastindex - 1], m.span(m.lastindex)
            if best:
                yield best[1]
                end = best[1][1]


def overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)
