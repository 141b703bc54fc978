// The job page's log: a window onto a log of any length. Only the lines on screen (and a
// margin) are in the page; the rest stays on the server and comes in blocks of lines
// (GET /stdout?from=&to=) as the reader scrolls, or as `output` frames while the job runs.
// Every line is one row of fixed height (long lines scroll sideways), so where a line is
// follows from its number alone.

import { ansiToFragment } from "../ansi.js";
import { el } from "../dom.js";
import { nextFrame } from "../timers.js";

const BLOCK = 500; // lines per request
const KEPT_BLOCKS = 60; // blocks held in memory: 30 000 lines
const MARGIN = 40; // rows drawn beyond each edge of the view
// Browsers cap an element's height (Chromium near 33 million px): a longer log is drawn in
// a box of this height, its scroll position mapped to lines proportionally.
const MAX_HEIGHT = 8_000_000;

// The log of job `id` in `box` (an empty element), starting with `total` lines known.
// `onFollow(on)` hears when following the end starts or stops.
export function logView(box, { id, total, signal, onFollow }) {
  const spacer = el("div", { class: "log-spacer" });
  const rows = el("div", { class: "log-rows" });
  const probe = el("div", { class: "log-line" }, el("span", { class: "ln", text: "0" }), "x");
  box.replaceChildren(spacer, rows);
  rows.append(probe);
  const rowHeight = probe.getBoundingClientRect().height || 18;
  probe.remove();

  const state = {
    total, follow: false, live: false, stopFollowing: false, shown: false, autoTop: 0, blocks: new Map(), loading: new Set(), used: 0, frame: false,
    highlight: null, drawn: { first: -1, last: -1, key: "" },
  };

  const height = () => Math.min(state.total * rowHeight, MAX_HEIGHT);
  const scaled = () => state.total * rowHeight > MAX_HEIGHT;
  const visibleRows = () => Math.max(1, Math.ceil(box.clientHeight / rowHeight));
  const atBottom = () => box.scrollHeight - box.scrollTop - box.clientHeight < rowHeight * 2;

  // The 0-based line at the top of the view.
  function topLine() {
    if (!scaled()) return Math.floor(box.scrollTop / rowHeight);
    const room = Math.max(1, height() - box.clientHeight);
    return Math.round((box.scrollTop / room) * Math.max(0, state.total - visibleRows()));
  }

  function scrollTopFor(line) {
    if (!scaled()) return line * rowHeight;
    const room = Math.max(1, height() - box.clientHeight);
    return (line / Math.max(1, state.total - visibleRows())) * room;
  }

  function line(index) {
    const block = state.blocks.get(Math.floor(index / BLOCK));
    if (!block) return undefined;
    block.used = ++state.used;
    return block.lines[index % BLOCK];
  }

  async function load(blockIndex) {
    if (state.loading.has(blockIndex)) return;
    state.loading.add(blockIndex);
    try {
      const from = blockIndex * BLOCK + 1;
      const response = await fetch(`/api/v1/jobs/${id}/stdout?from=${from}&to=${from + BLOCK - 1}`, { signal });
      if (!response.ok) return;
      const text = await response.text();
      const lines = text.split("\n");
      lines.pop(); // after the last newline
      const block = blockAt(blockIndex);
      lines.forEach((value, offset) => { block.lines[offset] = value; });
      const known = Number(response.headers.get("X-Total-Lines"));
      if (known > state.total) setTotal(known);
      forget();
      // Drawn now rather than at the next frame: the lines are what the reader waits for.
      draw();
    } catch {
      // Left the page, or the server is away: the block is asked for again when next shown.
    } finally {
      state.loading.delete(blockIndex);
    }
  }

  function blockAt(index) {
    let block = state.blocks.get(index);
    if (!block) {
      block = { lines: [], used: ++state.used };
      state.blocks.set(index, block);
    }
    return block;
  }

  // Keeps memory flat: the blocks least recently drawn go once there are too many.
  function forget() {
    if (state.blocks.size <= KEPT_BLOCKS) return;
    const order = [...state.blocks.entries()].sort((a, b) => a[1].used - b[1].used);
    for (const [index] of order.slice(0, state.blocks.size - KEPT_BLOCKS)) state.blocks.delete(index);
  }

  function setTotal(value) {
    state.total = value;
    spacer.style.height = `${height()}px`; // CSSOM, which the CSP allows
    box.dataset.total = String(value);
  }

  function setFollow(on) {
    if (state.follow === on) return;
    state.follow = on;
    box.dataset.follow = on ? "on" : "off";
    if (onFollow) onFollow(on);
  }

  function schedule() {
    if (state.frame) return;
    state.frame = true;
    nextFrame(draw, signal);
  }

  function draw() {
    state.frame = false;
    if (state.follow) {
      box.scrollTop = box.scrollHeight;
      state.autoTop = box.scrollTop;
      // The run ended: its last lines are on screen now, and no more will come.
      if (state.stopFollowing) setFollow(false);
    }
    state.stopFollowing = false;
    const top = topLine();
    const first = Math.max(0, top - MARGIN);
    const last = Math.min(state.total, top + visibleRows() + MARGIN);
    const missing = new Set();
    const parts = [];
    for (let index = first; index < last; index += 1) {
      const text = line(index);
      if (text === undefined) missing.add(Math.floor(index / BLOCK));
      parts.push(text === undefined ? "" : "1");
    }
    const hl = state.highlight;
    const key = `${first}:${last}:${parts.join("")}:${hl ? `${hl.from}-${hl.to}` : ""}`;
    if (key !== state.drawn.key) {
      const fragment = document.createDocumentFragment();
      for (let index = first; index < last; index += 1) fragment.append(row(index, line(index)));
      rows.replaceChildren(fragment);
      state.drawn = { first, last, key };
    }
    const offset = scaled() ? box.scrollTop - (top - first) * rowHeight : first * rowHeight;
    rows.style.transform = `translateY(${Math.max(0, offset)}px)`;
    box.dataset.first = String(top + 1);
    for (const blockIndex of missing) load(blockIndex);
    // The first time every row on screen has its text: the page shows the log. The
    // benchmark of the job page measures to this mark.
    if (!missing.size && !state.shown) {
      state.shown = true;
      performance.mark("playhouse:log-shown");
    }
  }

  function row(index, text) {
    const number = index + 1;
    const hl = state.highlight;
    const lit = hl && number >= hl.from && number <= hl.to;
    return el("div", { class: lit ? "log-line log-hit" : "log-line", "data-line": number },
      el("span", { class: "ln", text: number }),
      text === undefined ? el("span", { class: "log-pending", text: "…" }) : ansiToFragment(text));
  }

  // Scrolling up from the end stops following it; scrolling back down to it, while the job
  // runs, follows again.
  box.addEventListener("scroll", () => {
    if (state.follow && box.scrollTop + 1 < state.autoTop) setFollow(false);
    else if (!state.follow && state.live && atBottom()) setFollow(true);
    schedule();
  }, { signal });
  box.addEventListener("click", (event) => {
    const number = event.target.closest(".ln") && Number(event.target.closest(".log-line").dataset.line);
    if (!number) return;
    api.highlight(number, number);
    history.replaceState(history.state, "", `#L${number}`);
  }, { signal });

  const api = {
    get total() { return state.total; },
    get following() { return state.follow; },
    // Lines from..to of the log (1-based) as the stream sent them.
    append({ from, to, text }) {
      const lines = text.split("\n");
      lines.pop();
      lines.forEach((value, offset) => {
        const index = from - 1 + offset;
        blockAt(Math.floor(index / BLOCK)).lines[index % BLOCK] = value;
      });
      if (to > state.total) setTotal(to);
      forget();
      schedule();
    },
    setTotal(value) {
      if (value > state.total) setTotal(value);
      schedule();
    },
    // Keeps the view on the last line as lines come, until the reader scrolls away.
    follow(on) {
      setFollow(on);
      schedule();
    },
    // Whether lines may still come (the job runs): reaching the end then follows it.
    live(on) {
      state.live = on;
      state.stopFollowing = !on;
      schedule();
    },
    // Brings line `number` (1-based) into view, a third of the way down.
    scrollTo(number) {
      setFollow(false);
      const target = Math.max(0, Math.min(state.total - 1, number - 1) - Math.floor(visibleRows() / 3));
      box.scrollTop = scrollTopFor(target);
      schedule();
    },
    highlight(from, to) {
      state.highlight = from ? { from, to: to || from } : null;
      schedule();
    },
  };
  box.dataset.follow = "off";
  setTotal(total);
  schedule();
  return api;
}
