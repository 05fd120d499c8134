// One thread: a header that follows its status (polled every 2 s) and tabs
// for its chat, state, runs, checkpoint history and event log.

import { enc, get } from "../api.js";
import { badge, errorBox, every, h, link, replace, time } from "../dom.js";
import { chat } from "../widgets/chat.js";
import { history } from "../widgets/history.js";
import { pager, table } from "../widgets/pager.js";
import { timeline } from "../widgets/timeline.js";
import { tree } from "../widgets/tree.js";

const TABS = ["chat", "state", "runs", "history", "events"];

export async function render(root, { params, query, signal }) {
  const id = params.thread_id;
  const base = `/threads/${enc(id)}`;
  const tab = TABS.includes(query.get("tab")) ? query.get("tab") : "chat";
  const header = h("section", { class: "card thread-header" });
  const problem = h("div");
  const body = h("div", { class: "tab-body", dataset: { tab } });
  root.append(
    h("h1", {}, "Thread ", h("code", {}, id)),
    problem,
    header,
    h("nav", { class: "tabs" }, TABS.map((name) => tabLink(id, name, name === tab))),
    body,
  );

  let seen = null;
  let first = true;
  await every(2000, async () => {
    let thread;
    try {
      thread = await get(base, { signal });
    } catch (error) {
      if (error.name !== "AbortError") replace(problem, errorBox(error));
      return;
    }
    replace(problem);
    replace(header, ...headerFacts(thread));
    // Tabs drawn from the current state follow it; the others load once.
    const changed = seen !== thread.updated_at;
    seen = thread.updated_at;
    if (first || (changed && (tab === "chat" || tab === "state"))) {
      await showTab(body, tab, thread, { base, query, signal });
    }
    first = false;
  }, signal);
}

function tabLink(id, name, current) {
  const a = link(`/threads/${id}?tab=${name}`, name);
  a.dataset.tab = name;
  if (current) a.classList.add("current");
  return a;
}

function headerFacts(thread) {
  return [
    h(
      "div",
      { class: "row" },
      h("span", { class: "thread-status" }, badge(thread.status)),
      h("span", { class: "muted" }, "graph ", h("strong", {}, thread.metadata?.graph_id ?? "—")),
      h("span", { class: "muted" }, "created ", time(thread.created_at)),
      h("span", { class: "muted" }, "updated ", time(thread.updated_at)),
    ),
    tree(thread.metadata ?? {}, { open: 0, label: "metadata" }),
  ];
}

async function showTab(body, tab, thread, { base, query, signal }) {
  if (tab === "chat") return replace(body, chat(thread.values?.messages));
  if (tab === "state") return stateTab(body, base, signal);
  if (tab === "runs") return replace(body, runsTab(thread, base, query, signal));
  if (tab === "history") return replace(body, history(thread, { signal }));
  if (tab === "events") return replace(body, timeline(`${base}/events`, { signal }));
}

async function stateTab(body, base, signal) {
  let state;
  try {
    state = await get(`${base}/state`, { signal });
  } catch (error) {
    if (error.name !== "AbortError") replace(body, errorBox(error));
    return;
  }
  const interrupts = (state.tasks ?? []).flatMap((t) => t.interrupts ?? []);
  replace(
    body,
    h("section", { class: "card" }, h("h2", {}, "Values"), tree(state.values, { open: 3 })),
    h(
      "section",
      { class: "card" },
      h("h2", {}, "Next"),
      h("p", { class: "next" }, (state.next ?? []).length ? h("code", {}, state.next.join(", ")) : h("span", { class: "muted" }, "nothing: the graph is done")),
      h("p", { class: "muted" }, "checkpoint ", h("code", {}, state.checkpoint?.checkpoint_id ?? "—"), " · ", time(state.created_at)),
    ),
    h("section", { class: "card" }, h("h2", {}, "Tasks"), (state.tasks ?? []).length ? tree(state.tasks, { open: 1 }) : h("p", { class: "muted" }, "No pending task.")),
    h("section", { class: "card" }, h("h2", {}, "Interrupts"), interrupts.length ? tree(interrupts, { open: 2 }) : h("p", { class: "muted" }, "No interrupt.")),
  );
}

function runsTab(thread, base, query, signal) {
  return pager({
    query,
    signal,
    empty: "No run on this thread yet.",
    fetchPage: (offset, limit) => get(`${base}/runs?limit=${limit}&offset=${offset}`, { signal }),
    renderRows: (runs) =>
      table(
        [
          { title: "Run", cell: (r) => link(`/threads/${thread.thread_id}/runs/${r.run_id}`, h("code", {}, r.run_id)) },
          { title: "Status", cell: (r) => badge(r.status) },
          { title: "Assistant", cell: (r) => h("code", {}, r.assistant_id) },
          { title: "Created", cell: (r) => time(r.created_at) },
          { title: "Updated", cell: (r) => time(r.updated_at) },
        ],
        runs,
        { class: "runs" },
      ),
  });
}
