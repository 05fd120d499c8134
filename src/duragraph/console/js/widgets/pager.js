// A list paged by the server: asks for one row more than it shows, to know
// whether there is a next page. The offset lives in the URL (`?offset=`).

import { h, replace } from "../dom.js";
import { setQuery } from "../router.js";

// fetchPage(offset, limit) -> rows; renderRows(rows) -> Node. `param`: the
// URL's name for this list's offset (two lists on one page need two).
export function pager({ fetchPage, renderRows, query, limit = 20, signal, empty = "Nothing here yet.", param = "offset" }) {
  const root = h("div", { class: "pager" });
  let offset = Number(query?.get(param) ?? 0) || 0;
  const load = async () => {
    let rows;
    try {
      rows = await fetchPage(offset, limit + 1);
    } catch (error) {
      if (error.name === "AbortError" || signal?.aborted) return;
      replace(root, h("div", { class: "error", role: "alert" }, error.detail ?? error.message));
      return;
    }
    if (signal?.aborted) return;
    const more = rows.length > limit;
    const shown = rows.slice(0, limit);
    const go = (to) => () => {
      offset = Math.max(0, to);
      setQuery({ [param]: offset || null });
      load();
    };
    replace(
      root,
      shown.length ? renderRows(shown) : h("p", { class: "muted" }, empty),
      h(
        "div",
        { class: "pages" },
        h("button", { disabled: offset === 0, onclick: go(offset - limit) }, "← Previous"),
        h("span", { class: "muted" }, shown.length ? `${offset + 1}–${offset + shown.length}` : ""),
        h("button", { disabled: !more, onclick: go(offset + limit) }, "Next →"),
      ),
    );
  };
  root.reload = load;
  load();
  return root;
}

// A table: columns [{title, cell(row) -> Node|string}].
export function table(columns, rows, attrs = {}) {
  return h(
    "table",
    attrs,
    h("thead", {}, h("tr", {}, columns.map((c) => h("th", {}, c.title)))),
    h("tbody", {}, rows.map((row) => h("tr", {}, columns.map((c) => h("td", {}, c.cell(row)))))),
  );
}
