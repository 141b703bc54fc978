// One job, live: its header, progress, tasks, host counts, recap and log. However big the
// run, the page holds only what is on screen: the tasks a page at a time, the log as a
// window of lines (job-log.js), and from the stream only summaries and new lines.

import { api, session } from "../api.js";
import {
  ACTIVE_STATUSES, el, formatDuration, formatTime, hideError, inventoryLabel, showError, statusBadge,
} from "../dom.js";
import { navigate } from "../router.js";
import { followJob } from "../stream.js";
import { every, later, nextFrame } from "../timers.js";
import { logSearch } from "./job-log-search.js";
import { logView } from "./job-log.js";
import { slicePanel } from "./job-slices.js";
import { taskList } from "./job-tasks.js";

const COUNT_KEYS = ["ok", "changed", "failed", "unreachable", "skipped", "rescued", "ignored"];

const META_FIELDS = [["Project", "project"], ["Playbook", "playbook"], ["Inventory", "inventory"],
  ["Created", "created"], ["Started", "started"], ["Finished", "finished"], ["Duration", "duration"],
  ["Exit code", "exit"], ["Worker", "worker"], ["Launched by", "launchedBy"], ["Options", "options"],
  ["Environment", "environment"], ["Commit", "commit"]];

export default function renderJob(main, { params, signal }) {
  const page = createJobPage(main, Number(params.id), signal);
  loadJob(page).then((job) => {
    if (!job) return;
    startLog(page, job);
    page.tasks.refresh();
    // Only what is new: the events are counted by the server (summaries, the task list),
    // and the log comes from the line the page starts with.
    followJob(page.id, {
      after: job.events, afterLine: job.output_lines, events: false, signal,
      onOutput: (lines) => page.log.append(lines),
      onSummary: (summary) => handleSummary(page, summary),
      onEnd: (job) => handleEnd(page, job),
      onLive: (kind, text) => { if (!page.ended) setLive(page, kind, text); },
    });
  });
  every(1000, () => tickJob(page), signal);
}

// The log view of the job as loaded: a running job's follows its end; a finished job's opens
// at its start, or at the lines the address names (#L120 or #L120-L140).
function startLog(page, job) {
  const r = page.refs;
  page.log = logView(r.log, {
    id: page.id, total: job.output_lines, signal: page.signal,
    onFollow: (on) => { r.follow.checked = on; },
  });
  page.search.attach(page.log);
  const active = ACTIVE_STATUSES.has(job.status);
  page.log.live(active);
  const wanted = /^#L(\d+)(?:-L?(\d+))?$/.exec(location.hash);
  if (wanted) {
    const from = Number(wanted[1]);
    page.log.highlight(from, Number(wanted[2] || from));
    page.log.scrollTo(from);
  } else if (active) {
    page.log.follow(true);
  }
}

// Once a second: the duration of a running job keeps moving even when no event arrives.
// An active job whose header is 2 s old is read again, because a sliced (parent) job's
// stream may carry no events at all, yet its status and slice list still change.
function tickJob(page) {
  if (!page.job) return;
  page.refs.duration.textContent = formatDuration(page.job);
  const stale = Date.now() - page.headerAt >= 2000;
  if (stale && !page.ended && !page.headerPending && !document.hidden && ACTIVE_STATUSES.has(page.job.status)) {
    page.headerPending = true;
    refreshHeader(page).finally(() => { page.headerPending = false; });
  }
}

function createJobPage(main, id, signal) {
  document.title = `Job #${id} — Playhouse`;
  const r = {
    status: statusBadge("queued", "job-status"),
    live: el("span", { id: "live", class: "live live-connecting", text: "connecting" }),
    cancel: el("button", { id: "cancel", type: "button", class: "danger", text: "Cancel", disabled: true }),
    relaunch: el("button", { id: "relaunch", type: "button", class: "secondary", text: "Relaunch", hidden: true }),
    relaunchFailed: el("button", { id: "relaunch-failed", type: "button", class: "secondary", text: "Relaunch failed hosts",
      hidden: true }),
    parentLink: el("a", { id: "parent-link", class: "parent-link", hidden: true }),
    actionError: el("div", { id: "action-error", class: "error", role: "alert", hidden: true }),
    jobError: el("div", { id: "job-error", class: "error", role: "alert", hidden: true }),
    waiting: el("div", { id: "job-waiting", class: "note", role: "status", hidden: true }),
    progress: el("div", { id: "progress", class: "progress", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100 }),
    bar: el("div", { class: "progress-bar" }),
    label: el("span", { class: "progress-label", text: "0 / 0 (estimate)" }),
    tasks: el("div", { id: "tasks", class: "tasks" }, el("p", { class: "empty", text: "Waiting for the first task…" })),
    follow: el("input", { id: "log-follow", type: "checkbox" }),
    firstFailure: el("button", { id: "log-first-failure", type: "button", class: "secondary", text: "First failure" }),
    gotoLine: el("input", { id: "log-goto", type: "number", min: 1, placeholder: "Line", "aria-label": "Go to line" }),
    download: el("a", { id: "log-download", class: "button secondary", text: "Download", download: "" }),
    downloadPlain: el("a", { id: "log-download-plain", class: "button secondary", text: "Plain text", download: "" }),
    logNote: el("span", { id: "log-note", class: "log-note", role: "status" }),
    hosts: countTable("hosts"),
    recap: el("div", { id: "recap", class: "recap", hidden: true }),
    log: el("div", { id: "log", class: "log log-view", tabindex: 0 }),
  };
  r.progress.append(r.bar, r.label);
  const slices = slicePanel(signal);
  const search = logSearch(id, signal, (text) => { r.logNote.textContent = text; });
  r.download.setAttribute("href", `/api/v1/jobs/${id}/stdout`);
  r.downloadPlain.setAttribute("href", `/api/v1/jobs/${id}/stdout?ansi=0`);
  const meta = el("dl", { class: "meta" }, META_FIELDS.map(([label, key]) =>
    el("div", {}, el("dt", { text: label }), r[key] = el("dd", { id: `job-${key}`, text: "—" }))));
  main.append(
    el("div", { class: "page-head job-head" },
      el("h1", { text: `Job #${id}` }), r.status, r.parentLink, r.live, el("span", { class: "spacer" }),
      r.relaunchFailed, r.relaunch, r.cancel),
    r.actionError, meta, r.jobError, r.waiting, r.progress, slices.panel,
    el("div", { class: "columns" },
      el("section", { class: "panel" }, el("h2", { text: "Tasks" }), r.tasks),
      el("section", { class: "panel" }, el("h2", { text: "Hosts" }), el("div", { class: "table-scroll" }, r.hosts), r.recap)),
    el("section", { class: "panel" },
      el("div", { class: "log-head" }, el("h2", { text: "Output" }),
        el("label", { class: "log-follow" }, r.follow, " Follow"), r.firstFailure,
        el("form", { id: "log-goto-form", class: "inline-form" }, r.gotoLine), search.form,
        el("span", { class: "spacer" }), r.download, r.downloadPlain),
      r.logNote, search.results, r.log));
  const page = {
    id, refs: r, signal, slices, search, job: null, ended: false, frame: false, log: null,
    // The server's latest summary ({progress, hosts}).
    summary: null,
    refresh: { pending: false, again: false }, headerAt: 0, headerPending: false,
  };
  page.tasks = taskList(r.tasks, { id, signal, onJump: (task) => search.showTask(task) });
  r.follow.addEventListener("change", () => { if (page.log) page.log.follow(r.follow.checked); });
  r.firstFailure.addEventListener("click", () => search.showFirstFailure());
  r.gotoLine.form.addEventListener("submit", (event) => {
    event.preventDefault();
    const number = Number(r.gotoLine.value);
    if (page.log && number >= 1) {
      page.log.highlight(number, number);
      page.log.scrollTo(number);
    }
  });
  r.cancel.addEventListener("click", () => cancelJob(page));
  r.relaunch.addEventListener("click", () => relaunchJob(page, "all"));
  r.relaunchFailed.addEventListener("click", () => relaunchJob(page, "failed"));
  renderHostTable(r.hosts, {});
  return page;
}

async function loadJob(page) {
  try {
    const job = await api("GET", `/api/v1/jobs/${page.id}`, { signal: page.signal });
    renderHeader(page, job);
    // Until the stream's first summary, the stored one is the best progress there is.
    if (!page.summary) {
      renderProgress(page, job.progress || {}, false);
      renderHostTable(page.refs.hosts, job.hosts || {});
    }
    if (!ACTIVE_STATUSES.has(job.status) && Object.keys(job.hosts || {}).length) renderRecap(page, job.hosts);
    return job;
  } catch (err) {
    showError(page.refs.actionError, err);
    setLive(page, "offline", "not available");
    return null;
  }
}

function renderHeader(page, job) {
  const r = page.refs;
  page.job = job;
  page.headerAt = Date.now();
  r.status.textContent = job.status;
  r.status.className = `badge status-${job.status}`;
  r.project.textContent = job.project;
  r.playbook.textContent = job.playbook;
  r.inventory.textContent = inventoryLabel(job.inventory);
  r.created.textContent = formatTime(job.created_at);
  r.started.textContent = formatTime(job.started_at);
  r.finished.textContent = formatTime(job.finished_at);
  r.duration.textContent = formatDuration(job);
  r.exit.textContent = job.exit_code === null || job.exit_code === undefined ? "—" : String(job.exit_code);
  r.worker.textContent = job.worker || "—";
  r.launchedBy.textContent = job.launched_by || "—";
  r.options.textContent = jobOptions(job);
  // Playhouse's own Ansible when no environment was chosen or pinned.
  r.environment.textContent = job.environment || "default";
  r.commit.textContent = job.commit || "—";
  r.waiting.textContent = job.status === "queued" && job.waiting_reason ? `Waiting: ${job.waiting_reason}` : "";
  r.waiting.hidden = !r.waiting.textContent;
  renderParentLink(r.parentLink, job.parent_id);
  // A job's JSON names its slices only when they were looked up (not in `end`, say).
  if (Array.isArray(job.slices)) page.slices.update(job.slices);
  r.jobError.textContent = job.error || "";
  r.jobError.hidden = !job.error;
  // Cancel is offered only while it can still do something.
  const active = ACTIVE_STATUSES.has(job.status);
  r.cancel.disabled = !active || Boolean(job.cancel_requested);
  r.cancel.textContent = active && job.cancel_requested ? "Cancel requested" : "Cancel";
  // Relaunching is for operators, once the job has ended; "failed hosts" only when some did.
  const mayLaunch = Boolean(session) && session.role !== "viewer";
  const failedHosts = Object.values(job.hosts || {}).some((c) => c.failed > 0 || c.unreachable > 0);
  r.relaunch.hidden = !mayLaunch || active;
  r.relaunchFailed.hidden = !mayLaunch || active || !failedHosts;
  document.title = `#${job.id} ${job.status} — Playhouse`;
}

function jobOptions(job) {
  const list = (values) => (values && values.length ? values.join(",") : "");
  const vars = list(Object.keys(job.extra_vars || {}));
  return [
    job.limit && `limit ${job.limit}`, list(job.tags) && `tags ${list(job.tags)}`,
    list(job.skip_tags) && `skip ${list(job.skip_tags)}`, job.check && "check", job.diff && "diff",
    job.verbosity && `-${"v".repeat(job.verbosity)}`, job.forks && `forks ${job.forks}`,
    job.timeout && `timeout ${job.timeout}s`, job.priority && `priority ${job.priority}`, vars && `vars ${vars}`,
    list(job.env_names) && `env ${list(job.env_names)}`,
    list(job.worker_groups) && `worker groups ${list(job.worker_groups)}`,
    job.weight !== (job.forks || 5) && `weight ${job.weight} forks`,
  ].filter(Boolean).join(" · ") || "—";
}

function renderParentLink(link, parentId) {
  link.hidden = !Number.isInteger(parentId);
  if (link.hidden) return;
  link.setAttribute("href", `/jobs/${parentId}`);
  link.textContent = `part of job #${parentId}`;
}

function renderProgress(page, progress, final) {
  const percent = final ? 100 : Math.max(0, Math.min(100, Number(progress.percent) || 0));
  page.refs.bar.style.width = `${percent}%`; // CSSOM, which the CSP allows
  page.refs.progress.setAttribute("aria-valuenow", String(percent));
  page.refs.progress.dataset.percent = String(percent);
  const current = progress.current_task ? ` — ${progress.current_task}` : "";
  page.refs.label.textContent = `${progress.tasks_done || 0} / ${progress.tasks_total || 0} (estimate)${current}`;
}

function setLive(page, kind, text) {
  page.refs.live.className = `live live-${kind}`;
  page.refs.live.textContent = text || kind;
}

function handleSummary(page, summary) {
  page.summary = summary;
  scheduleFrame(page);
  scheduleRefresh(page);
}

// Progress, counts and scrolling are redrawn once per frame, not once per event, so a
// replay of thousands of events does not force thousands of layouts.
function scheduleFrame(page) {
  if (page.frame) return;
  page.frame = true;
  nextFrame(() => {
    page.frame = false;
    if (page.ended || !page.summary) return; // the final job has the last word
    renderProgress(page, page.summary.progress || {}, false);
    renderHostTable(page.refs.hosts, page.summary.hosts);
  }, page.signal);
}

function handleEnd(page, job) {
  page.ended = true;
  setLive(page, "ended");
  if (page.log) page.log.live(false);
  noteNoTasks(page);
  page.tasks.final();
  if (!job) return void loadJob(page);
  renderHeader(page, job);
  renderProgress(page, job.progress || {}, true);
  renderHostTable(page.refs.hosts, job.hosts || {});
  if (page.log) page.log.setTotal(job.output_lines);
  if (Object.keys(job.hosts || {}).length) renderRecap(page, job.hosts);
}

function noteNoTasks(page) {
  page.tasks.noteNoTasks(page.slices.count ? "The tasks ran in the slices of this job." : "No tasks ran.");
}

// Host × status table: the live counts (#hosts) and the recap (#recap) share it.
function countTable(id) {
  return el("table", { id, class: "grid counts" },
    el("thead", {}, el("tr", {}, el("th", { text: "Host" }), COUNT_KEYS.map((key) => el("th", { class: "num", text: key })))),
    el("tbody"));
}

function countRows(hosts, rowClass) {
  return Object.keys(hosts || {}).sort().map((host) => {
    const counts = Object.fromEntries(COUNT_KEYS.map((key) => [key, Number(hosts[host][key]) || 0]));
    const state = counts.failed || counts.unreachable ? "failed" : counts.changed ? "changed" : "ok";
    return el("tr", { class: rowClass, "data-host": host },
      el("th", { class: `host host-${state}`, text: host }),
      COUNT_KEYS.map((key) => el("td", { class: counts[key] ? `num count-${key}` : "num zero", "data-key": key, text: counts[key] })));
  });
}

function renderHostTable(table, hosts) {
  const rows = countRows(hosts, "host-row");
  if (!rows.length) rows.push(el("tr", {}, el("td", { colspan: 8, class: "empty", text: "No host results yet." })));
  table.tBodies[0].replaceChildren(...rows);
}

function renderRecap(page, hosts) {
  const table = countTable("recap-table");
  table.tBodies[0].replaceChildren(...countRows(hosts, "recap-row"));
  page.refs.recap.replaceChildren(el("h2", { text: "Play recap" }), el("div", { class: "table-scroll" }, table));
  page.refs.recap.hidden = false;
}

// Task list and header refresh after summaries: one read at a time, at most one per
// second; summaries that come during a read earn exactly one more read after it.
function scheduleRefresh(page) {
  const state = page.refresh;
  if (state.pending) { state.again = true; return; }
  state.pending = true;
  later(1000, async () => {
    if (!page.ended) await Promise.all([page.tasks.refresh(), refreshHeader(page)]);
    state.pending = false;
    if (state.again) { state.again = false; scheduleRefresh(page); }
  }, page.signal);
}

async function refreshHeader(page) {
  try {
    const job = await api("GET", `/api/v1/jobs/${page.id}`, { signal: page.signal });
    // The final job from `end` wins over an answer that was already on its way.
    if (!page.ended) renderHeader(page, job);
  } catch {
    // The stream goes on; the header catches up at the next refresh.
  }
}

async function cancelJob(page) {
  page.refs.cancel.disabled = true;
  hideError(page.refs.actionError);
  try {
    const job = await api("POST", `/api/v1/jobs/${page.id}/cancel`, { signal: page.signal });
    if (!page.ended) renderHeader(page, job);
  } catch (err) {
    showError(page.refs.actionError, err);
    if (page.job) renderHeader(page, page.job);
  }
}

async function relaunchJob(page, hosts) {
  hideError(page.refs.actionError);
  try {
    const job = await api("POST", `/api/v1/jobs/${page.id}/relaunch`, { body: { hosts }, signal: page.signal });
    navigate(`/jobs/${job.id}`);
  } catch (err) {
    showError(page.refs.actionError, err);
  }
}
