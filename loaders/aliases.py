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
# the same offsets, and an alias's optional apostrophe or separator is then one character to look for.
PUNCTUATION = str.maketrans({c: "'" for c in APOSTROPHES} | {c: "-" for c in DASHES})
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


# An alias is matched as a sequence of atoms, each tried the way a regex quantifier would be (greedy, then
# backing off), so that the matcher finds what one regex alternation of every alias would (tests/test_aliases.py
# keeps that regex as the definition) without compiling a regex per alias.
LETTERS, OPTIONAL, ONE_OF, SEPARATORS, ARTICLE = range(5)


def _token_atoms(token: str, ignore_case: bool) -> list[tuple[int, str]]:
    """Apostrophes and dots are optional; a transliteration apostrophe may follow any inner vowel
    ("Asaib" also matches "Asa’ib", "Baath" matches "Ba’ath"); -ization is also -isation ("Mobilisation")."""
    out: list[tuple[int, str]] = []
    for i, ch in enumerate(token):
        if ch in APOSTROPHES:
            out.append((OPTIONAL, "'"))
        elif ch == ".":
            out.append((OPTIONAL, "."))
        elif ch in "zs" and token[i - 1:i] == "i" and token[i + 1:i + 6] == "ation":
            out.append((ONE_OF, "sz"))
        else:
            ch = ch.lower()[:1] if ignore_case else ch
            if out and out[-1][0] == LETTERS:
                out[-1] = (LETTERS, out[-1][1] + ch)
            else:
                out.append((LETTERS, ch))
            nxt = token[i + 1] if i + 1 < len(token) else ""
            if ch.lower() in "aeiou" and nxt.isalpha():
                out.append((OPTIONAL, "'"))
    return out


def _parts(alias: str) -> list[str]:
    """The alias's words; an article goes unless it is the last word ("Jurf al-Sakhar": Jurf, Sakhar)."""
    tokens = TOKEN.findall(alias.strip())
    return [t for i, t in enumerate(tokens) if not (t.lower() in ARTICLES and i < len(tokens) - 1)]


def alias_atoms(alias: str) -> tuple[tuple[int, str], ...]:
    """One alias as atoms: an article may precede any part ("al-Muhandis", "Jurf al-Sakhar"), and parts may be
    joined by spaces, hyphens or nothing. An acronym takes no article and keeps its case."""
    acronym = is_acronym(alias)
    atoms: list[tuple[int, str]] = []
    for i, token in enumerate(_parts(alias)):
        word = _token_atoms(token, not acronym)
        if i:  # fewer separators than there are can only help a word that may be empty ("'")
            atoms.append((SEPARATORS, "" if any(kind != OPTIONAL for kind, _ in word) else "fewer"))
        if not acronym:
            atoms.append((ARTICLE, ""))
        atoms += word
    return tuple(atoms)


class AliasMatcher:
    """All the catalogue's aliases, found in a text as two regexes (case-insensitive and acronyms) of
    every alias, longest first, would find them."""

    def __init__(self, names: Iterable[tuple[str, Iterable[str]]]):
        self.keys: dict[str, set[str]] = defaultdict(set)
        plain: set[str] = set()
        upper: set[str] = set()
        for entity_id, aliases in names:
            for alias in aliases:
                key = normalize(alias)
                if not key:
                    continue
                self.keys[key].add(entity_id)
                (upper if is_acronym(alias) else plain).add(alias)
        self._plain = _Aliases(plain, True)
        self._upper = _Aliases(upper, False)

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
_GAP = re.compile(r"[\s\-]*")  # what may separate the words of an alias
NEXT = 10  # letters of the words after an alias's first that pick it out among the aliases with that first word
_OPTIONAL = str.maketrans("", "", APOSTROPHES + ".")  # characters an alias may skip inside a word


class _Aliases:
    """Many aliases, found the way `re.finditer` would find one regex alternation of them (longest first,
    each not inside a longer word, with an optional possessive after it that the span leaves out), on text
    whose punctuation is folded to ASCII, but fast for hundreds of thousands of aliases: at each place a match
    may start, only the aliases whose first word is there, and whose next NEXT letters (separators left out)
    are the text's next letters, are tried, in order. A first word may run into the next ("AbdulMahdi"), so
    every prefix of the text's word is looked up, and any later word may follow an article ("Hadi al-Amiri"
    for Hadi Amiri). Letters are compared lowercased (`ignore_case`) or as they are (acronyms, which also may
    run into a lowercase word: "ISISpositions"); re.IGNORECASE differs from that only for a handful of
    letters no name here is spelt with (it also takes the dotless ı for i and the long ſ for s)."""

    def __init__(self, aliases: Iterable[str], ignore_case: bool):
        self.aliases = sorted(aliases, key=lambda a: (-len(a), a))  # longest alias wins at a position
        self.ignore_case = ignore_case  # all but acronyms: only these may take an article ("al-")
        # first word -> the first NEXT letters of the words after it ("" for a one-word alias) -> aliases, as ranks
        self.heads: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(list))
        for rank, alias in enumerate(self.aliases):
            parts = _parts(alias)
            self.heads[self._head(parts[0])][self._letters("".join(parts[1:]))[:NEXT]].append(rank)
        self.lengths = sorted({len(h) for h in self.heads})
        self.longest = self.lengths[-1] if self.lengths else 0
        self.atoms: dict[int, tuple[tuple[int, str], ...]] = {}  # rank -> atoms, for the aliases tried so far
        self.openings = {h[:3] for h in self.heads}  # most words in a text start no alias: a quick no
        firsts = {h[0] for h in self.heads if h} | {"'", "."} | ({"a", "e"} if self.ignore_case else set())
        ahead = "" if "" in self.heads else f"[{re.escape(''.join(sorted(firsts)))}]"
        # where a match may start (not inside a word), and the word there (looked at, not consumed)
        before = r"(?<!\w)" if ignore_case else r"(?<![A-Z0-9])"
        self.starts = re.compile(f"{before}(?=({ahead}[^\\s\\-]{{0,{2 * self.longest}}}))",
                                 re.IGNORECASE if ignore_case else 0)

    def _head(self, word: str) -> str:
        return word.translate(_OPTIONAL).lower() if self.ignore_case else word.translate(_OPTIONAL)

    def _letters(self, word: str) -> str:
        """A word as the aliases' keys spell it: z as s, for -ization / -isation."""
        return self._head(word).replace("z", "s")

    def _ranks_at(self, text: str, at: int, word: str) -> set[int]:
        """The aliases (as ranks) that may match at `at`, where `word` is the text from there to the next
        separator."""
        run = self._head(word)
        if run[:3] not in self.openings and run[:2] not in self.openings and run[:1] not in self.openings:
            return set()
        ranks: set[int] = set()
        end = _RUN.match(text, at).end()
        for n in self.lengths[:bisect_right(self.lengths, len(run))]:
            rests = self.heads.get(run[:n])
            if rests is not None:  # the rest may start in this word ("AbdulMahdi") or after it
                for tail in self._tails(text, run[n:], end):
                    for k in range(NEXT + 1):
                        ranks.update(rests.get(tail[:k], ()))
        return ranks

    def _tails(self, text: str, first: str, at: int) -> set[str]:
        """The first NEXT letters of `first` and the words of the text from `at`, separators left out, and any
        word's leading article taken or left out."""
        tails, word = {""}, first
        for _ in range(NEXT + 2):
            if word:
                letters = self._letters(word)
                options = {letters, letters[2:]} if self.ignore_case and letters[:2] in ARTICLES else {letters}
                tails = {(t + o)[:NEXT] for t in tails for o in options}
            if min(map(len, tails)) >= NEXT:
                break
            m = _RUN.match(text, _GAP.match(text, at).end())
            if not m.group():
                break
            word, at = m.group()[:2 * NEXT], m.end()
        return tails

    def _ends(self, text: str, letters: str, at: int) -> bool:
        """Whether a name may end at `at`: an optional possessive ('s or s), then no letter or digit (for an
        acronym, no capital or digit)."""
        for end in (at + 2 if text.startswith("'", at) and letters.startswith("s", at + 1) else None,
                    at + 1 if letters.startswith("s", at) else None, at):
            if end is not None and (end == len(text) or not (
                    (text[end].isalnum() or text[end] == "_") if self.ignore_case else text[end] in _UPPER_WORD)):
                return True
        return False

    def _match(self, atoms: tuple[tuple[int, str], ...], i: int, at: int, text: str, letters: str) -> int | None:
        """Where the alias whose atoms are `atoms`, matched from atom `i` at `at`, ends (with the first choice a
        regex would make at each optional part that lets it end), or None. `letters` is `text` as it is compared
        (lowercased when case is ignored)."""
        while i < len(atoms):
            kind, chars = atoms[i]
            i += 1
            if kind == LETTERS:
                if not letters.startswith(chars, at):
                    return None
                at += len(chars)
            elif kind == ONE_OF:
                if at == len(letters) or letters[at] not in chars:
                    return None
                at += 1
            elif kind == OPTIONAL:  # taken if it can be, else left out
                if text.startswith(chars, at):
                    end = self._match(atoms, i, at + 1, text, letters)
                    if end is not None:
                        return end
            elif kind == SEPARATORS:  # as many as there are (then fewer, if the next word may be empty)
                gaps = _GAP.match(text, at).end()
                for gap in range(gaps, at, -1) if chars else ():
                    end = self._match(atoms, i, gap, text, letters)
                    if end is not None:
                        return end
                at = at if chars else gaps
            elif kind == ARTICLE and letters.startswith(("al", "el"), at):  # "al" and a separator, "al", or none
                after = at + 2
                for start in ((after + 1, after) if text[after:after + 1].isspace() or text.startswith("-", after)
                              else (after,)):
                    end = self._match(atoms, i, start, text, letters)
                    if end is not None:
                        return end
        return at if self._ends(text, letters, at) else None

    def _alias_end(self, rank: int, text: str, letters: str, at: int) -> int | None:
        atoms = self.atoms.get(rank)
        if atoms is None:
            atoms = self.atoms[rank] = alias_atoms(self.aliases[rank])
        return self._match(atoms, 0, at, text, letters)

    def finditer(self, text: str) -> Iterator[tuple[int, int]]:
        """The spans of the names, without a trailing possessive."""
        if not self.heads:
            return
        letters = _lowered(text) if self.ignore_case else text
        end = 0
        for start in self.starts.finditer(text):
            at = start.start()
            if at < end:
                continue
            word = start.group(1)
            ranks = self._ranks_at(text, at, word)
            if self.ignore_case and word[:2].lower() in ARTICLES:  # "al-Amiri" for Amiri
                rest = at + 2 + (len(word) == 2 and at + 2 < len(text))  # and the separator after it
                ranks |= self._ranks_at(text, rest, _RUN.match(text, rest, rest + 2 * self.longest).group())
            for rank in sorted(ranks):  # the first alias in order that matches here
                found = self._alias_end(rank, text, letters, at)
                if found is not None:
                    yield at, found
                    end = found
                    break


_UPPER_WORD = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")


def _lowered(text: str) -> str:
    """The text lowercased letter by letter, so that offsets stay (one letter, "İ", lowercases to two)."""
    low = text.lower()
    return low if len(low) == len(text) else "".join(c.lower()[:1] for c in text)


def overlaps(start: int, end: int, spans: list[tuple[int, int]]) -> bool:
    return any(s < end and start < e for s, e in spans)
