// One run: its header, its assistant's graph with the running node lit, its
// stream followed live while it runs (and a Cancel), then its input, output,
// error and audit events.

import { enc, events, get, post } from "../api.js";
import { action, badge, errorBox, every, h, link, replace, section, short, time } from "../dom.js";
import { frameLog } from "../widgets/frames.js";
import { graphView } from "../widgets/graph.js";
import { eventItem } from "../widgets/timeline.js";
import { tree } from "../widgets/tree.js";

const LIVE = new Set(["pending", "running"]);

export async function render(root, { params, signal }) {
  const tid = params.thread_id;
  const rid = params.run_id;
  const base = `/threads/${enc(tid)}/runs/${enc(rid)}`;
  let run = await get(base, { signal });
  let assistant = null;
  let graph = null;
  let ranEvents = null;
  const head = h("div");
  const problem = h("div");
  const graphBox = h("div", {}, h("p", { class: "muted" }, "Drawing the graph…"));
  const log = frameLog();
  const streamNote = h("p", { class: "muted" });
  const streamCard = section("Stream", streamNote, log.element);
  const finished = h("div", { class: "finished" });
  root.append(
    h("p", {}, link(`/threads/${tid}`, "← Thread ", short(tid))),
    h("h1", {}, "Run ", h("code", {}, rid)),
    problem,
    head,
    LIVE.has(run.status) ? h("div", { class: "split" }, section("Graph", graphBox), streamCard) : section("Graph", graphBox),
    finished,
  );

  const live = new AbortController();
  signal.addEventListener("abort", () => live.abort());
  const shown = (error) => {
    if (error.name === "AbortError" || signal.aborted) return;
    replace(problem, errorBox(error));
  };

  let ended = false;
  const poll = async () => {
    try {
      const [now, state] = await Promise.all([
        get(base, { signal: live.signal }),
        get(`/threads/${enc(tid)}/state`, { signal: live.signal }),
      ]);
      replace(problem);
      run = now;
      drawHead();
      if (LIVE.has(run.status)) {
        graph?.highlight(state.next, "active");
      } else if (!ended) {
        ended = true;
        live.abort();
        graph?.highlight([], "active");
        await showFinished();
      }
    } catch (error) {
      shown(error);
    }
  };

  const drawHead = () => {
    const running = LIVE.has(run.status);
    replace(
      head,
      h(
        "section",
        { class: "card run-head" },
        h(
          "div",
          { class: "facts" },
          fact("Run", h("code", {}, run.run_id)),
          fact("Status", h("span", { class: "run-status", dataset: { status: run.status } }, badge(run.status))),
          fact(
            "Assistant",
            link(`/assistants/${run.assistant_id}`, assistant?.name ?? short(run.assistant_id)),
            assistant ? h("span", { class: "muted" }, ` ${assistant.graph_id}`) : null,
          ),
          fact("Created", time(run.created_at)),
          fact("Updated", time(run.updated_at)),
          fact("Multitask strategy", run.multitask_strategy ?? "—"),
          fact("Thread", link(`/threads/${tid}`, short(tid))),
        ),
        running
          ? h(
              "div",
              { class: "toolbar" },
              action(
                "Cancel",
                async () => {
                  await post(`${base}/cancel`, {}, { signal });
                  await poll();
                },
                { class: "danger" },
              ),
            )
          : null,
      ),
    );
  };

  const showFinished = async () => {
    const parts = [];
    try {
      const [latest, runEvents] = await Promise.all([
        get(`/threads/${enc(tid)}/runs?limit=1`, { signal }),
        get(`${base}/events`, { signal }),
      ]);
      parts.push(section("Input", input(run)));
      if (run.status === "error") parts.push(section("Error", errorOf(runEvents)));
      if (latest[0]?.run_id === rid) {
        const state = await get(`/threads/${enc(tid)}/state`, { signal });
        parts.push(section("Output", h("p", { class: "muted" }, "The thread's values after this run:"), tree(state.values, { open: 3 })));
      } else {
        parts.push(
          section(
            "Output",
            h("p", { class: "muted" }, "A later run has changed this thread since; its values now are in the ", link(`/threads/${tid}`, "thread"), "."),
          ),
        );
      }
      parts.push(section(`Events (${runEvents.length})`, timeline(runEvents)));
      graph?.highlight(ranNodes(runEvents), "done");
      ranEvents = runEvents;
      replace(finished, h("div", { class: "output" }, parts));
    } catch (error) {
      if (error.name === "AbortError" || signal.aborted) return;
      replace(finished, errorBox(error));
    }
  };

  drawHead();
  get(`/assistants/${enc(run.assistant_id)}`, { signal })
    .then((found) => {
      assistant = found;
      drawHead();
    })
    .catch(shown);
  get(`/assistants/${enc(run.assistant_id)}/graph`, { signal })
    .then((drawing) => {
      graph = graphView(drawing);
      replace(graphBox, graph.element);
      if (ranEvents) graph.highlight(ranNodes(ranEvents), "done");
      if (LIVE.has(run.status)) poll();
    })
    .catch((error) => {
      if (error.name === "AbortError" || signal.aborted) return;
      replace(graphBox, errorBox(error));
    });

  if (LIVE.has(run.status)) {
    follow();
    every(1000, poll, live.signal);
  } else {
    await showFinished();
  }

  async function follow() {
    streamNote.textContent = "Following the run's stream…";
    try {
      for await (const frame of events(`${base}/stream`, { signal })) log.add(frame);
      streamNote.textContent = `The stream ended (${log.count()} frames).`;
      poll();
    } catch (error) {
      if (error.name === "AbortError" || signal.aborted) return;
      replace(streamNote, errorBox(error));
    }
  }
}

// The graph's nodes whose steps completed, as the run's events tell.
function ranNodes(runEvents) {
  return runEvents.filter((e) => e.type === "run.step_completed").flatMap((e) => e.data?.nodes ?? []);
}

function fact(name, ...value) {
  return h("div", { class: "fact" }, h("span", { class: "muted" }, name), h("span", {}, ...value));
}

function input(run) {
  const kwargs = run.kwargs ?? {};
  return h(
    "div",
    {},
    kwargs.input !== undefined && kwargs.input !== null ? tree(kwargs.input, { open: 3 }) : h("p", { class: "muted" }, "No input."),
    kwargs.command ? [h("h3", {}, "Command"), tree(kwargs.command)] : null,
  );
}

function errorOf(runEvents) {
  const failed = [...runEvents].reverse().find((e) => e.type === "run.failed" || e.data?.error);
  if (!failed) return h("p", { class: "muted" }, "The run failed; its events name no error.");
  const { error, message } = failed.data ?? {};
  return h("div", { class: "error run-error", role: "alert" }, [error, message].filter(Boolean).join(": "));
}

function timeline(runEvents) {
  if (!runEvents.length) return h("p", { class: "muted" }, "No events.");
  return h("ol", { class: "timeline events" }, runEvents.map(eventItem));
}
