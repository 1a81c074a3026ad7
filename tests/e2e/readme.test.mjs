// The README's Playwright example (```js test:playwright): run in Chromium on the
// playground's origin, with `page`, `Server` and `assert` in scope as in a test.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createRequire } from "node:module";
import { openPlayground } from "./browser.mjs";
import { readmeBlocks } from "../readme.mjs";

const require = createRequire(import.meta.url);
const { Server } = require("../../pkg/node/model_hotload.js");
const AsyncFunction = (async () => {}).constructor;
const blocks = readmeBlocks("playwright");

test("the README has its Playwright example", () => assert.equal(blocks.length, 1));

for (const { code, line } of blocks) {
  test(`README.md:${line} runs in Chromium`, async (t) => {
    const { page, url } = await openPlayground(t);
    await page.goto(url);
    await new AsyncFunction("page", "Server", "assert", "Buffer", code)(page, Server, assert, Buffer);
  });
}
