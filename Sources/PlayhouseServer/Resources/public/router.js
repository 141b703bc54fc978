// Which page a path shows, from the route table the server registers its page paths from.
//
// The page contract: a page module's default export is `render(main, { params, signal })`.
// It draws into `main` and starts its work; when the page is left the router aborts
// `signal`, and every fetch (api.js), timer (timers.js), listener and stream of the page
// is tied to it, so nothing of a left page runs again or lands on the next one.

import routes from "./routes.json" with { type: "json" };
import { el, showError } from "./dom.js";

// A page path's `:id` is a record's id, so it matches digits only; another parameter (a
// host's `:name`) matches one whole segment, decoded. The server serves the page for any
// segment there, and the not-found view answers the rest.
const PAGES = routes.pages.map((page) => {
  const names = [];
  const source = page.path.split("/").map((part) => {
    if (!part.startsWith(":")) return part.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
    names.push(part.slice(1));
    return part === ":id" ? "(\\d+)" : "([^/]+)";
  }).join("/").replace(/\/$/, "");
  return { ...page, names, pattern: new RegExp(`^${source}/?$`) };
});

// The page on screen, stopped through this controller when it is left.
let current = null;

function decode(segment) {
  try { return decodeURIComponent(segment); } catch { return segment; }
}

function match(path) {
  for (const page of PAGES) {
    const found = page.pattern.exec(path);
    if (found) return { page, params: Object.fromEntries(page.names.map((name, index) => [name, decode(found[index + 1])])) };
  }
  return null;
}

async function route() {
  if (current) current.abort();
  const controller = new AbortController();
  current = controller;
  const main = document.getElementById("app");
  main.replaceChildren();
  const found = match(location.pathname);
  markNav(found ? found.page.nav : null);
  if (!found) {
    document.title = "Not found — Playhouse";
    main.append(el("h1", { text: "Not found" }), el("p", {}, el("a", { href: "/", text: "Back to the jobs" })));
    return;
  }
  try {
    const page = await import(`./${found.page.module}`);
    if (controller.signal.aborted) return;
    page.default(main, { params: found.params, signal: controller.signal });
  } catch (error) {
    // A module that could not load (the network, say) says so instead of a blank page.
    if (controller.signal.aborted) return;
    const box = el("div", { class: "error", role: "alert" });
    main.append(box);
    showError(box, error);
  }
}

function markNav(section) {
  for (const link of document.querySelectorAll("[data-nav]")) {
    if (link.dataset.nav === section) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

export function navigate(path) {
  if (path !== location.pathname) history.pushState(null, "", path);
  route();
  window.scrollTo(0, 0);
}

// The navigation's links, each shown only to roles that may use its page.
export function navLinks(role) {
  const rank = { viewer: 0, operator: 1, admin: 2 };
  return routes.nav.map((link) => el("a", {
    class: "nav-link", href: link.href, "data-nav": link.name,
    hidden: Boolean(link.role) && !(rank[role] >= rank[link.role]), text: link.label }));
}

// Same-origin links to our own pages change the view without a page load.
function onLinkClick(event) {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest("a[href]");
  if (!link || link.target || link.origin !== location.origin) return;
  if (!match(link.pathname)) return;
  event.preventDefault();
  navigate(link.pathname);
}

export function startRouting() {
  document.addEventListener("click", onLinkClick);
  window.addEventListener("popstate", route);
  route();
}
