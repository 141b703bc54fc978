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
    // A session begun at a provider ends there too: the answer says where, and the
    // provider sends the browser back to the sign-in page.
    let next = "/login";
    try {
      const answer = await api("POST", "/api/v1/logout");
      if (answer && answer.end_session_url) next = answer.end_session_url;
    } finally {
      location.assign(next);
    }
  });
  box.replaceChildren(el("a", { id: "session-user", class: "session-user", href: "/account", "data-nav": "account",
    text: `${session.name} (${session.role})` }), signOut);
}

async function start() {
  if (!location.pathname.startsWith("/login")) {
    try {
      setSession(await api("GET", "/api/v1/me"));
    } catch (err) {
      if (err.status === 401) return;
    }
  }
  // A user the server holds to two-factor sign-in can do nothing else until it is set up.
  if (session && session.totp_required && !session.totp_enabled && location.pathname !== "/account") {
    location.replace("/account");
    return;
  }
  renderSession();
  startRouting();
}

start();
