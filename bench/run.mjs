#!/usr/bin/env node
// model-hotload against the plain-JS reference (../shared/bench/reference.mjs),
// in one Node process, interleaved A, B, A, B, …; plus timers, memory, sizes,
// module instantiation in headless Chromium, and how per-request costs scale
// with the jobs run so far (bench/scaling.mjs), and SPEC §6's delivery:
// server.fetch and `model-hotload serve` against plain JS and plain node:http
// (bench/http.mjs). Without the reference, our own
// figures are measured alone. Prints a table and writes BENCHMARKS.md (or
// --out FILE). --quick: a fast smoke that proves it works.
//
//   node --expose-gc bench/run.mjs [--quick] [--out FILE]
import { createRequire } from "node:module";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem, release, platform } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { execFileSync } from "node:child_process";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const args = process.argv.slice(2);
const QUICK = args.includes("--quick");
const OUT = args.includes("--out") ? args[args.indexOf("--out") + 1] : join(root, "BENCHMARKS.md");
const REFERENCE = resolve(root, "../shared/bench/reference.mjs");

const require = createRequire(import.meta.url);
const ours = require(join(root, "pkg/node/model_hotload.js"));
const theirs = existsSync(REFERENCE) ? await import(REFERENCE) : null;
if (!theirs) console.warn(`bench: no reference at ${REFERENCE}: the comparison with it is skipped`);
const ROUNDS = QUICK ? 3 : 15;
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const pct = (xs, p) => { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * p))]; };
const gc = () => globalThis.gc?.();

/** ns per call of `call`, over `n` calls (the Promises are created, the last awaited). */
async function timeCalls(call, n) {
  let last;
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) last = call(i);
  await last;
  return Number(process.hrtime.bigint() - t0) / n;
}

const hl = (name, size = 1, tier = "ram") => ({ hot_load: { model_name: name, model_config: { size_gb: size, tier, capabilities: ["chat"] } } });
const bigCatalog = Array.from({ length: 10_000 }, (_, i) => ({ name: `m-${i}`, size_gb: 0.1, tier: "ram", capabilities: ["text-generation"] }));

/** Each workload: setup(impl) gives a call(i) to time, and how many calls a batch makes. */
const WORKLOADS = [
  { name: "load_status, JSON string", target: 1.5, n: 50_000, async setup(m) {
    const s = new m.Server({ clock: "manual" });
    const { job_id } = await s.handleRequest(hl("m"));
    const text = JSON.stringify({ load_status: job_id });
    return () => s.handleRequest(text);
  } },
  { name: "load_status, object", target: 2.0, n: 50_000, async setup(m) {
    const s = new m.Server({ clock: "manual" });
    const { job_id } = await s.handleRequest(hl("m"));
    return () => s.handleRequest({ load_status: job_id });
  } },
  { name: "list_models, default catalog", target: 2.0, n: 20_000, async setup(m) {
    const s = new m.Server({ clock: "manual" });
    return () => s.handleRequest({ list_models: true });
  } },
  { name: "list_models, 10,000 models", target: 2.0, n: 20, async setup(m) {
    const s = new m.Server({ clock: "manual", ramGb: 1e6, catalog: bigCatalog });
    return () => s.handleRequest({ list_models: true });
  } },
  { name: "hot_load + cancel_load", target: 1.5, n: 10_000, async setup(m) {
    const s = new m.Server({ clock: "manual" });
    const load = hl("cycled", 0.5);
    // The clock moves a second every 100 cycles: ids are per second, and the
    // reference finds a free suffix by trying _2, _3, … in turn (quadratic in one second).
    return async (i) => {
      if (i % 100 === 0) s.advance(1000);
      const r = await s.handleRequest(load);
      return s.handleRequest({ cancel_load: r.job_id });
    };
  }, serial: true },
  { name: "selection by need", target: 1.5, n: 20_000, async setup(m) {
    const s = new m.Server({ clock: "manual" });
    const request = { capabilities: ["text-generation"], priority: "quality" };
    await s.handleRequest(request);
    return () => s.handleRequest(request);
  } },
];

async function perCall() {
  const rows = [];
  for (const w of WORKLOADS) {
    const n = QUICK ? Math.max(1, Math.floor(w.n / 100)) : w.n;
    const callA = await w.setup(ours);
    const callB = theirs && await w.setup(theirs);
    const time = (call) => (w.serial ? (async () => { const t0 = process.hrtime.bigint(); for (let i = 0; i < n; i++) await call(i); return Number(process.hrtime.bigint() - t0) / n; })() : timeCalls(call, n));
    await time(callA); if (callB) await time(callB); // warm up both
    const a = [], b = [], ratio = [];
    for (let r = 0; r < ROUNDS; r++) {
      gc();
      const x = await time(callA);
      a.push(x);
      if (!callB) continue;
      gc();
      const y = await time(callB);
      b.push(y); ratio.push(x / y);
    }
    rows.push({ name: w.name, ours: median(a) / 1000, reference: callB && median(b) / 1000, ratio: callB && median(ratio), target: w.target });
  }
  return rows;
}

/** Where a call's time goes: whole calls by path, and JS-only pieces, measured apart. */
async function floors() {
  const n = QUICK ? 2000 : 200_000;
  const s = new ours.Server({ clock: "manual" });
  const { job_id } = await s.handleRequest(hl("m"));
  const text = JSON.stringify({ load_status: job_id });
  const response = JSON.stringify(await s.handleRequest(text));
  const enc = new TextEncoder(), dec = new TextDecoder();
  const bytes = enc.encode(response);
  const sink = new Uint8Array(1024);
  const object = { load_status: job_id };
  const selection = { capabilities: ["text-generation"], priority: "quality" };
  const withId = { load_status: job_id, request_id: 1 };
  const fractional = { load_status: job_id, request_id: 1.5 };
  const idBytes = enc.encode(job_id);
  const rows = [
    ["an exported method that does nothing (`server.now()`)", () => s.now()],
    ["the shortest request: text that is not JSON (`\"x\"`, malformed_json)", () => s.handleRequest("x")],
    ["the whole `load_status` (JSON string)", () => s.handleRequest(text)],
    ["the whole `load_status` (object: `JSON.stringify`, then the same reader)", () => s.handleRequest(object)],
    ["the whole `load_status` with an integer `request_id` (object)", () => s.handleRequest(withId)],
    ["the same with a `request_id` of 1.5 (object)", () => s.handleRequest(fractional)],
    ["the whole selection by need (object)", () => s.handleRequest(selection)],
    ["JS only: `Promise.resolve(x)`", () => Promise.resolve(bytes)],
    ["JS only: `JSON.stringify` of the selection request (the price of one reader for objects)", () => JSON.stringify(selection)],
    [`JS only: UTF-8 encode of the ${text.length}-character request (\`encodeInto\`)`, () => enc.encodeInto(text, sink)],
    [`JS only: UTF-8 decode of the ${job_id.length}-character job id (what the string cache skips)`, () => dec.decode(idBytes)],
    [`JS only: \`JSON.parse\` of the ${response.length}-character response (what a JSON way out would add)`, () => JSON.parse(response)],
  ];
  const out = [];
  for (const [label, call] of rows) {
    for (let w = 0; w < 2; w++) await timeCalls(call, n);
    const runs = [];
    for (let r = 0; r < (QUICK ? 3 : 9); r++) runs.push(await timeCalls(call, n));
    out.push([label, median(runs)]);
  }
  s.free();
  return out;
}

/** 1,000 concurrent loads on the real clock at timeScale 1000: timers and lateness. */
async function concurrent(m, count = QUICK ? 100 : 1000) {
  const real = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout, setInterval: globalThis.setInterval };
  const armed = new Set();
  let calls = 0, clears = 0, maxArmed = 0, intervals = 0;
  globalThis.setTimeout = (cb, ms, ...rest) => {
    calls++;
    const id = real.setTimeout(() => { armed.delete(id); cb(...rest); }, ms);
    armed.add(id); maxArmed = Math.max(maxArmed, armed.size);
    return id;
  };
  globalThis.clearTimeout = (id) => { if (armed.delete(id)) clears++; real.clearTimeout(id); };
  globalThis.setInterval = (...a) => { intervals++; return real.setInterval(...a); };
  try {
    const scale = 1000;
    const s = new m.Server({ timeScale: scale, ramGb: 1e6, swapGb: 1e6 });
    const deadlines = new Map();
    const lateness = [];
    const done = new Promise((ok) => {
      s.subscribe((e) => {
        if (e.type !== "load_succeeded") return;
        lateness.push((s.now() - deadlines.get(e.job_id)) / scale); // real ms after its deadline
        if (lateness.length === count) ok();
      });
    });
    const t0 = performance.now();
    for (let i = 0; i < count; i++) {
      const start = s.now();
      const swap = i % 2 === 0;
      const r = await s.handleRequest(hl(`c${i}`, 0.1 + (i % (swap ? 69 : 29)) / 10, swap ? "swap" : "ram"));
      if (r.status !== "hot_load_started") throw new Error(JSON.stringify(r));
      deadlines.set(r.job_id, start + r.estimated_seconds * 1000);
    }
    const startMs = performance.now() - t0;
    await done;
    await new Promise((ok) => real.setTimeout(ok, 20));
    return { startMs, maxArmed, calls, clears, intervals, idleArmed: armed.size, p50: pct(lateness, 0.5), p95: pct(lateness, 0.95), max: Math.max(...lateness) };
  } finally {
    Object.assign(globalThis, real);
  }
}

/** Memory held after 10,000 finished jobs: ours in WASM memory, the reference's JS heap. */
async function memory() {
  const jobs = QUICK ? 1000 : 10_000;
  const run = async (m) => {
    const s = new m.Server({ clock: "manual", ramGb: 1e6, swapGb: 1e6 });
    for (let i = 0; i < jobs; i++) { await s.handleRequest(hl(`j${i}`, 0.1)); s.advance(200); }
    return s;
  };
  const w0 = ours.wasmMemoryBytes();
  const kept = await run(ours);
  const oursBytes = ours.wasmMemoryBytes() - w0;
  gc(); gc();
  const h0 = process.memoryUsage().heapUsed;
  const keptRef = theirs && await run(theirs);
  gc(); gc();
  const refBytes = theirs && process.memoryUsage().heapUsed - h0;
  void kept; void keptRef;
  return { jobs, oursBytes, refBytes, gc: typeof globalThis.gc === "function" };
}

/**
 * Per-request cost and WASM memory as jobs accumulate, ours only (the reference
 * keeps every job, so its lists grow by design): one fresh process per scenario,
 * so that each one's memory is its own.
 */
function scaling() {
  const points = QUICK ? [1000, 3000] : [1000, 10_000, 100_000];
  const scenarios = [];
  for (const clock of ["still", "advancing"]) {
    for (const names of ["distinct", "repeated"]) {
      const out = execFileSync(process.execPath, ["--expose-gc", join(root, "bench/scaling.mjs"), "--clock", clock, "--names", names,
        "--points", points.join(","), ...(QUICK ? ["--quick"] : [])], { encoding: "utf8" });
      scenarios.push({ clock, names, points: JSON.parse(out) });
    }
  }
  return scenarios;
}

/**
 * SPEC §5 at scale, ours alone (the reference has no repository): listing the
 * repository against the library, planning and admitting with an eviction,
 * expiring, at 1,000 and 10,000 ready models; and the timers that 10,000
 * keep-alives arm on the real clock.
 */
async function residencyAtScale() {
  const sizesOf = QUICK ? [300, 1000] : [1000, 10_000];
  const catalog = (n) => Array.from({ length: n }, (_, i) => ({ name: `m-${i}`, size_gb: 0.1, tier: "ram", capabilities: ["chat"] }));
  const rows = {};
  for (const n of sizesOf) {
    const opts = { clock: "manual", ramGb: 1e6, catalog: catalog(n) };
    const list = new ours.Server(opts);
    const reps = n >= 10_000 ? 10 : 50;
    const us = async (call, k) => (await timeCalls(call, k)) / 1000;
    for (let w = 0; w < 3; w++) { await list.handleRequest({ list_models: true }); await list.handleRequest({ list_repository: true }); }
    const listModels = median(await Promise.all([0, 1, 2].map(() => us(() => list.handleRequest({ list_models: true }), reps))));
    const listRepository = median(await Promise.all([0, 1, 2].map(() => us(() => list.handleRequest({ list_repository: true }), reps))));
    list.free();
    // Every model ready and idle, the count at its limit: each load evicts the least recently used.
    const full = new ours.Server({ ...opts, residency: { maxLoaded: n, evict: "lru" } });
    const load = hl("incoming", 0.1);
    const plan = { plan_load: load };
    await full.handleRequest(plan);
    const planUs = await us(() => full.handleRequest(plan), 2000);
    let i = 0;
    const admitUs = await us(async () => {
      const r = await full.handleRequest(hl(`new-${i++}`, 0.1));
      full.advance(150); // ready: the count stays at its limit
      return r;
    }, QUICK ? 200 : 1000);
    full.free();
    // Every model expires at once: the cost of each expiry.
    const expiring = new ours.Server({ ...opts, residency: { keepAlive: 1 } });
    const t0 = process.hrtime.bigint();
    expiring.advance(1000);
    const expiryUs = Number(process.hrtime.bigint() - t0) / 1000 / n;
    const left = Object.keys((await expiring.handleRequest({ list_models: true })).models).length;
    expiring.free();
    rows[n] = { listModels, listRepository, planUs, admitUs, expiryUs, left };
  }
  // 10,000 keep-alives on the real clock: the timers armed.
  const real = { setTimeout: globalThis.setTimeout, clearTimeout: globalThis.clearTimeout };
  const armed = new Set();
  let maxArmed = 0;
  globalThis.setTimeout = (cb, ms, ...rest) => {
    const id = real.setTimeout(() => { armed.delete(id); cb(...rest); }, ms);
    armed.add(id); maxArmed = Math.max(maxArmed, armed.size);
    return id;
  };
  globalThis.clearTimeout = (id) => { armed.delete(id); real.clearTimeout(id); };
  try {
    const s = new ours.Server({ ramGb: 1e6, catalog: catalog(sizesOf[sizesOf.length - 1]), residency: { keepAlive: 3600 } });
    for (let k = 0; k < 100; k++) await s.handleRequest({ model: `m-${k}` });
    await new Promise((ok) => real.setTimeout(ok, 20));
    rows.timers = { maxArmed, armed: armed.size, models: sizesOf[sizesOf.length - 1] };
    s.free();
  } finally {
    Object.assign(globalThis, real);
  }
  return { sizesOf, rows };
}

function sizes() {
  const gz = (f) => gzipSync(readFileSync(join(root, "pkg", f)), { level: 9 }).length;
  // The glue and the JS snippets wasm-bindgen copies (response builders, request reader).
  const js = (dir) => [`${dir}/model_hotload.js`, ...readdirSync(join(root, "pkg", dir, "snippets"), { recursive: true })
    .filter((f) => f.endsWith(".js")).map((f) => `${dir}/snippets/${f}`)].reduce((sum, f) => sum + gz(f), 0);
  return { wasm: gz("web/model_hotload_bg.wasm"), webGlue: js("web"), nodeGlue: js("node"), wasmRaw: readFileSync(join(root, "pkg/web/model_hotload_bg.wasm")).length };
}

/** Module instantiation in headless Chromium: compile + instantiate of the fetched bytes, per page load. */
async function browser() {
  const { chromium } = await import("playwright-core");
  const { serve } = await import(join(root, "tools/serve.mjs"));
  const server = await serve({ root: join(root, "pkg"), port: 0, quiet: true });
  const b = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"] });
  try {
    const times = [];
    for (let i = 0; i < (QUICK ? 2 : 12); i++) {
      const page = await b.newPage();
      await page.goto(`http://127.0.0.1:${server.address().port}/web/`).catch(() => {});
      times.push(await page.evaluate(async () => {
        const bytes = await (await fetch("/web/model_hotload_bg.wasm", { cache: "no-store" })).arrayBuffer();
        const { default: init } = await import("/web/model_hotload.js");
        const t0 = performance.now();
        await init({ module_or_path: bytes });
        return performance.now() - t0;
      }));
      await page.close();
    }
    return { instantiateMs: median(times.slice(1)), chromium: b.version() };
  } finally {
    await b.close();
    server.close();
  }
}

const fmt = (x, d = 2) => x.toFixed(d);
const NA = "–"; // not measured: no reference beside this checkout
const mem = await memory(); // first, while the module's memory is fresh
const rows = await perCall();
const floor = await floors();
const cOurs = await concurrent(ours);
const cRef = theirs && await concurrent(theirs);
const scaled = scaling();
const size = sizes();
const web = await browser();
const { fetchBench, httpBench } = await import("./http.mjs");
const fetchRows = await fetchBench(ours, { quick: QUICK, rounds: ROUNDS });
const httpRows = await httpBench(root, { quick: QUICK });

const machine = `${cpus()[0]?.model ?? "unknown CPU"} × ${cpus().length}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${platform()} ${release()}, Node ${process.version}, Chromium ${web.chromium}`;
const ref = (f) => (theirs ? f() : NA);
const table = [
  "| workload | model-hotload (µs) | reference (µs) | ratio (median of rounds) | target |",
  "|---|---:|---:|---:|---:|",
  ...rows.map((r) => `| ${r.name} | ${fmt(r.ours)} | ${ref(() => fmt(r.reference))} | ${ref(() => `${fmt(r.ratio)}×`)} | ≤ ${r.target}× |`),
].join("\n");
const others = [
  "| figure | model-hotload | reference | target |",
  "|---|---:|---:|---|",
  `| ${cOurs.calls > 0 ? "1,000" : "?"} concurrent loads (real clock, 1000×): most JS timers armed at once | ${cOurs.maxArmed} | ${ref(() => cRef.maxArmed)} | never more than 1 |`,
  `| … timers armed when idle | ${cOurs.idleArmed} | ${ref(() => cRef.idleArmed)} | 0 |`,
  `| … setTimeout calls / clears / setInterval calls | ${cOurs.calls} / ${cOurs.clears} / ${cOurs.intervals} | ${ref(() => `${cRef.calls} / ${cRef.clears} / ${cRef.intervals}`)} | |`,
  `| … time to start all (ms) | ${fmt(cOurs.startMs, 1)} | ${ref(() => fmt(cRef.startMs, 1))} | |`,
  `| … completion lateness p50 / p95 / max (ms) | ${fmt(cOurs.p50)} / ${fmt(cOurs.p95)} / ${fmt(cOurs.max)} | ${ref(() => `${fmt(cRef.p50)} / ${fmt(cRef.p95)} / ${fmt(cRef.max)}`)} | p95 ≤ 5 |`,
  `| module instantiation in Chromium (ms, median) | ${fmt(web.instantiateMs)} | | ≤ 5 |`,
  `| \`.wasm\` gzipped (raw) | ${fmt(size.wasm / 1024, 1)} KiB (${fmt(size.wasmRaw / 1024, 1)} KiB) | | ≤ 64 KiB |`,
  `| JS glue + snippets gzipped, web / nodejs | ${fmt(size.webGlue / 1024, 1)} / ${fmt(size.nodeGlue / 1024, 1)} KiB | | |`,
  `| memory after ${mem.jobs.toLocaleString("en")} finished jobs | ${fmt(mem.oursBytes / 1024, 0)} KiB (WASM memory growth) | ${ref(() => `${fmt(mem.refBytes / 1024, 0)} KiB (JS heap growth${mem.gc ? "" : ", no --expose-gc"})`)} | below the reference |`,
].join("\n");
const floorTable = ["| piece (model-hotload, Node) | ns per call |", "|---|---:|", ...floor.map(([l, ns]) => `| ${l} | ${fmt(ns, 0)} |`)].join("\n");
const SCENARIO = { still: "clock held still", advancing: "clock advancing 10 ms per job", distinct: "a distinct name per job", repeated: "one name for every job" };
const columns = scaled[0].points.map((p) => p.jobs.toLocaleString("en"));
const scalingTable = [
  `| after … jobs | ${columns.join(" | ")} | last ÷ first |`,
  `|---|${columns.map(() => "---:|").join("")}---:|`,
  ...scaled.flatMap(({ clock, names, points }) => {
    const first = points[0], last = points[points.length - 1];
    return [
      `| **${SCENARIO[clock]}, ${SCENARIO[names]}** |${columns.map(() => " |").join("")} |`,
      ...Object.keys(first.us).map((kind) => `| ${kind} (µs) | ${points.map((p) => fmt(p.us[kind], kind === "list_jobs" ? 0 : 2)).join(" | ")} | ${fmt(last.us[kind] / first.us[kind])}× |`),
      `| WASM memory (MiB) | ${points.map((p) => fmt(p.memoryBytes / 2 ** 20, 1)).join(" | ")} | |`,
    ];
  }),
].join("\n");
const NOT_HERE = "| not measured: the route is not in this build (404) |";
const fetchTable = [
  "| request | `server.fetch` + `await r.text()` (µs) | plain-JS `new Response(JSON.stringify(obj))` + `await r.text()` (µs) | ratio (median of rounds) | target |",
  "|---|---:|---:|---:|---:|",
  ...fetchRows.map((r) => (r.missing ? `| ${r.label} ${NOT_HERE} | | ≤ 1.5× |` : `| ${r.label} (${r.bytes} bytes) | ${fmt(r.ours)} | ${fmt(r.plain)} | ${fmt(r.ratio)}× | ≤ 1.5× |`)),
].join("\n");
const httpTable = [
  "| request, 50 connections | `model-hotload serve` (req/s) | plain `node:http`, the same status, headers and body (req/s) | ratio (median of rounds) | p99 latency, ours / plain (ms) | errors / non-2xx | target |",
  "|---|---:|---:|---:|---:|---:|---:|",
  ...httpRows.map((r) => (r.missing ? `| ${r.label} ${NOT_HERE} | | | | ≥ 0.7× |` : `| ${r.label} (${r.bytes} bytes) | ${fmt(r.ours, 0)} | ${fmt(r.plain, 0)} | ${fmt(r.ratio)}× | ${r.p99.ours} / ${r.p99.plain} | ${r.errors} / ${r.non2xx} | ≥ 0.7× |`)),
].join("\n");
const httpSeconds = httpRows.find((r) => !r.missing)?.seconds ?? 0;
const noReference = theirs ? "" : `\nThe reference (${REFERENCE}) was not found: its columns are empty (${NA}).\n`;
const res = await residencyAtScale();
const [small, large] = res.sizesOf;
const rs = res.rows[small], rl = res.rows[large];
const residencyTable = [
  `| figure (model-hotload alone) | ${small.toLocaleString("en")} models | ${large.toLocaleString("en")} models | target |`,
  "|---|---:|---:|---|",
  `| \`list_models\` (µs) | ${fmt(rs.listModels, 0)} | ${fmt(rl.listModels, 0)} | |`,
  `| \`list_repository\` (µs) | ${fmt(rs.listRepository, 0)} | ${fmt(rl.listRepository, 0)} | ≤ 2× \`list_models\`: ${fmt(rl.listRepository / rl.listModels)}× |`,
  `| \`plan_load\` that would evict one of them (µs) | ${fmt(rs.planUs)} | ${fmt(rl.planUs)} | O(n) at most: ${fmt(rl.planUs / rs.planUs)}× for ${large / small}× the models |`,
  `| \`hot_load\` admitted by evicting the least recently used, then ready (µs per cycle) | ${fmt(rs.admitUs)} | ${fmt(rl.admitUs)} | O(n) at most: ${fmt(rl.admitUs / rs.admitUs)}× |`,
  `| each keep-alive expiry, all at one instant (µs) | ${fmt(rs.expiryUs)} | ${fmt(rl.expiryUs)} | O(n) at most: ${fmt(rl.expiryUs / rs.expiryUs)}× (left ready: ${rs.left} / ${rl.left}) |`,
  `| JS timers armed at once, ${res.rows.timers.models.toLocaleString("en")} models with keep-alives (real clock) | | ${res.rows.timers.maxArmed} (${res.rows.timers.armed} at the end) | 1 |`,
].join("\n");
const report = `# Benchmarks\n\nMeasured by \`make bench\` (${QUICK ? "QUICK MODE: not representative" : `${ROUNDS} interleaved rounds`}) on ${new Date().toISOString().slice(0, 10)}.\nMachine: ${machine}.\n${noReference}\n## Per call (median microseconds; ratio = model-hotload ÷ reference, median of per-round ratios)\n\n${table}\n\n## Timers, memory, size, instantiation\n\n${others}\n\n## Where the time of a call goes\n\n${floorTable}\n\n## Scaling: per-request cost as jobs accumulate (target: last ÷ first ≤ 1.2×)\n\nmodel-hotload alone (the reference keeps every job, so its lists grow by design), on a manual clock from 0, one process per scenario. Each job is a \`hot_load\` cancelled at once; at each point every request kind is timed (median of ${QUICK ? 3 : 5} rounds), \`load_status\` on the latest job and \`list_jobs\` over the 1,000 retained. A first server warms every path up and is freed; WASM memory is the module's whole memory (${fmt(scaled[0].points[0].memoryAtStart / 2 ** 20, 1)} MiB after the warm-up; it never shrinks).\n\n${scalingTable}\n\n## Repository and residency at scale\n\nEvery model 0.1 GB and ready in a tier of 1,000,000 GB; \`plan_load\` and the admissions run with \`maxLoaded\` at the number of models and \`evict: "lru"\`, so each evicts the least recently used; the expiries with \`keepAlive: 1\`, all due at one instant.\n\n${residencyTable}\n\n## \`server.fetch\` and \`model-hotload serve\` (SPEC §6)\n\nIn process: each request awaited in turn, body read to the end, against a plain-JS handler that builds the same \`Response\` (status, headers, body) from the answer as an object; one manual-clock server with the default catalog and one more model ready.\n\n${fetchTable}\n\nOver HTTP: \`node pkg/cli.mjs serve --clock manual\` and a plain \`node:http\` server answering every request with the CLI's own answer (its bytes and headers), each in a child process, loaded in turn by autocannon (programmatic, in this process) with 50 connections, ${httpSeconds} s each${QUICK ? "" : " after a 0.5 s warm-up"}, interleaved.\n\n${httpTable}\n`;
console.log(report);
writeFileSync(OUT, report + (existsSync(join(root, "bench/NOTES.md")) && !QUICK ? "\n" + readFileSync(join(root, "bench/NOTES.md"), "utf8") : ""));
console.log(`written to ${OUT}`);
