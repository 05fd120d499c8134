// Stream frames as they arrive (event name and data), newest at the bottom,
// in a box that keeps scrolled to the end.

import { h } from "../dom.js";

export function frameLog() {
  const list = h("ol", { class: "frames" });
  const element = h("div", { class: "stream", "aria-label": "stream" }, list);
  const add = ({ event, data }) => {
    const text = typeof data === "string" ? data : JSON.stringify(data);
    const shown = text.length > 300 ? `${text.slice(0, 297)}…` : text;
    const stick = element.scrollTop + element.clientHeight >= element.scrollHeight - 8;
    list.append(h("li", { class: "frame" }, h("span", { class: "event" }, event), " ", h("code", {}, shown)));
    if (stick) element.scrollTop = element.scrollHeight;
  };
  return { element, add, count: () => list.children.length };
}
