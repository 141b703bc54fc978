// A template's editor (admins): /templates/new, or /templates/:id/edit.

import { api } from "../api.js";
import { el, field, hideError, showError } from "../dom.js";
import { navigate } from "../router.js";
import { commaList, loadPlaybooks, loadProjects, parseEnv } from "./launch-fields.js";

const SURVEY_HINT = "a JSON list of questions: variable, question, type (text, textarea, integer, float, choice, "
  + "multichoice, password, boolean), required, default, min, max, regex, choices or choices_from {url} / {inventory, group}";

export default function renderTemplateEditor(main, { params, signal }) {
  const id = params.id ? Number(params.id) : null;
  document.title = `${id ? "Edit" : "New"} template — Playhouse`;
  const f = {
    name: el("input", { id: "tpl-name", type: "text", required: true }),
    description: el("input", { id: "tpl-description", type: "text" }),
    project: el("select", { id: "tpl-project", required: true }),
    playbook: el("select", { id: "tpl-playbook", required: true }),
    inventory: el("select", { id: "tpl-inventory", required: true }),
    limit: el("input", { id: "tpl-limit", type: "text" }),
    tags: el("input", { id: "tpl-tags", type: "text", placeholder: "tag1,tag2" }),
    skipTags: el("input", { id: "tpl-skip-tags", type: "text" }),
    verbosity: el("input", { id: "tpl-verbosity", type: "number", min: 0, max: 4 }),
    forks: el("input", { id: "tpl-forks", type: "number", min: 1 }),
    priority: el("input", { id: "tpl-priority", type: "number", min: -100, max: 100, placeholder: "0" }),
    timeout: el("input", { id: "tpl-timeout", type: "number", min: 1, placeholder: "seconds" }),
    workerGroups: el("input", { id: "tpl-worker-groups", type: "text", placeholder: "dmz, …" }),
    workerGroup: el("input", { id: "tpl-worker-group", type: "text" }),
    weight: el("input", { id: "tpl-weight", type: "number", min: 1, max: 500, placeholder: "its forks" }),
    credentials: el("input", { id: "tpl-credentials", type: "text", placeholder: "credential ids, comma separated" }),
    check: el("input", { id: "tpl-check", type: "checkbox" }),
    diff: el("input", { id: "tpl-diff", type: "checkbox" }),
    env: el("textarea", { id: "tpl-env", rows: 2, spellcheck: "false",
      placeholder: "NAME=value, one per line (values are not shown again)" }),
    extraVars: el("textarea", { id: "tpl-extra-vars", rows: 3, spellcheck: "false", placeholder: "YAML or JSON mapping" }),
    allowConcurrent: el("input", { id: "tpl-allow-concurrent", type: "checkbox" }),
    allowedVars: el("input", { id: "tpl-allowed-vars", type: "text", placeholder: "ansible_user, …" }),
    allowedEnv: el("input", { id: "tpl-allowed-env", type: "text", placeholder: "REGION, …" }),
    survey: el("textarea", { id: "tpl-survey", rows: 8, spellcheck: "false",
      placeholder: '[{"variable": "version", "question": "Version", "type": "text", "required": true}]' }),
  };
  // The launch fields a template may let its launcher change, as the server lists them.
  const prompts = {};
  const promptChecks = el("div", { class: "checks-row" });
  const submit = el("button", { id: "tpl-save", type: "submit", text: "Save" });
  const error = el("div", { id: "tpl-error", class: "error", role: "alert", hidden: true });
  const form = el("form", { id: "template-form", class: "form" },
    el("div", { class: "form-grid" },
      field("Name", f.name), field("Description", f.description), field("Project", f.project),
      field("Playbook", f.playbook), field("Inventory", f.inventory), field("Limit", f.limit),
      field("Tags", f.tags), field("Skip tags", f.skipTags), field("Verbosity", f.verbosity), field("Forks", f.forks),
      field("Priority", f.priority, "-100 to 100: a queued job of higher priority is taken first"),
      field("Timeout", f.timeout), field("Credentials", f.credentials),
      field("Worker groups", f.workerGroups, "comma separated: where its jobs may run; empty: its inventory's, else its project's"),
      field("Worker group", f.workerGroup, "the one of them its jobs run on, unless the launcher may choose"),
      field("Weight", f.weight, "forks its jobs take of a worker's capacity, instead of their forks"),
      el("div", { class: "field checks" },
        el("label", { class: "check" }, f.check, " Check mode"), el("label", { class: "check" }, f.diff, " Show diffs"),
        el("label", { class: "check" }, f.allowConcurrent, " Allow concurrent runs"))),
    field("Extra vars", f.extraVars, "the defaults"),
    field("Environment", f.env, "left empty when editing, the environment stays as it was"),
    el("div", { class: "form-grid" },
      field("Launchers may set these ansible_* variables", f.allowedVars,
        "comma separated; connection and execution variables are otherwise an admin's"),
      field("Launchers may set these env names", f.allowedEnv, "comma separated, beside the project's playhouse.json")),
    el("fieldset", { class: "field" }, el("legend", { class: "field-label", text: "The launcher may change" }),
      promptChecks),
    field("Survey", f.survey, SURVEY_HINT),
    error, el("div", { class: "actions" }, submit));
  main.append(el("div", { class: "page-head" }, el("h1", { text: id ? "Edit template" : "New template" })), form);
  const state = { stored: [] };
  f.project.addEventListener("change", () => loadPlaybooks(f, state, error, signal));
  (async () => {
    const { promptable } = await api("GET", "/api/v1/launch-fields", { signal });
    for (const name of promptable) {
      prompts[name] = el("input", { type: "checkbox", "data-prompt": name });
      promptChecks.append(el("label", { class: "check" }, prompts[name], ` ${name}`));
    }
    await loadProjects(f, state, error, signal);
    if (!id) return;
    const t = await api("GET", `/api/v1/templates/${id}`, { signal });
    f.name.value = t.name;
    f.description.value = t.description || "";
    f.project.value = t.project;
    await loadPlaybooks(f, state, error, signal);
    f.playbook.value = t.playbook;
    f.inventory.value = t.inventory;
    f.limit.value = t.limit || "";
    f.tags.value = (t.tags || []).join(",");
    f.skipTags.value = (t.skip_tags || []).join(",");
    f.verbosity.value = t.verbosity || "";
    f.forks.value = t.forks || "";
    f.priority.value = t.priority || "";
    f.timeout.value = t.timeout || "";
    f.workerGroups.value = (t.worker_groups || []).join(", ");
    f.workerGroup.value = t.worker_group || "";
    f.weight.value = t.weight || "";
    f.credentials.value = t.credentials.join(",");
    f.check.checked = t.check;
    f.diff.checked = t.diff;
    f.extraVars.value = Object.keys(t.extra_vars).length ? JSON.stringify(t.extra_vars, null, 2) : "";
    f.allowConcurrent.checked = t.allow_concurrent;
    f.allowedVars.value = (t.allowed_vars || []).join(", ");
    f.allowedEnv.value = (t.allowed_env || []).join(", ");
    for (const name of t.prompts) if (prompts[name]) prompts[name].checked = true;
    f.survey.value = t.survey.length ? JSON.stringify(t.survey, null, 2) : "";
  })().catch((err) => showError(error, err));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    hideError(error);
    submit.disabled = true;
    try {
      const body = { name: f.name.value, description: f.description.value || null, project: f.project.value,
        playbook: f.playbook.value, inventory: f.inventory.value, limit: f.limit.value || null,
        allow_concurrent: f.allowConcurrent.checked, prompts: Object.keys(prompts).filter((name) => prompts[name].checked),
        tags: f.tags.value.trim() || null, skip_tags: f.skipTags.value.trim() || null, check: f.check.checked, diff: f.diff.checked,
        verbosity: f.verbosity.value === "" ? null : Number(f.verbosity.value),
        forks: f.forks.value === "" ? null : Number(f.forks.value),
        priority: f.priority.value === "" ? null : Number(f.priority.value),
        timeout: f.timeout.value === "" ? null : Number(f.timeout.value),
        worker_groups: commaList(f.workerGroups.value), worker_group: f.workerGroup.value.trim() || null,
        weight: f.weight.value === "" ? null : Number(f.weight.value),
        credentials: commaList(f.credentials.value).map(Number),
        allowed_vars: commaList(f.allowedVars.value),
        allowed_env: commaList(f.allowedEnv.value) };
      if (f.extraVars.value.trim()) body.extra_vars = f.extraVars.value;
      if (f.env.value.trim()) body.env = parseEnv(f.env.value);
      if (f.survey.value.trim()) {
        try { body.survey = JSON.parse(f.survey.value); } catch { throw new Error("The survey is not valid JSON"); }
      }
      const saved = await api(id ? "PUT" : "POST", id ? `/api/v1/templates/${id}` : "/api/v1/templates", { body, signal });
      navigate(`/templates/${saved.id}/launch`);
    } catch (err) {
      showError(error, err);
    } finally {
      submit.disabled = false;
    }
  });
}
