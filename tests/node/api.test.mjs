// SPEC §1–§4 through the nodejs build: the Server class, every request, errors,
// events and the clocks.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Server, hotLoad, manual, countTimers, sleep } from "./helpers.mjs";

test("§1 requests as JSON text or objects; responses are plain objects", async () => {
  const s = manual();
  const a = await s.handleRequest('{"list_models": true, "request_id": "r"}');
  const b = await s.handleRequest({ list_models: true, request_id: "r" });
  assert.deepEqual(a, b);
  assert.equal(Object.getPrototypeOf(a.models), Object.prototype);
  assert.equal(a.request_id, "r");
  assert.deepEqual(Object.keys(a.models), ["gpt2-small", "gpt2-medium", "gpt2-large", "bert-large", "gpt-j-6b", "llama-7b"]);
  s.free();
});

test("§1 a request takes effect during the call", () => {
  const s = manual();
  s.handleRequest(hotLoad("m", 1));
  s.advance(1500);
  return s.handleRequest({ list_models: true }).then((r) => assert.ok("m" in r.models));
});

test("§1 options: defaults, manual start time, and clear errors", () => {
  const s = manual({ startTime: 5000 });
  assert.equal(s.now(), 5000);
  s.advance(250);
  assert.equal(s.now(), 5250);
  assert.ok(Math.abs(new Server().now() - Date.now()) < 1000);
  for (const [options, word] of [
    [{ clock: "sundial" }, "clock"], [{ timeScale: 5000 }, "timeScale"], [{ clock: "manual", timeScale: 2 }, "timeScale"],
    [{ ramGb: 0 }, "ramGb"], [{ swapGb: "32" }, "swapGb"], [{ catalog: "huge" }, "catalog"], [{ colour: "red" }, "colour"],
    [{ catalog: [{ name: "x", size_gb: 1, tier: "ram" }] }, "capabilities"], [{ ramGb: 1 }, "catalog"], [42, "object"],
  ]) {
    assert.throws(() => new Server(options), (e) => e instanceof Error && e.message.includes(word), JSON.stringify(options));
  }
  assert.throws(() => new Server().advance(10), /manual clock/);
  assert.throws(() => manual().advance(-1), /finite/);
  assert.throws(() => manual().advance(NaN), /finite/);
});

test("§1 custom and empty catalogs, custom capacity", async () => {
  const s = manual({ catalog: [{ name: "tiny", size_gb: 0.2, tier: "ram", capabilities: ["embeddings"] }], ramGb: 1 });
  const l = await s.handleRequest({ list_models: true });
  assert.deepEqual(Object.keys(l.models), ["tiny"]);
  const st = await s.handleRequest({ system_status: true });
  assert.equal(st.ram.total_gb, 1);
  assert.equal(st.ram.resident_gb, 0.2);
  const e = manual({ catalog: "empty" });
  assert.equal((await e.handleRequest({ list_models: true })).total_models, 0);
});

test("§2.1 hot_load: response, job ids, capacity, simulate", async () => {
  const s = manual({ startTime: 1234567890000 });
  const r = await s.handleRequest(hotLoad("my-custom-model", 2.5, "ram", ["text-generation", "chat"]));
  assert.deepEqual(r, { status: "hot_load_started", job_id: "load_my-custom-model_1234567890", model_name: "my-custom-model", estimated_time: "3.8s", estimated_seconds: 3.75, queue_position: 0 });
  await s.handleRequest({ cancel_load: r.job_id });
  const again = await s.handleRequest(hotLoad("my-custom-model", 2.5, "ram", ["text-generation", "chat"]));
  assert.equal(again.job_id, "load_my-custom-model_1234567890_2");
  // swap: 19 GB free → 11.4 safe; after 7 reserved, 12 free → 7.2; then 5 free → 3.
  assert.equal((await s.handleRequest(hotLoad("big", 7, "swap"))).status, "hot_load_started");
  assert.equal((await s.handleRequest(hotLoad("bigger", 7, "swap"))).status, "hot_load_started");
  const over = await s.handleRequest(hotLoad("biggest", 3.5, "swap"));
  assert.equal(over.code, "insufficient_capacity");
  assert.match(over.reason, /3\.5 GB.*3 GB/);
  const f = await s.handleRequest(hotLoad("flaky", 1, "ram", ["chat"], { fail_at_progress: 0.5, error: "checksum mismatch" }));
  s.advance(10_000);
  const st = await s.handleRequest({ load_status: f.job_id });
  assert.deepEqual([st.status, st.progress, st.error, st.cancelled], ["failed", 0.5, "checksum mismatch", false]);
});

test("§2.2 load_status fields and an unknown id", async () => {
  const s = manual();
  const { job_id } = await s.handleRequest(hotLoad("m", 2.5));
  s.advance(3600);
  const st = await s.handleRequest({ load_status: job_id });
  assert.equal(st.status, "loading");
  assert.equal(st.phase, "loading");
  assert.ok(Math.abs(st.progress - (0.7 + 0.2 * (100 / 250))) < 1e-9);
  assert.equal(st.elapsed_time, 3.6);
  assert.deepEqual(await s.handleRequest({ load_status: "nope" }), { status: "error", code: "job_not_found", reason: "Job ID not found" });
});

test("§2.4 selection by need and explicit selection with hot-swap", async () => {
  const s = manual();
  const first = await s.handleRequest({ capabilities: ["text-generation"], priority: "speed" });
  assert.equal(first.model, "gpt2-small");
  assert.equal(first.swap_executed, false);
  assert.equal(typeof first.selection_time_ms, "number");
  let resolved = false;
  const swap = s.handleRequest({ priority: "quality" }).then((r) => { resolved = true; return r; });
  await sleep(5);
  assert.equal(resolved, false, "the hot-swap waits for simulated time");
  s.advance(3500);
  const r = await swap;
  assert.deepEqual([r.model, r.swap_executed, r.swap_time, r.performance_target_met], ["llama-7b", true, 3.5, true]);
  assert.equal((await s.handleRequest({ system_status: true })).current_model, "llama-7b");
  const none = await s.handleRequest({ capabilities: ["chat"] });
  assert.equal(none.code, "no_capable_model");
  assert.ok(Array.isArray(none.available_models));
  const unknown = await s.handleRequest({ model: "gpt-5" });
  assert.equal(unknown.code, "model_not_found");
  assert.ok(unknown.available_models.includes("gpt2-small"));
});

test("§2.5 cancel, unload, list_jobs, metrics, system_status", async () => {
  const s = manual();
  const { job_id } = await s.handleRequest(hotLoad("m", 1));
  s.advance(700);
  const c = await s.handleRequest({ cancel_load: job_id });
  assert.deepEqual([c.status, c.cancelled, c.progress], ["success", true, 0.45]);
  const st = await s.handleRequest({ load_status: job_id });
  assert.deepEqual([st.status, st.error, st.cancelled], ["failed", "cancelled", true]);
  assert.equal((await s.handleRequest({ cancel_load: job_id })).code, "job_not_active");
  const u = await s.handleRequest({ unload_model: "bert-large" });
  assert.deepEqual([u.status, u.freed_gb], ["success", 1.3]);
  await s.handleRequest({ model: "gpt2-small" });
  assert.equal((await s.handleRequest({ unload_model: "gpt2-small" })).code, "model_in_use");
  const jobs = await s.handleRequest({ list_jobs: true });
  assert.equal(jobs.jobs.length, 1);
  const m = await s.handleRequest({ metrics: true });
  assert.deepEqual(m.loads, { started: 1, succeeded: 0, failed: 0, cancelled: 1, active: 0 });
  assert.equal(m.selections.count, 1);
  const sys = await s.handleRequest({ system_status: true });
  assert.deepEqual(Object.keys(sys), ["status", "ram", "swap", "current_model", "swapping_to", "total_models", "active_hot_loads", "queued_loads", "residency"]);
  assert.deepEqual(sys.residency, { maxLoaded: null, evict: "none", keepAlive: -1, parallelLoads: null, maxQueue: 512 });
  assert.equal(sys.ram.resident_gb, 5);
});

test("§3 errors: codes, precedence, request_id, nothing changes", async () => {
  const s = manual();
  const before = JSON.stringify(await Promise.all([{ list_models: true }, { list_jobs: true }, { system_status: true }].map((r) => s.handleRequest(r))));
  const cases = [
    ["{oops", "malformed_json"], [[1, 2], "invalid_request"], [{}, "invalid_request"],
    [{ request_id: {}, list_models: true }, "invalid_request"], [{ list_models: true, extra: 1 }, "unknown_field"],
    [{ list_models: true, metrics: true }, "ambiguous_request"], [{ list_models: "yes" }, "invalid_request"],
    [{ hot_load: { model_name: "a b", model_config: {} } }, "invalid_model_name"],
    [{ hot_load: { model_name: "ok" } }, "invalid_config"],
    [hotLoad("ok", Infinity), "invalid_size"], [hotLoad("ok", 9, "swap"), "too_large"], [hotLoad("ok", 1, "storage"), "too_large"],
    [hotLoad("ok", 1, "vram"), "invalid_tier"], [hotLoad("ok", 3.5, "ram"), "too_large"], [hotLoad("ok", 1, "ram", ["Chat"]), "invalid_capabilities"],
    [hotLoad("ok", 1, "ram", ["chat"], { fail_at_progress: "half" }), "invalid_config"],
    [hotLoad("gpt2-small", 1), "duplicate_model"], [{ priority: "cheap" }, "invalid_request"], [{ auto_select: 1 }, "invalid_request"],
  ];
  for (const [request, code] of cases) {
    const got = await s.handleRequest(request);
    assert.equal(got.status, "error", JSON.stringify(request));
    assert.equal(got.code, code, `${JSON.stringify(request)}: ${got.reason}`);
    assert.equal(typeof got.reason, "string");
  }
  const withId = await s.handleRequest({ request_id: 9, load_status: "x" });
  assert.equal(withId.request_id, 9);
  const after = JSON.stringify(await Promise.all([{ list_models: true }, { list_jobs: true }, { system_status: true }].map((r) => s.handleRequest(r))));
  assert.equal(after, before);
});

test("§4 events: types, fields, time; throwing listeners; unsubscribe", async () => {
  const s = manual({ startTime: 1000 });
  const seen = [];
  s.subscribe(() => { throw new Error("a faulty listener"); });
  const off = s.subscribe((e) => seen.push(e));
  const { job_id } = await s.handleRequest(hotLoad("m", 1));
  const bad = await s.handleRequest(hotLoad("f", 1, "ram", ["chat"], { fail_at_progress: 0.1 }));
  s.advance(1500);
  await s.handleRequest({ model: "gpt2-small" });
  const swap = s.handleRequest({ model: "m" });
  s.advance(100);
  await swap;
  await s.handleRequest({ unload_model: "gpt2-large" });
  assert.deepEqual(seen.map((e) => e.type), ["load_started", "load_started", "load_failed", "load_succeeded", "swap_started", "swap_finished", "model_unloaded"]);
  assert.deepEqual([seen[0].job_id, seen[0].model_name, seen[0].time], [job_id, "m", 1000]);
  assert.deepEqual([seen[2].job_id, seen[2].error, seen[2].time], [bad.job_id, "simulated failure", 1000]);
  assert.equal(seen[3].time, 2500);
  assert.deepEqual([seen[4].from, seen[4].to], ["gpt2-small", "m"]);
  assert.equal(seen[6].model_name, "gpt2-large");
  off();
  await s.handleRequest({ unload_model: "gpt2-medium" });
  assert.equal(seen.length, 7);
  assert.throws(() => s.subscribe("not a function"), /function/);
});

test("§1 real clock: one JS timer at most, none when idle, jobs end", async () => {
  const stats = await countTimers(async () => {
    const s = new Server({ timeScale: 1000, ramGb: 1000, swapGb: 1000 });
    const done = new Promise((ok) => {
      let n = 0;
      s.subscribe((e) => { if (e.type === "load_succeeded" && ++n === 50) ok(); });
    });
    for (let i = 0; i < 50; i++) await s.handleRequest(hotLoad(`m${i}`, 0.1 + (i % 7) * 0.3, i % 2 ? "swap" : "ram"));
    await done;
    const list = await s.handleRequest({ list_models: true });
    assert.equal(list.active_hot_loads, 0);
    assert.equal(list.total_models, 56);
    await sleep(5);
  });
  assert.equal(stats.max, 1, `at most one armed timer (saw ${stats.max})`);
  assert.equal(stats.armedAtEnd, 0, "no timer when idle");
  assert.equal(stats.intervals, 0);
  assert.ok(stats.calls >= 1);
});

test("§1 real clock: a hot-swap resolves after scaled real time", async () => {
  const s = new Server({ timeScale: 1000 });
  await s.handleRequest({ model: "gpt2-small" });
  const r = await s.handleRequest({ model: "llama-7b" }); // 3.5 simulated s = 3.5 ms
  assert.equal(r.swap_executed, true);
  assert.equal((await s.handleRequest({ system_status: true })).current_model, "llama-7b");
});

test("free() releases the server", async () => {
  const s = manual();
  s.free();
  assert.throws(() => s.now());
});

test("§1 setTimeScale changes speed and keeps state and the simulated present", async () => {
  const s = new Server({ timeScale: 1 });
  const { job_id } = await s.handleRequest(hotLoad("slow", 6.5, "swap")); // 12.35 simulated s
  const before = s.now();
  s.setTimeScale(1000);
  const after = s.now();
  assert.ok(after >= before && after - before < 1000, "the present is kept");
  await new Promise((ok) => {
    const off = s.subscribe((e) => { if (e.type === "load_succeeded") { off(); ok(); } });
  });
  assert.equal((await s.handleRequest({ load_status: job_id })).status, "success");
  assert.throws(() => s.setTimeScale(0), /0\.01 to 1000/);
  assert.throws(() => s.setTimeScale(NaN), /0\.01 to 1000/);
  assert.throws(() => manual().setTimeScale(2), /real clock/);
});
