/* Cablegraph dashboard: totals, search, an entity's network, evidence and timeline.
 *
 * Reads only through the GraphQL API at /graphql. Every piece of data reaches the DOM as text
 * (textContent, text nodes, attributes), never as markup: document text is untrusted.
 * State lives in the URL hash (#entity=ID&depth=1&type=T) so views can be bookmarked and Back works.
 */
"use strict";

const FAMILY_COLOURS = {
  PERSON: "#4e79a7", ORGANIZATION: "#e15759", OPERATION: "#f28e2b", LOCATION: "#59a14f",
};
const OTHER_COLOUR = "#9c755f";
const NEIGHBOURS = 50;   // nodes around the centre, nearest first (the API's `first`)
const TOP = 10;          // rows per overview card
const PAGE = 200;        // the API's largest page: an entity's facts, documents and timeline, an edge's claims

const $ = (id) => document.getElementById(id);
let cy = null;           // the cytoscape instance of the current network
let current = null;      // {id, depth, type} being shown
const names = new Map(); // entity id -> name, for labels of things we have seen
let searchSeq = 0, viewSeq = 0, evidenceSeq = 0;

// -- helpers -------------------------------------------------------------------------------------
/** An element with attributes and children; strings become text nodes, so data is never parsed as HTML. */
function h(tag, props, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v == null || v === false) continue;
    if (k === "class") el.className = v;
    else if (k === "dataset") Object.assign(el.dataset, v);
    else if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else el.setAttribute(k, v === true ? "" : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c != null && c !== false) el.append(c instanceof Node ? c : String(c));
  }
  return el;
}

function familyColour(family) { return FAMILY_COLOURS[family] || OTHER_COLOUR; }
function familyLabel(family) { return family ? family.charAt(0) + family.slice(1).toLowerCase() : ""; }
function safeUrl(url) { return typeof url === "string" && /^https?:\/\//i.test(url) ? url : null; }
function fmtConfidence(c) { return c == null ? "—" : Number(c).toFixed(2); }
function fmtNumber(n) { return Number(n).toLocaleString("en"); }

function status(message, kind) {
  const el = $("status");
  el.hidden = !message;
  el.className = kind || "";
  el.textContent = message || "";
}

const KEY = "cablegraph-api-key"; // this tab's API key, when the API needs one (CABLEGRAPH_ANONYMOUS=none)

/** Ask the API; with this tab's key, if it has one. An API that answers 401 gets the key asked for, once a call. */
async function gql(query, variables, asked = false) {
  const headers = { "content-type": "application/json", accept: "application/json" };
  const key = sessionStorage.getItem(KEY);
  if (key) headers.authorization = `Bearer ${key}`;
  const response = await fetch("/graphql", { method: "POST", headers, body: JSON.stringify({ query, variables }) });
  if (response.status === 401 && !asked) {
    const given = window.prompt("This Cablegraph API needs an API key (its operator makes one with `cablegraph keys add`).");
    if (given && given.trim()) {
      sessionStorage.setItem(KEY, given.trim());
      return gql(query, variables, true);
    }
  }
  let body;
  try { body = await response.json(); } catch (e) { throw new Error(`the API answered ${response.status}`); }
  if (body.errors && body.errors.length) throw new Error(body.errors.map((e) => e.message).join("; "));
  if (!response.ok) throw new Error(`the API answered ${response.status}`);
  return body.data;
}

/** A link to an entity's view; a plain click keeps the current depth, a middle click opens a new tab. */
function entityLink(entity) {
  const open = (ev) => {
    if (ev.button !== 0 || ev.ctrlKey || ev.metaKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    openEntity(entity.id);
  };
  return h("a", { href: "#" + new URLSearchParams({ entity: entity.id }), class: "entity", onclick: open },
    entity.name || entity.id);
}

/** "N", or "N of M" when a page holds only part of a connection. */
function counted(conn) {
  return conn.nodes.length < conn.totalCount ? `${conn.nodes.length} of ${conn.totalCount}` : String(conn.totalCount);
}

function documentTitle(d) {
  return d.title || `untitled, ${d.publisher || d.id}`;
}

function familyBadge(family) {
  return h("span", { class: "badge", style: `background:${familyColour(family)}` }, familyLabel(family));
}

function getState() {
  const p = new URLSearchParams(location.hash.slice(1));
  const depth = p.get("depth") === "2" ? 2 : 1;
  return { id: p.get("entity"), depth, type: p.get("type") || "" };
}

function setState(next) {
  const s = { ...getState(), ...next };
  const p = new URLSearchParams();
  if (s.id) p.set("entity", s.id);
  if (s.depth !== 1) p.set("depth", String(s.depth));
  if (s.type) p.set("type", s.type);
  const hash = "#" + p.toString();
  if (location.hash !== hash) location.hash = hash; else render();
}

function openEntity(id) { setState({ id, type: "" }); }

// -- totals and overview -------------------------------------------------------------------------
const STATS = "{ stats { documents entities relationships claims } }";
const AGGREGATES = `query Aggregates($first: Int!) {
  aggregates(first: $first) {
    byFamily { key count } byKind { key count } byRelationshipType { key count }
    claimsByYear { key count } mostConnected { key count } mostCentral { key score } claimsByDocument { key count }
    current
  }
}`;

/** A card's rows as labelled bars; `value` picks the number (a count, or a score shown to 3 places). */
function bars(listId, rows, label, value = (r) => r.count) {
  const list = $(listId);
  const max = Math.max(Number.MIN_VALUE, ...rows.map(value));
  list.replaceChildren(...rows.map((r) => h("li", null,
    h("span", { class: "label" }, label ? label(r) : r.key),
    h("span", { class: "bar" }, h("span", { style: `width:${(100 * value(r) / max).toFixed(1)}%` })),
    h("span", { class: "count" }, Number.isInteger(value(r)) ? fmtNumber(value(r)) : value(r).toFixed(3)))));
}

async function loadTotals() {
  const data = await gql(STATS);
  for (const [k, v] of Object.entries(data.stats)) {
    const el = document.querySelector(`[data-stat="${k}"]`);
    if (el) { el.textContent = fmtNumber(v); el.dataset.value = String(v); }
  }
}

/** The overview cards: a heavier query than the totals, so asked for separately. */
async function loadOverview() {
  const a = (await gql(AGGREGATES, { first: TOP })).aggregates;
  $("overview-note").hidden = a.current;
  bars("agg-family", a.byFamily, (r) => h("span", null,
    h("i", { class: "swatch", style: `background:${familyColour(r.key.toUpperCase())}` }), r.key));
  bars("agg-type", a.byRelationshipType.slice(0, TOP));
  bars("agg-year", a.claimsByYear);
  bars("agg-kind", a.byKind.slice(0, TOP));
  const fams = $("search-family");
  for (const f of a.byFamily) fams.append(h("option", { value: f.key.toUpperCase() }, f.key));
  const types = $("rel-type");
  for (const t of a.byRelationshipType) types.append(h("option", { value: t.key }, t.key));
  types.value = getState().type;

  // names for the id-keyed rows: one more request
  const ids = [...new Set([...a.mostConnected, ...a.mostCentral].map((r) => r.key))];
  const docs = a.claimsByDocument.slice(0, TOP).map((r) => r.key);
  const docFields = docs.map((_, i) => `d${i}: document(id: $d${i}) { id title publisher published }`).join("\n");
  const docVars = docs.map((_, i) => `$d${i}: ID!`).join(", ");
  const named = await gql(`query Names($ids: [ID!], $n: Int!${docVars ? ", " + docVars : ""}) {
    entities(filter: {ids: $ids}, first: $n) { nodes { id name family } }
    ${docFields}
  }`, { ids, n: ids.length, ...Object.fromEntries(docs.map((d, i) => [`d${i}`, d])) });
  const byId = new Map(named.entities.nodes.map((e) => [e.id, e]));
  for (const e of byId.values()) names.set(e.id, e.name);
  const entityRow = (r) => {
    const e = byId.get(r.key) || { id: r.key, name: r.key };
    return h("span", null, h("i", { class: "swatch", style: `background:${familyColour(e.family)}` }),
      entityLink(e));
  };
  bars("agg-connected", a.mostConnected, entityRow);
  bars("agg-central", a.mostCentral, entityRow, (r) => r.score);
  bars("agg-documents", a.claimsByDocument.slice(0, TOP), (r) => {
    const d = Object.values(named).find((x) => x && x.id === r.key);
    return d ? h("span", { title: [d.publisher, d.published].filter(Boolean).join(", ") }, documentTitle(d)) : r.key;
  });
}

// -- search --------------------------------------------------------------------------------------
const SEARCH = `query Search($q: String!, $family: Family, $first: Int!) {
  search(query: $q, family: $family, first: $first) {
    nodes { score entity { id name aliases family kind tags reviewed } }
  }
}`;

/** The alias that explains a hit better than its name does: the one holding the most of what was typed. */
function matchedAlias(entity, query) {
  const phrase = query.trim().toLowerCase();
  const words = phrase.match(/\w+/g) || [];
  const score = (s) => {
    const low = s.toLowerCase();
    return (low.includes(phrase) ? 1 : 0) + words.filter((w) => low.includes(w)).length;
  };
  let best = null, bestScore = score(entity.name);
  for (const alias of entity.aliases) {
    const sc = score(alias);
    if (sc > bestScore) { best = alias; bestScore = sc; }
  }
  return best;
}

async function search(query) {
  const seq = ++searchSeq;
  const text = query.trim();
  const box = $("results");
  if (!text) { box.hidden = true; return; }
  const family = $("search-family").value || null;
  box.hidden = false;
  box.setAttribute("aria-busy", "true");
  try {
    const data = await gql(SEARCH, { q: text, family, first: 15 });
    if (seq !== searchSeq) return;
    const list = $("result-list");
    const hits = data.search.nodes;
    if (!hits.length) {
      list.replaceChildren(h("li", { class: "empty" }, "Nothing matches."));
      return;
    }
    list.replaceChildren(...hits.map(({ entity, score }) => {
      names.set(entity.id, entity.name);
      const alias = matchedAlias(entity, text);
      return h("li", { dataset: { entity: entity.id } },
        h("button", { type: "button", class: "result", onclick: () => { box.hidden = true; openEntity(entity.id); } },
          h("span", { class: "name" }, entity.name),
          familyBadge(entity.family),
          h("span", { class: "kind" }, entity.kind),
          entity.reviewed ? null : h("span", { class: "badge unreviewed" }, "unreviewed"),
          alias ? h("span", { class: "alias" }, `matched “${alias}”`) : null,
          h("span", { class: "score", title: "full-text score" }, score.toFixed(1))));
    }));
    status("");
  } catch (err) {
    if (seq === searchSeq) status(`Search failed: ${err.message}`, "error");
  } finally {
    if (seq === searchSeq) box.removeAttribute("aria-busy");
  }
}

// -- one entity: details, facts, timeline --------------------------------------------------------
const ENTITY = `query Entity($id: ID!, $page: Int!) {
  entity(id: $id) {
    id name aliases family kind tags description reviewed
    documents(first: $page) { totalCount nodes { id title publisher published } }
    relationships(first: $page) {
      totalCount nodes { type confidence firstDate lastDate source { id name } target { id name } }
    }
    timeline(first: $page) {
      totalCount
      nodes {
        id predicate quote date datePrecision confidence method
        subject { id name } object { id name } claimedBy { id name }
        document { id title publisher published }
      }
    }
  }
}`;

const NEIGHBOURHOOD = `query Network($id: ID!, $depth: Int!, $types: [RelationshipType!], $first: Int!) {
  neighbourhood(id: $id, depth: $depth, types: $types, first: $first) {
    entities { id name family kind reviewed }
    relationships { type confidence firstDate lastDate source { id } target { id } }
  }
}`;

function renderEntity(e) {
  const box = $("entity");
  names.set(e.id, e.name);
  const aliases = e.aliases.filter((a) => a !== e.name);
  const byType = new Map();
  for (const r of e.relationships.nodes) {
    if (!byType.has(r.type)) byType.set(r.type, []);
    byType.get(r.type).push(r);
  }
  box.replaceChildren(
    h("h2", { id: "entity-name" }, e.name),
    h("p", { class: "meta" }, familyBadge(e.family), " ", h("span", { class: "kind" }, e.kind), " ",
      e.reviewed ? h("span", { class: "badge reviewed", title: "curated or accepted by a reviewer" }, "reviewed")
        : h("span", { class: "badge unreviewed", title: "found by extraction; nobody has reviewed it" },
          "unreviewed")),
    e.tags.length ? h("p", { class: "tags" }, e.tags.map((t) => h("span", { class: "tag" }, t))) : null,
    e.description ? h("p", { class: "description" }, e.description) : null,
    aliases.length ? h("p", { class: "aliases" }, h("b", null, "Also: "), aliases.join(" · ")) : null,
    h("p", { class: "muted" }, `id ${e.id}`),
    h("h3", null, `Facts (${counted(e.relationships)})`),
    h("ul", { class: "facts" }, [...byType].map(([type, rels]) => h("li", null,
      h("span", { class: "type" }, type),
      h("ul", null, rels.map((r) => {
        const out = r.source.id === e.id;
        const other = out ? r.target : r.source;
        return h("li", null,
          h("span", { class: "dir", title: out ? "outgoing" : "incoming" }, out ? "→" : "←"), " ",
          entityLink(other), " ",
          h("button", { type: "button", class: "link small", onclick: () => showRelationship(r.source.id, r.type,
            r.target.id) }, "evidence"));
      }))))),
    h("h3", null, `Documents (${counted(e.documents)})`),
    h("ul", { class: "documents" }, e.documents.nodes.map((d) => h("li", null,
      h("cite", null, documentTitle(d)), d.publisher ? `, ${d.publisher}` : "", d.published ? `, ${d.published}` : ""))),
  );
  box.hidden = false;
  $("welcome").hidden = true;
}

/** A date's place on a year axis: "2014" is mid-2014, "2014-12" mid-December, "2014-12-07" that day. */
function dateValue(date) {
  const [y, m, d] = date.split("-").map(Number);
  if (!m) return y + 0.5;
  if (!d) return y + (m - 0.5) / 12;
  return y + (m - 1 + (d - 0.5) / 31) / 12;
}

function renderTimeline(e) {
  const panel = $("timeline-panel");
  const list = $("timeline");
  const items = e.timeline.nodes;
  panel.hidden = false;
  $("timeline-note").textContent = items.length < e.timeline.totalCount ? `the first ${counted(e.timeline)}` : "";
  if (!items.length) {
    list.replaceChildren(h("li", { class: "empty" }, "No dated claims about this entity."));
    $("timeline-strip").replaceChildren();
    return;
  }
  list.replaceChildren(...items.map((c) => h("li", { id: `t-${c.id}`, dataset: { date: c.date, claim: c.id } },
    h("time", { datetime: c.date, title: `precision: ${c.datePrecision || "unknown"}` }, c.date),
    h("div", null,
      h("p", { class: "fact" }, entityLink(c.subject), " ", h("span", { class: "type" }, c.predicate), " ",
        entityLink(c.object)),
      h("blockquote", { class: "quote" }, c.quote),
      h("p", { class: "source" }, claimant(c), " · ", documentLine(c.document), " · confidence ",
        fmtConfidence(c.confidence))))));
  drawStrip(items);
}

function drawStrip(items) {
  const svg = $("timeline-strip");
  const NS = "http://www.w3.org/2000/svg";
  const s = (tag, attrs, text) => {
    const el = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
    if (text != null) el.textContent = text;
    return el;
  };
  const width = svg.clientWidth || 800, height = 56, pad = 24;
  items = items.filter((c) => Number.isFinite(dateValue(c.date)));
  if (!items.length) { svg.replaceChildren(); return; }
  const values = items.map((c) => dateValue(c.date));
  const lo = Math.floor(Math.min(...values)), hi = Math.floor(Math.max(...values)) + 1;
  const x = (v) => pad + (width - 2 * pad) * (v - lo) / (hi - lo);
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  const children = [s("line", { x1: pad, x2: width - pad, y1: 30, y2: 30, class: "axis" })];
  const step = Math.max(1, Math.ceil((hi - lo) / 12));
  for (let y = lo; y <= hi; y += step) {
    children.push(s("line", { x1: x(y), x2: x(y), y1: 26, y2: 34, class: "tick" }));
    children.push(s("text", { x: x(y), y: 50, "text-anchor": "middle" }, String(y)));
  }
  const stacked = new Map();
  items.forEach((c, i) => {
    const px = Math.round(x(values[i]));
    const k = stacked.get(px) || 0;
    stacked.set(px, k + 1);
    const dot = s("circle", { cx: px, cy: 30 - 7 * Math.min(k, 3), r: 4, class: "dot", tabindex: 0 });
    dot.append(s("title", {}, `${c.date} ${c.subject.name} ${c.predicate} ${c.object.name}`));
    const go = () => {
      const li = $(`t-${c.id}`);
      li.scrollIntoView({ behavior: "smooth", block: "center" });
      li.classList.add("flash");
      setTimeout(() => li.classList.remove("flash"), 1500);
    };
    dot.addEventListener("click", go);
    dot.addEventListener("keydown", (ev) => { if (ev.key === "Enter") go(); });
    children.push(dot);
  });
  svg.replaceChildren(...children);
}

function claimant(c) {
  return c.claimedBy
    ? h("span", { class: "claimant" }, "claimed by ", entityLink(c.claimedBy))
    : h("span", { class: "claimant", title: "the document states it itself" }, "the document's own reporting");
}

function documentLine(d) {
  const url = safeUrl(d.url);
  return h("span", { class: "document" },
    url ? h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, h("cite", null, documentTitle(d)))
      : h("cite", null, documentTitle(d)),
    d.publisher ? `, ${d.publisher}` : "", d.published ? `, ${d.published}` : "");
}

// -- network -------------------------------------------------------------------------------------
const NETWORK_STYLE = [
  { selector: "node", style: {
    "background-color": "data(colour)", label: "data(name)", "font-size": 11, color: "#1d2433",
    "text-valign": "bottom", "text-margin-y": 3, "text-outline-color": "#fff", "text-outline-width": 2,
    "text-wrap": "ellipsis", "text-max-width": "150px",
    width: "mapData(degree, 1, 15, 16, 40)", height: "mapData(degree, 1, 15, 16, 40)",
  } },
  { selector: "node.unreviewed", style: { "border-width": 2, "border-style": "dashed", "border-color": "#333" } },
  { selector: "node.centre", style: {
    width: 52, height: 52, "border-width": 4, "border-color": "#1d2433", "font-size": 13, "font-weight": "bold",
    "text-max-width": "260px",
  } },
  { selector: "edge", style: {
    width: "mapData(confidence, 0, 1, 1, 3.5)", "line-color": "#a9b2c3", "target-arrow-color": "#a9b2c3",
    "target-arrow-shape": "triangle", "arrow-scale": 0.8, "curve-style": "bezier",
  } },
  { selector: "edge.labelled", style: {
    label: "data(type)", "font-size": 8, color: "#5b6577", "text-rotation": "autorotate",
    "text-background-color": "#fff", "text-background-opacity": 0.85, "text-background-padding": 1,
  } },
  { selector: "edge.active", style: {
    "line-color": "#d62728", "target-arrow-color": "#d62728", width: 5, "z-index": 10, label: "data(type)",
    "font-size": 10, color: "#d62728", "text-rotation": "autorotate",
    "text-background-color": "#fff", "text-background-opacity": 1,
  } },
  { selector: ".faded", style: { opacity: 0.2 } },
];

function drawNetwork(centre, data, depth) {
  const container = $("network");
  container.dataset.state = "drawing";
  if (cy) cy.destroy();
  const degree = new Map(), adjacent = new Map();
  for (const r of data.relationships) {
    for (const [a, b] of [[r.source.id, r.target.id], [r.target.id, r.source.id]]) {
      degree.set(a, (degree.get(a) || 0) + 1);
      if (!adjacent.has(a)) adjacent.set(a, new Set());
      adjacent.get(a).add(b);
    }
  }
  const hops = new Map([[centre, 0]]);   // the layout's rings: the centre, then each hop outwards
  for (const queue = [centre]; queue.length;) {
    const id = queue.shift();
    for (const n of adjacent.get(id) || []) if (!hops.has(n)) { hops.set(n, hops.get(id) + 1); queue.push(n); }
  }
  const elements = [
    ...data.entities.map((e) => {
      names.set(e.id, e.name);
      return {
        group: "nodes",
        data: { id: e.id, name: e.name, family: e.family, colour: familyColour(e.family),
          degree: degree.get(e.id) || 0, hops: hops.has(e.id) ? hops.get(e.id) : depth },
        classes: [e.id === centre ? "centre" : "", e.reviewed ? "" : "unreviewed"].join(" ").trim(),
      };
    }),
    ...data.relationships.map((r) => ({
      group: "edges",
      data: {
        id: `${r.source.id}|${r.type}|${r.target.id}`, source: r.source.id, target: r.target.id, type: r.type,
        confidence: r.confidence == null ? 0.5 : r.confidence,
      },
      classes: depth === 1 ? "labelled" : "",
    })),
  ];
  cy = cytoscape({
    container, elements, style: NETWORK_STYLE, minZoom: 0.2, maxZoom: 3,
    layout: depth === 1
      ? { name: "concentric", animate: false, padding: 16, minNodeSpacing: 70, startAngle: 3 / 2 * Math.PI,
        concentric: (n) => 10 - n.data("hops"), levelWidth: () => 1 }
      : { name: "cose", animate: false, padding: 16, randomize: false, nodeRepulsion: () => 400000,
        idealEdgeLength: () => 70, nodeOverlap: 20, gravity: 60, numIter: 1500 },
  });
  cy.on("tap", "node", (ev) => { if (ev.target.id() !== centre) openEntity(ev.target.id()); });
  cy.on("tap", "edge", (ev) => {
    const d = ev.target.data();
    showRelationship(d.source, d.type, d.target);
  });
  cy.on("mouseover", "node", (ev) => {
    const near = ev.target.closedNeighborhood();
    cy.elements().not(near).addClass("faded");
    container.title = ev.target.data("name");
  });
  cy.on("mouseout", "node", () => { cy.elements().removeClass("faded"); container.title = ""; });
  cy.on("mouseover", "edge", (ev) => {
    const d = ev.target.data();
    container.title = `${names.get(d.source)} ${d.type} ${names.get(d.target)}: click for the evidence`;
  });
  cy.on("mouseout", "edge", () => { container.title = ""; });
  const shown = data.entities.length - 1;
  $("network-note").textContent = `${shown} neighbour${shown === 1 ? "" : "s"}, ${data.relationships.length} facts` +
    (shown >= NEIGHBOURS ? ` (the ${NEIGHBOURS} nearest)` : "");
  const families = [...new Set(data.entities.map((e) => e.family))].sort();
  $("legend").replaceChildren(...families.map((f) => h("span", { class: "legend-item" },
    h("i", { class: "swatch", style: `background:${familyColour(f)}` }), familyLabel(f))));
  container.dataset.nodes = String(cy.nodes().length);
  container.dataset.edges = String(cy.edges().length);
  container.dataset.centre = centre;
  container.dataset.depth = String(depth);
  container.dataset.state = "ready";
}

// -- evidence ------------------------------------------------------------------------------------
// A fact is found by its source, type and target: first the cursor just before it in the source's
// outgoing facts of that type, then that one fact with its claims.
const FACTS_OF_TYPE = `query Facts($id: ID!, $types: [RelationshipType!], $page: Int!, $after: String) {
  entity(id: $id) {
    relationships(types: $types, direction: OUT, first: $page, after: $after) {
      edges { cursor node { target { id } } }
      pageInfo { hasNextPage endCursor }
    }
  }
}`;
const EVIDENCE = `query Evidence($id: ID!, $types: [RelationshipType!], $after: String, $page: Int!) {
  entity(id: $id) {
    relationships(types: $types, direction: OUT, first: 1, after: $after) {
      nodes {
        type confidence firstDate lastDate source { id name } target { id name }
        evidence(first: $page) {
          totalCount
          nodes {
            id quote date datePrecision confidence method note claimedBy { id name }
            document { id title publisher published url }
          }
        }
      }
    }
  }
}`;

/** The cursor just before `source`'s `type` fact to `target`: null when it comes first, undefined if none. */
async function cursorBefore(source, type, target) {
  let before = null;
  for (let after = null; ;) {
    const data = await gql(FACTS_OF_TYPE, { id: source, types: [type], page: PAGE, after });
    if (!data.entity) return undefined;
    const facts = data.entity.relationships;
    for (const edge of facts.edges) {
      if (edge.node.target.id === target) return before;
      before = edge.cursor;
    }
    if (!facts.pageInfo.hasNextPage) return undefined;
    after = facts.pageInfo.endCursor;
  }
}

async function showRelationship(source, type, target) {
  const seq = ++evidenceSeq;
  const body = $("evidence-body");
  body.dataset.state = "loading";
  if (cy) {
    cy.edges().removeClass("active");
    cy.getElementById(`${source}|${type}|${target}`).addClass("active");
  }
  try {
    const after = await cursorBefore(source, type, target);
    const data = after === undefined ? null : await gql(EVIDENCE, { id: source, types: [type], after, page: PAGE });
    if (seq !== evidenceSeq) return;
    const rel = data && data.entity.relationships.nodes.find((r) => r.target.id === target);
    if (!rel) throw new Error(`no ${type} fact from ${source} to ${target}`);
    const claims = rel.evidence.nodes;
    const dates = rel.firstDate ? (rel.firstDate === rel.lastDate ? rel.firstDate
      : `${rel.firstDate} to ${rel.lastDate}`) : "undated";
    body.replaceChildren(
      h("p", { class: "edge-title" }, entityLink(rel.source), " ", h("span", { class: "type" }, rel.type), " ",
        entityLink(rel.target)),
      h("p", { class: "muted" }, `${counted(rel.evidence)} claim${rel.evidence.totalCount === 1 ? "" : "s"} · ` +
        `highest confidence ${fmtConfidence(rel.confidence)} · ${dates}`),
      ...claims.map((c) => h("figure", { class: "claim", dataset: { claim: c.id, document: c.document.id } },
        h("blockquote", { class: "quote" }, c.quote),
        h("figcaption", null,
          h("p", null, h("b", null, c.date || "undated"), c.date && c.datePrecision ? ` (${c.datePrecision})` : "",
            " · confidence ", fmtConfidence(c.confidence), " · ", c.method),
          h("p", null, claimant(c)),
          h("p", null, documentLine(c.document)),
          c.note ? h("p", { class: "note" }, c.note) : null))),
    );
    body.dataset.state = "ready";
    body.dataset.edge = `${source}|${type}|${target}`;
    status("");
  } catch (err) {
    if (seq !== evidenceSeq) return;
    body.dataset.state = "error";
    status(`Could not load the evidence: ${err.message}`, "error");
  }
}

// -- the view for the URL ------------------------------------------------------------------------
/** No entity open: the hint instead of details, an empty network, no timeline or evidence. */
function showWelcome() {
  current = null;
  for (const id of ["entity", "timeline-panel"]) $(id).hidden = true;
  $("welcome").hidden = false;
  if (cy) { cy.destroy(); cy = null; }
  $("network").dataset.state = "empty";
  for (const id of ["network-note", "legend", "evidence-body"]) $(id).replaceChildren();
  document.title = "Cablegraph";
}

async function render() {
  const state = getState();
  $("depth").value = String(state.depth);
  $("rel-type").value = state.type;
  if (!state.id) { showWelcome(); return; }
  const seq = ++viewSeq;
  const sameEntity = current && current.id === state.id;
  current = state;
  $("results").hidden = true;
  $("network").dataset.state = "loading";
  status("Loading…");
  try {
    const [detail, network] = await Promise.all([
      sameEntity ? null : gql(ENTITY, { id: state.id, page: PAGE }),
      gql(NEIGHBOURHOOD, { id: state.id, depth: state.depth, types: state.type ? [state.type] : null,
        first: NEIGHBOURS }),
    ]);
    if (seq !== viewSeq) return;
    if (detail) {
      if (!detail.entity) {
        showWelcome();
        status(`No entity with id “${state.id}”.`, "error");
        return;
      }
      renderEntity(detail.entity);
      renderTimeline(detail.entity);
      $("evidence-body").replaceChildren();
      document.title = `${detail.entity.name} · Cablegraph`;
    }
    drawNetwork(state.id, network.neighbourhood, state.depth);
    status("");
  } catch (err) {
    if (seq === viewSeq) status(`Could not load ${state.id}: ${err.message}`, "error");
  }
}

function start() {
  const input = $("search");
  let timer = null;
  input.addEventListener("input", () => { clearTimeout(timer); timer = setTimeout(() => search(input.value), 250); });
  input.addEventListener("focus", () => { if (input.value.trim()) $("results").hidden = false; });
  input.addEventListener("keydown", (ev) => {
    if (ev.key === "ArrowDown") { const first = document.querySelector("#result-list button"); if (first) first.focus(); }
  });
  $("result-list").addEventListener("keydown", (ev) => {   // arrow keys walk the results
    const item = ev.target.closest("li");
    const next = ev.key === "ArrowDown" ? item && item.nextElementSibling
      : ev.key === "ArrowUp" ? item && item.previousElementSibling : null;
    if (next && next.querySelector("button")) { ev.preventDefault(); next.querySelector("button").focus(); }
  });
  $("search-form").addEventListener("submit", (ev) => { ev.preventDefault(); clearTimeout(timer); search(input.value); });
  $("search-family").addEventListener("change", () => search(input.value));
  $("depth").addEventListener("change", (ev) => setState({ depth: Number(ev.target.value) }));
  $("rel-type").addEventListener("change", (ev) => setState({ type: ev.target.value }));
  document.addEventListener("keydown", (ev) => {
    if (ev.key === "/" && document.activeElement !== input) { ev.preventDefault(); input.focus(); }
  });
  window.addEventListener("hashchange", render);
  // one after the other, the cheapest first: a cold server answers each sooner than all at once
  loadTotals().catch((err) => status(`Could not load the totals: ${err.message}`, "error"))
    .then(render)
    .then(() => loadOverview().catch((err) => status(`Could not load the overview: ${err.message}`, "error")));
}

// A handle for tests and the browser console: the network being shown, and the evidence action.
window.dashboard = { network: () => cy, showRelationship, openEntity };
document.addEventListener("DOMContentLoaded", start);
