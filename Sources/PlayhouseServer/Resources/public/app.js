// Playhouse browser front end. One page (index.html) serves every path; router.js picks
// the page module from location.pathname and the route table (routes.json).

import { api, session, setSession } from "./api.js";
import { el } from "./dom.js";
import { navLinks, startRouting } from "./router.js";

// Shows the navigation for the signed-in role, and who is signed in, with a way out.
function renderSession() {
  const box = document.getElementById("session");
  box.before(...navLinks(session && session.role));
  if (!session) return;
  const signOut = el("button", { id: "sign-out", type: "button", class: "link-button", text: "Sign out" });
  signOut.addEventListener("click", async () => {
    try { await api("POST", "/api/v1/logout"); } finally { location.assign("/login"); }
  });
  box.replaceChildren(el("span", { id: "session-user", class: "session-user", text: `${session.name} (${session.role})` }), signOut);
}

async function start() {
  if (!location.pathname.startsWith("/login")) {
    try {
      setSession(await api("GET", "/api/v1/me"));
    } catch (err) {
      if (err.status === 401) return;
    }
  }
  renderSession();
  startRouting();
}

start();
