// ANSI SGR colours → spans with classes (the log keeps Ansible's colours).

import { el } from "./dom.js";

// SGR first; then any other CSI, OSC or lone escape, which are dropped.
const ANSI_PATTERN = /\x1b\[([0-9;]*)m|\x1b\[[0-9;?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?/g;

function applySgr(state, params) {
  const codes = params === "" ? [0] : params.split(";").map((part) => Number(part || 0));
  for (let i = 0; i < codes.length; i += 1) {
    const code = codes[i];
    if (code === 0) { state.bold = false; state.fg = null; }
    else if (code === 1) state.bold = true;
    else if (code === 22) state.bold = false;
    else if ((code >= 30 && code <= 37) || (code >= 90 && code <= 97)) state.fg = code;
    else if (code === 39) state.fg = null;
    // 256-colour and RGB forms carry arguments that are not codes of their own.
    else if (code === 38 || code === 48) i += codes[i + 1] === 5 ? 2 : codes[i + 1] === 2 ? 4 : 0;
  }
}

export function ansiToFragment(text) {
  const fragment = document.createDocumentFragment();
  const state = { bold: false, fg: null };
  let last = 0;
  const pushText = (chunk) => {
    if (!chunk) return;
    const classes = [];
    if (state.bold) classes.push("ansi-bold");
    if (state.fg !== null) classes.push(`ansi-${state.fg}`);
    fragment.append(classes.length ? el("span", { class: classes.join(" "), text: chunk }) : chunk);
  };
  text = text.replace(/\r\n/g, "\n");
  for (const match of text.matchAll(ANSI_PATTERN)) {
    pushText(text.slice(last, match.index));
    if (match[1] !== undefined) applySgr(state, match[1]);
    last = match.index + match[0].length;
  }
  pushText(text.slice(last));
  return fragment;
}
