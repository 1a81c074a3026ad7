// SPEC §6 through the nodejs build: server.fetch as WHATWG fetch, the native
// routes (/hotload, /events, /_sim/advance) and the bad-input rules.
import { test } from "node:test";
import assert from "node:assert/strict";
import { Server, hotLoad, manual, sleep } from "./helpers.mjs";

const post = (body) => ({ method: "POST", body: typeof body === "string" ? body : JSON.stringify(body) });
const decoder = new TextDecoder();

/** Reads a body stream chunk by chunk as text. */
function lines(response) {
  const reader = response.body.getReader();
  return { reader, next: async () => { const { done, value } = await reader.read(); return done ? null : decoder.decode(value); } };
}

test("§6 fetch is bound, the same function each time, and ignores scheme and host", async () => {
  const s = manual();
  const f = s.fetch;
  assert.equal(f, s.fetch);
  for (const url of ["http://sim/hotload", "https://other:9/hotload?x=1#y", "/hotload", new URL("http://a/hotload")]) {
    const r = await f(url, post({ list_models: true }));
    assert.equal(r.status, 200, String(url));
    assert.match(r.headers.get("content-type"), /^application\/json/);
    assert.equal((await r.json()).total_models, 6);
  }
  // A Request, and a lower-case method, as fetch normalises it.
  const r = await f(new Request("http://sim/hotload", { method: "post", body: '{"list_models": true}' }));
  assert.equal(r.status, 200);
  s.free();
});

test("§6 POST /hotload answers what handleRequest answers, with SPEC's status codes", async () => {
  const s = manual({ residency: { parallelLoads: 1, maxQueue: 0 } });
  const via = async (request) => { const r = await s.fetch("http://sim/hotload", post(request)); return [r.status, await r.json(), r.headers]; };
  let [status, body] = await via(hotLoad("m", 2));
  assert.deepEqual([status, body.status], [200, "hot_load_started"]);
  // The same state: handleRequest sees the job the façade started.
  assert.equal((await s.handleRequest({ load_status: body.job_id })).status, "loading");
  [status, body] = await via("{bad");
  assert.deepEqual([status, body.code], [400, "malformed_json"]);
  [status, body] = await via({ hot_load: { model_name: "m2", model_config: { size_gb: -1, tier: "ram", capabilities: ["chat"] } } });
  assert.deepEqual([status, body.code], [400, "invalid_size"]);
  [status, body] = await via({ load_status: "nope" });
  assert.deepEqual([status, body.code], [404, "job_not_found"]);
  [status, body] = await via(hotLoad("m", 2));
  assert.deepEqual([status, body.code], [409, "duplicate_model"]);
  let headers;
  [status, body, headers] = await via(hotLoad("n", 2));
  assert.deepEqual([status, body.code], [503, "queue_full"]);
  assert.equal(headers.get("retry-after"), "1");
  [status, body] = await via({ list_models: true, request_id: 7 });
  assert.deepEqual([status, body.request_id], [200, 7]);
  s.free();
});

test("§6 a selection over /hotload answers once its hot-swap has finished", async () => {
  const s = manual();
  await s.handleRequest({ model: "gpt2-small" });
  let answered = false;
  const pending = s.fetch("http://sim/hotload", post({ model: "gpt2-large" })).then((r) => { answered = true; return r; });
  await sleep(5);
  assert.equal(answered, false, "waits for simulated time");
  s.advance(60_000);
  const r = await pending;
  assert.equal(r.status, 200);
  const body = await r.json();
  assert.equal(body.model, "gpt2-large");
  assert.equal(body.swap_executed, true);
  s.free();
});

test("§6 POST /_sim/advance moves a manual clock and is 409 on a real one", async () => {
  const s = manual({ startTime: 1000 });
  let r = await s.fetch("http://sim/_sim/advance", post({ ms: 250 }));
  assert.deepEqual([r.status, await r.json()], [200, { now: 1250 }]);
  assert.equal(s.now(), 1250);
  for (const bad of ['{"ms": -1}', '{"ms": "5"}', "{}", "nope", '{"ms": 1e400}']) {
    r = await s.fetch("http://sim/_sim/advance", post(bad));
    assert.equal(r.status, 400, bad);
    assert.equal(typeof (await r.json()).error, "string");
  }
  r = await s.fetch("http://sim/_sim/advance", post({ ms: 8.64e15 }));
  assert.equal(r.status, 400, "past the latest Date");
  assert.equal(s.now(), 1250, "a refused advance changes nothing");
  const real = new Server();
  r = await real.fetch("http://sim/_sim/advance", post({ ms: 1 }));
  assert.equal(r.status, 409);
  assert.match((await r.json()).error, /manual clock/);
  real.free();
  s.free();
});

test("§6 GET /events streams events as server-sent events until cancelled", async () => {
  const s = manual();
  const r = await s.fetch("http://sim/events");
  assert.equal(r.status, 200);
  assert.equal(r.headers.get("content-type"), "text/event-stream");
  const stream = lines(r);
  assert.match(await stream.next(), /^:/, "a comment opens the stream");
  const { job_id } = await s.handleRequest(hotLoad("m", 2));
  const started = await stream.next();
  assert.match(started, /^event: load_started\ndata: \{.*\}\n\n$/);
  assert.equal(JSON.parse(started.split("\n")[1].slice(6)).job_id, job_id);
  s.advance(5000);
  assert.match(await stream.next(), /^event: load_succeeded\n/);
  await stream.reader.cancel();
  // Cancelled: the server goes on, and the stream holds nothing.
  await s.handleRequest(hotLoad("m2", 2));
  s.advance(5000);
  assert.equal((await s.handleRequest({ list_models: true })).total_models, 8);
  s.free();
});

test("§6 an aborted signal stops an answer as fetch does", async () => {
  const s = manual();
  const before = new AbortController();
  before.abort();
  await assert.rejects(s.fetch("http://sim/events", { signal: before.signal }), { name: "AbortError" });
  const during = new AbortController();
  const r = await s.fetch("http://sim/events", { signal: during.signal });
  const stream = lines(r);
  await stream.next();
  during.abort();
  await assert.rejects(stream.reader.read(), { name: "AbortError" });
  // A waiting answer rejects.
  await s.handleRequest({ model: "gpt2-small" });
  const waiting = new AbortController();
  const pending = s.fetch("http://sim/hotload", { ...post({ model: "llama-7b" }), signal: waiting.signal });
  await sleep(1);
  waiting.abort();
  await assert.rejects(pending, { name: "AbortError" });
  s.free();
});

test("§6 bad HTTP input: 404, 405 with Allow, 413, 400; never a rejection", async () => {
  const s = manual();
  const before = await s.handleRequest({ system_status: true });
  let r = await s.fetch("http://sim/nope");
  assert.equal(r.status, 404);
  assert.match((await r.json()).error, /no route/);
  r = await s.fetch("http://sim/hotload");
  assert.deepEqual([r.status, r.headers.get("allow")], [405, "POST"]);
  r = await s.fetch("http://sim/events", { method: "DELETE" });
  assert.deepEqual([r.status, r.headers.get("allow")], [405, "GET"]);
  r = await s.fetch("http://sim/hotload", { method: "PATCH", body: "{}" });
  assert.equal(r.status, 405);
  const big = JSON.stringify({ list_models: true, pad: "x".repeat(1 << 20) });
  r = await s.fetch("http://sim/hotload", post(big));
  assert.equal(r.status, 413);
  // The same through a Request, whose body is read no further than the limit.
  r = await s.fetch(new Request("http://sim/hotload", post("é".repeat(600_000))));
  assert.equal(r.status, 413);
  r = await s.fetch("http://sim/hotload", { method: "POST", body: new Uint8Array([0xff, 0x7b]) });
  assert.equal(r.status, 400);
  r = await s.fetch("http://sim/hotload", post("<script>alert(1)</script>"));
  assert.equal(r.status, 400);
  assert.deepEqual(await s.handleRequest({ system_status: true }), before, "nothing changed");
  s.free();
});

test("§6 a freed server's fetch rejects with a clear error", async () => {
  const s = manual();
  const f = s.fetch;
  s.free();
  await assert.rejects(f("http://sim/hotload", post({ list_models: true })), /after free/);
  assert.throws(() => s.fetch, /after free/);
});

test("§6 a plain fetch takes effect during the call, as handleRequest does", async () => {
  const s = manual();
  const pending = s.fetch("http://sim/hotload", post(hotLoad("m", 2)));
  s.advance(5000); // the load started in the call, so it is over now
  const { job_id } = await (await pending).json();
  assert.equal((await s.handleRequest({ load_status: job_id })).status, "success");
  s.free();
});
