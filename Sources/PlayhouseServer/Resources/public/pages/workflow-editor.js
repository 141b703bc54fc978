// A workflow's editor (admins): /workflows/new, or /workflows/:id/edit. The nodes and edges
// are rows of fields, drawn as a graph below them as they change; the server checks the
// graph when it is saved (a cycle, an edge to nowhere, a template that fixes a field).

import { api } from "../api.js";
import { el, field, hideError, option, showError } from "../dom.js";
import { navigate } from "../router.js";
import { nextFrame } from "../timers.js";
import { commaList } from "./launch-fields.js";
import { drawGraph, nodeDetail } from "./workflow-graph.js";

const SURVEY_HINT = "a JSON list of questions: variable, question, type (text, textarea, integer, float, choice, "
  + "multichoice, boolean), required, default, min, max, regex, choices; every node gets the answers";
const PROMPTABLE = ["extra_vars", "inventory", "limit"];
const EDGE_TYPES = [["on_success", "on success"], ["on_failure", "on failure"], ["always", "always"]];

export default function renderWorkflowEditor(main, { params, signal }) {
  const id = params.id ? Number(params.id) : null;
  document.title = `${id ? "Edit" : "New"} workflow — Playhouse`;
  const f = {
    name: el("input", { id: "wf-name", type: "text", required: true }),
    description: el("input", { id: "wf-description", type: "text" }),
    extraVars: el("textarea", { id: "wf-extra-vars", rows: 3, spellcheck: "false", placeholder: "YAML or JSON mapping" }),
    survey: el("textarea", { id: "wf-survey", rows: 4, spellcheck: "false",
      placeholder: '[{"variable": "version", "question": "Version", "type": "text", "required": true}]' }),
  };
  const prompts = Object.fromEntries(PROMPTABLE.map((name) => [name, el("input", { type: "checkbox", "data-prompt": name })]));
  const addNode = el("button", { id: "wf-add-node", type: "button", class: "secondary", text: "Add node" });
  const addEdge = el("button", { id: "wf-add-edge", type: "button", class: "secondary", text: "Add edge" });
  const submit = el("button", { id: "wf-save", type: "submit", text: "Save" });
  const error = el("div", { id: "workflow-error", class: "error", role: "alert", hidden: true });
  const editor = graphEditor(signal);
  const form = el("form", { id: "workflow-form", class: "form wf-editor" },
    el("div", { class: "form-grid" }, field("Name", f.name), field("Description", f.description)),
    el("h2", { text: "Nodes" }), editor.nodeList, el("div", { class: "actions" }, addNode),
    el("h2", { text: "Edges" }), editor.edgeList, el("div", { class: "actions" }, addEdge),
    el("h2", { text: "Preview" }), editor.preview,
    el("h2", { text: "Launch" }),
    el("fieldset", { class: "field" }, el("legend", { class: "field-label", text: "The launcher may set, for the whole run" }),
      el("div", { class: "checks-row" }, PROMPTABLE.map((name) => el("label", { class: "check" }, prompts[name], ` ${name}`)))),
    field("Extra vars", f.extraVars, "every node gets them, as data"),
    field("Survey", f.survey, SURVEY_HINT),
    error, el("div", { class: "actions" }, submit));
  main.append(el("div", { class: "page-head" }, el("h1", { text: id ? "Edit workflow" : "New workflow" })), form);
  form.addEventListener("input", editor.redraw);
  form.addEventListener("change", editor.redraw);
  addNode.addEventListener("click", () => editor.addNode());
  addEdge.addEventListener("click", () => editor.addEdge());

  (async () => {
    const [templates, workflows] = await Promise.all([
      api("GET", "/api/v1/templates", { signal }), api("GET", "/api/v1/workflows", { signal })]);
    // A workflow cannot run itself.
    editor.setChoices(templates.templates, workflows.workflows.filter((w) => w.id !== id));
    if (!id) {
      editor.addNode();
      return;
    }
    const w = await api("GET", `/api/v1/workflows/${id}`, { signal });
    f.name.value = w.name;
    f.description.value = w.description || "";
    f.extraVars.value = w.extra_vars && Object.keys(w.extra_vars).length ? JSON.stringify(w.extra_vars, null, 2) : "";
    f.survey.value = w.survey.length ? JSON.stringify(w.survey, null, 2) : "";
    for (const name of w.prompts) if (prompts[name]) prompts[name].checked = true;
    editor.load(w);
  })().catch((err) => showError(error, err));

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    hideError(error);
    submit.disabled = true;
    try {
      const body = { name: f.name.value, description: f.description.value || null, ...editor.definition(),
        prompts: PROMPTABLE.filter((name) => prompts[name].checked) };
      if (f.extraVars.value.trim()) body.extra_vars = f.extraVars.value;
      if (f.survey.value.trim()) body.survey = parseJSON(f.survey.value, "The survey is not valid JSON");
      const saved = await api(id ? "PUT" : "POST", id ? `/api/v1/workflows/${id}` : "/api/v1/workflows", { body, signal });
      navigate(`/workflows/${saved.id}`);
    } catch (err) {
      showError(error, err);
    } finally {
      submit.disabled = false;
    }
  });
}

// The node and edge rows and the preview. Edges name their nodes by the row (its serial
// number, the value of the from and to options), so renaming a node keeps its edges.
function graphEditor(signal) {
  const nodeList = el("div", { id: "wf-nodes", class: "wf-edit-list" });
  const edgeList = el("div", { id: "wf-edges", class: "wf-edit-list" });
  const preview = el("div", { id: "wf-preview", class: "wf-graph" });
  const nodes = [];
  const edges = [];
  const choices = { templates: [], workflows: [], detail: nodeDetail() };
  // Row numbers, for the rows' element ids: nodes and edges count apart.
  let nodeSerial = 0;
  let edgeSerial = 0;
  let drawing = false;

  const idOf = (value) => {
    const node = nodes.find((n) => String(n.serial) === value);
    return node ? node.fields.id.value.trim() : "";
  };
  const edgeValues = () => edges.map((edge) => ({ from: idOf(edge.from.value), to: idOf(edge.to.value), on: edge.on.value }));
  const graph = () => ({ nodes: nodes.map((node) => node.sketch()), edges: edgeValues() });
  const redraw = () => {
    if (drawing) return;
    drawing = true;
    nextFrame(() => {
      drawing = false;
      preview.replaceChildren(drawGraph(graph(), { detail: choices.detail }));
    }, signal);
  };
  // The from and to options follow the nodes' ids.
  const refreshEdgeChoices = () => {
    for (const edge of edges) {
      for (const select of [edge.from, edge.to]) {
        const value = select.value;
        select.replaceChildren(...nodes.map((node) =>
          option(String(node.serial), node.fields.id.value.trim() || `(node ${node.serial})`)));
        select.value = value;
      }
    }
  };

  // A new node is a template node, with the first id nodeN no node has.
  function addNode(node = null) {
    let number = nodes.length + 1;
    while (nodes.some((n) => n.fields.id.value.trim() === `node${number}`)) number += 1;
    nodeSerial += 1;
    const row = nodeRow(nodeSerial, node || { id: `node${number}`, type: "template" }, choices, {
      onRename: () => { refreshEdgeChoices(); redraw(); },
      onRemove: () => {
        nodes.splice(nodes.indexOf(row), 1);
        for (const edge of edges.filter((e) => [e.from.value, e.to.value].includes(String(row.serial)))) edge.remove();
        row.element.remove();
        refreshEdgeChoices();
        redraw();
      },
    });
    nodes.push(row);
    nodeList.append(row.element);
    refreshEdgeChoices();
    redraw();
  }

  function addEdge(edge = null) {
    edgeSerial += 1;
    const number = edgeSerial;
    const serialOf = (nodeID) => String((nodes.find((n) => n.fields.id.value.trim() === nodeID) || {}).serial);
    const row = {
      from: el("select", { id: `wf-edge-${number}-from`, class: "wf-edge-from", "aria-label": "From" }),
      to: el("select", { id: `wf-edge-${number}-to`, class: "wf-edge-to", "aria-label": "To" }),
      on: el("select", { id: `wf-edge-${number}-on`, class: "wf-edge-on", "aria-label": "When" },
        EDGE_TYPES.map(([value, text]) => option(value, text))),
      remove: () => {
        edges.splice(edges.indexOf(row), 1);
        element.remove();
        redraw();
      },
    };
    const removeButton = el("button", { id: `wf-edge-${number}-remove`, type: "button", class: "danger", text: "Remove" });
    removeButton.addEventListener("click", row.remove);
    const element = el("div", { class: "wf-edge-edit", "data-serial": number },
      row.from, el("span", { class: "wf-arrow-text", text: "→" }), row.to, row.on, removeButton);
    edges.push(row);
    edgeList.append(element);
    refreshEdgeChoices();
    // A new edge goes from the first node to the last; a loaded one as it was.
    row.from.value = edge ? serialOf(edge.from) : String(nodes.length ? nodes[0].serial : "");
    row.to.value = edge ? serialOf(edge.to) : String(nodes.length ? nodes[nodes.length - 1].serial : "");
    row.on.value = edge ? edge.on : "on_success";
    redraw();
  }

  return {
    nodeList, edgeList, preview, redraw, addNode, addEdge,
    setChoices(templates, workflows) {
      choices.templates = templates;
      choices.workflows = workflows;
      choices.detail = nodeDetail(templates, workflows);
    },
    load(definition) {
      for (const node of definition.nodes) addNode(node);
      for (const edge of definition.edges) addEdge(edge);
    },
    // The graph to save; throws when a node's fields cannot be read.
    definition: () => ({ nodes: nodes.map((node) => node.definition()), edges: edgeValues() }),
  };
}

// One node's fields: its id, type and convergence, and what its type needs.
function nodeRow(serial, node, choices, { onRename, onRemove }) {
  const input = (name, props) => el("input", { id: `wf-node-${serial}-${name}`, type: "text", ...props });
  const overrides = node.overrides || {};
  const { limit, extra_vars: extraVars, ...otherOverrides } = overrides;
  const rule = node.approval || {};
  const fields = {
    id: input("id", { class: "wf-node-id", value: node.id, required: true }),
    type: el("select", { id: `wf-node-${serial}-type`, class: "wf-node-type" }, ["template", "approval", "workflow"].map((t) => option(t))),
    convergence: el("select", { id: `wf-node-${serial}-convergence` },
      option("any", "any parent's edge fired"), option("all", "every parent's edge fired")),
    template: referenceSelect(`wf-node-${serial}-template`, choices.templates, node.template),
    limit: input("limit", { value: limit || "" }),
    extraVars: el("textarea", { id: `wf-node-${serial}-extra-vars`, rows: 2, spellcheck: "false", placeholder: "YAML or JSON mapping",
      value: extraVars === undefined ? "" : typeof extraVars === "string" ? extraVars : JSON.stringify(extraVars) }),
    otherOverrides: el("textarea", { id: `wf-node-${serial}-overrides`, rows: 2, spellcheck: "false", placeholder: '{"tags": "deploy"}',
      value: Object.keys(otherOverrides).length ? JSON.stringify(otherOverrides) : "" }),
    workflow: referenceSelect(`wf-node-${serial}-workflow`, choices.workflows, node.workflow),
    users: input("users", { value: (rule.users || []).join(", "), placeholder: "names, comma separated" }),
    teams: input("teams", { value: (rule.teams || []).join(", "), placeholder: "names, comma separated" }),
    timeout: el("input", { id: `wf-node-${serial}-timeout`, type: "number", min: 1, value: rule.timeout || "",
      placeholder: "seconds; empty waits for a person" }),
    onTimeout: el("select", { id: `wf-node-${serial}-on-timeout` }, option("deny"), option("approve")),
    message: input("message", { value: rule.message || "" }),
  };
  fields.type.value = node.type;
  fields.convergence.value = node.convergence || "any";
  fields.onTimeout.value = rule.on_timeout || "deny";
  const groups = {
    template: el("div", { class: "form-grid" }, field("Template", fields.template), field("Limit", fields.limit),
      field("Extra vars", fields.extraVars),
      field("Other launch fields", fields.otherOverrides, "JSON, among what the template prompts for")),
    workflow: el("div", { class: "form-grid" }, field("Workflow", fields.workflow)),
    approval: el("div", { class: "form-grid" }, field("Users", fields.users), field("Teams", fields.teams),
      field("Timeout", fields.timeout), field("On timeout", fields.onTimeout), field("Message", fields.message)),
  };
  const showType = () => {
    for (const [type, group] of Object.entries(groups)) group.hidden = type !== fields.type.value;
  };
  showType();
  const remove = el("button", { id: `wf-node-${serial}-remove`, type: "button", class: "danger", text: "Remove" });
  const element = el("fieldset", { class: "wf-node-edit", "data-serial": serial },
    el("div", { class: "wf-node-head" }, field("Id", fields.id), field("Type", fields.type),
      field("Runs when", fields.convergence), remove),
    Object.values(groups));
  fields.type.addEventListener("change", showType);
  fields.id.addEventListener("input", onRename);
  remove.addEventListener("click", onRemove);

  const type = () => fields.type.value;
  return {
    serial, element, fields,
    // What the preview draws: never throws, whatever the fields hold.
    sketch: () => ({ id: fields.id.value.trim(), type: type(), template: fields.template.value, workflow: fields.workflow.value,
      approval: { users: commaList(fields.users.value), teams: commaList(fields.teams.value) } }),
    definition() {
      const id = fields.id.value.trim();
      const out = { id, type: type(), convergence: fields.convergence.value };
      if (type() === "template") {
        out.template = reference(fields.template.value);
        const given = fields.otherOverrides.value.trim()
          ? parseJSON(fields.otherOverrides.value, `The other launch fields of node ${id} are not a JSON object`) : {};
        if (typeof given !== "object" || Array.isArray(given) || given === null) {
          throw new Error(`The other launch fields of node ${id} are not a JSON object`);
        }
        if (fields.limit.value.trim()) given.limit = fields.limit.value.trim();
        if (fields.extraVars.value.trim()) given.extra_vars = jsonOrText(fields.extraVars.value.trim());
        if (Object.keys(given).length) out.overrides = given;
      } else if (type() === "workflow") {
        out.workflow = reference(fields.workflow.value);
      } else {
        out.approval = { users: commaList(fields.users.value), teams: commaList(fields.teams.value), on_timeout: fields.onTimeout.value };
        if (fields.timeout.value !== "") out.approval.timeout = Number(fields.timeout.value);
        if (fields.message.value.trim()) out.approval.message = fields.message.value.trim();
      }
      return out;
    },
  };
}

// A select of templates or workflows by id. A node that names one by a name the list has
// shows it by its id; one the list lacks keeps its reference, and the server says so.
function referenceSelect(id, records, given) {
  const select = el("select", { id }, records.map((r) => option(String(r.id), r.name)));
  if (given === undefined || given === null) return select;
  const found = records.find((r) => String(r.id) === String(given) || r.name === given);
  if (!found) select.append(option(String(given), `${given} (not found)`));
  select.value = found ? String(found.id) : String(given);
  return select;
}

// A select's value as the API names records: a number is an id, anything else a name.
function reference(value) {
  return /^\d+$/.test(value) ? Number(value) : value;
}

// The value of JSON `text`, or an Error saying `message`.
function parseJSON(text, message) {
  try { return JSON.parse(text); } catch { throw new Error(message); }
}

// JSON goes as its value; anything else as YAML text, which the server reads.
function jsonOrText(text) {
  try { return JSON.parse(text); } catch { return text; }
}
