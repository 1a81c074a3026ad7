// The seed's own examples, in JavaScript, against the module-level handleRequest
// (default server, real clock at 1×), as the seed shows them.
import { test } from "node:test";
import assert from "node:assert/strict";
import { handleRequest, hotLoad, sleep } from "./helpers.mjs";

test("seed: start hot loading, poll until done, list seven models, use it", async () => {
  const before = Math.floor(Date.now() / 1000);
  const response = await handleRequest({
    hot_load: {
      model_name: "my-custom-model",
      model_config: { size_gb: 2.5, tier: "ram", capabilities: ["text-generation", "chat"] },
    },
  });
  const after = Math.floor(Date.now() / 1000);
  assert.equal(response.status, "hot_load_started");
  assert.equal(response.model_name, "my-custom-model");
  assert.equal(response.estimated_time, "3.8s");
  const seconds = Number(response.job_id.match(/^load_my-custom-model_(\d+)$/)?.[1]);
  assert.ok(seconds >= before && seconds <= after, response.job_id);

  // The seed's loop: poll every 0.5 s until success or failed.
  const jobId = response.job_id;
  let status;
  for (let polls = 0; ; polls++) {
    status = await handleRequest({ load_status: jobId });
    if (["success", "failed"].includes(status.status)) break;
    assert.ok(polls < 40, "the loop ends");
    assert.ok(status.progress >= 0.2 && status.progress <= 0.9);
    assert.equal(status.error, null);
    await sleep(500);
  }
  assert.equal(status.status, "success");
  assert.equal(status.progress, 1);
  assert.equal(status.elapsed_time, 3.75);

  const list = await handleRequest({ list_models: true });
  assert.equal(list.status, "success");
  assert.equal(list.total_models, 7);
  assert.equal(list.active_hot_loads, 0);
  assert.deepEqual(list.models["my-custom-model"], { size_gb: 2.5, tier: "ram", capabilities: ["text-generation", "chat"] });
  assert.deepEqual(list.models["gpt2-small"], { size_gb: 0.5, tier: "ram", capabilities: ["text-generation"] });

  const result = await handleRequest({ model: "my-custom-model" });
  assert.equal(result.status, "success");
  assert.equal(result.model, "my-custom-model");
});

test("seed: load with quality priority (6.5 GB swap) is accepted", async () => {
  const r = await handleRequest(hotLoad("high-quality-model", 6.5, "swap", ["text-generation", "high-quality"]));
  assert.equal(r.status, "hot_load_started");
  assert.equal(r.estimated_time, "12.4s");
  const cancel = await handleRequest({ cancel_load: r.job_id });
  assert.equal(cancel.status, "success");
});
