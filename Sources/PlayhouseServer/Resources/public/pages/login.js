// Signing in: a button per OpenID Connect provider, and the name and password (then for a
// user with two-factor sign-in a code). With local sign-in off the password form is folded
// away, for the break-glass admin.

import { api } from "../api.js";
import { el, field, hideError, showError } from "../dom.js";

export default function renderLogin(main, { signal }) {
  document.title = "Sign in — Playhouse";
  api("GET", "/api/v1/login/methods", { signal })
    // The password form still works when the list of ways cannot be had.
    .catch(() => ({ password: true, providers: [] }))
    .then((methods) => renderMethods(main, methods, signal));
}

function renderMethods(main, methods, signal) {
  const head = el("div", { class: "page-head" }, el("h1", { text: "Sign in" }));
  const providers = el("div", { id: "login-providers", class: "actions" },
    ...methods.providers.map((provider) => el("a", {
      class: "button", "data-provider": provider.name, text: `Sign in with ${provider.label}`,
      href: `${provider.login_url}?next=${encodeURIComponent(nextPath())}`,
    })));
  const form = passwordForm(signal);
  if (methods.password) {
    main.append(head, providers, form);
    form.querySelector("#login-name").focus();
  } else {
    const folded = el("details", { id: "login-break-glass" },
      el("summary", { text: "Sign in with a password (break-glass admin only)" }), form);
    main.append(head, providers, folded);
  }
}

function passwordForm(signal) {
  const name = el("input", { id: "login-name", name: "username", type: "text", autocomplete: "username", required: true });
  const password = el("input", { id: "login-password", name: "password", type: "password", autocomplete: "current-password",
    required: true });
  const submit = el("button", { id: "login-submit", type: "submit", text: "Sign in" });
  const error = el("div", { id: "login-error", class: "error", role: "alert", hidden: true });
  const form = el("form", { id: "login-form", class: "form form-narrow" },
    field("Name", name), field("Password", password), error, el("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    hideError(error);
    submit.disabled = true;
    try {
      const answer = await api("POST", "/api/v1/login", { body: { name: name.value, password: password.value }, signal });
      // A user with two-factor sign-in: the password made no session yet, a code must follow.
      if (answer && answer.second_factor) {
        form.replaceWith(codeForm(answer.token, signal));
        return;
      }
      goOn();
    } catch (err) {
      showError(error, err);
      submit.disabled = false;
    }
  });
  return form;
}

// The second step: a code of the authenticator app, or a recovery code.
function codeForm(token, signal) {
  const code = el("input", { id: "login-code", name: "code", type: "text", autocomplete: "one-time-code", inputmode: "numeric",
    required: true });
  const submit = el("button", { id: "login-code-submit", type: "submit", text: "Sign in" });
  const error = el("div", { id: "login-error", class: "error", role: "alert", hidden: true });
  const form = el("form", { id: "login-code-form", class: "form form-narrow" },
    field("Code", code, "The 6 digits your authenticator app shows, or one of your recovery codes."), error,
    el("div", { class: "actions" }, submit));
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    hideError(error);
    submit.disabled = true;
    try {
      await api("POST", "/api/v1/login/totp", { body: { token, code: code.value }, signal });
      goOn();
    } catch (err) {
      showError(error, err);
      submit.disabled = false;
    }
  });
  queueMicrotask(() => code.focus());
  return form;
}

// Signed in: on to the page the sign-in interrupted.
function goOn() {
  location.assign(nextPath());
}

// The page the sign-in interrupted: only a page of this site, never an address elsewhere.
// A path that normalises to "//host" or "/\host" would be read as another site's address.
function nextPath() {
  const next = new URL(new URLSearchParams(location.search).get("next") || "/", location.origin);
  const path = next.pathname + next.search;
  return next.origin === location.origin && /^\/(?![\/\\])/.test(path) ? path : "/";
}
