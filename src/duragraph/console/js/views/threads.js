// Threads: searched by status and metadata, paged by the server; the filters
// live in the URL so a link shows the same list.

import { post } from "../api.js";
import { badge, h, link, replace, time, typedJson } from "../dom.js";
import { setQuery } from "../router.js";
import { pager, table } from "../widgets/pager.js";

const STATUSES = ["", "idle", "busy", "interrupted", "error"];

export async function render(root, { query, signal }) {
  const status = h(
    "select",
    { name: "status" },
    STATUSES.map((s) => h("option", { value: s }, s || "any status")),
  );
  status.value = query.get("status") ?? "";
  const metadata = h("input", {
    name: "metadata",
    class: "json-input",
    placeholder: '{"graph_id": "chat"}',
    value: query.get("metadata") ?? "",
  });
  const problem = h("span", { class: "note error-text", role: "alert" });
  const results = h("div");

  const search = () => {
    let filter;
    try {
      filter = parseMetadata(metadata.value);
    } catch (error) {
      problem.textContent = error.message;
      return;
    }
    problem.textContent = "";
    const body = { sort_by: "updated_at", sort_order: "desc" };
    if (status.value) body.status = status.value;
    if (filter) body.metadata = filter;
    replace(
      results,
      pager({
        query: new URLSearchParams(location.search),
        signal,
        empty: "No thread matches.",
        fetchPage: (offset, limit) => post("/threads/search", { ...body, limit, offset }, { signal }),
        renderRows: threadTable,
      }),
    );
  };

  const form = h(
    "form",
    {
      class: "inline",
      onsubmit: (event) => {
        event.preventDefault();
        setQuery({ status: status.value, metadata: metadata.value.trim(), offset: null });
        search();
      },
    },
    h("label", {}, "Status ", status),
    h("label", {}, "Metadata ", metadata),
    h("button", { type: "submit", class: "primary" }, "Search"),
    problem,
  );
  root.append(h("h1", {}, "Threads"), h("section", { class: "card" }, form, results));
  search();
}

function parseMetadata(text) {
  return text.trim() ? typedJson(text, "Metadata", { object: true }) : null;
}

function threadTable(threads) {
  return table(
    [
      { title: "Thread", cell: (t) => link(`/threads/${t.thread_id}`, h("code", {}, t.thread_id)) },
      { title: "Status", cell: (t) => badge(t.status) },
      { title: "Graph", cell: (t) => t.metadata?.graph_id ?? "" },
      { title: "Updated", cell: (t) => time(t.updated_at) },
      { title: "Metadata", cell: (t) => h("span", { class: "muted" }, summary(t.metadata)) },
    ],
    threads,
    { class: "threads" },
  );
}

export function summary(metadata) {
  const text = Object.entries(metadata ?? {})
    .map(([k, v]) => `${k}=${typeof v === "string" ? v : JSON.stringify(v)}`)
    .join(", ");
  return text.length > 100 ? `${text.slice(0, 97)}…` : text;
}

