// The console's start: nothing is shown until the API lets this user in
// (with auth configured, a token or API key is asked for first).

import { ApiError, credentials, post, setCredentials } from "./api.js";
import { h, replace } from "./dom.js";
import { gate, listen, route, show, stop } from "./router.js";

route("/", () => import("./views/overview.js"));
route("/threads", () => import("./views/threads.js"));
route("/threads/:thread_id", () => import("./views/thread.js"));
route("/threads/:thread_id/runs/:run_id", () => import("./views/run.js"));
route("/interrupts", () => import("./views/interrupts.js"));
route("/assistants", () => import("./views/assistants.js"));
route("/assistants/:assistant_id", () => import("./views/assistant.js"));
route("/store", () => import("./views/store.js"));
route("/crons", () => import("./views/crons.js"));

const nav = () => document.getElementById("nav");
let signedIn = false;
gate(() => signedIn);
const signOut = () => document.getElementById("sign-out");

async function admitted() {
  try {
    await post("/threads/search", { limit: 1 });
    return null;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 401 || error.status === 403)) return error;
    throw error;
  }
}

async function start() {
  const refusal = await admitted();
  if (refusal) return signIn(refusal);
  signedIn = true;
  nav().hidden = false;
  signOut().hidden = !credentials();
  await show();
}

// start(), its failure (the server out of reach) shown in the page.
function begin() {
  start().catch((error) => replace(document.getElementById("view"), h("div", { class: "error", role: "alert" }, error.message)));
}

function signIn(refusal) {
  signedIn = false;
  stop();
  nav().hidden = true;
  signOut().hidden = true;
  const tried = credentials();
  const value = h("input", { name: "credential", type: "password", autocomplete: "off", required: true });
  const scheme = h(
    "select",
    { name: "scheme" },
    h("option", { value: "bearer" }, "Authorization: Bearer"),
    h("option", { value: "x-api-key" }, "x-api-key"),
  );
  if (tried) scheme.value = tried.scheme;
  const form = h(
    "form",
    {
      class: "card sign-in",
      onsubmit: (event) => {
        event.preventDefault();
        setCredentials({ scheme: scheme.value, value: value.value });
        begin();
      },
    },
    h("h2", {}, "Sign in"),
    h("p", {}, "This server asks for credentials. Give the token or API key you use with the SDK."),
    h("label", {}, "Sent as ", scheme),
    h("label", {}, "Token or API key ", value),
    tried ? h("p", { class: "error", role: "alert" }, `Refused: ${refusal.detail}`) : null,
    h("button", { type: "submit", class: "primary" }, "Sign in"),
  );
  replace(document.getElementById("view"), form);
  value.focus();
}

window.addEventListener("auth-required", (event) => {
  if (signedIn) signIn(event.detail);
});

document.addEventListener("DOMContentLoaded", () => {
  signOut().addEventListener("click", () => {
    setCredentials(null);
    signIn(null);
    begin();
  });
  listen();
  begin();
});
