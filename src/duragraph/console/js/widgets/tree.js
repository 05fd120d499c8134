// A JSON value as a collapsible tree: objects and arrays fold, the first
// levels open.

import { h } from "../dom.js";

export function tree(value, { open = 2, label = null } = {}) {
  return h("div", { class: "tree" }, node(label, value, open));
}

function node(key, value, open) {
  const name = key === null ? null : h("span", { class: "key" }, `${key}: `);
  if (value === null || typeof value !== "object") {
    return h("div", { class: "leaf" }, name, scalar(value));
  }
  const entries = Array.isArray(value) ? value.map((v, i) => [i, v]) : Object.entries(value);
  const summary = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
  return h(
    "details",
    { open: open > 0 },
    h("summary", {}, name, h("span", { class: "muted" }, summary)),
    entries.map(([k, v]) => node(k, v, open - 1)),
  );
}

function scalar(value) {
  const kind = value === null ? "null" : typeof value;
  return h("span", { class: `scalar ${kind}` }, JSON.stringify(value));
}
