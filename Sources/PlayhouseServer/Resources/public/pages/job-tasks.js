// The job page's task list: a row per task with its counts (GET /jobs/{id}/tasks), however
// many hosts and loop items it had; a task's results are read when the reader opens it
// (GET /jobs/{id}/tasks/{seq}/results), a page at a time. Display only: the server counts.

import { api } from "../api.js";
import { el } from "../dom.js";

const PAGE = 200; // tasks per read
const RESULTS_PAGE = 100;
const COUNT_KEYS = ["ok", "changed", "failed", "unreachable", "skipped", "ignored"];
// Tasks read again at each refresh of a running job: results of the latest tasks still come.
const RECENT = 10;

const okOrChanged = (event) => (event.changed ? "changed" : "ok");
const failedOrIgnored = (event) => (event.data && event.data.ignore_errors === true ? "ignored" : "failed");

// Host result events, and their status as Ansible prints it.
const RESULTS = {
  runner_on_ok: okOrChanged, runner_on_async_ok: okOrChanged, runner_item_on_ok: okOrChanged,
  runner_on_failed: failedOrIgnored, runner_on_async_failed: failedOrIgnored, runner_item_on_failed: failedOrIgnored,
  runner_on_skipped: () => "skipped", runner_item_on_skipped: () => "skipped",
  runner_on_unreachable: () => "unreachable", runner_retry: () => "retry",
};

// The list of job `id` in `box`. `onJump(task)` is called when the reader asks to see a
// task in the log.
export function taskList(box, { id, signal, onJump }) {
  const tasks = new Map(); // seq → { task, node }
  const order = [];
  const more = el("button", { type: "button", class: "secondary more-tasks", text: "Show more tasks", hidden: true });
  let reading = null;
  let complete = false; // every task there is has been read (as of the last read)
  more.addEventListener("click", () => read(order.length ? order[order.length - 1] : 0, true));

  function placeholder(text) {
    box.replaceChildren(el("p", { class: "empty", text }));
  }

  // Reads tasks after seq `after`: one page, or (`more`) one page past what is shown.
  async function read(after, grow) {
    if (reading) return reading;
    reading = (async () => {
      try {
        const page = await api("GET", `/api/v1/jobs/${id}/tasks?after=${after}&limit=${PAGE}`, { signal });
        const fresh = page.tasks.filter((task) => !tasks.has(task.seq));
        for (const task of page.tasks) {
          if (tasks.has(task.seq)) update(task);
          else if (grow || order.length < PAGE) add(task);
        }
        complete = page.tasks.length < PAGE && fresh.every((task) => tasks.has(task.seq));
        more.hidden = complete;
      } catch {
        // The next refresh reads again.
      } finally {
        reading = null;
      }
    })();
    return reading;
  }

  function add(task) {
    if (!order.length) box.replaceChildren(more);
    const previous = order.length ? tasks.get(order[order.length - 1]).task : null;
    if (!previous || previous.play !== task.play) more.before(el("div", { class: "play", text: `PLAY ${task.play}` }));
    const counts = el("span", { class: "task-counts" });
    const results = el("div", { class: "task-results", hidden: true });
    const head = el("button", { type: "button", class: "task-head", "aria-expanded": "false" },
      task.handler ? el("span", { class: "tag", text: "handler" }) : null,
      el("span", { class: "task-name", text: task.name || "(unnamed task)" }), counts);
    const jump = el("button", { type: "button", class: "link task-jump", text: "log", title: "Show this task in the log" });
    const node = el("div", { class: task.handler ? "task handler" : "task", "data-seq": task.seq },
      el("div", { class: "task-row" }, head, jump), results);
    head.addEventListener("click", () => toggle(task.seq));
    jump.addEventListener("click", () => onJump(tasks.get(task.seq).task));
    more.before(node);
    tasks.set(task.seq, { task, node, counts, results, head, after: 0 });
    order.push(task.seq);
    update(task);
  }

  function update(task) {
    const entry = tasks.get(task.seq);
    entry.task = task;
    const chips = COUNT_KEYS.filter((key) => task[key] > 0)
      .map((key) => el("span", { class: `chip count-${key}`, "data-key": key, text: `${key} ${task[key]}` }));
    if (task.items) {
      const failed = task.failed_items ? `, ${task.failed_items} failed` : "";
      chips.push(el("span", { class: "chip items", text: `${task.items} item${task.items === 1 ? "" : "s"}${failed}` }));
    }
    entry.counts.replaceChildren(...chips);
    const results = COUNT_KEYS.reduce((sum, key) => sum + task[key], 0) + task.items;
    entry.node.dataset.results = String(results);
    entry.node.classList.toggle("task-failed", task.failed > 0 || task.unreachable > 0);
  }

  async function toggle(seq) {
    const entry = tasks.get(seq);
    const open = entry.results.hidden;
    entry.results.hidden = !open;
    entry.head.setAttribute("aria-expanded", String(open));
    if (open && !entry.results.childElementCount) await readResults(entry);
  }

  async function readResults(entry) {
    try {
      const page = await api("GET", `/api/v1/jobs/${id}/tasks/${entry.task.seq}/results?after=${entry.after}&limit=${RESULTS_PAGE}`,
        { signal });
      entry.results.querySelector(":scope > .more-results")?.remove();
      entry.results.append(...page.events.map(resultRow));
      entry.after = page.next_after;
      if (page.events.length === RESULTS_PAGE) {
        const button = el("button", { type: "button", class: "secondary more-results", text: "More results" });
        button.addEventListener("click", () => readResults(entry));
        entry.results.append(button);
      } else if (!entry.results.childElementCount) {
        entry.results.append(el("p", { class: "empty", text: "No results yet." }));
      }
    } catch {
      entry.results.append(el("p", { class: "empty", text: "Could not read the results; close and open the task to try again." }));
    }
  }

  return {
    // Reads the tasks again: the latest few (whose counts still move) and any new ones.
    refresh() {
      const recent = order.length > RECENT ? order[order.length - RECENT - 1] : 0;
      return read(complete || order.length < PAGE ? recent : order[order.length - 1], false);
    },
    // Every task shown, read again: once the job has ended, their counts are final.
    async final() {
      await read(0, false);
      if (!order.length) placeholder(this.emptyText || "No tasks ran.");
    },
    // A job that ended without a single task (a sliced parent, say, or one that failed to
    // start) should not keep saying it waits for the first task.
    noteNoTasks(text) {
      this.emptyText = text;
      if (!order.length) placeholder(text);
    },
  };
}

function resultRow(event) {
  const status = RESULTS[event.type] ? RESULTS[event.type](event) : event.type;
  const item = event.type.startsWith("runner_item_on_") || event.type === "runner_retry";
  const label = item ? itemLabel(event) : "";
  return el("div", { class: `result result-${status}${item ? " item" : ""}`, "data-host": event.host || "", "data-seq": event.seq },
    el("span", { class: "result-status", text: status }),
    el("span", { class: "result-host", text: event.host || "" }),
    label ? el("span", { class: "result-item", text: `(item=${label})` }) : null,
    event.message ? el("span", { class: "result-msg", text: event.message }) : null);
}

function itemLabel(event) {
  const data = event.data || {};
  const value = data._ansible_item_label !== undefined ? data._ansible_item_label : data.item;
  if (value === undefined || value === null) return event.type === "runner_retry" ? `retry ${data.attempts || ""}`.trim() : "";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
