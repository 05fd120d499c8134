// Building the page from data without ever parsing data as HTML: strings
// become text nodes, so nothing a graph or a user stored can run here.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on")) el.addEventListener(key.slice(2).toLowerCase(), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key in el && typeof value !== "string") el[key] = value;
    else el.setAttribute(key, value === true ? "" : value);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

export function time(iso) {
  if (!iso) return "";
  const at = new Date(iso);
  return h("time", { datetime: iso, title: iso }, at.toLocaleString());
}

export function badge(status) {
  return h("span", { class: `badge status-${status}` }, status ?? "—");
}

export function pretty(value) {
  return JSON.stringify(value, null, 2);
}

// An id's last 8 characters: ours are UUIDv7, whose first ones are the time
// (ids made in the same minute share them); the last ones are random.
export function short(id) {
  return id ? id.slice(-8) : "";
}

// A link inside the console: the router takes the click (no page load).
export function link(path, ...children) {
  return h("a", { href: `/console${path}` }, ...children);
}

export function errorBox(error) {
  return h("div", { class: "error", role: "alert" }, error?.detail ?? error?.message ?? String(error));
}

// A button that shows the failure of its action next to it.
export function action(label, run, attrs = {}) {
  const note = h("span", { class: "note" });
  const button = h("button", {
    ...attrs,
    onclick: async () => {
      button.disabled = true;
      note.textContent = "";
      try {
        await run();
      } catch (error) {
        note.textContent = error.detail ?? error.message;
        note.className = "note error-text";
      } finally {
        button.disabled = false;
      }
    },
  }, label);
  return h("span", { class: "action" }, button, note);
}

// Calls `fn` now and every `ms` until `signal` aborts. `fn` shows its own
// errors; the polling goes on after them.
export function every(ms, fn, signal) {
  let timer;
  const tick = async () => {
    if (signal.aborted) return;
    try {
      await fn();
    } catch (error) {
      if (error.name !== "AbortError") throw error;
    } finally {
      if (!signal.aborted) timer = setTimeout(tick, ms);
    }
  };
  signal.addEventListener("abort", () => clearTimeout(timer));
  return tick();
}

// The JSON typed in a field, or an Error naming `what` for the page to show
// (nothing is sent). `object`: only a JSON object will do.
export function typedJson(text, what, { object = false } = {}) {
  let value;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${what} is not JSON: ${error.message}`);
  }
  if (object && (value === null || typeof value !== "object" || Array.isArray(value))) {
    throw new Error(`${what} must be a JSON object`);
  }
  return value;
}

export function section(title, ...children) {
  return h("section", { class: "card" }, h("h2", {}, title), ...children);
}
