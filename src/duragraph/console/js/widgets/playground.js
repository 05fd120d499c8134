// An assistant's playground: a form from its input schema, or a chat box
// when its state has `messages`; Run streams a run on a thread (a new one,
// or for a chat the same one again), lighting the graph as nodes finish.

import { enc, events, post } from "../api.js";
import { errorBox, h, link, replace, section, short } from "../dom.js";
import { frameLog } from "./frames.js";
import { graphView } from "./graph.js";
import { bubble, message as chatMessage, roleOf, textOf } from "./chat.js";
import { schemaForm } from "./schema_form.js";
import { tree } from "./tree.js";

const STREAM_MODE = ["values", "updates", "messages-tuple"];

export function playground({ assistant, schemas, drawing, signal }) {
  const chat = Boolean(schemas?.state_schema?.properties?.messages);
  const graph = graphView(drawing);
  const logBox = h("div");
  const result = h("div", { class: "result" });
  const note = h("span", { class: "note" });
  const runButton = h("button", { type: "submit", class: "primary" }, chat ? "Send" : "Run");
  let threadId = null;
  let busy = false;

  const convo = h("div", { class: "chat", "aria-label": "conversation" });
  const message = h("textarea", { name: "message", placeholder: "Write a message…", rows: 2 });
  const form = chat ? null : schemaForm(schemas?.input_schema);
  const inputs = chat
    ? h("div", {}, convo, message)
    : h("div", {}, form.element);

  const start = async () => {
    const input = chat ? { messages: [{ role: "human", content: message.value }] } : form.value();
    if (chat && !message.value.trim()) throw new Error("Write a message first.");
    if (!chat || !threadId) {
      const thread = await post(
        "/threads",
        { metadata: { created_from: "console playground", assistant_id: assistant.assistant_id, graph_id: assistant.graph_id } },
        { signal },
      );
      threadId = thread.thread_id;
      if (chat) replace(convo);
    }
    if (chat) {
      convo.append(bubble("human", message.value).element);
      message.value = "";
    }
    await stream(input);
  };

  const stream = async (input) => {
    const log = frameLog();
    replace(logBox, log.element);
    replace(result, h("p", { class: "muted" }, "Running…"));
    const done = new Set();
    graph.highlight([], "done");
    graph.highlight([], "active");
    const bubbles = new Map();
    let runId = null;
    let values = null;
    let failure = null;
    const links = () =>
      h(
        "p",
        { class: "row links" },
        link(`/threads/${threadId}`, "Thread ", short(threadId)),
        runId ? link(`/threads/${threadId}/runs/${runId}`, "Run ", short(runId)) : null,
      );
    const body = { assistant_id: assistant.assistant_id, input, stream_mode: STREAM_MODE };
    for await (const frame of events(`/threads/${enc(threadId)}/runs/stream`, { body, signal })) {
      log.add(frame);
      const { event, data } = frame;
      if (event === "metadata" && data?.run_id) {
        runId = data.run_id;
        replace(result, h("p", { class: "muted" }, "Running…"), links());
      } else if (event.startsWith("messages") && Array.isArray(data)) {
        const [chunk, meta] = data;
        if (meta?.langgraph_node) graph.highlight([meta.langgraph_node], "active");
        if (chat && chunk && roleOf(chunk) === "ai") {
          const key = chunk.id ?? "reply";
          if (!bubbles.has(key)) {
            const reply = bubble("ai");
            bubbles.set(key, reply);
            convo.append(reply.element);
          }
          const text = textOf(chunk.content);
          if (String(chunk.type).endsWith("Chunk")) bubbles.get(key).append(text);
          else bubbles.get(key).text(text);
        }
      } else if (event === "updates" && data && typeof data === "object") {
        for (const node of Object.keys(data)) if (!node.startsWith("__")) done.add(node);
        graph.highlight([...done], "done");
        graph.highlight([], "active");
      } else if (event === "values") {
        values = data;
      } else if (event === "error") {
        failure = data;
      }
    }
    graph.highlight([], "active");
    if (chat && Array.isArray(values?.messages)) replace(convo, values.messages.map(chatMessage));
    replace(
      result,
      failure
        ? h("div", { class: "error run-error", role: "alert" }, [failure.error, failure.message].filter(Boolean).join(": ") || JSON.stringify(failure))
        : null,
      h("h3", {}, "Final values"),
      values ? tree(values, { open: chat ? 2 : 3 }) : h("p", { class: "muted" }, "The stream sent no values."),
      links(),
    );
  };

  const submit = async (event) => {
    event.preventDefault();
    if (busy) return;
    busy = true;
    runButton.disabled = true;
    note.textContent = "";
    try {
      await start();
    } catch (error) {
      if (error.name === "AbortError" || signal.aborted) return;
      note.textContent = error.detail ?? error.message;
      note.className = "note error-text";
      replace(result, errorBox(error));
    } finally {
      busy = false;
      runButton.disabled = false;
    }
  };

  if (chat) {
    message.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        form_.requestSubmit();
      }
    });
  }
  const form_ = h(
    "form",
    { class: "playground-form", onsubmit: submit },
    inputs,
    h("div", { class: "toolbar" }, runButton, note, chat ? h("span", { class: "muted" }, "A new message continues the same thread.") : null),
  );
  return h(
    "div",
    { class: "playground" },
    h(
      "div",
      { class: "split" },
      section(chat ? "Chat" : "Input", form_, result),
      h("div", {}, section("Graph", graph.element), section("Stream", logBox)),
    ),
  );
}
