"""Neo4j Browser: a style derived from the model, and a guide of saved queries (guide.html).

The style is generated, not kept by hand, so a label added to schema/model.yaml gets a colour and a
caption with no stylesheet to edit. The local server hands both to the Browser on every connection
through `browser.post_connect_cmd`: the style inline, so there is nothing to fetch, and the guide by its
URL on the API. The API serves the guide, and the style as a .grass file for the Browser of any other Neo4j.
"""

from __future__ import annotations

import json
from pathlib import Path

from graph.settings import Settings
from schema.model import Model

GUIDE = Path(__file__).with_name("guide.html")
URL_PATH = "/browser"  # where the API serves the two files below
GUIDE_NAME = GUIDE.name
STYLE_NAME = "cablegraph.grass"
WILDCARD_HOSTS = {"", "0.0.0.0", "::"}  # noqa: S104 - names the addresses a browser cannot fetch from

# (fill, border, text) per concrete label, in the order model.yaml declares them; repeats past the end
PALETTE = (
    ("#4C8EDA", "#2870C2", "#FFFFFF"),
    ("#F79767", "#F36924", "#FFFFFF"),
    ("#C990C0", "#B261A5", "#FFFFFF"),
    ("#8DCC93", "#5DB665", "#2A2C34"),
    ("#D9C8AE", "#C0A378", "#2A2C34"),
    ("#FFC454", "#D7A013", "#2A2C34"),
    ("#57C7E3", "#23B3D7", "#2A2C34"),
    ("#F16667", "#EB2728", "#FFFFFF"),
    ("#ECB5C9", "#DA7298", "#2A2C34"),
    ("#569480", "#447666", "#FFFFFF"),
)
BASE_COLOURS = ("#A5ABB6", "#9AA1AC", "#FFFFFF")  # Neo4j Browser's own, for labels never written alone
# labels without a `name`: a document shows when it was reported and its title, a claim its predicate
CAPTIONS = {"Document": "{published} {title}", "Claim": "{predicate}"}
BASE = {  # Neo4j Browser's own defaults, which a style replaces whole
    "node": {"diameter": "50px", "color": BASE_COLOURS[0], "border-color": BASE_COLOURS[1], "border-width": "2px",
             "text-color-internal": BASE_COLOURS[2], "font-size": "10px"},
    "relationship": {"color": BASE_COLOURS[0], "shaft-width": "1px", "font-size": "8px", "padding": "3px",
                     "text-color-external": "#000000", "text-color-internal": "#FFFFFF", "caption": "<type>"},
}


def style(model: Model) -> dict[str, dict[str, str]]:
    """The Browser's graph style as selector -> properties: a colour and a caption for every label.

    A node takes the properties of every rule that names one of its labels, later rules winning. So
    `Entity` has a rule of its own, first and grey, and each family's colour comes after it: without
    one, the Browser would invent a colour for `Entity` the first time it lists it, append that rule,
    and paint every entity with it."""
    sheet = {selector: dict(props) for selector, props in BASE.items()}
    abstract = [node for node in model.nodes.values() if node.abstract]
    concrete = [node for node in model.nodes.values() if not node.abstract]
    colours = [BASE_COLOURS] * len(abstract) + [PALETTE[i % len(PALETTE)] for i in range(len(concrete))]
    for node, (fill, border, text) in zip(abstract + concrete, colours, strict=True):
        caption = CAPTIONS.get(node.label) or ("{name}" if "name" in node.properties else "{id}")
        sheet[f"node.{node.label}"] = {"color": fill, "border-color": border, "text-color-internal": text,
                                       "caption": caption}
    return sheet


def grass(sheet: dict[str, dict[str, str]]) -> str:
    """The style as a Graph Style Sheet file, the text Neo4j Browser reads from `:style <url>` or a drop."""
    rules = []
    for selector, props in sheet.items():
        lines = [f"  {k}: '{v}';" if k == "caption" else f"  {k}: {v};" for k, v in props.items()]
        rules.append(f"{selector} {{\n" + "\n".join(lines) + "\n}\n")
    return "\n".join(rules)


def api_host(settings: Settings) -> str:
    """The API's address as a browser on this machine reaches it (a wildcard listen address is not one)."""
    host = settings.cablegraph_host
    return "127.0.0.1" if host in WILDCARD_HOSTS else host


def guide_url(settings: Settings) -> str:
    host = api_host(settings)
    return f"http://{f'[{host}]' if ':' in host else host}:{settings.cablegraph_port}{URL_PATH}/{GUIDE_NAME}"


def neo4j_settings(settings: Settings, model: Model) -> dict[str, str]:
    """neo4j.conf lines that make the Browser apply the style and open the guide on connecting.

    The style travels as JSON, which has no semicolon for the Browser to split commands on; the
    Browser may fetch only from this machine (the API's host and localhost), so nothing leaves it."""
    hosts = dict.fromkeys(["localhost", api_host(settings)])
    inline = json.dumps(style(model), separators=(",", ":"))
    return {
        "browser.remote_content_hostname_whitelist": ",".join(hosts),
        "browser.post_connect_cmd": f"style {inline}; guide {guide_url(settings)}",
    }
