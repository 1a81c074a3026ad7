// model-hotload/msw (SPEC §6): Mock Service Worker handlers answered by
// server.fetch, under msw's own setupServer, with a plain fetch and the npm
// ollama client as a user's code would call them. msw's listen() replaces
// globalThis.fetch, so every call below looks fetch up when it runs.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { setupServer } from "msw/node";
import { Ollama } from "ollama";
import { handlers } from "../../pkg/msw/index.mjs";
import { hotLoad, manual } from "./helpers.mjs";

const BASE = "http://ollama.test";
const post = (body) => ({ method: "POST", body: JSON.stringify(body) });
const decoder = new TextDecoder();
let sim;
let mock;

// In Node, msw 2 hands its lifecycle events an unread clone of each mocked Response
// (mswjs/interceptors#712): a cancel of the body then waits for the clone's, and the
// simulated stream goes on. Cancelling the clone, as docs/PACKAGE.md says, lets it through.
const cancelClones = ({ response }) => { response.body?.cancel(); };

before(() => {
  sim = manual();
  mock = setupServer(...handlers(sim, { baseUrl: BASE }));
  mock.listen({ onUnhandledRequest: "error" });
});

after(() => {
  mock.close();
  sim.free();
});

test("msw: a plain fetch of the base URL is answered by server.fetch", async () => {
  const r = await fetch(`${BASE}/hotload`, post({ list_models: true }));
  assert.equal(r.status, 200);
  assert.match(r.headers.get("content-type"), /^application\/json/);
  assert.equal((await r.json()).total_models, 6);
  // The same state as handleRequest's.
  const started = await (await fetch(`${BASE}/hotload`, post(hotLoad("via-msw", 1)))).json();
  assert.equal(started.status, "hot_load_started");
  assert.equal((await sim.handleRequest({ load_status: started.job_id })).status, "loading");
  sim.advance(60_000);
});

test("msw: fetch(\"http://ollama.test/api/tags\") is the simulated Ollama", async () => {
  const r = await fetch(`${BASE}/api/tags`);
  assert.equal(r.status, 200);
  const { models } = await r.json();
  assert.ok(models.some((m) => m.name === "gpt2-small" && /^sha256:[0-9a-f]{64}$/.test(m.digest)));
  assert.deepEqual(await (await fetch(`${BASE}/v1/models/gpt2-small`)).json(), (await (await sim.fetch("http://x/v1/models/gpt2-small")).json()));
});

test("msw: the npm ollama client, made after listen(), with a streamed pull", async () => {
  const ollama = new Ollama({ host: BASE }); // its default fetch: msw's, as listen() left it
  assert.ok((await ollama.list()).models.some((m) => m.name === "gpt2-small"));
  const stream = await ollama.pull({ model: "qwen2.5:0.5b", stream: true });
  const statuses = [];
  const reading = (async () => { for await (const part of stream) statuses.push(part.status); })();
  for (let i = 0; i < 200 && statuses.at(-1) !== "success"; i++) {
    await new Promise((ok) => setImmediate(ok));
    sim.advance(20);
  }
  await reading;
  assert.equal(statuses[0], "pulling manifest");
  assert.deepEqual(statuses.slice(-3), ["verifying sha256 digest", "writing manifest", "success"]);
  assert.ok((await ollama.list()).models.some((m) => m.name === "qwen2.5:0.5b"));
});

test("msw: the façade's own answers for bad input, not msw's", async () => {
  let r = await fetch(`${BASE}/nope`);
  assert.equal(r.status, 404);
  assert.match((await r.json()).error, /no route/);
  r = await fetch(`${BASE}/hotload`, { method: "PUT", body: "{}" });
  assert.deepEqual([r.status, r.headers.get("allow")], [405, "POST"]);
  r = await fetch(`${BASE}/hotload`, { method: "POST", body: "{bad" });
  assert.equal(r.status, 400);
  r = await fetch(`${BASE}/hotload`, { method: "POST", body: "x".repeat((1 << 20) + 1) });
  assert.equal(r.status, 413);
});

test("msw: only the base URL is intercepted", async () => {
  // onUnhandledRequest: "error" makes any other origin a network error.
  await assert.rejects(fetch("http://other.test/hotload", post({ list_models: true })));
  // A trailing slash in baseUrl is the same base.
  const r = await (await fetch(`${BASE}/_sim/advance`, post({ ms: 0 }))).json();
  assert.equal(typeof r.now, "number");
});

test("msw: a streamed answer (GET /events) arrives chunk by chunk as simulated time passes", async (t) => {
  mock.events.on("response:mocked", cancelClones);
  t.after(() => mock.events.removeListener("response:mocked", cancelClones));
  const r = await fetch(`${BASE}/events`);
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-type"), "text/event-stream");
  const reader = r.body.getReader();
  const next = async () => {
    let text = "";
    while (!text.endsWith("\n\n")) {
      const { done, value } = await reader.read();
      if (done) return null;
      text += decoder.decode(value);
    }
    return text;
  };
  assert.match(await next(), /^:/, "the opening comment");
  const { job_id } = await (await fetch(`${BASE}/hotload`, post(hotLoad("streamed", 2)))).json();
  const started = await next();
  assert.match(started, /^event: load_started\n/);
  assert.equal(JSON.parse(started.split("\n")[1].slice(6)).job_id, job_id);
  sim.advance(60_000);
  assert.match(await next(), /^event: load_succeeded\n/);
  await reader.cancel(); // settles only once the simulated stream has been told to stop
});

test("msw: an aborted signal stops a stream through msw", async () => {
  const abort = new AbortController();
  const r = await fetch(`${BASE}/events`, { signal: abort.signal });
  const reader = r.body.getReader();
  assert.match(decoder.decode((await reader.read()).value), /^:/);
  abort.abort();
  await assert.rejects(reader.read(), { name: "AbortError" });
});

test("msw: handlers() refuses what is not a server or a base URL", () => {
  assert.throws(() => handlers({}, { baseUrl: BASE }), { name: "TypeError", message: /Server/ });
  assert.throws(() => handlers(sim, {}), { name: "TypeError", message: /baseUrl/ });
  assert.throws(() => handlers(sim), { name: "TypeError", message: /baseUrl/ });
});

test("msw: the CommonJS entry with msw's CommonJS build", async () => {
  const require = createRequire(import.meta.url);
  const cjs = require("../../pkg/msw/index.cjs");
  const { http } = require("msw");
  const [handler] = cjs.handlers(sim, { baseUrl: new URL("http://cjs.test/") });
  assert.ok(handler instanceof http.all("http://x/*", () => undefined).constructor, "an msw HttpHandler");
  assert.match(handler.info.header, /http:\/\/cjs\.test\/\*/);
});
