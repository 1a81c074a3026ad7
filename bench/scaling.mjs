#!/usr/bin/env node
// One scenario of the scaling benchmark, in a fresh process so that its WASM
// memory is its own: a manual-clock server runs hot_load + cancel_load cycles,
// and at each point (jobs so far) the cost of each request kind is measured.
// A first server warms every path up (V8 runs WASM in its baseline compiler
// until a function is hot, and pruning starts only after 1,000 jobs).
// Prints one JSON list; bench/run.mjs runs it once per scenario.
//
//   node --expose-gc bench/scaling.mjs --clock still|advancing --names distinct|repeated --points 1000,10000 [--quick]
import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const arg = (name) => args[args.indexOf(`--${name}`) + 1];
const QUICK = args.includes("--quick");
const ADVANCING = arg("clock") === "advancing";
const DISTINCT = arg("names") === "distinct";
const POINTS = arg("points").split(",").map(Number);
const ROUNDS = QUICK ? 3 : 5;

const { Server, wasmMemoryBytes } = createRequire(import.meta.url)(join(root, "pkg/node/model_hotload.js"));
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const gc = () => globalThis.gc?.();

const selection = { capabilities: ["text-generation"], priority: "quality" };
const scale = QUICK ? 10 : 1;

/** A manual-clock server whose jobs are started and cancelled at once, and the requests timed on it. */
function scenario() {
  const s = new Server({ clock: "manual" });
  let jobs = 0;
  let lastJob = "";
  // An advancing clock moves 10 ms per job.
  const cycle = async () => {
    if (ADVANCING) s.advance(10);
    const name = DISTINCT ? `d-${jobs}` : "cycled";
    const r = await s.handleRequest({ hot_load: { model_name: name, model_config: { size_gb: 0.5, tier: "ram", capabilities: ["chat"] } } });
    if (r.status !== "hot_load_started") throw new Error(JSON.stringify(r));
    jobs++;
    lastJob = r.job_id;
    const c = await s.handleRequest({ cancel_load: r.job_id });
    if (c.status !== "success") throw new Error(JSON.stringify(c));
  };
  const kinds = [
    ["hot_load + cancel_load", cycle, 400 / scale],
    ["load_status", () => s.handleRequest({ load_status: lastJob }), 5000 / scale],
    ["list_models", () => s.handleRequest({ list_models: true }), 5000 / scale],
    ["list_jobs", () => s.handleRequest({ list_jobs: true }), 40 / scale],
    ["selection by need", () => s.handleRequest(selection), 5000 / scale],
  ];
  return { s, cycle, kinds, jobs: () => jobs };
}

/** µs per call, median of rounds of `n` calls; a cycle adds a job per call. */
async function time(call, n) {
  await call();
  const runs = [];
  for (let r = 0; r < ROUNDS; r++) {
    gc();
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await call();
    runs.push(Number(process.hrtime.bigint() - t0) / n / 1000);
  }
  return median(runs);
}

const warm = scenario();
while (warm.jobs() < 3000) await warm.cycle();
for (const [, call, n] of warm.kinds) for (let i = 0; i < n; i++) await call();
warm.s.free();

const memoryAtStart = wasmMemoryBytes();
const { s, cycle, kinds, jobs } = scenario();
const points = [];
for (const point of POINTS) {
  while (jobs() < point) await cycle();
  const at = jobs();
  const us = {};
  for (const [kind, call, n] of kinds) us[kind] = await time(call, Math.max(1, Math.round(n)));
  points.push({ jobs: at, us, memoryBytes: wasmMemoryBytes(), memoryAtStart });
}
s.free();
console.log(JSON.stringify(points));
