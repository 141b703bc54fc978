// The workers and their heartbeats.

import { api } from "../api.js";
import { el, formatAgo, formatTime, hideError, showError } from "../dom.js";
import { pollWhileVisible } from "../timers.js";

const HEADINGS = ["Name", "Host", "Capacity", "Running jobs", "State", "Last heartbeat", "Started"];

export default function renderWorkers(main, { signal }) {
  document.title = "Workers — Playhouse";
  const tbody = el("tbody");
  const error = el("div", { id: "workers-error", class: "error", role: "alert", hidden: true });
  main.append(
    el("div", { class: "page-head" }, el("h1", { text: "Workers" })),
    error,
    el("div", { class: "table-wrap" },
      el("table", { id: "workers", class: "grid" },
        el("thead", {}, el("tr", {}, HEADINGS.map((text, index) =>
          el("th", { class: index === 2 || index === 3 ? "num" : null, text })))), tbody)));

  let latest = 0;
  async function refresh() {
    // A later request wins: a slow answer never overwrites a newer one.
    const request = ++latest;
    try {
      const data = await api("GET", "/api/v1/workers", { signal });
      if (request !== latest) return;
      fillWorkerRows(tbody, data.workers || []);
      hideError(error);
    } catch (err) {
      if (request === latest) showError(error, err);
    }
  }

  // Heartbeats come every few seconds; a 2 s poll shows them (and a lost worker) promptly.
  pollWhileVisible(refresh, 2000, signal);
}

function fillWorkerRows(tbody, workers) {
  if (!workers.length) {
    tbody.replaceChildren(el("tr", {},
      el("td", { id: "workers-empty", colspan: HEADINGS.length, class: "empty" },
        "No workers have registered yet. ", el("code", { text: "playhouse serve" }),
        " runs jobs itself unless started with ", el("code", { text: "--workers 0" }), "; ",
        el("code", { text: "playhouse worker --database postgres://…" }), " adds workers.")));
    return;
  }
  tbody.replaceChildren(...workers.map(workerRow));
}

function workerRow(worker) {
  // The state becomes part of a class name, so only a plain word gets through.
  const state = String(worker.state || "unknown").toLowerCase().replace(/[^a-z0-9_-]/g, "");
  return el("tr", { class: "worker-row", "data-name": worker.name, "data-state": state },
    el("td", { class: "mono worker-name", text: worker.name }),
    el("td", { class: "mono", text: worker.host }),
    el("td", { class: "num", text: worker.capacity }),
    el("td", { class: worker.running_jobs ? "num" : "num zero", text: worker.running_jobs || 0 }),
    el("td", {}, el("span", { class: `badge worker-state worker-state-${state}`, text: worker.state || "unknown" })),
    el("td", { class: "nowrap", title: formatTime(worker.last_heartbeat), text: formatAgo(worker.last_heartbeat) }),
    el("td", { class: "nowrap", text: formatTime(worker.started_at) }));
}
