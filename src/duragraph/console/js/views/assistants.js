// Assistants: every assistant, paged by the server, newest change first.

import { post } from "../api.js";
import { h, link, time } from "../dom.js";
import { pager, table } from "../widgets/pager.js";

export async function render(root, { query, signal }) {
  root.append(
    h("h1", {}, "Assistants"),
    h(
      "section",
      { class: "card" },
      pager({
        query,
        signal,
        empty: "No assistant yet.",
        fetchPage: (offset, limit) =>
          post("/assistants/search", { limit, offset, sort_by: "updated_at", sort_order: "desc" }, { signal }),
        renderRows: (rows) =>
          table(
            [
              { title: "Name", cell: (a) => link(`/assistants/${a.assistant_id}`, a.name || a.assistant_id) },
              { title: "Graph", cell: (a) => h("code", {}, a.graph_id) },
              { title: "Version", cell: (a) => String(a.version) },
              { title: "Updated", cell: (a) => time(a.updated_at) },
            ],
            rows,
            { class: "assistants" },
          ),
      }),
    ),
  );
}
