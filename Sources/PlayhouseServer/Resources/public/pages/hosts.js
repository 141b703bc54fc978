// Every host that reported, with its latest result; search by name or by facts.

import { api } from "../api.js";
import { el, formatTime, hideError, showError } from "../dom.js";

const HEADINGS = ["Host", "Last result", "Job", "Project", "Playbook", "When", "First failure"];

export default function renderHosts(main, { signal }) {
  document.title = "Hosts — Playhouse";
  const error = el("div", { id: "hosts-error", class: "error", role: "alert", hidden: true });
  const input = el("input", { id: "hosts-search", type: "search", placeholder: "Name or fact (Debian, 10.0.0.5…)",
    "aria-label": "Search hosts", maxlength: 200 });
  const form = el("form", { id: "hosts-search-form", class: "inline-form", role: "search" }, input,
    el("button", { type: "submit", class: "secondary", text: "Search" }));
  const tbody = el("tbody", { id: "host-rows" });
  const more = el("button", { id: "hosts-more", type: "button", class: "secondary", text: "More hosts", hidden: true });
  main.append(
    el("div", { class: "page-head" }, el("h1", { text: "Hosts" }), el("span", { class: "spacer" }), form), error,
    el("div", { class: "table-wrap" },
      el("table", { id: "hosts", class: "grid" }, el("thead", {}, el("tr", {}, HEADINGS.map((text) => el("th", { text })))), tbody)),
    el("div", { class: "actions" }, more));
  let after = null;
  let query = "";

  async function load(fresh) {
    hideError(error);
    const params = new URLSearchParams({ limit: "100" });
    if (query) params.set("q", query);
    if (!fresh && after) params.set("after", after);
    try {
      const page = await api("GET", `/api/v1/hosts?${params}`, { signal });
      const rows = page.hosts.map(hostRow);
      if (fresh) tbody.replaceChildren(...rows);
      else tbody.append(...rows);
      if (fresh && !rows.length) tbody.append(el("tr", {}, el("td", { colspan: HEADINGS.length, class: "empty",
        text: query ? "No host matches." : "No host has reported yet." })));
      after = page.next_after;
      more.hidden = !after;
    } catch (err) {
      showError(error, err);
    }
  }
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    query = input.value.trim();
    load(true);
  });
  more.addEventListener("click", () => load(false));
  load(true);
}

function hostRow(host) {
  const failure = host.failure ? `${host.failed_task ? `${host.failed_task}: ` : ""}${host.failure}` : "";
  return el("tr", { class: "host-row", "data-host": host.name },
    el("td", {}, el("a", { class: "mono", href: `/hosts/${encodeURIComponent(host.name)}`, text: host.name })),
    el("td", {}, el("span", { class: `badge status-host-${host.status}`, text: host.status })),
    el("td", {}, el("a", { href: `/jobs/${host.job_id}`, text: `#${host.job_id}` })),
    el("td", { text: host.project }),
    el("td", { class: "mono", text: host.playbook }),
    el("td", { class: "nowrap", text: formatTime(host.finished_at) }),
    el("td", { class: "failure", text: failure }));
}
