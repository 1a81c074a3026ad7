// The page in a real Chromium: it loads the module and runs the seed's example.
import { test } from "node:test";
import assert from "node:assert/strict";
import { openPlayground } from "./browser.mjs";

test("the page runs the seed example against the module", async (t) => {
  const { page, url, assertClean } = await openPlayground(t);
  await page.goto(url);
  await page.waitForSelector("body[data-state=done]", { timeout: 15_000 });
  const outcome = await page.textContent("#outcome");
  assert.match(outcome, /chat-assistant loaded in 1\.8s/);
  const responses = await page.$$eval("pre.response", (els) => els.map((e) => JSON.parse(e.textContent)));
  assert.equal(responses[0].status, "hot_load_started");
  assert.equal(responses[1].status, "success");
  assert.equal(responses[2].total_models, 7);
  assert.equal(responses[3].model, "chat-assistant");
  const wasmType = await page.evaluate(async () => (await fetch("pkg/model_hotload_bg.wasm")).headers.get("content-type"));
  assert.equal(wasmType, "application/wasm");
  assertClean();
});
