// The templates: what each runs and asks, with a way to launch (and, for admins, edit) it.

import { api, session } from "../api.js";
import { el, showError } from "../dom.js";

export default function renderTemplates(main, { signal }) {
  document.title = "Templates — Playhouse";
  const admin = Boolean(session) && session.role === "admin";
  const error = el("div", { id: "templates-error", class: "error", role: "alert", hidden: true });
  const tbody = el("tbody", { id: "template-rows" });
  const head = el("div", { class: "page-head" }, el("h1", { text: "Templates" }));
  if (admin) head.append(el("a", { id: "new-template", class: "button", href: "/templates/new", text: "New template" }));
  main.append(head, error, el("table", { id: "templates", class: "grid" },
    el("thead", {}, el("tr", {}, ["Name", "Playbook", "Asks", ""].map((text) => el("th", { text })))), tbody));
  api("GET", "/api/v1/templates", { signal }).then((data) => {
    if (!data.templates.length) {
      tbody.replaceChildren(el("tr", {}, el("td", { colspan: 4, class: "empty", text: "No templates yet." })));
      return;
    }
    tbody.replaceChildren(...data.templates.map((t) => el("tr", { class: "template-row", "data-name": t.name },
      el("td", {}, el("strong", { text: t.name }), t.description ? el("div", { class: "hint", text: t.description }) : null),
      el("td", { class: "mono", text: `${t.project}/${t.playbook}` }),
      el("td", { text: [...t.prompts, ...t.survey.map((q) => q.variable)].join(", ") || "—" }),
      el("td", { class: "nowrap" },
        el("a", { class: "button", href: `/templates/${t.id}/launch`, text: "Launch" }), " ",
        admin ? el("a", { href: `/templates/${t.id}/edit`, text: "Edit" }) : null))));
  }).catch((err) => showError(error, err));
}
