// Differential test: seeded random request sequences against model-hotload and
// the plain-JS reference (../shared/bench/reference.mjs), both on manual clocks,
// comparing statuses, codes and key fields after every request.
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { Server } from "./helpers.mjs";

const REFERENCE = fileURLToPath(new URL("../../../shared/bench/reference.mjs", import.meta.url));

function random(seed) {
  let a = seed >>> 0;
  return () => { // mulberry32
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const NAMES = ["a", "b", "c", "chat-x", "gpt2-small", "gpt2-large", "llama-7b", "bert-large"];
const SIZES = [0.1, 0.3, 0.5, 1, 1.2, 1.5, 2, 2.5, 3, 3.5, 4, 5, 6, 6.5, 7, 8];
const TIERS = ["ram", "ram", "swap", "swap", "storage", "gpu"];
const CAPS = ["text-generation", "chat", "embeddings", "text-classification", "Bad!"];
const FAILS = [0.1, 0.45, 0.8, 0.95];
const STEPS = [0, 100, 500, 1000, 3000, 7000];

function generate(rnd, jobs) {
  const pick = (list) => list[Math.floor(rnd() * list.length)];
  const caps = () => [...new Set(Array.from({ length: 1 + Math.floor(rnd() * 2) }, () => pick(CAPS)))];
  const job = () => (jobs.length && rnd() < 0.85 ? pick(jobs) : "load_none_0");
  const r = rnd();
  if (r < 0.25) {
    const req = { hot_load: { model_name: pick(NAMES), model_config: { size_gb: pick(SIZES), tier: pick(TIERS), capabilities: caps() } } };
    if (rnd() < 0.2) req.hot_load.simulate = { fail_at_progress: pick(FAILS) };
    return req;
  }
  if (r < 0.40) return { advance: pick(STEPS) };
  if (r < 0.50) return { load_status: job() };
  if (r < 0.57) return { cancel_load: job() };
  if (r < 0.62) return { unload_model: pick(NAMES) };
  if (r < 0.69) return { model: pick(NAMES) };
  if (r < 0.74) return { capabilities: caps(), priority: pick(["speed", "quality", "balanced", "fast"]) };
  if (r < 0.78) return { list_models: true };
  if (r < 0.82) return { system_status: true };
  if (r < 0.86) return { list_jobs: true };
  if (r < 0.89) return { metrics: true };
  if (r < 0.92) return { list_models: true, metrics: true };
  if (r < 0.95) return { list_models: true, extra: 1 };
  if (r < 0.97) return { request_id: pick(["x", 7]), load_status: job() };
  return "{not json";
}

const near = (a, b) => typeof a === "number" && typeof b === "number" && Math.abs(a - b) < 1e-6;

/** The fields both implementations must agree on, per response kind. */
function key(r) {
  if (r.status === "error") return { status: r.status, code: r.code };
  if (r.status === "hot_load_started") return { status: r.status, job_id: r.job_id, model_name: r.model_name, estimated_seconds: r.estimated_seconds };
  if ("elapsed_time" in r) {
    return { status: r.status, job_id: r.job_id, progress: r.progress, elapsed_time: r.elapsed_time, error: r.error };
  }
  if ("models" in r) return { models: Object.entries(r.models).map(([n, m]) => [n, m.size_gb, m.tier, m.capabilities.join()]), total_models: r.total_models, active_hot_loads: r.active_hot_loads };
  if ("selection_reason" in r) return { model: r.model, swap_executed: r.swap_executed, swap_time: r.swap_time };
  if ("ram" in r) return { ram: [r.ram.resident_gb, r.ram.reserved_gb, r.ram.free_gb], swap: [r.swap.resident_gb, r.swap.reserved_gb, r.swap.free_gb], current_model: r.current_model, total_models: r.total_models, active_hot_loads: r.active_hot_loads };
  if ("jobs" in r) return { jobs: r.jobs.map((j) => [j.job_id, j.status, j.progress]) };
  if ("loads" in r) return { loads: [r.loads.started, r.loads.succeeded, r.loads.failed, r.loads.cancelled] };
  if ("freed_gb" in r) return { model: r.model, freed_gb: r.freed_gb };
  return { status: r.status, job_id: r.job_id };
}

function same(a, b) {
  if (near(a, b)) return true;
  if (Array.isArray(a) && Array.isArray(b)) return a.length === b.length && a.every((x, i) => same(x, b[i]));
  if (a && b && typeof a === "object" && typeof b === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    return [...keys].every((k) => same(a[k], b[k]));
  }
  return a === b;
}

test("model-hotload agrees with the plain-JS reference on random request sequences", { skip: !existsSync(REFERENCE) && `no reference at ${REFERENCE}` }, async (t) => {
  const { Server: Reference } = await import(REFERENCE);
  let requests = 0;
  for (let seed = 1; seed <= 60; seed++) {
    const rnd = random(seed);
    const ours = new Server({ clock: "manual", startTime: 1_795_000_000_000 });
    const theirs = new Reference({ clock: "manual", startTime: 1_795_000_000_000 });
    const jobs = [];
    for (let step = 0; step < 150; step++) {
      const request = generate(rnd, jobs);
      if (request.advance !== undefined) {
        ours.advance(request.advance);
        theirs.advance(request.advance);
        continue;
      }
      requests++;
      const pa = ours.handleRequest(request);
      const pb = theirs.handleRequest(request);
      // Let any hot-swap finish on both before the next request (see the README).
      ours.advance(4000);
      theirs.advance(4000);
      const [a, b] = await Promise.all([pa, pb]);
      if (a.status === "hot_load_started") jobs.push(a.job_id);
      const where = `seed ${seed}, step ${step}: ${JSON.stringify(request)}`;
      assert.ok(same(key(a), key(b)), `${where}\nours:      ${JSON.stringify(key(a))}\nreference: ${JSON.stringify(key(b))}`);
      if (a.status === "error") assert.equal(a.request_id, b.request_id, where);
    }
    ours.free();
    theirs.free();
  }
  t.diagnostic(`${requests} requests compared`);
});
