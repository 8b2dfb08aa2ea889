"""Neo4j Browser: the style covers every label of the model, every saved query of the guide runs and
returns rows, the API hands both to the Browser across origins, and a real Browser (headless, offline)
applies the style and opens the guide by itself when it connects."""

from __future__ import annotations

import dataclasses
import json
import re
import urllib.request
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from conftest import browser_login, load, serving
from starlette.testclient import TestClient

from api.app import create_app
from graph.browser import GUIDE, STYLE_NAME, URL_PATH, grass, guide_url, style
from schema.model import NodeType

REPORT = "Brigadier Farhad Zamani of the MOIS met Kaka Hama in Sulaimaniyah on 7 December 2014.\n"


class Guide(HTMLParser):
    """The guide as Neo4j Browser reads it: <slide>s, each with an <h3> title and runnable queries."""

    def __init__(self, text: str):
        super().__init__()
        self.titles: list[str] = []
        self.queries: list[tuple[int, str]] = []  # (slide index, query)
        self._into: str | None = None
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag == "h3" and self.titles and not self.titles[-1]:
            self._into = "title"
        elif tag == "pre" and "runnable" in (dict(attrs).get("class") or "").split():
            self._into = "query"
            self.queries.append((len(self.titles) - 1, ""))
        elif tag == "slide":
            self.titles.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("h3", "pre"):
            self._into = None

    def handle_data(self, data: str) -> None:
        if self._into == "title":
            self.titles[-1] += data
        elif self._into == "query":
            slide, text = self.queries[-1]
            self.queries[-1] = (slide, text + data)


GUIDE_TEXT = GUIDE.read_text(encoding="utf-8")
SAVED = Guide(GUIDE_TEXT)
QUERIES = [pytest.param(query, id=f"{slide + 1}-{SAVED.titles[slide]}") for slide, query in SAVED.queries]


def parse_grass(text: str) -> dict[str, dict[str, str]]:
    """A .grass file read the way Neo4j Browser reads one (grassUtils.parseGrassCSS): `selector { key: value; }`,
    quotes dropped, and a declaration that does not split into exactly a key and a value ignored."""
    rules = {}
    for selector, body in re.findall(r"([^\s{}]+)\s*\{((?:[^{}']|'[^']*')*)\}", text):
        pairs = [decl.replace("'", "").split(":") for decl in body.split(";")]
        rules[selector] = {key.strip(): value.strip() for key, value in (p for p in pairs if len(p) == 2)}
    return rules


def post_connect_commands(value: str) -> list[str]:
    """`browser.post_connect_cmd` split the way Neo4j Browser splits it: on semicolons outside quotes."""
    kept = re.sub(r"`[^`]*`|\"[^\"]*\"|'[^']*'", lambda m: m.group().replace(";", "\0"), value)
    return [cmd.strip().replace("\0", ";") for cmd in kept.split(";") if cmd.strip()]


# -- the style ------------------------------------------------------------------------------------
def test_every_label_of_the_model_has_a_colour_and_a_caption(model):
    sheet = style(model)
    for label, node in model.nodes.items():
        rule = sheet[f"node.{label}"]
        assert re.fullmatch(r"#[0-9A-F]{6}", rule["color"]), label
        fields = re.findall(r"\{(\w+)\}", rule["caption"])
        assert fields and set(fields) <= set(node.properties), (label, rule["caption"])
    for family in model.families:
        assert sheet[f"node.{family}"]["caption"] == "{name}"
    assert "{title}" in sheet["node.Document"]["caption"] and sheet["node.Claim"]["caption"] == "{predicate}"
    concrete = [label for label, node in model.nodes.items() if not node.abstract]
    assert len({sheet[f"node.{label}"]["color"] for label in concrete}) == len(concrete), "one colour per label"
    # a node takes every rule naming one of its labels, later ones winning: Entity's must come first
    order = list(sheet)
    assert all(order.index("node.Entity") < order.index(f"node.{family}") for family in model.families)


def test_a_new_family_gets_a_style_of_its_own(model):
    entity = model.nodes["Entity"]
    vessel = NodeType("Vessel", "A ship.", False, "Entity", entity.properties, ("ship",))
    bigger = dataclasses.replace(model, nodes={**model.nodes, "Vessel": vessel})
    assert "Vessel" in bigger.families
    sheet = style(bigger)
    others = {sheet[f"node.{label}"]["color"] for label in model.nodes}
    assert sheet["node.Vessel"]["caption"] == "{name}" and sheet["node.Vessel"]["color"] not in others


def test_the_grass_file_reads_back_as_the_style(model):
    sheet = style(model)
    assert parse_grass(grass(sheet)) == sheet


# -- the guide ------------------------------------------------------------------------------------
def test_the_guide_names_only_labels_and_types_of_the_model(model):
    assert len(SAVED.queries) >= 8 and all(SAVED.titles)
    for _, query in SAVED.queries:
        code = re.sub(r"'[^']*'", "''", query)  # names in strings are data, not labels
        for name in re.findall(r"[:|]\s*([A-Z]\w*)", code):
            assert name in model.nodes or name in model.relationships, (name, query)
    # the contacts question counts the dealings and the memberships the model marks as such
    dealings = re.search(r"\[dealing:([A-Z_|]+)\]", GUIDE_TEXT).group(1).split("|")
    members = re.search(r"\[:([A-Z_|]+)\]-&gt;\(org\)", GUIDE_TEXT).group(1).split("|")
    assert sorted(dealings) == sorted(model.contact_types) and sorted(members) == sorted(model.membership_types)


@pytest.fixture(scope="module")
def guided(seeded, model, tmp_path_factory):
    """The seed graph plus one document nobody annotated, so that something awaits review."""
    report = tmp_path_factory.mktemp("unannotated") / "report.txt"
    report.write_text(REPORT)
    assert not load(seeded, model, report).errors
    return seeded


@pytest.mark.neo4j
@pytest.mark.parametrize("query", QUERIES)
def test_every_saved_query_runs_and_answers(guided, query):
    rows = guided.read(query)
    assert rows, "the query returned no rows on the seed graph"
    assert any(value not in (None, [], "") for row in rows for value in row.values())


# -- how the Browser gets them --------------------------------------------------------------------
@pytest.mark.neo4j
def test_neo4j_tells_the_browser_to_apply_the_style_and_open_the_guide(server, settings, graph, model):
    if server is None:
        pytest.skip("NEO4J_URI names an external server, which cablegraph does not configure")
    config = {r["name"]: r["value"] for r in graph.read("CALL dbms.clientConfig() YIELD name, value RETURN *")}
    style_cmd, guide_cmd = post_connect_commands(config["browser.post_connect_cmd"])
    assert json.loads(style_cmd.removeprefix("style ")) == style(model)
    assert guide_cmd == f"guide http://127.0.0.1:{settings.cablegraph_port}{URL_PATH}/guide.html"
    assert config["browser.remote_content_hostname_whitelist"].split(",") == ["localhost", "127.0.0.1"]


@pytest.mark.neo4j
def test_the_api_serves_guide_and_style_to_other_origins_and_nothing_else(seeded, model):
    browser = {"origin": "http://127.0.0.1:7474"}
    preflight = {**browser, "access-control-request-method": "GET",
                 "access-control-request-headers": "cache-control, pragma, sentry-trace"}
    with TestClient(create_app(seeded), base_url="http://localhost") as client:
        guide = client.get(f"{URL_PATH}/guide.html", headers=browser)
        assert guide.status_code == 200 and guide.text == GUIDE_TEXT
        assert guide.headers["access-control-allow-origin"] == "*"
        asked = client.options(f"{URL_PATH}/guide.html", headers=preflight)
        assert asked.status_code == 200
        allowed = set(asked.headers["access-control-allow-headers"].lower().split(", "))
        assert {"cache-control", "pragma", "sentry-trace"} <= allowed
        sheet = client.get(f"{URL_PATH}/{STYLE_NAME}", headers=browser)
        assert sheet.text == grass(style(model)) and sheet.headers["access-control-allow-origin"] == "*"
        assert "access-control-allow-origin" not in client.get("/health", headers=browser).headers
        assert "access-control-allow-origin" not in client.options("/graphql", headers=preflight).headers


# a file dropped on Neo4j Browser, as a user drags a saved .grass onto it
DROP = """
const dropped = new DataTransfer();
dropped.items.add(new File([arguments[0]], arguments[1], {type: "text/plain"}));
document.querySelector(".filedrop").dispatchEvent(new DragEvent("drop", {dataTransfer: dropped, bubbles: true}));
"""


def requests_made(driver) -> tuple[dict[str, str], set[str]]:
    """Every request the page made (id -> URL) and the ids of those that failed, from Chromium's log."""
    urls, failed = {}, set()
    for entry in driver.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls[message["params"]["requestId"]] = message["params"]["request"]["url"]
        elif message["method"] == "Network.loadingFailed":
            failed.add(message["params"]["requestId"])
    return urls, failed


@pytest.mark.neo4j
def test_neo4j_browser_applies_the_style_and_opens_the_guide_offline(server, settings, guided, model, chromium):
    if server is None:
        pytest.skip("NEO4J_URI names an external server, which cablegraph does not configure")
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support.ui import WebDriverWait

    sheet = style(model)
    title = re.search(r"<title>(.*?)</title>", GUIDE_TEXT).group(1)
    style_url = f"http://localhost:{settings.cablegraph_port}{URL_PATH}/{STYLE_NAME}"
    wait = WebDriverWait(chromium, 60)

    def page(driver) -> str:
        return driver.find_element(By.TAG_NAME, "body").get_attribute("textContent")

    def frames(driver) -> list[str]:  # the result frames, newest first
        found = driver.find_elements(By.CSS_SELECTOR, '[data-testid="frame"]')
        return [frame.get_attribute("textContent").strip() for frame in found]

    def lists_our_style(frame: str) -> bool:  # what `:style` shows: every rule, with its colour
        return all(f"{selector} {{" in frame and rule["color"] in frame for selector, rule in sheet.items())

    def run(command: str) -> None:
        chromium.find_element(By.CSS_SELECTOR, '[data-testid="activeEditor"] textarea').send_keys(command, Keys.ENTER)

    with serving(create_app(guided, settings), settings.cablegraph_host, settings.cablegraph_port):
        browser_login(chromium, settings, server.password())
        # on connecting, unasked: the guide opens in the sidebar, and `:style` lists the style in use
        wait.until(lambda d: title in page(d) and SAVED.titles[0] in page(d))
        wait.until(lambda d: any(f.startswith(":style {") and lists_our_style(f) for f in frames(d)))

        # by hand, as the README says for any other Neo4j: `:style <url>`, or the saved file dropped on the page
        run(":style reset")
        wait.until(lambda d: frames(d)[0].startswith(":style reset") and not lists_our_style(frames(d)[0]))
        run(f":style {style_url}")
        wait.until(lambda d: frames(d)[0].startswith(f":style {style_url}") and lists_our_style(frames(d)[0]))
        run(":style reset")
        wait.until(lambda d: frames(d)[0].startswith(":style reset"))
        saved = urllib.request.urlopen(style_url).read().decode()
        chromium.execute_script(DROP, saved, STYLE_NAME)
        wait.until(lambda d: frames(d)[0].startswith(":style") and lists_our_style(frames(d)[0]))

        # one click on a saved query's play icon draws it, in the style's colours and captions
        slide = next(i for i, t in enumerate(SAVED.titles) if t.startswith("The evidence"))
        chromium.find_element(By.CSS_SELECTOR, f'[data-testid="pagination-{slide + 1}"]').click()
        query = wait.until(lambda d: [p for p in d.find_elements(By.CSS_SELECTOR, "pre.runnable")
                                      if "RETURN claim, stated, doc" in p.text])[0]
        query.find_element(By.CSS_SELECTOR, "i.fa-play-circle-o").click()
        nodes = wait.until(lambda d: d.find_elements(By.CSS_SELECTOR, "svg g.node circle.b-outline"))
        drawn = {}
        for node in chromium.find_elements(By.CSS_SELECTOR, "svg g.node"):
            fill = node.find_element(By.CSS_SELECTOR, "circle.b-outline").get_attribute("fill").upper()
            caption = "".join(t.get_attribute("textContent") for t in node.find_elements(By.CSS_SELECTOR, "text"))
            drawn.setdefault(fill, []).append(caption.strip())
        assert nodes and set(drawn) == {sheet[f"node.{label}"]["color"]
                                        for label in ("Claim", "Document", "Person", "Organization")}
        predicates = [r["p"] for r in guided.read("MATCH (c:Claim) RETURN DISTINCT c.predicate AS p")]
        for caption in drawn[sheet["node.Claim"]["color"]]:  # long captions are cut short with an ellipsis
            assert caption and any(p.startswith(caption.rstrip("…")) for p in predicates), caption
        assert [caption[:5] for caption in drawn[sheet["node.Person"]["color"]]] == ["Moham"]
        assert [caption[:11] for caption in drawn[sheet["node.Document"]["color"]]] == ["2019-11 How"]

    urls, failed = requests_made(chromium)
    local = {"127.0.0.1", "localhost"}
    assert guide_url(settings) in urls.values()
    outside = {i: url for i, url in urls.items() if url.startswith("http") and urlsplit(url).hostname not in local}
    assert set(outside) <= failed, f"reached the network: {sorted(outside.values())}"
