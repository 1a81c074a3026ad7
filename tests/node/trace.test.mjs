// Traces through the nodejs build: a recorded session (requests, advances,
// server.fetch) replays with no divergence after a trip through JSON text;
// a real-clock session too; tampering diverges; malformed traces reject.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Server, hotLoad, manual, sleep } from "./helpers.mjs";

async function session(s) {
  const { job_id } = await s.handleRequest(hotLoad("m", 2.5));
  await s.handleRequest({ load_status: job_id });
  s.advance(1000);
  await s.handleRequest('{"model": "gpt2-small"}');
  const swap = s.handleRequest({ model: "gpt2-medium", request_id: 1 });
  s.advance(500);
  await swap;
  await s.handleRequest({ cancel_load: "load_none_0" });
  await s.handleRequest("{not json");
  assert.equal((await s.fetch("/api/tags")).status, 200);
  // The answer waits for the swap to gpt2-large: the clock moves once the request is in.
  const generated = s.fetch("http://localhost/api/generate", { method: "POST", body: JSON.stringify({ model: "gpt2-large", prompt: "hi", stream: false }) });
  await sleep(1);
  s.advance(1000);
  assert.equal((await (await generated).json()).done, true);
  await s.fetch("/_sim/advance", { method: "POST", body: '{"ms": 3000}' });
  await s.handleRequest({ metrics: true });
  await s.handleRequest({ list_models: true });
}

test("a manual-clock session with server.fetch replays ok after JSON", async () => {
  const s = manual({ record: true, startTime: 5000 });
  await session(s);
  const trace = s.trace();
  assert.equal(trace.format, "model-hotload/trace");
  assert.equal(trace.version, 1);
  assert.deepEqual(trace.options, { clock: "manual", record: true, startTime: 5000 });
  assert.ok(trace.steps.some((step) => step.fetch && step.status === 200));
  assert.ok(trace.steps.some((step) => step.advance === 1000));
  const swap = trace.steps.find((step) => step.request?.request_id === 1);
  assert.equal(swap.response.swap_executed, true);
  const copy = JSON.parse(JSON.stringify(trace));
  const report = await Server.replay(copy);
  assert.deepEqual(report, { ok: true, steps: trace.steps.length, divergences: [] });
  copy.steps[1].response.progress = 0.9;
  const tampered = await Server.replay(copy);
  assert.equal(tampered.ok, false);
  assert.deepEqual(tampered.divergences.map((d) => d.step), [1]);
  assert.equal(tampered.divergences[0].expected.progress, 0.9);
  s.free();
});

test("a real-clock session (timeScale 1000) replays ok", async () => {
  const s = new Server({ record: true, timeScale: 1000 });
  const { job_id } = await s.handleRequest(hotLoad("m", 1));
  await sleep(5);
  await s.handleRequest({ load_status: job_id });
  await s.handleRequest({ model: "gpt2-small" });
  await s.handleRequest({ model: "llama-7b" }); // 3.5 simulated s: ~4 ms
  await (await s.fetch("/api/ps")).json();
  await sleep(10);
  await s.handleRequest({ load_status: job_id });
  const trace = JSON.parse(JSON.stringify(s.trace()));
  assert.ok(trace.start > 1.6e12, "the real clock's simulated start");
  assert.ok(trace.steps.every((step, i) => i === 0 || step.at >= trace.steps[i - 1].at));
  assert.deepEqual(await Server.replay(trace), { ok: true, steps: trace.steps.length, divergences: [] });
  s.free();
});

test("malformed traces reject with an Error naming the fault; trace() needs record", async () => {
  const s = manual({ record: true });
  await s.handleRequest({ list_models: true });
  const good = s.trace();
  const bad = (edit) => { const t = structuredClone(good); edit(t); return Server.replay(t); };
  // A string is read as JSON text, as handleRequest reads one.
  await assert.rejects(Server.replay("nope"), /Server\.replay: The trace could not be read as JSON/);
  await assert.rejects(Server.replay("[]"), /Server\.replay: a trace is an object, not an array/);
  assert.ok((await Server.replay(JSON.stringify(good))).ok, "a trace as JSON text replays too");
  await assert.rejects(bad((t) => { t.format = "x"; }), /format must be "model-hotload\/trace"/);
  await assert.rejects(bad((t) => { t.steps.push({ at: 1, teleport: true }); }), /trace\.steps\[1\]: a step of no known kind/);
  await assert.rejects(bad((t) => { t.steps[0].at = -5; }), /trace\.steps\[0\]: at must be a time/);
  await assert.rejects(Server.replay({ get format() { throw new Error("boom"); } }), /could not be read as JSON: boom/);
  assert.throws(() => manual().trace(), /record: true/);
  assert.throws(() => manual({ record: "yes" }), /record must be true or false/);
  s.free();
});

test("past 10,000 steps the trace is cut: base, dropped, and it still replays ok", async () => {
  const s = manual({ record: true, residency: { maxLoaded: 3, evict: "lru" } });
  const { job_id } = await s.handleRequest(hotLoad("m", 2));
  for (let i = 0; i < 10_003; i++) {
    if (i % 1000 === 0) s.advance(700);
    s.handleRequest(i % 2 ? { load_status: job_id } : { model: i % 4 ? "gpt2-small" : "m" });
  }
  s.advance(1000);
  await s.handleRequest({ metrics: true });
  const trace = JSON.parse(JSON.stringify(s.trace()));
  assert.equal(trace.dropped, 10_000);
  assert.equal(typeof trace.base, "string", "the saved state's text: its 64-bit numbers survive JSON.parse");
  assert.equal(trace.steps.length, 1 + 10_003 + 11 + 1 + 1 - 10_000);
  const report = await Server.replay(trace);
  assert.deepEqual(report.divergences, []);
  assert.equal(report.ok, true);
  s.free();
});
