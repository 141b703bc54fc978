// Ansible environments: the ones admins define (and choose for projects), and every
// worker's builds of them, with their logs for admins.

import { api, session } from "../api.js";
import { el, field, formatTime, hideError, option, showError } from "../dom.js";
import { pollWhileVisible } from "../timers.js";

const BUILD_HEADINGS = ["Worker", "Environment", "Status", "Started", "Finished", "Why it failed", ""];

export default function renderEnvironments(main, { signal }) {
  document.title = "Environments — Playhouse";
  const isAdmin = session && session.role === "admin";
  const error = el("div", { id: "environments-error", class: "error", role: "alert", hidden: true });
  const environments = el("tbody");
  const builds = el("tbody");
  const log = el("section", { id: "environment-build-log", class: "panel", hidden: true });
  main.append(
    el("div", { class: "page-head" }, el("h1", { text: "Environments" })),
    el("p", { class: "hint" },
      "A project pins its Ansible in ", el("code", { text: "playhouse.yml" }),
      " (ansible-core and Python packages), or an admin chooses one of these for a project or template. "
        + "Each worker builds an environment once, as a virtualenv from PyPI; jobs wait queued meanwhile."),
    error,
    el("div", { class: "table-wrap" },
      el("table", { id: "environments", class: "grid" },
        el("thead", {}, el("tr", {}, ["Name", "ansible-core", "Python packages", "Chosen by", ""].map((text) => el("th", { text })))),
        environments)),
    isAdmin ? adminForms(error, signal, () => refresh()) : null,
    el("section", { class: "panel" }, el("h2", { text: "Builds" }),
      el("div", { class: "table-wrap" },
        el("table", { id: "environment-builds", class: "grid" },
          el("thead", {}, el("tr", {}, BUILD_HEADINGS.map((text) => el("th", { text })))), builds))),
    log);

  let latest = 0;
  async function refresh() {
    const request = ++latest;
    try {
      const [defined, built] = await Promise.all([
        api("GET", "/api/v1/environments", { signal }), api("GET", "/api/v1/environment-builds", { signal })]);
      if (request !== latest) return;
      fillEnvironments(environments, defined.environments || [], isAdmin);
      fillBuilds(builds, built["environment-builds"] || [], isAdmin);
      hideError(error);
    } catch (err) {
      if (request === latest) showError(error, err);
    }
  }

  environments.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action=delete]");
    if (!button) return;
    try {
      await api("DELETE", `/api/v1/environments/${button.dataset.id}`, { signal });
      await refresh();
    } catch (err) {
      showError(error, err);
    }
  });
  builds.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action=log]");
    if (!button) return;
    try {
      const build = await api("GET", `/api/v1/environment-builds/${button.dataset.id}`, { signal });
      log.replaceChildren(el("h2", { text: `Build of ${build.environment} on ${build.worker}` }),
        el("pre", { class: "code build-log", text: build.log || "(nothing printed yet)" }));
      log.hidden = false;
    } catch (err) {
      showError(error, err);
    }
  });
  // Builds take seconds to minutes: a 3 s poll shows them start and end.
  pollWhileVisible(refresh, 3000, signal);
}

function fillEnvironments(tbody, items, isAdmin) {
  if (!items.length) {
    tbody.replaceChildren(el("tr", {}, el("td", { colspan: 5, class: "empty", text: "No environments defined." })));
    return;
  }
  tbody.replaceChildren(...items.map((environment) => el("tr", { class: "environment-row", "data-name": environment.name },
    el("td", { class: "environment-name", text: environment.name }),
    el("td", { class: "mono", text: environment.ansible_core }),
    el("td", { class: "mono", text: environment.python_packages.join(", ") || "—" }),
    el("td", { text: environment.chosen_by.join(", ") || "—" }),
    el("td", {}, isAdmin
      ? el("button", { type: "button", class: "danger", "data-action": "delete", "data-id": environment.id, text: "Delete" })
      : null))));
}

function fillBuilds(tbody, items, isAdmin) {
  if (!items.length) {
    tbody.replaceChildren(el("tr", {},
      el("td", { colspan: BUILD_HEADINGS.length, class: "empty", text: "No environment was built yet." })));
    return;
  }
  tbody.replaceChildren(...items.map((build) => {
    // The status becomes part of a class name, so only a plain word gets through.
    const status = String(build.status).replace(/[^a-z]/g, "");
    return el("tr", { class: "build-row", "data-status": status },
      el("td", { class: "mono", text: build.worker }),
      el("td", { class: "mono", text: build.environment }),
      el("td", {}, el("span", { class: `badge build-${status}`, text: build.status })),
      el("td", { class: "nowrap", text: formatTime(build.started_at) }),
      el("td", { class: "nowrap", text: build.finished_at ? formatTime(build.finished_at) : "—" }),
      el("td", { text: build.error || "" }),
      el("td", {}, isAdmin
        ? el("button", { type: "button", class: "secondary", "data-action": "log", "data-id": build.id, text: "Log" })
        : null));
  }));
}

// Define an environment, and choose one for a project.
function adminForms(error, signal, refresh) {
  const name = el("input", { id: "environment-name", type: "text", maxlength: 100 });
  const core = el("input", { id: "environment-core", type: "text", placeholder: "2.17.14" });
  const packages = el("textarea", { id: "environment-packages", rows: 3, spellcheck: "false", placeholder: "netaddr==1.3.0" });
  const define = el("form", { id: "environment-form", class: "form" },
    el("div", { class: "form-grid" }, field("Name", name), field("ansible-core", core)),
    field("Python packages", packages, "One requirement per line, from PyPI"),
    el("div", { class: "actions" }, el("button", { type: "submit", text: "Define" })));
  define.addEventListener("submit", async (event) => {
    event.preventDefault();
    hideError(error);
    const list = packages.value.split("\n").map((line) => line.trim()).filter(Boolean);
    try {
      await api("POST", "/api/v1/environments",
        { body: { name: name.value, ansible_core: core.value, python_packages: list }, signal });
      define.reset();
      await refresh();
    } catch (err) {
      showError(error, err);
    }
  });

  const project = el("select", { id: "choice-project" });
  const chosen = el("input", { id: "choice-environment", type: "text", placeholder: "an environment's name; empty for none" });
  const choose = el("form", { id: "choice-form", class: "form" },
    el("div", { class: "form-grid" }, field("Project", project), field("Environment", chosen)),
    el("div", { class: "actions" }, el("button", { type: "submit", text: "Choose" })));
  api("GET", "/api/v1/projects", { signal })
    .then((data) => project.replaceChildren(...(data.projects || []).map((p) => option(p.name))))
    .catch((err) => showError(error, err));
  choose.addEventListener("submit", async (event) => {
    event.preventDefault();
    hideError(error);
    try {
      await api("PUT", `/api/v1/projects/${encodeURIComponent(project.value)}/environment`,
        { body: { environment: chosen.value.trim() || null }, signal });
      await refresh();
    } catch (err) {
      showError(error, err);
    }
  });
  return el("div", { class: "columns" },
    el("section", { class: "panel" }, el("h2", { text: "New environment" }), define),
    el("section", { class: "panel" }, el("h2", { text: "Choose for a project" }), choose));
}
