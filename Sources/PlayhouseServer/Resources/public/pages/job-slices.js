// A sliced job's panel of child jobs. The rows are rebuilt only when the ids change; each
// child's own JSON is read every 2 s until every child is final.

import { api } from "../api.js";
import { ACTIVE_STATUSES, el, formatDuration, miniBar, statusBadge } from "../dom.js";
import { later } from "../timers.js";

const HEADINGS = ["Job", "Status", "Hosts", "Worker", "Duration", "Progress"];

// The panel, hidden until a job names slices; `signal` is the page's.
export function slicePanel(signal) {
  const rows = el("tbody");
  const panel = el("section", { id: "slices", class: "panel", hidden: true },
    el("h2", { text: "Slices" }), el("div", { class: "table-scroll" },
      el("table", { id: "slice-table", class: "grid" },
        el("thead", {}, el("tr", {}, HEADINGS.map((text) => el("th", { text })))), rows)));
  const jobs = new Map();
  let ids = [];
  let key = "";
  // Each slice list polls under its own controller, stopped by a newer list or the page.
  let polling = null;

  const fill = () => rows.replaceChildren(...ids.map((id) => sliceRow(id, jobs.get(id))));

  // Reads every child once; true when all of them are final. A child that cannot be read
  // is tried again at the next tick.
  async function refresh(listSignal) {
    const children = await Promise.all(ids.map((id) => api("GET", `/api/v1/jobs/${id}`, { signal: listSignal }).catch(() => null)));
    children.forEach((child, index) => { if (child) jobs.set(ids[index], child); });
    fill();
    return ids.every((id) => jobs.has(id) && !ACTIVE_STATUSES.has(jobs.get(id).status));
  }

  function poll() {
    if (polling) polling.abort();
    polling = new AbortController();
    if (!ids.length) return;
    const listSignal = AbortSignal.any([signal, polling.signal]);
    const tick = async () => {
      const done = !document.hidden && await refresh(listSignal);
      if (!done) later(2000, tick, listSignal);
    };
    tick();
  }

  return {
    panel,
    get count() { return ids.length; },
    update(slices) {
      const next = slices.map(Number).filter((id) => Number.isInteger(id) && id > 0);
      if (next.join(",") === key) return;
      key = next.join(",");
      ids = next;
      panel.hidden = ids.length === 0;
      fill();
      poll();
    },
  };
}

function sliceRow(id, child) {
  const link = el("a", { class: "slice-link", href: `/jobs/${id}`, "data-id": id, text: `#${id}` });
  if (!child) {
    return el("tr", { class: "slice-row", "data-id": id },
      el("td", {}, link), el("td", {}, el("span", { class: "badge", text: "loading" })),
      el("td", { colspan: 4, class: "empty", text: "—" }));
  }
  const percent = (child.progress && child.progress.percent) || 0;
  return el("tr", { class: "slice-row", "data-id": id, "data-status": child.status },
    el("td", {}, link),
    el("td", {}, statusBadge(child.status)),
    el("td", { class: "mono slice-hosts", text: child.limit || "—" }),
    el("td", { class: "mono", text: child.worker || "—" }),
    el("td", { class: "nowrap", text: formatDuration(child) }),
    el("td", { class: "nowrap" }, miniBar(percent), ` ${percent}%`));
}
