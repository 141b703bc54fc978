// A job's live stream (GET /api/v1/jobs/{id}/stream): its events in order, each seq once;
// after each batch of them a `summary` frame with the job's counts and progress as the
// server folded them; at the end one `end` frame with the final job.

import { later } from "./timers.js";

// Follows job `id` until its end or until `signal` aborts. EventSource hands a named event
// only to listeners of that exact name, so `types` are the event types the caller shows.
// Calls onEvent(event), onSummary({progress, hosts}), onEnd(job or null) and
// onLive(kind, text) as the connection changes.
export function followJob(id, { types, signal, onEvent, onSummary, onEnd, onLive }) {
  let lastSeq = 0;
  let ended = false;
  let source = null;
  const parse = (message) => {
    try { return JSON.parse(message.data); } catch { return null; }
  };
  const onMessage = (message) => {
    const event = parse(message);
    if (!event) return;
    const seq = Number(event.seq !== undefined ? event.seq : message.lastEventId);
    // A reconnect may replay what we already have: each seq is handed on once.
    if (!(seq > lastSeq) || ended) return;
    lastSeq = seq;
    onEvent(event);
  };
  // The stream replays every event after `after` (or Last-Event-ID on its own
  // reconnects), then follows the job live.
  const open = () => {
    source = new EventSource(`/api/v1/jobs/${id}/stream?after=${lastSeq}`);
    for (const type of types) source.addEventListener(type, onMessage);
    source.addEventListener("message", onMessage); // unnamed events, should the server send any
    source.addEventListener("summary", (message) => {
      const summary = parse(message);
      if (summary && !ended) onSummary(summary);
    });
    source.addEventListener("end", (message) => {
      if (ended) return;
      ended = true;
      source.close(); // otherwise EventSource would reconnect forever
      onEnd(parse(message));
    });
    source.onopen = () => { if (!ended) onLive("live"); };
    source.onerror = () => {
      if (ended || signal.aborted) return;
      if (source.readyState !== EventSource.CLOSED) return onLive("reconnecting");
      // The browser gave up (an HTTP error, say); try again ourselves from the last seq.
      onLive("offline", "offline, retrying");
      later(5000, open, signal);
    };
  };
  signal.addEventListener("abort", () => source.close(), { once: true });
  open();
}
