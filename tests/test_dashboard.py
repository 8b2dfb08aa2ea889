"""The dashboard at / in headless Chromium, as an analyst uses it: totals, search across spellings, an
entity's network, the evidence behind an edge, its timeline; and nothing fetched from outside."""

import json
import struct
import urllib.request

import pytest
from conftest import serving

pytestmark = pytest.mark.neo4j

# Centre the chosen edge's midpoint in viewport coordinates, picking the edge whose midpoint lies
# farthest from every node and every other edge's midpoint, so a real click lands on it.
CLEAREST_EDGE = """
const cy = window.dashboard.network();
const box = cy.container().getBoundingClientRect(), css = getComputedStyle(cy.container());
const left = box.left + parseFloat(css.borderLeftWidth), top = box.top + parseFloat(css.borderTopWidth);
const points = cy.nodes().map((n) => n.renderedPosition());
let best = null;
cy.edges().forEach((e) => {
  const m = e.renderedMidpoint();
  const others = points.concat(cy.edges().not(e).map((o) => o.renderedMidpoint()));
  const clearance = Math.min(...others.map((p) => Math.hypot(p.x - m.x, p.y - m.y)));
  if (!best || clearance > best.clearance) best = {id: e.id(), x: left + m.x, y: top + m.y, clearance};
});
return best;
"""

NODE_POSITION = """
const cy = window.dashboard.network(), n = cy.getElementById(arguments[0]);
const box = cy.container().getBoundingClientRect(), css = getComputedStyle(cy.container());
const p = n.renderedPosition();
return {x: box.left + parseFloat(css.borderLeftWidth) + p.x, y: box.top + parseFloat(css.borderTopWidth) + p.y};
"""


def graphql(base: str, query: str, **variables) -> dict:
    request = urllib.request.Request(
        f"{base}/graphql", data=json.dumps({"query": query, "variables": variables}).encode(),
        headers={"content-type": "application/json", "accept": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        body = json.load(response)
    assert "errors" not in body, body
    return body["data"]


def click_at(driver, x: float, y: float) -> None:
    """A real mouse click at viewport coordinates (the network is a canvas: no element to click)."""
    from selenium.webdriver.common.actions.action_builder import ActionBuilder

    action = ActionBuilder(driver)
    action.pointer_action.move_to_location(round(x), round(y)).click()
    action.perform()


def search(driver, wait, text: str) -> list[str]:
    """Type a query and press Enter; the entity ids of the results, best first."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    box = driver.find_element(By.ID, "search")
    box.clear()
    box.send_keys(text, Keys.ENTER)
    wait.until(lambda d: d.find_element(By.ID, "results").is_displayed()
               and d.find_element(By.ID, "results").get_attribute("aria-busy") is None
               and d.find_elements(By.CSS_SELECTOR, "#result-list li[data-entity]"))
    return [li.get_attribute("data-entity") for li in driver.find_elements(By.CSS_SELECTOR, "#result-list li")]


def wait_for_network(driver, wait, centre: str, depth: int = 1) -> None:
    from selenium.webdriver.common.by import By

    wait.until(lambda d: (net := d.find_element(By.ID, "network")).get_attribute("data-state") == "ready"
               and net.get_attribute("data-centre") == centre and net.get_attribute("data-depth") == str(depth))


def test_dashboard_search_entity_network_evidence_timeline(live_api, seeded, chromium, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select, WebDriverWait

    driver, wait = chromium, WebDriverWait(chromium, 30)
    driver.set_window_size(1440, 1800)  # tall enough for the screenshot to hold the timeline and totals
    driver.get(f"{live_api}/")

    # totals are the API's stats
    stats = graphql(live_api, "{ stats { documents entities relationships claims } }")["stats"]
    wait.until(lambda d: d.find_element(By.CSS_SELECTOR, '[data-stat="claims"]').get_attribute("data-value"))
    shown = {k: int(driver.find_element(By.CSS_SELECTOR, f'[data-stat="{k}"]').get_attribute("data-value"))
             for k in stats}
    assert shown == stats
    connected = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "#agg-connected a.entity"))
    assert connected[0].text == "Iran"  # the most connected entity, by name rather than id
    assert not driver.find_element(By.ID, "overview-note").is_displayed()  # the counts are of the graph as it is

    # search resolves spellings: an alias finds the entity under its own name
    assert search(driver, wait, "Suleimani")[0] == "qassem-soleimani"
    hits = search(driver, wait, "Kaka Hama")
    assert hits[0] == "mohammed-haji-mahmoud"
    first = driver.find_element(By.CSS_SELECTOR, '#result-list li[data-entity="mohammed-haji-mahmoud"] button')
    assert "Mohammed Haji Mahmoud" in first.text and "Person" in first.text and "Kaka Hama" in first.text
    first.click()

    # the entity: details and its neighbourhood drawn
    wait_for_network(driver, wait, "mohammed-haji-mahmoud")
    assert driver.find_element(By.ID, "entity-name").text == "Mohammed Haji Mahmoud"
    details = driver.find_element(By.ID, "entity").text
    assert "Kaka Hama" in details and "reviewed" in details and "kurdish" in details
    near = graphql(live_api, '{ neighbourhood(id: "mohammed-haji-mahmoud", depth: 1, first: 50) '
                   "{ entities { id } relationships { type } } }")["neighbourhood"]
    drawn = driver.execute_script("return window.dashboard.network().nodes().map((n) => n.id())")
    assert sorted(drawn) == sorted(e["id"] for e in near["entities"])
    assert driver.execute_script("return window.dashboard.network().edges().length") == len(near["relationships"])

    # a real click on an edge shows every claim behind it, each quote verbatim in its document
    edge = driver.execute_script(CLEAREST_EDGE)
    click_at(driver, edge["x"], edge["y"])
    wait.until(lambda d: d.find_element(By.ID, "evidence-body").get_attribute("data-edge") == edge["id"])
    source, rel_type, target = edge["id"].split("|")
    rels = graphql(live_api, "query($id: ID!, $t: [RelationshipType!]) { entity(id: $id) { relationships(types: $t, "
                   "direction: OUT, first: 200) { nodes { target { id } evidence(first: 200) { nodes { id } } } } } }",
                   id=source, t=[rel_type])
    expected = next(r for r in rels["entity"]["relationships"]["nodes"] if r["target"]["id"] == target)
    claims = driver.find_elements(By.CSS_SELECTOR, "#evidence-body figure.claim")
    claim_ids = sorted(c.get_attribute("data-claim") for c in claims)
    assert claim_ids == sorted(c["id"] for c in expected["evidence"]["nodes"])
    for claim in claims:
        doc = seeded.read("MATCH (d:Document {id: $id}) RETURN d.text AS text, d.title AS title, "
                          "d.publisher AS publisher", id=claim.get_attribute("data-document"))[0]
        quote = claim.find_element(By.CSS_SELECTOR, ".quote").get_attribute("textContent")
        assert len(quote) > 10 and quote in doc["text"]
        caption = claim.find_element(By.TAG_NAME, "figcaption").text
        assert (doc["title"] or doc["publisher"]) in caption and "confidence" in caption
    title = driver.find_element(By.CSS_SELECTOR, "#evidence-body .edge-title").text
    names = driver.execute_script("const cy = window.dashboard.network(); return arguments[0].map("
                                  "(id) => cy.getElementById(id).data('name'))", [source, target])
    assert title == f"{names[0]} {rel_type} {names[1]}"

    # the timeline: dated claims, oldest first, each with its quote
    items = driver.find_elements(By.CSS_SELECTOR, "#timeline li[data-date]")
    dates = [li.get_attribute("data-date") for li in items]
    assert len(dates) >= 3 and dates == sorted(dates)
    assert all(li.find_element(By.CSS_SELECTOR, ".quote").text for li in items)

    path = tmp_path / "dashboard.png"
    driver.save_screenshot(str(path))
    png = path.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 50_000
    width, height = struct.unpack(">II", png[16:24])
    assert width >= 1000 and height >= 700

    # clicking a neighbour recentres on it; depth 2 reaches further
    neighbour = next(i for i in drawn if i != "mohammed-haji-mahmoud")
    click_at(driver, **driver.execute_script(NODE_POSITION, neighbour))
    wait_for_network(driver, wait, neighbour)
    one_hop = int(driver.find_element(By.ID, "network").get_attribute("data-nodes"))
    Select(driver.find_element(By.ID, "depth")).select_by_value("2")
    wait_for_network(driver, wait, neighbour, depth=2)
    assert "depth=2" in driver.current_url
    assert int(driver.find_element(By.ID, "network").get_attribute("data-nodes")) > one_hop

    # nothing came from anywhere but the local server, and the page logged no error
    requested = [
        m["params"]["request"]["url"] for m in (json.loads(e["message"])["message"]
                                                for e in driver.get_log("performance"))
        if m["method"] == "Network.requestWillBeSent"
    ]
    assert {f"{live_api}/graphql", f"{live_api}/static/vendor/cytoscape/dist/cytoscape.min.js"} <= set(requested)
    # chrome:// is the browser's own start page, not the network
    external = [u for u in requested if not u.startswith((f"{live_api}/", "data:", "chrome:", "about:"))]
    assert not external, external
    errors = [e for e in driver.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors


def test_hostile_text_is_shown_as_text(live_api, seeded, chromium):
    """Names and descriptions come from untrusted documents: markup in them must stay inert text."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    name = 'Evil <img src=x onerror="window.pwned=1"><b>Markup</b>'
    seeded.run("CREATE (:Entity:Person {id: 'hostile-probe', name: $name, aliases: [$name], kind: 'politician', "
               "tags: ['<script>window.pwned=2</script>'], description: $name, reviewed: false})", name=name)
    try:
        driver, wait = chromium, WebDriverWait(chromium, 30)
        driver.get(f"{live_api}/#entity=hostile-probe")
        wait.until(lambda d: d.find_element(By.ID, "entity-name").text == name)
        assert search(driver, wait, "Evil Markup")[0] == "hostile-probe"
        assert name in driver.find_element(By.ID, "result-list").text
        assert "<script>window.pwned=2</script>" in driver.find_element(By.ID, "entity").text
        assert not driver.find_elements(By.CSS_SELECTOR, "#side img, #side b, #side script")
        assert driver.execute_script("return window.pwned") is None
    finally:
        seeded.run("MATCH (e:Entity {id: 'hostile-probe'}) DETACH DELETE e")


def test_a_dashboard_on_an_api_that_needs_a_key_asks_for_one(seeded, chromium, tmp_path):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    from api.app import create_app
    from api.auth import Keys, Role
    from graph.settings import Settings

    settings = Settings(cablegraph_keys=tmp_path / "keys.yaml", cablegraph_anonymous="none")
    key = Keys(settings.cablegraph_keys).add("reporter", Role.READER)
    with serving(create_app(seeded, settings)) as url:
        driver, wait = chromium, WebDriverWait(chromium, 30)
        driver.get(f"{url}/")
        wait.until(expected_conditions.alert_is_present())
        driver.switch_to.alert.send_keys(key)
        driver.switch_to.alert.accept()
        documents = driver.find_element(By.CSS_SELECTOR, '[data-stat="documents"]')
        wait.until(lambda d: documents.text.strip() not in ("", "…"))
        assert documents.text.strip() == "5"
        assert driver.execute_script("return sessionStorage.getItem('cablegraph-api-key')") == key
