// A destructive action asked twice, in the page itself (never window.confirm):
// the first click shows the question with "Yes" and "Cancel" in its place.

import { action, h, replace } from "../dom.js";

// run() -> Promise; its failure shows next to the buttons. `onAsk(asking)`
// tells a view that redraws itself whether the question is open.
export function confirmAction(label, question, run, { onAsk, asking = false } = {}) {
  const root = h("span", { class: "confirm" });
  const ask = (open) => {
    onAsk?.(open);
    draw(open);
  };
  const draw = (open) => {
    if (!open) {
      replace(root, h("button", { class: "danger", onclick: () => ask(true) }, label));
      return;
    }
    replace(
      root,
      h("span", { class: "question" }, question),
      action(`Yes, ${label.toLowerCase()}`, async () => {
        await run();
        onAsk?.(false);
      }, { class: "danger" }),
      h("button", { onclick: () => ask(false) }, "Cancel"),
    );
  };
  draw(asking);
  return root;
}
