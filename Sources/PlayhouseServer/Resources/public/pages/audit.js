// The audit log (admins).

import { api } from "../api.js";
import { el, formatTime, hideError, showError } from "../dom.js";

const HEADINGS = ["When", "Who", "What", "Target", "From", "Detail"];

export default function renderAudit(main, { signal }) {
  document.title = "Audit — Playhouse";
  const error = el("div", { id: "audit-error", class: "error", role: "alert", hidden: true });
  const tbody = el("tbody", { id: "audit-rows" });
  const more = el("button", { id: "audit-more", type: "button", class: "secondary", text: "Older entries", hidden: true });
  main.append(
    el("div", { class: "page-head" }, el("h1", { text: "Audit log" })), error,
    el("table", { id: "audit", class: "grid" }, el("thead", {}, el("tr", {}, HEADINGS.map((h) => el("th", { text: h })))), tbody),
    el("div", { class: "actions" }, more));
  let before = null;
  async function load() {
    hideError(error);
    try {
      const page = await api("GET", `/api/v1/audit?limit=100${before ? `&before=${before}` : ""}`, { signal });
      tbody.append(...page.entries.map(auditRow));
      before = page.next_before;
      more.hidden = !before;
    } catch (err) {
      showError(error, err);
    }
  }
  more.addEventListener("click", load);
  load();
}

function auditRow(entry) {
  return el("tr", { class: "audit-row", "data-action": entry.action },
    el("td", { class: "nowrap", text: formatTime(entry.time) }),
    el("td", { text: entry.actor || "—" }),
    el("td", { class: "mono", text: entry.action }),
    el("td", { text: entry.target || "" }),
    el("td", { class: "mono", text: entry.source || "" }),
    el("td", { text: entry.detail || "" }));
}
