#!/usr/bin/env node
// Builds the npm package described by wasm-pack.toml: one wasm-pack build per
// target, npm's wasm-opt on each .wasm, a size check against the budget, the
// package.json that ties the targets together, and a copy for the playground.
import { execFileSync } from "node:child_process";
import { appendFileSync, chmodSync, cpSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { parse } from "smol-toml";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const manifest = parse(readFileSync(join(root, "wasm-pack.toml"), "utf8"));
const cargo = readFileSync(join(root, "Cargo.toml"), "utf8");
const field = (name) => cargo.match(new RegExp(`^${name} = "([^"]*)"`, "m"))?.[1];
const outDir = join(root, manifest.package.out_dir);
const NAME = "model_hotload";

const run = (cmd, args) => execFileSync(cmd, args, { cwd: root, stdio: "inherit" });
const kib = (bytes) => (bytes / 1024).toFixed(1);
const gz = (file) => gzipSync(readFileSync(file), { level: 9 }).length;

rmSync(outDir, { recursive: true, force: true });
mkdirSync(outDir, { recursive: true });

/** The JS snippets wasm-bindgen copied from src/ (`#[wasm_bindgen(module = ...)]`). */
function snippetFiles(dir) {
  const base = join(dir, "snippets");
  if (!existsSync(base)) return [];
  return readdirSync(base, { recursive: true }).map((f) => join(base, f)).filter((f) => f.endsWith(".js"));
}

/**
 * The nodejs glue `require`s each snippet, and the folder is CommonJS: rewrite
 * our ES modules (top-level `export function`s and `import { … } from "…"`
 * only) as CommonJS, so every Node 20 loads them (require of an ES module
 * needs Node 20.19 or later). Also makes model-hotload/msw's require entry.
 */
function toCommonJs(file, to = file) {
  const names = [];
  const text = readFileSync(file, "utf8").replace(/^export function (\w+)/gm, (_, name) => {
    names.push(name);
    return `function ${name}`;
  }).replace(/^import (\{[^}]*\}) from ("[^"]+");$/gm, "const $1 = require($2);");
  if (/^\s*(export|import)\b/m.test(text)) throw new Error(`${file}: only top-level "export function" can be rewritten as CommonJS`);
  writeFileSync(to, `${text}\nmodule.exports = { ${names.join(", ")} };\n`);
}

const sizes = [];
for (const target of manifest.target) {
  const dir = join(outDir, target.dir);
  run("wasm-pack", ["build", `--${manifest.package.profile}`, "--target", target.wasm_pack_target,
    "--out-dir", dir, "--out-name", NAME, "--no-pack"]);
  const wasm = join(dir, `${NAME}_bg.wasm`);
  if (manifest.wasm_opt.enabled) {
    const before = statSync(wasm).size;
    run(join(root, "node_modules/.bin/wasm-opt"), [manifest.wasm_opt.level, ...manifest.wasm_opt.features, wasm, "-o", wasm]);
    console.log(`wasm-opt ${target.name}: ${kib(before)} KiB -> ${kib(statSync(wasm).size)} KiB`);
  }
  rmSync(join(dir, ".gitignore"), { force: true });
  appendFileSync(join(dir, `${NAME}.js`), readFileSync(join(root, "tools/package/freed-guard.js"), "utf8"));
  const snippets = snippetFiles(dir);
  if (target.wasm_pack_target === "nodejs") snippets.forEach((file) => toCommonJs(file));
  const js = [join(dir, `${NAME}.js`), ...snippets].reduce((sum, f) => sum + gz(f), 0);
  sizes.push({ target: target.name, wasm: gz(wasm), js, raw: statSync(wasm).size });
}

// Files of our own that complete the package (see tools/package/).
const nodeDir = manifest.target.find((t) => t.wasm_pack_target === "nodejs")?.dir;
if (nodeDir) {
  cpSync(join(root, "tools/package/node-index.mjs"), join(outDir, nodeDir, "index.mjs"));
  cpSync(join(root, "tools/package/node-index.d.mts"), join(outDir, nodeDir, "index.d.mts"));
}
const webDir = manifest.target.find((t) => t.wasm_pack_target === "web")?.dir;
// The `model-hotload serve` command, at the root: it imports ./node/index.mjs.
cpSync(join(root, "tools/package/cli.mjs"), join(outDir, "cli.mjs"));
chmodSync(join(outDir, "cli.mjs"), 0o755);
// model-hotload/msw: the one entry that imports msw (an optional peer dependency), for
// import and require; its folder's package.json serves resolvers without "exports".
mkdirSync(join(outDir, "msw"));
for (const [from, to] of [["msw.mjs", "index.mjs"], ["msw.d.mts", "index.d.mts"], ["msw.d.cts", "index.d.cts"]]) {
  cpSync(join(root, "tools/package", from), join(outDir, "msw", to));
}
toCommonJs(join(root, "tools/package/msw.mjs"), join(outDir, "msw", "index.cjs"));
writeFileSync(join(outDir, "msw/package.json"), JSON.stringify({ type: "commonjs", main: "./index.cjs", types: "./index.d.cts" }, null, 2) + "\n");
// Each build's folder has a package.json: its module type (the nodejs build is CommonJS
// inside a "type": "module" package), and "main"/"types" for resolvers that predate
// "exports" (TypeScript's node10, older bundlers), for which `model-hotload/node` and
// `model-hotload/web` are these folders.
for (const [dir, type] of [[nodeDir, "commonjs"], [webDir, "module"]]) {
  if (!dir) continue;
  const folder = { type, main: `./${NAME}.js`, types: `./${NAME}.d.ts` };
  writeFileSync(join(outDir, dir, "package.json"), JSON.stringify(folder, null, 2) + "\n");
}
const web = (file) => `./${webDir}/${file}`;
const node = (file) => `./${nodeDir}/${file}`;
const browserEntry = { types: web(`${NAME}.d.ts`), default: web(`${NAME}.js`) };
const pkg = {
  name: "model-hotload",
  version: field("version"),
  description: field("description"),
  license: field("license"),
  // npm's normalised form, git+<url>.git.
  repository: { type: "git", url: `git+${field("repository").replace(/\.git$/, "")}.git` },
  keywords: ["wasm", "webassembly", "model-serving", "simulation", "hot-loading", "mock", "testing"],
  type: "module",
  sideEffects: false,
  files: [...manifest.target.map((t) => `${t.dir}/`), "msw/", "cli.mjs", "README.md", "LICENSE"],
  bin: { "model-hotload": "cli.mjs" },
  // Without "exports": "main" is the CommonJS build, so "types" are its declarations.
  main: node(`${NAME}.js`),
  module: web(`${NAME}.js`),
  types: node(`${NAME}.d.ts`),
  // Types first in every condition. Node: ESM wrapper or the CommonJS build, ready on
  // import. Browsers and bundlers: the web build (call `await init()` once).
  exports: {
    ".": {
      node: {
        import: { types: node("index.d.mts"), default: node("index.mjs") },
        require: { types: node(`${NAME}.d.ts`), default: node(`${NAME}.js`) },
      },
      browser: browserEntry,
      default: browserEntry,
    },
    "./web": browserEntry,
    "./node": {
      import: { types: node("index.d.mts"), default: node("index.mjs") },
      require: { types: node(`${NAME}.d.ts`), default: node(`${NAME}.js`) },
    },
    "./msw": {
      import: { types: "./msw/index.d.mts", default: "./msw/index.mjs" },
      require: { types: "./msw/index.d.cts", default: "./msw/index.cjs" },
    },
    "./model_hotload_bg.wasm": web(`${NAME}_bg.wasm`),
    "./package.json": "./package.json",
  },
  // Only model-hotload/msw needs msw, and only its users install it.
  peerDependencies: { msw: "^2.0.0" },
  peerDependenciesMeta: { msw: { optional: true } },
  engines: { node: ">=20" },
};
writeFileSync(join(outDir, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
for (const file of ["README.md", "LICENSE"]) cpSync(join(root, file), join(outDir, file));

const copyTo = manifest.playground?.copy_to;
if (copyTo && webDir) {
  const dest = join(root, copyTo);
  rmSync(dest, { recursive: true, force: true });
  cpSync(join(outDir, webDir), dest, { recursive: true });
}

let over = false;
for (const s of sizes) {
  console.log(`size ${s.target}: wasm ${kib(s.raw)} KiB raw, ${kib(s.wasm)} KiB gzipped; JS glue ${kib(s.js)} KiB gzipped`);
  if (s.wasm > manifest.budget.wasm_gzip_kib * 1024) { console.error(`  over the wasm budget of ${manifest.budget.wasm_gzip_kib} KiB`); over = true; }
  if (s.js > manifest.budget.js_gzip_kib * 1024) { console.error(`  over the JS budget of ${manifest.budget.js_gzip_kib} KiB`); over = true; }
}
if (over) process.exit(1);
console.log(`package written to ${outDir}`);
