// Re-entrancy, isolation, freed servers, long sessions and saved state, through
// the nodejs build.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Server, hotLoad, manual, memoryStorage, sleep, wasmMemoryBytes } from "./helpers.mjs";

const T0 = 1_795_000_000_000; // a realistic manual start time

test("a listener may call handleRequest, now and subscribe on its own server; nothing is lost", async () => {
  const s = manual({ startTime: T0 });
  const seen = [];
  const late = [];
  let selection;
  s.subscribe((e) => {
    seen.push(e.type);
    if (e.type === "load_succeeded") {
      assert.equal(s.now(), e.time, "listeners see the clock at the event");
      selection = s.handleRequest({ model: e.model_name }); // select the new model from inside the callback
      s.subscribe((later) => late.push(later.type));
    }
  });
  await s.handleRequest(hotLoad("fresh", 1));
  s.advance(1500);
  const chosen = await selection;
  assert.equal(chosen.model, "fresh");
  await s.handleRequest({ unload_model: "gpt2-large" });
  assert.deepEqual(seen, ["load_started", "load_succeeded", "model_unloaded"]);
  assert.deepEqual(late, ["model_unloaded"], "a listener subscribed inside a callback gets the next events");
});

test("a listener may advance the manual clock inside advance; events stay in order", async () => {
  const s = manual();
  const times = [];
  let nested = false;
  s.subscribe((e) => {
    times.push([e.type, e.time]);
    if (e.type === "load_succeeded" && !nested) { nested = true; s.advance(1000); }
  });
  await s.handleRequest(hotLoad("a", 1)); // ends at 1500
  await s.handleRequest(hotLoad("b", 1.5)); // ends at 2250
  s.advance(1600); // to 1600, but the listener's advance(1000) at 1500 moves it to 2500
  assert.equal(s.now(), 2500);
  assert.deepEqual(times.map(([t]) => t), ["load_started", "load_started", "load_succeeded", "load_succeeded"]);
  assert.deepEqual(times.slice(2).map(([, t]) => t), [1500, 2250]);
});

test("a listener that throws affects nothing else", async () => {
  const s = manual();
  const seen = [];
  s.subscribe(() => { throw new Error("listener bug"); });
  s.subscribe(() => { throw "not even an Error"; });
  s.subscribe((e) => seen.push(e.type));
  await s.handleRequest(hotLoad("m", 1));
  s.advance(2000);
  assert.deepEqual(seen, ["load_started", "load_succeeded"]);
  assert.equal((await s.handleRequest({ list_models: true })).total_models, 7);
});

test("free() inside a listener releases the server once the call in progress has finished", async () => {
  const s = manual();
  let threw = null;
  s.subscribe((e) => {
    if (e.type === "load_started") {
      try { s.free(); } catch (err) { threw = err; } // wasm-bindgen reports the object is in use
    }
  });
  const r = await s.handleRequest(hotLoad("m", 1));
  assert.equal(r.status, "hot_load_started", "the call in progress completes");
  assert.ok(threw instanceof Error);
  assert.throws(() => s.now(), /was called after free\(\)/);
  assert.equal((await new Server({ clock: "manual" }).handleRequest({ metrics: true })).status, "success");
});

test("calls on a freed server fail with a clear Error; the module keeps working", async () => {
  const s = manual();
  s.free();
  for (const call of [() => s.handleRequest({ list_models: true }), () => s.now(), () => s.advance(1), () => s.subscribe(() => {}), () => s.setTimeScale(2)]) {
    assert.throws(call, /was called after free\(\); create a new Server/);
  }
  assert.equal((await new Server({ clock: "manual" }).handleRequest({ list_models: true })).total_models, 6);
});

test("two servers share nothing", async () => {
  const a = manual({ catalog: "empty" });
  const b = manual({ startTime: T0 });
  const seenA = [];
  a.subscribe((e) => seenA.push(e.type));
  await a.handleRequest(hotLoad("only-in-a", 1));
  a.advance(5000);
  assert.equal((await a.handleRequest({ list_models: true })).total_models, 1);
  assert.equal((await b.handleRequest({ list_models: true })).total_models, 6);
  assert.equal((await b.handleRequest({ load_status: "load_only-in-a_0" })).code, "job_not_found");
  assert.deepEqual((await b.handleRequest({ metrics: true })).loads.started, 0);
  assert.equal(b.now(), T0);
  await b.handleRequest(hotLoad("only-in-a", 1)); // the same name is free in b
  assert.deepEqual(seenA, ["load_started", "load_succeeded"]);
});

test("memory stays flat: 100,000 hot_load/cancel cycles, then 100,000 status reads", async (t) => {
  const s = manual({ startTime: T0 });
  const ids = [];
  const cycle = async (i) => {
    if (i % 1000 === 0) s.advance(1000);
    const r = await s.handleRequest(hotLoad("m", 0.5));
    await s.handleRequest({ cancel_load: r.job_id });
    if (i % 10_000 === 0) ids.push(r.job_id);
  };
  // Warm-up: history fills (1,000 jobs, 10,000 pruned ids) and the allocator and
  // hash tables reach their steady size (measured: flat from 40,000 cycles to 300,000).
  for (let i = 0; i < 40_000; i++) await cycle(i);
  // …and once, the largest response the retained history makes (list_jobs: 1,000 jobs as JSON).
  await s.handleRequest({ list_jobs: true });
  const warm = wasmMemoryBytes();
  for (let i = 40_000; i < 140_000; i++) await cycle(i);
  const afterCycles = wasmMemoryBytes();
  const last = (await s.handleRequest({ list_jobs: true })).jobs.at(-1).job_id;
  for (let i = 0; i < 100_000; i++) await s.handleRequest({ load_status: last });
  const afterReads = wasmMemoryBytes();
  t.diagnostic(`WASM memory: ${warm} bytes after warm-up, ${afterCycles} after 100,000 more cycles, ${afterReads} after 100,000 reads`);
  console.log(`# memory: warm ${warm}, after cycles ${afterCycles}, after reads ${afterReads} bytes`);
  assert.equal(afterCycles, warm, "cycles grew the WASM memory");
  assert.equal(afterReads, warm, "reads grew the WASM memory");
  const jobs = (await s.handleRequest({ list_jobs: true })).jobs;
  assert.equal(jobs.length, 1000, "the latest 1,000 finished jobs are retained");
  assert.equal(new Set(jobs.map((j) => j.job_id)).size, 1000);
  const pruned = await s.handleRequest({ load_status: ids.at(-1) }); // pruned within the latest 10,000
  assert.equal(pruned.code, "job_not_found");
  assert.match(pruned.reason, /pruned/);
  assert.equal((await s.handleRequest({ metrics: true })).loads.cancelled, 140_000);
});

test("persist: state is saved after every change and restored with the same key", async () => {
  const storage = memoryStorage();
  const a = new Server({ clock: "manual", startTime: T0, persist: "hotload", storage });
  const { job_id } = await a.handleRequest(hotLoad("kept", 2.5, "ram", ["chat"]));
  await a.handleRequest(hotLoad("slow", 6, "swap")); // 11.4 s
  a.advance(3750);
  await a.handleRequest({ model: "kept" });
  a.advance(2000);
  const saved = JSON.parse(storage.map.get("hotload"));
  assert.equal(saved.format, "model-hotload/state");
  assert.equal(saved.version, 2);
  const reads = storage.map.size;
  await a.handleRequest({ load_status: job_id }); // a read changes nothing and saves nothing
  assert.equal(storage.map.size, reads);
  a.free();

  const b = new Server({ clock: "manual", persist: "hotload", storage });
  assert.equal(b.now(), T0 + 5750, "the manual clock resumes where it was");
  const list = await b.handleRequest({ list_models: true });
  assert.ok("kept" in list.models);
  assert.equal((await b.handleRequest({ system_status: true })).current_model, "kept");
  const slow = (await b.handleRequest({ list_jobs: true })).jobs.find((j) => j.model_name === "slow");
  assert.equal(slow.status, "loading");
  assert.ok(Math.abs(slow.progress - (0.2 + 0.5 * 5750 / 8400)) < 1e-6, "the load continues where the clock says");
  const events = [];
  b.subscribe((e) => events.push(e));
  b.advance(6000);
  assert.deepEqual(events.map((e) => [e.type, e.time]), [["load_succeeded", T0 + 11_400]]);
  assert.equal((await b.handleRequest({ metrics: true })).loads.started, 2);
});

test("persist on the real clock: a load whose deadline passed while closed completes at restore, at its original end", async () => {
  const storage = memoryStorage();
  const a = new Server({ persist: "real", storage, timeScale: 1 });
  const { job_id } = await a.handleRequest(hotLoad("quick", 0.1)); // 0.15 s
  a.free(); // "closed" before it ends
  await sleep(300);
  const b = new Server({ persist: "real", storage });
  const status = await b.handleRequest({ load_status: job_id });
  assert.equal(status.status, "success");
  assert.equal(status.elapsed_time, 0.15, "ended at its original end time, not at the restore");
  b.free();
});

test("unusable saved state never crashes: fresh start, old text kept, state_recovered", async () => {
  const cases = [
    ["not JSON", "{broken", /unreadable/],
    ["truncated", null, /unreadable/],
    ["another version", null, /incompatible/],
    ["inconsistent", null, /inconsistent/],
    ["wrong shape", '{"format":"model-hotload/state","version":1,"jobs":7}', /unreadable/],
  ];
  const good = memoryStorage();
  const seed = new Server({ clock: "manual", persist: "k", storage: good });
  await seed.handleRequest(hotLoad("m", 1));
  const text = good.map.get("k");
  seed.free();
  cases[1][1] = text.slice(0, text.length / 2);
  cases[2][1] = text.replace('"version":2', '"version":3');
  const inconsistent = JSON.parse(text);
  inconsistent.library.push(["m", { size_gb: 1, tier: "ram", capabilities: ["chat"] }]); // listed and loading
  cases[3][1] = JSON.stringify(inconsistent);
  for (const [label, bad, reason] of cases) {
    const storage = memoryStorage();
    storage.map.set("k", bad);
    const s = new Server({ clock: "manual", persist: "k", storage });
    const events = [];
    s.subscribe((e) => events.push(e));
    assert.equal(events.length, 1, label);
    assert.equal(events[0].type, "state_recovered", label);
    assert.match(events[0].reason, reason, label);
    assert.equal(storage.map.get("k.corrupt"), bad, `${label}: the old text is kept`);
    assert.equal((await s.handleRequest({ list_models: true })).total_models, 6, `${label}: a fresh start`);
    assert.equal(JSON.parse(storage.map.get("k")).version, 2, `${label}: fresh state is saved`);
    s.free();
  }
});

test("a storage that throws or fills up never breaks the server", async () => {
  let calls = 0;
  const storage = { getItem() { throw new Error("SecurityError"); }, setItem() { calls++; throw new Error("QuotaExceededError"); } };
  const s = new Server({ clock: "manual", persist: "k", storage });
  const events = [];
  s.subscribe((e) => events.push(e.type));
  assert.deepEqual(events, ["state_recovered"]);
  const r = await s.handleRequest(hotLoad("m", 1));
  assert.equal(r.status, "hot_load_started");
  assert.ok(calls >= 2, "it keeps trying to save");
  assert.throws(() => new Server({ persist: "k", storage: { getItem() {} } }), /getItem\(key\) and setItem/);
  assert.throws(() => new Server({ persist: "" }), /persist must be a storage key/);
  assert.throws(() => new Server({ persist: "k" }), /localStorage/, "Node has no localStorage");
});
