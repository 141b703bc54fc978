"use strict";

// Playhouse browser front end. One page (index.html) serves every route; this script
// picks the view from location.pathname. Every piece of server text goes into the page
// through textContent (see el()), never innerHTML, and no inline style is written,
// because the Content-Security-Policy forbids both inline script and inline style.

const ACTIVE_STATUSES = new Set(["queued", "running"]);
const COUNT_KEYS = ["ok", "changed", "failed", "unreachable", "skipped", "rescued", "ignored"];

// EventSource only hands a named event to listeners registered for that exact name, so
// every type the job page folds or renders has to be listed here.
const EVENT_TYPES = [
  "playbook_on_start", "playbook_on_play_start", "playbook_on_task_start",
  "playbook_on_handler_task_start", "playbook_on_no_hosts_matched", "playbook_on_no_hosts_remaining",
  "playbook_on_notify", "playbook_on_include", "playbook_on_stats",
  "runner_on_start", "runner_on_ok", "runner_on_failed", "runner_on_skipped", "runner_on_unreachable",
  "runner_item_on_ok", "runner_item_on_failed", "runner_item_on_skipped", "runner_retry",
  "runner_on_async_ok", "runner_on_async_failed", "on_file_diff",
];

// Teardown of the current view (timers, streams), run before the next view renders.
let teardown = null;

// Who is signed in ({name, role, teams, csrf_token}), from /api/v1/me; null on /login.
let session = null;

// ---------------------------------------------------------------------------------------
// Small helpers

// Builds an element. Text goes through textContent so server data is never parsed as HTML.
function el(tag, props, ...children) {
  const node = document.createElement(tag);
  let value;
  for (const [key, raw] of Object.entries(props || {})) {
    if (raw === null || raw === undefined || raw === false) continue;
    if (key === "text") node.textContent = String(raw);
    else if (key === "class") node.className = raw;
    else if (key === "value") value = raw;
    else if (key === "style") throw new Error("inline style is blocked by the CSP; use a class");
    else node.setAttribute(key, raw === true ? "" : String(raw));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  // Set last: a select only accepts a value once its options exist.
  if (value !== undefined) node.value = String(value);
  return node;
}

function option(value, text) {
  return el("option", { value, text: text === undefined ? value : text });
}

// Calls the JSON API; a non-2xx answer becomes an Error carrying the API's error and detail.
// State-changing calls carry the session's CSRF token. A 401 means the session is gone:
// back to the sign-in page, and here again afterwards.
async function api(method, path, body) {
  const init = { method, headers: { Accept: "application/json" } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (method !== "GET" && session && session.csrf_token) init.headers["X-CSRF-Token"] = session.csrf_token;
  const response = await fetch(path, init);
  if (response.status === 401 && !location.pathname.startsWith("/login")) {
    location.assign(`/login?next=${encodeURIComponent(location.pathname)}`);
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try { data = JSON.parse(text); } catch { data = { error: text.slice(0, 300) }; }
  }
  if (!response.ok) {
    const error = new Error((data && data.error) || `HTTP ${response.status}`);
    error.status = response.status;
    error.detail = (data && data.detail) || "";
    throw error;
  }
  return data;
}

// Shows an API error ("error" in bold, then "detail") in a visible error box.
function showError(box, error) {
  box.replaceChildren(el("strong", { class: "error-title", text: error.message || String(error) }));
  if (error.detail) box.append(el("span", { class: "error-detail", text: error.detail }));
  box.hidden = false;
}

function hideError(box) {
  box.hidden = true;
  box.replaceChildren();
}

function formatTime(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

// Run time of a job: start to end, or start to now while it runs.
function formatDuration(job) {
  if (!job || !job.started_at) return "—";
  const end = job.finished_at ? Date.parse(job.finished_at) : Date.now();
  let seconds = Math.max(0, Math.round((end - Date.parse(job.started_at)) / 1000));
  const hours = Math.floor(seconds / 3600);
  const minutes = Math.floor((seconds % 3600) / 60);
  seconds %= 60;
  if (hours) return `${hours}h ${String(minutes).padStart(2, "0")}m`;
  if (minutes) return `${minutes}m ${String(seconds).padStart(2, "0")}s`;
  return `${seconds}s`;
}

// How long ago a moment was, coarsely ("3 s ago"); a browser clock a little ahead of
// the server's would otherwise show moments in the future.
function formatAgo(iso) {
  const time = Date.parse(iso);
  if (!iso || Number.isNaN(time)) return iso || "—";
  const seconds = Math.max(0, Math.round((Date.now() - time) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.floor(hours / 24)} d ago`;
}

// Calls refresh now and every `ms` while the tab is visible (a hidden tab polls nothing,
// and catches up the moment it is shown again). Returns the function that stops it.
function pollWhileVisible(refresh, ms) {
  const onVisible = () => { if (!document.hidden) refresh(); };
  const timer = setInterval(onVisible, ms);
  document.addEventListener("visibilitychange", onVisible);
  refresh();
  return () => {
    clearInterval(timer);
    document.removeEventListener("visibilitychange", onVisible);
  };
}

// A numeric inventory is the id of a stored inventory, anything else a project file.
function inventoryLabel(inventory) {
  return /^\d+$/.test(String(inventory)) ? `stored #${inventory}` : inventory;
}

function statusBadge(status, id) {
  return el("span", { id, class: `badge status-${status}`, text: status });
}

// Keeps a scrolling box pinned to its end while the user has not scrolled up.
function keepAtBottom(box, change) {
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  change();
  if (atBottom) box.scrollTop = box.scrollHeight;
}

// ---------------------------------------------------------------------------------------
// ANSI SGR colours → spans with classes (the log keeps Ansible's colours)

// SGR first; then any other CSI, OSC or lone escape, which are dropped.
const ANSI_PATTERN = /\x1b\[([0-9;]*)m|\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?/g;

function applySgr(state, params) {
  const codes = params === "" ? [0] : params.split(";").map((part) => Number(part || 0));
  for (let i = 0; i < codes.length; i += 1) {
    const code = codes[i];
    if (code === 0) { state.bold = false; state.fg = null; }
    else if (code === 1) state.bold = true;
    else if (code === 22) state.bold = false;
    else if ((code >= 30 && code <= 37) || (code >= 90 && code <= 97)) state.fg = code;
    else if (code === 39) state.fg = null;
    // 256-colour and RGB forms carry arguments that are not codes of their own.
    else if (code === 38 || code === 48) i += codes[i + 1] === 5 ? 2 : codes[i + 1] === 2 ? 4 : 0;
  }
}

function ansiToFragment(text) {
  const fragment = document.createDocumentFragment();
  const state = { bold: false, fg: null };
  let last = 0;
  const pushText = (chunk) => {
    if (!chunk) return;
    const classes = [];
    if (state.bold) classes.push("ansi-bold");
    if (state.fg !== null) classes.push(`ansi-${state.fg}`);
    fragment.append(classes.length ? el("span", { class: classes.join(" "), text: chunk }) : chunk);
  };
  text = text.replace(/\r\n/g, "\n");
  for (const match of text.matchAll(ANSI_PATTERN)) {
    pushText(text.slice(last, match.index));
    if (match[1] !== undefined) applySgr(state, match[1]);
    last = match.index + match[0].length;
  }
  pushText(text.slice(last));
  return fragment;
}

// ---------------------------------------------------------------------------------------
// Routing

const ROUTES = [
  [/^\/login\/?$/, renderLogin, null],
  [/^\/(jobs\/?)?$/, renderJobList, "jobs"],
  [/^\/launch\/?$/, renderLaunch, "launch"],
  [/^\/jobs\/(\d+)\/?$/, renderJob, "jobs"],
  [/^\/inventories\/?$/, renderInventories, "inventories"],
  [/^\/workers\/?$/, renderWorkers, "workers"],
  [/^\/audit\/?$/, renderAudit, "audit"],
  [/^\/templates\/?$/, renderTemplates, "templates"],
  [/^\/templates\/new\/?$/, (main) => renderTemplateEditor(main, null), "templates"],
  [/^\/templates\/(\d+)\/edit\/?$/, renderTemplateEditor, "templates"],
  [/^\/templates\/(\d+)(?:\/launch)?\/?$/, renderTemplateLaunch, "templates"],
];

function route() {
  if (teardown) teardown();
  teardown = null;
  const main = document.getElementById("app");
  main.replaceChildren();
  for (const [pattern, render, section] of ROUTES) {
    const match = pattern.exec(location.pathname);
    if (!match) continue;
    markNav(section);
    teardown = render(main, ...match.slice(1)) || null;
    return;
  }
  markNav(null);
  document.title = "Not found — Playhouse";
  main.append(el("h1", { text: "Not found" }), el("p", {}, el("a", { href: "/", text: "Back to the jobs" })));
}

function markNav(section) {
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function navigate(path) {
  if (path !== location.pathname) history.pushState(null, "", path);
  route();
  window.scrollTo(0, 0);
}

// Same-origin links to our own routes change the view without a page load.
function onLinkClick(event) {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest("a[href]");
  if (!link || link.target || link.origin !== location.origin) return;
  if (!ROUTES.some(([pattern]) => pattern.test(link.pathname))) return;
  event.preventDefault();
  navigate(link.pathname);
}

// ---------------------------------------------------------------------------------------
// Page 1: job list

function renderJobList(main) {
  document.title = "Jobs — Playhouse";
  const state = { before: null, pages: [], next: null, request: 0 };
  const tbody = el("tbody");
  const error = el("div", { class: "error", role: "alert", hidden: true });
  const newer = el("button", { id: "newer", type: "button", class: "secondary", text: "Newer", hidden: true });
  const older = el("button", { id: "older", type: "button", class: "secondary", text: "Older", disabled: true });
  const headings = ["Job", "Status", "Project", "Playbook", "Inventory", "Created", "Duration", "Progress"];
  main.append(
    el("div", { class: "page-head" },
      el("h1", { text: "Jobs" }),
      el("a", { id: "launch-link", class: "button", href: "/launch", text: "Launch" })),
    error,
    el("div", { class: "table-wrap" },
      el("table", { id: "jobs", class: "grid" },
        el("thead", {}, el("tr", {}, headings.map((text) => el("th", { text })))), tbody)),
    el("div", { class: "pager" }, newer, older));

  async function refresh() {
    // A later request wins: a slow answer for a page the user left is dropped.
    const request = ++state.request;
    const query = new URLSearchParams({ limit: "50" });
    if (state.before) query.set("before", String(state.before));
    try {
      const data = await api("GET", `/api/v1/jobs?${query}`);
      if (request !== state.request) return;
      fillJobRows(tbody, data.jobs || []);
      state.next = data.next_before;
      older.disabled = !data.next_before;
      newer.hidden = state.pages.length === 0;
      hideError(error);
    } catch (err) {
      if (request === state.request) showError(error, err);
    }
  }

  older.addEventListener("click", () => {
    if (!state.next) return;
    state.pages.push(state.before);
    state.before = state.next;
    refresh();
  });
  newer.addEventListener("click", () => {
    state.before = state.pages.pop() || null;
    refresh();
  });

  // Live list: poll every 2 s, but only while the tab is visible.
  const stop = pollWhileVisible(refresh, 2000);
  return () => {
    stop();
    state.request += 1;
  };
}

function fillJobRows(tbody, jobs) {
  if (!jobs.length) {
    tbody.replaceChildren(el("tr", {}, el("td", { colspan: 8, class: "empty", text: "No jobs yet. Launch one." })));
    return;
  }
  tbody.replaceChildren(...jobs.map(jobRow));
}

function jobRow(job) {
  const percent = (job.progress && job.progress.percent) || 0;
  return el("tr", { class: "job-row", "data-id": job.id },
    el("td", { class: "nowrap" }, el("a", { href: `/jobs/${job.id}`, text: `#${job.id}` }), sliceNote(job)),
    el("td", {}, statusBadge(job.status)),
    el("td", { text: job.project }),
    el("td", { class: "mono", text: job.playbook }),
    el("td", { class: "mono", text: inventoryLabel(job.inventory) }),
    el("td", { class: "nowrap", text: formatTime(job.created_at) }),
    el("td", { class: "nowrap", text: formatDuration(job) }),
    el("td", { class: "nowrap" }, miniBar(percent), ` ${percent}%`));
}

// A slice names its parent job; a sliced job says how many slices it has.
function sliceNote(job) {
  if (Number.isInteger(job.parent_id)) {
    return el("span", { class: "slice-note" }, "slice of ", el("a", { href: `/jobs/${job.parent_id}`, text: `#${job.parent_id}` }));
  }
  const count = Array.isArray(job.slices) ? job.slices.length : 0;
  return count ? el("span", { class: "slice-note", text: `${count} slices` }) : null;
}

function miniBar(percent) {
  const fill = el("span", { class: "mini-bar-fill" });
  fill.style.width = `${Math.max(0, Math.min(100, percent))}%`;
  return el("span", { class: "mini-bar" }, fill);
}

// ---------------------------------------------------------------------------------------
// Page 2: launch form

function field(label, control, hint) {
  return el("label", { class: "field", for: control.id },
    el("span", { class: "field-label", text: label }), control,
    hint ? el("span", { class: "hint", text: hint }) : null);
}

function renderLaunch(main) {
  document.title = "Launch — Playhouse";
  const f = {
    project: el("select", { id: "project", name: "project", required: true }),
    playbook: el("select", { id: "playbook", name: "playbook", required: true }),
    inventory: el("select", { id: "inventory", name: "inventory", required: true }),
    extraVars: el("textarea", { id: "extra-vars", rows: 4, spellcheck: "false", placeholder: "greeting: hello   (YAML or JSON)" }),
    limit: el("input", { id: "limit", type: "text", placeholder: "host pattern, e.g. web*" }),
    tags: el("input", { id: "tags", type: "text", placeholder: "tag1,tag2" }),
    skipTags: el("input", { id: "skip-tags", type: "text", placeholder: "tag3" }),
    check: el("input", { id: "check", type: "checkbox" }),
    diff: el("input", { id: "diff", type: "checkbox" }),
    verbosity: el("select", { id: "verbosity" },
      [0, 1, 2, 3, 4].map((n) => option(String(n), n ? `${n} (-${"v".repeat(n)})` : "0 (normal)"))),
    env: el("textarea", { id: "env", rows: 3, spellcheck: "false", placeholder: "NAME=value, one per line" }),
    slices: el("input", { id: "slices", name: "slices", type: "number", min: 1, step: 1, inputmode: "numeric", placeholder: "no slicing" }),
    credentials: el("select", { id: "credentials", name: "credentials", multiple: true, size: 3 }),
  };
  const submit = el("button", { id: "launch", type: "submit", text: "Launch" });
  const error = el("div", { id: "launch-error", class: "error", role: "alert", hidden: true });
  const form = el("form", { id: "launch-form", class: "form" },
    el("div", { class: "form-grid" },
      field("Project", f.project), field("Playbook", f.playbook), field("Inventory", f.inventory),
      field("Limit", f.limit), field("Tags", f.tags, "comma separated"), field("Skip tags", f.skipTags, "comma separated"),
      field("Verbosity", f.verbosity),
      field("Slices (split hosts across parallel jobs)", f.slices, "empty or 1: one job for all hosts"),
      field("Credentials", f.credentials, "one login, one become, any vaults; Ctrl-click for several"),
      el("div", { class: "field checks" },
        el("label", { class: "check" }, f.check, " Check mode (--check)"),
        el("label", { class: "check" }, f.diff, " Show diffs (--diff)"))),
    field("Extra vars", f.extraVars, "YAML or JSON mapping"),
    field("Environment", f.env, "NAME=value per line; for inventory scripts and plugins"),
    error,
    el("div", { class: "actions" }, submit));
  main.append(el("div", { class: "page-head" }, el("h1", { text: "Launch a playbook" })), form);

  const state = { stored: [], alive: true };
  f.project.addEventListener("change", () => loadPlaybooks(f, state, error));
  form.addEventListener("submit", (event) => submitLaunch(event, f, submit, error));
  loadProjects(f, state, error);
  loadCredentials(f, error);
  return () => { state.alive = false; };
}

async function loadCredentials(f, error) {
  try {
    const data = await api("GET", "/api/v1/credentials");
    // Token credentials are for HTTP inventories, not for runs.
    const usable = data.credentials.filter((c) => c.kind !== "token");
    f.credentials.replaceChildren(...usable.map((c) => option(String(c.id), `${c.name} (${c.kind})`)));
  } catch (err) {
    showError(error, err);
  }
}

async function loadProjects(f, state, error) {
  try {
    const [projects, stored] = await Promise.all([
      api("GET", "/api/v1/projects"),
      // Stored inventories are optional for the form: a failure leaves only project files.
      api("GET", "/api/v1/inventories").catch(() => ({ inventories: [] })),
    ]);
    if (!state.alive) return;
    state.stored = stored.inventories || [];
    const names = (projects.projects || []).map((p) => p.name);
    f.project.replaceChildren(...names.map((name) => option(name)));
    if (names.includes("demo")) f.project.value = "demo";
    await loadPlaybooks(f, state, error);
  } catch (err) {
    showError(error, err);
  }
}

async function loadPlaybooks(f, state, error) {
  const name = f.project.value;
  const data = !name ? {} : await api("GET", `/api/v1/projects/${encodeURIComponent(name)}/playbooks`)
    .catch((err) => { showError(error, err); return {}; });
  // The user may have picked another project while this one loaded.
  if (!state.alive || f.project.value !== name) return;
  f.playbook.replaceChildren(...(data.playbooks || []).map((p) => option(p)));
  selectIfPresent(f.playbook, "progress.yml");
  // Project files by path, stored inventories by id (the API tells them apart by that).
  const files = (data.inventories || []).map((p) => option(p));
  const stored = state.stored.map((inv) => option(String(inv.id), `${inv.name} (stored)`));
  // replaceChildren would turn a null into the text "null", so absent groups are dropped.
  f.inventory.replaceChildren(...[
    files.length ? el("optgroup", { label: "Project files" }, files) : null,
    stored.length ? el("optgroup", { label: "Stored inventories" }, stored) : null].filter(Boolean));
  selectIfPresent(f.inventory, "inventory/local.ini");
}

function selectIfPresent(select, value) {
  if ([...select.options].some((o) => o.value === value)) select.value = value;
}

// "NAME=value" lines → object; blank lines and # comments are skipped.
function parseEnv(text) {
  const env = {};
  text.split(/\r?\n/).forEach((line, index) => {
    if (!line.trim() || line.trim().startsWith("#")) return;
    const at = line.indexOf("=");
    const name = at > 0 ? line.slice(0, at).trim() : "";
    if (!name) throw new Error(`environment line ${index + 1} is not NAME=value`);
    env[name] = line.slice(at + 1);
  });
  return env;
}

// The slices field as a number; empty means no slicing. The input's min and step stop
// most bad values, but a browser without number inputs hands over any text.
function parseSlices(text) {
  if (!text.trim()) return 0;
  const slices = Number(text);
  if (!Number.isInteger(slices) || slices < 1) throw new Error("Slices must be a whole number, 1 or more");
  return slices;
}

function launchBody(f) {
  const body = { project: f.project.value, playbook: f.playbook.value, inventory: f.inventory.value,
    check: f.check.checked, diff: f.diff.checked, verbosity: Number(f.verbosity.value) };
  // Empty optional fields are left out so the server applies its defaults. Extra vars go
  // as text: the server parses YAML or JSON and names the error.
  if (f.extraVars.value.trim()) body.extra_vars = f.extraVars.value;
  for (const [key, input] of [["limit", f.limit], ["tags", f.tags], ["skip_tags", f.skipTags]]) {
    if (input.value.trim()) body[key] = input.value.trim();
  }
  const env = parseEnv(f.env.value);
  if (Object.keys(env).length) body.env = env;
  const slices = parseSlices(f.slices.value);
  if (slices >= 2) body.slices = slices; // one slice is the same as no slicing
  const credentials = Array.from(f.credentials.selectedOptions, (o) => Number(o.value));
  if (credentials.length) body.credentials = credentials;
  return body;
}

async function submitLaunch(event, f, submit, error) {
  event.preventDefault();
  hideError(error);
  submit.disabled = true;
  try {
    const job = await api("POST", "/api/v1/jobs", launchBody(f)); // launchBody throws on a bad env line or slice count
    navigate(`/jobs/${job.id}`);
  } catch (err) {
    showError(error, err);
  } finally {
    submit.disabled = false;
  }
}

// ---------------------------------------------------------------------------------------
// Page 3: one job, live

const META_FIELDS = [["Project", "project"], ["Playbook", "playbook"], ["Inventory", "inventory"],
  ["Created", "created"], ["Started", "started"], ["Finished", "finished"], ["Duration", "duration"],
  ["Exit code", "exit"], ["Worker", "worker"], ["Launched by", "launchedBy"], ["Options", "options"]];

function renderJob(main, idText) {
  const page = createJobPage(main, Number(idText));
  loadJob(page).then((found) => { if (found && !page.closed) openStream(page); });
  page.clock = setInterval(() => tickJob(page), 1000);
  return () => {
    page.closed = true;
    if (page.source) page.source.close();
    clearTimeout(page.retry);
    clearInterval(page.clock);
    clearTimeout(page.slices.timer);
  };
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

function createJobPage(main, id) {
  document.title = `Job #${id} — Playhouse`;
  const r = {
    status: statusBadge("queued", "job-status"),
    live: el("span", { id: "live", class: "live live-connecting", text: "connecting" }),
    cancel: el("button", { id: "cancel", type: "button", class: "danger", text: "Cancel", disabled: true }),
    relaunch: el("button", { id: "relaunch", type: "button", class: "secondary", text: "Relaunch", hidden: true }),
    relaunchFailed: el("button", { id: "relaunch-failed", type: "button", class: "secondary", text: "Relaunch failed hosts", hidden: true }),
    parentLink: el("a", { id: "parent-link", class: "parent-link", hidden: true }),
    slices: el("section", { id: "slices", class: "panel", hidden: true }),
    sliceRows: el("tbody"),
    actionError: el("div", { id: "action-error", class: "error", role: "alert", hidden: true }),
    jobError: el("div", { id: "job-error", class: "error", role: "alert", hidden: true }),
    progress: el("div", { id: "progress", class: "progress", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100 }),
    bar: el("div", { class: "progress-bar" }),
    label: el("span", { class: "progress-label", text: "0 / 0 (estimate)" }),
    tasks: el("div", { id: "tasks", class: "tasks" }, el("p", { class: "empty", text: "Waiting for the first task…" })),
    hosts: countTable("hosts"),
    recap: el("div", { id: "recap", class: "recap", hidden: true }),
    log: el("pre", { id: "log", class: "log" }),
  };
  r.progress.append(r.bar, r.label);
  r.slices.append(el("h2", { text: "Slices" }), el("div", { class: "table-scroll" },
    el("table", { id: "slice-table", class: "grid" },
      el("thead", {}, el("tr", {}, ["Job", "Status", "Hosts", "Worker", "Duration", "Progress"].map((text) => el("th", { text })))),
      r.sliceRows)));
  const meta = el("dl", { class: "meta" }, META_FIELDS.map(([label, key]) =>
    el("div", {}, el("dt", { text: label }), r[key] = el("dd", { id: `job-${key}`, text: "—" }))));
  main.append(
    el("div", { class: "page-head job-head" },
      el("h1", { text: `Job #${id}` }), r.status, r.parentLink, r.live, el("span", { class: "spacer" }), r.relaunchFailed, r.relaunch, r.cancel),
    r.actionError, meta, r.jobError, r.progress, r.slices,
    el("div", { class: "columns" },
      el("section", { class: "panel" }, el("h2", { text: "Tasks" }), r.tasks),
      el("section", { class: "panel" }, el("h2", { text: "Hosts" }), el("div", { class: "table-scroll" }, r.hosts), r.recap)),
    el("section", { class: "panel" }, el("h2", { text: "Output" }), r.log));
  const page = {
    id, refs: r, job: null, ended: false, closed: false, lastSeq: 0, source: null, retry: 0, clock: 0,
    summary: newSummary(), blocks: new Map(), lastBlock: null, frame: 0, pinTasks: null,
    refresh: { pending: false, again: false, logText: null }, headerAt: 0, headerPending: false,
    slices: { ids: [], key: "", jobs: new Map(), timer: 0, generation: 0 },
  };
  r.cancel.addEventListener("click", () => cancelJob(page));
  r.relaunch.addEventListener("click", () => relaunchJob(page, "all"));
  r.relaunchFailed.addEventListener("click", () => relaunchJob(page, "failed"));
  renderHostTable(r.hosts, {});
  return page;
}

async function loadJob(page) {
  try {
    const job = await api("GET", `/api/v1/jobs/${page.id}`);
    if (page.closed) return false;
    renderHeader(page, job);
    // Until events arrive, the stored summary is the best progress there is.
    if (page.lastSeq === 0) {
      renderProgress(page, job.progress || {}, false);
      renderHostTable(page.refs.hosts, job.hosts || {});
    }
    return true;
  } catch (err) {
    showError(page.refs.actionError, err);
    setLive(page, "offline", "not available");
    return false;
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
  renderParentLink(r.parentLink, job.parent_id);
  renderSlices(page, job.slices);
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
    job.timeout && `timeout ${job.timeout}s`, vars && `vars ${vars}`,
    list(job.env_names) && `env ${list(job.env_names)}`,
  ].filter(Boolean).join(" · ") || "—";
}

function renderParentLink(link, parentId) {
  link.hidden = !Number.isInteger(parentId);
  if (link.hidden) return;
  link.setAttribute("href", `/jobs/${parentId}`);
  link.textContent = `part of job #${parentId}`;
}

// A sliced job lists its child jobs. The list is rebuilt only when the ids change; each
// child's own JSON is read every 2 s until every child is final.
function renderSlices(page, slices) {
  const ids = (Array.isArray(slices) ? slices : []).map(Number).filter((id) => Number.isInteger(id) && id > 0);
  const state = page.slices;
  const key = ids.join(",");
  if (key === state.key) return;
  state.key = key;
  state.ids = ids;
  page.refs.slices.hidden = ids.length === 0;
  fillSliceRows(page);
  pollSlices(page);
}

function pollSlices(page) {
  const state = page.slices;
  // A newer slice list starts its own loop; the older loop sees the generation and stops.
  const generation = ++state.generation;
  clearTimeout(state.timer);
  if (!state.ids.length) return;
  const tick = async () => {
    const done = !document.hidden && await refreshSlices(page);
    if (!done && !page.closed && generation === state.generation) state.timer = setTimeout(tick, 2000);
  };
  tick();
}

// Reads every child once; true when all of them are final. A child that cannot be read
// is tried again at the next tick.
async function refreshSlices(page) {
  const state = page.slices;
  const ids = state.ids;
  const children = await Promise.all(ids.map((id) => api("GET", `/api/v1/jobs/${id}`).catch(() => null)));
  if (page.closed || ids !== state.ids) return false;
  children.forEach((child, index) => { if (child) state.jobs.set(ids[index], child); });
  fillSliceRows(page);
  return ids.every((id) => state.jobs.has(id) && !ACTIVE_STATUSES.has(state.jobs.get(id).status));
}

function fillSliceRows(page) {
  const state = page.slices;
  page.refs.sliceRows.replaceChildren(...state.ids.map((id) => sliceRow(id, state.jobs.get(id))));
}

function sliceRow(id, child) {
  const link = el("a", { class: "slice-link", href: `/jobs/${id}`, "data-id": id, text: `#${id}` });
  if (!child) {
    return el("tr", { class: "slice-row", "data-id": id },
      el("td", {}, link), el("td", {}, el("span", { class: "badge", text: "loading" })), el("td", { colspan: 4, class: "empty", text: "—" }));
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

// The stream replays every event after `after` (or Last-Event-ID on its own reconnects),
// then follows the job live, then sends `end` with the final job.
function openStream(page) {
  const source = new EventSource(`/api/v1/jobs/${page.id}/stream?after=${page.lastSeq}`);
  page.source = source;
  const onEvent = (message) => handleEvent(page, message);
  for (const type of EVENT_TYPES) source.addEventListener(type, onEvent);
  source.addEventListener("message", onEvent); // unnamed events, should the server send any
  source.addEventListener("end", (message) => handleEnd(page, message));
  source.onopen = () => { if (!page.ended) setLive(page, "live"); };
  source.onerror = () => {
    if (page.ended || page.closed) return;
    if (source.readyState !== EventSource.CLOSED) return setLive(page, "reconnecting");
    // The browser gave up (an HTTP error, say); try again ourselves from the last seq.
    setLive(page, "offline", "offline, retrying");
    page.retry = setTimeout(() => { if (!page.closed && !page.ended) openStream(page); }, 5000);
  };
}

function handleEvent(page, message) {
  let event;
  try { event = JSON.parse(message.data); } catch { return; }
  const seq = Number(event.seq !== undefined ? event.seq : message.lastEventId);
  // A reconnect may replay what we already have: each seq is rendered once.
  if (!(seq > page.lastSeq) || page.ended) return;
  page.lastSeq = seq;
  // Events only flow once the job runs; the header refresh below confirms it shortly.
  if (page.job && page.job.status === "queued") renderHeader(page, { ...page.job, status: "running" });
  foldEvent(page.summary, event);
  renderEvent(page, event);
  if (event.type === "playbook_on_stats" && event.data && event.data.hosts) renderRecap(page, event.data.hosts);
  scheduleFrame(page);
  scheduleRefresh(page);
}

// Progress, counts and scrolling are redrawn once per frame, not once per event, so a
// replay of thousands of events does not force thousands of layouts.
function scheduleFrame(page) {
  if (page.frame) return;
  page.frame = requestAnimationFrame(() => {
    page.frame = 0;
    if (page.pinTasks) page.refs.tasks.scrollTop = page.refs.tasks.scrollHeight;
    page.pinTasks = null;
    if (page.ended || page.closed) return; // the final job has the last word
    renderProgress(page, page.summary.progress, false);
    renderHostTable(page.refs.hosts, page.summary.hosts);
  });
}

function handleEnd(page, message) {
  if (page.ended) return;
  page.ended = true;
  if (page.source) page.source.close(); // otherwise EventSource would reconnect forever
  setLive(page, "ended");
  let job = null;
  try { job = JSON.parse(message.data); } catch { job = null; }
  if (!job) return void loadJob(page).then(() => { noteNoTasks(page); scheduleRefresh(page, true); });
  renderHeader(page, job);
  noteNoTasks(page);
  renderProgress(page, job.progress || {}, true);
  renderHostTable(page.refs.hosts, job.hosts || {});
  if (Object.keys(job.hosts || {}).length) renderRecap(page, job.hosts);
  scheduleRefresh(page, true); // one last log read, now that everything is written
}

// A job that ended without a single task (a sliced parent, say, or one that failed to
// start) should not keep saying it waits for the first task.
function noteNoTasks(page) {
  const placeholder = page.refs.tasks.querySelector(":scope > .empty");
  if (!placeholder) return;
  placeholder.textContent = page.slices.ids.length ? "The tasks ran in the slices of this job." : "No tasks ran.";
}

// Mirrors the server's JobSummary fold, so progress and counts move with each event.
function newSummary() {
  return { started: 0, hosts: {}, progress: { tasks_done: 0, tasks_total: 0, percent: 0, current_task: null } };
}

function foldEvent(summary, event) {
  const p = summary.progress;
  const count = (key) => {
    if (!event.host) return;
    (summary.hosts[event.host] || (summary.hosts[event.host] = normalizeCounts({})))[key] += 1;
  };
  switch (event.type) {
    case "playbook_on_start":
      if (event.data && Number.isInteger(event.data.tasks_total)) p.tasks_total = event.data.tasks_total;
      break;
    case "playbook_on_play_start": p.current_task = null; break;
    case "playbook_on_task_start": case "playbook_on_handler_task_start":
      summary.started += 1;
      p.tasks_done = summary.started - 1;
      p.current_task = event.task;
      break;
    case "runner_on_ok": count("ok"); if (event.changed) count("changed"); break;
    case "runner_on_failed": count(event.data && event.data.ignore_errors === true ? "ignored" : "failed"); break;
    case "runner_on_skipped": count("skipped"); break;
    case "runner_on_unreachable": count("unreachable"); break;
    case "playbook_on_stats":
      if (event.data && event.data.hosts) {
        summary.hosts = Object.fromEntries(Object.entries(event.data.hosts).map(([h, c]) => [h, normalizeCounts(c)]));
      }
      p.tasks_done = summary.started;
      p.current_task = null;
      break;
    default: break;
  }
  p.tasks_total = Math.max(p.tasks_total, summary.started);
  p.percent = p.tasks_total > 0 ? Math.min(99, Math.floor((p.tasks_done * 100) / p.tasks_total)) : 0;
}

function normalizeCounts(counts) {
  return Object.fromEntries(COUNT_KEYS.map((key) => [key, Number((counts || {})[key]) || 0]));
}

// Host result status as Ansible prints it; null for events that are not host results.
function resultStatus(event) {
  switch (event.type) {
    case "runner_on_ok": case "runner_on_async_ok": case "runner_item_on_ok":
      return event.changed ? "changed" : "ok";
    case "runner_on_failed": case "runner_on_async_failed": case "runner_item_on_failed":
      return event.data && event.data.ignore_errors === true ? "ignored" : "failed";
    case "runner_on_skipped": case "runner_item_on_skipped": return "skipped";
    case "runner_on_unreachable": return "unreachable";
    case "runner_retry": return "retry";
    default: return null;
  }
}

function renderEvent(page, event) {
  const type = event.type;
  if (type === "playbook_on_play_start") appendToTasks(page, el("div", { class: "play", text: `PLAY ${event.play || ""}` }));
  else if (type === "playbook_on_task_start" || type === "playbook_on_handler_task_start") appendTaskBlock(page, event);
  else if (type.startsWith("playbook_on_no_hosts")) appendToTasks(page, el("div", { class: "note", text: event.message || type }));
  else if (resultStatus(event)) appendResult(page, event);
}

// Appends under the task list (or a block of it), keeping the list pinned to its end
// while the reader has not scrolled up. The pin is measured once per frame.
function appendToTasks(page, node, parent) {
  const box = page.refs.tasks;
  if (page.pinTasks === null) page.pinTasks = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  const placeholder = box.querySelector(":scope > .empty");
  if (placeholder) placeholder.remove();
  (parent || box).append(node);
  scheduleFrame(page);
}

function appendTaskBlock(page, event) {
  const handler = event.type === "playbook_on_handler_task_start";
  const block = el("div", { class: handler ? "task handler" : "task", "data-seq": event.seq },
    el("div", { class: "task-head" },
      event.play ? el("span", { class: "task-play", text: event.play }) : null,
      handler ? el("span", { class: "tag", text: "handler" }) : null,
      el("span", { class: "task-name", text: event.task || "(unnamed task)" })));
  page.blocks.set(taskKey(event), block);
  page.lastBlock = block;
  appendToTasks(page, block);
}

function taskKey(event) {
  return `${event.play || ""}\u0000${event.task || ""}`;
}

function appendResult(page, event) {
  // Results name their task; with the free strategy they may follow a later task's start.
  if (!page.blocks.has(taskKey(event)) && !page.lastBlock) appendTaskBlock(page, { ...event, type: "playbook_on_task_start" });
  const block = page.blocks.get(taskKey(event)) || page.lastBlock;
  const status = resultStatus(event);
  const item = event.type.startsWith("runner_item_on_") || event.type === "runner_retry";
  const label = item ? itemLabel(event) : "";
  appendToTasks(page, el("div", { class: `result result-${status}${item ? " item" : ""}`, "data-host": event.host || "" },
    el("span", { class: "result-status", text: status }),
    el("span", { class: "result-host", text: event.host || "" }),
    label ? el("span", { class: "result-item", text: `(item=${label})` }) : null,
    event.message ? el("span", { class: "result-msg", text: event.message }) : null), block);
  if (status === "failed" || status === "unreachable") block.classList.add("task-failed");
}

function itemLabel(event) {
  const data = event.data || {};
  const value = data._ansible_item_label !== undefined ? data._ansible_item_label : data.item;
  if (value === undefined || value === null) return event.type === "runner_retry" ? `retry ${data.attempts || ""}`.trim() : "";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}

// Host × status table: the live counts (#hosts) and the recap (#recap) share it.
function countTable(id) {
  return el("table", { id, class: "grid counts" },
    el("thead", {}, el("tr", {}, el("th", { text: "Host" }), COUNT_KEYS.map((key) => el("th", { class: "num", text: key })))),
    el("tbody"));
}

function countRows(hosts, rowClass) {
  return Object.keys(hosts || {}).sort().map((host) => {
    const counts = normalizeCounts(hosts[host]);
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

// Log and header refresh after events: one read at a time, at most one per 500 ms;
// events that come during a read earn exactly one more read after it.
function scheduleRefresh(page, soon) {
  const state = page.refresh;
  if (state.pending) { state.again = true; return; }
  state.pending = true;
  setTimeout(async () => {
    if (!page.closed) await Promise.all([refreshLog(page), page.ended ? null : refreshHeader(page)]);
    state.pending = false;
    if (state.again && !page.closed) { state.again = false; scheduleRefresh(page); }
  }, soon ? 0 : 500);
}

async function refreshLog(page) {
  try {
    const response = await fetch(`/api/v1/jobs/${page.id}/stdout`);
    if (!response.ok || page.closed) return;
    const text = await response.text();
    if (text === page.refresh.logText) return;
    page.refresh.logText = text;
    const log = page.refs.log;
    keepAtBottom(log, () => log.replaceChildren(ansiToFragment(text)));
  } catch {
    // A failed read is retried with the next batch of events or the end.
  }
}

async function refreshHeader(page) {
  try {
    const job = await api("GET", `/api/v1/jobs/${page.id}`);
    // The final job from `end` wins over an answer that was already on its way.
    if (!page.closed && !page.ended) renderHeader(page, job);
  } catch {
    // The stream goes on; the header catches up at the next refresh.
  }
}

async function cancelJob(page) {
  page.refs.cancel.disabled = true;
  hideError(page.refs.actionError);
  try {
    const job = await api("POST", `/api/v1/jobs/${page.id}/cancel`);
    if (!page.ended) renderHeader(page, job);
  } catch (err) {
    showError(page.refs.actionError, err);
    if (page.job) renderHeader(page, page.job);
  }
}

async function relaunchJob(page, hosts) {
  hideError(page.refs.actionError);
  try {
    const job = await api("POST", `/api/v1/jobs/${page.id}/relaunch`, { hosts });
    navigate(`/jobs/${job.id}`);
  } catch (err) {
    showError(page.refs.actionError, err);
  }
}

// ---------------------------------------------------------------------------------------
// Page 4: stored inventories

function renderInventories(main) {
  document.title = "Inventories — Playhouse";
  const tbody = el("tbody");
  const error = el("div", { id: "inventory-error", class: "error", role: "alert", hidden: true });
  const hostsBox = el("section", { id: "inventory-hosts-panel", class: "panel", hidden: true });
  const name = el("input", { id: "inventory-name", type: "text", maxlength: 200 });
  const kind = el("select", { id: "inventory-kind" }, option("static"), option("script"), option("http"));
  const content = el("textarea", { id: "inventory-content", rows: 8, spellcheck: "false", placeholder: "[web]\nweb1 ansible_host=10.0.0.5" });
  const create = el("button", { id: "inventory-create", type: "submit", text: "Create" });
  const form = el("form", { id: "inventory-form", class: "form" },
    el("div", { class: "form-grid" }, field("Name", name), field("Kind", kind)),
    field("Content", content, "INI/YAML for static; a #! script printing --list JSON for script; the URL for http (told who launches in X-Playhouse-User and X-Playhouse-Teams)"),
    el("div", { class: "actions" }, create));
  main.append(
    el("div", { class: "page-head" }, el("h1", { text: "Inventories" })),
    error,
    el("div", { class: "table-wrap" },
      el("table", { id: "inventories", class: "grid" },
        el("thead", {}, el("tr", {}, ["ID", "Name", "Kind", "Updated", "Content", ""].map((text) => el("th", { text })))),
        tbody)),
    hostsBox,
    el("section", { class: "panel" }, el("h2", { text: "New inventory" }), form));

  const state = { alive: true };
  const load = () => loadInventories(tbody, error, state);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    hideError(error);
    create.disabled = true;
    try {
      await api("POST", "/api/v1/inventories", { name: name.value, kind: kind.value, content: content.value });
      form.reset();
      await load();
    } catch (err) {
      showError(error, err);
    } finally {
      create.disabled = false;
    }
  });
  tbody.addEventListener("click", (event) => onInventoryAction(event, { error, hostsBox, load }));
  load();
  return () => { state.alive = false; };
}

async function loadInventories(tbody, error, state) {
  try {
    const data = await api("GET", "/api/v1/inventories");
    if (!state.alive) return;
    const items = data.inventories || [];
    tbody.replaceChildren(...items.map(inventoryRow));
    if (!items.length) tbody.append(el("tr", {}, el("td", { colspan: 6, class: "empty", text: "No stored inventories." })));
  } catch (err) {
    showError(error, err);
  }
}

function inventoryRow(inv) {
  return el("tr", { class: "inventory-row", "data-id": inv.id },
    el("td", { text: `#${inv.id}` }),
    el("td", { class: "inventory-name", text: inv.name }),
    el("td", {}, el("span", { class: "tag", text: inv.kind })),
    el("td", { class: "nowrap", text: formatTime(inv.updated_at) }),
    el("td", {}, el("details", {}, el("summary", { text: `${inv.content.trimEnd().split("\n").length} lines` }),
      el("pre", { class: "code", text: inv.content }))),
    el("td", { class: "nowrap" },
      el("button", { type: "button", class: "secondary inventory-hosts-button", "data-action": "hosts", "data-id": inv.id, "data-name": inv.name, text: "Hosts" }),
      " ",
      el("button", { type: "button", class: "danger inventory-delete", "data-action": "delete", "data-id": inv.id, text: "Delete" })));
}

async function onInventoryAction(event, ctx) {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const id = button.dataset.id;
  hideError(ctx.error);
  button.disabled = true;
  try {
    if (button.dataset.action === "delete") {
      await api("DELETE", `/api/v1/inventories/${id}`);
      ctx.hostsBox.hidden = true;
      await ctx.load();
    } else {
      const hosts = await api("GET", `/api/v1/inventories/${id}/hosts`);
      ctx.hostsBox.replaceChildren(
        el("h2", { text: `Hosts of ${button.dataset.name} (#${id})` }),
        el("pre", { id: "inventory-hosts", class: "code", text: JSON.stringify(hosts, null, 2) }));
      ctx.hostsBox.hidden = false;
    }
  } catch (err) {
    showError(ctx.error, err);
  } finally {
    button.disabled = false;
  }
}

// ---------------------------------------------------------------------------------------
// Page 5: workers

const WORKER_HEADINGS = ["Name", "Host", "Capacity", "Running jobs", "State", "Last heartbeat", "Started"];

function renderWorkers(main) {
  document.title = "Workers — Playhouse";
  const state = { request: 0 };
  const tbody = el("tbody");
  const error = el("div", { id: "workers-error", class: "error", role: "alert", hidden: true });
  main.append(
    el("div", { class: "page-head" }, el("h1", { text: "Workers" })),
    error,
    el("div", { class: "table-wrap" },
      el("table", { id: "workers", class: "grid" },
        el("thead", {}, el("tr", {}, WORKER_HEADINGS.map((text, index) =>
          el("th", { class: index === 2 || index === 3 ? "num" : null, text })))), tbody)));

  async function refresh() {
    // A later request wins, as on the job list.
    const request = ++state.request;
    try {
      const data = await api("GET", "/api/v1/workers");
      if (request !== state.request) return;
      fillWorkerRows(tbody, data.workers || []);
      hideError(error);
    } catch (err) {
      if (request === state.request) showError(error, err);
    }
  }

  // Heartbeats come every few seconds; a 2 s poll shows them (and a lost worker) promptly.
  const stop = pollWhileVisible(refresh, 2000);
  return () => {
    stop();
    state.request += 1;
  };
}

function fillWorkerRows(tbody, workers) {
  if (!workers.length) {
    tbody.replaceChildren(el("tr", {},
      el("td", { id: "workers-empty", colspan: WORKER_HEADINGS.length, class: "empty" },
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

// ---------------------------------------------------------------------------------------
// Templates: list, edit (admins), launch with their survey

const PROMPTABLE = ["inventory", "credentials", "extra_vars", "limit", "tags", "skip_tags", "check", "diff",
  "verbosity", "forks", "timeout", "env"];

function renderTemplates(main) {
  document.title = "Templates — Playhouse";
  const error = el("div", { id: "templates-error", class: "error", role: "alert", hidden: true });
  const tbody = el("tbody", { id: "template-rows" });
  const head = el("div", { class: "page-head" }, el("h1", { text: "Templates" }));
  if (session && session.role === "admin") head.append(el("a", { id: "new-template", class: "button", href: "/templates/new", text: "New template" }));
  main.append(head, error, el("table", { id: "templates", class: "grid" },
    el("thead", {}, el("tr", {}, ["Name", "Playbook", "Asks", ""].map((text) => el("th", { text })))), tbody));
  api("GET", "/api/v1/templates").then((data) => {
    if (!data.templates.length) {
      tbody.replaceChildren(el("tr", {}, el("td", { colspan: 4, class: "empty", text: "No templates yet." })));
      return;
    }
    tbody.replaceChildren(...data.templates.map((t) => el("tr", { class: "template-row", "data-name": t.name },
      el("td", {}, el("strong", { text: t.name }), t.description ? el("div", { class: "hint", text: t.description }) : null),
      el("td", { class: "mono", text: `${t.project}/${t.playbook}` }),
      el("td", { text: [...t.prompts, ...t.survey.map((q) => q.variable)].join(", ") || "—" }),
      el("td", { class: "nowrap" },
        el("a", { class: "button", href: `/templates/${t.id}/launch`, text: "Launch" }), " ",
        session && session.role === "admin" ? el("a", { href: `/templates/${t.id}/edit`, text: "Edit" }) : null))));
  }).catch((err) => showError(error, err));
}

function renderTemplateEditor(main, idText) {
  const id = idText ? Number(idText) : null;
  document.title = `${id ? "Edit" : "New"} template — Playhouse`;
  const f = {
    name: el("input", { id: "tpl-name", type: "text", required: true }),
    description: el("input", { id: "tpl-description", type: "text" }),
    project: el("select", { id: "tpl-project", required: true }),
    playbook: el("select", { id: "tpl-playbook", required: true }),
    inventory: el("select", { id: "tpl-inventory", required: true }),
    limit: el("input", { id: "tpl-limit", type: "text" }),
    tags: el("input", { id: "tpl-tags", type: "text", placeholder: "tag1,tag2" }),
    skipTags: el("input", { id: "tpl-skip-tags", type: "text" }),
    verbosity: el("input", { id: "tpl-verbosity", type: "number", min: 0, max: 4 }),
    forks: el("input", { id: "tpl-forks", type: "number", min: 1 }),
    timeout: el("input", { id: "tpl-timeout", type: "number", min: 1, placeholder: "seconds" }),
    credentials: el("input", { id: "tpl-credentials", type: "text", placeholder: "credential ids, comma separated" }),
    check: el("input", { id: "tpl-check", type: "checkbox" }),
    diff: el("input", { id: "tpl-diff", type: "checkbox" }),
    env: el("textarea", { id: "tpl-env", rows: 2, spellcheck: "false", placeholder: "NAME=value, one per line (values are not shown again)" }),
    extraVars: el("textarea", { id: "tpl-extra-vars", rows: 3, spellcheck: "false", placeholder: "YAML or JSON mapping" }),
    allowConcurrent: el("input", { id: "tpl-allow-concurrent", type: "checkbox" }),
    allowedVars: el("input", { id: "tpl-allowed-vars", type: "text", placeholder: "ansible_user, …" }),
    allowedEnv: el("input", { id: "tpl-allowed-env", type: "text", placeholder: "REGION, …" }),
    survey: el("textarea", { id: "tpl-survey", rows: 8, spellcheck: "false",
      placeholder: '[{"variable": "version", "question": "Version", "type": "text", "required": true}]' }),
  };
  const prompts = Object.fromEntries(PROMPTABLE.map((name) => [name, el("input", { type: "checkbox", "data-prompt": name })]));
  const submit = el("button", { id: "tpl-save", type: "submit", text: "Save" });
  const error = el("div", { id: "tpl-error", class: "error", role: "alert", hidden: true });
  const form = el("form", { id: "template-form", class: "form" },
    el("div", { class: "form-grid" },
      field("Name", f.name), field("Description", f.description), field("Project", f.project),
      field("Playbook", f.playbook), field("Inventory", f.inventory), field("Limit", f.limit),
      field("Tags", f.tags), field("Skip tags", f.skipTags), field("Verbosity", f.verbosity), field("Forks", f.forks),
      field("Timeout", f.timeout), field("Credentials", f.credentials),
      el("div", { class: "field checks" },
        el("label", { class: "check" }, f.check, " Check mode"), el("label", { class: "check" }, f.diff, " Show diffs"),
        el("label", { class: "check" }, f.allowConcurrent, " Allow concurrent runs"))),
    field("Extra vars", f.extraVars, "the defaults"),
    field("Environment", f.env, "left empty when editing, the environment stays as it was"),
    el("div", { class: "form-grid" },
      field("Launchers may set these ansible_* variables", f.allowedVars, "comma separated; connection and execution variables are otherwise an admin's"),
      field("Launchers may set these env names", f.allowedEnv, "comma separated, beside the project's playhouse.json")),
    el("fieldset", { class: "field" }, el("legend", { class: "field-label", text: "The launcher may change" }),
      el("div", { class: "checks-row" }, PROMPTABLE.map((name) => el("label", { class: "check" }, prompts[name], ` ${name}`)))),
    field("Survey", f.survey, "a JSON list of questions: variable, question, type (text, textarea, integer, float, choice, multichoice, password, boolean), required, default, min, max, regex, choices or choices_from {url} / {inventory, group}"),
    error, el("div", { class: "actions" }, submit));
  main.append(el("div", { class: "page-head" }, el("h1", { text: id ? "Edit template" : "New template" })), form);
  const state = { stored: [], alive: true };
  f.project.addEventListener("change", () => loadPlaybooks(f, state, error));
  (async () => {
    await loadProjects(f, state, error);
    if (!id) return;
    const t = await api("GET", `/api/v1/templates/${id}`);
    f.name.value = t.name;
    f.description.value = t.description || "";
    f.project.value = t.project;
    await loadPlaybooks(f, state, error);
    f.playbook.value = t.playbook;
    f.inventory.value = t.inventory;
    f.limit.value = t.limit || "";
    f.tags.value = (t.tags || []).join(",");
    f.skipTags.value = (t.skip_tags || []).join(",");
    f.verbosity.value = t.verbosity || "";
    f.forks.value = t.forks || "";
    f.timeout.value = t.timeout || "";
    f.credentials.value = t.credentials.join(",");
    f.check.checked = t.check;
    f.diff.checked = t.diff;
    f.extraVars.value = Object.keys(t.extra_vars).length ? JSON.stringify(t.extra_vars, null, 2) : "";
    f.allowConcurrent.checked = t.allow_concurrent;
    f.allowedVars.value = (t.allowed_vars || []).join(", ");
    f.allowedEnv.value = (t.allowed_env || []).join(", ");
    for (const name of t.prompts) prompts[name].checked = true;
    f.survey.value = t.survey.length ? JSON.stringify(t.survey, null, 2) : "";
  })().catch((err) => showError(error, err));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    hideError(error);
    submit.disabled = true;
    try {
      const body = { name: f.name.value, description: f.description.value || null, project: f.project.value,
        playbook: f.playbook.value, inventory: f.inventory.value, limit: f.limit.value || null,
        allow_concurrent: f.allowConcurrent.checked, prompts: PROMPTABLE.filter((name) => prompts[name].checked),
        tags: f.tags.value.trim() || null, skip_tags: f.skipTags.value.trim() || null, check: f.check.checked, diff: f.diff.checked,
        verbosity: f.verbosity.value === "" ? null : Number(f.verbosity.value),
        forks: f.forks.value === "" ? null : Number(f.forks.value),
        timeout: f.timeout.value === "" ? null : Number(f.timeout.value),
        credentials: f.credentials.value.split(",").map((v) => v.trim()).filter(Boolean).map(Number),
        allowed_vars: f.allowedVars.value.split(",").map((v) => v.trim()).filter(Boolean),
        allowed_env: f.allowedEnv.value.split(",").map((v) => v.trim()).filter(Boolean) };
      if (f.extraVars.value.trim()) body.extra_vars = f.extraVars.value;
      if (f.env.value.trim()) body.env = parseEnv(f.env.value);
      if (f.survey.value.trim()) {
        try { body.survey = JSON.parse(f.survey.value); } catch { throw new Error("The survey is not valid JSON"); }
      }
      const saved = await api(id ? "PUT" : "POST", id ? `/api/v1/templates/${id}` : "/api/v1/templates", body);
      navigate(`/templates/${saved.id}/launch`);
    } catch (err) {
      showError(error, err);
    } finally {
      submit.disabled = false;
    }
  });
  return () => { state.alive = false; };
}

function renderTemplateLaunch(main, idText) {
  const id = Number(idText);
  document.title = "Launch template — Playhouse";
  const error = el("div", { id: "tpl-launch-error", class: "error", role: "alert", hidden: true });
  const form = el("form", { id: "template-launch-form", class: "form" });
  main.append(el("div", { class: "page-head" }, el("h1", { id: "tpl-title", text: "Launch" })), form);
  (async () => {
    const [t, survey, schedules] = await Promise.all([
      api("GET", `/api/v1/templates/${id}`), api("GET", `/api/v1/templates/${id}/survey`),
      api("GET", `/api/v1/templates/${id}/schedules`)]);
    if (schedules.schedules.length) main.append(scheduleTable(schedules.schedules));
    document.getElementById("tpl-title").textContent = `Launch ${t.name}`;
    document.title = `Launch ${t.name} — Playhouse`;
    const prompted = t.prompts.map((name) => [name, promptInput(name, t)]);
    const questions = survey.questions.map((q) => [q, surveyInput(q)]);
    const submit = el("button", { id: "tpl-launch", type: "submit", text: "Launch" });
    form.replaceChildren(
      el("p", { class: "hint", text: `${t.project}/${t.playbook} on ${inventoryLabel(t.inventory)}` }),
      el("div", { class: "form-grid" },
        prompted.map(([name, input]) => field(name, input)),
        questions.map(([q, input]) => field(q.question + (q.required ? " *" : ""), input, q.description))),
      error, el("div", { class: "actions" }, submit));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      hideError(error);
      submit.disabled = true;
      try {
        const body = { survey: {} };
        for (const [name, input] of prompted) {
          const value = promptValue(name, input);
          if (value !== undefined) body[name] = value;
        }
        for (const [q, input] of questions) {
          const value = surveyValue(q, input);
          if (value !== undefined) body.survey[q.variable] = value;
        }
        const job = await api("POST", `/api/v1/templates/${id}/launch`, body);
        navigate(`/jobs/${job.id}`);
      } catch (err) {
        showError(error, err);
        submit.disabled = false;
      }
    });
  })().catch((err) => { form.append(error); showError(error, err); });
}

// The template's schedules: when each fires next, and what it missed.
function scheduleTable(schedules) {
  return el("section", { class: "panel" }, el("h2", { text: "Schedules" }),
    el("table", { id: "schedules", class: "grid" },
      el("thead", {}, el("tr", {}, ["Cron", "Time zone", "Next runs", "Last run", "Missed"].map((text) => el("th", { text })))),
      el("tbody", {}, schedules.map((s) => el("tr", { class: "schedule-row", "data-id": s.id },
        el("td", { class: "mono", text: s.cron }), el("td", { text: s.timezone }),
        el("td", { class: "next-runs", text: s.enabled ? s.next_runs.slice(0, 3).map(formatTime).join(" · ") : "off" }),
        el("td", {}, s.last_job_id ? el("a", { href: `/jobs/${s.last_job_id}`, text: formatTime(s.last_run_at) }) : "—"),
        el("td", { class: "num", text: s.missed }))))));
}

// An input for a launch field the template lets the launcher change, holding its default.
function promptInput(name, t) {
  const id = `prompt-${name}`;
  switch (name) {
    case "check": case "diff": return el("input", { id, type: "checkbox", checked: Boolean(t[name]) });
    case "verbosity": case "forks": case "timeout":
      return el("input", { id, type: "number", min: 0, value: t[name] === null || t[name] === undefined ? "" : t[name] });
    case "extra_vars":
      return el("textarea", { id, rows: 3, spellcheck: "false", value: Object.keys(t.extra_vars).length ? JSON.stringify(t.extra_vars) : "" });
    case "env": return el("textarea", { id, rows: 2, spellcheck: "false", placeholder: "NAME=value, one per line" });
    case "credentials": return el("input", { id, type: "text", value: t.credentials.join(","), placeholder: "credential ids, comma separated" });
    case "tags": case "skip_tags": return el("input", { id, type: "text", value: (t[name] || []).join(",") });
    default: return el("input", { id, type: "text", value: t[name] || "" });
  }
}

function promptValue(name, input) {
  switch (name) {
    case "check": case "diff": return input.checked;
    case "verbosity": case "forks": case "timeout": return input.value === "" ? undefined : Number(input.value);
    case "env": return input.value.trim() ? parseEnv(input.value) : undefined;
    case "credentials": return input.value.split(",").map((v) => v.trim()).filter(Boolean).map(Number);
    default: return input.value.trim() ? input.value.trim() : undefined;
  }
}

// An input for one survey question, by its type.
function surveyInput(q) {
  const id = `survey-${q.variable}`;
  const value = q.default === undefined || q.default === null ? "" : q.default;
  switch (q.type) {
    case "textarea": return el("textarea", { id, rows: 3, value });
    case "password": return el("input", { id, type: "password", autocomplete: "new-password" });
    case "integer": case "float":
      return el("input", { id, type: "number", step: q.type === "integer" ? 1 : "any", min: q.min, max: q.max, value });
    case "boolean": return el("input", { id, type: "checkbox", checked: value === true });
    case "choice": case "multichoice": {
      const multiple = q.type === "multichoice";
      const picked = new Set(Array.isArray(value) ? value : [value]);
      const options = (q.choices || []).map((c) => { const o = option(c); o.selected = picked.has(c); return o; });
      return el("select", { id, multiple }, multiple || q.required ? null : option("", "—"), options);
    }
    default: return el("input", { id, type: "text", value });
  }
}

function surveyValue(q, input) {
  switch (q.type) {
    case "boolean": return input.checked;
    case "multichoice": return Array.from(input.selectedOptions, (o) => o.value);
    case "integer": case "float": return input.value === "" ? undefined : Number(input.value);
    default: return input.value === "" ? undefined : input.value;
  }
}

// ---------------------------------------------------------------------------------------
// Audit log (admins)

const AUDIT_HEADINGS = ["When", "Who", "What", "Target", "From", "Detail"];

function renderAudit(main) {
  document.title = "Audit — Playhouse";
  const error = el("div", { id: "audit-error", class: "error", role: "alert", hidden: true });
  const tbody = el("tbody", { id: "audit-rows" });
  const more = el("button", { id: "audit-more", type: "button", class: "secondary", text: "Older entries", hidden: true });
  main.append(
    el("div", { class: "page-head" }, el("h1", { text: "Audit log" })), error,
    el("table", { id: "audit", class: "grid" }, el("thead", {}, el("tr", {}, AUDIT_HEADINGS.map((h) => el("th", { text: h })))), tbody),
    el("div", { class: "actions" }, more));
  let before = null;
  async function load() {
    hideError(error);
    try {
      const page = await api("GET", `/api/v1/audit?limit=100${before ? `&before=${before}` : ""}`);
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

// ---------------------------------------------------------------------------------------
// Signing in and out

function renderLogin(main) {
  document.title = "Sign in — Playhouse";
  const name = el("input", { id: "login-name", name: "username", type: "text", autocomplete: "username", required: true });
  const password = el("input", { id: "login-password", name: "password", type: "password", autocomplete: "current-password", required: true });
  const submit = el("button", { id: "login-submit", type: "submit", text: "Sign in" });
  const error = el("div", { id: "login-error", class: "error", role: "alert", hidden: true });
  const form = el("form", { id: "login-form", class: "form form-narrow" },
    field("Name", name), field("Password", password), error, el("div", { class: "actions" }, submit));
  main.append(el("div", { class: "page-head" }, el("h1", { text: "Sign in" })), form);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    hideError(error);
    submit.disabled = true;
    try {
      await api("POST", "/api/v1/login", { name: name.value, password: password.value });
      const next = new URL(new URLSearchParams(location.search).get("next") || "/", location.origin);
      // Only a page of this site: never a redirect elsewhere. A path that normalises to
      // "//host" or "/\host" would be read as another site's address.
      const path = next.pathname + next.search;
      location.assign(next.origin === location.origin && /^\/(?![\/\\])/.test(path) ? path : "/");
    } catch (err) {
      showError(error, err);
      submit.disabled = false;
    }
  });
  name.focus();
}

// Shows who is signed in, with a way out, and only the links their role can use.
function renderSession() {
  const box = document.getElementById("session");
  if (!session) { box.replaceChildren(); return; }
  const signOut = el("button", { id: "sign-out", type: "button", class: "link-button", text: "Sign out" });
  signOut.addEventListener("click", async () => {
    try { await api("POST", "/api/v1/logout"); } finally { location.assign("/login"); }
  });
  box.replaceChildren(el("span", { id: "session-user", class: "session-user", text: `${session.name} (${session.role})` }), signOut);
  for (const link of document.querySelectorAll("[data-role]")) {
    const needed = link.dataset.role;
    link.hidden = !(session.role === "admin" || (needed === "operator" && session.role === "operator"));
  }
}

// ---------------------------------------------------------------------------------------
// Start

async function start() {
  document.addEventListener("click", onLinkClick);
  window.addEventListener("popstate", route);
  if (!location.pathname.startsWith("/login")) {
    try {
      session = await api("GET", "/api/v1/me");
    } catch (err) {
      if (err.status === 401) return;
    }
  }
  renderSession();
  route();
}

start();
