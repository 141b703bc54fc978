// Building the page and formatting what it shows. Every piece of server text goes into the
// page through textContent (see el()), never innerHTML, and no inline style is written,
// because the Content-Security-Policy forbids both inline script and inline style.

// A job in one of these statuses can still change.
export const ACTIVE_STATUSES = new Set(["queued", "running"]);

// Builds an element. Text goes through textContent so server data is never parsed as HTML.
export function el(tag, props, ...children) {
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

export function option(value, text) {
  return el("option", { value, text: text === undefined ? value : text });
}

export function field(label, control, hint) {
  return el("label", { class: "field", for: control.id },
    el("span", { class: "field-label", text: label }), control,
    hint ? el("span", { class: "hint", text: hint }) : null);
}

// Shows an API error ("error" in bold, then "detail") in a visible error box.
export function showError(box, error) {
  box.replaceChildren(el("strong", { class: "error-title", text: error.message || String(error) }));
  if (error.detail) box.append(el("span", { class: "error-detail", text: error.detail }));
  box.hidden = false;
}

export function hideError(box) {
  box.hidden = true;
  box.replaceChildren();
}

export function statusBadge(status, id) {
  return el("span", { id, class: `badge status-${status}`, text: status });
}

export function miniBar(percent) {
  const fill = el("span", { class: "mini-bar-fill" });
  fill.style.width = `${Math.max(0, Math.min(100, percent))}%`; // CSSOM, which the CSP allows
  return el("span", { class: "mini-bar" }, fill);
}

// Keeps a scrolling box pinned to its end while the user has not scrolled up.
export function keepAtBottom(box, change) {
  const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
  change();
  if (atBottom) box.scrollTop = box.scrollHeight;
}

export function formatTime(iso) {
  if (!iso) return "—";
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : date.toLocaleString();
}

// Run time of a job: start to end, or start to now while it runs.
export function formatDuration(job) {
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
export function formatAgo(iso) {
  const time = Date.parse(iso);
  if (!iso || Number.isNaN(time)) return iso || "—";
  const seconds = Math.max(0, Math.round((Date.now() - time) / 1000));
  if (seconds < 60) return `${seconds} s ago`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ago`;
  const hours = Math.floor(minutes / 60);
  return hours < 48 ? `${hours} h ago` : `${Math.floor(hours / 24)} d ago`;
}

// A numeric inventory is the id of a stored inventory, anything else a project file.
export function inventoryLabel(inventory) {
  return /^\d+$/.test(String(inventory)) ? `stored #${inventory}` : inventory;
}
