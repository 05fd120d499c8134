// Drives a DuraGraph server with custom auth (tests/graphs/auth.py: bearer
// tokens for alice and bob) with the official JavaScript SDK, and prints what
// each user saw as one JSON object (tests/e2e/test_js_sdk.py asserts on it).
// Usage: node auth_check.mjs http://127.0.0.1:2024
import { Client } from "@langchain/langgraph-sdk";

const apiUrl = process.argv[2];
const as = (user) => new Client({ apiUrl, defaultHeaders: { Authorization: `Bearer token-${user}` } });
const alice = as("alice");
const bob = as("bob");
const anonymous = new Client({ apiUrl });

async function statusOf(call) {
  try {
    await call;
    return "succeeded";
  } catch (error) {
    return error.status ?? String(error);
  }
}

const thread = await alice.threads.create();
const result = await alice.runs.wait(thread.thread_id, "whoami", { input: {} });
await bob.threads.create();
const bobs = await bob.threads.search({ limit: 1000 });

console.log(JSON.stringify({
  aliceSeenUserId: result.seen?.user_id,
  aliceFindsHerThread: (await alice.threads.search({ limit: 1000 }))
    .some((t) => t.thread_id === thread.thread_id),
  bobGetsAlicesThread: await statusOf(bob.threads.get(thread.thread_id)),
  bobSearchFindsAlicesThread: bobs.some((t) => t.thread_id === thread.thread_id),
  bobSearchOwners: [...new Set(bobs.map((t) => t.metadata?.owner))],
  anonymousSearch: await statusOf(anonymous.threads.search()),
}));
