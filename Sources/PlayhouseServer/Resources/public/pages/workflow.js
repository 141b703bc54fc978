// One workflow: its graph, its launch form (the fields it prompts for and its survey), and
// its recent runs.

import { api, session } from "../api.js";
import { el, field, hideError, showError } from "../dom.js";
import { navigate } from "../router.js";
import { surveyInput, surveyValue } from "./launch-fields.js";
import { drawGraph, loadNodeDetail } from "./workflow-graph.js";
import { runTable } from "./workflow-runs.js";

// The inputs of the launch fields a workflow may prompt for.
const PROMPTS = {
  extra_vars: ["Extra vars", () => el("textarea", { id: "wf-launch-extra_vars", rows: 3, spellcheck: "false",
    placeholder: "YAML or JSON mapping" }), "every node gets them"],
  limit: ["Limit", () => el("input", { id: "wf-launch-limit", type: "text" }), "for the templates that prompt for it"],
  inventory: ["Inventory", () => el("input", { id: "wf-launch-inventory", type: "text",
    placeholder: "a project file, or a stored inventory's id" }), "for the templates that prompt for it"],
};

export default function renderWorkflow(main, { params, signal }) {
  const id = Number(params.id);
  document.title = `Workflow #${id} — Playhouse`;
  const error = el("div", { id: "wf-error", class: "error", role: "alert", hidden: true });
  const title = el("h1", { id: "wf-title", text: `Workflow #${id}` });
  const head = el("div", { class: "page-head" }, title,
    el("a", { id: "wf-export", class: "button secondary", href: `/api/v1/workflows/${id}/export`, download: "", text: "Export YAML" }));
  if (session && session.role === "admin") {
    head.append(el("a", { id: "wf-edit", class: "button", href: `/workflows/${id}/edit`, text: "Edit" }));
  }
  const description = el("p", { class: "hint", hidden: true });
  const graph = el("div", { id: "wf-graph", class: "wf-graph" });
  const form = el("form", { id: "wf-launch-form", class: "form" });
  const runs = runTable("wf-runs");
  main.append(head, description, error,
    el("section", { class: "panel" }, el("h2", { text: "Graph" }), graph),
    el("section", { class: "panel" }, el("h2", { text: "Launch" }), form),
    el("section", { class: "panel" }, el("h2", { text: "Recent runs" }), el("div", { class: "table-scroll" }, runs.table)));
  (async () => {
    const [workflow, detail, recent] = await Promise.all([
      api("GET", `/api/v1/workflows/${id}`, { signal }), loadNodeDetail(signal),
      api("GET", `/api/v1/workflow-jobs?workflow=${id}&limit=10`, { signal })]);
    title.textContent = workflow.name;
    document.title = `${workflow.name} — Playhouse`;
    description.textContent = workflow.description || "";
    description.hidden = !workflow.description;
    graph.replaceChildren(drawGraph(workflow, { detail }));
    fillLaunchForm(form, workflow, signal);
    runs.fill(recent.workflow_jobs);
  })().catch((err) => showError(error, err));
}

function fillLaunchForm(form, workflow, signal) {
  const prompted = workflow.prompts.filter((name) => PROMPTS[name]).map((name) => [name, PROMPTS[name][1]()]);
  const questions = workflow.survey.map((q) => [q, surveyInput(q)]);
  const submit = el("button", { id: "wf-launch", type: "submit", text: "Launch" });
  const error = el("div", { id: "wf-launch-error", class: "error", role: "alert", hidden: true });
  form.replaceChildren(
    prompted.length || questions.length ? el("div", { class: "form-grid" },
      prompted.map(([name, input]) => field(PROMPTS[name][0], input, PROMPTS[name][2])),
      questions.map(([q, input]) => field(q.question + (q.required ? " *" : ""), input, q.description)))
      : el("p", { class: "hint", text: "This workflow asks for nothing: every node runs as its template says." }),
    error, el("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    hideError(error);
    submit.disabled = true;
    try {
      const body = { survey: {} };
      for (const [name, input] of prompted) if (input.value.trim()) body[name] = input.value.trim();
      for (const [q, input] of questions) {
        const value = surveyValue(q, input);
        if (value !== undefined) body.survey[q.variable] = value;
      }
      const run = await api("POST", `/api/v1/workflows/${workflow.id}/launch`, { body, signal });
      navigate(`/workflow-jobs/${run.id}`);
    } catch (err) {
      showError(error, err);
      submit.disabled = false;
    }
  });
}
