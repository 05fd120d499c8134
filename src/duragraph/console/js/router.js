// One URL per view: /console/<path>. A click on a console link changes the
// URL and the view without loading the page; back and forward work.

const routes = [];
let current = null;
let admitted = () => true;

// While `allowed()` is false (signed out), links and back/forward change only
// the URL: no view runs, and the one showing stops.
export function gate(allowed) {
  admitted = allowed;
}

export function stop() {
  current?.abort();
  current = null;
}

// `pattern` like "/threads/:thread_id"; `load` imports the view module,
// whose `render(root, ctx)` fills `root`. ctx: {params, query, signal}.
export function route(pattern, load) {
  const names = [];
  const regex = new RegExp(
    "^" + pattern.replace(/:(\w+)/g, (_, name) => (names.push(name), "([^/]+)")) + "/?$",
  );
  routes.push({ regex, names, load });
}

export function navigate(path, { replace = false } = {}) {
  const url = `/console${path}`;
  if (replace) history.replaceState(null, "", url);
  else history.pushState(null, "", url);
  return show();
}

// The view's query parameters changed (a filter, a page): same view, new URL.
export function setQuery(values) {
  const query = new URLSearchParams(location.search);
  for (const [key, value] of Object.entries(values)) {
    if (value === undefined || value === null || value === "") query.delete(key);
    else query.set(key, value);
  }
  const search = query.toString();
  history.replaceState(null, "", location.pathname + (search ? `?${search}` : ""));
}

export async function show() {
  const root = document.getElementById("view");
  current?.abort();
  if (!admitted()) return;
  const controller = new AbortController();
  current = controller;
  const path = location.pathname.replace(/^\/console/, "") || "/";
  for (const { regex, names, load } of routes) {
    const match = regex.exec(path);
    if (!match) continue;
    const params = Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1])]));
    const query = new URLSearchParams(location.search);
    const view = await load();
    if (controller.signal.aborted) return;
    root.replaceChildren();
    markNav(path);
    try {
      await view.render(root, { params, query, signal: controller.signal });
    } catch (error) {
      if (error.name === "AbortError" || controller.signal.aborted) return;
      const note = document.createElement("div");
      note.className = "error";
      note.setAttribute("role", "alert");
      note.textContent = error.detail ?? error.message;
      root.append(note);
    }
    return;
  }
  root.textContent = `No console view at ${path}`;
}

function markNav(path) {
  for (const a of document.querySelectorAll("#nav a")) {
    const target = a.getAttribute("href").replace(/^\/console/, "") || "/";
    const on = target === "/" ? path === "/" : path.startsWith(target);
    a.classList.toggle("current", on);
  }
}

export function listen() {
  window.addEventListener("popstate", show);
  document.addEventListener("click", (event) => {
    const a = event.target.closest("a");
    if (!a || a.target || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) return;
    const url = new URL(a.href, location.href);
    if (url.origin !== location.origin || !url.pathname.startsWith("/console")) return;
    event.preventDefault();
    history.pushState(null, "", url.pathname + url.search);
    show();
  });
}
