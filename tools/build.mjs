#!/usr/bin/env node
// Builds the npm package described by wasm-pack.toml: one wasm-pack build per
// target, npm's wasm-opt on each .wasm, a size check against the budget, the
// package.json that ties the targets together, and a copy for the playground.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
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
  sizes.push({ target: target.name, wasm: gz(wasm), js: gz(join(dir, `${NAME}.js`)), raw: statSync(wasm).size });
}

const pkg = {
  name: "model-hotload",
  version: field("version"),
  description: field("description"),
  license: field("license"),
  repository: { type: "git", url: field("repository") },
  keywords: ["wasm", "model-serving", "simulation", "hot-loading", "testing", "mock"],
  type: "module",
  sideEffects: false,
  files: manifest.target.map((t) => `${t.dir}/`),
  types: "./web/model_hotload.d.ts",
  exports: {
    ".": {
      types: "./web/model_hotload.d.ts",
      node: "./node/model_hotload.js",
      default: "./web/model_hotload.js",
    },
    "./web": { types: "./web/model_hotload.d.ts", default: "./web/model_hotload.js" },
    "./node": { types: "./node/model_hotload.d.ts", default: "./node/model_hotload.js" },
    "./package.json": "./package.json",
  },
  engines: { node: ">=20" },
};
writeFileSync(join(outDir, "package.json"), JSON.stringify(pkg, null, 2) + "\n");
// The node build is CommonJS inside a "type": "module" package.
writeFileSync(join(outDir, "node", "package.json"), JSON.stringify({ type: "commonjs" }, null, 2) + "\n");
if (existsSync(join(root, "README.md"))) cpSync(join(root, "README.md"), join(outDir, "README.md"));

const copyTo = manifest.playground?.copy_to;
const web = manifest.target.find((t) => t.wasm_pack_target === "web");
if (copyTo && web) {
  const dest = join(root, copyTo);
  rmSync(dest, { recursive: true, force: true });
  cpSync(join(outDir, web.dir), dest, { recursive: true });
}

let over = false;
for (const s of sizes) {
  console.log(`size ${s.target}: wasm ${kib(s.raw)} KiB raw, ${kib(s.wasm)} KiB gzipped; JS glue ${kib(s.js)} KiB gzipped`);
  if (s.wasm > manifest.budget.wasm_gzip_kib * 1024) { console.error(`  over the wasm budget of ${manifest.budget.wasm_gzip_kib} KiB`); over = true; }
  if (s.js > manifest.budget.js_gzip_kib * 1024) { console.error(`  over the JS budget of ${manifest.budget.js_gzip_kib} KiB`); over = true; }
}
if (over) process.exit(1);
console.log(`package written to ${outDir}`);
