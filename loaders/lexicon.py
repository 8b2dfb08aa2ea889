"""The words the relation patterns read (loaders.relations): role nouns, the verbs of each fact type and
what their objects and prepositions say, event and place nouns, pronouns, and the words that make a
statement unasserted (negation, modality, wishes and plans). Data only: the rules live in relations.
"""

from __future__ import annotations

import re

# Role nouns: "the head of X", "a member of X" (loaders.extract also reads a name followed by one as a person's)
LEADER_WORDS = ("head leader chief commander director founder co-founder chairman chairwoman secretary-general boss "
                "speaker president emir").split()
MEMBER_WORDS = ("member officer official operative agent fighter militant spokesman spokeswoman representative deputy "
                "adviser advisor envoy diplomat minister lawmaker politician employee ambassador secretary engineer "
                "captain major colonel general lieutenant sergeant soldier commando fellow analyst elder cleric judge "
                "trader activist delegate aide bodyguard figure veteran dealer businessman merchant smuggler "
                "wali researcher courier consul journalist correspondent").split()
SOURCE_WORDS = "source informant asset informer spy".split()
KIN_WORDS = ("son brother father cousin nephew niece uncle aunt wife husband daughter sister mother relative "
             "brother-in-law son-in-law").split()


def _alternatives(words: list[str]) -> str:
    return "(?:" + "|".join(sorted(words, key=len, reverse=True)) + ")"


KIN = _alternatives(KIN_WORDS)
LEAD_NOUN = _alternatives(LEADER_WORDS)
MEMBER_NOUN = _alternatives(MEMBER_WORDS) + "s?"
HEDGE = re.compile(r"\b(?:reportedly|allegedly|alleged|may have|might have|possibly|suspected|believed to|said to|"
                   r"rumou?red|apparently|unconfirmed)\b", re.IGNORECASE)
ATTRIBUTION_AFTER = re.compile(
    r"^(?:'s|s)?,?\s+(?:(?!which\b|who\b|that\b)\w+\s+){0,2}(?:said|says|told|tells|stated|states|reported|reports|"
    r"claimed|claims|"
    r"alleged|alleges|testified|admitted|confirmed|insisted|explained|wrote|added)\b",
    re.IGNORECASE,
)
ATTRIBUTION_BEFORE = re.compile(r"\b(?:according to|as told by|in the words of)\s+(?:the\s+)?$", re.IGNORECASE)
POSSESSIVE_GAP = re.compile(r"^(?:['’]s?|s)\s+$")  # "the Revolutionary Guards’ Quds Force"


# verb lemma -> ({"": predicates for its direct object, preposition: predicates for that object}, reversed):
# reversed when the fact is about the grammatical object ("A handled B" = B HANDLED_BY A)
LOC = ("LOCATED_IN",)
CONTROL = ("CONTROLS", "TARGETED")
FIGHT = ("OPPOSED", "TARGETED")  # an operation that drives a group out targets it


def _verbs(lemmas: str, slots: dict[str, tuple[str, ...]], reverse: bool = False) -> dict:
    return dict.fromkeys(lemmas.split(), (slots, reverse))


def _one_entry_each(*tables: dict) -> dict:
    """The tables as one, refusing a word listed twice (in a dict display the later entry would silently
    replace the earlier one)."""
    out: dict = {}
    for table in tables:
        if twice := out.keys() & table.keys():
            raise ValueError(f"listed twice in a table of loaders.lexicon: {sorted(twice)}")
        out.update(table)
    return out


VERBS: dict[str, tuple[dict[str, tuple[str, ...]], bool]] = _one_entry_each(
    _verbs("meet confer negotiate talk speak", {"": ("MET_WITH",), "with": ("MET_WITH",), "at": ("VISITED",)}),
    _verbs("receive host tell contact phone telephone persuade urge convince pressure question interrogate interview",
             {"": ("MET_WITH",)}),
    _verbs("discuss", {"with": ("MET_WITH",)}),
    _verbs("visit", {"": ("VISITED", "MET_WITH"), "in": ("VISITED",), "at": ("VISITED",)}),
    _verbs("tour", {"": ("VISITED",), "at": ("VISITED",), "in": ("VISITED",)}),
    _verbs("travel go fly come return drive slip cross", {"to": ("VISITED",), "into": ("VISITED",),
                                                            "in": ("VISITED",)}),
    _verbs("arrive", {"in": ("VISITED",), "at": ("VISITED",)}),
    _verbs("reach", {"": ("VISITED",)}),
    _verbs("spend", {"in": ("VISITED",), "around": ("VISITED",), "at": ("VISITED",)}),  # "spent days in X"
    _verbs("enter", {"": ("VISITED",)}),
    _verbs("introduce", {"to": ("MET_WITH",)}),
    _verbs("advance march", {"on": ("TARGETED",), "to": ("VISITED",), "into": ("VISITED",)}),
    _verbs("push move break", {"to": ("VISITED",), "into": ("VISITED",)}),  # "broke through to Amerli"
    _verbs("head", {"": ("LEADS",), "to": ("VISITED",), "into": ("VISITED",)}),  # "headed to Baghdad"
    _verbs("bet rely", {"on": ("ALLIED_WITH",)}),  # "the KDP has bet on Turkey"
    _verbs("include comprise", {"": ("PART_OF",)}, reverse=True),  # "a list that included Badr"
    _verbs("lead command run found direct chair form establish create", {"": ("LEADS",)}),
    _verbs("join", {"": ("MEMBER_OF", "PARTICIPATED_IN")}),
    _verbs("serve", {"in": ("MEMBER_OF",), "with": ("MEMBER_OF",), "for": ("MEMBER_OF",), "at": ("MEMBER_OF",)}),
    _verbs("work", {"in": ("MEMBER_OF",), "for": ("MEMBER_OF",), "at": ("MEMBER_OF",), "with": ("ALLIED_WITH",)}),
    _verbs("fight battle", {"": ("OPPOSED",), "against": ("OPPOSED",), "in": ("PARTICIPATED_IN",),
                              "for": ("MEMBER_OF",)}),
    _verbs("recruit cultivate enlist co-opt enroll enrol", {"": ("RECRUITED",)}),
    _verbs("handle task debrief", {"": ("HANDLED_BY",)}, reverse=True),
    _verbs("train", {"": ("TRAINED",)}),
    _verbs("fund finance pay bankroll", {"": ("FUNDED",)}),
    _verbs("arm equip", {"": ("ARMED",)}),
    _verbs("supply", {"": ("ARMED",), "to": ("ARMED",)}),
    _verbs("support back aid assist help advise sponsor protect", {"": ("SUPPORTED",)}),
    _verbs("oppose resist confront rival denounce condemn", {"": ("OPPOSED",)}),
    _verbs("clash", {"with": ("OPPOSED",)}),
    _verbs("attack target kidnap abduct kill assassinate bomb arrest detain ambush shell raid strike execute besiege "
             "pound hit encircle surround storm",
             {"": ("TARGETED",)}),
    _verbs("burn destroy torch loot raze demolish", {"in": ("TARGETED",)}),  # "burned houses in Albu Hassan"
    _verbs("capture seize overrun occupy", {"": CONTROL}),  # a place is held; a person or group is attacked
    _verbs("control hold secure", {"": ("CONTROLS",)}),
    _verbs("recapture retake liberate free", {"": CONTROL}),
    _verbs("take", {"": ("CONTROLS",), "in": ("PARTICIPATED_IN",), "of": ("CONTROLS",)}),  # "took Mosul", "part in"
    _verbs("inform brief tip", {"": ("SOURCE_FOR",)}),
    _verbs("report answer", {"to": ("HANDLED_BY",)}),
    _verbs("participate", {"in": ("PARTICIPATED_IN",)}),
    _verbs("attend", {"": ("PARTICIPATED_IN",)}),
    _verbs("base headquarter station locate shelter hide deploy live open lie keep sit retreat maintain",
             {"in": LOC, "near": LOC, "at": LOC, "into": LOC}),  # "keeps an office in X": for a body, not a country
    _verbs("cooperate ally align coordinate partner side", {"with": ("ALLIED_WITH",)}),
)
RETAKE = {"recapture", "retake", "liberate", "free"}
HANDLING = {"run", "direct"}  # who runs a body leads it; who runs a person handles them
CONTROL_VERBS = {"take", "capture", "seize", "overrun", "occupy", "wrest", "win"}  # "took X from Y": Y held X
LEMMA_GAPS = {"retook": "retake"}  # forms spaCy's lemmatizer leaves as they are
EXPEL = {"drive", "push", "expel", "oust", "evict", "chase", "force"}  # "drove X out of Y": X had held Y
DESIGNATE = {"list", "designate", "label", "brand", "declare", "name", "blacklist"}  # "... as a terrorist group"
# a light verb and an event noun state what a verb would: "held talks with", "carried out strikes against",
# "made a visit to", "played a part in" (the noun's lemma -> its preposition and the fact)
EVENT_OBJECTS: dict[str, tuple[set[str], tuple[str, ...]]] = _one_entry_each(
    dict.fromkeys(("talk", "talks", "meeting", "discussion", "negotiation", "conversation", "consultation",
                   "conference", "session", "interview"),
                  ({"with"}, ("MET_WITH",))),
    dict.fromkeys(("strike", "airstrike", "attack", "raid", "assault", "bombing", "offensive"),
                  ({"against", "on"}, ("TARGETED",))),
    dict.fromkeys(("visit", "trip", "journey"), ({"to"}, ("VISITED",))),
    dict.fromkeys(("part", "role"), ({"in"}, ("PARTICIPATED_IN",))),
    dict.fromkeys(("relationship", "relations", "ties", "links", "alliance", "partnership"),
                  ({"with", "to"}, ("ALLIED_WITH",))),  # "has a special relationship with"
    dict.fromkeys(("order", "orders", "instruction", "instructions", "direction", "directions", "guidance"),
                  ({"from"}, ("HANDLED_BY",))),  # "took his orders from"
    dict.fromkeys(("sanction", "sanctions", "embargo"), ({"on", "against"}, ("OPPOSED",))),  # "imposed sanctions on"
)
# a state a prepositional phrase puts its subject in: "in contact with X", "under the control of X" (held by X),
# "in Islamic State hands", "under the direction of X" (the noun -> preposition, its object's preposition,
# the fact, whether the fact is about the object)
STATES: dict[tuple[str, str], tuple[str, tuple[str, ...], bool]] = _one_entry_each(
    dict.fromkeys((("in", "contact"), ("in", "touch"), ("in", "talks"), ("in", "negotiations")),
                  ("with", ("MET_WITH",), False)),
    {("under", "control"): ("of", ("CONTROLS",), True), ("in", "hands"): ("", ("CONTROLS",), True)},
    dict.fromkeys((("under", "direction"), ("under", "orders"), ("under", "instructions"), ("on", "orders"),
                   ("on", "instructions"), ("at", "behest")),
                  ("of", ("HANDLED_BY",), False)),
)
# "gave the Special Groups millions of dollars", "delivered two consignments of rockets to the Peshmerga"
TRANSFER = {"send", "deliver", "ship", "smuggle", "give", "provide", "supply", "fly", "hand", "transfer", "pay",
            "channel", "funnel"}
WEAPON_NOUNS = {"weapon", "arm", "rocket", "missile", "ammunition", "explosive", "gun", "rifle", "mortar", "drone",
                "equipment", "penetrator", "launcher", "munition"}
TRAINING_NOUNS = {"training", "instruction"}
# "receive weapons, training and money from the Quds Force": what the giver gave (armed, trained, funded)
RECEIVE = {"receive", "get", "obtain", "accept"}
MONEY_NOUNS = {"money", "dollar", "fund", "funding", "payment", "cash", "salary", "stipend", "euro", "toman", "rial",
               "million", "billion"}
# "the quarrel between X and Y": each opposes the other
CONFLICT_NOUNS = {"quarrel", "dispute", "feud", "rivalry", "conflict", "clash", "fighting", "war", "enmity",
                  "hostility"}
BUDGET_NOUNS = {"budget", "coffers", "treasury", "payroll"}  # "paid from the PMF budget": by the PMF
# "together with X", "along with X", "alongside X": X does what the subject does
COMITATIVE = {"together", "along"}
COOPERATION = {"fight", "battle", "operate", "advance", "work", "serve"}  # "fought alongside X": allies
LIGHT = {"make", "conduct", "carry", "launch", "stage", "hold", "mount", "plan", "organize", "organise", "execute",
         "perform", "undertake", "pay"}  # "made a condolence visit", "planned the raid": took part in it
SEND = {"send", "dispatch", "deploy"}
SUCCEED = {"succeed", "replace"}  # "succeeded X as commander of Y": the subject holds the role, as X did
BALANCE = {"balance", "pit", "play", "weigh", "hedge", "warn", "vote"}  # "balanced the KDP against the PUK"
# what one side does to another, named as a noun: "the Islamic State siege of Amerli", "attacks on X by Y"
# (the noun -> the prepositions that name its target)
ATTACKS = {**dict.fromkeys(("siege", "blockade", "encirclement", "shelling", "bombing", "bombardment", "invasion",
                            "occupation"), {"of", "on", "against"}),
           **dict.fromkeys(("attack", "assault", "raid", "strike", "airstrike", "ambush", "offensive", "abuse",
                            "reprisal", "crackdown"), {"on", "against"})}
LIFT = {"break", "end", "lift", "relieve"}  # "broke the siege": fought the besiegers
ARRIVING = {"arrive", "travel", "go", "fly", "come", "return", "drive", "slip", "cross"}
HOLDING = {"open", "keep", "maintain"}  # what is kept somewhere is there, not its keeper
KEEPING = HOLDING | {"have", "run"}  # "AAH and KH both have offices in Basra": the offices are theirs
REPORTING = {"report"}  # an informant who reports to X is X's source; an officer who does is handled by X
PLACE_NOUNS = {"town", "city", "village", "district", "province", "region", "area", "governorate", "capital",
               "quarter", "neighbourhood", "neighborhood", "suburb"}
PLACE_WORD = _alternatives(sorted(PLACE_NOUNS))  # for loaders.extract: "X, a town in ..." is a place
UNIT_NOUNS = {"unit", "branch", "wing", "arm", "division", "department", "directorate", "subsidiary", "faction",
              "brigade", "cell", "service"}
OFFICES = {"governor", "mayor", "resident"}  # of a place: the holder is there (no type links him to it otherwise)
# a role noun -> (what it says of its holder and the entity it is a role of, reversed: said of that entity)
ROLE_WORDS: dict[str, tuple[tuple[str, ...], bool]] = _one_entry_each(
    dict.fromkeys(LEADER_WORDS, (("LEADS",), False)),
    dict.fromkeys(MEMBER_WORDS, (("MEMBER_OF",), False)),
    dict.fromkeys(SOURCE_WORDS, (("SOURCE_FOR",), False)),
    dict.fromkeys(KIN_WORDS, (("RELATIVE_OF",), False)),
    dict.fromkeys(("ally", "partner", "friend", "associate", "confidant"), (("ALLIED_WITH",), False)),
    dict.fromkeys(("rival", "enemy", "foe", "opponent", "adversary", "critic"), (("OPPOSED",), False)),
    dict.fromkeys(UNIT_NOUNS, (("PART_OF",), False)),
    {"handler": (("HANDLED_BY",), True)},
    dict.fromkeys(OFFICES, ((), False)),
)
HANDLER = ROLE_WORDS["handler"]
TIES = {("RELATIVE_OF",), ("ALLIED_WITH",), ("OPPOSED",)}  # unlike posts, these are held nowhere
RESPONSIBLE = {"responsible"}  # "the case officer responsible for Source 2 at the station"
SUBORDINATE = {"deputy", "vice", "assistant"}  # "the deputy head of X" is a member, not its leader
ROLE_PREPS = {"of", "for", "at", "with", "within", "inside", "in", "to", "from"}
TIE_PREPS = {"of", "to", "for"}  # "an ally of X", "a rival to X": a tie, not a post, has no place
SITE_WORDS = {"base", "camp", "station", "airport", "prison", "facility", "checkpoint", "centre", "center",
              "headquarters", "garrison", "post", "hotel", "compound"}
# adjectives and adverbs that relate what they describe to their prepositional object: "loyal to", "closer to"
STANCES = {"loyal": "ALLIED_WITH", "close": "ALLIED_WITH", "closer": "ALLIED_WITH", "closest": "ALLIED_WITH",
           "allied": "ALLIED_WITH", "friendly": "ALLIED_WITH", "hostile": "OPPOSED"}
GROUP_NOUNS = {"delegation", "delegations", "members", "officials", "officers", "representatives", "commanders",
               "fighters", "leaders", "leadership", "envoy", "envoys", "agents", "units", "forces", "men", "office",
               "team", "teams", "cell", "unit", "detail",
               "troops", "soldiers", "militiamen", "militants", "gunmen", "jets", "aircraft", "warplanes", "tens",
               "thousands", "hundreds", "dozens", "families", "supporters", "spies", "operatives", "advisers",
               "commands", "services", "branches", "wings", "cells"}
# a group that travels is where it met someone, not where it is based
MOBILE = {"delegation", "delegations", "envoy", "envoys", "team", "teams"}
# a place someone keeps: its owner, not the place its name starts with ("the Makhmour refugee camp")
# "offices of the KDPI", "the IRGC garrison in Marivan": where a body is, and the body a strike on them hits
BODY_SITES = {"office", "offices", "headquarters", "camp", "camps", "garrison", "garrisons", "base", "bases"}
FACILITY_NOUNS = BODY_SITES | {"residence", "house", "home"}
# whoever commands "Peshmerga units" or "JAM fighters" serves in that force; they do not lead it
PARTITIVE = {"units", "fighters", "forces", "men", "troops", "soldiers", "militiamen", "cells", "commands"}
# "on the outskirts of Tehran", "in the north of the city": where a part of a place is, the place is
SPATIAL_NOUNS = {"outskirts", "edge", "edges", "north", "south", "east", "west", "centre", "center", "heart",
                 "suburbs", "part", "parts"}
DIRECTIONS = {"north", "south", "east", "west"}  # "the north of X" is in X; "north of X" is not
PRONOUNS = {"he", "she", "him", "her", "his", "they", "them", "their", "it", "its"}
GROUP_PRONOUNS = {"they", "them", "their", "it", "its"}
FIRST_PERSON = {"i", "me", "my", "myself"}  # the byline's author, outside quotation marks
REPORTED_PRONOUNS = {"he", "him", "she"}  # "DQ said that he crossed ...": the speaker
SPEECH = {"say", "tell", "state", "report", "claim", "add", "admit", "confirm", "insist", "explain", "testify",
          "acknowledge", "estimate", "deny", "describe", "allege", "assert", "note", "write", "stress", "recall"}
PERCEPTION = {"show", "see", "film", "photograph", "watch", "picture", "spot", "observe", "catch"}
OBJECT_CONTROL = {"thank", "accuse", "praise", "blame", "credit", "criticize", "criticise", "condemn", "punish",
                  "congratulate", "reward", "fault", "charge", "suspect"}  # "accused X of burning ...": X burned
# verbs whose subject asserts what their clause or object says ("He named X as the commander in Basra")
ATTRIBUTING = SPEECH | {"describe", "name", "identify", "thank", "complain", "assess", "announce", "reveal",
                        "disclose", "warn", "accuse", "stress", "emphasize", "argue", "maintain"}
# recommended, planned or only possible ("may have met" is a hedge: the sentence says it may have happened)
MODALS = {"should", "would", "could", "must", "shall", "will", "'ll", "ought", "can", "may", "might"}
# "planned to visit", "wished to consult", "promised to rein in": what they want is not what happened
IRREALIS = {"plan", "want", "wish", "hope", "intend", "promise", "seek", "try", "attempt", "aim", "expect", "ask",
            "urge", "request", "offer", "propose", "threaten", "refuse", "fail", "decline", "need", "prepare", "vow",
            "pledge", "agree", "decide", "able", "unable", "demand", "insist", "recommend", "suggest"}
CONDITIONS = {"if", "unless"}  # "would respond if the militias entered Tal Afar": they have not
RELATIVE = {"who", "whom", "whose", "which", "that"}
PERSONAL_RELATIVE = {"who", "whom", "whose"}
# What a definite description ("the station", "the operation", "the town", "the general") can call an entity
# the text named before: the last word of its name, the title before it, the event an operation is,
# or any noun an apposition gave it ("Amerli, a farming town"; "The detainee, Qais al-Khazali").
NAME_CLASSES = {"party", "organization", "organisation", "movement", "front", "brigade", "army", "council", "union",
                "group", "ministry", "agency", "corps", "committee", "coalition", "alliance", "league", "militia",
                "directorate", "office", "government", "police", "guard", "station", "command", "institute",
                "company", "service", "network", "channel", "force", "camp", "base", "hotel", "airport", "prison",
                "center", "centre", "mountain", "river", "crossing", "zone"} | PLACE_NOUNS
EVENT_NOUNS = {"operation", "offensive", "battle", "raid", "attack", "siege", "campaign", "meeting", "visit",
               "conference", "election", "referendum", "war", "talks", "assault", "strike", "kidnapping", "bombing",
               "ambush", "leak", "trip"}
TITLE_CLASSES = {"gen": "general", "general": "general", "maj": "major", "major": "major", "col": "colonel",
                 "colonel": "colonel", "brig": "brigadier", "brigadier": "brigadier", "sheikh": "sheikh",
                 "minister": "minister", "ambassador": "ambassador", "president": "president", "dr": "doctor",
                 "ayatollah": "ayatollah", "source": "source"}
# "the Badr militia" is Badr itself ("the UN refugee agency" is another body)
SELF_NOUNS = {"militia", "group", "party", "movement", "organization", "organisation", "leadership"}
# "the group", "the organization": a body the text has named (not "the party": a person's, as often as not)
BODY_NOUNS = {"group", "organization", "organisation", "militia", "movement", "network"}
DEFINITE = {"the", "this", "that"}  # and a possessive pronoun: "his party"
