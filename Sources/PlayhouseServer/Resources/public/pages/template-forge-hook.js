// A template's forge hook, for admins: the branches and tags whose pushes launch it, the
// URLs a forge posts to, and the secret, shown once when the hook is made.

import { api } from "../api.js";
import { el, field, hideError, showError } from "../dom.js";
import { commaList } from "./launch-fields.js";

export function forgeHookPanel(id, signal) {
  const path = `/api/v1/templates/${id}/forge-hook`;
  const error = el("div", { id: "forge-hook-error", class: "error", role: "alert", hidden: true });
  const current = el("dl", { id: "forge-hook-current", class: "meta" });
  const secret = el("p", { id: "forge-hook-secret", class: "hint", hidden: true });
  const branches = el("input", { id: "forge-hook-branches", type: "text", placeholder: "main, release/*" });
  const tags = el("input", { id: "forge-hook-tags", type: "text", placeholder: "v*" });
  const remove = el("button", { id: "forge-hook-remove", type: "button", class: "danger", text: "Remove", hidden: true });
  const form = el("form", { id: "forge-hook-form", class: "form" },
    el("div", { class: "form-grid" }, field("Branches", branches, "Patterns, comma separated"), field("Tags", tags)),
    el("div", { class: "actions" }, el("button", { type: "submit", text: "Make the forge hook" }), remove));

  function show(hook) {
    const rows = hook
      ? [["Branches", hook.branches.join(", ") || "—"], ["Tags", hook.tags.join(", ") || "—"],
        ["GitHub, Gitea, Forgejo", hook.github_url], ["GitLab", hook.gitlab_url]]
      : [["Forge hook", "none: pushes launch nothing"]];
    current.replaceChildren(...rows.map(([term, value]) => el("div", {}, el("dt", { text: term }), el("dd", { class: "mono", text: value }))));
    remove.hidden = !hook;
  }

  async function load() {
    try {
      show(await api("GET", path, { signal }));
    } catch (err) {
      if (err.status === 404) show(null);
      else showError(error, err);
    }
  }

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    hideError(error);
    try {
      const hook = await api("POST", path, { body: { branches: commaList(branches.value), tags: commaList(tags.value) }, signal });
      show(hook);
      secret.textContent = `Secret (give it to the forge now; it is not shown again): ${hook.secret}`;
      secret.hidden = false;
    } catch (err) {
      showError(error, err);
    }
  });
  remove.addEventListener("click", async () => {
    hideError(error);
    try {
      await api("DELETE", path, { signal });
      secret.hidden = true;
      show(null);
    } catch (err) {
      showError(error, err);
    }
  });
  load();
  return el("section", { id: "template-forge-hook", class: "panel" }, el("h2", { text: "Forge hook" }),
    el("p", { class: "hint", text: "A push to a matching branch or tag launches this template, pinned to the pushed commit." }),
    error, current, secret, form);
}
