// A form from a JSON schema's properties: string -> text input, number and
// integer -> number input, boolean -> checkbox, enum -> select, anything
// else -> a JSON textarea. Required fields are marked.

import { h, typedJson } from "../dom.js";

// A property's own type, looking through `anyOf: [X, null]` and ["X", "null"].
function kind(prop) {
  if (!prop || typeof prop !== "object") return "json";
  if (Array.isArray(prop.enum)) return "enum";
  const options = prop.anyOf ?? prop.oneOf;
  if (Array.isArray(options)) {
    const real = options.filter((o) => o?.type !== "null");
    return real.length === 1 ? kind(real[0]) : "json";
  }
  const type = Array.isArray(prop.type) ? prop.type.filter((t) => t !== "null") : [prop.type];
  if (type.length !== 1) return "json";
  if (type[0] === "string") return "string";
  if (type[0] === "number" || type[0] === "integer") return "number";
  if (type[0] === "boolean") return "boolean";
  return "json";
}

function field(name, prop, required) {
  const k = kind(prop);
  let input;
  let read;
  if (k === "string") {
    input = h("input", { name, type: "text" });
    read = () => (input.value === "" ? undefined : input.value);
  } else if (k === "number") {
    input = h("input", { name, type: "number", step: "any" });
    read = () => (input.value === "" ? undefined : Number(input.value));
  } else if (k === "boolean") {
    input = h("input", { name, type: "checkbox" });
    read = () => input.checked;
  } else if (k === "enum") {
    const values = (prop.enum ?? prop.anyOf?.find((o) => o.enum)?.enum) ?? [];
    input = h("select", { name }, h("option", { value: "" }, "—"), values.map((v, i) => h("option", { value: String(i) }, JSON.stringify(v))));
    read = () => (input.value === "" ? undefined : values[Number(input.value)]);
  } else {
    input = h("textarea", { name, class: "json", placeholder: "JSON" });
    read = () => {
      if (input.value.trim() === "") return undefined;
      return typedJson(input.value, name);
    };
  }
  const title = h("span", { class: "field-name" }, prop?.title && prop.title !== name ? `${name} (${prop.title})` : name);
  const label = h(
    "label",
    { class: `field field-${k}` },
    title,
    required ? h("span", { class: "required", title: "required" }, " *") : null,
    prop?.description ? h("span", { class: "muted" }, ` ${prop.description}`) : null,
    " ",
    input,
  );
  return { name, label, read, required };
}

// -> {element, value()}: value() is the object typed in (throws on a bad field).
export function schemaForm(schema) {
  const props = schema?.properties ?? {};
  const required = new Set(schema?.required ?? []);
  const fields = Object.entries(props).map(([name, prop]) => field(name, prop, required.has(name)));
  const element = h(
    "div",
    { class: "schema-form" },
    fields.length ? fields.map((f) => f.label) : h("p", { class: "muted" }, "The input schema has no properties."),
  );
  const value = () => {
    const out = {};
    for (const f of fields) {
      const v = f.read();
      if (v === undefined) {
        if (f.required) throw new Error(`${f.name} is required`);
        continue;
      }
      out[f.name] = v;
    }
    return out;
  };
  return { element, value };
}
