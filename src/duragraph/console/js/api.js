// The console's only way to the server: the public API, with the user's
// credentials (kept for this tab only) on every request.

const KEY = "duragraph.credentials";

export class ApiError extends Error {
  constructor(status, detail) {
    super(`${status}: ${detail}`);
    this.status = status;
    this.detail = detail;
  }
}

// {scheme: "bearer" | "x-api-key", value} or null.
export function credentials() {
  const saved = sessionStorage.getItem(KEY);
  return saved ? JSON.parse(saved) : null;
}

export function setCredentials(creds) {
  if (creds) sessionStorage.setItem(KEY, JSON.stringify(creds));
  else sessionStorage.removeItem(KEY);
}

function headers(extra = {}) {
  const creds = credentials();
  const out = { ...extra };
  if (creds?.scheme === "x-api-key") out["x-api-key"] = creds.value;
  else if (creds) out.Authorization = `Bearer ${creds.value}`;
  return out;
}

async function failure(response) {
  let detail = response.statusText;
  try {
    const body = await response.json();
    detail = typeof body.detail === "string" ? body.detail : JSON.stringify(body.detail ?? body);
  } catch {
    // not JSON: keep the status text
  }
  const error = new ApiError(response.status, detail);
  if (response.status === 401) window.dispatchEvent(new CustomEvent("auth-required", { detail: error }));
  return error;
}

export async function request(method, path, body, { signal } = {}) {
  const init = { method, headers: headers(), signal };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (!response.ok) throw await failure(response);
  if (response.status === 204) return null;
  const text = await response.text();
  return text ? JSON.parse(text) : null;
}

export const get = (path, opts) => request("GET", path, undefined, opts);
export const post = (path, body, opts) => request("POST", path, body ?? {}, opts);
export const patch = (path, body, opts) => request("PATCH", path, body ?? {}, opts);
export const put = (path, body, opts) => request("PUT", path, body ?? {}, opts);
export const del = (path, opts) => request("DELETE", path, undefined, opts);

export const enc = encodeURIComponent;

// Server-sent events from `path` (a POST when `body` is given), as
// {event, data, id} with `data` parsed; ends when the server ends the stream.
export async function* events(path, { body, signal, lastEventId } = {}) {
  const extra = { Accept: "text/event-stream" };
  if (lastEventId) extra["Last-Event-ID"] = lastEventId;
  const init = { method: body === undefined ? "GET" : "POST", headers: headers(extra), signal };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(path, init);
  if (!response.ok) throw await failure(response);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const frame = parseFrame(buffer.slice(0, end));
      buffer = buffer.slice(end + 2);
      if (frame) yield frame;
    }
  }
}

function parseFrame(text) {
  const frame = { event: "message", data: "", id: null };
  const data = [];
  for (const line of text.split("\n")) {
    if (line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon < 0 ? line : line.slice(0, colon);
    const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") frame.event = value;
    else if (field === "data") data.push(value);
    else if (field === "id") frame.id = value;
  }
  if (!data.length) return null;
  const raw = data.join("\n");
  try {
    frame.data = JSON.parse(raw);
  } catch {
    frame.data = raw;
  }
  return frame;
}
