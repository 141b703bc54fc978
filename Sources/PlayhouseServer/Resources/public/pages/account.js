// The signed-in user's own account: two-factor sign-in (TOTP) set up with a QR code and a
// first code, its recovery codes shown once, and turned off with the password or a code.

import { api, session, setSession } from "../api.js";
import { el, field, hideError, showError } from "../dom.js";

export default function renderAccount(main, { signal }) {
  document.title = "Account — Playhouse";
  const section = el("section", { id: "two-factor", class: "panel" });
  main.append(
    el("div", { class: "page-head" }, el("h1", { text: "Account" })),
    el("p", { id: "account-user", text: session ? `${session.name} (${session.role})` : "" }),
    section);

  // Draws the section for where the user stands, fetched anew.
  async function show() {
    const error = el("div", { class: "error", role: "alert", hidden: true });
    section.replaceChildren(el("h2", { text: "Two-factor sign-in" }), error);
    try {
      const me = await api("GET", "/api/v1/me", { signal });
      setSession({ ...session, ...me });
      section.append(me.totp_enabled ? enabled(me) : disabled(me));
    } catch (err) {
      showError(error, err);
    }
  }

  function enabled(me) {
    const left = me.recovery_codes_left ?? 0;
    const codes = `${left} recovery code${left === 1 ? "" : "s"} left`;
    const status = el("p", { id: "totp-status", "data-state": "on",
      text: `On: signing in takes a code from your authenticator app after your password. ${codes}.` });
    if (me.totp_required) {
      const note = "This server requires two-factor sign-in for your account, so it stays on.";
      return el("div", {}, status, el("p", { class: "hint", text: note }));
    }
    const password = el("input", { id: "totp-off-password", type: "password", autocomplete: "current-password" });
    const code = el("input", { id: "totp-off-code", type: "text", autocomplete: "one-time-code", inputmode: "numeric" });
    const submit = el("button", { id: "totp-off", type: "submit", class: "danger", text: "Turn off" });
    const error = el("div", { class: "error", role: "alert", hidden: true });
    const form = el("form", { id: "totp-off-form", class: "form form-narrow" },
      field("Password", password), field("Or a code", code, "From your authenticator, or a recovery code."), error,
      el("div", { class: "actions" }, submit));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      hideError(error);
      submit.disabled = true;
      try {
        const body = password.value ? { password: password.value } : { code: code.value };
        await api("DELETE", "/api/v1/me/totp", { body, signal });
        await show();
      } catch (err) {
        showError(error, err);
        submit.disabled = false;
      }
    });
    return el("div", {}, status, form);
  }

  function disabled(me) {
    const box = el("div", {},
      el("p", { id: "totp-status", "data-state": "off",
        text: "Off: your password alone signs you in. With it on, signing in also takes a code from an authenticator app." }));
    if (me.totp_required) {
      box.append(el("div", { id: "totp-required", class: "error", role: "status",
        text: "This server requires two-factor sign-in for your account: set it up to go on." }));
    }
    const start = el("button", { id: "totp-start", type: "button", text: "Set up" });
    const error = el("div", { class: "error", role: "alert", hidden: true });
    start.addEventListener("click", async () => {
      hideError(error);
      start.disabled = true;
      try {
        const setup = await api("POST", "/api/v1/me/totp", { signal });
        box.replaceChildren(setupForm(setup));
      } catch (err) {
        showError(error, err);
        start.disabled = false;
      }
    });
    box.append(error, el("div", { class: "actions" }, start));
    return box;
  }

  // The QR code and the secret, and the first code that turns it on.
  function setupForm(setup) {
    // The SVG is the server's drawing of the URI, shown as an image: nothing in it runs.
    const image = el("img", { id: "totp-qr", class: "qr-code", alt: "QR code for your authenticator app",
      src: `data:image/svg+xml;base64,${btoa(setup.qr_svg)}` });
    const code = el("input", { id: "totp-code", type: "text", autocomplete: "one-time-code", inputmode: "numeric", required: true });
    const submit = el("button", { id: "totp-confirm", type: "submit", text: "Turn on" });
    const error = el("div", { class: "error", role: "alert", hidden: true });
    const form = el("form", { id: "totp-confirm-form", class: "form form-narrow" },
      field("Code", code, "The 6 digits the app shows now."), error, el("div", { class: "actions" }, submit));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      hideError(error);
      submit.disabled = true;
      try {
        const answer = await api("POST", "/api/v1/me/totp/confirm", { body: { code: code.value }, signal });
        form.parentNode.replaceChildren(recoveryCodes(answer.recovery_codes));
      } catch (err) {
        showError(error, err);
        submit.disabled = false;
      }
    });
    return el("div", { id: "totp-setup" },
      el("p", { text: "Scan this code with an authenticator app (or type the secret into it), then type the code it shows." }),
      image,
      el("p", {}, "Secret: ", el("code", { id: "totp-secret", class: "secret", text: setup.secret })),
      form);
  }

  // The recovery codes, this once.
  function recoveryCodes(codes) {
    const done = el("button", { id: "recovery-codes-done", type: "button", text: "I have kept them" });
    done.addEventListener("click", () => show());
    return el("div", { id: "totp-recovery" },
      el("p", { text: "Two-factor sign-in is on. These recovery codes each sign you in once without your authenticator. "
        + "Keep them somewhere safe: they are not shown again." }),
      el("ol", { id: "recovery-codes", class: "recovery-codes mono" }, codes.map((text) => el("li", { text }))),
      el("div", { class: "actions" }, done));
  }

  show();
}
