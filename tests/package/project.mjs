// A user's project with the package installed from its tarball: `npm pack` of pkg/,
// then `npm install ./model-hotload-*.tgz` in a fresh folder (shared by the package suites).
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const pkgDir = join(root, "pkg");

export const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });

/** Packs pkg/ and installs the tarball in a new temporary project: {project, tarball, remove}. */
export function installedProject(prefix = "model-hotload-user-") {
  const project = mkdtempSync(join(tmpdir(), prefix));
  run("npm", ["pack", pkgDir, "--pack-destination", project, "--silent"], project);
  const tarball = readdirSync(project).find((f) => f.endsWith(".tgz"));
  writeFileSync(join(project, "package.json"), JSON.stringify({ name: "a-user", private: true, type: "module" }));
  run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", `./${tarball}`], project);
  return { project, tarball, remove: () => rmSync(project, { recursive: true, force: true }) };
}
