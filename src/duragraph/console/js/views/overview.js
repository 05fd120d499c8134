// Overview: runs by status, the pending queue, live workers and their run
// slots, the runs going on now and the threads waiting on a human; refreshed
// every 2 s.

import { enc, get, post } from "../api.js";
import { badge, every, h, link, replace, section, short, time } from "../dom.js";
import { table } from "../widgets/pager.js";

export async function render(root, { signal }) {
  const figures = h("div", { class: "figures" });
  const waiting = h("div");
  const going = h("div");
  const problem = h("div");
  root.append(
    h("h1", {}, "Overview"),
    problem,
    figures,
    section("Going on now", going),
    section("Waiting on a human", waiting),
  );
  await every(2000, async () => {
    try {
      const [metrics, interrupted, active] = await Promise.all([
        get("/metrics?format=json", { signal }),
        post("/threads/search", { status: "interrupted", limit: 20, sort_by: "updated_at" }, { signal }),
        activeRuns(signal),
      ]);
      replace(problem);
      replace(figures, ...cards(metrics));
      replace(going, activeTable(active));
      replace(waiting, waitingTable(interrupted));
    } catch (error) {
      if (error.name === "AbortError") return;
      replace(problem, h("div", { class: "error", role: "alert" }, error.detail ?? error.message));
    }
  }, signal);
}

function cards({ runs, queue, workers }) {
  const runCounts = Object.entries(runs).map(([status, n]) =>
    h("div", { class: "figure", dataset: { status } }, h("strong", {}, String(n)), badge(status)),
  );
  return [
    section("Runs by status", h("div", { class: "row" }, runCounts)),
    section(
      "Queue",
      fact("pending", queue.n_pending),
      fact("running", queue.n_running),
      fact("longest wait", seconds(queue.pending_runs_wait_time_max_secs)),
      fact("median wait", seconds(queue.pending_runs_wait_time_med_secs)),
    ),
    section(
      "Workers",
      fact("alive", workers.alive),
      fact("run slots", workers.max),
      fact("in use", workers.active),
      fact("free", workers.available),
    ),
  ];
}

function fact(name, value) {
  return h("div", { class: "fact" }, h("span", { class: "muted" }, name), h("strong", { dataset: { fact: name } }, String(value ?? 0)));
}

function seconds(value) {
  return value ? `${Number(value).toFixed(1)} s` : "—";
}

// The runs of the busy threads (the most recently changed first) that are
// running or waiting for a slot.
async function activeRuns(signal) {
  const busy = await post("/threads/search", { status: "busy", limit: 10, sort_by: "updated_at" }, { signal });
  const runs = await Promise.all(
    busy.map((t) => get(`/threads/${enc(t.thread_id)}/runs?limit=5`, { signal }).catch(() => [])),
  );
  return runs.flat().filter((r) => r.status === "running" || r.status === "pending");
}

function activeTable(runs) {
  if (!runs.length) return h("p", { class: "muted" }, "No run is going on.");
  return table(
    [
      { title: "Run", cell: (r) => link(`/threads/${r.thread_id}/runs/${r.run_id}`, short(r.run_id)) },
      { title: "Status", cell: (r) => badge(r.status) },
      { title: "Thread", cell: (r) => link(`/threads/${r.thread_id}`, short(r.thread_id)) },
      { title: "Assistant", cell: (r) => short(r.assistant_id) },
      { title: "Created", cell: (r) => time(r.created_at) },
    ],
    runs,
    { class: "going" },
  );
}

function waitingTable(threads) {
  if (!threads.length) return h("p", { class: "muted" }, "No thread is waiting.");
  return table(
    [
      { title: "Thread", cell: (t) => link(`/threads/${t.thread_id}`, short(t.thread_id)) },
      { title: "Status", cell: (t) => badge(t.status) },
      { title: "Waiting for", cell: (t) => summary(t.interrupts) },
      { title: "Updated", cell: (t) => time(t.updated_at) },
    ],
    threads,
    { class: "waiting" },
  );
}

function summary(interrupts) {
  const values = Object.values(interrupts ?? {}).flat().map((i) => i.value);
  const text = values.map((v) => (typeof v === "string" ? v : JSON.stringify(v))).join("; ");
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}
