// Placeholder until the view is written.
import { h } from "../dom.js";

export async function render(root) {
  root.append(h("h1", {}, "thread"));
}
