// The workers and their heartbeats, groups and capacity; the queue per worker group, with
// why each job waits.

import { api } from "../api.js";
import { el, formatAgo, formatTime, hideError, showError } from "../dom.js";
import { pollWhileVisible } from "../timers.js";

const HEADINGS = ["Name", "Host", "Groups", "Jobs", "Forks", "State", "Last heartbeat", "Started"];
const NUMERIC = new Set(["Jobs", "Forks"]);
const QUEUE_HEADINGS = ["Job", "Project", "Playbook", "Priority", "Weight", "Waiting"];

export default function renderWorkers(main, { signal }) {
  document.title = "Workers — Playhouse";
  const tbody = el("tbody");
  const queue = el("div", { id: "queue" });
  const error = el("div", { id: "workers-error", class: "error", role: "alert", hidden: true });
  main.append(
    el("div", { class: "page-head" }, el("h1", { text: "Workers" })),
    error,
    el("div", { class: "table-wrap" },
      el("table", { id: "workers", class: "grid" },
        el("thead", {}, el("tr", {}, HEADINGS.map((text) => el("th", { class: NUMERIC.has(text) ? "num" : null, text })))),
        tbody)),
    el("section", { class: "panel" }, el("h2", { text: "Queue" }), queue));

  let latest = 0;
  async function refresh() {
    // A later request wins: a slow answer never overwrites a newer one.
    const request = ++latest;
    try {
      const [workers, queued] = await Promise.all([
        api("GET", "/api/v1/workers", { signal }), api("GET", "/api/v1/queue", { signal }),
      ]);
      if (request !== latest) return;
      fillWorkerRows(tbody, workers.workers || []);
      fillQueue(queue, queued.jobs || []);
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
  const running = worker.running_jobs || 0;
  const used = worker.used_forks || 0;
  return el("tr", { class: "worker-row", "data-name": worker.name, "data-state": state },
    el("td", { class: "mono worker-name", text: worker.name }),
    el("td", { class: "mono", text: worker.host }),
    el("td", { class: "mono worker-groups", text: (worker.groups || []).join(", ") }),
    el("td", { class: running ? "num" : "num zero", text: `${running} / ${worker.capacity}` }),
    el("td", { class: used ? "num worker-forks" : "num zero worker-forks", title: "forks its running jobs weigh / its capacity",
      text: `${used} / ${worker.capacity_forks}` }),
    el("td", {}, el("span", { class: `badge worker-state worker-state-${state}`, text: worker.state || "unknown" })),
    el("td", { class: "nowrap", title: formatTime(worker.last_heartbeat), text: formatAgo(worker.last_heartbeat) }),
    el("td", { class: "nowrap", text: formatTime(worker.started_at) }));
}

// One table per set of worker groups the queued jobs may run on, in the queue's order.
function fillQueue(box, jobs) {
  if (!jobs.length) {
    box.replaceChildren(el("p", { id: "queue-empty", class: "empty", text: "No job is waiting." }));
    return;
  }
  const byGroups = new Map();
  for (const job of jobs) {
    const groups = (job.worker_groups || []).join(", ");
    if (!byGroups.has(groups)) byGroups.set(groups, []);
    byGroups.get(groups).push(job);
  }
  box.replaceChildren(...[...byGroups].map(([groups, queued]) =>
    el("div", { class: "queue-group", "data-groups": groups },
      el("h3", { text: groups ? `Group ${groups}` : "Any group" }),
      el("div", { class: "table-wrap" },
        el("table", { class: "grid queue" },
          el("thead", {}, el("tr", {}, QUEUE_HEADINGS.map((text) =>
            el("th", { class: text === "Priority" || text === "Weight" ? "num" : null, text })))),
          el("tbody", {}, queued.map(queuedRow)))))));
}

function queuedRow(job) {
  return el("tr", { class: "queued-row", "data-id": job.id },
    el("td", { class: "nowrap" }, el("a", { href: `/jobs/${job.id}`, text: `#${job.id}` })),
    el("td", { text: job.project }),
    el("td", { class: "mono", text: job.playbook }),
    el("td", { class: "num", text: job.priority }),
    el("td", { class: "num", text: job.weight }),
    el("td", { class: "queue-reason", text: job.waiting_reason || "next in line" }));
}
