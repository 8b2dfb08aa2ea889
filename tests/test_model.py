import copy
import json

import pytest
import yaml

from schema.model import MODEL_PATH, InvalidData, InvalidModel, parse_date, parse_model


@pytest.fixture
def raw() -> dict:
    return yaml.safe_load(MODEL_PATH.read_text())


def test_model_declares_families_kinds_tags_and_facts(model):
    assert model.families == ("Person", "Organization", "Operation", "Location")
    for tag in ("kurdish", "sunni", "shia", "iranian", "iraqi", "us", "baathist"):
        assert tag in model.tags
    assert "political_party" in model.nodes["Organization"].kinds
    assert model.nodes["Person"].labels == ("Entity", "Person")
    assert "name" in model.nodes["Person"].properties  # inherited from Entity
    for rel in ("MEMBER_OF", "LEADS", "MET_WITH", "SOURCE_FOR", "HANDLED_BY", "TRAINED", "FUNDED", "ARMED",
                "SUPPORTED", "ALLIED_WITH", "OPPOSED", "PART_OF", "PARTICIPATED_IN", "TARGETED", "LOCATED_IN",
                "RELATIVE_OF"):
        assert rel in model.fact_types
        assert model.relationships[rel].description
    assert "MENTIONS" not in model.fact_types
    assert set(model.contact_types) <= set(model.fact_types)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda r: r["nodes"]["Person"].update(extends="Nobody"), "extends unknown"),
        (lambda r: r["relationships"]["LEADS"]["edge"].update(source=["Planet"]), "unknown label 'Planet'"),
        (lambda r: r["relationships"]["LEADS"]["edge"].update(target=[]), "edge.target is empty"),
        (lambda r: r["nodes"]["Location"].update(kinds=[]), "declares no kinds"),
        (lambda r: r["nodes"]["Claim"]["properties"]["quote"].update(type="blob"), "type must be one of"),
        (lambda r: r["relationships"].update(bad_name={"edge": {"source": ["Person"], "target": ["Person"]}}),
         "UPPER_SNAKE_CASE"),
        (lambda r: r.update(version=2), "version: 1"),
    ],
)
def test_invalid_model_is_refused_with_the_culprit_named(raw, mutate, message):
    broken = copy.deepcopy(raw)
    mutate(broken)
    with pytest.raises(InvalidModel, match=message):
        parse_model(broken)


def test_fact_endpoints_follow_the_model(model):
    model.check_fact("LEADS", "Person", "Organization", "here")
    with pytest.raises(InvalidData, match="here: LEADS cannot end at a Location"):
        model.check_fact("LEADS", "Person", "Location", "here")
    with pytest.raises(InvalidData, match="unknown relationship type 'LIKES'"):
        model.check_fact("LIKES", "Person", "Person", "here")
    with pytest.raises(InvalidData, match="unknown relationship type 'MENTIONS'"):
        model.check_fact("MENTIONS", "Person", "Person", "here")


def test_entity_checks_name_the_bad_value(model):
    model.check_entity("Organization", "militia", ["shia", "iraqi"], "e")
    with pytest.raises(InvalidData, match="kind 'city' is not a Person kind"):
        model.check_entity("Person", "city", [], "e")
    with pytest.raises(InvalidData, match="unknown family 'Planet'"):
        model.check_entity("Planet", "x", [], "e")
    with pytest.raises(InvalidData, match="unknown tag 'martian'"):
        model.check_entity("Person", "person", ["martian"], "e")


def test_labels_and_types_only_come_from_the_model(model):
    assert model.label("Document") == "Document"
    with pytest.raises(InvalidData):
        model.label("Document) DETACH DELETE (n")
    with pytest.raises(InvalidData):
        model.rel_type("MET_WITH]->() DELETE r //")


@pytest.mark.parametrize(
    "value, expected",
    [(2014, ("2014", "year")), ("2014-12", ("2014-12", "month")), ("2014-12-07", ("2014-12-07", "day")),
     (None, (None, None))],
)
def test_dates_keep_their_precision(value, expected):
    assert parse_date(value, "x") == expected


@pytest.mark.parametrize("value", ["2014-13", "Dec 2014", "2014-12-7", "2014-02-32"])
def test_bad_dates_are_refused(value):
    with pytest.raises(InvalidData, match="x"):
        parse_date(value, "x")


def test_entity_filters_compile_to_parameters_only():
    from graph.queries import EntityFilter, FactFilter, Params

    hostile = "x') DETACH DELETE n //"
    flt = EntityFilter(kinds=("militia",), name_contains=hostile,
                       any_of=(EntityFilter(tags=("kurdish",)), EntityFilter(ids=(hostile,))),
                       none_of=EntityFilter(family="Person"),
                       related=FactFilter(types=(hostile,), date_from="2014", other=EntityFilter(name_fuzzy=hostile)))
    params = Params("LEADS|MET_WITH")
    clause = flt.with_fuzzy({hostile: (hostile,)}).compile("e", params)
    assert hostile not in clause and hostile.lower() in params.values.values()
    assert [hostile] in params.values.values() and "2014" in params.values.values()
    assert " OR " in clause and "NOT (" in clause and "EXISTS { MATCH (e)-[f_r:LEADS|MET_WITH]-(f_o:Entity)" in clause
    narrow = FactFilter(types=("MET_WITH", hostile)).pattern("r", "e", "o", params)
    assert narrow == "(e)-[r:MET_WITH]-(o:Entity)"  # only the types asked for are expanded, named by the model
    empty = Params("LEADS")
    assert EntityFilter().compile("e", empty) == "true" and empty.values == {}


def test_a_family_filter_matches_the_family_label_and_nothing_else_is_interpolated(graph):
    from graph.queries import EntityFilter, Params, entities_body

    families = ["Person", "Organization"]
    total, body = entities_body(EntityFilter(family="Organization"), "ID", families, Params("LEADS"), "e")
    assert "MATCH (e:Organization) WHERE true " in body  # the label is the whole filter,
    with graph.driver.session(database=graph.database) as session:  # and Neo4j counts it from its count store
        plan = session.run(f"EXPLAIN RETURN {total} AS n").consume().plan
    assert "NodeCountFromCountStore" in json.dumps(plan), plan
    params = Params("LEADS")
    total, body = entities_body(EntityFilter(family="Organization", tags=("kurdish",)), "ID", families, params, "e")
    assert total is None and "labels(e)" not in body  # counted as they are listed; the label is not checked twice
    assert "MATCH (e:Organization) WHERE all(" in body and ["kurdish"] in params.values.values()
    hostile = "Organization) DETACH DELETE e //"
    total, body = entities_body(EntityFilter(family=hostile), "ID", families, Params("LEADS"), "e")
    assert total is None and hostile not in body and "MATCH (e:Entity) WHERE" in body
    nested = EntityFilter(any_of=(EntityFilter(family="Person"),))  # only the top level's family is a label
    assert "MATCH (e:Entity) WHERE" in entities_body(nested, "ID", families, Params("LEADS"), "e")[1]
