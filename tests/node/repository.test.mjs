// SPEC §5 through the package: the repository, residency and their events on
// the manual clock, and one run on the real clock at a high time scale.
import test from "node:test";
import assert from "node:assert/strict";
import { Server, hotLoad, manual, sleep } from "./helpers.mjs";

const events = (server) => {
  const seen = [];
  server.subscribe((e) => seen.push(e));
  return seen;
};
const state = async (server, name) =>
  (await server.handleRequest({ list_repository: true })).models.find((m) => m.name === name)?.state;

test("pull, load, unload, delete: the states and their events, with kind", async () => {
  const s = manual({ catalog: "empty" });
  const seen = events(s);
  const pull = await s.handleRequest({ pull_model: "qwen2.5:0.5b" });
  assert.deepEqual(pull, { status: "pull_started", job_id: "pull_qwen2.5:0.5b_0", model_name: "qwen2.5:0.5b",
    estimated_time: "0.6s", estimated_seconds: 0.56, queue_position: 0 });
  assert.equal(await state(s, "qwen2.5:0.5b"), "pulling");
  s.advance(560);
  assert.equal(await state(s, "qwen2.5:0.5b"), "available");
  const load = await s.handleRequest({ load_model: "qwen2.5:0.5b" });
  assert.equal(load.status, "load_started");
  const again = await s.handleRequest({ load_model: "qwen2.5:0.5b" });
  assert.deepEqual({ ...again, deduplicated: undefined }, { ...load, deduplicated: undefined });
  assert.equal(again.deduplicated, true);
  s.advance(40);
  assert.deepEqual(Object.keys((await s.handleRequest({ list_models: true })).models), ["qwen2.5:0.5b"]);
  assert.equal((await s.handleRequest({ delete_model: "qwen2.5:0.5b" })).code, "model_resident");
  await s.handleRequest({ unload_model: "qwen2.5:0.5b" });
  assert.deepEqual(await s.handleRequest({ delete_model: "qwen2.5:0.5b" }), { status: "success", model: "qwen2.5:0.5b" });
  assert.deepEqual(seen.map((e) => [e.type, e.kind]), [
    ["load_started", "pull"], ["load_succeeded", "pull"], ["load_started", "load"], ["load_succeeded", "load"],
    ["model_unloaded", undefined], ["model_deleted", undefined],
  ]);
});

test("residency on the manual clock: a queue, an eviction, an expiry, in their order", async () => {
  const s = manual({ catalog: "empty", ramGb: 7, residency: { evict: "lru", keepAlive: 30, parallelLoads: 1 } });
  const seen = events(s);
  await s.handleRequest(hotLoad("a", 2));
  const b = await s.handleRequest(hotLoad("b", 2));
  assert.equal(b.queue_position, 1);
  assert.equal((await s.handleRequest({ load_status: b.job_id })).phase, "queued");
  s.advance(3000); // a ready at 3 s; b starts then, ready at 6 s
  s.advance(3000);
  await s.handleRequest({ model: "b" });
  const plan = await s.handleRequest({ plan_load: hotLoad("c", 3) });
  assert.deepEqual(plan.evictions, ["a"]);
  const c = await s.handleRequest(hotLoad("c", 3));
  assert.equal(c.status, "hot_load_started");
  s.advance(60_000);
  const kinds = seen.map((e) => e.type);
  assert.deepEqual(kinds.filter((k) => ["load_queued", "load_dequeued", "model_evicted", "model_expired"].includes(k)),
    ["load_queued", "load_dequeued", "model_evicted", "model_expired"]);
  const evicted = seen.find((e) => e.type === "model_evicted");
  assert.deepEqual({ ...evicted, time: 0 }, { type: "model_evicted", time: 0, model_name: "a", tier: "ram", freed_gb: 2, reason: "capacity", job_id: c.job_id });
  const expired = seen.find((e) => e.type === "model_expired");
  assert.equal(expired.model_name, "c", "c became idle when ready; b is current");
  const sys = await s.handleRequest({ system_status: true });
  assert.equal(sys.current_model, "b");
  assert.deepEqual(sys.residency, { maxLoaded: null, evict: "lru", keepAlive: 30, parallelLoads: 1, maxQueue: 512 });
  const m = await s.handleRequest({ metrics: true });
  assert.deepEqual([m.evictions, m.expirations, m.queue_wait_s.count], [1, 1, 1]);
});

test("bad residency options throw a clear error", () => {
  assert.throws(() => new Server({ residency: { maxLoaded: 0 } }), /maxLoaded/);
  assert.throws(() => new Server({ residency: { evict: "fifo" } }), /evict/);
  assert.throws(() => new Server({ remote: "none" }), /remote/);
});

test("the real clock at 1000x: a keep-alive runs out with one JS timer", async () => {
  const s = new Server({ timeScale: 1000, catalog: "empty", residency: { keepAlive: 20 } });
  const seen = events(s);
  await s.handleRequest(hotLoad("quick", 0.5)); // 0.75 s simulated: ready, then idle 20 s
  for (let i = 0; i < 100 && !seen.some((e) => e.type === "model_expired"); i++) await sleep(10);
  const expired = seen.find((e) => e.type === "model_expired");
  assert.ok(expired, `expired within a second of real time: ${JSON.stringify(seen)}`);
  const ready = seen.find((e) => e.type === "load_succeeded");
  assert.equal(expired.time - ready.time, 20_000, "at last_used + keep_alive on the simulated clock");
  assert.equal(await state(s, "quick"), "available");
  s.free();
});
