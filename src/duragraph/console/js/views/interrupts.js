// Interrupts: every thread waiting on a human, what it asks, and a form to
// resume it ("Approve" = true, or any JSON value). Polled every 2 s: a
// resumed thread leaves the list once it no longer waits.

import { enc, get, post } from "../api.js";
import { action, badge, errorBox, every, h, link, replace, time, typedJson } from "../dom.js";
import { setQuery } from "../router.js";
import { tree } from "../widgets/tree.js";

const LIMIT = 20;

export async function render(root, { query, signal }) {
  let offset = Number(query.get("offset") ?? 0) || 0;
  const problem = h("div");
  const list = h("div", { class: "interrupts" });
  const pages = h("div", { class: "pages" });
  const created = h("div", { class: "created-runs", role: "status" });
  // Cards stay while their thread waits, so a half-typed answer survives polling.
  const cards = new Map();
  root.append(h("h1", {}, "Waiting on a human"), problem, created, list, pages);

  const refresh = async () => {
    let threads;
    try {
      threads = await post(
        "/threads/search",
        { status: "interrupted", limit: LIMIT + 1, offset, sort_by: "updated_at", sort_order: "desc" },
        { signal },
      );
    } catch (error) {
      if (error.name !== "AbortError") replace(problem, errorBox(error));
      return;
    }
    replace(problem);
    const shown = threads.slice(0, LIMIT);
    const keep = new Set(shown.map((t) => `${t.thread_id}@${t.updated_at}`));
    for (const key of cards.keys()) if (!keep.has(key)) cards.delete(key);
    const nodes = shown.map((t) => {
      const key = `${t.thread_id}@${t.updated_at}`;
      if (!cards.has(key)) cards.set(key, card(t, created, signal));
      return cards.get(key);
    });
    replace(list, nodes.length ? nodes : h("p", { class: "muted" }, "No thread is waiting."));
    const go = (to) => () => {
      offset = Math.max(0, to);
      setQuery({ offset: offset || null });
      refresh();
    };
    replace(
      pages,
      h("button", { disabled: offset === 0, onclick: go(offset - LIMIT) }, "← Previous"),
      h("span", { class: "muted" }, shown.length ? `${offset + 1}–${offset + shown.length}` : ""),
      h("button", { disabled: threads.length <= LIMIT, onclick: go(offset + LIMIT) }, "Next →"),
    );
  };
  await every(2000, refresh, signal);
}

function card(thread, created, signal) {
  const id = thread.thread_id;
  const waits = Object.values(thread.interrupts ?? {}).flat();
  const value = h("textarea", { class: "json", name: "resume", rows: 3, spellcheck: false, placeholder: '"Alice" or {"approved": false}' });
  const fieldError = h("div", { class: "error-text field-error", role: "alert" });

  const resume = async (resumeValue) => {
    const assistant = await assistantOf(thread, signal);
    const run = await post(`/threads/${enc(id)}/runs`, { assistant_id: assistant, command: { resume: resumeValue } }, { signal });
    created.prepend(
      h(
        "div",
        { class: "created-run" },
        "Resumed thread ",
        link(`/threads/${id}`, h("code", {}, id)),
        " with run ",
        link(`/threads/${id}/runs/${run.run_id}`, h("code", {}, run.run_id)),
      ),
    );
  };

  return h(
    "article",
    { class: "card interrupt", dataset: { thread: id } },
    h(
      "div",
      { class: "row" },
      link(`/threads/${id}`, h("code", {}, id)),
      badge(thread.status),
      h("span", { class: "muted" }, thread.metadata?.graph_id ?? ""),
      h("span", { class: "muted" }, "since ", time(thread.updated_at)),
    ),
    h("h3", {}, "Waiting for"),
    waits.length
      ? waits.map((i) => h("div", { class: "waits-for" }, typeof i.value === "string" ? h("p", {}, i.value) : tree(i.value, { open: 2 })))
      : h("p", { class: "muted" }, "(no interrupt value)"),
    h(
      "div",
      { class: "resume-form" },
      h("label", {}, "Resume with a JSON value", value),
      fieldError,
      action("Resume", async () => {
        let parsed;
        try {
          parsed = typedJson(value.value, "The value");
        } catch (error) {
          fieldError.textContent = error.message;
          return;
        }
        fieldError.textContent = "";
        await resume(parsed);
      }, { class: "resume" }),
      action("Approve", () => resume(true), { class: "primary approve" }),
    ),
  );
}

async function assistantOf(thread, signal) {
  if (thread.metadata?.graph_id) return thread.metadata.graph_id;
  const runs = await get(`/threads/${enc(thread.thread_id)}/runs?limit=1`, { signal });
  if (!runs.length) throw new Error("No graph to resume: the thread has no graph_id and no run.");
  return runs[0].assistant_id;
}
