// Messages as a chat: the human on the right, the AI on the left, tools and
// system notes in the middle. Content is a string or a list of content
// blocks; tool calls are named with their arguments, briefly. A bubble can
// also grow token by token as a stream brings them (`bubble`).

import { h } from "../dom.js";

export function chat(messages) {
  if (!Array.isArray(messages) || !messages.length) {
    return h("p", { class: "muted" }, "No messages in this thread's state.");
  }
  return h("div", { class: "chat" }, messages.map(message));
}

export function message(m) {
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

export function roleOf(m) {
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

// A message being streamed: -> {element, text(s), append(s)}.
export function bubble(role, text = "") {
  const body = h("div", { class: "content" }, text);
  const element = h("div", { class: `msg ${role}`, dataset: { role } }, h("span", { class: "role" }, role), body);
  return {
    element,
    text: (value) => {
      body.textContent = value;
    },
    append: (value) => {
      body.textContent += value;
    },
  };
}

// The text of a streamed chunk's content (its text blocks joined).
export function textOf(content) {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => (typeof part === "string" ? part : (part?.text ?? ""))).join("");
  return content === undefined || content === null ? "" : JSON.stringify(content);
}
