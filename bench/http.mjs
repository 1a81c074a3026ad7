// SPEC §6's delivery: `server.fetch` against a plain-JS handler that builds the
// same Response from an object, and `model-hotload serve` under 50 concurrent
// connections (autocannon) against a plain node:http server answering a fixed
// body of the same size. Interleaved A, B, A, B in one process (the servers
// run in child processes, autocannon here); medians. Used by bench/run.mjs.
import { spawn } from "node:child_process";
import { join } from "node:path";
import autocannon from "autocannon";

const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };
const hl = (name, size = 1) => ({ hot_load: { model_name: name, model_config: { size_gb: size, tier: "ram", capabilities: ["chat"] } } });

/** A Server with one ready model and one finished job, and the requests the benches make. */
async function scene(Server) {
  const s = new Server({ clock: "manual" });
  const { job_id } = await s.handleRequest(hl("bench-model", 2));
  s.advance(60_000); // ready: /api/ps lists it with the catalog's six
  return { s, job_id };
}

/** The requests of part (a): [label, url, init]. */
const requestsOf = (job_id) => [
  ["`GET /api/ps`", "http://sim/api/ps", undefined],
  ["`POST /hotload` with a `load_status`", "http://sim/hotload", { method: "POST", body: JSON.stringify({ load_status: job_id }) }],
];

/** µs per `fetch` + `await r.text()`, awaited one after the other. */
async function perFetch(fetch, url, init, n) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await (await fetch(url, init)).text();
  return Number(process.hrtime.bigint() - t0) / n / 1000;
}

export async function fetchBench(ours, { quick, rounds }) {
  const { s, job_id } = await scene(ours.Server);
  const rows = [];
  for (const [label, url, init] of requestsOf(job_id)) {
    const first = await s.fetch(url, init);
    const status = first.status;
    const headers = Object.fromEntries(first.headers);
    const obj = await first.json();
    if (status === 404) { rows.push({ label, missing: true }); continue; }
    // The plain-JS side: the same status, headers and body, from the object.
    const plain = async () => new Response(JSON.stringify(obj), { status, headers });
    const n = quick ? 300 : 20_000;
    await perFetch(s.fetch, url, init, n); await perFetch(plain, url, init, n);
    const a = [], b = [], ratio = [];
    for (let r = 0; r < rounds; r++) {
      globalThis.gc?.();
      const x = await perFetch(s.fetch, url, init, n);
      globalThis.gc?.();
      const y = await perFetch(plain, url, init, n);
      a.push(x); b.push(y); ratio.push(x / y);
    }
    rows.push({ label, status, bytes: Buffer.byteLength(JSON.stringify(obj)), ours: median(a), plain: median(b), ratio: median(ratio) });
  }
  s.free();
  return rows;
}

/** Starts a child that prints "… listening on URL …"; resolves {child, url}. */
function startChild(args) {
  const child = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "inherit"] });
  return new Promise((ok, fail) => {
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+)/);
      if (m) ok({ child, url: m[1] });
    });
    child.on("exit", (code) => fail(new Error(`${args.join(" ")} exited with ${code}: ${out}`)));
  });
}

const stopChild = ({ child }) => new Promise((ok) => { child.removeAllListeners("exit"); child.on("exit", ok); child.kill("SIGTERM"); });

/** The plain node:http server: the same status, headers and body for every request. */
const PLAIN = `
const http = require("node:http");
const { status, headers, body } = JSON.parse(process.argv[1]);
const bytes = Buffer.from(body);
const server = http.createServer({ keepAliveTimeout: 5000 }, (req, res) => {
  req.resume();
  res.writeHead(status, { ...headers, "content-length": bytes.length });
  res.end(bytes);
});
server.listen(0, "127.0.0.1", () => console.log("plain listening on http://127.0.0.1:" + server.address().port));
process.on("SIGTERM", () => { server.close(); server.closeAllConnections(); });
`;

function cannon(url, { method, body }, seconds) {
  return autocannon({ url, method, body, connections: 50, duration: seconds, headers: body ? { "content-type": "application/json" } : {} });
}

export async function httpBench(root, { quick }) {
  const cli = await startChild([join(root, "pkg/cli.mjs"), "serve", "--port", "0", "--clock", "manual"]);
  try {
    // The CLI's own server gets the scene over HTTP.
    const post = (path, body) => fetch(`${cli.url}${path}`, { method: "POST", body: JSON.stringify(body) }).then((r) => r.json());
    const { job_id } = await post("/hotload", hl("bench-model", 2));
    await post("/_sim/advance", { ms: 60_000 });
    const rows = [];
    for (const [label, path, init] of requestsOf(job_id)) {
      const request = { method: init?.method ?? "GET", body: init?.body };
      const first = await fetch(`${cli.url}${path.replace("http://sim", "")}`, request);
      const body = await first.text();
      if (first.status === 404) { rows.push({ label, missing: true }); continue; }
      const headers = Object.fromEntries([...first.headers].filter(([k]) => !/^(date|connection|keep-alive|content-length|transfer-encoding)$/.test(k)));
      const plain = await startChild(["-e", PLAIN, JSON.stringify({ status: first.status, headers, body })]);
      try {
        const target = (s) => `${s.url}${path.replace("http://sim", "")}`;
        const seconds = quick ? 0.5 : 1;
        const rounds = quick ? 1 : 4;
        if (!quick) { await cannon(target(cli), request, 0.5); await cannon(target(plain), request, 0.5); }
        const a = [], b = [], ratio = [], latency = { ours: [], plain: [] };
        let errors = 0, non2xx = 0;
        for (let r = 0; r < rounds; r++) {
          const x = await cannon(target(cli), request, seconds);
          const y = await cannon(target(plain), request, seconds);
          const rps = (res) => res.requests.total / res.duration;
          a.push(rps(x)); b.push(rps(y)); ratio.push(rps(x) / rps(y));
          latency.ours.push(x.latency.p99); latency.plain.push(y.latency.p99);
          errors += x.errors + x.timeouts + y.errors + y.timeouts;
          non2xx += x.non2xx + y.non2xx;
        }
        rows.push({ label, bytes: Buffer.byteLength(body), ours: median(a), plain: median(b), ratio: median(ratio),
          p99: { ours: median(latency.ours), plain: median(latency.plain) }, errors, non2xx, seconds: seconds * rounds });
      } finally {
        await stopChild(plain);
      }
    }
    return rows;
  } finally {
    await stopChild(cli);
  }
}
