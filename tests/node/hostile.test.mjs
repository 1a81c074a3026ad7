// The hostile-input catalogue: malformed and hostile requests through the real
// JS boundary. Each gets its exact code and a sensible reason, and leaves the
// state (models, jobs, capacity, metrics) as it was.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Server, hotLoad } from "./helpers.mjs";

const MB = "x".repeat(1 << 20);
const cfg = (over = {}) => ({ size_gb: 1, tier: "ram", capabilities: ["chat"], ...over });
const load = (over = {}, extra = {}) => ({ hot_load: { model_name: "fresh", model_config: cfg(over), ...extra } });
const withSim = (simulate) => load({}, { simulate });
const named = (model_name) => ({ hot_load: { model_name, model_config: cfg() } });
const without = (key) => { const c = cfg(); delete c[key]; return { hot_load: { model_name: "fresh", model_config: c } }; };
const deep = (n, open, close, inner) => open.repeat(n) + inner + close.repeat(n);
const cyclic = () => { const o = { list_models: true }; o.self = o; return o; };
const getterThrows = () => ({ get list_models() { throw new Error("getter"); } });
const toJsonThrows = () => ({ toJSON() { throw new Error("toJSON"); } });
const proxyThrows = () => new Proxy({}, { ownKeys() { throw new Error("ownKeys"); } });
const ownProto = () => JSON.parse('{"__proto__": {"list_models": true}}');

/** [label, request, code]: the catalogue. */
export const CATALOGUE = [
  // text that is not JSON
  ["empty text", "", "malformed_json"],
  ["unclosed object", "{", "malformed_json"],
  ["unclosed array", "[1,2", "malformed_json"],
  ["bare word", "nul", "malformed_json"],
  ["single quotes", "{'list_models': true}", "malformed_json"],
  ["trailing comma", '{"list_models": true,}', "malformed_json"],
  ["NaN literal", '{"hot_load": {"model_name": "m", "model_config": {"size_gb": NaN}}}', "malformed_json"],
  ["number beyond f64", '{"hot_load":{"model_name":"m","model_config":{"size_gb":1e400,"tier":"ram","capabilities":["a"]}}}', "malformed_json"],
  ["10,000-deep arrays", deep(10_000, "[", "]", ""), "malformed_json"],
  ["10,000-deep objects", deep(10_000, '{"a":', "}", "1"), "malformed_json"],
  ["comment", '{"list_models": true /* hi */}', "malformed_json"],
  ["two documents", '{"list_models": true}{"metrics": true}', "malformed_json"],
  ["a repeated key, then broken text", '{"metrics": true, "metrics": true', "malformed_json"],
  // a key twice in one object: two readers (a proxy, the engine) could see two requests
  ["a command twice", '{"list_models": true, "list_models": true}', "invalid_request"],
  ["model_name twice", '{"hot_load": {"model_name": "x", "model_name": "y", "model_config": {"size_gb": 1, "tier": "ram", "capabilities": ["chat"]}}}', "invalid_request"],
  ["size_gb twice", '{"hot_load": {"model_name": "x", "model_config": {"size_gb": 1, "size_gb": 9, "tier": "ram", "capabilities": ["chat"]}}}', "invalid_request"],
  ["request_id twice", '{"request_id": 1, "request_id": 2, "metrics": true}', "invalid_request"],
  ["a key twice, once escaped", '{"model": "gpt2-small", "\\u006dodel": "llama-7b"}', "invalid_request"],
  ["a key twice deep in a list", '{"capabilities": ["chat", {"a": 1, "a": 2}]}', "invalid_request"],
  // JSON that is not an object, and JS values that are not plain objects
  ["null text", "null", "invalid_request"],
  ["number text", "42", "invalid_request"],
  ["string text", '"list_models"', "invalid_request"],
  ["array text", "[]", "invalid_request"],
  ["true text", "true", "invalid_request"],
  ["1 MB string text", JSON.stringify(MB), "invalid_request"],
  ["undefined", undefined, "invalid_request"],
  ["null", null, "invalid_request"],
  ["number", 42, "invalid_request"],
  ["boolean", true, "invalid_request"],
  ["symbol", Symbol("x"), "invalid_request"],
  ["function", () => 1, "invalid_request"],
  ["BigInt", 10n, "invalid_request"],
  ["array", [], "invalid_request"],
  ["array of a request", [{ list_models: true }], "invalid_request"],
  ["Map", new Map([["list_models", true]]), "invalid_request"],
  ["Date", new Date(0), "invalid_request"],
  ["cyclic object", cyclic(), "invalid_request"],
  ["getter that throws", getterThrows(), "invalid_request"],
  ["toJSON that throws", toJsonThrows(), "invalid_request"],
  ["Proxy whose ownKeys throws", proxyThrows(), "invalid_request"],
  ["BigInt field", { list_models: true, request_id: 1n }, "invalid_request"],
  // request_id
  ["request_id object", { request_id: {}, list_models: true }, "invalid_request"],
  ["request_id array", { request_id: [1], list_models: true }, "invalid_request"],
  ["request_id boolean", { request_id: true, list_models: true }, "invalid_request"],
  ["request_id null", { request_id: null, list_models: true }, "invalid_request"],
  // unknown keys
  ["extra top-level key", { list_models: true, extra: 1 }, "unknown_field"],
  ["own __proto__ key", ownProto(), "unknown_field"],
  ["constructor key", { constructor: 1, list_models: true }, "unknown_field"],
  ["empty key", { "": 1, list_models: true }, "unknown_field"],
  ["upper-case command", { LIST_MODELS: true }, "unknown_field"],
  ["command with a space", { "list_models ": true }, "unknown_field"],
  ["1 MB key", { [MB]: true }, "unknown_field"],
  ["bidi override key", { "list\u202Emodels": true }, "unknown_field"],
  // number of commands
  ["no command", {}, "invalid_request"],
  ["two commands", { list_models: true, metrics: true }, "ambiguous_request"],
  ["model and priority", { model: "a", priority: "speed" }, "ambiguous_request"],
  ["hot_load and load_status", { ...load(), load_status: "x" }, "ambiguous_request"],
  // the command value's type
  ["list_models false", { list_models: false }, "invalid_request"],
  ["list_models 1", { list_models: 1 }, "invalid_request"],
  ["list_models 'true'", { list_models: "true" }, "invalid_request"],
  ["list_jobs null", { list_jobs: null }, "invalid_request"],
  ["metrics object", { metrics: {} }, "invalid_request"],
  ["system_status array", { system_status: [] }, "invalid_request"],
  ["load_status number", { load_status: 123 }, "invalid_request"],
  ["load_status null", { load_status: null }, "invalid_request"],
  ["load_status array", { load_status: ["id"] }, "invalid_request"],
  ["model number", { model: 5 }, "invalid_request"],
  ["cancel_load object", { cancel_load: {} }, "invalid_request"],
  ["unload_model boolean", { unload_model: true }, "invalid_request"],
  ["hot_load string", { hot_load: "m" }, "invalid_request"],
  ["hot_load array", { hot_load: [load().hot_load] }, "invalid_request"],
  ["hot_load null", { hot_load: null }, "invalid_request"],
  // hot_load: fields
  ["hot_load unknown field", load({}, { priority: 1 }), "unknown_field"],
  ["hot_load without model_config", { hot_load: { model_name: "fresh" } }, "invalid_config"],
  ["hot_load without model_name", { hot_load: { model_config: cfg() } }, "invalid_model_name"],
  ["empty name", named(""), "invalid_model_name"],
  ["1 MB name", named(MB), "invalid_model_name"],
  ["script in name", named("<script>alert(1)</script>"), "invalid_model_name"],
  ["img onerror name", named('<img src=x onerror="alert(1)">'), "invalid_model_name"],
  ["space in name", named("a b"), "invalid_model_name"],
  ["leading dash", named("-a"), "invalid_model_name"],
  ["129-character name", named("a".repeat(129)), "invalid_model_name"],
  ["name as number", named(42), "invalid_model_name"],
  ["name as array", named(["a"]), "invalid_model_name"],
  ["lone high surrogate in name", named("\uD800abc"), "invalid_model_name"],
  ["lone low surrogate in name", named("abc\uDC00"), "invalid_model_name"],
  ["non-ASCII name", named("ünïcode"), "invalid_model_name"],
  ["bidi override in name", named("a\u202Eb"), "invalid_model_name"],
  ["zero-width space in name", named("a\u200Bb"), "invalid_model_name"],
  ["newline in name", named("a\nb"), "invalid_model_name"],
  ["model_config string", { hot_load: { model_name: "fresh", model_config: "x" } }, "invalid_config"],
  ["model_config array", { hot_load: { model_name: "fresh", model_config: [cfg()] } }, "invalid_config"],
  ["model_config unknown field", load({ quantized: true }), "unknown_field"],
  ["model_config without size_gb", without("size_gb"), "invalid_config"],
  ["model_config without tier", without("tier"), "invalid_config"],
  ["model_config without capabilities", without("capabilities"), "invalid_config"],
  // sizes
  ["size NaN", load({ size_gb: NaN }), "invalid_size"],
  ["size Infinity", load({ size_gb: Infinity }), "invalid_size"],
  ["size -Infinity", load({ size_gb: -Infinity }), "invalid_size"],
  ["size -0", load({ size_gb: -0 }), "invalid_size"],
  ["size 0", load({ size_gb: 0 }), "invalid_size"],
  ["size -1", load({ size_gb: -1 }), "invalid_size"],
  ["size as string", load({ size_gb: "2.5" }), "invalid_size"],
  ["size null", load({ size_gb: null }), "invalid_size"],
  ["size array", load({ size_gb: [2.5] }), "invalid_size"],
  ["size 1e308", load({ size_gb: 1e308 }), "too_large"],
  ["size Number.MAX_VALUE", load({ size_gb: Number.MAX_VALUE, tier: "swap" }), "too_large"],
  ["swap just over 7", load({ size_gb: 7.0000001, tier: "swap" }), "too_large"],
  ["storage tier", load({ tier: "storage" }), "too_large"],
  ["ram over 3", load({ size_gb: 3.5 }), "too_large"],
  // tiers
  ["tier RAM", load({ tier: "RAM" }), "invalid_tier"],
  ["tier empty", load({ tier: "" }), "invalid_tier"],
  ["tier number", load({ tier: 1 }), "invalid_tier"],
  ["tier null", load({ tier: null }), "invalid_tier"],
  ["tier gpu", load({ tier: "gpu" }), "invalid_tier"],
  // capabilities
  ["no capabilities", load({ capabilities: [] }), "invalid_capabilities"],
  ["17 capabilities", load({ capabilities: Array.from({ length: 17 }, (_, i) => `c${i}`) }), "invalid_capabilities"],
  ["repeated capability", load({ capabilities: ["chat", "chat"] }), "invalid_capabilities"],
  ["capabilities as string", load({ capabilities: "chat" }), "invalid_capabilities"],
  ["capability number", load({ capabilities: [1] }), "invalid_capabilities"],
  ["capability upper-case", load({ capabilities: ["Chat"] }), "invalid_capabilities"],
  ["65-character capability", load({ capabilities: ["a".repeat(65)] }), "invalid_capabilities"],
  ["markup capability", load({ capabilities: ["<b>x</b>"] }), "invalid_capabilities"],
  ["null capability", load({ capabilities: [null] }), "invalid_capabilities"],
  // simulate
  ["simulate string", withSim("fail"), "invalid_config"],
  ["simulate empty", withSim({}), "invalid_config"],
  ["fail_at_progress 1.5", withSim({ fail_at_progress: 1.5 }), "invalid_config"],
  ["fail_at_progress -0.1", withSim({ fail_at_progress: -0.1 }), "invalid_config"],
  ["fail_at_progress NaN", withSim({ fail_at_progress: NaN }), "invalid_config"],
  ["fail_at_progress as string", withSim({ fail_at_progress: "0.5" }), "invalid_config"],
  ["simulate unknown field", withSim({ fail_at_progress: 0.5, when: "now" }), "unknown_field"],
  ["simulate error number", withSim({ fail_at_progress: 0.5, error: 5 }), "invalid_config"],
  // state
  ["duplicate of a listed model", named("gpt2-small"), "duplicate_model"],
  ["duplicate of a loading model", named("busy"), "duplicate_model"],
  ["over capacity", hotLoad("too-big", 5, "swap"), "insufficient_capacity"],
  ["unknown job", { load_status: "load_nothing_0" }, "job_not_found"],
  ["cancel an unknown job", { cancel_load: "load_nothing_0" }, "job_not_found"],
  ["cancel a finished job", { cancel_load: "load_done_1795000000" }, "job_not_active"],
  ["select an unknown model", { model: "gpt-5" }, "model_not_found"],
  ["select a loading model", { model: "busy" }, "model_loading"],
  ["unload an unknown model", { unload_model: "gpt-5" }, "model_not_found"],
  ["unload a loading model", { unload_model: "busy" }, "model_loading"],
  ["unload the current model", { unload_model: "gpt2-small" }, "model_in_use"],
  ["no capable model", { capabilities: ["embeddings"] }, "no_capable_model"],
  // selection by need
  ["auto_select false", { auto_select: false }, "invalid_request"],
  ["auto_select 'yes'", { auto_select: "yes" }, "invalid_request"],
  ["priority FAST", { priority: "FAST" }, "invalid_request"],
  ["priority number", { priority: 1 }, "invalid_request"],
  ["capabilities as string (selection)", { capabilities: "text-generation" }, "invalid_capabilities"],
  ["capabilities empty (selection)", { capabilities: [] }, "invalid_capabilities"],
];

const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff\ufff9-\ufffb]/;

async function observe(server) {
  const [models, jobs, system, metrics] = await Promise.all(
    [{ list_models: true }, { list_jobs: true }, { system_status: true }, { metrics: true }].map((r) => server.handleRequest(r)));
  delete metrics.selections; // measured times
  return JSON.stringify([models, jobs, system, metrics]);
}

test(`the hostile-input catalogue (${CATALOGUE.length} requests): exact codes, clear reasons, nothing changes`, async () => {
  assert.ok(CATALOGUE.length >= 80);
  const server = new Server({ clock: "manual", startTime: 1_795_000_000_000, swapGb: 20 });
  await server.handleRequest(hotLoad("done", 0.5));
  server.advance(1000);
  await server.handleRequest({ model: "gpt2-small" });
  await server.handleRequest(hotLoad("busy", 1));
  const before = await observe(server);
  const codes = new Set();
  for (const [label, request, code] of CATALOGUE) {
    let response;
    try {
      response = await server.handleRequest(request);
    } catch (e) {
      assert.fail(`${label}: handleRequest must resolve, but threw ${e}`);
    }
    assert.equal(Object.getPrototypeOf(response), Object.prototype, label);
    assert.equal(response.status, "error", `${label}: ${JSON.stringify(response).slice(0, 200)}`);
    assert.equal(response.code, code, `${label}: ${response.reason}`);
    assert.equal(typeof response.reason, "string", label);
    assert.ok(response.reason.length > 10 && response.reason.length < 500, `${label}: ${response.reason.length} characters`);
    assert.ok(!UNSAFE.test(response.reason), `${label}: the reason carries a control or bidi character`);
    assert.ok(!/x{65}|a{65}/.test(response.reason), `${label}: the reason quotes more than 64 characters`);
    codes.add(code);
  }
  assert.equal(await observe(server), before, "rejected requests changed the state");
  assert.equal(codes.size, 18, `every error code of SPEC §3 is covered: ${[...codes].sort()}`);
});
