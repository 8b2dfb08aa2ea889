"""Typed facts from sentences (spaCy's small English model; no database)."""

from pathlib import Path

import pytest

from loaders.boilerplate import noise_spans
from loaders.curated import read_catalogue
from loaders.extract import extract
from loaders.resolve import Resolver

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def resolver(model) -> Resolver:
    return Resolver.build((e.id, e.family, e.aliases) for e in read_catalogue(SEEDS / "entities.yaml", model))


def facts(resolver, model, text: str) -> dict[tuple[str, str, str], object]:
    out = extract("t", text, noise_spans(text, []), resolver, model)
    return {(c.subject, c.predicate, c.object): c for c in out.claims}


@pytest.mark.parametrize(
    "text, fact",
    [
        ("On December 7, 2014, MOIS officers met with Kaka Hama in Halabja.",
         ("mois", "MET_WITH", "mohammed-haji-mahmoud")),
        ("The head of the KSDP, Mohammed Haji Mahmoud, spoke.", ("mohammed-haji-mahmoud", "LEADS", "ksdp")),
        ("Abu Mahdi al-Muhandis, the commander of Kataib Hezbollah, arrived.",
         ("abu-mahdi-al-muhandis", "LEADS", "kataib-hezbollah")),
        ("Asaib Ahl al-Haq was trained by the Quds Force.", ("quds-force", "TRAINED", "asaib-ahl-al-haq")),
        ("The Iranian-backed Badr Organization fought ISIS.", ("badr-organization", "OPPOSED", "isis")),
        ("Iran supplied the Peshmerga with rockets.", ("iran", "ARMED", "peshmerga")),
        ("Qasim Sulaimani travelled to Baghdad.", ("qassem-soleimani", "VISITED", "baghdad")),
        ("The Peshmerga recaptured the town of Makhmour.", ("peshmerga", "CONTROLS", "makhmour")),
        ("Khazali stated that he traveled to Tehran and met Soleimani there.",
         ("qayis-khazali", "MET_WITH", "qassem-soleimani")),
        ("Source 1 is a cousin of Kaka Hama.", ("t-source-1", "RELATIVE_OF", "mohammed-haji-mahmoud")),
        ("Source 1 has been handled by the MOIS since June 2014.", ("t-source-1", "HANDLED_BY", "mois")),
        ("Shamkhani, who leads the Supreme National Security Council, met Adil Abdul-Mahdi.",
         ("ali-shamkhani", "MET_WITH", "adil-abdul-mahdi")),
    ],
)
def test_patterns_find_the_fact(resolver, model, text, fact):
    found = facts(resolver, model, text)
    assert fact in found, sorted(found)
    claim = found[fact]
    assert text[claim.start:claim.end] == claim.quote and claim.method == "pattern"


def test_a_hedge_lowers_confidence(resolver, model):
    found = facts(resolver, model, "Khazali may have met Soleimani.")
    assert found[("qayis-khazali", "MET_WITH", "qassem-soleimani")].confidence < 0.75


def test_dates_hedges_attribution_and_negation(resolver, model):
    text = "According to Khazali, the Quds Force reportedly funded Asaib Ahl al-Haq in March 2007."
    found = facts(resolver, model, text)
    claim = found[("quds-force", "FUNDED", "asaib-ahl-al-haq")]
    assert (claim.date, claim.date_precision) == ("2007-03", "month")
    assert claim.claimed_by == "qayis-khazali" and claim.confidence < 0.75
    assert not facts(resolver, model, "The MOIS did not meet Kaka Hama.")


def test_the_model_decides_which_endpoints_a_type_allows(resolver, model):
    found = facts(resolver, model, "Baghdad met with Erbil.")  # places do not meet
    assert not any(p == "MET_WITH" for _, p, _ in found)


def test_role_nouns_and_pronouns(resolver, model):
    text = ("The detainee, Qayis Khazali, was questioned. The detainee stated that he formed the Special Groups "
            "in 2005.")
    assert ("qayis-khazali", "LEADS", "special-groups") in facts(resolver, model, text)


# Each rule of the clause reader, on small invented sentences through the real spaCy model.
@pytest.mark.parametrize(
    "text, fact",
    [
        # role nouns: apposition, copula, "as", titles; possessive, compound and prepositional anchors
        ("Muhandis, the founder of the Popular Mobilization Forces, spoke.",
         ("abu-mahdi-al-muhandis", "LEADS", "popular-mobilization-forces")),
        ("Muhandis is the chief of the Popular Mobilization Forces.",
         ("abu-mahdi-al-muhandis", "LEADS", "popular-mobilization-forces")),
        ("Officials described Soleimani as the commander of the Quds Force.",
         ("qassem-soleimani", "LEADS", "quds-force")),
        ("Farhad Zamani, a Quds Force officer, arrived.", ("farhad-zamani", "MEMBER_OF", "quds-force")),
        ("The ministry sent an MOIS officer known as Hajj Karim.", ("hajj-karim", "MEMBER_OF", "mois")),
        ("Muhandis, the Quds Force's deputy commander and the founder of the Popular Mobilization Forces, spoke.",
         ("abu-mahdi-al-muhandis", "LEADS", "popular-mobilization-forces")),
        ("Muhandis, the Quds Force's deputy commander and the founder of the Popular Mobilization Forces, spoke.",
         ("abu-mahdi-al-muhandis", "MEMBER_OF", "quds-force")),
        ("He named Abu Zaid as the Mahdi Army commander in Basra.", ("abu-zaid", "MEMBER_OF", "mahdi-army")),
        ("He named Abu Zaid as the Mahdi Army commander in Basra.", ("abu-zaid", "LOCATED_IN", "basra")),
        ("Brother Karim, the case officer responsible for Source 3 at the MOIS, left.",
         ("t-source-3", "HANDLED_BY", "brother-karim")),
        ("Brother Karim, the case officer responsible for Source 3 at the MOIS, left.",
         ("brother-karim", "MEMBER_OF", "mois")),
        ("Analysts regard Muhandis as Soleimani's closest ally.",
         ("abu-mahdi-al-muhandis", "ALLIED_WITH", "qassem-soleimani")),
        ("The Nasr Corps, a Quds Force unit responsible for Syria, grew.", ("nasr-corps", "PART_OF", "quds-force")),
        ("The Special Groups were cells within the Mahdi Army.", ("special-groups", "PART_OF", "mahdi-army")),
        ("Source 1 is a captain in the Peshmerga.", ("t-source-1", "MEMBER_OF", "peshmerga")),
        ("Rebwar Aziz of the MOIS met Kaka Hama.", ("rebwar-aziz", "MEMBER_OF", "mois")),
        ("The KSDP of Kaka Hama has grown.", ("mohammed-haji-mahmoud", "LEADS", "ksdp")),
        # stances: adjectives and adverbs with a prepositional object
        ("Muhandis, a commander loyal to Soleimani, spoke.",
         ("abu-mahdi-al-muhandis", "ALLIED_WITH", "qassem-soleimani")),
        ("Kaka Hama said the Kurdistan Democratic Party is moving closer to Turkey.", ("kdp", "ALLIED_WITH", "turkey")),
        # relative pronouns in any role
        ("Makhmour, which the Islamic State held for a month, fell.", ("isis", "CONTROLS", "makhmour")),
        ("Sheikh Faris, whose fighters battled ISIS, asked for weapons.", ("sheikh-faris", "OPPOSED", "isis")),
        # pronouns: 'they' is a group; a reported 'he' is the speaker; the next sentence's 'he' the main subject
        ("The Quds Force trained the Mahdi Army and armed them.", ("quds-force", "ARMED", "mahdi-army")),
        ("Khazali told his interrogators that Muhandis had met him in Tehran.",
         ("abu-mahdi-al-muhandis", "MET_WITH", "qayis-khazali")),
        ("Khazali met Muhandis in Baghdad. He later visited Tehran.", ("qayis-khazali", "VISITED", "tehran")),
        # the subject that names a person is the next sentence's 'he', whichever subject the parser put first
        ("A Shia Arab from Basra, Muhandis commanded a brigade in the war. He later visited Tehran.",
         ("abu-mahdi-al-muhandis", "VISITED", "tehran")),
        # 'the group' is the body named last; 'the militants' the body whose militants the text named
        ("Asaib Ahl al-Haq denied the charge, said Karim Baqiri, a spokesman for the group.",
         ("karim-baqiri", "MEMBER_OF", "asaib-ahl-al-haq")),
        ("Islamic State militants shelled Erbil. The Peshmerga drove the militants out of Makhmour.",
         ("peshmerga", "OPPOSED", "isis")),
        # 'his fighters' are those of the body the text said he leads
        ("Muhandis founded Kataib Hezbollah in 2003. Years later his fighters took Tikrit.",
         ("kataib-hezbollah", "CONTROLS", "tikrit")),
        # definite descriptions refer back to what the text last called that
        ("The Jurf al-Sakhar operation began in October. Asaib Ahl al-Haq fought in the operation.",
         ("asaib-ahl-al-haq", "PARTICIPATED_IN", "battle-of-jurf-al-sakhar")),
        ("Nasrin, a quiet town, sits in Iraq. The Peshmerga took the town in May.",
         ("peshmerga", "CONTROLS", "nasrin")),
        # light verbs and event nouns
        ("Soleimani held talks with Kaka Hama.", ("qassem-soleimani", "MET_WITH", "mohammed-haji-mahmoud")),
        ("The United States carried out strikes against ISIS.", ("united-states", "TARGETED", "isis")),
        ("Shamkhani paid a visit to Baghdad.", ("ali-shamkhani", "VISITED", "baghdad")),
        ("Abdul-Mahdi has close ties with Iran.", ("adil-abdul-mahdi", "ALLIED_WITH", "iran")),
        ("Khazali took his orders from Soleimani.", ("qayis-khazali", "HANDLED_BY", "qassem-soleimani")),
        ("Muhandis planned the Jurf al-Sakhar operation.",
         ("abu-mahdi-al-muhandis", "PARTICIPATED_IN", "battle-of-jurf-al-sakhar")),
        # transfers, sending, designation, expulsion
        ("Iran delivered two shipments of rockets to the Peshmerga.", ("iran", "ARMED", "peshmerga")),
        ("The Quds Force gave the Mahdi Army millions of dollars.", ("quds-force", "FUNDED", "mahdi-army")),
        ("Hezbollah sent Daqduq to Tehran.", ("ali-musa-daqduq", "VISITED", "tehran")),
        ("Washington designated the Mahdi Army a terrorist organization.", ("united-states", "OPPOSED", "mahdi-army")),
        ("The Peshmerga drove ISIS fighters out of Makhmour.", ("peshmerga", "OPPOSED", "isis")),
        ("The Peshmerga drove ISIS fighters out of Makhmour.", ("isis", "CONTROLS", "makhmour")),
        ("Tikrit was retaken from ISIS in March.", ("isis", "CONTROLS", "tikrit")),
        # comitatives, fighting side by side, agents of raids
        ("Khazali was arrested by the Peshmerga together with Muhandis.",
         ("peshmerga", "TARGETED", "abu-mahdi-al-muhandis")),
        ("The Mahdi Army fought alongside the Peshmerga against ISIS.", ("mahdi-army", "ALLIED_WITH", "peshmerga")),
        ("The Mahdi Army fought alongside the Peshmerga against ISIS.", ("peshmerga", "OPPOSED", "isis")),
        ("Khazali was captured during a raid by British commandos.",
         ("british-commandos", "TARGETED", "qayis-khazali")),
        # states, places, informants, verbs of presence
        ("Abu Hafs has been in contact with the Kurdistan Democratic Party.", ("abu-hafs", "MET_WITH", "kdp")),
        ("Mosul remains under the control of ISIS.", ("isis", "CONTROLS", "mosul")),
        ("The Kurdistan Democratic Party office in Erbil was closed.", ("kdp", "LOCATED_IN", "erbil")),
        ("Iran asked for the names of Peshmerga commanders in Makhmour.", ("peshmerga", "LOCATED_IN", "makhmour")),
        ("Source 2 reported to Brother Rahmani every week.", ("t-source-2", "SOURCE_FOR", "brother-rahmani")),
        ("Daqduq reported to Soleimani.", ("ali-musa-daqduq", "HANDLED_BY", "qassem-soleimani")),
        ("Soleimani spent three days in Tikrit.", ("qassem-soleimani", "VISITED", "tikrit")),
        ("Daqduq was introduced to Khazali.", ("ali-musa-daqduq", "MET_WITH", "qayis-khazali")),
        ("Makhmour, in Erbil province, fell.", ("makhmour", "PART_OF", "erbil")),
        ("Srud Salih, the commander of the Black Tiger base, spoke.", ("srud-salih", "LOCATED_IN", "black-tiger-base")),
        ("Hezbollah secretary general Hassan Nasrallah spoke.", ("hassan-nasrallah", "LEADS", "hezbollah")),
        ("Khazali would later visit Tehran.", ("qayis-khazali", "VISITED", "tehran")),
        ("Photographs showed Soleimani touring the front line at Tikrit.", ("qassem-soleimani", "VISITED", "tikrit")),
        ("Soleimani spent much of the next three years in Iraq.", ("qassem-soleimani", "VISITED", "iraq")),
        ("Muhandis arrived at the Kataib Hezbollah headquarters in Baghdad.",
         ("abu-mahdi-al-muhandis", "VISITED", "baghdad")),
        ("The Peshmerga launched Operation Roaring Lion in May. Asaib Ahl al-Haq fought in the operation.",
         ("asaib-ahl-al-haq", "PARTICIPATED_IN", "operation-roaring-lion")),
        ("The Peshmerga broke through to Makhmour on Sunday.", ("peshmerga", "VISITED", "makhmour")),
        ("The Kurdistan Democratic Party has bet on Turkey.", ("kdp", "ALLIED_WITH", "turkey")),
        ("Shamkhani spoke at a press conference with Muhandis.",
         ("ali-shamkhani", "MET_WITH", "abu-mahdi-al-muhandis")),
        ("Farhad Zamani, a senior Iraqi army officer, arrived.", ("farhad-zamani", "MEMBER_OF", "iraqi-army")),
        ("The Mahdi Army and the Peshmerga fought side by side against ISIS.", ("mahdi-army", "OPPOSED", "isis")),
        # 'it' is the body that says it, 'they' the body whose clause they continue
        ("The Pentagon said it had carried out strikes against ISIS.", ("pentagon", "TARGETED", "isis")),
        ("The Peshmerga drove ISIS out of Makhmour, and they now hold Tikrit.", ("peshmerga", "CONTROLS", "tikrit")),
        # who does what a gerund says: the object of 'thank X for', else the subject
        ("Kaka Hama thanked Iran for supporting the Peshmerga.", ("iran", "SUPPORTED", "peshmerga")),
        ("Khazali flew to Tehran after meeting Soleimani.", ("qayis-khazali", "MET_WITH", "qassem-soleimani")),
        # a possessive pronoun makes a definite description too; 'the town of X' names the town
        ("Kaka Hama leads the Kurdistan Socialist Democratic Party. The Quds Force trained the fighters of his party.",
         ("quds-force", "TRAINED", "ksdp")),
        ("ISIS shelled the town of Makhmour. The Peshmerga retook the town in May.",
         ("peshmerga", "CONTROLS", "makhmour")),
    ],
)
def test_clause_rules_find_the_fact(resolver, model, text, fact):
    found = facts(resolver, model, text)
    assert fact in found, sorted(found)
    claim = found[fact]
    assert text[claim.start:claim.end] == claim.quote


@pytest.mark.parametrize(
    "text, fact",
    [
        # a deputy, an indefinite post or a post in a place is membership, not leadership
        ("Muhandis, the Quds Force's deputy commander, spoke.", ("abu-mahdi-al-muhandis", "LEADS", "quds-force")),
        ("He named Abu Zaid as the Mahdi Army commander in Basra.", ("abu-zaid", "LEADS", "mahdi-army")),
        ("Khazali commanded Mahdi Army fighters in Najaf.", ("qayis-khazali", "LEADS", "mahdi-army")),
        # a case officer of a station serves in it; the station is not handled by him
        ("Brother Karim, a case officer of the MOIS, met Source 3.", ("mois", "HANDLED_BY", "brother-karim")),
        # a tie has no place; a unit is part of a body, not of the place it works on
        ("Analysts regard Muhandis as Soleimani's closest ally in Iraq.",
         ("abu-mahdi-al-muhandis", "LOCATED_IN", "iraq")),
        ("The Nasr Corps, a Quds Force unit responsible for Syria, grew.", ("nasr-corps", "PART_OF", "syria")),
        # what is negated, recommended, planned or wished for did not happen
        ("Khazali said that he no longer takes orders from Soleimani.",
         ("qayis-khazali", "HANDLED_BY", "qassem-soleimani")),
        ("Washington should list Asaib Ahl al-Haq as a terrorist organization.",
         ("united-states", "OPPOSED", "asaib-ahl-al-haq")),
        ("Soleimani planned to visit Erbil in May.", ("qassem-soleimani", "VISITED", "erbil")),
        ("Shamkhani met Muhandis without consulting Soleimani.", ("ali-shamkhani", "MET_WITH", "qassem-soleimani")),
        ("The Pentagon said it had no role in the Jurf al-Sakhar operation.",
         ("pentagon", "PARTICIPATED_IN", "battle-of-jurf-al-sakhar")),
        ("Khazali flew to Tehran before meeting Soleimani.", ("ali-shamkhani", "MET_WITH", "qassem-soleimani")),
        ("The United States and Iran can work together against ISIS.", ("united-states", "ALLIED_WITH", "iran")),
        ("The Americans used to call them the Special Groups.", ("united-states", "MET_WITH", "special-groups")),
        # leading a country is not being in it; commanding some of a body's forces is membership
        ("Ruhollah Khomeini, the founder of the Islamic Republic of Iran, died.",
         ("ruhollah-khomeini", "LOCATED_IN", "iran")),
        ("Daqduq, the Hezbollah special forces commander, arrived.", ("ali-musa-daqduq", "LEADS", "hezbollah")),
        ("The army released his brother Laith and a hundred Asaib Ahl al-Haq commanders.",
         ("laith-khazali", "LEADS", "asaib-ahl-al-haq")),
        # a country's hegemony or soldiers somewhere do not make it part of that place
        ("Iran is struggling to maintain its hegemony in Iraq.", ("iran", "PART_OF", "iraq")),
        ("Five U.S. soldiers in Karbala were killed.", ("united-states", "PART_OF", "karbala")),
        # a meeting somewhere is not a visit to the district; north of a town is not in it
        ("Soleimani met Khazali at a safe house in Baghdad.", ("qassem-soleimani", "VISITED", "baghdad")),
        ("Soleimani arrived at a village north of Tikrit.", ("qassem-soleimani", "VISITED", "tikrit")),
        # a describing noun refers to nothing; an unknown speaker's 'he' is no one we know
        ("Kaka Hama leads the KSDP. He described the Peshmerga as the party closest to Turkey.",
         ("ksdp", "ALLIED_WITH", "turkey")),
        ("Muhandis arrived. XQ said that he met Soleimani.", ("abu-mahdi-al-muhandis", "MET_WITH", "qassem-soleimani")),
        # a travelling delegation meets somewhere; an agent's place is where it acted
        ("Kaka Hama met a delegation of the Kurdistan Democratic Party in Tehran.", ("kdp", "LOCATED_IN", "tehran")),
        ("Khazali was captured by British commandos in Basra.", ("british-commandos", "LOCATED_IN", "basra")),
        # working with someone is cooperation, not membership
        ("The Peshmerga worked closely with the Quds Force.", ("peshmerga", "MEMBER_OF", "quds-force")),
    ],
)
def test_clause_rules_do_not_overreach(resolver, model, text, fact):
    assert fact not in facts(resolver, model, text)


# Recall rules: datelines, lists, nominalised attacks, acting against, taking from, shared passives, units.
@pytest.mark.parametrize(
    "text, fact",
    [
        # what follows a dateline's dash is the subject the parser filed under the dateline
        ("MOSUL, Iraq, May 3 (Tigris Wire) — Fighters of the Peshmerga on Friday retook the village of Bashiqa from "
         "ISIS.", ("peshmerga", "CONTROLS", "bashiqa")),
        # 'such as' lists; a body's own people or things; an apposition with conjuncts is a list
        ("The Peshmerga met Kurdish leaders such as Masoud Barzani in Erbil.",
         ("peshmerga", "MET_WITH", "masoud-barzani")),
        ("The Peshmerga bombed Hezbollah positions near Kirkuk.", ("peshmerga", "TARGETED", "hezbollah")),
        ("Kataib Hezbollah, the Mahdi Army and Asaib Ahl al-Haq fought in the Battle of Fallujah.",
         ("mahdi-army", "PARTICIPATED_IN", "battle-of-fallujah")),
        # acting against X; a subject 'it' may be a country
        ("Iran trained the Peshmerga when it needed allies against ISIS.", ("iran", "OPPOSED", "isis")),
        ("The Peshmerga and the Mahdi Army run a joint operations room against ISIS.",
         ("peshmerga", "OPPOSED", "isis")),
        # attacks named as nouns; breaking a siege
        ("The ISIS siege of Kirkuk lasted a month.", ("isis", "TARGETED", "kirkuk")),
        ("The Peshmerga broke the ISIS siege of Kirkuk.", ("peshmerga", "OPPOSED", "isis")),
        ("ISIS fighters surrounded Kirkuk in June.", ("isis", "TARGETED", "kirkuk")),
        ("Witnesses said that the Mahdi Army burned houses in the village of Albu Salih.",
         ("mahdi-army", "TARGETED", "albu-salih")),
        # taking a place from its holder
        ("The Mahdi Army took Basra from the Peshmerga in May.", ("peshmerga", "CONTROLS", "basra")),
        ("The Mahdi Army took Basra from the Peshmerga in May.", ("mahdi-army", "OPPOSED", "peshmerga")),
        # coordinated passives share their agent; transfers to a dative 'to' and in a relative clause
        ("The Mahdi Army, which is trained and funded by Hezbollah, grew.", ("hezbollah", "FUNDED", "mahdi-army")),
        ("Kataib Hezbollah sent three shipments of mortars to Mahdi Army units in Basra.",
         ("kataib-hezbollah", "ARMED", "mahdi-army")),
        ("The Mahdi Army praised the rockets Kataib Hezbollah delivered to the Peshmerga.",
         ("kataib-hezbollah", "ARMED", "peshmerga")),
        # 'its' opening a sentence; heading a unit of a body; a rank; running a person; a possessed body
        ("Hezbollah is a large movement. Its leader, Hassan Nasrallah, spoke on Friday.",
         ("hassan-nasrallah", "LEADS", "hezbollah")),
        ("Farhad Zamani heads the Peshmerga's counter-terrorism directorate.",
         ("farhad-zamani", "MEMBER_OF", "peshmerga")),
        ("Source 4 is a major in the Peshmerga.", ("t-source-4", "MEMBER_OF", "peshmerga")),
        ("Source 4 has been run by Brother Karim since May.", ("t-source-4", "HANDLED_BY", "brother-karim")),
        ("The Revolutionary Guards' Quds Force trained the Mahdi Army.", ("quds-force", "PART_OF", "irgc")),
        ("Soldiers of the 7th Division of the Iraqi army attacked the town.",
         ("7th-division", "PART_OF", "iraqi-army")),
        # a subject the parser hung on an opening phrase
        ("During the meeting of 9 Ordibehesht, Brother Hosseini paid Source Karrar three million dinars and tasked "
         "him with a survey.", ("brother-hosseini", "FUNDED", "t-source-karrar")),
        ("During the meeting of 9 Ordibehesht, Brother Hosseini paid Source Karrar three million dinars and tasked "
         "him with a survey.", ("t-source-karrar", "HANDLED_BY", "brother-hosseini")),
        # a place's appositive; a person's body; bylines and signatures; offices over a place
        ("The militia shelled Tikrit, the capital of Salahuddin province, in March.",
         ("tikrit", "PART_OF", "salahuddin-province")),
        ("Ammar al-Hakim's Hikma Movement left the alliance.", ("ammar-al-hakim", "LEADS", "hikma-movement")),
        ("By Laila Haddad and Omar Fahmi, Tigris News Service", ("omar-fahmi", "MEMBER_OF", "tigris-news-service")),
        ("Approved: Col. Samir Aziz Hadi, Director, Diyala Security Directorate",
         ("col-samir-aziz-hadi", "LEADS", "diyala-security-directorate")),
        ("Khalid Jassim al-Dulaimi, the governor of Nineveh, met the Peshmerga.",
         ("khalid-jassim-al-dulaimi", "LOCATED_IN", "nineveh")),
        ("The detainee, Salim Hadi Jabbar, a resident of Kirkuk, was questioned by Capt. Omar Fahmi.",
         ("salim-hadi-jabbar", "LOCATED_IN", "kirkuk")),
        ("The detainee, Salim Hadi Jabbar, a resident of Kirkuk, was questioned by Capt. Omar Fahmi.",
         ("omar-fahmi", "MET_WITH", "salim-hadi-jabbar")),
        # money from a body's budget; orders; sanctions; a quarrel between two; a critic; a veteran
        ("The Mahdi Army was paid from the Peshmerga budget.", ("peshmerga", "FUNDED", "mahdi-army")),
        ("He said that, on the orders of Soleimani, Khazali drove to Basra.",
         ("qayis-khazali", "HANDLED_BY", "qassem-soleimani")),
        ("The United States imposed sanctions on Kataib Hezbollah in 2009.",
         ("united-states", "OPPOSED", "kataib-hezbollah")),
        ("The feud between the Mahdi Army and the Peshmerga cost ten lives.", ("mahdi-army", "OPPOSED", "peshmerga")),
        ("Hadi al-Amiri, a veteran of the Quds Force, spoke.", ("hadi-al-amiri", "MEMBER_OF", "quds-force")),
        # a named event carried out by someone; a quarter whose name starts with an article
        ("Police said the Tikrit bombing was carried out by Kataib Hezbollah.",
         ("kataib-hezbollah", "PARTICIPATED_IN", "tikrit-bombing")),
        ("Badr opened an office in the al-Jadida quarter of Kirkuk.", ("al-jadida", "PART_OF", "kirkuk")),
        ("Khazali headed to Basra in May.", ("qayis-khazali", "VISITED", "basra")),
        ("Khazali headed the Mahdi Army in Basra.", ("qayis-khazali", "LEADS", "mahdi-army")),
        # what is received from whom; a body's sites; names taken; a successor; a codename; "Kak"
        ("Kataib Hezbollah and the Mahdi Army receive weapons, training and money from the Quds Force.",
         ("quds-force", "TRAINED", "mahdi-army")),
        ("Kataib Hezbollah and the Mahdi Army receive weapons, training and money from the Quds Force.",
         ("quds-force", "ARMED", "kataib-hezbollah")),
        ("The detainee said that Khazali received a monthly salary from the Quds Force.",
         ("quds-force", "FUNDED", "qayis-khazali")),
        ("Soleimani met Khazali at the Peshmerga garrison in Kirkuk.", ("peshmerga", "LOCATED_IN", "kirkuk")),
        ("Drones struck a camp of the Mahdi Army at Kirkuk.", ("mahdi-army", "LOCATED_IN", "kirkuk")),
        ("He said that two instructors, who called themselves Abu Jihad and Abu Ali, were members of Hezbollah.",
         ("abu-ali", "MEMBER_OF", "hezbollah")),
        ("Esmail Qaani, who succeeded Qassem Soleimani as commander of the Quds Force, flew to Baghdad.",
         ("esmail-qaani", "LEADS", "quds-force")),
        ("Brother Mehdi met the source codenamed Darband. Brother Mehdi paid Darband two thousand dollars and "
         "tasked him with a survey.", ("darband", "HANDLED_BY", "brother-mehdi")),
        # "the Front" after "the Iraqi Turkmen Front"; a body's offices kept somewhere
        ("The MIT has funded the Iraqi Turkmen Front since 1995, and the Front’s leader, Arshad al-Salihi, is received "
         "in Ankara.", ("arshad-al-salihi", "LEADS", "iraqi-turkmen-front")),
        ("Asaib Ahl al-Haq and Kataib Hezbollah both have offices in Basra.",
         ("kataib-hezbollah", "LOCATED_IN", "basra")),
        # the author of a byline is "I"; "went back to"
        ("By Sarah Miller\n\nWhen I went back to Kirkuk this spring, the Peshmerga had left.",
         ("sarah-miller", "VISITED", "kirkuk")),
        # a pronoun in a clause coordinated with one about someone named is about them
        ("Detainee stated that Muhandis travels to Tehran every two or three months, that he takes his orders from "
         "Soleimani, and that Soleimani pays him for the cell's operations.",
         ("abu-mahdi-al-muhandis", "HANDLED_BY", "qassem-soleimani")),
        ("Detainee stated that Muhandis travels to Tehran every two or three months, that he takes his orders from "
         "Soleimani, and that Soleimani pays him for the cell's operations.",
         ("qassem-soleimani", "FUNDED", "abu-mahdi-al-muhandis")),
        # "their", "whose", and a relative clause without a relative pronoun
        ("Kataib Hezbollah fought its way into Jurf al-Sakhar. Their commander, Abu Mahdi al-Muhandis, told "
         "reporters that the town was free.", ("abu-mahdi-al-muhandis", "LEADS", "kataib-hezbollah")),
        ("The Kurdistan Socialist Democratic Party, a small party based in Halabja whose leader, Mohammed Haji "
         "Mahmoud, is close to Tehran, controls Byara.", ("mohammed-haji-mahmoud", "LEADS", "ksdp")),
        ("For three decades Iran's influence in Iraqi Kurdistan has run mainly through the Patriotic Union of "
         "Kurdistan, the party Jalal Talabani founded in 1975 and led until his death.",
         ("jalal-talabani", "LEADS", "patriotic-union-of-kurdistan")),
        # 'who' after a copula's complement is its subject; a researcher at a body is one of its people
        ("Source 7 is a Shabak member of the Nineveh provincial council who has reported to Brother Rahmani since "
         "2013.", ("t-source-7", "SOURCE_FOR", "brother-rahmani")),
        ("Sarah Miller is a researcher at the Nineveh Centre for Civic Studies.",
         ("sarah-miller", "MEMBER_OF", "nineveh-centre-for-civic-studies")),
        # a body with offices somewhere; "the Mashhad-based foundation" (and a place before "-based" is a place)
        ("The Atabat Reconstruction Headquarters, an Iranian body with offices in Karbala and Najaf, built a clinic.",
         ("atabat-reconstruction-headquarters", "LOCATED_IN", "najaf")),
        ("The work was financed by Astan Quds Razavi, the Mashhad-based shrine foundation.",
         ("astan-quds-razavi", "LOCATED_IN", "mashhad")),
        # two verbs and the object after the second: the first verb's object too
        ("The Quds Force has armed and advised both Badr and Asaib Ahl al-Haq since 2014.",
         ("quds-force", "ARMED", "asaib-ahl-al-haq")),
        ("The Quds Force funded and trained the Badr Organization.", ("quds-force", "FUNDED", "badr-organization")),
        # "the X quarter of Y", however the parser attaches the X
        ("Brother Kazemi met Source Hemin in a rented apartment in the Bakrajo quarter of Sulaimaniyah.",
         ("bakrajo", "PART_OF", "sulaimaniyah")),
    ],
)
def test_recall_rules_find_the_fact(resolver, model, text, fact):
    found = facts(resolver, model, text)
    assert fact in found, sorted(found)


@pytest.mark.parametrize(
    "text, fact",
    [
        ("The Peshmerga balanced Hezbollah against the Mahdi Army.", ("peshmerga", "OPPOSED", "mahdi-army")),
        ("The United States carried out strikes against ISIS.", ("united-states", "OPPOSED", "isis")),
        ("The Peshmerga did not act against ISIS.", ("peshmerga", "OPPOSED", "isis")),
        ("Khazali took his orders from Soleimani.", ("qayis-khazali", "OPPOSED", "qassem-soleimani")),
        ("The Mahdi Army, which is led by Khazali and is funded by Hezbollah, grew.",
         ("qayis-khazali", "FUNDED", "mahdi-army")),
        ("Kataib Hezbollah tried to break the ISIS siege of Kirkuk.", ("kataib-hezbollah", "OPPOSED", "isis")),
        ("Several PMF factions sent fighters to Syria.", ("popular-mobilization-forces", "VISITED", "syria")),
        ("Fighters reached Sinjar, west of Mosul, at dawn.", ("sinjar", "PART_OF", "mosul")),
        ("Khazali demanded that the Mahdi Army be paid by the Peshmerga.", ("peshmerga", "FUNDED", "mahdi-army")),
        ("By 2013 many Peshmerga men sat in the protest camps of Ramadi.", ("peshmerga", "LOCATED_IN", "ramadi")),
        ("Khazali said that the PUK would never allow the KDP to take Kirkuk.", ("kdp", "CONTROLS", "kirkuk")),
        ("Esmail Qaani, who succeeded Qassem Soleimani as commander of the Quds Force, flew to Baghdad.",
         ("qassem-soleimani", "MET_WITH", "quds-force")),
        ("Turkey warned that it would respond if the Peshmerga entered Kirkuk.", ("peshmerga", "VISITED", "kirkuk")),
        ("By Sarah Miller\n\nKhazali told the court: “I went back to Kirkuk in May.”",
         ("sarah-miller", "VISITED", "kirkuk")),
        ("The Quds Force trained, and the PUK armed, the Badr Organization.",
         ("quds-force", "ARMED", "badr-organization")),  # the second verb has a subject of its own
        ("Kataib Hezbollah burned houses in the Sunni village of Albu Hassan.", ("sunni", "PART_OF", "albu-hassan")),
    ],
)
def test_recall_rules_do_not_overreach(resolver, model, text, fact):
    assert fact not in facts(resolver, model, text)


def test_a_kurdish_honorific_names_the_person_named_before(resolver, model):
    text = ("Darband stated that Kosrat Rasul Ali, the first deputy secretary-general of the PUK, travelled to Tehran. "
            "According to the source, Kak Kosrat told his hosts nothing.")
    mentions = extract("t", text, noise_spans(text, []), resolver, model).mentions
    named = {text[s:e]: entity for entity, spans in mentions.items() for s, e in spans}
    assert named["Kak Kosrat"] == named["Kosrat Rasul Ali"]  # spaCy calls the full name a facility


def test_weaker_constructions_get_lower_confidence(resolver, model):
    found = facts(resolver, model, "Muhandis, a commander loyal to Soleimani, met Khazali in Erbil.")
    stance = found[("abu-mahdi-al-muhandis", "ALLIED_WITH", "qassem-soleimani")]
    assert stance.confidence < found[("abu-mahdi-al-muhandis", "MET_WITH", "qayis-khazali")].confidence


def test_a_headline_is_its_own_sentence(resolver, model):
    text = "Soleimani in Baghdad\n\nMuhandis met Khazali in Najaf."
    claim = facts(resolver, model, text)[("abu-mahdi-al-muhandis", "MET_WITH", "qayis-khazali")]
    assert claim.quote == "Muhandis met Khazali in Najaf."


def test_who_asserts_a_fact_is_read_off_the_reporting_clause(resolver, model):
    text = ("The detainee, Qayis Khazali, was questioned. The detainee stated that he met Soleimani in Tehran. "
            "Muhandis, who leads the Popular Mobilization Forces, told reporters that Soleimani had advised the "
            "Peshmerga. "
            "Hajj Yusuf, he said, took his orders from Soleimani. According to residents, Muhandis visited Tehran.")
    found = facts(resolver, model, text)
    assert found[("qayis-khazali", "MET_WITH", "qassem-soleimani")].claimed_by == "qayis-khazali"  # his own account
    # the speaker's own description is the document's, not the speaker's claim
    assert found[("abu-mahdi-al-muhandis", "LEADS", "popular-mobilization-forces")].claimed_by is None
    assert found[("qassem-soleimani", "SUPPORTED", "peshmerga")].claimed_by == "abu-mahdi-al-muhandis"
    # "he said" in an aside is not Hajj Yusuf but who spoke before; unnamed residents are no one we know
    assert found[("hajj-yusuf", "HANDLED_BY", "qassem-soleimani")].claimed_by == "abu-mahdi-al-muhandis"
    assert found[("abu-mahdi-al-muhandis", "VISITED", "tehran")].claimed_by is None


def test_a_fact_about_someone_the_quote_does_not_name_is_less_certain(resolver, model):
    found = facts(resolver, model, "Khazali met Muhandis in Baghdad. He later visited Tehran and met Soleimani there.")
    named = found[("qayis-khazali", "MET_WITH", "abu-mahdi-al-muhandis")]
    assert found[("qayis-khazali", "VISITED", "tehran")].confidence < named.confidence


def test_a_word_is_listed_once_in_a_lexicon_table():
    from loaders import lexicon

    with pytest.raises(ValueError, match="meet"):  # a later entry would replace the earlier one unseen
        lexicon._one_entry_each(lexicon._verbs("meet", {"": ("MET_WITH",)}), lexicon._verbs("meet visit", {}))


@pytest.mark.parametrize(
    "text, same",
    [
        # a term the report defines; a first name before the full name; a declared alias spaCy filed elsewhere
        ("1. (S) Haidar Kadhim Jabbar al-Shibli (hereafter detainee), a carpenter, was captured in Diwaniyah.\n\n"
         "2. (S) Detainee stated that he joined the Mahdi Army in 2004.", ("al-Shibli", "Detainee")),
        ("The men were met at the crossing by a courier called Karrar. Detainee identified Karrar from a photograph "
         "as Karrar Jawad Hashim.", ("Karrar", "Karrar Jawad Hashim")),
        ("The Kurdistan Islamic Group, known as Komal, has its headquarters in Khurmal.",
         ("Kurdistan Islamic Group", "Komal")),
        # a province named with and without the word
        ("Brother Mehdi met the source at a farm outside Amarah, the capital of Maysan Province. Badr and the "
         "Sadrists have been rivals in Maysan since September.", ("Maysan Province", "Maysan")),
    ],
)
def test_one_entity_under_the_names_a_text_gives_it(resolver, model, text, same):
    out = extract("t", text, noise_spans(text, []), resolver, model)
    owner = {text[s:e]: entity for entity, spans in out.mentions.items() for s, e in spans}
    first = next(entity for name, entity in owner.items() if name.endswith(same[0]))
    assert owner[same[1]] == first, owner


def test_a_place_named_before_its_kind_or_its_possession_is_a_place(resolver, model):
    text = ("Tal Afar’s Turkmen are more than pawns\n\nTurkey keeps soldiers at the Zilkan base near Bashiqa, and "
            "Tal Afar’s Shia look to Tehran. I grew up in Tal Afar.")
    out = extract("t", text, noise_spans(text, []), resolver, model)
    assert {e.name: e.family for e in out.entities}.get("Zilkan") == "Location", out.entities
    owners = {entity for entity, spans in out.mentions.items() for s, e in spans if text[s:e].startswith("Tal Afar")}
    assert len(owners) == 1 and not any("’s" in e.name for e in out.entities), out.entities
