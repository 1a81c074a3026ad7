// SPEC §6's Triton (KServe v2) routes through server.fetch, as a fetch-style
// client calls them: health, the repository index, a load that waits for
// the simulated clock, readiness and metadata, on handleRequest's state.
import { test } from "node:test";
import assert from "node:assert/strict";
import { manual, sleep } from "./helpers.mjs";

const post = (body = "") => ({ method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) });
const state = async (server, name) =>
  (await server.handleRequest({ list_repository: true })).models.find((m) => m.name === name)?.state;

/** A promise that records when it settles. */
function watched(promise) {
  const w = { settled: false };
  w.promise = promise.then((r) => { w.settled = true; return r; });
  return w;
}

test("§6 Triton health and server metadata", async () => {
  const s = manual();
  for (const path of ["/v2/health/live", "/v2/health/ready"]) {
    const r = await s.fetch(`http://sim:8000${path}`);
    assert.equal(r.status, 200, path);
    assert.equal(await r.text(), "");
  }
  const r = await s.fetch("http://sim/v2");
  assert.deepEqual((await r.json()).extensions, ["model_repository"]);
  const wrong = await s.fetch("http://sim/v2/health/live", post());
  assert.deepEqual([wrong.status, wrong.headers.get("allow")], [405, "GET"]);
  s.free();
});

test("§6 the repository index shows every state; ready: true only READY", async () => {
  const s = manual();
  await s.handleRequest({ unload_model: "gpt2-large" });
  await s.handleRequest({ load_model: "gpt2-large" });
  await s.handleRequest({ unload_model: "bert-large" });
  const index = await (await s.fetch("http://sim/v2/repository/index", post({}))).json();
  assert.deepEqual(index.slice(2, 4), [
    { name: "gpt2-large", version: "1", state: "LOADING" },
    { name: "bert-large", version: "1", state: "UNAVAILABLE" },
  ]);
  const ready = await (await s.fetch("http://sim/v2/repository/index", post({ ready: true }))).json();
  assert.deepEqual(ready.map((m) => m.name), ["gpt2-small", "gpt2-medium", "gpt-j-6b", "llama-7b"]);
  const bad = await s.fetch("http://sim/v2/repository/index", post("{nope"));
  assert.equal(bad.status, 400);
  assert.equal(typeof (await bad.json()).error, "string");
  s.free();
});

test("§6 a Triton load answers only once advance passes the load's end", async () => {
  const s = manual();
  await s.handleRequest({ unload_model: "gpt2-large" });
  // 3 GB in ram: 0.3 s of loading.
  const load = watched(s.fetch("http://sim/v2/repository/models/gpt2-large/load", post({ parameters: {} })));
  await sleep(5);
  assert.equal(load.settled, false);
  assert.equal(await state(s, "gpt2-large"), "loading");
  s.advance(299);
  await sleep(5);
  assert.equal(load.settled, false, "answered before the load ended");
  s.advance(1);
  const r = await load.promise;
  assert.equal(r.status, 200);
  assert.deepEqual(await r.json(), {});
  assert.equal(await state(s, "gpt2-large"), "ready");
  assert.equal((await s.fetch("http://sim/v2/models/gpt2-large/ready")).status, 200);
  // Already loaded: at once.
  assert.equal((await s.fetch("http://sim/v2/repository/models/gpt2-large/load", post())).status, 200);
  s.free();
});

test("§6 a failed Triton load is a 400 with the job's error", async () => {
  const s = manual();
  await s.handleRequest({ unload_model: "gpt2-large" });
  await s.handleRequest({ load_model: { model_name: "gpt2-large", simulate: { fail_at_progress: 0.5, error: "disk on fire" } } });
  const load = watched(s.fetch("http://sim/v2/repository/models/gpt2-large/load", post()));
  await sleep(5);
  assert.equal(load.settled, false, "it waits for the job already loading the model");
  s.advance(1_000);
  const r = await load.promise;
  assert.equal(r.status, 400);
  assert.deepEqual(await r.json(), { error: "load failed for model 'gpt2-large': disk on fire" });
  const index = await (await s.fetch("http://sim/v2/repository/index", post())).json();
  assert.deepEqual(index.find((m) => m.name === "gpt2-large"), { name: "gpt2-large", version: "1", state: "UNAVAILABLE", reason: "disk on fire" });
  const unknown = await s.fetch("http://sim/v2/repository/models/nope/load", post());
  assert.equal(unknown.status, 400);
  s.free();
});

test("§6 Triton unload, readiness and metadata, names percent-encoded", async () => {
  const s = manual();
  let r = await s.fetch("http://sim/v2/repository/models/gpt2-small/unload", post());
  assert.deepEqual([r.status, await r.json()], [200, {}]);
  assert.equal(await state(s, "gpt2-small"), "available");
  r = await s.fetch("http://sim/v2/models/gpt2-small/ready");
  assert.deepEqual([r.status, await r.json()], [400, { error: "Model version not ready" }]);
  r = await s.fetch("http://sim/v2/models/gpt2-small");
  assert.equal(r.status, 404);

  await s.handleRequest({ pull_model: "llama3.2:1b" });
  s.advance(60_000);
  const load = s.fetch(`http://sim/v2/repository/models/${encodeURIComponent("llama3.2:1b")}/load`, post());
  // fetch reads its arguments asynchronously: the load starts a tick later.
  await sleep(5);
  assert.equal(await state(s, "llama3.2:1b"), "loading");
  s.advance(60_000);
  assert.equal((await load).status, 200);
  r = await s.fetch("http://sim/v2/models/llama3.2%3A1b/versions/1");
  assert.deepEqual(await r.json(), {
    name: "llama3.2:1b", versions: ["1"], platform: "model-hotload",
    inputs: [{ name: "text_input", datatype: "BYTES", shape: [1] }],
    outputs: [{ name: "text_output", datatype: "BYTES", shape: [-1] }],
  });
  s.free();
});
