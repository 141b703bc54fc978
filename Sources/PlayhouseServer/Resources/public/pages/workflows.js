// The workflows: the approvals waiting for the signed-in user, the stored workflows, and
// their recent runs. The approvals and runs stay live (read every 3 s while visible).

import { api, session } from "../api.js";
import { el, formatTime, hideError, showError } from "../dom.js";
import { pollWhileVisible } from "../timers.js";
import { runTable } from "./workflow-runs.js";

export default function renderWorkflows(main, { signal }) {
  document.title = "Workflows — Playhouse";
  const admin = Boolean(session) && session.role === "admin";
  const error = el("div", { id: "workflows-error", class: "error", role: "alert", hidden: true });
  const inbox = approvalInbox(signal, () => refresh());
  const tbody = el("tbody", { id: "workflow-rows" });
  const runs = runTable("workflow-jobs");
  const head = el("div", { class: "page-head" }, el("h1", { text: "Workflows" }));
  if (admin) head.append(el("a", { id: "new-workflow", class: "button", href: "/workflows/new", text: "New workflow" }));
  main.append(head, error, inbox.panel,
    el("div", { class: "table-wrap" }, el("table", { id: "workflows", class: "grid" },
      el("thead", {}, el("tr", {}, ["Name", "Nodes", "Description", ""].map((text) =>
        el("th", { class: text === "Nodes" ? "num" : null, text })))), tbody)),
    el("section", { class: "panel" }, el("h2", { text: "Recent runs" }), el("div", { class: "table-scroll" }, runs.table)));

  api("GET", "/api/v1/workflows", { signal }).then((data) => {
    if (!data.workflows.length) {
      tbody.replaceChildren(el("tr", {}, el("td", { colspan: 4, class: "empty", text: "No workflows yet." })));
      return;
    }
    tbody.replaceChildren(...data.workflows.map((w) => el("tr", { class: "workflow-row", "data-id": w.id, "data-name": w.name },
      el("td", {}, el("a", { href: `/workflows/${w.id}`, text: w.name })),
      el("td", { class: "num", text: w.nodes.length }),
      el("td", { class: "hint", text: w.description || "—" }),
      el("td", { class: "nowrap" }, el("a", { class: "button", href: `/workflows/${w.id}`, text: "Launch" }), " ",
        admin ? el("a", { href: `/workflows/${w.id}/edit`, text: "Edit" }) : null))));
  }).catch((err) => showError(error, err));

  // Only a change redraws, so a button is not replaced under the pointer every 3 s; and a
  // later request wins, so an answer from before a decision never shows after it.
  let shownRuns = "";
  let latest = 0;
  async function refresh() {
    const request = ++latest;
    try {
      const [approvals, jobs] = await Promise.all([
        api("GET", "/api/v1/approvals", { signal }), api("GET", "/api/v1/workflow-jobs?limit=20", { signal })]);
      if (request !== latest) return;
      inbox.fill(approvals.approvals);
      const key = JSON.stringify(jobs.workflow_jobs);
      if (key !== shownRuns) runs.fill(jobs.workflow_jobs);
      shownRuns = key;
      hideError(error);
    } catch (err) {
      if (request === latest) showError(error, err);
    }
  }
  pollWhileVisible(refresh, 3000, signal);
}

// The approvals waiting for the signed-in user, each to approve or deny; `changed` runs
// after a decision.
function approvalInbox(signal, changed) {
  const list = el("div", { class: "approval-list" }, el("p", { class: "empty", text: "Loading…" }));
  const error = el("div", { id: "approval-error", class: "error", role: "alert", hidden: true });
  const panel = el("section", { id: "approval-inbox", class: "panel" }, el("h2", { text: "Waiting for your approval" }), error, list);
  let shown = null;
  list.addEventListener("click", async (event) => {
    const button = event.target.closest("button[data-decision]");
    if (!button) return;
    hideError(error);
    for (const other of button.parentElement.querySelectorAll("button")) other.disabled = true;
    try {
      await api("POST", `/api/v1/approvals/${button.dataset.id}/${button.dataset.decision}`, { signal });
      changed();
    } catch (err) {
      showError(error, err);
      for (const other of button.parentElement.querySelectorAll("button")) other.disabled = false;
    }
  });
  return {
    panel,
    fill(approvals) {
      const key = JSON.stringify(approvals);
      if (key === shown) return;
      shown = key;
      if (!approvals.length) {
        list.replaceChildren(el("p", { id: "approval-inbox-empty", class: "empty", text: "No approvals wait for you." }));
        return;
      }
      list.replaceChildren(el("table", { class: "grid" },
        el("thead", {}, el("tr", {}, ["Workflow", "Asks", "Launched by", "Decides itself", ""].map((text) => el("th", { text })))),
        el("tbody", {}, approvals.map(approvalRow))));
    },
  };
}

function approvalRow(approval) {
  return el("tr", { class: "approval-row", "data-id": approval.id, "data-node": approval.node },
    el("td", {}, el("a", { href: `/workflow-jobs/${approval.workflow_job_id}`, text: `${approval.workflow} #${approval.workflow_job_id}` }),
      el("span", { class: "wf-note", text: `node ${approval.node}` })),
    el("td", { text: approval.message || "—" }),
    el("td", { text: approval.launched_by }),
    el("td", { class: "nowrap",
      text: approval.expires_at ? `${approval.on_timeout} at ${formatTime(approval.expires_at)}` : "never" }),
    el("td", { class: "nowrap" },
      el("button", { type: "button", class: "approve", "data-decision": "approve", "data-id": approval.id, text: "Approve" }), " ",
      el("button", { type: "button", class: "danger deny", "data-decision": "deny", "data-id": approval.id, text: "Deny" })));
}
