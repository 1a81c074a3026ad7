// SPEC §6 with the real npm `ollama` client over server.fetch, on a manual
// clock: list, ps, show, pull (streamed and not), generate and chat to load,
// unload and answer, delete, the client's errors, and the state handleRequest sees.
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { Ollama } from "ollama";
import { manual } from "./helpers.mjs";

const START = 1_700_000_000_000;
const ANSWER = "Hello! This is a simulated answer, the same every time.";

function setup(options = {}) {
  const server = manual({ startTime: START, ...options });
  const ollama = new Ollama({ host: "http://sim", fetch: server.fetch });
  return { server, ollama };
}

/** Awaits `promise`, moving the clock `step` ms whenever it waits. */
async function drive(server, promise, step = 20, limit = 60_000) {
  let settled = false;
  const result = promise.then(
    (value) => ({ value }),
    (error) => ({ error }),
  );
  result.then(() => { settled = true; });
  for (let waited = 0; ; waited += step) {
    await new Promise((ok) => setImmediate(ok));
    if (settled) break;
    assert.ok(waited < limit, "the request never settled");
    server.advance(step);
  }
  const { value, error } = await result;
  if (error) throw error;
  return value;
}

/** Every value a streamed answer yields, the clock moving as it waits. */
const collect = (server, stream, step) =>
  drive(server, (async () => {
    const all = [];
    for await (const part of stream) all.push(part);
    return all;
  })(), step);

const entry = async (server, name) =>
  (await server.handleRequest({ list_repository: true })).models.find((m) => m.name === name);

const DIGEST = /^sha256:[0-9a-f]{64}$/;
const DETAILS = ["parent_model", "format", "family", "families", "parameter_size", "quantization_level"];

test("§6 list: the models on disk in Ollama's shape and field order", async () => {
  const { server, ollama } = setup();
  await server.handleRequest({ unload_model: "gpt2-medium" });
  const { models } = await ollama.list();
  assert.equal(models.length, 6, "ready and available");
  const [small] = models;
  assert.deepEqual(Object.keys(small), ["name", "model", "modified_at", "size", "digest", "details", "capabilities"]);
  assert.equal(small.name, "gpt2-small");
  assert.equal(small.modified_at, new Date(START).toISOString().replace(".000Z", "Z"));
  assert.equal(small.size, 500_000_000);
  assert.match(small.digest, DIGEST);
  assert.deepEqual(Object.keys(small.details), DETAILS);
  assert.deepEqual(small.details.families, ["gpt2"]);
  const cargo = readFileSync(new URL("../../Cargo.toml", import.meta.url), "utf8");
  assert.deepEqual(await ollama.version(), { version: cargo.match(/^version = "(.+)"$/m)[1] });
  server.free();
});

test("§6 ps: the ready models, expiry and VRAM", async () => {
  const { server, ollama } = setup({ residency: { keepAlive: 300 } });
  await server.handleRequest({ unload_model: "gpt2-large" });
  const { models } = await ollama.ps();
  assert.deepEqual(Object.keys(models[0]), ["name", "model", "size", "digest", "details", "expires_at", "size_vram", "context_length"]);
  assert.ok(!models.some((m) => m.name === "gpt2-large"), "available is not running");
  const small = models.find((m) => m.name === "gpt2-small");
  assert.equal(small.expires_at, new Date(START + 300_000).toISOString().replace(".000Z", "Z"));
  assert.equal(small.size_vram, small.size);
  assert.equal(models.find((m) => m.name === "llama-7b").size_vram, 0, "swap");
  server.free();
});

test("§6 pull streamed: monotone progress, every percent, success; then on disk", async () => {
  const { server, ollama } = setup();
  const stream = await ollama.pull({ model: "llama3.2:1b", stream: true });
  const parts = await collect(server, stream, 25);
  assert.equal(parts[0].status, "pulling manifest");
  const progress = parts.filter((p) => p.digest);
  assert.deepEqual(Object.keys(progress[0]), ["status", "digest", "total", "completed"]);
  assert.match(progress[0].digest, DIGEST);
  assert.equal(progress[0].status, `pulling ${progress[0].digest.slice(7, 19)}`);
  const completed = progress.map((p) => p.completed);
  assert.ok(completed.every((c, i) => i === 0 || c >= completed[i - 1]), "never goes back");
  for (let percent = 0; percent <= 100; percent++) {
    assert.ok(completed.includes((1_300_000_000 * percent) / 100), `a line at ${percent} %`);
  }
  assert.deepEqual(parts.slice(-3).map((p) => p.status), ["verifying sha256 digest", "writing manifest", "success"]);
  assert.equal((await entry(server, "llama3.2:1b")).state, "available");
  assert.ok((await ollama.list()).models.some((m) => m.name === "llama3.2:1b" && m.digest === progress[0].digest));
  // The client's default (stream: false): one answer; a model on disk answers at once.
  assert.deepEqual(await ollama.pull({ model: "llama3.2:1b" }), { status: "success" });
  server.free();
});

test("§6 aborting a streamed pull stops the stream, not the pull", async () => {
  const { server, ollama } = setup();
  const stream = await ollama.pull({ model: "llama3.2:1b", stream: true });
  const seen = [];
  const reading = (async () => { for await (const part of stream) seen.push(part); })();
  server.advance(200);
  await new Promise((ok) => setImmediate(ok));
  stream.abort();
  await assert.rejects(reading, (e) => e.name === "AbortError");
  assert.ok(seen.length >= 1 && seen.every((p) => p.status !== "success"));
  assert.equal((await entry(server, "llama3.2:1b")).state, "pulling");
  server.advance(2000);
  assert.equal((await entry(server, "llama3.2:1b")).state, "available");
  server.free();
});

test("§6 pull: an unknown name is a 404, a failing pull an error in the stream", async () => {
  const { server, ollama } = setup();
  await assert.rejects(ollama.pull({ model: "no-such:1b" }), (e) => {
    assert.equal(e.name, "ResponseError");
    assert.equal(e.status_code, 404);
    assert.equal(e.error, "pull model manifest: file does not exist");
    return true;
  });
  await server.handleRequest({ pull_model: { model_name: "gemma2:2b", simulate: { fail_at_progress: 0.5, error: "registry unreachable" } } });
  const stream = await ollama.pull({ model: "gemma2:2b", stream: true });
  await assert.rejects(collect(server, stream, 50), /registry unreachable/);
  assert.equal(await entry(server, "gemma2:2b"), undefined);
  server.free();
});

test("§6 generate without a prompt loads the model; keep_alive 0 unloads it", async () => {
  const { server, ollama } = setup();
  await server.handleRequest({ unload_model: "gpt2-medium" });
  const loaded = await drive(server, ollama.generate({ model: "gpt2-medium", prompt: "", keep_alive: "5m" }));
  assert.deepEqual(Object.keys(loaded), ["model", "created_at", "response", "done", "done_reason"]);
  assert.equal(loaded.done_reason, "load");
  assert.equal(loaded.created_at, "2023-11-14T22:13:20.15Z", "RFC 3339 as Go writes it: no trailing zeros");
  let model = await entry(server, "gpt2-medium");
  assert.deepEqual([model.state, model.keep_alive], ["ready", 300]);
  const unloaded = await ollama.generate({ model: "gpt2-medium", prompt: "", keep_alive: 0 });
  assert.deepEqual([unloaded.done, unloaded.done_reason], [true, "unload"]);
  assert.equal((await entry(server, "gpt2-medium")).state, "available");
  const chat = await drive(server, ollama.chat({ model: "gpt2-medium", messages: [] }));
  assert.deepEqual([chat.message, chat.done_reason], [{ role: "assistant", content: "" }, "load"]);
  assert.equal((await entry(server, "gpt2-medium")).state, "ready");
  server.free();
});

test("§6 generate with a prompt streams the fixed answer in simulated time", async () => {
  const { server, ollama } = setup();
  const stream = await ollama.generate({ model: "gpt2-small", prompt: "why is the sky blue", stream: true });
  const parts = await collect(server, stream, 10);
  assert.equal(parts.map((p) => p.response).join(""), ANSWER);
  const last = parts.at(-1);
  assert.deepEqual(
    Object.keys(last),
    ["model", "created_at", "response", "done", "done_reason", "context", "total_duration", "load_duration", "prompt_eval_count", "prompt_eval_duration", "eval_count", "eval_duration"],
  );
  assert.deepEqual([last.done, last.done_reason, last.eval_count, last.prompt_eval_count], [true, "stop", 13, 5]);
  assert.equal(last.total_duration, 270_000_000, "ns of simulated time");
  assert.equal(last.eval_duration, 260_000_000);
  assert.equal((await server.handleRequest({ system_status: true })).current_model, "gpt2-small");
  const chat = await drive(server, ollama.chat({ model: "gpt2-small", messages: [{ role: "user", content: "hi" }] }));
  assert.deepEqual(chat.message, { role: "assistant", content: ANSWER });
  assert.equal(chat.total_duration, 262_000_000);
  server.free();
});

test("§6 show and delete", async () => {
  const { server, ollama } = setup();
  const shown = await ollama.show({ model: "gpt2-small" });
  assert.deepEqual(Object.keys(shown), ["modelfile", "parameters", "template", "details", "model_info", "capabilities", "modified_at"]);
  assert.deepEqual(shown.capabilities, ["completion"]);
  assert.equal(shown.model_info["general.architecture"], "gpt2");
  assert.deepEqual(Object.keys(shown.model_info), [...Object.keys(shown.model_info)].sort());
  assert.deepEqual(await ollama.delete({ model: "gpt2-small" }), { status: "success" });
  assert.equal(await entry(server, "gpt2-small"), undefined);
  server.free();
});

test("§6 unknown models are the client's ResponseError 404", async () => {
  const { server, ollama } = setup();
  for (const call of [
    () => ollama.generate({ model: "nope", prompt: "x" }),
    () => ollama.chat({ model: "nope", messages: [] }),
    () => ollama.show({ model: "nope" }),
    () => ollama.delete({ model: "nope" }),
  ]) {
    await assert.rejects(call(), (e) => {
      assert.equal(e.name, "ResponseError");
      assert.equal(e.status_code, 404);
      assert.equal(e.error, "model 'nope' not found");
      return true;
    });
  }
  await assert.rejects(ollama.generate({ model: "gpt2-small", prompt: "x", keep_alive: "5" }), (e) => {
    assert.equal(e.status_code, 400);
    assert.equal(e.error, 'time: missing unit in duration "5"');
    return true;
  });
  server.free();
});
