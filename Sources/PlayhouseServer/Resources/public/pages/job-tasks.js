// The job page's task list, drawn from the events themselves: a block per task, a row per
// host result. Display only: the counts and progress are the server's (a `summary` frame).

import { el } from "../dom.js";

const okOrChanged = (event) => (event.changed ? "changed" : "ok");
const failedOrIgnored = (event) => (event.data && event.data.ignore_errors === true ? "ignored" : "failed");

// Host result events, and their status as Ansible prints it.
const RESULTS = {
  runner_on_ok: okOrChanged, runner_on_async_ok: okOrChanged, runner_item_on_ok: okOrChanged,
  runner_on_failed: failedOrIgnored, runner_on_async_failed: failedOrIgnored, runner_item_on_failed: failedOrIgnored,
  runner_on_skipped: () => "skipped", runner_item_on_skipped: () => "skipped",
  runner_on_unreachable: () => "unreachable", runner_retry: () => "retry",
};
const TASK_STARTS = ["playbook_on_task_start", "playbook_on_handler_task_start"];
const NOTES = ["playbook_on_no_hosts_matched", "playbook_on_no_hosts_remaining"];

// The event types the list draws.
export const TASK_EVENT_TYPES = ["playbook_on_play_start", ...TASK_STARTS, ...NOTES, ...Object.keys(RESULTS)];

// The list in `box`. Appending keeps it pinned to its end while the reader has not
// scrolled up; the pin is measured once per frame: `requestFrame` asks the page for the
// next one, where it calls `keepPinned`.
export function taskList(box, requestFrame) {
  const blocks = new Map();
  let lastBlock = null;
  let pin = null;

  function append(node, parent) {
    if (pin === null) pin = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    const placeholder = box.querySelector(":scope > .empty");
    if (placeholder) placeholder.remove();
    (parent || box).append(node);
    requestFrame();
  }

  function appendTaskBlock(event) {
    const handler = event.type === "playbook_on_handler_task_start";
    const block = el("div", { class: handler ? "task handler" : "task", "data-seq": event.seq },
      el("div", { class: "task-head" },
        event.play ? el("span", { class: "task-play", text: event.play }) : null,
        handler ? el("span", { class: "tag", text: "handler" }) : null,
        el("span", { class: "task-name", text: event.task || "(unnamed task)" })));
    blocks.set(taskKey(event), block);
    lastBlock = block;
    append(block);
  }

  function appendResult(event) {
    // Results name their task; with the free strategy they may follow a later task's start.
    if (!blocks.has(taskKey(event)) && !lastBlock) appendTaskBlock({ ...event, type: "playbook_on_task_start" });
    const block = blocks.get(taskKey(event)) || lastBlock;
    const status = RESULTS[event.type](event);
    const item = event.type.startsWith("runner_item_on_") || event.type === "runner_retry";
    const label = item ? itemLabel(event) : "";
    append(el("div", { class: `result result-${status}${item ? " item" : ""}`, "data-host": event.host || "" },
      el("span", { class: "result-status", text: status }),
      el("span", { class: "result-host", text: event.host || "" }),
      label ? el("span", { class: "result-item", text: `(item=${label})` }) : null,
      event.message ? el("span", { class: "result-msg", text: event.message }) : null), block);
    if (status === "failed" || status === "unreachable") block.classList.add("task-failed");
  }

  return {
    add(event) {
      const type = event.type;
      if (type === "playbook_on_play_start") append(el("div", { class: "play", text: `PLAY ${event.play || ""}` }));
      else if (TASK_STARTS.includes(type)) appendTaskBlock(event);
      else if (NOTES.includes(type)) append(el("div", { class: "note", text: event.message || type }));
      else if (RESULTS[type]) appendResult(event);
    },
    keepPinned() {
      if (pin) box.scrollTop = box.scrollHeight;
      pin = null;
    },
    // A job that ended without a single task (a sliced parent, say, or one that failed to
    // start) should not keep saying it waits for the first task.
    noteNoTasks(text) {
      const placeholder = box.querySelector(":scope > .empty");
      if (placeholder) placeholder.textContent = text;
    },
  };
}

function taskKey(event) {
  return `${event.play || ""}\u0000${event.task || ""}`;
}

function itemLabel(event) {
  const data = event.data || {};
  const value = data._ansible_item_label !== undefined ? data._ansible_item_label : data.item;
  if (value === undefined || value === null) return event.type === "runner_retry" ? `retry ${data.attempts || ""}`.trim() : "";
  const text = typeof value === "string" ? value : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
