// A git project: what each worker's mirror holds (its last fetch, the branch's commit, the
// requirements cache entries the last run used), with a button to fetch it now. Workers
// record each fetch in the store, so the page polls and shows a refresh as it lands.

import { api, session } from "../api.js";
import { el, field, formatAgo, formatTime, hideError, showError } from "../dom.js";
import { pollWhileVisible } from "../timers.js";
import { commaList } from "./launch-fields.js";

const HEADINGS = ["Worker", "Last fetch", "Commit", "Requirements cache", "Recorded"];

export default function renderProject(main, { params, signal }) {
  const name = params.name;
  document.title = `${name} — Playhouse`;
  const path = `/api/v1/projects/${encodeURIComponent(name)}`;
  const error = el("div", { id: "project-error", class: "error", role: "alert", hidden: true });
  const summary = el("dl", { id: "project-summary", class: "meta" });
  const status = el("span", { id: "refresh-status", class: "hint", "aria-live": "polite" });
  const head = el("div", { class: "page-head" }, el("h1", { text: name }), status);
  const mayRefresh = Boolean(session) && session.role !== "viewer";
  const tbody = el("tbody", { id: "mirror-rows" });
  const environment = el("dl", { id: "project-environment", class: "meta" });
  main.append(head, error, summary,
    el("section", { class: "panel" }, el("h2", { text: "Mirrors" }),
      el("div", { class: "table-wrap" },
        el("table", { id: "mirrors", class: "grid" },
          el("thead", {}, el("tr", {}, HEADINGS.map((text) => el("th", { text })))), tbody))),
    el("section", { id: "project-environments", class: "panel" }, el("h2", { text: "Environment" }), environment,
      el("p", { class: "hint" }, "The project's playhouse.yml, or an environment an admin chose for it, pins its Ansible; "
        + "each job shows the one it ran with. Builds and their logs are on the ",
      el("a", { href: "/environments", text: "Environments" }), " page.")));

  main.append(workerGroupsPanel(path, error, signal));

  // The environment changes only when an admin chooses another: read once.
  Promise.all([api("GET", "/api/v1/environments", { signal }),
    api("GET", `/api/v1/jobs?project=${encodeURIComponent(name)}&limit=1`, { signal })])
    .then(([defined, jobs]) => fillEnvironment(environment, name, defined.environments || [], (jobs.jobs || [])[0]))
    .catch((err) => showError(error, err));

  let latest = 0;
  async function load() {
    // A later request wins: a slow answer never overwrites a newer one.
    const request = ++latest;
    try {
      const sync = await api("GET", `${path}/sync`, { signal });
      if (request !== latest) return;
      fillSummary(summary, sync);
      fillMirrors(tbody, sync.mirrors || []);
      const pending = (sync.mirrors || []).filter((mirror) => mirror.refresh_pending).length;
      status.textContent = pending ? `Refreshing: ${pending} worker(s) still to fetch…` : "";
      hideError(error);
    } catch (err) {
      if (request === latest) showError(error, err);
    }
  }

  if (session && session.role === "admin") main.append(forgeHookPanel(path, error, signal, load));
  if (mayRefresh) {
    const button = el("button", { id: "refresh-project", type: "button", text: "Refresh" });
    button.addEventListener("click", async () => {
      hideError(error);
      button.disabled = true;
      try {
        const asked = await api("POST", `${path}/refresh`, { signal });
        status.textContent = asked.workers.length
          ? `Asked ${asked.workers.join(", ")} to fetch…`
          : "Asked; no worker is running now: each fetches when it starts.";
        await load();
      } catch (err) {
        showError(error, err);
      } finally {
        button.disabled = false;
      }
    });
    head.append(button);
  }
  // A worker fetches within seconds of being asked; a 2 s poll shows it landing.
  pollWhileVisible(load, 2000, signal);
}

function fillSummary(summary, sync) {
  const rows = [
    ["Repository", sync.url],
    ["Branch", sync.branch],
    ["Refresh asked", sync.refresh_requested_at ? formatTime(sync.refresh_requested_at) : "never"],
    ["Forge hook", sync.forge_hook ? `${sync.forge_hook.github_url} (GitLab: ${sync.forge_hook.gitlab_url})` : "none"],
  ];
  summary.replaceChildren(...rows.map(([term, value]) => el("div", {}, el("dt", { text: term }), el("dd", { class: "mono", text: value }))));
}

// Admins make (or remake, with a new secret) and remove the project's forge hook; the secret
// is shown once, to paste into the forge's webhook settings.
function forgeHookPanel(path, error, signal, reload) {
  const shown = el("div", { id: "forge-hook-made", hidden: true });
  const make = el("button", { id: "forge-hook-make", type: "button", text: "Make a forge hook" });
  const remove = el("button", { id: "forge-hook-remove", type: "button", class: "danger", text: "Remove the forge hook" });
  make.addEventListener("click", async () => {
    hideError(error);
    try {
      const hook = await api("POST", `${path}/forge-hook`, { signal });
      shown.replaceChildren(
        el("p", { class: "hint", text: "Give the forge this secret now: it is not shown again." }),
        el("dl", { class: "meta" }, [["Secret", hook.secret], ["GitHub, Gitea, Forgejo", hook.github_url], ["GitLab", hook.gitlab_url]]
          .map(([term, value]) => el("div", {}, el("dt", { text: term }), el("dd", { class: "mono forge-hook-value", text: value })))));
      shown.hidden = false;
      await reload();
    } catch (err) {
      showError(error, err);
    }
  });
  remove.addEventListener("click", async () => {
    hideError(error);
    try {
      await api("DELETE", `${path}/forge-hook`, { signal });
      shown.hidden = true;
      await reload();
    } catch (err) {
      showError(error, err);
    }
  });
  return el("section", { id: "project-forge-hook", class: "panel" }, el("h2", { text: "Forge hook" }),
    el("p", { class: "hint", text: "A push of the project's branch refreshes its mirrors on every worker, and launches nothing." }),
    el("div", { class: "actions" }, make, remove), shown);
}

// The environment an admin chose for the project, and the one its latest job ran with.
function fillEnvironment(list, name, environments, job) {
  const chosen = environments.find((environment) => environment.chosen_by.includes(`project ${name}`));
  const rows = [
    ["Chosen", chosen ? `${chosen.name}: ansible-core ${chosen.ansible_core} ${chosen.python_packages.join(" ")}`.trim()
      : "none (the project's playhouse.yml, if it has one)"],
    ["Latest job ran", job ? `#${job.id} with ${job.environment || "Playhouse's own Ansible"}` : "no job yet"],
  ];
  list.replaceChildren(...rows.map(([term, value]) => el("div", {}, el("dt", { text: term }), el("dd", { text: value }))));
}

function fillMirrors(tbody, mirrors) {
  if (!mirrors.length) {
    tbody.replaceChildren(el("tr", {}, el("td", { id: "mirrors-empty", colspan: HEADINGS.length, class: "empty",
      text: "No worker has fetched this project yet: its first run, or a refresh, fills the mirror." })));
    return;
  }
  tbody.replaceChildren(...mirrors.map(mirrorRow));
}

function mirrorRow(mirror) {
  // The state becomes part of a class name, so only a plain word gets through.
  const state = String(mirror.worker_state || "unknown").toLowerCase().replace(/[^a-z0-9_-]/g, "");
  const fetch = el("td", { class: "mirror-fetch" },
    el("span", { class: "nowrap", title: formatTime(mirror.fetched_at), text: mirror.fetched_at ? formatAgo(mirror.fetched_at) : "—" }),
    mirror.refresh_pending ? el("span", { class: "hint", text: " (refresh asked)" }) : null,
    mirror.error ? el("div", { class: "error-detail mirror-error", text: mirror.error }) : null);
  const commit = mirror.commit
    ? el("span", { class: "mono", title: mirror.commit, text: mirror.commit.slice(0, 12) })
    : el("span", { class: "hint", text: `no ${mirror.branch} in the mirror` });
  const requirements = mirror.requirements.length
    ? el("ul", { class: "mirror-requirements" }, mirror.requirements.map((entry) => el("li", {},
      el("span", { class: "mono", text: entry.file }), " ",
      el("span", { class: "hint", title: entry.key, text: `installed ${formatTime(entry.installed_at)}` }))))
    : el("span", { class: "hint", text: "none" });
  return el("tr", { class: "mirror-row", "data-worker": mirror.worker },
    el("td", {}, el("span", { class: "mono", text: mirror.worker }), " ",
      el("span", { class: `badge worker-state worker-state-${state}`, text: mirror.worker_state })),
    fetch,
    el("td", { class: "mirror-commit" }, commit),
    el("td", {}, requirements),
    el("td", { class: "nowrap", text: formatAgo(mirror.recorded_at) }));
}

// The worker groups the project's jobs run on (unless their template or inventory names
// some): shown to everyone, changed by admins.
function workerGroupsPanel(path, error, signal) {
  const shown = el("span", { id: "project-worker-groups", text: "…" });
  const panel = el("section", { id: "project-worker-groups-panel", class: "panel" }, el("h2", { text: "Worker groups" }),
    el("p", {}, "Its jobs run on workers of: ", shown));
  const show = (groups) => { shown.textContent = groups.length ? groups.join(", ") : "any group"; };
  api("GET", `${path}/worker-groups`, { signal }).then((answer) => {
    show(answer.worker_groups || []);
    if (!session || session.role !== "admin") return;
    const input = el("input", { id: "project-worker-groups-input", type: "text", placeholder: "dmz, windows",
      value: (answer.worker_groups || []).join(", ") });
    const save = el("button", { id: "project-worker-groups-save", type: "submit", text: "Save" });
    const form = el("form", { class: "form" }, field("Groups", input, "Comma-separated; empty: any worker."),
      el("div", { class: "actions" }, save));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      hideError(error);
      save.disabled = true;
      try {
        const saved = await api("PUT", `${path}/worker-groups`, { body: { worker_groups: commaList(input.value) }, signal });
        show(saved.worker_groups || []);
      } catch (err) {
        showError(error, err);
      } finally {
        save.disabled = false;
      }
    });
    panel.append(form);
  }).catch((err) => showError(error, err));
  return panel;
}
