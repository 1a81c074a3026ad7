#!/usr/bin/env node
// A small static server for the playground: serves www/ on 127.0.0.1 with the
// right MIME types (application/wasm included). PORT overrides 8080.
import { createServer } from "node:http";
import { readFile, stat } from "node:fs/promises";
import { dirname, extname, join, normalize, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";

const www = resolve(dirname(fileURLToPath(import.meta.url)), "..", "www");
const port = Number(process.env.PORT || 8080);
const host = process.env.HOST || "127.0.0.1";
const TYPES = {
  ".html": "text/html; charset=utf-8", ".js": "text/javascript; charset=utf-8", ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8", ".wasm": "application/wasm", ".json": "application/json",
  ".svg": "image/svg+xml", ".png": "image/png", ".ico": "image/x-icon", ".ts": "text/plain; charset=utf-8",
};

export function serve({ root = www, port: p = port, host: h = host, quiet = false } = {}) {
  const server = createServer(async (req, res) => {
    try {
      const path = decodeURIComponent(new URL(req.url, "http://x").pathname);
      let file = normalize(join(root, path));
      if (file !== root && !file.startsWith(root + sep)) { res.writeHead(403).end("forbidden"); return; }
      if ((await stat(file).catch(() => null))?.isDirectory()) file = join(file, "index.html");
      const body = await readFile(file);
      res.writeHead(200, { "content-type": TYPES[extname(file)] || "application/octet-stream", "cache-control": "no-store" });
      res.end(body);
    } catch {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found");
    }
  });
  return new Promise((ok) => server.listen(p, h, () => {
    if (!quiet) console.log(`model-hotload playground: http://${h}:${server.address().port}/`);
    ok(server);
  }));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await serve();
