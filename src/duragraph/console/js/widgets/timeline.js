// Audit-log events as a timeline, oldest first, with "Load more" asking the
// server for the events after the last one shown.

import { get } from "../api.js";
import { action, errorBox, h, time } from "../dom.js";
import { tree } from "./tree.js";

// path: the events route (e.g. /threads/<id>/events); more pages by `after`.
export function timeline(path, { signal, limit = 50 } = {}) {
  const list = h("ol", { class: "timeline events" });
  const status = h("p", { class: "muted" });
  let after = 0;
  const load = async () => {
    const rows = await get(`${path}?after=${after}&limit=${limit}`, { signal });
    list.append(...rows.map(eventItem));
    if (rows.length) after = rows[rows.length - 1].position;
    status.textContent = list.children.length ? "" : "No events yet.";
    more.hidden = rows.length < limit;
  };
  const more = action("Load more", load, { class: "load-more" });
  const root = h("div", {}, list, status, more);
  root.ready = load().catch((error) => {
    if (error.name !== "AbortError") status.replaceWith(errorBox(error));
  });
  return root;
}

// One event of the log: its type, time, actor, position and data.
export function eventItem(event) {
  return h(
    "li",
    { class: "event", dataset: { type: event.type, position: String(event.position) } },
    h(
      "div",
      { class: "row" },
      h("strong", { class: "event-type" }, event.type),
      time(event.recorded_at ?? event.data?.at),
      h("span", { class: "muted" }, actor(event.metadata?.actor)),
      h("span", { class: "muted" }, `#${event.position}`),
    ),
    tree(event.data, { open: 0, label: "data" }),
  );
}

function actor(who) {
  if (!who) return "";
  const name = who.identity || who.by || "";
  return name ? `${who.kind}: ${name}` : who.kind ?? "";
}
