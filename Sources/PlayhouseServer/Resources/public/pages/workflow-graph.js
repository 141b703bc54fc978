// A workflow's graph as an SVG drawing, for the workflow page, its editor's preview and
// the page of a run: the nodes in layers left to right (each node one layer after its
// furthest parent), the edges as curves coloured by when they fire.

import { api } from "../api.js";
import { el } from "../dom.js";
import { navigate } from "../router.js";

const SVG = "http://www.w3.org/2000/svg";
const NODE_WIDTH = 176;
const NODE_HEIGHT = 60;
const GAP_X = 76;
const GAP_Y = 26;
const PAD = 14;
const EDGE_LABELS = { on_success: "success", on_failure: "failure", always: "always" };
// How many characters of a node's id and detail fit its box; the whole text is its tooltip.
const FIT = 24;
// How far below the nodes an edge back to an earlier layer (on a cycle) curves.
const BACK_DROP = 40;

// Builds an SVG element; text goes through textContent, as el() does for HTML.
function svg(tag, attributes, ...children) {
  const node = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes || {})) {
    if (value !== null && value !== undefined) node.setAttribute(key, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

// The drawing of `definition` ({nodes, edges}). `detail(node)` is the line under a node's
// id; `states` (node id → state) colours a run's nodes and names their state; `href(id)`
// is the page a node opens, or null. Edges naming no node of the graph are left out, and
// a cycle (an editor's graph may have one until it is saved) is drawn, not refused.
export function drawGraph(definition, { detail = nodeDetail(), states = null, href = () => null } = {}) {
  // An editor's graph may name a node twice until it is saved: the first one is drawn.
  const nodes = (definition.nodes || []).filter((node, index, all) => all.findIndex((n) => n.id === node.id) === index);
  if (!nodes.length) return el("p", { class: "empty", text: "No nodes yet." });
  const ids = new Set(nodes.map((node) => node.id));
  const edges = (definition.edges || []).filter((e) => ids.has(e.from) && ids.has(e.to) && e.from !== e.to);
  const { layers, place, waypoints } = layout(nodes.map((node) => node.id), edges);
  const tallest = Math.max(...layers.map((layer) => layer.length));
  const width = PAD * 2 + layers.length * NODE_WIDTH + (layers.length - 1) * GAP_X;
  const back = (edge) => place.get(edge.to).layer <= place.get(edge.from).layer;
  const height = PAD * 2 + tallest * NODE_HEIGHT + (tallest - 1) * GAP_Y + (edges.some(back) ? BACK_DROP : 0);
  // Each layer is centred on the tallest one.
  const origin = (id) => {
    const { layer, index } = place.get(id);
    const offset = (tallest - layers[layer].length) * (NODE_HEIGHT + GAP_Y) / 2;
    return { x: PAD + layer * (NODE_WIDTH + GAP_X), y: PAD + offset + index * (NODE_HEIGHT + GAP_Y) };
  };
  return svg("svg", { class: "wf-graph-drawing", width, height, viewBox: `0 0 ${width} ${height}`, role: "group",
    "aria-label": `workflow graph of ${nodes.length} nodes and ${edges.length} edges` },
  svg("defs", {}, Object.keys(EDGE_LABELS).map((on) =>
    svg("marker", { id: `wf-arrow-${on}`, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7,
      orient: "auto" }, svg("path", { class: `wf-arrow wf-edge-${on}`, d: "M0 0 L10 5 L0 10 z" })))),
  edges.map((edge, index) => drawEdge(edge, back(edge) ? null : [edge.from, ...waypoints[index], edge.to].map(origin),
    origin(edge.from), origin(edge.to))),
  nodes.map((node) => drawNode(node, origin(node.id), detail(node), states && (states.get(node.id) || "pending"),
    href(node.id))));
}

// Layers by longest path from the roots, then within each layer an order that pulls
// nodes towards their neighbours (barycentres, a few sweeps), which uncrosses most edges.
// An edge across several layers passes a waypoint in each layer between, which takes a
// place there as a node does, so that it runs between the nodes rather than through them.
function layout(ids, edges) {
  const parents = new Map(ids.map((id) => [id, []]));
  const children = new Map(ids.map((id) => [id, []]));
  for (const edge of edges) {
    parents.get(edge.to).push(edge.from);
    children.get(edge.from).push(edge.to);
  }
  const layerOf = new Map();
  const waiting = new Map(ids.map((id) => [id, parents.get(id).length]));
  const ready = ids.filter((id) => waiting.get(id) === 0);
  for (const id of ready) {
    layerOf.set(id, Math.max(0, ...parents.get(id).map((parent) => layerOf.get(parent) + 1)));
    for (const child of children.get(id)) {
      waiting.set(child, waiting.get(child) - 1);
      if (waiting.get(child) === 0) ready.push(child);
    }
  }
  // Nodes on a cycle never became ready: each goes after whichever of its parents has a place.
  for (const id of ids) {
    if (layerOf.has(id)) continue;
    const placed = parents.get(id).filter((parent) => layerOf.has(parent));
    layerOf.set(id, Math.max(0, ...placed.map((parent) => layerOf.get(parent) + 1)));
  }
  // What the ordering pulls on: the forward edges, long ones as chains of waypoints (ids
  // with a NUL, which no node id has). An edge back to an earlier layer pulls on nothing.
  const up = new Map(ids.map((id) => [id, []]));
  const down = new Map(ids.map((id) => [id, []]));
  const waypoints = edges.map((edge, index) => {
    const span = layerOf.get(edge.to) - layerOf.get(edge.from);
    if (span < 1) return [];
    const chain = [edge.from];
    for (let step = 1; step < span; step += 1) {
      const waypoint = `\u0000${index}:${step}`;
      layerOf.set(waypoint, layerOf.get(edge.from) + step);
      up.set(waypoint, []);
      down.set(waypoint, []);
      chain.push(waypoint);
    }
    chain.push(edge.to);
    for (let at = 1; at < chain.length; at += 1) {
      up.get(chain[at]).push(chain[at - 1]);
      down.get(chain[at - 1]).push(chain[at]);
    }
    return chain.slice(1, -1);
  });
  const layers = [];
  for (const id of [...ids, ...waypoints.flat()]) (layers[layerOf.get(id)] ||= []).push(id);
  const place = new Map();
  const measure = () => layers.forEach((layer, index) => layer.forEach((id, at) => place.set(id, { layer: index, index: at })));
  // A node's height, centred as the drawing centres its layer, so layers compare.
  const centre = (id) => place.get(id).index - (layers[place.get(id).layer].length - 1) / 2;
  measure();
  for (let sweep = 0; sweep < 4; sweep += 1) {
    const neighbours = sweep % 2 === 0 ? up : down;
    const order = sweep % 2 === 0 ? layers.keys() : [...layers.keys()].reverse();
    for (const index of order) {
      const key = new Map(layers[index].map((id) => {
        const near = neighbours.get(id);
        return [id, near.length ? near.reduce((sum, other) => sum + centre(other), 0) / near.length : centre(id)];
      }));
      layers[index].sort((a, b) => key.get(a) - key.get(b));
      measure();
    }
  }
  return { layers, place, waypoints };
}

// A forward edge runs through `points` (the boxes of its node, its waypoints and the next
// node): a curve from each right side to the next left side, straight across each
// waypoint. An edge back to an earlier layer (points null) goes from `from`'s bottom to
// `to`'s, curving below the nodes.
function drawEdge(edge, points, from, to) {
  let path;
  let label;
  if (points) {
    const segments = [];
    for (let at = 1; at < points.length; at += 1) {
      const [x1, y1] = [points[at - 1].x + NODE_WIDTH, points[at - 1].y + NODE_HEIGHT / 2];
      const [x2, y2] = [points[at].x, points[at].y + NODE_HEIGHT / 2];
      segments.push(`C${x1 + GAP_X / 2} ${y1} ${x2 - GAP_X / 2} ${y2} ${x2} ${y2}`);
      if (at < points.length - 1) segments.push(`L${x2 + NODE_WIDTH} ${y2}`);
      // The label sits just above the first curve's midpoint (t = 0.5 of this cubic).
      label ||= { x: (x1 + x2) / 2, y: (y1 + y2) / 2 - 4 };
    }
    path = `M${points[0].x + NODE_WIDTH} ${points[0].y + NODE_HEIGHT / 2} ${segments.join(" ")}`;
  } else {
    const [x1, y1, x2, y2] = [from.x + NODE_WIDTH / 2, from.y + NODE_HEIGHT, to.x + NODE_WIDTH / 2, to.y + NODE_HEIGHT];
    path = `M${x1} ${y1} C${x1} ${y1 + BACK_DROP} ${x2} ${y2 + BACK_DROP} ${x2} ${y2}`;
    label = { x: (x1 + x2) / 2, y: (y1 + y2) / 2 + BACK_DROP * 0.75 - 4 };
  }
  return svg("g", { class: `wf-edge wf-edge-${edge.on}`, "data-from": edge.from, "data-to": edge.to, "data-on": edge.on },
    svg("path", { d: path, "marker-end": `url(#wf-arrow-${edge.on})` }),
    svg("text", { class: "wf-edge-label", x: label.x, y: label.y, "text-anchor": "middle" }, EDGE_LABELS[edge.on] || edge.on));
}

function drawNode(node, at, detail, state, href) {
  const group = svg("g", {
    class: `wf-node wf-type-${node.type}${state ? ` wf-state-${state}` : ""}${href ? " wf-node-link" : ""}`,
    "data-node": node.id, "data-type": node.type, "data-state": state, transform: `translate(${at.x} ${at.y})`,
    role: href ? "link" : null, tabindex: href ? 0 : null },
  svg("title", {}, [node.id, detail, state].filter(Boolean).join(" — ")),
  svg("rect", { width: NODE_WIDTH, height: NODE_HEIGHT, rx: node.type === "approval" ? 18 : 6 }),
  svg("text", { class: "wf-node-id", x: 10, y: 19 }, fit(node.id)),
  svg("text", { class: "wf-node-detail", x: 10, y: 36 }, fit(detail)),
  state ? svg("text", { class: "wf-node-state", x: 10, y: 52 }, state) : null);
  if (href) {
    group.addEventListener("click", () => navigate(href));
    group.addEventListener("keydown", (event) => { if (event.key === "Enter") navigate(href); });
  }
  return group;
}

function fit(text) {
  return text.length > FIT ? `${text.slice(0, FIT - 1)}…` : text;
}

// What each node's second line says: what it runs, or who approves it. Templates and
// workflows named by id are shown by name where `templates` and `workflows` (the API's
// lists) have them.
export function nodeDetail(templates = [], workflows = []) {
  const templateNames = new Map(templates.map((t) => [String(t.id), t.name]));
  const workflowNames = new Map(workflows.map((w) => [String(w.id), w.name]));
  return (node) => {
    switch (node.type) {
      case "template": return `template ${templateNames.get(String(node.template)) || node.template || "?"}`;
      case "workflow": return `workflow ${workflowNames.get(String(node.workflow)) || node.workflow || "?"}`;
      case "approval": {
        const rule = node.approval || {};
        return `approval by ${[...(rule.users || []), ...(rule.teams || [])].join(", ") || "?"}`;
      }
      default: return node.type || "";
    }
  };
}

// nodeDetail with the lists read from the API; a list that cannot be read leaves its ids
// as they are.
export async function loadNodeDetail(signal) {
  const [templates, workflows] = await Promise.all([
    api("GET", "/api/v1/templates", { signal }).catch(() => ({ templates: [] })),
    api("GET", "/api/v1/workflows", { signal }).catch(() => ({ workflows: [] })),
  ]);
  return nodeDetail(templates.templates, workflows.workflows);
}
