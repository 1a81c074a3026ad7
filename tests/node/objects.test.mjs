// An object request is read as JSON.stringify writes it: every request below
// is sent as an object to one server and as its JSON text to a twin, and both
// answers must be equal. Getters must run exactly once per request, as in
// JSON.stringify; hostile objects (getters, toJSON, proxies of prototypes,
// sparse arrays, lone surrogates, huge texts) must not change that.
import test from "node:test";
import assert from "node:assert/strict";
import { hotLoad, manual } from "./helpers.mjs";

async function twins() {
  // Job ids below (load_alpha_1700000000, …) name these loads.
  const a = manual({ startTime: 1_700_000_000_000 }), b = manual({ startTime: 1_700_000_000_000 });
  for (const s of [a, b]) {
    assert.equal((await s.handleRequest(hotLoad("alpha", 1))).job_id, "load_alpha_1700000000");
    assert.equal((await s.handleRequest(hotLoad("beta", 2, "swap"))).job_id, "load_beta_1700000000");
  }
  return [a, b];
}

// Wall-clock figures (selection_time_ms and the metrics of selections) differ between twins.
const stable = (value) => JSON.parse(JSON.stringify(value), (k, v) => (/_ms$/.test(k) && typeof v === "number" ? "<ms>" : v));

// A selection may start a hot-swap, which answers once simulated time passes it.
function ask(server, request) {
  const answer = server.handleRequest(request);
  server.advance(60_000);
  return answer;
}

function withGetter(key, value, counter) {
  const o = {};
  Object.defineProperty(o, key, { enumerable: true, get() { counter.n++; return value; } });
  return o;
}

class Named { constructor() { this.load_status = "load_alpha_1700000000"; } }

const cases = () => {
  const counter = { n: 0 };
  const inherited = Object.create({ list_models: true });
  const nullProto = Object.assign(Object.create(null), { list_models: true });
  const hidden = {};
  Object.defineProperty(hidden, "list_models", { value: true, enumerable: false });
  return {
    counter,
    list: [
      { load_status: "load_alpha_1700000000" },
      { load_status: "nope" },
      { load_status: "" },
      { load_status: "\ud800 lone" },
      { load_status: 5 },
      { load_status: null },
      { load_status: undefined },
      { load_status: ["load_alpha_1700000000"] },
      { load_status: { toJSON: () => "load_alpha_1700000000" } },
      { cancel_load: "load_beta_1700000000" },
      { cancel_load: "load_beta_1700000000" },
      { unload_model: "gpt2-small" },
      { unload_model: "<b>x</b>" },
      { model: "alpha" },
      { model: "missing" },
      { model: 1 },
      { list_models: true },
      { list_models: false },
      { list_models: "true" },
      { list_models: 1 },
      { list_jobs: true },
      { metrics: true },
      { system_status: true },
      { list_models: true, request_id: 1 },
      { list_models: true, metrics: true },
      { list_models: true, extra: 1 },
      { [Symbol("s")]: 1, list_models: true },
      withGetter("list_models", true, counter),
      withGetter("load_status", "load_alpha_1700000000", counter),
      withGetter("load_status", 42, counter),
      withGetter("model", "beta", counter),
      inherited,
      nullProto,
      hidden,
      new Named(),
      [["list_models", true]],
      { toJSON: () => ({ metrics: true }) },
      // selection by need
      { capabilities: ["chat"] },
      { capabilities: ["text-generation"], priority: "quality" },
      { priority: "speed" },
      { priority: "quality", capabilities: [] },
      { capabilities: ["chat"], auto_select: true },
      { auto_select: true },
      { auto_select: false },
      { auto_select: "yes", priority: "speed" },
      { capabilities: "chat" },
      { capabilities: [1] },
      { capabilities: [, "chat"] }, // eslint-disable-line no-sparse-arrays
      { capabilities: ["a\u0000b"] },
      { capabilities: ["chat", "chat"] },
      { capabilities: ["BAD TAG", "<b>"] },
      { capabilities: ["ünï"] },
      { capabilities: Array.from({ length: 17 }, (_, i) => `c${i}`) },
      { capabilities: ["chat"], priority: 5 },
      { capabilities: ["chat"], priority: "fast" },
      { capabilities: ["chat"], priority: "a\u0000b" },
      { capabilities: ["chat"], priority: "speed", extra: 1 },
      { capabilities: ["chat"], model: "alpha" },
      { capabilities: Object.assign(["chat"], { toJSON: () => ["vision"] }) },
      { capabilities: new (class Caps extends Array {})() },
      { capabilities: (() => { const a = ["x"]; Object.defineProperty(a, 0, { enumerable: true, get() { counter.n++; return "chat"; } }); return a; })() },
      // texts copied into WASM memory by text.js: non-ASCII, longer than the first buffer, lone surrogates
      { load_status: "ü".repeat(100) },
      { load_status: "x".repeat(5000) },
      { model: "模型-€-😀" },
      { unload_model: "\ud83d-lone-\udc00" },
      { capabilities: ["ç".repeat(70), "chat"], priority: "quality" },
      // with a request_id
      { load_status: "load_alpha_1700000000", request_id: "r-1" },
      { request_id: 7, list_models: true },
      { request_id: -0, metrics: true },
      { request_id: -42, unload_model: "missing" },
      { request_id: 1.5, list_models: true },
      { request_id: 2 ** 53, list_models: true },
      { request_id: Number.MAX_SAFE_INTEGER, list_models: true },
      { request_id: null, list_models: true },
      { request_id: NaN, list_models: true },
      { request_id: true, list_models: true },
      { request_id: "ü€😀".repeat(30), model: "alpha" },
      { request_id: "x", capabilities: ["BAD"] },
      { request_id: "x", capabilities: ["chat"], priority: "fast" },
      { request_id: 5, capabilities: ["chat"], priority: "speed", auto_select: true },
      { request_id: 5, capabilities: ["chat"], priority: "speed", auto_select: true, extra: 1 },
      { request_id: "alone" },
      JSON.parse('{"__proto__": {"x": 1}, "request_id": 1, "list_models": true}'),
      JSON.parse('{"request_id": "p", "__proto__": 2}'),
      { request_id: "r", load_status: 5 },
      { request_id: "r", list_models: true, metrics: true },
      { request_id: { toJSON: () => "from-toJSON" }, list_models: true },
      withGetter("request_id", "got", counter),
      withGetter("priority", "speed", counter),
      withGetter("capabilities", ["chat"], counter),
      // a getter on an element of a list: still read once
      { capabilities: (() => { const a = ["x", 5]; Object.defineProperty(a, 0, { enumerable: true, get() { counter.n++; return "chat"; } }); return a; })() },
      { capabilities: (() => { const a = ["x"]; Object.defineProperty(a, 0, { enumerable: true, get() { counter.n++; return "chat"; } }); return a; })(), priority: 3 },
    ],
  };
};

test("object requests answer as their JSON text does", async () => {
  const [a, b] = await twins();
  const { list, counter } = cases();
  let getterReads = 0;
  for (const request of list) {
    const before = counter.n;
    const fromObject = await ask(a, request);
    const reads = counter.n - before;
    const text = JSON.stringify(request);
    assert.equal(reads, counter.n - before - reads, `${text}: a getter runs as often as in JSON.stringify`);
    const fromText = await ask(b, text ?? "undefined");
    if (text === undefined) continue; // not JSON at all: the two differ by design (invalid_request vs malformed_json)
    getterReads += reads;
    assert.deepEqual(stable(fromObject), stable(fromText), `${text}`);
    assert.deepEqual(Object.keys(fromObject), Object.keys(fromText), `${text}: key order`);
  }
  assert.equal(getterReads, 10, "each getter ran once when its request was read");
});

test("texts that grow WASM memory on their way in are read whole", async () => {
  const [a, b] = await twins();
  for (const size of [1 << 20, 8 << 20]) {
    const id = "é".repeat(size);
    const fromObject = await a.handleRequest({ load_status: id });
    const fromText = await b.handleRequest(JSON.stringify({ load_status: id }));
    assert.equal(fromObject.code, "job_not_found");
    assert.deepEqual(fromObject, fromText);
  }
  const after = await a.handleRequest({ load_status: "load_alpha_1700000000" });
  assert.equal(after.job_id, "load_alpha_1700000000", "short texts still read after memory grew");
});

test("a polluted Object.prototype.toJSON is honoured as JSON.stringify honours it", async () => {
  const [a, b] = await twins();
  Object.prototype.toJSON = function () { return { metrics: true }; };
  try {
    const text = JSON.stringify({ list_models: true });
    const fromObject = await a.handleRequest({ list_models: true });
    const fromText = await b.handleRequest(text);
    assert.deepEqual({ ...fromObject }, { ...fromText });
    assert.ok("loads" in fromObject, "read as metrics, as JSON.stringify reads it");
  } finally {
    delete Object.prototype.toJSON;
  }
});

test("a throwing getter is reported, not thrown", async () => {
  const s = manual();
  const request = {};
  Object.defineProperty(request, "load_status", { enumerable: true, get() { throw new Error("boom"); } });
  const r = await s.handleRequest(request);
  assert.equal(r.status, "error");
  assert.equal(r.code, "invalid_request");
  assert.match(r.reason, /boom/);
});
