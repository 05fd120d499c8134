// Chat messages as bubbles (human right, AI left); a bubble can grow token
// by token as a stream brings them.

import { h } from "../dom.js";

const ROLES = { human: "human", user: "human", ai: "ai", assistant: "ai", AIMessageChunk: "ai", tool: "tool", system: "system" };

export function roleOf(message) {
  return ROLES[message?.type ?? message?.role] ?? "system";
}

export function textOf(content) {
  if (typeof content === "string") return content;
  if (Array.isArray(content)) return content.map((part) => (typeof part === "string" ? part : part?.text ?? "")).join("");
  return content === undefined || content === null ? "" : JSON.stringify(content);
}

// -> {element, text(s), append(s)}
export function bubble(role, content = "") {
  const body = h("span", { class: "content" }, content);
  const element = h("div", { class: `msg ${role}` }, h("span", { class: "role" }, role), body);
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

export function conversation(messages) {
  return (messages ?? []).map((m) => {
    const extra = m.tool_calls?.length ? ` [tool calls: ${m.tool_calls.map((c) => c.name).join(", ")}]` : "";
    return bubble(roleOf(m), textOf(m.content) + extra).element;
  });
}
