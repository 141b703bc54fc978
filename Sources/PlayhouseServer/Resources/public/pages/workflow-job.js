// One run of a workflow, live: its graph with each node in its state, the approvals it
// waits for, its nodes, artifacts and error, and the buttons that cancel or resume it.
// The stream sends the whole run at each change, so each frame redraws the page.

import { api } from "../api.js";
import { el, formatTime, hideError, inventoryLabel, showError, statusBadge } from "../dom.js";
import { navigate } from "../router.js";
import { followWorkflowJob } from "../stream.js";
import { drawGraph, loadNodeDetail } from "./workflow-graph.js";

const ENDED_WITHOUT_SUCCESS = new Set(["failed", "error", "canceled"]);
const NODE_HEADINGS = ["Node", "Type", "State", "Ran", "Message", "Decided by"];
const META_FIELDS = [["Workflow", "workflow"], ["Launched by", "launchedBy"], ["Created", "created"], ["Finished", "finished"],
  ["Resumes", "resumes"], ["Nested in", "parent"], ["Options", "options"]];

export default function renderWorkflowJob(main, { params, signal }) {
  const page = createPage(main, Number(params.id), signal);
  Promise.all([api("GET", `/api/v1/workflow-jobs/${page.id}`, { signal }), loadNodeDetail(signal)]).then(([run, detail]) => {
    page.detail = detail;
    renderRun(page, run);
    followWorkflowJob(page.id, {
      signal,
      onRun: (next) => renderRun(page, next),
      onEnd: () => setLive(page, "ended"),
      onLive: (kind, text) => setLive(page, kind, text),
    });
  }).catch((err) => {
    showError(page.refs.actionError, err);
    setLive(page, "offline", "not available");
  });
}

function createPage(main, id, signal) {
  document.title = `Workflow job #${id} — Playhouse`;
  const r = {
    title: el("h1", { text: `Workflow job #${id}` }),
    status: statusBadge("loading", "wf-job-status"),
    live: el("span", { id: "wf-live", class: "live live-connecting", text: "connecting" }),
    cancel: el("button", { id: "wf-cancel", type: "button", class: "danger", text: "Cancel", hidden: true }),
    resume: el("button", { id: "wf-resume", type: "button", class: "secondary", text: "Resume", hidden: true }),
    resumeFailed: el("button", { id: "wf-resume-failed", type: "button", class: "secondary", text: "Resume on failed hosts",
      hidden: true }),
    actionError: el("div", { id: "wf-action-error", class: "error", role: "alert", hidden: true }),
    runError: el("div", { id: "wf-job-error", class: "error", role: "alert", hidden: true }),
    graph: el("div", { id: "wf-graph", class: "wf-graph" }),
    approvals: el("section", { id: "wf-approvals", class: "panel", hidden: true }),
    nodes: el("tbody", { id: "wf-node-rows" }),
    artifacts: el("pre", { id: "wf-artifacts", class: "code" }),
  };
  const meta = el("dl", { class: "meta" }, META_FIELDS.map(([label, key]) =>
    el("div", {}, el("dt", { text: label }), r[key] = el("dd", { id: `wf-job-${key}`, text: "—" }))));
  main.append(
    el("div", { class: "page-head job-head" }, r.title, r.status, r.live, el("span", { class: "spacer" }),
      r.resumeFailed, r.resume, r.cancel),
    r.actionError, meta, r.runError, r.approvals,
    el("section", { class: "panel" }, el("h2", { text: "Graph" }), r.graph),
    el("section", { class: "panel" }, el("h2", { text: "Nodes" }), el("div", { class: "table-scroll" },
      el("table", { id: "wf-nodes", class: "grid" },
        el("thead", {}, el("tr", {}, NODE_HEADINGS.map((text) => el("th", { text })))), r.nodes))),
    el("section", { class: "panel" }, el("h2", { text: "Artifacts" }),
      el("p", { class: "hint", text: "What the nodes published with set_stats, node after node." }), r.artifacts));
  // `detail` names the nodes' templates and workflows once they are read.
  const page = { id, refs: r, detail: null };
  r.cancel.addEventListener("click", () => act(page, r.cancel, () => api("POST", `/api/v1/workflow-jobs/${id}/cancel`, { signal })));
  for (const [button, hosts] of [[r.resume, "all"], [r.resumeFailed, "failed"]]) {
    button.addEventListener("click", () => act(page, button, async () => {
      const run = await api("POST", `/api/v1/workflow-jobs/${id}/resume`, { body: { hosts }, signal });
      navigate(`/workflow-jobs/${run.id}`);
    }));
  }
  r.approvals.addEventListener("click", (event) => {
    const button = event.target.closest("button[data-decision]");
    if (!button) return;
    act(page, button, () => api("POST", `/api/v1/approvals/${button.dataset.id}/${button.dataset.decision}`, { signal }));
  });
  return page;
}

// Runs a button's action, the button disabled meanwhile; what it changed shows through
// the stream, which also says whether the button applies again. Its error (a 403 naming
// who may decide, say) shows above the page.
async function act(page, button, action) {
  hideError(page.refs.actionError);
  button.disabled = true;
  try {
    await action();
  } catch (err) {
    showError(page.refs.actionError, err);
    button.disabled = false;
  }
}

function renderRun(page, run) {
  const r = page.refs;
  r.title.textContent = `${run.name} #${run.id}`;
  document.title = `${run.name} #${run.id} — Playhouse`;
  r.status.textContent = run.status;
  r.status.className = `badge status-${run.status}`;
  r.workflow.replaceChildren(run.workflow_id ? el("a", { href: `/workflows/${run.workflow_id}`, text: run.name }) : run.source || run.name);
  r.launchedBy.textContent = run.launched_by;
  r.created.textContent = formatTime(run.created_at);
  r.finished.textContent = formatTime(run.finished_at);
  r.resumes.replaceChildren(run.resume_of ? el("a", { href: `/workflow-jobs/${run.resume_of}`, text: `#${run.resume_of}` }) : "—");
  r.parent.replaceChildren(run.parent_id ? el("a", { href: `/workflow-jobs/${run.parent_id}`, text: `#${run.parent_id}` }) : "—");
  r.options.textContent = [run.limit && `limit ${run.limit}`, run.inventory && `inventory ${inventoryLabel(run.inventory)}`,
    Object.keys(run.extra_vars).length && `vars ${Object.keys(run.extra_vars).join(",")}`].filter(Boolean).join(" · ") || "—";
  r.cancel.hidden = run.status !== "running";
  r.cancel.disabled = run.cancel_requested;
  r.cancel.textContent = run.cancel_requested ? "Canceling…" : "Cancel";
  r.resume.hidden = r.resumeFailed.hidden = !ENDED_WITHOUT_SUCCESS.has(run.status);
  r.runError.hidden = !run.error;
  r.runError.textContent = run.error || "";
  const byNode = new Map(run.nodes.map((node) => [node.node, node]));
  r.graph.replaceChildren(drawGraph(run.definition, {
    detail: page.detail, states: new Map(run.nodes.map((node) => [node.node, node.state])),
    href: (id) => nodeLink(byNode.get(id)),
  }));
  renderApprovals(r.approvals, run);
  r.nodes.replaceChildren(...run.nodes.map(nodeRow));
  r.artifacts.textContent = JSON.stringify(run.artifacts, null, 2);
}

// The page a node's work is on: its job, or its nested workflow job.
function nodeLink(node) {
  if (!node) return null;
  if (node.job_id) return `/jobs/${node.job_id}`;
  if (node.child_id) return `/workflow-jobs/${node.child_id}`;
  return null;
}

// The approval nodes waiting for a decision, each with the buttons to decide it for those
// the server says may (`can_decide`).
function renderApprovals(panel, run) {
  const waiting = run.nodes.filter((node) => node.state === "waiting");
  panel.hidden = !waiting.length;
  panel.replaceChildren(el("h2", { text: "Waiting for approval" }), ...waiting.map((node) => {
    const rule = (run.definition.nodes.find((n) => n.id === node.node) || {}).approval || {};
    const deciders = [...(rule.users || []), ...(rule.teams || []).map((team) => `team ${team}`)].join(", ");
    return el("div", { class: "wf-approval", "data-node": node.node },
      el("strong", { text: node.node }), rule.message ? el("span", { text: ` — ${rule.message}` }) : null,
      el("span", { class: "hint", text: ` decided by ${deciders || "—"}`
        + (node.expires_at ? `; ${rule.on_timeout || "deny"} at ${formatTime(node.expires_at)}` : "") }),
      el("span", { class: "spacer" }),
      ...(node.can_decide ? [
        el("button", { type: "button", class: "wf-approve", "data-decision": "approve", "data-id": node.id, "data-node": node.node,
          text: "Approve" }),
        el("button", { type: "button", class: "danger wf-deny", "data-decision": "deny", "data-id": node.id, "data-node": node.node,
          text: "Deny" }),
      ] : [el("span", { class: "hint", text: "you are not named on it" })]));
  }));
}

function nodeRow(node) {
  const link = nodeLink(node);
  return el("tr", { class: "wf-node-row", "data-node": node.node, "data-state": node.state },
    el("td", { class: "mono", text: node.node }),
    el("td", { text: node.type }),
    el("td", {}, el("span", { class: `badge wf-badge-${node.state}`, text: node.state }),
      node.kept ? el("span", { class: "wf-note", text: "kept from the resumed run" }) : null),
    el("td", { class: "nowrap" },
      link ? el("a", { href: link, text: node.job_id ? `job #${node.job_id}` : `run #${node.child_id}` }) : "—",
      node.rerun_limit ? el("span", { class: "wf-note", text: `on ${node.rerun_limit}` }) : null),
    el("td", { text: node.message || "—" }),
    el("td", { text: node.decided_by || "—" }));
}

function setLive(page, kind, text) {
  page.refs.live.className = `live live-${kind}`;
  page.refs.live.textContent = text || kind;
}
