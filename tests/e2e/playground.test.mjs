// The playground in Debian's Chromium, driven through its accessible names.
// Every test fails on any console error, page error or failed request.
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdirSync } from "node:fs";
import { openPlayground } from "./browser.mjs";

async function ready(t, viewport) {
  const ctx = await openPlayground(t, viewport);
  await ctx.page.goto(ctx.url);
  await ctx.page.waitForSelector("body[data-ready=true]");
  return ctx;
}

const row = (page, name) => page.getByRole("table", { name: "Models" }).getByRole("row").filter({ has: page.getByRole("rowheader", { name, exact: true }) });

async function hotLoad(page, { name, size, tier = "ram" }) {
  await page.getByLabel("Model name").fill(name);
  await page.getByLabel("Size (GB)").fill(String(size));
  await page.getByLabel("Tier", { exact: true }).selectOption(tier);
  await page.getByRole("button", { name: "Hot load", exact: true }).click();
}

test("the page loads with the default library, capacity and nothing current", async (t) => {
  const { page, assertClean } = await ready(t);
  assert.equal(await page.title(), "model-hotload playground");
  await page.getByRole("table", { name: "Models" }).getByRole("rowheader", { name: "llama-7b" }).waitFor();
  assert.equal(await page.getByRole("table", { name: "Models" }).locator("tbody tr").count(), 6);
  assert.equal(await page.getByLabel("Current model").textContent(), "none");
  assert.ok((await page.getByRole("meter", { name: "RAM" }).getAttribute("value")) !== null);
  assert.ok(await page.getByRole("meter", { name: "Swap" }).isVisible());
  assert.equal(await page.getByRole("log", { name: "Events" }).count(), 1);
  for (const label of ["Model name", "Size (GB)", "Priority", "Time scale", "Request (JSON)", "Response"]) {
    assert.equal(await page.getByLabel(label, { exact: true }).count(), 1, label);
  }
  assert.deepEqual(await page.getByLabel("Tier", { exact: true }).locator("option").allTextContents(), ["ram", "swap"]);
  assert.deepEqual(await page.getByLabel("Priority").locator("option").allTextContents(), ["speed", "quality", "balanced"]);
  for (const tag of ["text-generation", "text-classification", "chat", "code-generation", "embeddings"]) {
    assert.equal(await page.getByRole("checkbox", { name: tag, exact: true }).count(), 1, tag);
  }
  const csp = await page.locator('meta[http-equiv="Content-Security-Policy"]').getAttribute("content");
  assert.match(csp, /script-src 'self' 'wasm-unsafe-eval'/);
  assertClean();
});

test("hot loading through the form shows a moving bar, then the model joins the table", async (t) => {
  const { page, assertClean } = await ready(t);
  await page.getByLabel("Time scale").selectOption("10");
  await page.getByRole("checkbox", { name: "code-generation" }).check();
  await hotLoad(page, { name: "e2e-model", size: 2.5 });
  const bar = page.getByRole("progressbar", { name: /e2e-model/ });
  await bar.waitFor();
  const first = Number(await bar.getAttribute("aria-valuenow"));
  await page.waitForFunction(
    (v) => Number(document.querySelector('[role=progressbar][aria-label^="e2e-model"]').getAttribute("aria-valuenow")) > v,
    first,
  );
  await row(page, "e2e-model").waitFor();
  assert.equal(await bar.getAttribute("aria-valuenow"), "100");
  assert.match(await row(page, "e2e-model").textContent(), /2\.5 GB.*ram.*text-generation.*chat.*code-generation/s);
  assert.match(await page.getByRole("log", { name: "Events" }).textContent(), /load_succeeded/);
  assert.equal(await page.getByLabel("Model name").inputValue(), "e2e-model-2", "the form suggests the next name");
  assertClean();
});

test("a hostile name is rejected with the module's reason and nothing is injected", async (t) => {
  const { page, assertClean } = await ready(t);
  let dialogs = 0;
  page.on("dialog", (d) => { dialogs++; d.dismiss(); });
  const hostile = '<img src=x onerror=alert(1)><script>alert(2)</script>';
  await hotLoad(page, { name: hostile, size: 1 });
  const alert = page.getByRole("alert").filter({ hasText: "model_name" });
  await alert.waitFor();
  assert.match(await alert.textContent(), /is not a valid name/);
  // A hostile custom capability becomes inert text too, and the module rejects it.
  await page.getByLabel("Custom capability").fill('<b onmouseover=alert(3)>x</b>');
  await page.getByRole("button", { name: "Add", exact: true }).click();
  await hotLoad(page, { name: "fine-name", size: 1 });
  await page.getByRole("alert").filter({ hasText: "capability" }).waitFor();
  assert.equal(await page.locator("img, script:not([src]), b").count(), 0);
  assert.equal(dialogs, 0);
  assert.equal(await page.getByRole("table", { name: "Models" }).locator("tbody tr").count(), 6);
  assertClean();
});

test("a duplicate is explained, and invalid sizes get the module's reason", async (t) => {
  const { page, assertClean } = await ready(t);
  await hotLoad(page, { name: "gpt2-small", size: 0.5 });
  await page.getByRole("alert").filter({ hasText: "Model 'gpt2-small' already exists" }).waitFor();
  await hotLoad(page, { name: "big-one", size: 9, tier: "swap" });
  await page.getByRole("alert").filter({ hasText: "rejected for safety" }).waitFor();
  await hotLoad(page, { name: "no-size", size: "" });
  await page.getByRole("alert").filter({ hasText: "size_gb" }).waitFor();
  assertClean();
});

test("cancel, use, unload and selection work", async (t) => {
  const { page, assertClean } = await ready(t);
  // cancel a slow swap-tier load
  await hotLoad(page, { name: "slow-swap", size: 6.5, tier: "swap" });
  await page.getByRole("progressbar", { name: /slow-swap/ }).waitFor();
  await page.getByRole("button", { name: "Cancel slow-swap" }).click();
  await page.locator('.load[data-state=cancelled]').filter({ hasText: "Cancelled" }).waitFor();
  // use: the first selection needs no swap; the next is a hot-swap
  await page.getByRole("button", { name: "Use gpt2-small", exact: true }).click();
  await page.getByLabel("Current model").filter({ hasText: "gpt2-small" }).waitFor();
  await page.getByRole("button", { name: "Use gpt2-medium", exact: true }).click();
  await page.getByLabel("Current model").filter({ hasText: "gpt2-medium" }).waitFor();
  assert.match(await page.locator("#selection-result").textContent(), /0\.15 s \(simulated\)/);
  // unload: the current model is refused, another goes
  await page.getByRole("button", { name: "Unload gpt2-medium", exact: true }).click();
  await page.getByRole("alert").filter({ hasText: "current model" }).waitFor();
  await page.getByRole("button", { name: "Unload bert-large", exact: true }).click();
  await page.waitForFunction(() => !document.querySelector("#models").textContent.includes("bert-large"));
  // selection by need
  await page.getByLabel("Priority").selectOption("quality");
  await page.getByRole("button", { name: "Select model", exact: true }).click();
  await page.locator("#selection-result[data-state=done]").filter({ hasText: "llama-7b" }).waitFor({ timeout: 10_000 });
  await page.getByLabel("Current model").filter({ hasText: "llama-7b" }).waitFor();
  await page.getByLabel("Required capabilities").fill("embeddings");
  await page.getByRole("button", { name: "Select model", exact: true }).click();
  await page.getByRole("alert").filter({ hasText: "No model offers" }).waitFor();
  assertClean();
});

test("the request console also sends over HTTP: POST /hotload through server.fetch", async (t) => {
  const { page, assertClean } = await ready(t);
  await page.getByLabel("Request (JSON)").fill('{"list_models": true, "request_id": "http"}');
  await page.getByRole("button", { name: "Send over HTTP", exact: true }).click();
  await page.waitForFunction(() => document.getElementById("response").value.startsWith("HTTP 200"));
  assert.match(await page.getByLabel("Response").inputValue(), /"request_id": "http"/);
  await page.getByLabel("Request (JSON)").fill('{"load_status": "nope"}');
  await page.getByRole("button", { name: "Send over HTTP", exact: true }).click();
  await page.waitForFunction(() => document.getElementById("response").value.startsWith("HTTP 404"));
  assert.match(await page.getByLabel("Response").inputValue(), /job_not_found/);
  assertClean();
});

test("the request console answers, presets included", async (t) => {
  const { page, assertClean } = await ready(t);
  await page.getByLabel("Request (JSON)").fill('{"list_models": true, "request_id": "console"}');
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await page.waitForFunction(() => document.getElementById("response").value.includes('"total_models": 6'));
  assert.match(await page.getByLabel("Response").inputValue(), /"request_id": "console"/);
  await page.getByLabel("Request (JSON)").fill("{not json");
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await page.waitForFunction(() => document.getElementById("response").value.includes("malformed_json"));
  await page.getByRole("button", { name: "hot_load", exact: true }).click();
  await page.getByRole("button", { name: "Send", exact: true }).click();
  await page.waitForFunction(() => document.getElementById("response").value.includes("hot_load_started"));
  await page.getByRole("progressbar", { name: /my-custom-model/ }).waitFor();
  await page.getByRole("button", { name: "load_status", exact: true }).click();
  assert.match(await page.getByLabel("Request (JSON)").inputValue(), /load_my-custom-model_\d+/);
  assertClean();
});

test("keyboard alone can hot load a model", async (t) => {
  const { page, assertClean } = await ready(t);
  await page.getByLabel("Time scale").selectOption("100");
  await page.locator("body").click({ position: { x: 1, y: 1 } });
  const tabTo = async (label) => {
    for (let i = 0; i < 40; i++) {
      await page.keyboard.press("Tab");
      if (await page.evaluate((l) => document.activeElement?.labels?.[0]?.textContent.trim() === l, label)) return;
    }
    throw new Error(`Tab never reached ${label}`);
  };
  await tabTo("Model name");
  await page.keyboard.press("Control+A");
  await page.keyboard.type("keyboard-model");
  await page.keyboard.press("Tab");
  await page.keyboard.press("Control+A");
  await page.keyboard.type("0.8");
  await page.keyboard.press("Shift+Tab");
  await page.keyboard.press("Enter"); // implicit submission from the name field
  await row(page, "keyboard-model").waitFor();
  await page.getByLabel("Current model").waitFor();
  assertClean();
});

test("screenshots for a person to look at (desktop and phone)", async (t) => {
  mkdirSync("test-results", { recursive: true });
  for (const [name, viewport] of [["desktop", { width: 1440, height: 1000 }], ["phone", { width: 375, height: 800 }]]) {
    const { page, assertClean } = await ready(t, viewport);
    await page.getByLabel("Time scale").selectOption("10");
    await page.getByRole("button", { name: "Use gpt2-small", exact: true }).click();
    await hotLoad(page, { name: "chat-assistant", size: 1.2 });
    await hotLoad(page, { name: "big-swap-model", size: 6.5, tier: "swap" });
    await page.getByRole("progressbar", { name: /big-swap-model/ }).waitFor();
    await page.waitForTimeout(600);
    await page.screenshot({ path: `test-results/playground-${name}.png`, fullPage: true });
    const overflow = await page.evaluate(() => {
      const wide = [...document.querySelectorAll("body *")].filter((e) => e.getBoundingClientRect().right > document.documentElement.clientWidth + 0.5);
      return { px: document.documentElement.scrollWidth - document.documentElement.clientWidth, culprits: wide.slice(0, 5).map((e) => e.id || e.className || e.tagName) };
    });
    assert.ok(overflow.px <= 0, `${name}: no horizontal scroll (overflow ${overflow.px}px: ${overflow.culprits.join(", ")})`);
    assertClean();
  }
});

test("200 active loads: the script time of the bars, per frame (measured, not asserted)", async (t) => {
  const { page, assertClean } = await ready(t);
  const figures = await page.evaluate(async () => {
    const { server, loads } = window.playground;
    server.setTimeScale(0.01); // 0.045 simulated s per load lasts 4.5 s
    for (let i = 0; i < 200; i++) {
      await server.handleRequest({ hot_load: { model_name: `bulk-${i}`, model_config: { size_gb: 0.03, tier: "ram", capabilities: ["chat"] } } });
    }
    const samples = [];
    await new Promise((done) => {
      const sample = () => {
        samples.push(loads.frameMs);
        if (samples.length < 120) requestAnimationFrame(sample); else done();
      };
      requestAnimationFrame(() => requestAnimationFrame(sample));
    });
    samples.sort((a, b) => a - b);
    return { bars: document.querySelectorAll("[role=progressbar]").length, median: samples[60], p95: samples[114] };
  });
  t.diagnostic(`200 active loads: bar refresh ${figures.median.toFixed(3)} ms median, ${figures.p95.toFixed(3)} ms p95 per frame`);
  console.log(`# bars: 200 active loads, refresh median ${figures.median.toFixed(3)} ms, p95 ${figures.p95.toFixed(3)} ms per frame`);
  assert.equal(figures.bars, 200);
  assert.ok(figures.median > 0);
  // Bars scrolled out of view are not read each frame, yet every one ends, from its event.
  await page.waitForFunction(() => document.getElementById("active-count").textContent === "0", null, { timeout: 20_000 });
  assert.equal(await page.locator(".load[data-state=success]").count(), 200);
  assertClean();
});

test("a reload in the middle of a swap-tier load: the same bar continues, models and the current model are kept", async (t) => {
  const { page, url, assertClean } = await ready(t);
  await page.getByRole("button", { name: "Use gpt2-medium", exact: true }).click();
  await page.getByLabel("Current model").filter({ hasText: "gpt2-medium" }).waitFor();
  await hotLoad(page, { name: "quick-ram", size: 0.2 }); // 0.3 s: finished before the reload
  await row(page, "quick-ram").waitFor();
  await hotLoad(page, { name: "big-swap", size: 6.5, tier: "swap" }); // 12.35 s at 1×
  const bar = page.getByRole("progressbar", { name: /big-swap/ });
  await page.waitForFunction(() => Number(document.querySelector('[role=progressbar][aria-label^="big-swap"]')?.getAttribute("aria-valuenow")) >= 25);
  const before = Number(await bar.getAttribute("aria-valuenow"));
  await page.reload();
  await page.waitForSelector("body[data-ready=true]");
  const again = page.getByRole("progressbar", { name: /big-swap/ });
  await again.waitFor();
  assert.ok(Number(await again.getAttribute("aria-valuenow")) >= before, "the bar continues, it does not restart");
  await page.waitForFunction((v) => Number(document.querySelector('[role=progressbar][aria-label^="big-swap"]').getAttribute("aria-valuenow")) > v, before);
  await row(page, "quick-ram").waitFor();
  assert.equal(await page.getByLabel("Current model").textContent(), "gpt2-medium");
  assert.equal(await page.locator("#notice").isVisible(), false);
  void url;
  assertClean();
});

test("corrupted saved state: the page recovers with a visible notice; Reset starts afresh", async (t) => {
  const { page, assertClean } = await ready(t);
  await hotLoad(page, { name: "doomed", size: 0.2 });
  await row(page, "doomed").waitFor();
  await page.evaluate(() => localStorage.setItem("model-hotload-playground", '{"format":"model-hotload/state","version":1,"jobs":'));
  await page.reload();
  await page.waitForSelector("body[data-ready=true]");
  const notice = page.getByRole("status").filter({ hasText: "started afresh" });
  await notice.waitFor();
  assert.match(await notice.textContent(), /unreadable/);
  assert.equal(await page.getByRole("table", { name: "Models" }).locator("tbody tr").count(), 6);
  assert.equal(await page.evaluate(() => localStorage.getItem("model-hotload-playground.corrupt")), '{"format":"model-hotload/state","version":1,"jobs":');
  // Reset forgets everything, including the corrupt copy
  await hotLoad(page, { name: "to-forget", size: 0.2 });
  await row(page, "to-forget").waitFor();
  await page.getByRole("button", { name: "Reset", exact: true }).click();
  await page.waitForSelector("body[data-ready=true]");
  await page.getByRole("table", { name: "Models" }).getByRole("rowheader", { name: "llama-7b" }).waitFor();
  assert.equal(await page.getByRole("table", { name: "Models" }).locator("tbody tr").count(), 6);
  assert.equal(await page.evaluate(() => localStorage.getItem("model-hotload-playground.corrupt")), null);
  assert.equal(await page.locator("#notice").isVisible(), false);
  assertClean();
});

test("hostile text in every field renders inert and keeps the layout intact", async (t) => {
  const { page, assertClean } = await ready(t, { width: 375, height: 800 });
  let dialogs = 0;
  page.on("dialog", (d) => { dialogs++; d.dismiss(); });
  const payloads = [
    '<img src=x onerror="alert(1)">',
    "<script>alert(2)</script><b>bold</b>",
    "\u202Eevil\u2066txt\u2069.exe\u200B",
    "W".repeat(5000),
    'javascript:alert(3)" onmouseover="alert(4)',
  ];
  for (const text of payloads) {
    await page.getByLabel("Model name").fill(text);
    await page.getByRole("button", { name: "Hot load", exact: true }).click();
    await page.getByRole("alert").filter({ hasText: "model_name" }).waitFor();
    await page.getByLabel("Custom capability").fill(text);
    await page.getByRole("button", { name: "Add", exact: true }).click();
    await page.getByLabel("Required capabilities").fill(text);
    await page.getByRole("button", { name: "Select model", exact: true }).click();
    await page.getByLabel("Request (JSON)").fill(text);
    await page.getByRole("button", { name: "Send", exact: true }).click();
    await page.waitForFunction(() => document.getElementById("response").value.includes("malformed_json"));
  }
  // a failure message is echoed back by the module: escaped, and shown as text
  await page.locator("#simulate summary").click();
  await page.locator("#simulate-on").check();
  await page.getByLabel("Fail at progress").fill("0.1");
  await page.getByLabel("Failure message").fill(payloads[0] + payloads[2]);
  await page.getByLabel("Model name").fill("fails-loudly");
  await page.locator("#capability-list input:checked").evaluateAll((boxes) => boxes.forEach((b) => { if (b.value.length > 30 || /[<"]/.test(b.value) || /[^\x20-\x7e]/.test(b.value)) b.click(); }));
  await page.getByRole("button", { name: "Hot load", exact: true }).click();
  await page.locator(".load[data-state=failed]").filter({ hasText: "fails-loudly" }).waitFor();
  const outcome = await page.locator(".load[data-state=failed] .outcome").first().textContent();
  assert.match(outcome, /Failed: <img src=x onerror="alert\(1\)">\\u202eevil/);
  assert.equal(await page.locator("img, script:not([src]), b, [onerror], [onmouseover]").count(), 0, "nothing was injected");
  assert.equal(dialogs, 0);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the layout holds at 375 px (overflow ${overflow}px)`);
  await page.screenshot({ path: "test-results/playground-hostile.png", fullPage: false });
  assertClean();
});
