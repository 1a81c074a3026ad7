// The npm package as a user gets it: `npm pack`, installed from the tarball into
// a fresh project, then used from Node ESM, CommonJS, strict TypeScript and a
// browser page; and its .d.ts checked against the committed reference.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { cpSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { publint } from "publint";
import { formatMessage } from "publint/utils";
import { serve } from "../../tools/serve.mjs";
import { CHROMIUM_ARGS } from "../e2e/browser.mjs";
import { installedProject, pkgDir, root, run } from "./project.mjs";

const here = dirname(fileURLToPath(import.meta.url));
let project;
let tarball;
let remove;

before(() => {
  ({ project, tarball, remove } = installedProject());
  cpSync(join(here, "fixtures"), project, { recursive: true });
  // msw is an optional peer dependency, so npm leaves it out: the project gets the
  // repository's (a devDependency), as a user who wants model-hotload/msw installs it.
  symlinkSync(join(root, "node_modules/msw"), join(project, "node_modules/msw"), "dir");
});

after(() => remove());

test("the tarball holds the package and nothing else", () => {
  const listing = run("tar", ["-tzf", tarball], project).split("\n").filter(Boolean);
  for (const want of ["package/package.json", "package/README.md", "package/LICENSE", "package/web/model_hotload.js",
    "package/web/model_hotload_bg.wasm", "package/web/model_hotload.d.ts", "package/web/package.json", "package/node/index.mjs",
    "package/node/index.d.mts", "package/node/model_hotload.js", "package/node/model_hotload_bg.wasm", "package/node/package.json",
    "package/cli.mjs", "package/msw/index.mjs", "package/msw/index.d.mts", "package/msw/index.cjs", "package/msw/index.d.cts",
    "package/msw/package.json"]) {
    assert.ok(listing.includes(want), `${want} is packed`);
  }
  // No sources, except the JS snippets wasm-bindgen copies from src/ (their path mirrors it).
  assert.ok(!listing.some((f) => /\.gitignore$|\.rs$/.test(f) || (/\/src\//.test(f) && !/^package\/(web|node)\/snippets\/[^/]+\/src\/wasm\/[a-z]+\.js$/.test(f))), listing.join("\n"));
  for (const dir of ["web", "node"]) {
    assert.ok(listing.some((f) => f.startsWith(`package/${dir}/snippets/`) && f.endsWith("/respond.js")), `${dir}: the response builders are packed`);
  }
  const meta = JSON.parse(readFileSync(join(project, "node_modules/model-hotload/package.json"), "utf8"));
  for (const key of ["name", "version", "description", "license", "repository", "keywords", "files", "sideEffects", "exports"]) {
    assert.ok(key in meta, key);
  }
  assert.equal(Object.keys(meta.exports["."].node.import)[0], "types", "types come first");
  assert.equal(Object.keys(meta.exports["./msw"].import)[0], "types", "types come first");
  assert.deepEqual(meta.bin, { "model-hotload": "cli.mjs" });
  assert.deepEqual([meta.peerDependencies.msw, meta.peerDependenciesMeta.msw], ["^2.0.0", { optional: true }]);
  assert.equal(meta.dependencies, undefined, "nothing is installed with the package");
  assert.equal(Object.keys(meta.exports["."].browser)[0], "types", "types come first");
});

test("Node ESM: import { Server, handleRequest } with no init step", () => {
  assert.match(run("node", ["esm-client.mjs"], project), /esm ok/);
});

test("Node CommonJS: require works", () => {
  assert.match(run("node", ["cjs-client.cjs"], project), /cjs ok/);
});

test("model-hotload/msw: import and require, with msw's setupServer", () => {
  assert.match(run("node", ["msw-client.mjs"], project), /msw esm ok/);
  assert.match(run("node", ["msw-client.cjs"], project), /msw cjs ok/);
});

test("model-hotload/msw: the installed package runs without msw; only that entry needs it", () => {
  const bare = installedProject("model-hotload-no-msw-");
  try {
    assert.match(run("node", ["--input-type=module", "-e", 'import { Server } from "model-hotload"; new Server().free(); console.log("ok")'], bare.project), /ok/);
    assert.throws(() => run("node", ["--input-type=module", "-e", 'import "model-hotload/msw"'], bare.project), /Cannot find package 'msw'/);
  } finally {
    bare.remove();
  }
});

// TypeScript: the configurations people use. Every lib/target with Node's resolution (which
// picks the node build, whose types need no DOM, as in a Node project) and with a bundler's
// (which picks the web build, in a browser project with "dom"). All under the strict base
// tsconfig.json of the fixtures, skipLibCheck off, so the package's .d.ts are checked too.
const tsc = join(root, "node_modules/typescript/bin/tsc");
const RESOLUTIONS = [
  { name: "nodenext", module: "nodenext", moduleResolution: "nodenext", dom: false },
  { name: "bundler/esnext", module: "esnext", moduleResolution: "bundler", dom: true },
  { name: "bundler/preserve", module: "preserve", moduleResolution: "bundler", dom: true },
];

/** Writes tsconfig.<name>.json over the strict base; returns its name. */
function tsconfig(name, { target, lib, module, moduleResolution, files }) {
  const config = `tsconfig.${name.replaceAll(/[^a-z0-9]+/gi, "-")}.json`;
  writeFileSync(join(project, config), JSON.stringify({ extends: "./tsconfig.json", compilerOptions: { target, lib, module, moduleResolution }, files }));
  return config;
}

/** Compiles a tsconfig.<name>.json over the strict base; fails with tsc's output. */
function compiles(name, { target, lib, module, moduleResolution, files }) {
  const config = tsconfig(name, { target, lib, module, moduleResolution, files });
  try {
    run("node", [tsc, "-p", config], project);
  } catch (e) {
    assert.fail(`tsc -p ${config} (${JSON.stringify({ target, lib, module, moduleResolution })}):\n${e.stdout}${e.stderr}`);
  }
}

for (const es of ["es2020", "es2022", "esnext"]) {
  for (const r of RESOLUTIONS) {
    test(`TypeScript: a strict client compiles, ${es} + ${r.name}`, () => {
      compiles(`${es} ${r.name}`, { target: es, lib: r.dom ? [es, "dom"] : [es], module: r.module, moduleResolution: r.moduleResolution, files: ["client.ts"] });
    });
  }
}

// `using server = new Server()` where the lib has Symbol.dispose, and only there (the
// matrix above compiles without it): esnext, es2022 with the esnext.disposable lib, and an
// older lib with the global declarations @types/node adds for it (fixtures/node-disposable.d.ts).
for (const [name, target, lib, extra] of [
  ["esnext", "esnext", ["esnext"], []],
  ["es2022 + esnext.disposable", "es2022", ["es2022", "esnext.disposable"], []],
  ["es2020 + @types/node's Symbol.dispose", "es2020", ["es2020"], ["node-disposable.d.ts"]],
]) {
  for (const r of RESOLUTIONS) {
    test(`TypeScript: using server = new Server() type-checks, ${name} + ${r.name}`, () => {
      compiles(`dispose ${name} ${r.name}`, { target, lib: r.dom ? [...lib, "dom"] : lib, module: r.module, moduleResolution: r.moduleResolution, files: ["dispose.ts", ...extra] });
    });
  }
}

// model-hotload/msw against msw's own declarations, which need the dom lib (Request, Response).
for (const r of RESOLUTIONS) {
  test(`TypeScript: a strict model-hotload/msw client compiles, es2022 + dom + ${r.name}`, () => {
    compiles(`msw ${r.name}`, { target: "es2022", lib: ["es2022", "dom"], module: r.module, moduleResolution: r.moduleResolution, files: ["msw-client.ts"] });
  });
}

for (const [file, lib] of [["client.ts", ["es2022"]], ["msw-client.ts", ["es2022", "dom"]]]) {
  test(`TypeScript: the @ts-expect-error lines of ${file} fail without their directives`, () => {
    const config = tsconfig(`directives ${file}`, { target: "es2022", lib, module: "nodenext", moduleResolution: "nodenext", files: [file] });
    // Without the directives, each marked line is an error: the types are not `any`.
    const source = readFileSync(join(project, file), "utf8");
    const expected = source.split("\n").filter((l) => /^\s*\/\/ @ts-expect-error/.test(l)).length;
    writeFileSync(join(project, file), source.replaceAll("// @ts-expect-error", "// (expect an error)"));
    let out = "";
    try { run("node", [tsc, "-p", config], project); } catch (e) { out = e.stdout + e.stderr; }
    writeFileSync(join(project, file), source);
    const errors = out.split("\n").filter((l) => l.includes(`${file}(`) && /\(\d+,\d+\): error/.test(l)).length;
    assert.equal(errors, expected, out);
  });
}

// The packaging linters, on the tarball itself, offline (docs/PACKAGE.md: what they check).
test("publint: nothing to report on the tarball, suggestions included", async () => {
  const bytes = readFileSync(join(project, tarball));
  const { messages, pkg } = await publint({
    pack: { tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) },
    level: "suggestion",
    strict: true,
  });
  assert.deepEqual(messages.map((m) => `${m.type} ${m.code}: ${formatMessage(m, pkg, { color: false })}`), []);
});

test("are the types wrong: no problem on the tarball, under every resolution", () => {
  const attw = join(root, "node_modules/@arethetypeswrong/cli/dist/index.js");
  // ./model_hotload_bg.wasm is not a module: it is exported for bundlers' asset URLs
  // (`new URL("model-hotload/model_hotload_bg.wasm", import.meta.url)`), so no resolution
  // to types or JavaScript can exist for it. --no-definitely-typed: the package has its own
  // types, and the check stays offline.
  const args = [attw, tarball, "--no-definitely-typed", "--exclude-entrypoints", "./model_hotload_bg.wasm"];
  let report;
  try {
    report = JSON.parse(run("node", [...args, "--format", "json"], project));
  } catch (e) {
    if (!e.stdout?.startsWith("{")) throw e;
    report = JSON.parse(e.stdout); // attw exits 1 when it finds a problem
  }
  // The one problem that does not apply: require("model-hotload/web") in Node finds the
  // ES-module web build. That entry is for browsers and bundlers and needs `await init()`;
  // CommonJS in Node has its own build at "." and "./node" (tested above).
  const expected = (p) => p.kind === "CJSResolvesToESM" && p.entrypoint === "./web" && p.resolutionKind === "node16-cjs";
  const problems = Object.values(report.problems ?? {}).flat().filter((p) => !expected(p));
  if (problems.length > 0) {
    let table = "";
    try { table = run("node", [...args, "--format", "ascii", "--no-emoji"], project); } catch (e) { table = e.stdout + e.stderr; }
    assert.fail(`${JSON.stringify(problems, null, 2)}\n${table}`);
  }
});

test("browser: the web entry loads in Chromium after await init()", async (t) => {
  const server = await serve({ root: project, port: 0, quiet: true });
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || "/usr/bin/chromium", args: CHROMIUM_ARGS });
  t.after(async () => { await browser.close(); await new Promise((ok) => server.close(ok)); });
  const page = await browser.newPage();
  const errors = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await page.goto(`http://127.0.0.1:${server.address().port}/web.html`);
  await page.waitForFunction(() => document.title !== "pending", null, { timeout: 15_000 });
  assert.equal(await page.title(), "ok:success:6");
  assert.deepEqual(errors, []);
});

test("the generated .d.ts matches the committed reference", () => {
  // The public surface only: wasm-bindgen's init boilerplate names hashed internals.
  const surface = (text) => text.split("export type InitInput")[0].trimEnd() + "\n";
  const generated = surface(readFileSync(join(pkgDir, "web/model_hotload.d.ts"), "utf8"));
  const reference = readFileSync(join(here, "model_hotload.d.ts"), "utf8");
  assert.equal(generated, reference,
    "The package's types changed. If that is intended, run `make update-types` and commit tests/package/model_hotload.d.ts.");
});
