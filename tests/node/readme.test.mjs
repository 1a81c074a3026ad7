// The README's Node examples (```js test:node), run as a user would run them:
// each block is a module of its own, importing "model-hotload" (here the built
// package) and the npm clients from the project's node_modules.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { readmeBlocks, root } from "../readme.mjs";

const blocks = readmeBlocks("node");
const dir = join(root, "target/readme");
mkdirSync(dir, { recursive: true });
const ours = { "model-hotload": join(root, "pkg/node/index.mjs"), "model-hotload/msw": join(root, "pkg/msw/index.mjs") };

test("the README has its Node examples", () => {
  assert.ok(blocks.length >= 3, `${blocks.length} blocks marked test:node`);
});

for (const { code, line } of blocks) {
  test(`README.md:${line} runs`, () => {
    const file = join(dir, `line-${line}.mjs`);
    writeFileSync(file, code.replace(/from "(model-hotload(?:\/msw)?)"/g, (_, name) => `from ${JSON.stringify(ours[name])}`));
    execFileSync(process.execPath, [file], { cwd: dir, encoding: "utf8", timeout: 30_000, stdio: ["ignore", "pipe", "pipe"] });
  });
}
