// Drives a DuraGraph server with the official JavaScript SDK and prints what it
// saw as one JSON object (tests/e2e/test_js_sdk.py asserts on it).
// Usage: node sdk_check.mjs http://127.0.0.1:2024
import { Client } from "@langchain/langgraph-sdk";

const client = new Client({ apiUrl: process.argv[2] });
const seen = {};

async function collect(stream) {
  const events = [];
  let lastValues = null;
  for await (const chunk of stream) {
    events.push(chunk.event);
    if (chunk.event === "values") lastValues = chunk.data;
  }
  return { events, lastValues };
}

// Assistants
const defaults = await client.assistants.search({ graphId: "echo", metadata: { created_by: "system" } });
seen.defaultAssistantGraphs = defaults.map((a) => a.graph_id);
const created = await client.assistants.create({ graphId: "echo", name: "from-js", metadata: { via: "js" } });
const updated = await client.assistants.update(created.assistant_id, { name: "from-js-2" });
seen.assistant = { name: updated.name, version: updated.version, graphId: updated.graph_id };
seen.assistantVersions = (await client.assistants.getVersions(created.assistant_id)).map((v) => v.version);

// Threads
const thread = await client.threads.create({ metadata: { via: "js" } });
seen.threadMetadata = (await client.threads.get(thread.thread_id)).metadata;
seen.threadFound = (await client.threads.search({ metadata: { via: "js" } }))
  .some((t) => t.thread_id === thread.thread_id);

// A streamed run
const streamed = await collect(client.runs.stream(thread.thread_id, "steps", {
  input: {}, streamMode: ["values", "updates"],
}));
seen.streamEvents = [...new Set(streamed.events)];
seen.streamedSteps = streamed.lastValues?.steps;
seen.threadStatusAfterRun = (await client.threads.get(thread.thread_id)).status;

// An interrupt and its resume
const asked = await client.threads.create();
const paused = await client.runs.wait(asked.thread_id, "interrupting", { input: { question: "Who are you?" } });
seen.interrupts = (paused.__interrupt__ ?? []).map((i) => i.value);
seen.pausedStatus = (await client.threads.get(asked.thread_id)).status;
seen.pausedNext = (await client.threads.getState(asked.thread_id)).next;
const resumed = await collect(client.runs.stream(asked.thread_id, "interrupting", {
  command: { resume: "Ada" }, streamMode: "values",
}));
seen.resumedGreeting = resumed.lastValues?.greeting;
seen.finalStatus = (await client.threads.get(asked.thread_id)).status;

console.log(JSON.stringify(seen));
