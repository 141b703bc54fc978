// One host: its results job by job (newest first, failures with their message) and the
// facts runs gathered, as each project and inventory last knew them.

import { api } from "../api.js";
import { el, formatTime, hideError, showError } from "../dom.js";

const HEADINGS = ["Job", "Result", "Project", "Playbook", "When", "ok", "changed", "failed", "unreachable", "Failure"];

export default function renderHost(main, { params, signal }) {
  const name = params.name;
  document.title = `${name} — Playhouse`;
  const error = el("div", { id: "host-error", class: "error", role: "alert", hidden: true });
  const tbody = el("tbody", { id: "host-results" });
  const more = el("button", { id: "host-more", type: "button", class: "secondary", text: "Older jobs", hidden: true });
  const facts = el("div", { id: "host-facts" });
  main.append(
    el("div", { class: "page-head" }, el("h1", { class: "mono", text: name }), el("a", { href: "/hosts", text: "All hosts" })), error,
    el("section", { class: "panel" }, el("h2", { text: "Recent jobs" }),
      el("div", { class: "table-wrap" },
        el("table", { id: "host-jobs", class: "grid" }, el("thead", {}, el("tr", {}, HEADINGS.map((text) => el("th", { text })))), tbody)),
      el("div", { class: "actions" }, more)),
    el("section", { class: "panel" }, el("h2", { text: "Facts" }), facts));
  let before = null;

  async function load(first) {
    hideError(error);
    try {
      const path = `/api/v1/hosts/${encodeURIComponent(name)}?limit=50${before ? `&before=${before}` : ""}`;
      const host = await api("GET", path, { signal });
      tbody.append(...host.results.map(resultRow));
      before = host.next_before;
      more.hidden = !before;
      if (first) showFacts(facts, host.facts);
    } catch (err) {
      showError(error, err);
    }
  }
  more.addEventListener("click", () => load(false));
  load(true);
}

function resultRow(result) {
  const failure = result.failure ? `${result.failed_task ? `${result.failed_task}: ` : ""}${result.failure}` : "";
  const counts = result.counts || {};
  return el("tr", { class: `host-result host-result-${result.status}`, "data-job": result.job_id },
    el("td", {}, el("a", { href: `/jobs/${result.job_id}`, text: `#${result.job_id}` })),
    el("td", {}, el("span", { class: `badge status-host-${result.status}`, text: result.status })),
    el("td", { text: result.project }),
    el("td", { class: "mono", text: result.playbook }),
    el("td", { class: "nowrap", text: formatTime(result.finished_at) }),
    ["ok", "changed", "failed", "unreachable"].map((key) =>
      el("td", { class: counts[key] ? `num count-${key}` : "num zero", text: counts[key] || 0 })),
    el("td", { class: "failure", text: failure }));
}

function showFacts(box, records) {
  if (!records.length) {
    box.replaceChildren(el("p", { class: "empty", text: "No facts yet: a play that gathers facts stores them here." }));
    return;
  }
  box.replaceChildren(...records.map((record, index) => {
    const summary = `${record.project} · ${record.inventory} · job #${record.job_id} · ${formatTime(record.updated_at)}`;
    return el("details", { class: "facts", open: index === 0 },
      el("summary", { text: summary }),
      el("pre", { class: "code facts-json", text: JSON.stringify(record.facts, null, 2) }));
  }));
}
