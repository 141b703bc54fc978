// A table of workflow jobs, newest first, for the workflows page and a workflow's page.

import { el, formatTime, statusBadge } from "../dom.js";

const HEADINGS = ["Run", "Workflow", "Status", "Launched by", "Created", "Finished"];

export function runTable(id) {
  const tbody = el("tbody");
  const table = el("table", { id, class: "grid" }, el("thead", {}, el("tr", {}, HEADINGS.map((text) => el("th", { text })))), tbody);
  return { table, fill: (runs) => fillRuns(tbody, runs) };
}

function fillRuns(tbody, runs) {
  if (!runs.length) {
    tbody.replaceChildren(el("tr", {}, el("td", { colspan: HEADINGS.length, class: "empty", text: "No runs yet." })));
    return;
  }
  tbody.replaceChildren(...runs.map((run) => el("tr", { class: "wf-run-row", "data-id": run.id, "data-status": run.status },
    el("td", { class: "nowrap" }, el("a", { href: `/workflow-jobs/${run.id}`, text: `#${run.id}` }),
      run.resume_of ? el("span", { class: "wf-note", text: `resumes #${run.resume_of}` }) : null,
      run.depth ? el("span", { class: "wf-note", text: "nested" }) : null),
    el("td", { text: run.name }),
    el("td", {}, statusBadge(run.status)),
    el("td", { text: run.launched_by }),
    el("td", { class: "nowrap", text: formatTime(run.created_at) }),
    el("td", { class: "nowrap", text: formatTime(run.finished_at) }))));
}
