// A thread's checkpoints, newest first ("Older" pages on with `before`), each
// with "Run from here" and "Fork" (edit its values into a new checkpoint on a
// new branch, then run from it).

import { enc, get, post } from "../api.js";
import { action, badge, errorBox, h, link, replace, short, time, typedJson } from "../dom.js";
import { tree } from "./tree.js";

const PAGE = 10;

export function history(thread, { signal }) {
  const id = thread.thread_id;
  const base = `/threads/${enc(id)}`;
  const created = h("div", { class: "created-run", role: "status" });
  const list = h("div", { class: "checkpoints" });
  const problem = h("div");
  let last = null;

  const load = async (before) => {
    const body = { limit: PAGE };
    if (before) body.before = before;
    const states = await post(`${base}/history`, body, { signal });
    list.append(...states.map(checkpoint));
    if (states.length) last = states[states.length - 1].checkpoint?.checkpoint_id;
    older.hidden = states.length < PAGE;
    if (!list.children.length) list.append(h("p", { class: "muted" }, "No checkpoints yet."));
  };
  const refresh = async () => {
    replace(list);
    replace(problem);
    last = null;
    try {
      await load(null);
    } catch (error) {
      if (error.name !== "AbortError") replace(problem, errorBox(error));
    }
  };
  const older = action("Older", () => load(last), { class: "older" });

  const assistant = async () => {
    if (thread.metadata?.graph_id) return thread.metadata.graph_id;
    const runs = await get(`${base}/runs?limit=1`, { signal });
    if (!runs.length) throw new Error("No graph to run: the thread has no graph_id and no run yet.");
    return runs[0].assistant_id;
  };
  const runFrom = async (checkpointId) => {
    const run = await post(`${base}/runs`, { assistant_id: await assistant(), input: null, checkpoint_id: checkpointId }, { signal });
    const state = h("span", { class: "muted run-state" }, " running…");
    replace(
      created,
      h("span", {}, "Created run ", link(`/threads/${id}/runs/${run.run_id}`, h("code", {}, run.run_id)), ` from checkpoint ${short(checkpointId)}`),
      state,
    );
    await refresh();
    // The new checkpoints exist once the run is over: show them then.
    await get(`${base}/runs/${enc(run.run_id)}/join`, { signal });
    const done = await get(`${base}/runs/${enc(run.run_id)}`, { signal });
    replace(state, " ", badge(done.status));
    await refresh();
  };

  function checkpoint(state) {
    const checkpointId = state.checkpoint?.checkpoint_id;
    const fork = forkForm(state, async (values, andRun) => {
      const saved = await post(`${base}/state`, { values, checkpoint_id: checkpointId }, { signal });
      const newId = saved.checkpoint?.checkpoint_id ?? saved.checkpoint_id;
      if (andRun) return runFrom(newId);
      replace(created, `Forked into checkpoint ${newId}`);
      await refresh();
    });
    return h(
      "article",
      { class: "card checkpoint", dataset: { checkpoint: checkpointId, step: String(state.metadata?.step ?? "") } },
      h(
        "div",
        { class: "row" },
        h("strong", {}, `step ${state.metadata?.step ?? "?"}`),
        h("span", {}, "next: ", h("code", {}, (state.next ?? []).join(", ") || "—")),
        time(state.created_at),
        h("code", { class: "muted", title: checkpointId }, checkpointId),
        h("span", { class: "spacer" }),
        action("Run from here", () => runFrom(checkpointId), { class: "run-here" }),
        h("button", { class: "fork-open", onclick: () => (fork.hidden = !fork.hidden) }, "Fork"),
      ),
      tree(state.values, { open: 0, label: "values" }),
      fork,
    );
  }

  const root = h("div", { class: "history" }, created, problem, list, older);
  root.ready = refresh();
  return root;
}

// The fork form: the checkpoint's values as JSON to edit; a parse error is
// shown under the field and nothing is sent.
function forkForm(state, submit) {
  const values = h("textarea", { class: "json", name: "values", rows: 10, spellcheck: false });
  values.value = JSON.stringify(state.values ?? {}, null, 2);
  const andRun = h("input", { type: "checkbox", name: "run", checked: true });
  const problem = h("div", { class: "error-text field-error", role: "alert" });
  const button = action("Fork", async () => {
    let parsed;
    try {
      parsed = typedJson(values.value, "The values");
    } catch (error) {
      problem.textContent = error.message;
      return;
    }
    problem.textContent = "";
    await submit(parsed, andRun.checked);
  }, { class: "primary fork-submit" });
  return h(
    "div",
    { class: "fork", hidden: true },
    h("label", {}, "Values of the new checkpoint", values),
    problem,
    h("div", { class: "row" }, h("label", {}, andRun, " then run from the new checkpoint"), button),
  );
}
