// Store: the namespaces under a prefix (a breadcrumb up, a list down), the
// items under it (semantic search and a JSON filter), putting and deleting
// items. The prefix and the search live in the URL: ?ns=a/b&q=...&filter=...

import { post, put, request } from "../api.js";
import { errorBox, h, link, replace, section, time, typedJson } from "../dom.js";
import { setQuery } from "../router.js";
import { confirmAction } from "../widgets/confirm.js";
import { pager } from "../widgets/pager.js";
import { tree } from "../widgets/tree.js";

const parts = (text) =>
  (text ?? "")
    .split("/")
    .map((part) => part.trim())
    .filter(Boolean);
const joined = (namespace) => namespace.join("/");

function nsLink(namespace, ...children) {
  const path = namespace.length ? `/store?ns=${encodeURIComponent(joined(namespace))}` : "/store";
  return link(path, ...children);
}

export async function render(root, { query, signal }) {
  const prefix = parts(query.get("ns"));
  const search = { q: query.get("q") ?? "", filter: query.get("filter") ?? "" };

  const namespaces = pager({
    param: "nsoffset",
    limit: 50,
    query,
    signal,
    empty: "No namespace below this one.",
    fetchPage: async (offset, limit) => {
      const found = await post(
        "/store/namespaces",
        { prefix, max_depth: prefix.length + 1, limit, offset },
        { signal },
      );
      return found.namespaces;
    },
    renderRows: (rows) => namespaceList(prefix, rows),
  });

  const itemsBox = h("div");
  let items = null;
  // `fresh`: a new search, from its first page (else the page in the URL).
  const loadItems = (fresh) => {
    let filter;
    try {
      filter = search.filter.trim() ? typedJson(search.filter, "The filter") : undefined;
    } catch (error) {
      replace(itemsBox, errorBox(error));
      return;
    }
    const reload = () => {
      items?.reload();
      namespaces.reload();
    };
    items = pager({
      query: fresh ? null : query,
      signal,
      empty: search.q || filter ? "No item matches." : "No item under this namespace.",
      fetchPage: async (from, limit) => {
        const body = { namespace_prefix: prefix, limit, offset: from, query: search.q || undefined, filter };
        return (await post("/store/items/search", body, { signal })).items;
      },
      renderRows: (rows) => itemTable(rows, Boolean(search.q), reload, signal),
    });
    replace(itemsBox, items);
  };

  const searchForm = searchBox(search, () => {
    setQuery({ q: search.q, filter: search.filter, offset: null });
    loadItems(true);
  });

  root.append(
    h("h1", {}, "Store"),
    breadcrumb(prefix),
    section(prefix.length ? `Namespaces under ${joined(prefix)}` : "Namespaces", namespaces),
    section(prefix.length ? `Items under ${joined(prefix)}` : "Items", searchForm, itemsBox),
    putForm(prefix, () => {
      items?.reload();
      namespaces.reload();
    }, signal),
  );
  loadItems(false);
}

function breadcrumb(prefix) {
  const crumbs = [prefix.length ? nsLink([], "All namespaces") : h("span", {}, "All namespaces")];
  prefix.forEach((part, i) => {
    crumbs.push(h("span", { class: "sep" }, "/"));
    crumbs.push(i === prefix.length - 1 ? h("strong", {}, part) : nsLink(prefix.slice(0, i + 1), part));
  });
  return h("nav", { class: "breadcrumb", "aria-label": "Namespace" }, crumbs);
}

function namespaceList(prefix, rows) {
  const below = rows.filter((namespace) => joined(namespace) !== joined(prefix));
  if (!below.length) return h("p", { class: "muted" }, "No namespace below this one.");
  return h(
    "ul",
    { class: "namespaces" },
    below.map((namespace) =>
      h("li", {}, nsLink(namespace, h("span", { class: "muted" }, joined(prefix) ? `${joined(prefix)}/` : ""), namespace.slice(prefix.length).join("/"))),
    ),
  );
}

function searchBox(search, submit) {
  const q = h("input", {
    name: "q",
    type: "search",
    value: search.q,
    placeholder: "Semantic search (needs a store index)",
    size: 40,
  });
  const filter = h("input", { name: "filter", value: search.filter, placeholder: 'Filter, JSON: {"kind": "fruit"}', size: 30 });
  return h(
    "form",
    {
      class: "inline",
      role: "search",
      onsubmit: (event) => {
        event.preventDefault();
        search.q = q.value.trim();
        search.filter = filter.value.trim();
        submit();
      },
    },
    q,
    filter,
    h("button", { type: "submit", class: "primary" }, "Search"),
  );
}

function itemTable(rows, scored, reload, signal) {
  const head = ["Key", "Namespace", "Updated", ...(scored ? ["Score"] : []), "Value", ""];
  return h(
    "table",
    { class: "items" },
    h("thead", {}, h("tr", {}, head.map((title) => h("th", {}, title)))),
    h(
      "tbody",
      {},
      rows.map((item) =>
        h(
          "tr",
          { dataset: { key: item.key, namespace: joined(item.namespace) } },
          h("td", {}, h("code", {}, item.key)),
          h("td", {}, nsLink(item.namespace, joined(item.namespace))),
          h("td", {}, time(item.updated_at)),
          scored ? h("td", { class: "score" }, item.score == null ? "—" : Number(item.score).toFixed(3)) : null,
          h("td", { class: "value" }, tree(item.value, { open: 1 })),
          h(
            "td",
            {},
            confirmAction("Delete", `Delete ${item.key}?`, async () => {
              await request("DELETE", "/store/items", { namespace: item.namespace, key: item.key }, { signal });
              reload();
            }),
          ),
        ),
      ),
    ),
  );
}

function putForm(prefix, saved, signal) {
  const namespace = h("input", { name: "namespace", value: joined(prefix), placeholder: "a/b", size: 24, required: true });
  const key = h("input", { name: "key", placeholder: "key", size: 20, required: true });
  const value = h("textarea", { name: "value", class: "json", rows: 4 }, '{\n  "text": ""\n}');
  const note = h("p", { class: "note", role: "status" });
  const form = h(
    "form",
    {
      class: "put-item",
      onsubmit: async (event) => {
        event.preventDefault();
        note.className = "note";
        note.textContent = "";
        let parsed;
        try {
          parsed = typedJson(value.value, "The value", { object: true });
        } catch (error) {
          return fail(error.message);
        }
        const ns = parts(namespace.value);
        if (!ns.length) return fail("Give a namespace, its labels separated by /.");
        const button = form.querySelector("button");
        button.disabled = true;
        try {
          await put("/store/items", { namespace: ns, key: key.value, value: parsed }, { signal });
          note.textContent = `Saved ${joined(ns)} · ${key.value}`;
          saved();
        } catch (error) {
          if (error.name !== "AbortError") fail(error.detail ?? error.message);
        } finally {
          button.disabled = false;
        }
      },
    },
    h("div", { class: "row" }, h("label", {}, "Namespace ", namespace), h("label", {}, "Key ", key)),
    h("label", {}, "Value (JSON object) ", value),
    h("button", { type: "submit", class: "primary" }, "Put item"),
    note,
  );
  const fail = (text) => {
    note.className = "note error-text";
    note.textContent = text;
  };
  return section("Put an item", form);
}
