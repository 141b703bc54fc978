// The live streams of a job and of a workflow job.
//
// A job's stream (GET /api/v1/jobs/{id}/stream): its events in order, each seq once,
// and with `afterLine` its log as `output` frames, each line once; after each batch of
// events a `summary` frame with the job's counts and progress as the server folded them;
// at the end one `end` frame with the final job.

import { later } from "./timers.js";

// Follows job `id` until its end or until `signal` aborts, from seq `after` and (when
// `afterLine` is a number) from that line of the log; `events: false` asks for no event
// frames. EventSource hands a named event only to listeners of that exact name, so `types`
// are the event types the caller shows. Calls onEvent(event), onOutput({from, to, text}),
// onSummary({progress, hosts}), onEnd(job or null) and onLive(kind, text) as the
// connection changes.
export function followJob(id, { after = 0, afterLine = null, events = true, types = [], signal, onEvent, onOutput, onSummary, onEnd,
  onLive }) {
  let lastSeq = after;
  let lastLine = afterLine;
  // Frame ids are `SEQ` or, with output, `SEQ,LINE`.
  const cursor = (message) => String(message.lastEventId || "").split(",").map(Number);
  const onMessage = (message) => {
    const event = parseFrame(message);
    if (!event) return;
    const seq = Number(event.seq !== undefined ? event.seq : cursor(message)[0]);
    // A reconnect may replay what we already have: each seq is handed on once.
    if (!(seq > lastSeq)) return;
    lastSeq = seq;
    onEvent(event);
  };
  const onOutputFrame = (message) => {
    const frame = parseFrame(message);
    if (!frame || lastLine === null || !(frame.to > lastLine)) return;
    const [seq] = cursor(message);
    if (seq > lastSeq) lastSeq = seq;
    // Each line once, even when a reconnect starts inside a frame already handed on.
    const skip = lastLine - frame.from + 1;
    const text = skip > 0 ? frame.text.split("\n").slice(skip).join("\n") : frame.text;
    onOutput({ from: Math.max(frame.from, lastLine + 1), to: frame.to, text });
    lastLine = frame.to;
  };
  // The stream replays everything after the cursor (or Last-Event-ID on its own
  // reconnects), then follows the job live.
  const url = () => {
    let query = `after=${lastSeq}`;
    if (lastLine !== null) query += `&output=true&after_line=${lastLine}`;
    if (!events) query += "&events=false";
    return `/api/v1/jobs/${id}/stream?${query}`;
  };
  const frames = Object.fromEntries([...types, "message"].map((type) => [type, onMessage])); // "message": unnamed events
  frames.output = onOutputFrame;
  frames.summary = (message) => {
    const summary = parseFrame(message);
    if (summary) onSummary(summary);
  };
  follow(url, { signal, frames, onEnd, onLive });
}

// A workflow job's live stream (GET /api/v1/workflow-jobs/{id}/stream): the whole run as a
// `workflow` frame each time it changes, then one `end` frame ({status}). Each frame is the
// whole run, so a reconnect needs no cursor. Calls onRun(run) and onEnd({status}), and
// onLive(kind, text) as the connection changes, until the end or until `signal` aborts.
export function followWorkflowJob(id, { signal, onRun, onEnd, onLive }) {
  const frames = {
    workflow: (message) => {
      const run = parseFrame(message);
      if (run) onRun(run);
    },
  };
  follow(() => `/api/v1/workflow-jobs/${id}/stream`, { signal, frames, onEnd: (end) => onEnd(end || {}), onLive });
}

// An EventSource on url() (asked again whenever we reconnect it ourselves, so a cursor can
// move on) handing each named frame to its handler in `frames` until the `end` frame,
// which goes to onEnd, or until `signal` aborts; onLive(kind, text) hears of the
// connection. Nothing is handed on after the end.
function follow(url, { signal, frames, onEnd, onLive }) {
  let ended = false;
  let source = null;
  const open = () => {
    source = new EventSource(url());
    for (const [name, handle] of Object.entries(frames)) {
      source.addEventListener(name, (message) => { if (!ended) handle(message); });
    }
    source.addEventListener("end", (message) => {
      if (ended) return;
      ended = true;
      source.close(); // otherwise EventSource would reconnect forever
      onEnd(parseFrame(message));
    });
    source.onopen = () => { if (!ended) onLive("live"); };
    source.onerror = () => {
      if (ended || signal.aborted) return;
      if (source.readyState !== EventSource.CLOSED) return onLive("reconnecting");
      // The browser gave up (an HTTP error, say); try again ourselves from the cursor.
      onLive("offline", "offline, retrying");
      later(5000, open, signal);
    };
  };
  signal.addEventListener("abort", () => source.close(), { once: true });
  open();
}

function parseFrame(message) {
  try { return JSON.parse(message.data); } catch { return null; }
}
