// The job list, newest first, live; narrowed by the filters in the address (?status=…),
// which the form above the list sets, so a filtered list can be shared as a link.

import { api } from "../api.js";
import { el, formatDuration, formatTime, hideError, inventoryLabel, miniBar, option, showError, statusBadge } from "../dom.js";
import { pollWhileVisible } from "../timers.js";

const HEADINGS = ["Job", "Status", "Project", "Playbook", "Inventory", "Created", "Duration", "Progress"];
const STATUSES = ["queued", "running", "successful", "failed", "error", "canceled"];
// The list's filters: query parameter, label, input type.
const FILTERS = [["q", "Search", "search"], ["project", "Project", "text"], ["playbook", "Playbook", "text"],
  ["host", "Host", "text"], ["launched_by", "Launched by", "text"], ["template", "Template id", "number"],
  ["since", "From", "date"], ["until", "Until", "date"]];

export default function renderJobList(main, { signal }) {
  document.title = "Jobs — Playhouse";
  const state = { before: null, pages: [], next: null, request: 0 };
  const tbody = el("tbody");
  const error = el("div", { class: "error", role: "alert", hidden: true });
  const newer = el("button", { id: "newer", type: "button", class: "secondary", text: "Newer", hidden: true });
  const older = el("button", { id: "older", type: "button", class: "secondary", text: "Older", disabled: true });
  const filters = filterForm(() => {
    state.before = null;
    state.pages = [];
    refresh();
  });
  main.append(
    el("div", { class: "page-head" },
      el("h1", { text: "Jobs" }),
      el("a", { id: "launch-link", class: "button", href: "/launch", text: "Launch" })),
    filters.form, error,
    el("div", { class: "table-wrap" },
      el("table", { id: "jobs", class: "grid" },
        el("thead", {}, el("tr", {}, HEADINGS.map((text) => el("th", { text })))), tbody)),
    el("div", { class: "pager" }, newer, older));

  async function refresh() {
    // A later request wins: an answer for the page of jobs the user paged away from is dropped.
    const request = ++state.request;
    const query = filters.query();
    query.set("limit", "50");
    if (state.before) query.set("before", String(state.before));
    try {
      const data = await api("GET", `/api/v1/jobs?${query}`, { signal });
      if (request !== state.request) return;
      fillJobRows(tbody, data.jobs || [], filters.active());
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
  pollWhileVisible(refresh, 2000, signal);
}

// The filter form, filled from the address; `onChange` runs when it is applied.
function filterForm(onChange) {
  const params = new URLSearchParams(location.search);
  const status = el("select", { id: "filter-status", "aria-label": "Status" },
    option("", "Any status"), STATUSES.map((value) => option(value)));
  status.value = params.get("status") || "";
  const inputs = FILTERS.map(([key, label, type]) =>
    el("input", { id: `filter-${key}`, name: key, type, placeholder: label, "aria-label": label, value: params.get(key) || "",
      maxlength: type === "date" ? null : 200 }));
  const clear = el("button", { id: "filter-clear", type: "button", class: "secondary", text: "Clear" });
  const form = el("form", { id: "job-filters", class: "filters", role: "search" }, status, inputs,
    el("button", { type: "submit", class: "secondary", text: "Filter" }), clear);
  const query = () => {
    const query = new URLSearchParams();
    if (status.value) query.set("status", status.value);
    for (const input of inputs) if (input.value.trim()) query.set(input.name, input.value.trim());
    return query;
  };
  const apply = () => {
    const search = query().toString();
    history.replaceState(history.state, "", search ? `${location.pathname}?${search}` : location.pathname);
    onChange();
  };
  form.addEventListener("submit", (event) => { event.preventDefault(); apply(); });
  status.addEventListener("change", apply);
  clear.addEventListener("click", () => {
    status.value = "";
    for (const input of inputs) input.value = "";
    apply();
  });
  return { form, query, active: () => [...query().keys()].length > 0 };
}

function fillJobRows(tbody, jobs, filtered) {
  if (!jobs.length) {
    const text = filtered ? "No job matches these filters." : "No jobs yet. Launch one.";
    tbody.replaceChildren(el("tr", {}, el("td", { colspan: 8, class: "empty", text })));
    return;
  }
  tbody.replaceChildren(...jobs.map(jobRow));
}

function jobRow(job) {
  const percent = (job.progress && job.progress.percent) || 0;
  return el("tr", { class: "job-row", "data-id": job.id },
    el("td", { class: "nowrap" }, el("a", { href: `/jobs/${job.id}`, text: `#${job.id}` }), sliceNote(job)),
    el("td", {}, statusBadge(job.status), waitingNote(job)),
    el("td", { text: job.project }),
    el("td", { class: "mono", text: job.playbook }),
    el("td", { class: "mono", text: inventoryLabel(job.inventory) }),
    el("td", { class: "nowrap", text: formatTime(job.created_at) }),
    el("td", { class: "nowrap", text: formatDuration(job) }),
    el("td", { class: "nowrap" }, miniBar(percent), ` ${percent}%`));
}

// A queued job says why it waits (its environment is being built, no worker of its groups).
function waitingNote(job) {
  if (job.status !== "queued" || !job.waiting_reason) return null;
  return el("span", { class: "waiting-note", text: job.waiting_reason });
}

// A slice names its parent job; a sliced job says how many slices it has.
function sliceNote(job) {
  if (Number.isInteger(job.parent_id)) {
    return el("span", { class: "slice-note" }, "slice of ", el("a", { href: `/jobs/${job.parent_id}`, text: `#${job.parent_id}` }));
  }
  const count = Array.isArray(job.slices) ? job.slices.length : 0;
  return count ? el("span", { class: "slice-note", text: `${count} slices` }) : null;
}
