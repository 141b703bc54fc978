// Timers that end with their page: each takes the page's AbortSignal (see router.js) and
// never calls back once the page was left.

// Calls fn once after ms.
export function later(ms, fn, signal) {
  if (signal.aborted) return;
  const timer = setTimeout(fn, ms);
  signal.addEventListener("abort", () => clearTimeout(timer), { once: true });
}

// Calls fn every ms.
export function every(ms, fn, signal) {
  if (signal.aborted) return;
  const timer = setInterval(fn, ms);
  signal.addEventListener("abort", () => clearInterval(timer), { once: true });
}

// Calls fn before the next repaint.
export function nextFrame(fn, signal) {
  if (signal.aborted) return;
  const frame = requestAnimationFrame(fn);
  signal.addEventListener("abort", () => cancelAnimationFrame(frame), { once: true });
}

// Calls refresh now and every `ms` while the tab is visible (a hidden tab polls nothing,
// and catches up the moment it is shown again).
export function pollWhileVisible(refresh, ms, signal) {
  const onVisible = () => { if (!document.hidden) refresh(); };
  every(ms, onVisible, signal);
  document.addEventListener("visibilitychange", onVisible, { signal });
  refresh();
}
