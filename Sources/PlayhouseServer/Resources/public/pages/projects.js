// The projects: folders of the projects directory and git projects, with the SSH host keys
// each git project's clones trust (unconfirmed until an admin confirms them). A git
// project's name leads to its page: what the workers' mirrors of it hold.

import { api, session } from "../api.js";
import { el, hideError, showError } from "../dom.js";

const HEADINGS = ["Name", "Kind", "Repository", "Branch", "SSH host keys"];

export default function renderProjects(main, { signal }) {
  document.title = "Projects — Playhouse";
  const admin = Boolean(session) && session.role === "admin";
  const error = el("div", { id: "projects-error", class: "error", role: "alert", hidden: true });
  const tbody = el("tbody");
  main.append(
    el("div", { class: "page-head" }, el("h1", { text: "Projects" })),
    error,
    el("div", { class: "table-wrap" },
      el("table", { id: "projects", class: "grid" },
        el("thead", {}, el("tr", {}, HEADINGS.map((text) => el("th", { text })))), tbody)));

  // The known hosts each row shows, by project: a confirm says which keys were seen, so
  // that keys learned anew in between are not confirmed unseen.
  const shown = new Map();
  async function load() {
    try {
      const projects = (await api("GET", "/api/v1/projects", { signal })).projects || [];
      shown.clear();
      for (const project of projects) if (project.kind === "git") shown.set(project.name, project.known_hosts || "");
      tbody.replaceChildren(...projects.map((project) => projectRow(project, admin)));
      if (!projects.length) tbody.append(el("tr", {}, el("td", { colspan: HEADINGS.length, class: "empty", text: "No projects yet." })));
    } catch (err) {
      showError(error, err);
    }
  }

  tbody.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-action]");
    if (!button) return;
    const name = button.dataset.name;
    const path = `/api/v1/projects/${encodeURIComponent(name)}/known-hosts`;
    hideError(error);
    button.disabled = true;
    try {
      if (button.dataset.action === "confirm") {
        await api("POST", `${path}/confirm`, { body: { known_hosts: shown.get(name) }, signal });
      } else {
        await api("DELETE", path, { signal });
      }
      await load();
    } catch (err) {
      showError(error, err);
    } finally {
      button.disabled = false;
    }
  });
  load();
}

function projectRow(project, admin) {
  const git = project.kind === "git";
  return el("tr", { class: "project-row", "data-name": project.name },
    el("td", { class: "project-name" }, git
      ? el("a", { href: `/projects/${encodeURIComponent(project.name)}`, text: project.name })
      : project.name),
    el("td", {}, el("span", { class: "tag", text: project.kind })),
    el("td", { class: "mono", text: git ? project.url : "—" }),
    el("td", { class: "mono", text: git ? project.branch : "—" }),
    el("td", {}, git ? hostKeys(project, admin) : "—"));
}

// The keys, one a line (hosts, type, fingerprint), with whether an admin stands by them.
function hostKeys(project, admin) {
  const keys = project.host_keys || [];
  if (!keys.length) {
    return el("span", { class: "hint known-hosts-none",
      text: "None yet: the first clone over SSH trusts the keys it sees, for an admin to confirm." });
  }
  const confirmed = Boolean(project.known_hosts_confirmed);
  const box = el("div", { class: "known-hosts" },
    el("span", { class: `badge known-hosts-state ${confirmed ? "known-hosts-confirmed" : "known-hosts-unconfirmed"}`,
      text: confirmed ? "confirmed" : "unconfirmed" }),
    el("ul", { class: "host-keys" }, keys.map((key) => el("li", { class: "host-key mono" },
      el("span", { class: "host-key-hosts", text: key.hosts }), " ",
      el("span", { class: "host-key-type", text: key.type }), " ",
      el("span", { class: "host-key-fingerprint", text: key.fingerprint })))));
  if (admin) {
    const actions = el("div", { class: "actions" });
    if (!confirmed) {
      actions.append(el("button", { type: "button", class: "known-hosts-confirm", "data-action": "confirm",
        "data-name": project.name, text: "Confirm" }), " ");
    }
    actions.append(el("button", { type: "button", class: "danger known-hosts-clear", "data-action": "clear",
      "data-name": project.name, title: "The next clone over SSH trusts the keys it sees", text: "Clear" }));
    box.append(actions);
  }
  return box;
}
