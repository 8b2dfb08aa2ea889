"""A synthetic corpus for load and query benchmarks, as `cablegraph load` reads curated data.

Deterministic for a seed, and built from schema/model.yaml: entity families, kinds and tags, the
fact types and which families each allows at its ends, and who may claim a fact all come from the
model. Names are Arabic, Persian, Kurdish and English, with the transliteration variants and
shared aliases real sources have (Qassem / Qasim / Qassim, al-Amiri / Amiri, Abdul Mahdi /
Abdul-Mahdi; "Abu Ali" and "Oil Ministry" fit several entities, so they are never linked). The world
grows with the corpus, as an archive's does: people, organizations and operations come into the news
and leave it, a few hubs and every place stay (see `World`), so most entities' facts do not grow with
the corpus while the hubs' grow with it.

    .venv/bin/python -m bench.synthetic --docs 1000 --out /tmp/corpus [--seed 7] [--entities 2000]

writes

    OUT/corpus/entities.csv                       the catalogue
    OUT/corpus/docs/NNN/syn-NNNNNNN.txt            a document
    OUT/corpus/docs/NNN/syn-NNNNNNN.yaml           its metadata (the sidecar's document: section)
    OUT/corpus/docs/NNN/syn-NNNNNNN.facts.csv      its facts, each quoting a sentence of the text verbatim
    OUT/records.jsonl                              what the graph must hold: the catalogue's entities,
                                                   then per document its metadata, mentions and claims
    OUT/summary.json                               the counts, and what was asked for (the cache key)

Document i depends only on (seed, i, entities), so a corpus of 1,000 is the first 1,000 documents
of one of 10,000 (whose catalogue holds the smaller one's). Memory stays bounded but for the catalogue:
each document is written as soon as it is made.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import random
import shutil
import sys
import time
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from itertools import accumulate, product
from pathlib import Path

from loaders.aliases import normalize
from loaders.curated import claim_id
from schema.model import Model, RelType, load_model

VERSION = 3  # bump when the output changes, so cached corpora are made again
DEFAULT_SEED = 7
DEFAULT_ENTITIES = 2000  # the world at the first document
NEW_PER_DOC = 2  # entities that first appear with each document: 200,000 more by the 100,000th
NEW_SHARE = {"Person": 0.72, "Organization": 0.2, "Operation": 0.08}  # the places are all there from the start
HUBS = 0.01  # share of the founding people, organizations and operations that stay in the news throughout
HUB_DRAWS = 0.1  # share of a document's people, organizations and operations that are hubs
FACTS_PER_DOC = (6, 14)  # uniform: about 10 a document, a million for 100,000 documents
CAST_SIZE = (5, 9)  # entities a document is about
FILLERS_PER_FACT = (0, 1, 1, 2)  # sentences that state no fact between two that do
RESTATED = 0.2  # share of facts that restate a well-known one (Soleimani leads the Quds Force)
KNOWN_FACTS = 2  # well-known facts per perennial entity
MIDDLE_NAMES = {"arabic": (2, 4, 4), "persian": (5, 3, 2), "kurdish": (4, 4, 2), "english": (6, 4, 0)}  # 0, 1, 2
FAMILY_SHARE = {"Person": 0.6, "Organization": 0.2, "Location": 0.12, "Operation": 0.08}

# -- names -----------------------------------------------------------------------------------------
# Each tuple is one name in its spellings; the first is the canonical one.
ARABIC_FIRST = [
    ("Qassem", "Qasim", "Qassim"), ("Mohammed", "Muhammad", "Mohamed"), ("Hussein", "Husayn", "Hussain"),
    ("Ali",), ("Hadi",), ("Hassan", "Hasan"), ("Abbas",), ("Jafar", "Ja'far", "Jaafar"),
    ("Kadhim", "Kazim"), ("Mahmoud", "Mahmud"), ("Ahmed", "Ahmad"), ("Omar", "Umar"), ("Khalid", "Khaled"),
    ("Saad", "Sa'ad"), ("Nouri", "Nuri"), ("Haidar", "Haider", "Hayder"), ("Falih", "Faleh"), ("Qais", "Qays"),
    ("Akram",), ("Hamid", "Hameed"), ("Adil", "Adel"), ("Abdul Mahdi", "Abdul-Mahdi", "Abd al-Mahdi"),
    ("Abdul Aziz", "Abdul-Aziz", "Abd al-Aziz"), ("Abdul Karim", "Abdul-Karim"), ("Mustafa", "Mostafa"),
    ("Yusuf", "Yousef", "Youssef"), ("Ibrahim", "Ebrahim"), ("Muqtada",), ("Ammar",), ("Raed", "Ra'ed"),
    ("Walid", "Waleed"), ("Tariq", "Tareq"), ("Sami",), ("Faisal", "Faysal"), ("Jamal",), ("Karrar",),
]
ARABIC_LAST = [
    ("al-Maliki", "Maliki"), ("al-Amiri", "Amiri"), ("al-Muhandis", "Muhandis"), ("al-Sadr", "Sadr"),
    ("al-Hakim", "Hakim"), ("al-Khazali", "Khazali"), ("al-Fayyadh", "al-Fayadh"), ("al-Abadi", "Abadi"),
    ("al-Jubouri", "al-Juburi"), ("al-Dulaimi", "Dulaimi"), ("al-Obaidi", "al-Ubaidi"), ("al-Zubaidi", "Zubaidi"),
    ("al-Kaabi", "al-Ka'bi"), ("al-Hamdani",), ("al-Tamimi", "Tamimi"), ("al-Shammari",), ("al-Saadi", "al-Sa'adi"),
    ("al-Asadi", "Asadi"), ("al-Mohammedawi", "al-Muhammadawi"), ("al-Araji", "Araji"), ("al-Hashimi", "Hashimi"),
    ("al-Janabi", "Janabi"), ("al-Karbalai", "al-Karbala'i"), ("al-Basri", "Basri"), ("al-Tikriti", "Tikriti"),
    ("al-Rubaie", "al-Rubai'e"), ("al-Issawi", "al-Essawi"), ("al-Khafaji", "Khafaji"),
]
PERSIAN_FIRST = [
    ("Qassem", "Ghasem", "Qasem"), ("Hossein", "Hosein"), ("Mohsen",), ("Ali Akbar", "Aliakbar"), ("Reza",),
    ("Esmail", "Ismail", "Esmaeil"), ("Javad",), ("Mehdi", "Mahdi"), ("Gholamreza", "Gholam Reza"), ("Kamal",),
    ("Majid",), ("Saeed", "Said"), ("Iraj",), ("Mojtaba",), ("Ebrahim", "Ibrahim"), ("Yahya",), ("Hamid",),
    ("Mohammad Baqer", "Mohammad Bagher"), ("Abdolreza", "Abdol Reza"), ("Rostam", "Rustam"), ("Bahram",),
]
PERSIAN_LAST = [
    ("Soleimani", "Suleimani", "Sulaimani"), ("Qaani", "Ghaani", "Qa'ani"), ("Shamkhani",), ("Jafari", "Ja'fari"),
    ("Rezaei", "Rezaee"), ("Larijani",), ("Araghchi", "Araqchi"), ("Naqdi", "Naghdi"), ("Hejazi",),
    ("Hamedani",), ("Masjedi", "Masjidi"), ("Safavi",), ("Taeb", "Ta'eb"), ("Vahidi",), ("Alavi",),
    ("Mousavi", "Musavi", "Moussavi"), ("Hosseini", "Husseini"), ("Kazemi", "Kazimi"), ("Bagheri", "Baqeri"),
    ("Shirazi",), ("Tehrani",), ("Shahlaei", "Shahla'i"), ("Pourjamshidian",), ("Danaeifar", "Danaifar"),
]
KURDISH_FIRST = [
    ("Kosrat", "Kosret"), ("Barham",), ("Masoud", "Massoud", "Mas'ud"), ("Nechirvan", "Nechervan"), ("Hemin",),
    ("Shirwan", "Sherwan"), ("Karwan",), ("Dilshad",), ("Rebwar",), ("Aram",), ("Jalal",), ("Lahur", "Lahoor"),
    ("Bafel", "Pavel"), ("Qubad", "Qobad"), ("Hoshyar", "Hoshiyar"), ("Fuad", "Fouad"), ("Mala Bakhtiar",),
]
KURDISH_LAST = [
    ("Barzani",), ("Talabani", "Talebani"), ("Rasul", "Rasoul"), ("Zebari", "Zibari"), ("Hawrami", "Hewrami"),
    ("Sheikh Jangi", "Shaikh Jangi"), ("Haji Mahmoud", "Haji Mahmud"), ("Sinjari",), ("Goran",),
    ("Kakayi", "Kaka'i"), ("Ahmadzadeh",), ("Qadir", "Kadir"), ("Hawleri", "Hewleri"),
]
ENGLISH_FIRST = [("John",), ("Michael",), ("David",), ("James",), ("Robert",), ("Brett",), ("Stephen", "Steven"),
                 ("Thomas",), ("Richard",), ("Mark",), ("Lloyd",), ("Ryan",), ("Susan",), ("Emma",)]
ENGLISH_LAST = [("McGurk",), ("Petraeus",), ("Crocker",), ("Miller",), ("Walker",), ("Hayes",), ("Campbell",),
                ("Fletcher",), ("Harrington",), ("Donovan",), ("Whitaker",), ("Sullivan",), ("Brennan",)]
CULTURES = {  # first names, surnames, the tag it suggests, titles it uses
    "arabic": (ARABIC_FIRST, ARABIC_LAST, "iraqi", ["Sheikh", "Haj", "Sayyid"]),
    "persian": (PERSIAN_FIRST, PERSIAN_LAST, "iranian", ["Gen.", "Brig. Gen.", "Haj"]),
    "kurdish": (KURDISH_FIRST, KURDISH_LAST, "kurdish", ["Mam", "Kak"]),
    "english": (ENGLISH_FIRST, ENGLISH_LAST, "us", ["Ambassador", "Gen."]),
}
KUNYAS = ["Abu Ali", "Abu Hussein", "Abu Mahdi", "Abu Zainab", "Abu Fadak", "Abu Muntadhar", "Abu Karrar",
          "Abu Mustafa", "Abu Turab", "Abu Haidar", "Abu Azrael", "Abu Duraa"]  # shared: several people

PLACES = [
    ("Baghdad",), ("Basra", "Basrah"), ("Mosul",), ("Erbil", "Irbil", "Hawler"), ("Sulaimaniyah", "Sulaymaniyah",
    "Slemani"), ("Kirkuk",), ("Najaf",), ("Karbala", "Kerbala"), ("Tehran", "Teheran"), ("Qom", "Ghom"),
    ("Mashhad", "Meshed"), ("Halabja",), ("Tikrit",), ("Samarra",), ("Fallujah", "Falluja"), ("Ramadi",),
    ("Diyala",), ("Anbar",), ("Nineveh", "Ninawa"), ("Salahuddin", "Salah al-Din"), ("Amerli", "Amirli"),
    ("Jurf al-Sakhar", "Jurf al Sakhar"), ("Baiji", "Beiji"), ("Haditha",), ("Tuz Khurmatu", "Tuz Khormato"),
    ("Khanaqin",), ("Jalawla",), ("Sinjar", "Shingal"), ("Dohuk", "Duhok"), ("Zakho",), ("Ranya", "Raniya"),
    ("Penjwen", "Penjwin"), ("Qasr-e Shirin", "Qasr-i Shirin"), ("Kermanshah",), ("Ahvaz", "Ahwaz"),
    ("Damascus",), ("Aleppo", "Halab"), ("Beirut",), ("Amman",), ("Ankara",), ("Riyadh",), ("Kut",),
    ("Nasiriyah", "Nasiriya"), ("Amarah", "Amara"), ("Hilla", "Hillah"), ("Kufa",), ("Balad",), ("Dujail",),
]
VILLAGE_PREFIX = ["Tell", "Ain", "Qaryat", "Kani", "Deir", "Umm", "Jisr", "Qala", "Bir", "Hay", "Albu", "Sayed"]
VILLAGE_ROOT = ["al-Zahra", "Hamad", "Sabt", "al-Khadra", "Nasr", "Ibrahim", "al-Rashad", "Sarki", "Askar",
                "al-Dhahab", "Mahmoud", "al-Furat", "Dibis", "Jabbar", "al-Saray", "Rashid", "Aziz", "Muhsin",
                "al-Bayda", "Tahrir", "Khalil", "al-Nur", "Sadiq", "Hamdan"]
PLACE_KINDS = {"big": "city", "village": "town"}

MILITIA_HEAD = [("Kata'ib", "Kataib"), ("Saraya",), ("Liwa",), ("Harakat",)]
MILITIA_NAME = ["Hezbollah", "Sayyid al-Shuhada", "al-Imam Ali", "Ansar al-Marjaiya", "Jund al-Imam",
                "Abu al-Fadl al-Abbas", "al-Khorasani", "Ashura", "al-Salam", "al-Nujaba", "Imam al-Hussein",
                "al-Tafuf", "Ali al-Akbar", "Ahl al-Haq", "al-Mukhtar", "Rouh Allah", "Hamza", "al-Zahra",
                "al-Wa'd al-Sadiq", "al-Jihad", "al-Abdal", "Babiliyoun", "al-Shabak", "al-Turkmen"]
PARTY_ADJ = ["Kurdistan", "Islamic", "National", "Iraqi", "Socialist", "Democratic", "Patriotic", "Toilers",
             "Unity", "Reform", "Justice", "Wisdom", "Virtue", "Dawa", "Sovereignty", "Progress"]
PARTY_NOUN = ["Party", "Union", "Movement", "Front", "Alliance", "Coalition", "Council", "Bloc"]
UNITS = ["Brigade", "Battalion", "Regiment", "Division", "Emergency Battalion", "Police Regiment"]
BODIES = ["Provincial Council", "Operations Command", "Police Directorate", "Security Committee",
          "Intelligence Directorate", "Governorate", "Border Guard"]
MINISTRIES = ["Oil", "Interior", "Defense", "Finance", "Water Resources", "Foreign Affairs", "Intelligence",
              "Electricity", "Trade"]
STATES = [("Iraq", "Iraqi", "iraqi"), ("Iran", "Iranian", "iranian"), ("Syria", "Syrian", "syrian"),
          ("Turkey", "Turkish", "turkish")]
OUTLETS = ["Rudaw", "Al-Sumaria", "Al-Forat", "Kurdistan 24", "Al-Ahd", "Tasnim", "Fars", "Al-Mayadeen", "NRT",
           "Al-Etejah", "Afaq", "Al-Rasheed", "Dijlah", "Baghdad Today"]
OPERATION_WORDS = ["Ashura", "Dawn", "Labbayk", "Victory", "Path", "Thunder", "Dignity", "Resolve", "Harvest",
                   "Karbala", "Muharram", "Lightning", "Fortress", "Zulfiqar", "Sunrise", "Liberation", "Badr",
                   "Khaibar", "Fath", "Tariq"]
OPERATION_FORMS = [("Battle of {p}", "battle"), ("{p} offensive", "military_campaign"),
                   ("{p} meeting", "meeting"), ("{p} training course", "training"), ("{p} bombing", "attack"),
                   ("{p} visit", "visit"), ("{p} protests", "protest")]

# -- how facts are said -------------------------------------------------------------------------------
PHRASES = {  # a relationship type missing here is said with its own name ("s controls o")
    "MEMBER_OF": ["is a member of", "serves in", "works for"],
    "LEADS": ["leads", "heads", "commands"],
    "MET_WITH": ["met with", "held talks with", "met"],
    "SOURCE_FOR": ["passed information to", "reported to", "is an informant for"],
    "HANDLED_BY": ["is run by", "takes instructions from", "was tasked by"],
    "RECRUITED": ["recruited", "cultivated", "won over"],
    "TRAINED": ["trained", "gave training to", "instructed"],
    "FUNDED": ["paid", "financed", "gave money to"],
    "ARMED": ["supplied weapons to", "armed", "delivered rockets to"],
    "SUPPORTED": ["backed", "supported", "advised"],
    "ALLIED_WITH": ["cooperates with", "allied itself with", "coordinates with"],
    "OPPOSED": ["fought", "works against", "opposed"],
    "PART_OF": ["is part of", "is a branch of", "belongs to"],
    "PARTICIPATED_IN": ["took part in", "participated in", "joined"],
    "TARGETED": ["targeted", "attacked", "spied on"],
    "CONTROLS": ["controls", "holds", "runs"],
    "LOCATED_IN": ["is based in", "is located in", "operates from"],
    "VISITED": ["travelled to", "visited", "went to"],
    "RELATIVE_OF": ["is a relative of", "is the brother of", "is a cousin of"],
}
MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December"]
FILLER = [
    "The report gives no further detail on this point.",
    "Officers were asked to follow the matter closely.",
    "The station will send an update after the next contact.",
    "This information has not been confirmed by a second channel.",
    "The meeting lasted about two hours.",
    "Security on the road was poor that week.",
    "Further instructions are requested from headquarters.",
]
NAMED_FILLER = ["{e} was mentioned in passing.", "Nothing new was learned about {e}.",
                "The file on {e} was updated.", "A man who gave his name as {e} called the office.",
                "Officers visited {e}'s office.", "{e}s men were seen nearby."]  # possessives, one lost its '

CONFIDENCES = [1.0, 0.9, 0.8, 0.7, 0.6, 0.5]
PUBLISHERS = ["MOIS Baghdad station", "MOIS Erbil station", "MOIS Sulaimaniyah station", "MOIS Basra station"]
FACT_COLUMNS = ["subject", "predicate", "object", "quote", "date", "confidence", "claimed_by"]
ENTITY_COLUMNS = ["id", "name", "family", "kind", "tags", "aliases", "description"]


@dataclass
class Entity:
    id: str
    name: str
    family: str
    kind: str
    tags: list[str]
    aliases: list[str]  # every spelling in the catalogue, the name included
    titles: list[str] = field(default_factory=list)


@dataclass
class Summary:
    """What was generated; `summary.json` holds the same, and is the cache key (docs, seed, entities)."""

    docs: int
    seed: int
    entities: int  # at the first document
    catalogue: int = 0  # at the last: the catalogue's entities
    facts: int = 0
    mentions: int = 0  # (document, entity) pairs: MENTIONS relationships
    spans: int = 0  # name occurrences linked to an entity
    unlinked: int = 0  # occurrences of an alias several entities share: never linked
    characters: int = 0
    seconds: float = 0.0
    version: int = VERSION

    def matches(self, docs: int, seed: int, entities: int) -> bool:
        return (self.docs, self.seed, self.entities, self.version) == (docs, seed, entities, VERSION)


def corpus_dir(out: Path) -> Path:
    """The folder to give `cablegraph load`."""
    return out / "corpus"


def records_path(out: Path) -> Path:
    return out / "records.jsonl"


def doc_path(out: Path, i: int) -> Path:
    return corpus_dir(out) / "docs" / f"{i // 1000:03d}" / f"syn-{i:07d}.txt"


# -- the world -------------------------------------------------------------------------------------
class World:
    """The entities documents draw on: who exists when, how popular each is, which spellings are shared.

    `size` entities exist at the first document, and `NEW_PER_DOC` more appear with each document after it, so
    the catalogue grows with the corpus, as an archive's does. Each person, organization and operation is in the
    news for an era of `size / NEW_PER_DOC` documents (so about `size` are current at any time; the founding ones'
    eras end one after another over the first era) and a document's cast comes from the current ones. A few
    perennial entities stay current throughout: the most popular 1% of the founding people, organizations and
    operations (the hubs every report mentions) and every place."""

    def __init__(self, model: Model, size: int, seed: int):
        self.model = model
        rng = random.Random(f"world:{seed}")
        self.by_family: dict[str, list[Entity]] = {f: [] for f in model.families}
        self._keys: dict[str, set[str]] = {}  # normalised alias -> entity ids
        self._names: set[str] = set()
        self._ids: set[str] = set()
        self._founded = False
        self._makers = {"Person": self._person, "Organization": self._organization, "Location": self._location,
                        "Operation": self._operation}
        missing = set(model.families) - set(self._makers)
        if missing:
            raise SystemExit(f"schema/model.yaml: the generator has no names for families {sorted(missing)}")
        # places first: organisations and operations are named after them
        for family in sorted(model.families, key=lambda f: f != "Location"):
            want = max(1, round(size * FAMILY_SHARE[family]))
            for _ in range(want * 50):
                if len(self.by_family[family]) >= want:
                    break
                entity = self._makers[family](rng)
                if entity is not None:
                    self._add(entity)
        self._founded = True
        self.entities = sorted((e for es in self.by_family.values() for e in es), key=lambda e: e.id)
        self.era = size / NEW_PER_DOC
        popularity = random.Random(f"popularity:{seed}")
        self.perennial: dict[str, list[Entity]] = {}
        self.eras: dict[str, tuple[float, float]] = {}  # id -> the documents [from, to) it may be in; not perennials
        self.perennial_weights: dict[str, list[float]] = {}
        self._current: dict[str, tuple[list[float], list[Entity], list[float]]] = {}  # starts, entities, weights
        for family, members in self.by_family.items():
            members = list(members)
            popularity.shuffle(members)  # rank is popularity
            hubs = len(members) if family == "Location" else max(1, round(len(members) * HUBS))
            self.perennial[family] = members[:hubs]
            self.perennial_weights[family] = list(accumulate(1 / (rank + 5) for rank in range(hubs)))
            rest = members[hubs:][::-1]  # the founding ones' eras end one after another over the first era
            starts = [-self.era * j / len(rest) for j in reversed(range(len(rest)))]
            self._current[family] = (starts, rest, [self._popularity(popularity) for _ in rest])
            self.eras.update((e.id, (start, start + self.era)) for e, start in zip(rest, starts, strict=True))
        self.hubs = {e.id for f, es in self.perennial.items() if f != "Location" for e in es}
        self.families = [f for f in model.families if self.by_family[f]]
        self.family_weights = list(accumulate(FAMILY_SHARE[f] for f in self.families))
        self._later = random.Random(f"later:{seed}")
        self._grown = 0
        self._new_families = [f for f in NEW_SHARE if f in self.by_family]
        self._new_weights = list(accumulate(NEW_SHARE[f] for f in self._new_families))

    @staticmethod
    def _popularity(rng: random.Random) -> float:
        return 1 / (1 + 9 * rng.random())  # from 0.1 to 1: a draw picks the most popular ten times as often

    def grow(self, docs: int) -> None:
        """Make the entities that appear before document `docs`, in the order they appear (so a smaller
        corpus's world is the start of a larger one's)."""
        while self._grown < NEW_PER_DOC * docs:
            start = self._grown / NEW_PER_DOC
            for _ in range(100):
                family = self._later.choices(self._new_families, cum_weights=self._new_weights)[0]
                entity = self._makers[family](self._later)
                if entity is not None:
                    break
            else:
                raise SystemExit(f"the generator ran out of new names after {self._grown} entities")
            self._add(entity)
            self.entities.append(entity)
            starts, members, weights = self._current[family]
            self.eras[entity.id] = (start, start + self.era)
            starts.append(start)
            members.append(entity)
            weights.append(self._popularity(self._later))
            self._grown += 1

    def unique(self, alias: str) -> bool:
        """Whether the alias names one entity only (a shared one is never linked)."""
        return len(self._keys.get(normalize(alias), ())) == 1

    def _add(self, entity: Entity) -> None:
        self.by_family[entity.family].append(entity)
        self._ids.add(entity.id)
        self._names.add(normalize(entity.name))
        for alias in entity.aliases:
            self._keys.setdefault(normalize(alias), set()).add(entity.id)

    def _new(self, name: str, family: str, preferred_kind: str, tags: list[str], aliases: list[str],
             rng: random.Random, titles: list[str] | None = None) -> Entity | None:
        if normalize(name) in self._keys:
            return None  # one canonical spelling per entity
        aliases = [a for a in aliases if normalize(a) not in self._names]  # never another entity's full name
        if self._founded:  # nor a name only one other entity has: that one's mentions stay linked as the world grows
            aliases = [a for a in aliases if len(self._keys.get(normalize(a), ())) != 1]
        kinds = self.model.nodes[family].kinds
        kind = preferred_kind if preferred_kind in kinds else rng.choice(kinds)
        tags = [t for t in tags if t in self.model.tags]
        if rng.random() < 0.3:
            tags.append(rng.choice(sorted(self.model.tags)))
        slug = "-".join(filter(None, "".join(c if c.isalnum() else " " for c in name.lower()).split()))
        eid = slug if slug not in self._ids else f"{slug}-{len(self._ids)}"
        return Entity(id=eid, name=name, family=family, kind=kind, tags=sorted(set(tags)),
                      aliases=sorted(set(aliases) | {name}), titles=titles or [])

    def _person(self, rng: random.Random) -> Entity | None:
        culture = rng.choices(list(CULTURES), weights=[5, 4, 3, 1])[0]
        firsts, lasts, tag, titles = CULTURES[culture]
        first, last = rng.choice(firsts), rng.choice(lasts)
        middles = [rng.choice(firsts) for _ in range(rng.choices((0, 1, 2), weights=MIDDLE_NAMES[culture])[0])]
        name = " ".join([first[0], *(m[0] for m in middles), last[0]])
        spellings = sorted({f"{f} {s}" for f in first for s in last})  # the father's name dropped, if any
        if middles:
            spellings += sorted({" ".join(p) for p in product(first, *middles, last)})
        aliases = set(rng.sample(spellings, min(3, len(spellings))))
        aliases |= set(last)  # the surname alone: shared by many, so rarely linked
        kind = "militant" if culture == "arabic" and rng.random() < 0.4 else "person"
        if kind == "militant" and rng.random() < 0.5:
            aliases.add(rng.choice(KUNYAS))  # a kunya several men share
        return self._new(name, "Person", kind, [tag], sorted(aliases), rng, titles)

    def _organization(self, rng: random.Random) -> Entity | None:
        form = rng.random()
        if form < 0.3:  # a numbered unit of a command: "Basra 12th Brigade", "the 12th Brigade" in passing
            place, unit, n = rng.choice(self.by_family["Location"] or [None]), rng.choice(UNITS), rng.randint(1, 120)
            if place is None:
                return None
            numbered = f"{n}{'th' if 10 <= n % 100 < 20 else {1: 'st', 2: 'nd', 3: 'rd'}.get(n % 10, 'th')} {unit}"
            return self._new(f"{place.name} {numbered}", "Organization", "armed_force", ["iraqi"],
                             [f"{place.name} {numbered}", numbered], rng)
        if form < 0.45:
            head, body = rng.choice(MILITIA_HEAD), rng.choice(MILITIA_NAME)
            name = f"{head[0]} {body}"
            aliases = {f"{h} {body}" for h in head}
            aliases.add(acronym(name))
            return self._new(name, "Organization", "militia", ["militia", "shia"], sorted(aliases), rng)
        if form < 0.63:
            words = rng.sample(PARTY_ADJ, 2)
            name = f"{words[0]} {words[1]} {rng.choice(PARTY_NOUN)}"
            return self._new(name, "Organization", "political_party", [], [acronym(name)], rng)
        if form < 0.8:
            place = rng.choice(self.by_family["Location"] or [None])
            if place is None:
                return None
            body = rng.choice(BODIES)
            aliases = [f"{p} {body}" for p in place.aliases if " " not in p or p == place.name]
            return self._new(f"{place.name} {body}", "Organization", "government_body", ["iraqi"], aliases, rng)
        if form < 0.88:
            country, adjective, tag = rng.choice(STATES)
            ministry = rng.choice(MINISTRIES)
            name = f"{adjective} Ministry of {ministry}"
            aliases = [f"Ministry of {ministry}", f"{ministry} Ministry", f"{country}'s {ministry} Ministry"]
            return self._new(name, "Organization", "government_body", [tag], aliases, rng)  # shared across states
        outlet = rng.choice(OUTLETS)
        suffix = rng.choice(["", " TV", " News", " Agency"])
        return self._new(f"{outlet}{suffix}", "Organization", "news_outlet", ["media"], [outlet + suffix], rng)

    def _location(self, rng: random.Random) -> Entity | None:
        if len(self.by_family["Location"]) < len(PLACES):
            spellings = PLACES[len(self.by_family["Location"])]
            return self._new(spellings[0], "Location", PLACE_KINDS["big"], ["iraqi"], list(spellings), rng)
        prefix, root = rng.choice(VILLAGE_PREFIX), rng.choice(VILLAGE_ROOT)
        name = f"{prefix} {root}"
        aliases = {name, name.replace(" al-", " al ")}
        return self._new(name, "Location", PLACE_KINDS["village"], ["iraqi"], sorted(aliases), rng)

    def _operation(self, rng: random.Random) -> Entity | None:
        places = self.by_family["Location"]
        if rng.random() < 0.3 or not places:
            words = rng.sample(OPERATION_WORDS, 2)
            name = f"Operation {words[0]} {words[1]}"
            return self._new(name, "Operation", "covert_operation", [], [f"{words[0]} {words[1]} operation"], rng)
        form, kind = rng.choice(OPERATION_FORMS)
        place = rng.choice(places)
        year = rng.randint(2003, 2019)
        name = f"{year} {form.format(p=place.name)}"
        aliases = [f"{year} {form.format(p=p)}" for p in place.aliases]
        return self._new(name, "Operation", kind, [], aliases, rng)

    def draw(self, rng: random.Random, at: int, family: str | None = None) -> Entity:
        """An entity in the news at document `at`: a perennial one (every place; a hub one time in ten), else a
        current one, the popular ones more often."""
        if family is None:
            family = rng.choices(self.families, cum_weights=self.family_weights)[0]
        starts, members, weights = self._current[family]
        lo, hi = bisect_right(starts, at - self.era), bisect_right(starts, at)
        if hi == lo or rng.random() < HUB_DRAWS:
            return self.draw_perennial(rng, family)
        while True:
            k = rng.randrange(lo, hi)
            if rng.random() < weights[k]:
                return members[k]

    def draw_perennial(self, rng: random.Random, family: str) -> Entity:
        return rng.choices(self.perennial[family], cum_weights=self.perennial_weights[family])[0]


def acronym(name: str) -> str:
    """'Kata'ib Sayyid al-Shuhada' -> 'KSS': initials of the words that are not articles."""
    words = [w for w in name.replace("-", " ").split() if w.lower() not in ("al", "of", "the", "and")]
    return "".join(w[0].upper() for w in words if w[0].isalpha())


# -- documents -------------------------------------------------------------------------------------
@dataclass
class Fact:
    subject: str
    predicate: str
    object: str
    quote: str
    date: str | None
    confidence: float
    claimed_by: str | None


class DocumentMaker:
    def __init__(self, world: World, seed: int):
        self.world = world
        self.seed = seed
        model = world.model
        self.types = [model.relationships[t] for t in model.fact_types]
        self.claimants = sorted(model.relationships["CLAIMED_BY"].target) if "CLAIMED_BY" in model.relationships \
            else []
        self.doc_kinds = model.nodes["Document"].kinds
        self.memberships = set(model.membership_types)
        rng = random.Random(f"known:{seed}")
        self.known: list[tuple[RelType, Entity, Entity]] = []
        while len(self.known) < KNOWN_FACTS * sum(map(len, world.perennial.values())):
            rel = rng.choice(self.types)
            subject = world.draw_perennial(rng, rng.choice(sorted(f for f in rel.source if world.by_family.get(f))))
            obj = world.draw_perennial(rng, rng.choice(sorted(f for f in rel.target if world.by_family.get(f))))
            if subject is not obj:
                self.known.append((rel, subject, obj))
        self.known_weights = list(accumulate(1 / (rank + 20) for rank in range(len(self.known))))

    def make(self, i: int) -> tuple[str, dict, list[Fact], dict[str, list[tuple[int, int]]], int]:
        rng = random.Random(f"doc:{self.seed}:{i}")
        world = self.world
        cast = list({e.id: e for e in (world.draw(rng, i) for _ in range(rng.randint(*CAST_SIZE)))}.values())
        year = rng.randint(2008, 2019)
        body = _Body(world, rng)
        station = world.draw(rng, i, "Location")
        body.sentence("Report {n} from the {p} station, {m} {y}.", n=str(1000 + i % 9000), p=station,
                      m=rng.choice(MONTHS), y=str(year))
        facts: list[Fact] = []
        quotes: set[str] = set()
        for _ in range(rng.randint(*FACTS_PER_DOC)):
            fact = self._fact(rng, i, body, cast, year, quotes)
            if fact:
                facts.append(fact)
            for _ in range(rng.choice(FILLERS_PER_FACT)):
                body.filler(cast)
        text = body.finish()
        published = f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        metadata = {"title": f"Report {1000 + i % 9000} on {cast[0].name}", "published": published,
                    "kind": rng.choice(self.doc_kinds), "publisher": rng.choice(PUBLISHERS)}
        return text, metadata, facts, body.spans, body.unlinked

    def _fact(self, rng: random.Random, at: int, body: _Body, cast: list[Entity], year: int,
              quotes: set[str]) -> Fact | None:
        if rng.random() < RESTATED:  # a few facts are restated everywhere: their edges gather many claims
            rel, subject, obj = rng.choices(self.known, cum_weights=self.known_weights)[0]
            cast.extend((subject, obj))
        else:
            rel = rng.choice(self.types)
            subject = self._pick(rng, at, cast, rel.source)
            obj = self._pick(rng, at, cast, rel.target, avoid=subject)
            if rel.type in self.memberships and subject is not None and subject.id in self.world.hubs:
                return None  # a hub's memberships are well known: it does not join everything it is seen with
        if subject is None or obj is None:
            return None
        verb = rng.choice(PHRASES.get(rel.type, [rel.type.lower().replace("_", " ")]))
        date = None
        lead = rng.random()
        if lead < 0.3:
            month = rng.randint(1, 12)
            date = f"{year}-{month:02d}"
            prefix = f"In {MONTHS[month - 1]} {year}, "
        elif lead < 0.45:
            month, day = rng.randint(1, 12), rng.randint(1, 28)
            date = f"{year}-{month:02d}-{day:02d}"
            prefix = f"On {MONTHS[month - 1]} {day}, {year}, "
        elif lead < 0.55:
            prefix = "According to the report, "
        elif lead < 0.65:
            prefix = "The source said that "
        else:
            prefix = ""
        claimant = None
        slots = {"s": subject, "o": obj}
        tail = ""
        if self.claimants and rng.random() < 0.2:
            claimant = self._pick(rng, at, cast, frozenset(self.claimants), avoid=subject)
            if claimant is not None and claimant.id != obj.id:
                slots["c"] = claimant
                tail = ", according to {c}"
            else:
                claimant = None
        sentence = body.sentence(prefix + "{s} " + verb + " {o}" + tail + ".", **slots)
        if sentence in quotes:
            return None  # the same sentence twice would be the same claim twice
        quotes.add(sentence)
        return Fact(subject=subject.id, predicate=rel.type, object=obj.id, quote=sentence, date=date,
                    confidence=rng.choice(CONFIDENCES), claimed_by=claimant.id if claimant else None)

    def _pick(self, rng: random.Random, at: int, cast: list[Entity], families: frozenset[str],
              avoid: Entity | None = None) -> Entity | None:
        fitting = [e for e in cast if e.family in families and e is not avoid]
        if fitting and rng.random() < 0.8:
            return rng.choice(fitting)
        family = rng.choice(sorted(f for f in families if self.world.by_family.get(f)))
        for _ in range(5):
            entity = self.world.draw(rng, at, family)
            if entity is not avoid:
                cast.append(entity)
                return entity
        return None


class _Body:
    """Sentences in paragraphs; names placed through `sentence` are linked with their spans."""

    def __init__(self, world: World, rng: random.Random):
        self.world = world
        self.rng = rng
        self.parts: list[str] = []
        self.length = 0
        self.in_paragraph = 0
        self.spans: dict[str, list[tuple[int, int]]] = {}
        self.unlinked = 0

    def _add(self, text: str) -> None:
        self.parts.append(text)
        self.length += len(text)

    def _separator(self) -> None:
        if not self.parts:
            return
        if self.in_paragraph >= self.rng.randint(3, 5):
            self._add("\n\n")
            self.in_paragraph = 0
        else:
            self._add(" ")

    def sentence(self, template: str, **slots: str | Entity) -> str:
        """Write the sentence and return it as written. Entity slots become one of the entity's
        spellings, sometimes with a title, a hyphen for a space, or 'al-' dropped or added."""
        self._separator()
        self.in_paragraph += 1
        pieces = template.replace("{", "\0{").replace("}", "}\0").split("\0")
        start = self.length
        out: list[str] = []
        for piece in pieces:
            if piece.startswith("{") and piece.endswith("}"):
                value = slots[piece[1:-1]]
                if isinstance(value, Entity):
                    prefix, surface = self._spell(value)
                    at = start + sum(map(len, out)) + len(prefix)
                    if self.world.unique(surface):
                        self.spans.setdefault(value.id, []).append((at, at + len(surface)))
                    else:
                        self.unlinked += 1
                    piece = prefix + surface
                else:
                    piece = value
            out.append(piece)
        written = "".join(out)
        if written[0].islower():
            written = written[0].upper() + written[1:]
        self._add(written)
        return written

    def _spell(self, entity: Entity) -> tuple[str, str]:
        rng = self.rng
        linked = [a for a in entity.aliases if self.world.unique(a)] or [entity.name]
        shared = [a for a in entity.aliases if not self.world.unique(a)]
        surface = rng.choice(shared) if shared and rng.random() < 0.1 else rng.choice(linked)
        r = rng.random()
        if r < 0.1 and " " in surface and not surface.isupper() and "-" not in surface:
            surface = surface.replace(" ", "-", 1)  # Abdul Mahdi -> Abdul-Mahdi
        elif r < 0.2 and surface.startswith("al-") and " " not in surface:
            surface = surface[3:]  # al-Amiri -> Amiri
        elif r < 0.25 and entity.family != "Person" and not surface.startswith(("al-", "Al-")) \
                and " " not in surface and not surface.isupper():
            surface = "al-" + surface  # Basra -> al-Basra
        prefix = rng.choice(entity.titles) + " " if entity.titles and rng.random() < 0.2 else ""
        return prefix, surface

    def filler(self, cast: list[Entity]) -> None:
        if self.rng.random() < 0.5:
            self.sentence(self.rng.choice(FILLER))
        else:
            self.sentence(self.rng.choice(NAMED_FILLER), e=self.rng.choice(cast))

    def finish(self) -> str:
        return "".join(self.parts) + "\n"


# -- writing -------------------------------------------------------------------------------------
def _csv_line(rows: list[list[str]]) -> str:
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows(rows)
    return buffer.getvalue()


def generate(out: Path, docs: int, seed: int = DEFAULT_SEED, entities: int = DEFAULT_ENTITIES) -> Summary:
    """Write a corpus of `docs` documents to `out` (emptied first) and return what it holds."""
    started = time.perf_counter()
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    corpus_dir(out).mkdir(parents=True)
    model = load_model()
    world = World(model, entities, seed)
    world.grow(docs)
    summary = Summary(docs=docs, seed=seed, entities=entities, catalogue=len(world.entities))
    maker = DocumentMaker(world, seed)
    with records_path(out).open("w", encoding="utf-8") as records:
        _write_catalogue(out, world, records)
        for i in range(docs):
            text, metadata, facts, spans, unlinked = maker.make(i)
            path = doc_path(out, i)
            if i % 1000 == 0:
                path.parent.mkdir(parents=True, exist_ok=True)
            doc_id = path.stem
            path.write_text(text, encoding="utf-8")
            path.with_suffix(".yaml").write_text(_sidecar(metadata), encoding="utf-8")
            rows = [[f.subject, f.predicate, f.object, f.quote, f.date or "", str(f.confidence), f.claimed_by or ""]
                    for f in facts]
            path.with_name(doc_id + ".facts.csv").write_text(_csv_line([FACT_COLUMNS, *rows]), encoding="utf-8")
            claims = []
            for f in facts:
                start = text.find(f.quote)
                claims.append({
                    "id": claim_id(doc_id, f.predicate, f.subject, f.object, f.quote), "predicate": f.predicate,
                    "subject": f.subject, "object": f.object, "quote": f.quote, "start": start,
                    "end": start + len(f.quote), "confidence": f.confidence, "date": f.date,
                    "date_precision": _precision(f.date), "claimed_by": f.claimed_by, "method": "curated",
                })
            record = {"type": "document", "id": doc_id, "path": str(path.relative_to(out)), **metadata,
                      "sha256": hashlib.sha256(text.encode()).hexdigest(),
                      "mentions": sorted([e, sorted(s)] for e, s in spans.items()), "claims": claims}
            records.write(json.dumps(record, ensure_ascii=False) + "\n")
            summary.facts += len(facts)
            summary.mentions += len(spans)
            summary.spans += sum(map(len, spans.values()))
            summary.unlinked += unlinked
            summary.characters += len(text)
    summary.seconds = round(time.perf_counter() - started, 2)
    (out / "summary.json").write_text(json.dumps(asdict(summary), indent=2) + "\n")
    return summary


def cached(out: Path, docs: int, seed: int = DEFAULT_SEED, entities: int = DEFAULT_ENTITIES) -> Summary:
    """The corpus in `out` if it was made with these settings, else a freshly generated one."""
    found = Path(out) / "summary.json"
    if found.exists():
        summary = Summary(**json.loads(found.read_text()))
        if summary.matches(docs, seed, entities):
            return summary
    return generate(out, docs, seed, entities)


def read_records(out: Path) -> Iterator[dict]:
    """The records of `records.jsonl`, one at a time: the catalogue's entities, then the documents."""
    with records_path(out).open(encoding="utf-8") as f:
        for line in f:
            yield json.loads(line)


def _write_catalogue(out: Path, world: World, records: io.TextIOBase) -> None:
    rows = [[e.id, e.name, e.family, e.kind, "; ".join(e.tags), "; ".join(e.aliases), ""] for e in world.entities]
    (corpus_dir(out) / "entities.csv").write_text(_csv_line([ENTITY_COLUMNS, *rows]), encoding="utf-8")
    for e in world.entities:
        record = {"type": "entity", "id": e.id, "name": e.name, "family": e.family, "kind": e.kind,
                  "tags": e.tags, "aliases": e.aliases}
        records.write(json.dumps(record, ensure_ascii=False) + "\n")


def _sidecar(metadata: dict) -> str:
    lines = ["document:"] + [f"  {k}: {json.dumps(v, ensure_ascii=False)}" for k, v in metadata.items()]
    return "\n".join(lines) + "\n"


def _precision(date: str | None) -> str | None:
    return None if date is None else {4: "year", 7: "month", 10: "day"}[len(date)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, required=True, help="how many documents")
    parser.add_argument("--out", type=Path, required=True, help="folder to write (emptied first)")
    parser.add_argument("--seed", type=int, default=DEFAULT_SEED)
    parser.add_argument("--entities", type=int, default=DEFAULT_ENTITIES,
                        help=f"entities at the first document; {NEW_PER_DOC} more appear with each document")
    args = parser.parse_args(argv)
    summary = generate(args.out, args.docs, args.seed, args.entities)
    print(json.dumps(asdict(summary), indent=2))
    print(f"load it with: cablegraph load {corpus_dir(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
