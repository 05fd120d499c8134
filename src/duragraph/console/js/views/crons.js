// Crons: every cron the user may see, paged by the server (the offset in the
// URL), refreshed every 3 s; each can be disabled, enabled or deleted.

import { patch, post, request } from "../api.js";
import { action, badge, every, h, link, replace, short, time } from "../dom.js";
import { setQuery } from "../router.js";
import { confirmAction } from "../widgets/confirm.js";

const LIMIT = 20;

export async function render(root, { query, signal }) {
  let offset = Number(query.get("offset") ?? 0) || 0;
  let asking = null; // the cron whose delete question is open: it stays open across refreshes
  let drawn = null;
  const problem = h("div");
  const total = h("span", { class: "muted total" });
  const list = h("div");
  root.append(h("h1", {}, "Crons ", total), problem, h("section", { class: "card" }, list));

  const refresh = async (force = false) => {
    try {
      const [rows, count] = await Promise.all([
        post("/runs/crons/search", { limit: LIMIT + 1, offset, sort_by: "created_at", sort_order: "desc" }, { signal }),
        post("/runs/crons/count", {}, { signal }),
      ]);
      replace(problem);
      // Redraw only on a change, so a refresh never moves what the user points at.
      const state = JSON.stringify([rows, count, offset]);
      if (!force && state === drawn) return;
      drawn = state;
      total.textContent = `(${count})`;
      replace(list, view(rows, count));
    } catch (error) {
      if (error.name === "AbortError" || signal.aborted) return;
      replace(problem, h("div", { class: "error", role: "alert" }, error.detail ?? error.message));
    }
  };

  const go = (to) => () => {
    offset = Math.max(0, to);
    setQuery({ offset: offset || null });
    refresh(true);
  };

  const view = (rows, count) => {
    const shown = rows.slice(0, LIMIT);
    return [
      shown.length ? cronTable(shown) : h("p", { class: "muted" }, "No cron yet."),
      h(
        "div",
        { class: "pages" },
        h("button", { disabled: offset === 0, onclick: go(offset - LIMIT) }, "← Previous"),
        h("span", { class: "muted" }, shown.length ? `${offset + 1}–${offset + shown.length} of ${count}` : ""),
        h("button", { disabled: rows.length <= LIMIT, onclick: go(offset + LIMIT) }, "Next →"),
      ),
    ];
  };

  const cronTable = (crons) =>
    h(
      "table",
      { class: "crons" },
      h(
        "thead",
        {},
        h("tr", {}, ["Cron", "Assistant", "Thread", "Schedule", "Next run", "Enabled", "Ends", "Updated", ""].map((t) => h("th", {}, t))),
      ),
      h("tbody", {}, crons.map(cronRow)),
    );

  const cronRow = (cron) =>
    h(
      "tr",
      { dataset: { cron: cron.cron_id } },
      h("td", {}, h("code", { title: cron.cron_id }, short(cron.cron_id))),
      h("td", {}, link(`/assistants/${cron.assistant_id}`, short(cron.assistant_id))),
      h("td", {}, cron.thread_id ? link(`/threads/${cron.thread_id}`, short(cron.thread_id)) : h("span", { class: "muted" }, "new each run")),
      h("td", {}, h("code", {}, cron.schedule), cron.timezone ? h("span", { class: "muted" }, ` ${cron.timezone}`) : null),
      h("td", {}, time(cron.next_run_date)),
      h("td", { class: "enabled" }, badge(cron.enabled ? "enabled" : "disabled")),
      h("td", {}, cron.end_time ? time(cron.end_time) : h("span", { class: "muted" }, "never")),
      h("td", {}, time(cron.updated_at)),
      h(
        "td",
        { class: "actions" },
        action(cron.enabled ? "Disable" : "Enable", async () => {
          await patch(`/runs/crons/${encodeURIComponent(cron.cron_id)}`, { enabled: !cron.enabled }, { signal });
          await refresh(true);
        }),
        confirmAction(
          "Delete",
          `Delete cron ${short(cron.cron_id)}?`,
          async () => {
            await request("DELETE", `/runs/crons/${encodeURIComponent(cron.cron_id)}`, undefined, { signal });
            asking = null;
            await refresh(true);
          },
          { asking: asking === cron.cron_id, onAsk: (open) => (asking = open ? cron.cron_id : null) },
        ),
      ),
    );

  await every(3000, () => refresh(), signal);
}
