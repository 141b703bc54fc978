// What the launch form, the template editor and the launch pages of templates and
// workflows share: the project, playbook and inventory pickers, the survey's fields, and
// reading the environment and comma-separated fields.

import { api } from "../api.js";
import { el, option, showError } from "../dom.js";

// Fills the projects (picking demo when there is one), then its playbooks and inventories.
// `state.stored` keeps the stored inventories for the project changes that follow.
export async function loadProjects(f, state, error, signal) {
  try {
    const [projects, stored] = await Promise.all([
      api("GET", "/api/v1/projects", { signal }),
      // Stored inventories are optional for the form: a failure leaves only project files.
      api("GET", "/api/v1/inventories", { signal }).catch(() => ({ inventories: [] })),
    ]);
    state.stored = stored.inventories || [];
    const names = (projects.projects || []).map((p) => p.name);
    f.project.replaceChildren(...names.map((name) => option(name)));
    if (names.includes("demo")) f.project.value = "demo";
    await loadPlaybooks(f, state, error, signal);
  } catch (err) {
    showError(error, err);
  }
}

export async function loadPlaybooks(f, state, error, signal) {
  const name = f.project.value;
  const data = !name ? {} : await api("GET", `/api/v1/projects/${encodeURIComponent(name)}/playbooks`, { signal })
    .catch((err) => { showError(error, err); return {}; });
  // The user may have picked another project while this one loaded.
  if (f.project.value !== name) return;
  f.playbook.replaceChildren(...(data.playbooks || []).map((p) => option(p)));
  selectIfPresent(f.playbook, "progress.yml");
  // Project files by path, stored inventories by id (the API tells them apart by that).
  const files = (data.inventories || []).map((p) => option(p));
  const stored = state.stored.map((inv) => option(String(inv.id), `${inv.name} (stored)`));
  // replaceChildren would turn a null into the text "null", so absent groups are dropped.
  f.inventory.replaceChildren(...[
    files.length ? el("optgroup", { label: "Project files" }, files) : null,
    stored.length ? el("optgroup", { label: "Stored inventories" }, stored) : null].filter(Boolean));
  selectIfPresent(f.inventory, "inventory/local.ini");
}

function selectIfPresent(select, value) {
  if ([...select.options].some((o) => o.value === value)) select.value = value;
}

// "NAME=value" lines → object; blank lines and # comments are skipped.
export function parseEnv(text) {
  const env = {};
  text.split(/\r?\n/).forEach((line, index) => {
    if (!line.trim() || line.trim().startsWith("#")) return;
    const at = line.indexOf("=");
    const name = at > 0 ? line.slice(0, at).trim() : "";
    if (!name) throw new Error(`environment line ${index + 1} is not NAME=value`);
    env[name] = line.slice(at + 1);
  });
  return env;
}

// "a, b,c" → ["a", "b", "c"]
export function commaList(text) {
  return text.split(",").map((v) => v.trim()).filter(Boolean);
}

// An input for one survey question, by its type.
export function surveyInput(q) {
  const id = `survey-${q.variable}`;
  const value = q.default === undefined || q.default === null ? "" : q.default;
  switch (q.type) {
    case "textarea": return el("textarea", { id, rows: 3, value });
    case "password": return el("input", { id, type: "password", autocomplete: "new-password" });
    case "integer": case "float":
      return el("input", { id, type: "number", step: q.type === "integer" ? 1 : "any", min: q.min, max: q.max, value });
    case "boolean": return el("input", { id, type: "checkbox", checked: value === true });
    case "choice": case "multichoice": {
      const multiple = q.type === "multichoice";
      const picked = new Set(Array.isArray(value) ? value : [value]);
      const options = (q.choices || []).map((c) => { const o = option(c); o.selected = picked.has(c); return o; });
      return el("select", { id, multiple }, multiple || q.required ? null : option("", "—"), options);
    }
    default: return el("input", { id, type: "text", value });
  }
}

export function surveyValue(q, input) {
  switch (q.type) {
    case "boolean": return input.checked;
    case "multichoice": return Array.from(input.selectedOptions, (o) => o.value);
    case "integer": case "float": return input.value === "" ? undefined : Number(input.value);
    default: return input.value === "" ? undefined : input.value;
  }
}
