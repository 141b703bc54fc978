// Launching a template: the fields it lets the launcher change, its survey, its schedules.

import { api, session } from "../api.js";
import { el, field, formatTime, hideError, inventoryLabel, option, showError } from "../dom.js";
import { navigate } from "../router.js";
import { commaList, parseEnv, surveyInput, surveyValue } from "./launch-fields.js";
import { forgeHookPanel } from "./template-forge-hook.js";

export default function renderTemplateLaunch(main, { params, signal }) {
  const id = Number(params.id);
  document.title = "Launch template — Playhouse";
  const error = el("div", { id: "tpl-launch-error", class: "error", role: "alert", hidden: true });
  const form = el("form", { id: "template-launch-form", class: "form" });
  const title = el("h1", { id: "tpl-title", text: "Launch" });
  main.append(el("div", { class: "page-head" }, title), form);
  (async () => {
    const [t, survey, schedules] = await Promise.all([
      api("GET", `/api/v1/templates/${id}`, { signal }), api("GET", `/api/v1/templates/${id}/survey`, { signal }),
      api("GET", `/api/v1/templates/${id}/schedules`, { signal })]);
    if (schedules.schedules.length) main.append(scheduleTable(schedules.schedules));
    // A forge hook launches the pushed commit, which only a git project has.
    if (session && session.role === "admin") {
      const projects = await api("GET", "/api/v1/projects", { signal });
      if ((projects.projects || []).some((p) => p.name === t.project && p.kind === "git")) main.append(forgeHookPanel(id, signal));
    }
    title.textContent = `Launch ${t.name}`;
    document.title = `Launch ${t.name} — Playhouse`;
    const prompted = t.prompts.map((name) => [name, promptInput(name, t)]);
    const questions = survey.questions.map((q) => [q, surveyInput(q)]);
    const submit = el("button", { id: "tpl-launch", type: "submit", text: "Launch" });
    form.replaceChildren(
      el("p", { class: "hint", text: `${t.project}/${t.playbook} on ${inventoryLabel(t.inventory)}` }),
      el("div", { class: "form-grid" },
        prompted.map(([name, input]) => field(name, input)),
        questions.map(([q, input]) => field(q.question + (q.required ? " *" : ""), input, q.description))),
      error, el("div", { class: "actions" }, submit));
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      hideError(error);
      submit.disabled = true;
      try {
        const body = { survey: {} };
        for (const [name, input] of prompted) {
          const value = promptValue(name, input);
          if (value !== undefined) body[name] = value;
        }
        for (const [q, input] of questions) {
          const value = surveyValue(q, input);
          if (value !== undefined) body.survey[q.variable] = value;
        }
        const job = await api("POST", `/api/v1/templates/${id}/launch`, { body, signal });
        navigate(`/jobs/${job.id}`);
      } catch (err) {
        showError(error, err);
        submit.disabled = false;
      }
    });
  })().catch((err) => { form.append(error); showError(error, err); });
}

// The template's schedules: when each fires next, and what it missed.
function scheduleTable(schedules) {
  return el("section", { class: "panel" }, el("h2", { text: "Schedules" }),
    el("table", { id: "schedules", class: "grid" },
      el("thead", {}, el("tr", {}, ["Cron", "Time zone", "Next runs", "Last run", "Missed"].map((text) => el("th", { text })))),
      el("tbody", {}, schedules.map((s) => el("tr", { class: "schedule-row", "data-id": s.id },
        el("td", { class: "mono", text: s.cron }), el("td", { text: s.timezone }),
        el("td", { class: "next-runs", text: s.enabled ? s.next_runs.slice(0, 3).map(formatTime).join(" · ") : "off" }),
        el("td", {}, s.last_job_id ? el("a", { href: `/jobs/${s.last_job_id}`, text: formatTime(s.last_run_at) }) : "—"),
        el("td", { class: "num", text: s.missed }))))));
}

// An input for a launch field the template lets the launcher change, holding its default.
function promptInput(name, t) {
  const id = `prompt-${name}`;
  switch (name) {
    case "check": case "diff": return el("input", { id, type: "checkbox", checked: Boolean(t[name]) });
    case "verbosity": case "forks": case "timeout": case "priority":
      return el("input", { id, type: "number", min: name === "priority" ? -100 : 0,
        value: t[name] === null || t[name] === undefined ? "" : t[name] });
    case "extra_vars":
      return el("textarea", { id, rows: 3, spellcheck: "false",
        value: Object.keys(t.extra_vars).length ? JSON.stringify(t.extra_vars) : "" });
    case "env": return el("textarea", { id, rows: 2, spellcheck: "false", placeholder: "NAME=value, one per line" });
    case "credentials":
      return el("input", { id, type: "text", value: t.credentials.join(","), placeholder: "credential ids, comma separated" });
    case "tags": case "skip_tags": return el("input", { id, type: "text", value: (t[name] || []).join(",") });
    case "worker_group": {
      // The groups the template runs on are the only ones a launch may choose.
      const groups = t.worker_groups || [];
      if (!groups.length) return el("input", { id, type: "text", value: t.worker_group || "" });
      const select = el("select", { id }, option("", "any of them"), ...groups.map((group) => option(group)));
      select.value = t.worker_group || "";
      return select;
    }
    default: return el("input", { id, type: "text", value: t[name] || "" });
  }
}

function promptValue(name, input) {
  switch (name) {
    case "check": case "diff": return input.checked;
    case "verbosity": case "forks": case "timeout": case "priority":
      return input.value === "" ? undefined : Number(input.value);
    case "env": return input.value.trim() ? parseEnv(input.value) : undefined;
    case "credentials": return commaList(input.value).map(Number);
    default: return input.value.trim() ? input.value.trim() : undefined;
  }
}
