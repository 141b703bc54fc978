// Stored inventories: the list, their hosts, a new one.

import { api } from "../api.js";
import { el, field, formatTime, hideError, option, showError } from "../dom.js";
import { commaList } from "./launch-fields.js";

export default function renderInventories(main, { signal }) {
  document.title = "Inventories — Playhouse";
  const tbody = el("tbody");
  const error = el("div", { id: "inventory-error", class: "error", role: "alert", hidden: true });
  const hostsBox = el("section", { id: "inventory-hosts-panel", class: "panel", hidden: true });
  const name = el("input", { id: "inventory-name", type: "text", maxlength: 200 });
  const kind = el("select", { id: "inventory-kind" }, option("static"), option("script"), option("http"));
  const content = el("textarea", { id: "inventory-content", rows: 8, spellcheck: "false",
    placeholder: "[web]\nweb1 ansible_host=10.0.0.5" });
  const groups = el("input", { id: "inventory-worker-groups", type: "text", placeholder: "dmz, windows" });
  const create = el("button", { id: "inventory-create", type: "submit", text: "Create" });
  const form = el("form", { id: "inventory-form", class: "form" },
    el("div", { class: "form-grid" }, field("Name", name), field("Kind", kind),
      field("Worker groups", groups, "Its jobs run only on workers of these groups (comma-separated); empty: any.")),
    field("Content", content, "INI/YAML for static; a #! script printing --list JSON for script; "
      + "the URL for http (told who launches in X-Playhouse-User and X-Playhouse-Teams)"),
    el("div", { class: "actions" }, create));
  main.append(
    el("div", { class: "page-head" }, el("h1", { text: "Inventories" })),
    error,
    el("div", { class: "table-wrap" },
      el("table", { id: "inventories", class: "grid" },
        el("thead", {}, el("tr", {}, ["ID", "Name", "Kind", "Updated", "Content", ""].map((text) => el("th", { text })))),
        tbody)),
    hostsBox,
    el("section", { class: "panel" }, el("h2", { text: "New inventory" }), form));

  const load = () => loadInventories(tbody, error, signal);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    hideError(error);
    create.disabled = true;
    try {
      await api("POST", "/api/v1/inventories", { body: { name: name.value, kind: kind.value, content: content.value, worker_groups: commaList(groups.value) }, signal });
      form.reset();
      await load();
    } catch (err) {
      showError(error, err);
    } finally {
      create.disabled = false;
    }
  });
  tbody.addEventListener("click", (event) => onInventoryAction(event, { error, hostsBox, load, signal }));
  load();
}

async function loadInventories(tbody, error, signal) {
  try {
    const data = await api("GET", "/api/v1/inventories", { signal });
    const items = data.inventories || [];
    tbody.replaceChildren(...items.map(inventoryRow));
    if (!items.length) tbody.append(el("tr", {}, el("td", { colspan: 6, class: "empty", text: "No stored inventories." })));
  } catch (err) {
    showError(error, err);
  }
}

function inventoryRow(inv) {
  return el("tr", { class: "inventory-row", "data-id": inv.id },
    el("td", { text: `#${inv.id}` }),
    el("td", { class: "inventory-name", text: inv.name }),
    el("td", {}, el("span", { class: "tag", text: inv.kind })),
    el("td", { class: "nowrap", text: formatTime(inv.updated_at) }),
    el("td", {}, el("details", {}, el("summary", { text: `${inv.content.trimEnd().split("\n").length} lines` }),
      el("pre", { class: "code", text: inv.content }))),
    el("td", { class: "nowrap" },
      el("button", { type: "button", class: "secondary inventory-hosts-button", "data-action": "hosts", "data-id": inv.id,
        "data-name": inv.name, text: "Hosts" }),
      " ",
      el("button", { type: "button", class: "danger inventory-delete", "data-action": "delete", "data-id": inv.id, text: "Delete" })));
}

async function onInventoryAction(event, ctx) {
  const button = event.target.closest("button[data-action]");
  if (!button) return;
  const id = button.dataset.id;
  hideError(ctx.error);
  button.disabled = true;
  try {
    if (button.dataset.action === "delete") {
      await api("DELETE", `/api/v1/inventories/${id}`, { signal: ctx.signal });
      ctx.hostsBox.hidden = true;
      await ctx.load();
    } else {
      const hosts = await api("GET", `/api/v1/inventories/${id}/hosts`, { signal: ctx.signal });
      ctx.hostsBox.replaceChildren(
        el("h2", { text: `Hosts of ${button.dataset.name} (#${id})` }),
        el("pre", { id: "inventory-hosts", class: "code", text: JSON.stringify(hosts, null, 2) }));
      ctx.hostsBox.hidden = false;
    }
  } catch (err) {
    showError(ctx.error, err);
  } finally {
    button.disabled = false;
  }
}
