// Overview: runs by status, the pending queue, live workers and their run
// slots, and the threads waiting on a human; refreshed every 2 s.

import { get, post } from "../api.js";
import { badge, every, h, link, replace, section, short, time } from "../dom.js";
import { table } from "../widgets/pager.js";

export async function render(root, { signal }) {
  const figures = h("div", { class: "figures" });
  const waiting = h("div");
  const problem = h("div");
  root.append(h("h1", {}, "Overview"), problem, figures, section("Waiting on a human", waiting));
  await every(2000, async () => {
    try {
      const [metrics, interrupted] = await Promise.all([
        get("/metrics?format=json", { signal }),
        post("/threads/search", { status: "interrupted", limit: 20, sort_by: "updated_at" }, { signal }),
      ]);
      replace(problem);
      replace(figures, ...cards(metrics));
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
