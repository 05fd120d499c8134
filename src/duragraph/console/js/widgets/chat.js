// A thread's messages as a chat: the human on the right, the AI on the left,
// tools and system notes in the middle. Content is a string or a list of
// content blocks; tool calls are named with their arguments, briefly.

import { h } from "../dom.js";

export function chat(messages) {
  if (!Array.isArray(messages) || !messages.length) {
    return h("p", { class: "muted" }, "No messages in this thread's state.");
  }
  return h("div", { class: "chat" }, messages.map(message));
}

function message(m) {
  const role = roleOf(m);
  const calls = m?.tool_calls ?? [];
  const label = m?.name ? `${role} · ${m.name}` : role;
  return h(
    "div",
    { class: `msg ${role}`, dataset: { role } },
    h("span", { class: "role" }, role === "tool" && m.tool_call_id ? `${label} (${m.tool_call_id})` : label),
    h("div", { class: "content" }, content(m?.content)),
    calls.length ? h("div", { class: "tool-calls" }, calls.map(toolCall)) : null,
  );
}

function roleOf(m) {
  const role = m?.type ?? m?.role ?? "message";
  if (role === "user") return "human";
  if (role === "assistant" || role === "AIMessageChunk") return "ai";
  return role;
}

function content(value) {
  if (value === undefined || value === null) return "";
  if (typeof value === "string") return value;
  if (!Array.isArray(value)) return JSON.stringify(value);
  return value.map((block) => {
    if (typeof block === "string") return block;
    if (block?.type === "text") return block.text ?? "";
    if (block?.type === "tool_use") return h("div", { class: "muted" }, `→ ${block.name}(${brief(block.input)})`);
    return h("div", { class: "muted" }, `[${block?.type ?? "block"}]`);
  });
}

function toolCall(call) {
  return h("div", { class: "tool-call muted" }, `→ ${call.name ?? "tool"}(${brief(call.args)})`);
}

function brief(args) {
  const text = JSON.stringify(args ?? {});
  return text.length > 80 ? `${text.slice(0, 77)}…` : text;
}
