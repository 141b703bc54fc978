// The launch form: a playbook of a project, on an inventory, with options.

import { api } from "../api.js";
import { el, field, hideError, option, showError } from "../dom.js";
import { navigate } from "../router.js";
import { loadPlaybooks, loadProjects, parseEnv } from "./launch-fields.js";

export default function renderLaunch(main, { signal }) {
  document.title = "Launch — Playhouse";
  const f = {
    project: el("select", { id: "project", name: "project", required: true }),
    playbook: el("select", { id: "playbook", name: "playbook", required: true }),
    inventory: el("select", { id: "inventory", name: "inventory", required: true }),
    extraVars: el("textarea", { id: "extra-vars", rows: 4, spellcheck: "false", placeholder: "greeting: hello   (YAML or JSON)" }),
    limit: el("input", { id: "limit", type: "text", placeholder: "host pattern, e.g. web*" }),
    tags: el("input", { id: "tags", type: "text", placeholder: "tag1,tag2" }),
    skipTags: el("input", { id: "skip-tags", type: "text", placeholder: "tag3" }),
    check: el("input", { id: "check", type: "checkbox" }),
    diff: el("input", { id: "diff", type: "checkbox" }),
    verbosity: el("select", { id: "verbosity" },
      [0, 1, 2, 3, 4].map((n) => option(String(n), n ? `${n} (-${"v".repeat(n)})` : "0 (normal)"))),
    env: el("textarea", { id: "env", rows: 3, spellcheck: "false", placeholder: "NAME=value, one per line" }),
    slices: el("input", { id: "slices", name: "slices", type: "number", min: 1, step: 1, inputmode: "numeric", placeholder: "no slicing" }),
    credentials: el("select", { id: "credentials", name: "credentials", multiple: true, size: 3 }),
  };
  const submit = el("button", { id: "launch", type: "submit", text: "Launch" });
  const error = el("div", { id: "launch-error", class: "error", role: "alert", hidden: true });
  const form = el("form", { id: "launch-form", class: "form" },
    el("div", { class: "form-grid" },
      field("Project", f.project), field("Playbook", f.playbook), field("Inventory", f.inventory),
      field("Limit", f.limit), field("Tags", f.tags, "comma separated"), field("Skip tags", f.skipTags, "comma separated"),
      field("Verbosity", f.verbosity),
      field("Slices (split hosts across parallel jobs)", f.slices, "empty or 1: one job for all hosts"),
      field("Credentials", f.credentials, "one login, one become, any vaults; Ctrl-click for several"),
      el("div", { class: "field checks" },
        el("label", { class: "check" }, f.check, " Check mode (--check)"),
        el("label", { class: "check" }, f.diff, " Show diffs (--diff)"))),
    field("Extra vars", f.extraVars, "YAML or JSON mapping"),
    field("Environment", f.env, "NAME=value per line; for inventory scripts and plugins"),
    error,
    el("div", { class: "actions" }, submit));
  main.append(el("div", { class: "page-head" }, el("h1", { text: "Launch a playbook" })), form);

  const state = { stored: [] };
  f.project.addEventListener("change", () => loadPlaybooks(f, state, error, signal));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    hideError(error);
    submit.disabled = true;
    try {
      const job = await api("POST", "/api/v1/jobs", { body: launchBody(f), signal }); // launchBody throws on a bad env line or slice count
      navigate(`/jobs/${job.id}`);
    } catch (err) {
      showError(error, err);
    } finally {
      submit.disabled = false;
    }
  });
  loadProjects(f, state, error, signal);
  loadCredentials(f, error, signal);
}

async function loadCredentials(f, error, signal) {
  try {
    const data = await api("GET", "/api/v1/credentials", { signal });
    // Token credentials are for HTTP inventories, not for runs.
    const usable = data.credentials.filter((c) => c.kind !== "token");
    f.credentials.replaceChildren(...usable.map((c) => option(String(c.id), `${c.name} (${c.kind})`)));
  } catch (err) {
    showError(error, err);
  }
}

// The slices field as a number; empty means no slicing. The input's min and step stop
// most bad values, but a browser without number inputs hands over any text.
function parseSlices(text) {
  if (!text.trim()) return 0;
  const slices = Number(text);
  if (!Number.isInteger(slices) || slices < 1) throw new Error("Slices must be a whole number, 1 or more");
  return slices;
}

function launchBody(f) {
  const body = { project: f.project.value, playbook: f.playbook.value, inventory: f.inventory.value,
    check: f.check.checked, diff: f.diff.checked, verbosity: Number(f.verbosity.value) };
  // Empty optional fields are left out so the server applies its defaults. Extra vars go
  // as text: the server parses YAML or JSON and names the error.
  if (f.extraVars.value.trim()) body.extra_vars = f.extraVars.value;
  for (const [key, input] of [["limit", f.limit], ["tags", f.tags], ["skip_tags", f.skipTags]]) {
    if (input.value.trim()) body[key] = input.value.trim();
  }
  const env = parseEnv(f.env.value);
  if (Object.keys(env).length) body.env = env;
  const slices = parseSlices(f.slices.value);
  if (slices >= 2) body.slices = slices; // one slice is the same as no slicing
  const credentials = Array.from(f.credentials.selectedOptions, (o) => Number(o.value));
  if (credentials.length) body.credentials = credentials;
  return body;
}
