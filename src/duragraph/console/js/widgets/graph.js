// A graph drawing (GET /assistants/{id}/graph) as SVG, no library: layers
// top to bottom by the longest path from __start__ (back edges ignored),
// rounded boxes, edges with arrowheads, conditional edges dashed.

import { h } from "../dom.js";

const NS = "http://www.w3.org/2000/svg";
const BOX_H = 32;
const GAP_X = 28;
const GAP_Y = 56;
const PAD = 16;
let drawn = 0;

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value !== undefined && value !== null) el.setAttribute(key, String(value));
  }
  for (const child of children) if (child) el.append(child);
  return el;
}

const label = (node) => node.data?.name ?? node.name ?? node.id;

// Edges that close a cycle (found by a depth-first walk from __start__).
function backEdges(ids, edges) {
  const out = new Map(ids.map((id) => [id, []]));
  edges.forEach((e, i) => out.get(e.source)?.push([e.target, i]));
  const state = new Map();
  const back = new Set();
  const visit = (id) => {
    state.set(id, 1);
    for (const [next, i] of out.get(id) ?? []) {
      if (state.get(next) === 1) back.add(i);
      else if (!state.has(next)) visit(next);
    }
    state.set(id, 2);
  };
  if (out.has("__start__")) visit("__start__");
  for (const id of ids) if (!state.has(id)) visit(id);
  return back;
}

// Layer of each node: its longest path from a source, over forward edges.
function layers(ids, edges, back) {
  const layer = new Map(ids.map((id) => [id, 0]));
  const forward = edges.filter((e, i) => !back.has(i) && layer.has(e.source) && layer.has(e.target));
  for (let round = 0; round < ids.length; round++) {
    let changed = false;
    for (const e of forward) {
      if (layer.get(e.target) < layer.get(e.source) + 1) {
        layer.set(e.target, layer.get(e.source) + 1);
        changed = true;
      }
    }
    if (!changed) break;
  }
  // __end__ goes below everything else
  if (layer.has("__end__")) {
    const deepest = Math.max(0, ...ids.filter((id) => id !== "__end__").map((id) => layer.get(id)));
    layer.set("__end__", Math.max(layer.get("__end__"), deepest + 1));
  }
  return layer;
}

// -> {element, highlight(names, cls)}: highlight sets which nodes carry `cls`.
export function graphView(graph) {
  const nodes = graph?.nodes ?? [];
  const edges = (graph?.edges ?? []).filter((e) => e.source !== undefined && e.target !== undefined);
  const ids = nodes.map((n) => n.id);
  const back = backEdges(ids, edges);
  const layer = layers(ids, edges, back);
  const rows = [];
  for (const node of nodes) (rows[layer.get(node.id)] ??= []).push(node);
  const width = (node) => Math.max(70, label(node).length * 7.4 + 26);
  const rowWidth = (row) => row.reduce((sum, n) => sum + width(n), 0) + GAP_X * (row.length - 1);
  const total = Math.max(120, ...rows.filter(Boolean).map(rowWidth)) + 2 * PAD + 60;
  const place = new Map();
  rows.forEach((row, depth) => {
    if (!row) return;
    let x = (total - rowWidth(row)) / 2;
    for (const node of row) {
      place.set(node.id, { x, y: PAD + depth * (BOX_H + GAP_Y), w: width(node) });
      x += width(node) + GAP_X;
    }
  });
  const height = PAD * 2 + rows.length * (BOX_H + GAP_Y) - GAP_Y;
  const marker = `arrow-${++drawn}`;
  const root = svg(
    "svg",
    { viewBox: `0 0 ${total} ${Math.max(height, BOX_H + 2 * PAD)}`, width: total, role: "img" },
    svg(
      "defs",
      {},
      svg(
        "marker",
        { id: marker, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 7, markerHeight: 7, orient: "auto-start-reverse" },
        svg("path", { d: "M0,0 L10,5 L0,10 z", fill: "#9aa4b8" }),
      ),
    ),
  );
  edges.forEach((e, i) => {
    const a = place.get(e.source);
    const b = place.get(e.target);
    if (!a || !b) return;
    const cls = `edge${e.conditional ? " conditional" : ""}`;
    let d;
    if (back.has(i) || layer.get(e.target) <= layer.get(e.source)) {
      // upwards, around the side of the drawing nearer the source
      const left = a.x + a.w / 2 < total / 2;
      const x1 = left ? a.x : a.x + a.w;
      const x2 = left ? b.x : b.x + b.w;
      const y1 = a.y + BOX_H / 2;
      const y2 = b.y + BOX_H / 2;
      const out = left ? Math.min(x1, x2) - 36 : Math.max(x1, x2) + 36;
      d = `M${x1},${y1} C${out},${y1} ${out},${y2} ${x2},${y2}`;
    } else {
      const x1 = a.x + a.w / 2;
      const y1 = a.y + BOX_H;
      const x2 = b.x + b.w / 2;
      const y2 = b.y;
      const mid = (y1 + y2) / 2;
      d = `M${x1},${y1} C${x1},${mid} ${x2},${mid} ${x2},${y2}`;
    }
    const path = svg("path", { class: cls, d, "marker-end": `url(#${marker})` });
    if (e.data) path.append(svg("title", {}, document.createTextNode(String(e.data))));
    root.append(path);
  });
  const boxes = new Map();
  for (const node of nodes) {
    const at = place.get(node.id);
    const special = node.id === "__start__" || node.id === "__end__";
    const g = svg(
      "g",
      { class: `node${special ? " terminal" : ""}`, "data-node": node.id, transform: `translate(${at.x},${at.y})` },
      svg("rect", { width: at.w, height: BOX_H, rx: special ? 16 : 6 }),
      svg("text", { x: at.w / 2, y: BOX_H / 2 + 4, "text-anchor": "middle" }, document.createTextNode(label(node))),
    );
    boxes.set(node.id, g);
    root.append(g);
  }
  const element = h("div", { class: "graph" }, root);
  const highlight = (names, cls) => {
    const on = new Set(names ?? []);
    for (const [id, g] of boxes) g.classList.toggle(cls, on.has(id));
  };
  return { element, highlight };
}
