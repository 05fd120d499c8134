// One assistant, in tabs (?tab=): its graph drawn, its schemas, its
// versions (one can be made current), and a playground to run it.

import { enc, get, post } from "../api.js";
import { action, badge, errorBox, h, link, replace, section, time } from "../dom.js";
import { graphView } from "../widgets/graph.js";
import { pager, table } from "../widgets/pager.js";
import { playground } from "../widgets/playground.js";
import { tree } from "../widgets/tree.js";

const TABS = ["graph", "schemas", "versions", "playground"];

export async function render(root, { params, query, signal }) {
  const id = params.assistant_id;
  const path = `/assistants/${enc(id)}`;
  const tab = TABS.includes(query.get("tab")) ? query.get("tab") : "graph";
  let assistant = await get(path, { signal });
  const head = h("div");
  const drawHead = () =>
    replace(
      head,
      h(
        "section",
        { class: "card" },
        h(
          "div",
          { class: "facts" },
          fact("Assistant", h("code", {}, assistant.assistant_id)),
          fact("Graph", h("code", {}, assistant.graph_id)),
          fact("Version", h("strong", { class: "current-version" }, String(assistant.version))),
          fact("Created", time(assistant.created_at)),
          fact("Updated", time(assistant.updated_at)),
        ),
        assistant.description ? h("p", {}, assistant.description) : null,
      ),
    );
  drawHead();
  const body = h("div", { class: "tab-body" });
  root.append(
    h("p", {}, link("/assistants", "← Assistants")),
    h("h1", {}, assistant.name || assistant.assistant_id),
    head,
    h(
      "nav",
      { class: "tabs" },
      TABS.map((t) => {
        const a = link(`/assistants/${id}?tab=${t}`, t[0].toUpperCase() + t.slice(1));
        if (t === tab) a.classList.add("current");
        return a;
      }),
    ),
    body,
  );
  try {
    if (tab === "graph") {
      const drawing = await get(`${path}/graph`, { signal });
      body.append(section("Graph", graphView(drawing).element));
    } else if (tab === "schemas") {
      const schemas = await get(`${path}/schemas`, { signal });
      body.append(schemaCards(schemas));
    } else if (tab === "versions") {
      body.append(versions());
    } else {
      const [schemas, drawing] = await Promise.all([get(`${path}/schemas`, { signal }), get(`${path}/graph`, { signal })]);
      body.append(playground({ assistant, schemas, drawing, signal }));
    }
  } catch (error) {
    if (error.name === "AbortError" || signal.aborted) return;
    body.append(errorBox(error));
  }

  function versions() {
    const list = pager({
      query,
      signal,
      fetchPage: (offset, limit) => post(`${path}/versions`, { limit, offset }, { signal }),
      renderRows: (rows) =>
        table(
          [
            { title: "Version", cell: (v) => String(v.version) },
            { title: "Name", cell: (v) => v.name ?? "" },
            { title: "Created", cell: (v) => time(v.created_at) },
            { title: "Config", cell: (v) => tree(v.config ?? {}, { open: 0 }) },
            { title: "Metadata", cell: (v) => tree(v.metadata ?? {}, { open: 0 }) },
            {
              title: "",
              cell: (v) =>
                v.version === assistant.version
                  ? badge("current")
                  : action("Make current", async () => {
                      assistant = await post(`${path}/latest`, { version: v.version }, { signal });
                      drawHead();
                      await list.reload();
                    }),
            },
          ],
          rows,
          { class: "versions" },
        ),
    });
    return section("Versions", list);
  }
}

function fact(name, ...value) {
  return h("div", { class: "fact" }, h("span", { class: "muted" }, name), h("span", {}, ...value));
}

const SCHEMAS = [
  ["Input", "input_schema"],
  ["Output", "output_schema"],
  ["State", "state_schema"],
  ["Config", "config_schema"],
  ["Context", "context_schema"],
];

function schemaCards(schemas) {
  return h(
    "div",
    { class: "schemas" },
    SCHEMAS.map(([title, key]) => {
      const schema = schemas?.[key];
      const empty = !schema || (typeof schema === "object" && !Object.keys(schema).length);
      return h(
        "section",
        { class: "card schema", dataset: { schema: key } },
        h("h2", {}, title),
        empty ? h("p", { class: "muted" }, "None.") : tree(schema, { open: 3 }),
      );
    }),
  );
}
