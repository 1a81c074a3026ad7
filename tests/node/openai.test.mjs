// SPEC §6 with the real npm `openai` client over server.fetch: models.list,
// retrieve and delete, its error classes, and the state handleRequest sees.
import { test } from "node:test";
import assert from "node:assert/strict";
import OpenAI, { NotFoundError, ConflictError } from "openai";
import { hotLoad, manual } from "./helpers.mjs";

const START = 1_700_000_000_500;

/** A manual-clock server and an OpenAI client on it; `calls` lists each fetch. */
function setup(clientOptions = { maxRetries: 0 }) {
  const server = manual({ startTime: START });
  const calls = [];
  const fetch = (input, init) => {
    calls.push(`${init?.method ?? "GET"} ${new URL(String(input)).pathname}`);
    return server.fetch(input, init);
  };
  const client = new OpenAI({ baseURL: "http://sim/v1", apiKey: "x", fetch, ...clientOptions });
  return { server, client, calls };
}

const model = (id, created = 1_700_000_000, owned_by = "library") => ({ id, object: "model", created, owned_by });

test("§6 models.list gives the ready models in OpenAI's shape", async () => {
  const { server, client } = setup();
  const page = await client.models.list();
  assert.deepEqual(page.data[0], model("gpt2-small"));
  assert.deepEqual(page.data.map((m) => m.id), ["gpt2-small", "gpt2-medium", "gpt2-large", "bert-large", "gpt-j-6b", "llama-7b"]);
  const seen = [];
  for await (const m of client.models.list()) seen.push(m.id);
  assert.equal(seen.length, 6);
  server.free();
});

test("§6 the list follows the state handleRequest changes, on the simulated clock", async () => {
  const { server, client } = setup();
  await server.handleRequest({ unload_model: "gpt2-large" });
  await server.handleRequest({ pull_model: "llama3.2:3b" });
  const ids = async () => (await client.models.list()).data.map((m) => m.id);
  assert.ok(!(await ids()).includes("gpt2-large"));
  assert.ok(!(await ids()).includes("llama3.2:3b"), "pulling is not ready");
  server.advance(60_000);
  await server.handleRequest({ load_model: "llama3.2:3b" });
  assert.ok(!(await ids()).includes("llama3.2:3b"), "loading is not ready");
  server.advance(60_000);
  const listed = (await client.models.list()).data.at(-1);
  const entry = (await server.handleRequest({ list_repository: true })).models.find((m) => m.name === "llama3.2:3b");
  assert.equal(entry.state, "ready");
  assert.deepEqual(listed, model("llama3.2:3b", Math.floor(entry.modified_at / 1000)));
  server.free();
});

test("§6 models.retrieve: one model; ids with ':' and '/' reach the server whole", async () => {
  const { server, client, calls } = setup();
  assert.deepEqual(await client.models.retrieve("bert-large"), model("bert-large"));
  assert.equal((await server.handleRequest(hotLoad("acme/tiny:q4", 0.5))).status, "hot_load_started");
  server.advance(10_000);
  // 0.5 GB in ram: a 0.75 s hot_load, whose end dates the model.
  assert.deepEqual(await client.models.retrieve("acme/tiny:q4"), model("acme/tiny:q4", Math.floor((START + 750) / 1000), "acme"));
  // The client keeps ':' and encodes '/'.
  assert.equal(calls.at(-1), "GET /v1/models/acme%2Ftiny:q4");
  server.free();
});

test("§6 an unknown model is the client's NotFoundError with OpenAI's fields", async () => {
  const { server, client } = setup();
  await assert.rejects(client.models.retrieve("gpt-5"), (e) => {
    assert.ok(e instanceof NotFoundError);
    assert.equal(e.status, 404);
    assert.equal(e.message, "404 The model 'gpt-5' does not exist");
    assert.deepEqual([e.type, e.param, e.code], ["invalid_request_error", "model", "model_not_found"]);
    return true;
  });
  await server.handleRequest({ unload_model: "gpt2-small" });
  await assert.rejects(client.models.retrieve("gpt2-small"), NotFoundError, "known but not ready");
  await assert.rejects(client.models.delete("nope"), NotFoundError);
  server.free();
});

test("§6 models.delete unloads an idle model and deletes it", async () => {
  const { server, client } = setup();
  const events = [];
  server.subscribe((e) => events.push(e.type));
  assert.deepEqual(await client.models.delete("gpt2-medium"), { id: "gpt2-medium", object: "model", deleted: true });
  assert.deepEqual(events, ["model_unloaded", "model_deleted"]);
  const repository = await server.handleRequest({ list_repository: true });
  assert.ok(!repository.models.some((m) => m.name === "gpt2-medium"));
  await assert.rejects(client.models.delete("gpt2-medium"), NotFoundError);
  server.free();
});

test("§6 deleting the model in use is a ConflictError, not retried even with default retries", async () => {
  const { server, client, calls } = setup({});
  await server.handleRequest({ model: "gpt2-small" });
  await assert.rejects(client.models.delete("gpt2-small"), (e) => {
    assert.ok(e instanceof ConflictError);
    assert.equal(e.code, "model_in_use");
    assert.equal(e.headers.get("x-should-retry"), "false");
    return true;
  });
  assert.deepEqual(calls, ["DELETE /v1/models/gpt2-small"], "one try: the answer says not to retry");
  const entry = (await server.handleRequest({ list_repository: true })).models.find((m) => m.name === "gpt2-small");
  assert.equal(entry.state, "ready");
  server.free();
});
