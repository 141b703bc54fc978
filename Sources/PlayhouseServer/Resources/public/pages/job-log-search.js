// Finding things in a job's log without loading it: the server searches
// (GET /jobs/{id}/search) and the log view jumps to the line it names.

import { api } from "../api.js";
import { el } from "../dom.js";

const HITS_PAGE = 100;

// The search of job `id`: `form` (a search box with previous/next) and `results` (what was
// found) go on the page; `note(text)` shows a short message. `attach(log)` hands it the log
// view once there is one.
export function logSearch(id, signal, note) {
  const input = el("input", { id: "log-search", type: "search", placeholder: "Search the log", "aria-label": "Search the log",
    maxlength: 200 });
  const previous = el("button", { id: "log-search-previous", type: "button", class: "secondary", text: "↑", title: "Previous match",
    disabled: true });
  const next = el("button", { id: "log-search-next", type: "button", class: "secondary", text: "↓", title: "Next match",
    disabled: true });
  const count = el("span", { id: "log-search-count", class: "log-search-count" });
  const form = el("form", { id: "log-search-form", class: "inline-form", role: "search" }, input, previous, next, count);
  const results = el("div", { id: "log-search-events", class: "log-search-events", hidden: true });
  let log = null;
  // The current search: its hits read so far, how many there are, and which one is shown.
  let found = { query: "", hits: [], total: 0, index: -1 };

  async function search(query) {
    try {
      const answer = await api("GET", `/api/v1/jobs/${id}/search?q=${encodeURIComponent(query)}&limit=${HITS_PAGE}`, { signal });
      found = { query, hits: answer.lines.hits, total: answer.lines.total, index: -1 };
      showEvents(answer.events);
      if (!found.total) {
        count.textContent = "no matches";
        note("");
      }
      await go(1);
    } catch (err) {
      note(err.detail ? `${err.message}: ${err.detail}` : err.message);
    }
  }

  // Moves to the next (1) or previous (-1) hit, reading more hits when the next is not read yet.
  async function go(step) {
    if (!found.total || !log) return;
    let index = found.index + step;
    if (index >= found.hits.length && found.hits.length < found.total) {
      const after = found.hits[found.hits.length - 1].line;
      const answer = await api("GET",
        `/api/v1/jobs/${id}/search?q=${encodeURIComponent(found.query)}&limit=${HITS_PAGE}&after=${after}`, { signal });
      found.hits = found.hits.concat(answer.lines.hits);
    }
    index = Math.max(0, Math.min(found.hits.length - 1, index));
    found.index = index;
    const hit = found.hits[index];
    count.textContent = `${index + 1} of ${found.total}`;
    count.dataset.line = String(hit.line);
    previous.disabled = index === 0;
    next.disabled = index >= found.total - 1;
    show(hit.line);
  }

  function show(line, to) {
    log.highlight(line, to || line);
    log.scrollTo(line);
    history.replaceState(history.state, "", to && to !== line ? `#L${line}-L${to}` : `#L${line}`);
  }

  function showEvents(events) {
    results.replaceChildren();
    results.hidden = !events || !events.total;
    if (results.hidden) return;
    results.append(el("span", { class: "muted", text: `${events.total} event${events.total === 1 ? "" : "s"}: ` }),
      ...events.hits.slice(0, 5).map((event) => el("span", { class: "chip", "data-seq": event.seq,
        text: [event.host, event.task, event.message].filter(Boolean).join(" · ").slice(0, 120) })));
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const query = input.value;
    if (query === found.query && found.total) go(1);
    else if (query) search(query);
  });
  previous.addEventListener("click", () => go(-1));
  next.addEventListener("click", () => go(1));

  return {
    form, results,
    attach(view) { log = view; },
    // The first line where Ansible reported a failure.
    async showFirstFailure() {
      if (!log) return;
      try {
        const answer = await api("GET", `/api/v1/jobs/${id}/search?failures=true&limit=1`, { signal });
        const hit = answer.lines.hits[0];
        if (!hit) return void note("No failure in the log.");
        note(`First of ${answer.lines.total} failure line${answer.lines.total === 1 ? "" : "s"}.`);
        show(hit.line);
      } catch (err) {
        note(err.message);
      }
    },
    // A task's header in the log: the `TASK [name]` line nearest where the task list puts it.
    async showTask(task) {
      if (!log) return;
      const header = `${task.handler ? "RUNNING HANDLER" : "TASK"} [${task.name}]`;
      let line = task.line;
      try {
        const answer = await api("GET", `/api/v1/jobs/${id}/search?q=${encodeURIComponent(header)}&limit=1000`, { signal });
        const nearest = answer.lines.hits.reduce((best, hit) =>
          (!best || Math.abs(hit.line - task.line) < Math.abs(best.line - task.line) ? hit : best), null);
        if (nearest) line = nearest.line;
      } catch {
        // The task list's own line is close enough.
      }
      show(line);
    },
  };
}
