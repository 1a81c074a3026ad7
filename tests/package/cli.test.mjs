// `npx model-hotload serve` (SPEC §6, "Over HTTP, for any language") as a user runs
// it: the packed tarball installed in a temporary project, the server started with
// npx, driven over real HTTP with curl and Node's fetch (the native, Ollama, OpenAI
// and Triton routes, the manual clock moved over HTTP), stopped with a signal.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
import { readmeBlocks } from "../readme.mjs";
import { installedProject } from "./project.mjs";

const LINE = /^model-hotload listening on (http:\/\/127\.0\.0\.1:(\d+)) \(clock: manual\)\n$/;
let project;
let remove;
let main; // the npx-started server every test below drives
const started = [];

before(async () => {
  ({ project, remove } = installedProject("model-hotload-cli-"));
  main = await start(["serve", "--port", "0", "--clock", "manual"]);
});

after(() => {
  for (const s of started) if (s.exitCode === undefined) process.kill(-s.child.pid, "SIGKILL");
  remove();
});

/**
 * Starts the command, by npx or by the installed bin, in its own process group (as a
 * terminal runs a job), and waits for its first line: {child, line, url, port, stdout(), exited}.
 */
function start(args, { npx = true } = {}) {
  const [cmd, argv] = npx ? ["npx", ["model-hotload", ...args]] : [join(project, "node_modules/.bin/model-hotload"), args];
  const child = spawn(cmd, argv, { cwd: project, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  const s = { child, exitCode: undefined, signal: undefined, out: "", err: "" };
  started.push(s);
  s.exited = new Promise((ok) => child.on("exit", (code, signal) => { s.exitCode = code; s.signal = signal; ok(code); }));
  child.stdout.setEncoding("utf8").on("data", (d) => { s.out += d; });
  child.stderr.setEncoding("utf8").on("data", (d) => { s.err += d; });
  return new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`no start line in 20 s: ${s.out}${s.err}`)), 20_000);
    const check = () => {
      if (!s.out.includes("\n")) return;
      clearTimeout(timer);
      s.line = s.out.slice(0, s.out.indexOf("\n") + 1);
      const m = s.line.match(/(http:\/\/[^ ]+:(\d+)) /);
      if (!m) return fail(new Error(`unexpected start line: ${s.line}${s.err}`));
      [, s.url, s.port] = m;
      ok(s);
    };
    child.stdout.on("data", check);
    child.on("exit", (code) => { clearTimeout(timer); fail(new Error(`exited with ${code} before listening: ${s.out}${s.err}`)); });
  });
}

/** Runs curl; resolves with its stdout (rejects with its stderr when it fails). */
function curl(args) {
  return new Promise((ok, fail) => {
    execFile("curl", ["-sS", ...args], { encoding: "utf8", maxBuffer: 16 << 20 }, (e, stdout, stderr) => (e ? fail(new Error(`curl ${args.join(" ")}: ${e.code}: ${stderr}`)) : ok(stdout)));
  });
}

/** One request with curl -i: {status, headers, body, json}. */
async function request(method, path, body, { url = main.url, extra = [] } = {}) {
  const data = body === undefined ? [] : ["--data-binary", typeof body === "string" ? body : JSON.stringify(body)];
  const text = await curl(["-i", "-X", method, ...data, ...extra, `${url}${path}`]);
  const at = text.indexOf("\r\n\r\n");
  const [statusLine, ...lines] = text.slice(0, at).split("\r\n");
  const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")).toLowerCase(), l.slice(l.indexOf(":") + 1).trim()]));
  const rest = text.slice(at + 4);
  let json;
  try { json = JSON.parse(rest); } catch { /* not JSON */ }
  return { status: Number(statusLine.split(" ")[1]), headers, body: rest, json };
}

const hotLoad = (name, size) => ({ hot_load: { model_name: name, model_config: { size_gb: size, tier: "ram", capabilities: ["chat"] } } });

/** A process's output stream, read as lines as they come. */
function lineReader(stream) {
  let buffer = "";
  const waiting = [];
  const lines = [];
  stream.setEncoding("utf8").on("data", (d) => {
    buffer += d;
    let at;
    while ((at = buffer.indexOf("\n")) >= 0) {
      lines.push(buffer.slice(0, at));
      buffer = buffer.slice(at + 1);
    }
    while (waiting.length && lines.length) waiting.shift()(lines.shift());
  });
  stream.on("end", () => { while (waiting.length) waiting.shift()(null); });
  return () => (lines.length ? Promise.resolve(lines.shift()) : new Promise((ok) => waiting.push(ok)));
}

/** Reads SSE / NDJSON text from a fetch body until `pattern` has been seen. */
async function readUntil(reader, pattern, seen = { text: "" }) {
  const decoder = new TextDecoder();
  while (!pattern.test(seen.text)) {
    const { done, value } = await reader.read();
    if (done) throw new Error(`stream ended before ${pattern}: ${seen.text}`);
    seen.text += decoder.decode(value);
  }
  return seen.text;
}

/** The pid of the server npx started: the node process among npx's descendants (npm runs it under a shell). */
function serverPid(npxPid) {
  const parents = new Map();
  for (const pid of readdirSync("/proc").filter((f) => /^\d+$/.test(f))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      parents.set(Number(pid), Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]));
    } catch { /* gone */ }
  }
  const descends = (pid) => { for (let p = pid; p > 1; p = parents.get(p)) if (p === npxPid) return true; return false; };
  const found = [...parents.keys()].filter((pid) => pid !== npxPid && descends(pid)).filter((pid) => {
    try { return /cli\.mjs|bin\/model-hotload/.test(readFileSync(`/proc/${pid}/cmdline`, "utf8")) && readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "node"; } catch { return false; }
  });
  assert.equal(found.length, 1, `one server process under npx (${npxPid}): ${found}`);
  return found[0];
}

/** Whether a TCP connection to host:port is accepted. */
function accepts(host, port) {
  return new Promise((ok) => {
    const socket = connect({ host, port, timeout: 2000 });
    socket.once("connect", () => { socket.destroy(); ok(true); });
    socket.once("error", () => ok(false));
    socket.once("timeout", () => { socket.destroy(); ok(false); });
  });
}

test("npx model-hotload serve --port 0: exactly one line, the URL with the port it picked", () => {
  assert.match(main.line, LINE);
  assert.notEqual(Number(main.port), 0);
  assert.equal(main.err, "");
});

test("POST /hotload over curl: handleRequest's answers with SPEC's status codes", async () => {
  let r = await request("POST", "/hotload", { list_models: true, request_id: 7 });
  assert.equal(r.status, 200);
  assert.match(r.headers["content-type"], /^application\/json/);
  assert.equal(Number(r.headers["content-length"]), Buffer.byteLength(r.body), "a whole answer is sent with its length");
  assert.deepEqual([r.json.total_models, r.json.request_id], [6, 7]);
  r = await request("POST", "/hotload", hotLoad("curl-model", 2));
  assert.deepEqual([r.status, r.json.status], [200, "hot_load_started"]);
  const job = r.json.job_id;
  r = await request("POST", "/hotload", { load_status: job });
  assert.equal(r.json.status, "loading");
  r = await request("POST", "/hotload", hotLoad("curl-model", 2));
  assert.deepEqual([r.status, r.json.code], [409, "duplicate_model"]);
  r = await request("POST", "/hotload", { load_status: "nope" });
  assert.deepEqual([r.status, r.json.code], [404, "job_not_found"]);
  // The manual clock, advanced over HTTP.
  const before = (await request("POST", "/_sim/advance", { ms: 0 })).json.now;
  r = await request("POST", "/_sim/advance", { ms: 5000 });
  assert.deepEqual([r.status, r.json], [200, { now: before + 5000 }]);
  r = await request("POST", "/hotload", { load_status: job });
  assert.equal(r.json.status, "success");
});

test("GET /events over curl -N: each event as it happens", async () => {
  const sse = spawn("curl", ["-sN", `${main.url}/events`], { stdio: ["ignore", "pipe", "pipe"] });
  const next = lineReader(sse.stdout);
  try {
    assert.match(await next(), /^:/, "the opening comment arrives at once");
    assert.equal(await next(), "");
    const { job_id } = await (await fetch(`${main.url}/hotload`, { method: "POST", body: JSON.stringify(hotLoad("sse-model", 1)) })).json();
    assert.equal(await next(), "event: load_started");
    assert.equal(JSON.parse((await next()).slice(6)).job_id, job_id);
    assert.equal(await next(), "");
    await request("POST", "/_sim/advance", { ms: 60_000 });
    assert.equal(await next(), "event: load_succeeded");
  } finally {
    sse.kill();
  }
  // The client gone, the server goes on.
  assert.equal((await request("POST", "/hotload", { system_status: true })).status, 200);
});

/** Awaits `promise` (a request that waits on simulated time), advancing the clock over HTTP while it waits. */
async function drive(promise, step = 100, limit = 600) {
  let settled = false;
  const result = promise.then((value) => ({ value }), (error) => ({ error }));
  result.then(() => { settled = true; });
  for (let i = 0; !settled; i++) {
    assert.ok(i < limit, "the request never settled");
    await new Promise((ok) => setTimeout(ok, 2));
    if (!settled) await request("POST", "/_sim/advance", { ms: step });
  }
  const { value, error } = await result;
  if (error) throw error;
  return value;
}

const ANSWER = "Hello! This is a simulated answer, the same every time.";
const DIGEST = /^sha256:[0-9a-f]{64}$/;

test("Ollama over curl: version, tags, ps, show; generate and chat; delete", async () => {
  const version = JSON.parse(readFileSync(join(project, "node_modules/model-hotload/package.json"), "utf8")).version;
  let r = await request("GET", "/api/version");
  assert.deepEqual([r.status, r.json], [200, { version }]);
  r = await request("GET", "/api/tags");
  assert.equal(r.status, 200);
  const small = r.json.models.find((m) => m.name === "gpt2-small");
  assert.deepEqual([small.size, small.details.format, small.details.family], [500_000_000, "gguf", "gpt2"]);
  assert.match(small.digest, DIGEST);
  r = await request("GET", "/api/ps");
  const running = r.json.models.find((m) => m.name === "gpt2-small");
  assert.equal(running.size_vram, running.size);
  assert.equal(r.json.models.find((m) => m.name === "llama-7b").size_vram, 0, "swap");
  r = await request("POST", "/api/show", { model: "gpt2-small" });
  assert.equal(r.status, 200);
  assert.equal(r.json.model_info["general.architecture"], "gpt2");
  assert.deepEqual(r.json.capabilities, ["completion"]);
  // generate without a prompt loads (answered once the load ends); keep_alive 0 unloads.
  assert.equal((await request("POST", "/hotload", { unload_model: "gpt2-medium" })).status, 200);
  const loaded = await drive(request("POST", "/api/generate", { model: "gpt2-medium", keep_alive: "5m" }));
  assert.deepEqual([loaded.status, loaded.json.done, loaded.json.done_reason], [200, true, "load"]);
  assert.ok((await request("GET", "/api/ps")).json.models.some((m) => m.name === "gpt2-medium"));
  r = await request("POST", "/api/generate", { model: "gpt2-medium", keep_alive: 0 });
  assert.deepEqual([r.json.done_reason], ["unload"]);
  assert.ok(!(await request("GET", "/api/ps")).json.models.some((m) => m.name === "gpt2-medium"));
  // With a prompt: streamed NDJSON from fetch, read line by line as the clock moves.
  const response = await fetch(`${main.url}/api/generate`, { method: "POST", body: JSON.stringify({ model: "gpt2-small", prompt: "why is the sky blue" }) });
  assert.equal(response.status, 200);
  const reader = response.body.getReader();
  const seen = { text: "" };
  await drive(readUntil(reader, /"done":true/, seen), 20);
  const parts = seen.text.trim().split("\n").map((l) => JSON.parse(l));
  assert.equal(parts.map((p) => p.response).join(""), ANSWER);
  assert.deepEqual([parts.at(-1).done_reason, parts.at(-1).eval_count], ["stop", 13]);
  const chat = await drive(request("POST", "/api/chat", { model: "gpt2-small", messages: [{ role: "user", content: "hi" }], stream: false }));
  assert.deepEqual(chat.json.message, { role: "assistant", content: ANSWER });
  // delete: 200 and empty, then 404.
  r = await request("DELETE", "/api/delete", { model: "gpt2-large" });
  assert.deepEqual([r.status, r.body], [200, ""]);
  r = await request("DELETE", "/api/delete", { model: "gpt2-large" });
  assert.deepEqual([r.status, r.json], [404, { error: "model 'gpt2-large' not found" }]);
  r = await request("POST", "/api/generate", { model: "nope", prompt: "x" });
  assert.deepEqual([r.status, r.json], [404, { error: "model 'nope' not found" }]);
});

test("Ollama over curl -N: a streamed /api/pull read line by line as the clock moves", async () => {
  const pull = spawn("curl", ["-sN", "--data-binary", JSON.stringify({ model: "llama3.2:1b" }), `${main.url}/api/pull`], { stdio: ["ignore", "pipe", "pipe"] });
  const next = lineReader(pull.stdout);
  const lines = [];
  for (let line = await next(); line !== null; ) {
    lines.push(JSON.parse(line));
    if (lines.at(-1).status === "success") break;
    // Each line as the clock passes it: move the clock only once the stream waits for it.
    const pending = next();
    const waited = await Promise.race([pending, new Promise((ok) => setTimeout(ok, 5, "waiting"))]);
    if (waited === "waiting") await request("POST", "/_sim/advance", { ms: 50 });
    line = await pending;
  }
  pull.kill();
  assert.equal(lines[0].status, "pulling manifest");
  const progress = lines.filter((l) => l.digest);
  assert.match(progress[0].digest, DIGEST);
  assert.equal(progress[0].total, 1_300_000_000);
  const completed = progress.map((l) => l.completed);
  assert.ok(completed.every((c, i) => i === 0 || c >= completed[i - 1]), "never goes back");
  assert.ok(progress.length >= 101, `a line at least per percent: ${progress.length}`);
  assert.deepEqual(lines.slice(-3).map((l) => l.status), ["verifying sha256 digest", "writing manifest", "success"]);
  assert.ok((await request("GET", "/api/tags")).json.models.some((m) => m.name === "llama3.2:1b"));
  const r = await request("POST", "/api/pull", { model: "no-such:1b" });
  assert.equal(r.status, 404);
});

test("OpenAI over curl: /v1/models, one model, delete, OpenAI's 404", async () => {
  let r = await request("GET", "/v1/models");
  assert.equal(r.status, 200);
  assert.equal(r.json.object, "list");
  assert.deepEqual(Object.keys(r.json.data[0]), ["id", "object", "created", "owned_by"]);
  assert.ok(r.json.data.some((m) => m.id === "bert-large"));
  r = await request("GET", "/v1/models/bert-large");
  assert.deepEqual([r.status, r.json.id, r.json.object], [200, "bert-large", "model"]);
  r = await request("DELETE", "/v1/models/bert-large");
  assert.deepEqual([r.status, r.json], [200, { id: "bert-large", object: "model", deleted: true }]);
  r = await request("GET", "/v1/models/bert-large");
  assert.equal(r.status, 404);
  assert.deepEqual(Object.keys(r.json.error).sort(), ["code", "message", "param", "type"]);
  assert.equal(r.json.error.code, "model_not_found");
});

test("Triton over curl: health, the repository index, unload, a load that waits, readiness, metadata", async () => {
  for (const path of ["/v2/health/live", "/v2/health/ready"]) {
    const r = await request("GET", path);
    assert.deepEqual([r.status, r.body], [200, ""], path);
  }
  let r = await request("GET", "/v2");
  assert.deepEqual(r.json.extensions, ["model_repository"]);
  r = await request("POST", "/v2/repository/models/gpt-j-6b/unload", "");
  assert.deepEqual([r.status, r.json], [200, {}]);
  r = await request("POST", "/v2/repository/index", {});
  assert.deepEqual(r.json.find((m) => m.name === "gpt-j-6b"), { name: "gpt-j-6b", version: "1", state: "UNAVAILABLE" });
  r = await request("GET", "/v2/models/gpt-j-6b/ready");
  assert.equal(r.status, 400);
  const loaded = await drive(request("POST", "/v2/repository/models/gpt-j-6b/load", ""), 200);
  assert.deepEqual([loaded.status, loaded.json], [200, {}]);
  r = await request("POST", "/v2/repository/index", { ready: true });
  assert.ok(r.json.every((m) => m.state === "READY") && r.json.some((m) => m.name === "gpt-j-6b"));
  assert.equal((await request("GET", "/v2/models/gpt-j-6b/ready")).status, 200);
  r = await request("GET", "/v2/models/gpt-j-6b");
  assert.deepEqual([r.json.name, r.json.versions, r.json.platform], ["gpt-j-6b", ["1"], "model-hotload"]);
  r = await request("POST", "/v2/repository/models/nope/load", "");
  assert.equal(r.status, 400);
});

test("bad HTTP input: 404, 405 with Allow, 413, 400; the server goes on", async () => {
  let r = await request("GET", "/nope");
  assert.equal(r.status, 404);
  assert.match(r.json.error, /no route/);
  r = await request("PUT", "/hotload", "{}");
  assert.deepEqual([r.status, r.headers.allow], [405, "POST"]);
  r = await request("DELETE", "/events");
  assert.deepEqual([r.status, r.headers.allow], [405, "GET"]);
  r = await request("GET", "/_sim/advance");
  assert.deepEqual([r.status, r.headers.allow], [405, "POST"]);
  r = await request("POST", "/hotload", "{bad");
  assert.deepEqual([r.status, r.json.code], [400, "malformed_json"]);
  r = await request("POST", "/_sim/advance", { ms: -1 });
  assert.equal(r.status, 400);
  // The same rules on every family's routes.
  r = await request("GET", "/api/pull");
  assert.deepEqual([r.status, r.headers.allow], [405, "POST"]);
  r = await request("POST", "/api/show", "{not json");
  assert.equal(r.status, 400);
  assert.equal(typeof r.json.error, "string");
  r = await request("POST", "/v1/models");
  assert.equal(r.status, 405);
  r = await request("POST", "/v2/repository/index", "[1,");
  assert.equal(r.status, 400);
  assert.equal((await request("GET", "/api/nope")).status, 404);
  // CORS: a preflight, and the header on every answer, for a page on another origin.
  r = await request("OPTIONS", "/api/tags", undefined, { extra: ["-H", "Origin: http://page.test", "-H", "Access-Control-Request-Method: GET"] });
  assert.deepEqual([r.status, r.headers["access-control-allow-origin"], r.headers["access-control-allow-methods"]], [204, "*", "GET, HEAD"]);
  assert.equal((await request("GET", "/api/version")).headers["access-control-allow-origin"], "*");
  // 1 MiB + 1 byte, from a file as curl uploads one (no Expect: 100-continue).
  const big = join(project, "big.json");
  writeFileSync(big, JSON.stringify({ list_models: true, pad: "x".repeat((1 << 20) - 30) }).padEnd((1 << 20) + 1, " "));
  assert.equal(readFileSync(big).length, (1 << 20) + 1);
  r = await request("POST", "/hotload", `@${big}`, { extra: ["-H", "Expect:"] });
  assert.equal(r.status, 413);
  // 1 MiB exactly is judged, not refused for its size.
  writeFileSync(big, JSON.stringify({ list_models: true }).padEnd(1 << 20, " "));
  r = await request("POST", "/hotload", `@${big}`, { extra: ["-H", "Expect:"] });
  assert.deepEqual([r.status, r.json.status], [200, "success"]);
  // 8 MiB from fetch, several at once: each refused as soon as its first 1 MiB + 1 byte
  // are in, and the answer reaches the client still sending (the rest is drained).
  const huge = "x".repeat(8 << 20);
  for (const r of await Promise.all(Array.from({ length: 4 }, () => fetch(`${main.url}/hotload`, { method: "POST", body: huge })))) {
    assert.equal(r.status, 413);
    assert.match((await r.json()).error, /1 MiB/);
  }
  assert.equal((await request("POST", "/hotload", { system_status: true })).status, 200);
});

test("200 concurrent requests over fetch: every one answered, none failed", async () => {
  const kinds = [
    [() => fetch(`${main.url}/hotload`, { method: "POST", body: '{"list_models": true}' }), 200],
    [() => fetch(`${main.url}/hotload`, { method: "POST", body: '{"system_status": true}' }), 200],
    [() => fetch(`${main.url}/_sim/advance`, { method: "POST", body: '{"ms": 1}' }), 200],
    [() => fetch(`${main.url}/nope`), 404],
    [() => fetch(`${main.url}/api/tags`), 200],
    [() => fetch(`${main.url}/api/ps`), 200],
    [() => fetch(`${main.url}/v1/models`), 200],
    [() => fetch(`${main.url}/v2/repository/index`, { method: "POST", body: "{}" }), 200],
  ];
  const results = await Promise.allSettled(Array.from({ length: 200 }, async (_, i) => {
    const [call, want] = kinds[i % kinds.length];
    const r = await call();
    const body = await r.text();
    assert.equal(r.status, want, body);
    return JSON.parse(body);
  }));
  const failed = results.filter((r) => r.status === "rejected").map((r) => r.reason?.message);
  assert.deepEqual(failed, []);
});

test("loopback only by default: bound to 127.0.0.1, refused on any other address", async (t) => {
  assert.match(main.url, /^http:\/\/127\.0\.0\.1:/);
  // The listening socket's own address, as the kernel has it: 127.0.0.1, not 0.0.0.0 or ::.
  const hex = Number(main.port).toString(16).toUpperCase().padStart(4, "0");
  const listening = ["/proc/net/tcp", "/proc/net/tcp6"].filter(existsSync)
    .flatMap((f) => readFileSync(f, "utf8").split("\n").slice(1))
    .map((l) => l.trim().split(/\s+/)).filter((f) => f[1]?.endsWith(`:${hex}`) && f[3] === "0A").map((f) => f[1]);
  assert.deepEqual(listening, [`0100007F:${hex}`]);
  // A server bound to every address would accept on 127.0.0.2 too.
  assert.equal(await accepts("127.0.0.1", main.port), true);
  assert.equal(await accepts("127.0.0.2", main.port), false);
  const others = Object.values(networkInterfaces()).flat().filter((a) => !a.internal).map((a) => a.address);
  t.diagnostic(others.length === 0
    ? "this machine has no non-loopback address: the bound address is checked alone"
    : `non-loopback addresses here (${others.join(", ")}) are not contacted: test traffic stays on loopback; the kernel's socket table shows the server is not bound to them`);
  // --host is honoured: 127.0.0.2, and then not 127.0.0.1.
  const other = await start(["serve", "--port", "0", "--host", "127.0.0.2", "--clock", "manual"], { npx: false });
  try {
    assert.match(other.line, /^model-hotload listening on http:\/\/127\.0\.0\.2:\d+ \(clock: manual\)\n$/);
    assert.equal(await accepts("127.0.0.2", other.port), true);
    assert.equal(await accepts("127.0.0.1", other.port), false);
  } finally {
    other.child.kill("SIGINT");
    assert.equal(await other.exited, 0, `${other.signal} ${other.err}`);
  }
});

test("the README's curl example (sh test:cli) runs against npx model-hotload serve", async () => {
  const blocks = readmeBlocks("cli");
  assert.ok(blocks.length >= 1, "the README has its curl example");
  for (const { code, line } of blocks) {
    const s = await start(["serve", "--port", "0", "--clock", "manual"]);
    try {
      const script = code.replaceAll("http://127.0.0.1:11434", s.url);
      const out = await new Promise((ok, fail) => execFile("bash", ["-euo", "pipefail", "-c", script], { cwd: project, encoding: "utf8", timeout: 20_000 },
        (e, stdout, stderr) => (e ? fail(new Error(`README.md:${line}: ${e.message}\n${stdout}${stderr}`)) : ok(stdout))));
      assert.match(out, /"version":/, `README.md:${line}`);
      assert.match(out, /"status":"success"/, `README.md:${line}: the pull ended`);
      assert.match(out, /"name":"qwen2\.5:0\.5b"/, `README.md:${line}: the pulled model is listed`);
    } finally {
      s.child.kill("SIGTERM");
      await s.exited;
    }
  }
});

test("usage: --help, --version, and exit code 2 with a reason for each bad flag or value", async () => {
  const bin = join(project, "node_modules/.bin/model-hotload");
  writeFileSync(join(project, "bad-options.json"), '{"ramGb": -1}');
  writeFileSync(join(project, "not-json.json"), "{ramGb: 1");
  writeFileSync(join(project, "array.json"), "[]");
  const exec = (args) => new Promise((ok) => execFile(bin, args, { cwd: project, encoding: "utf8", timeout: 10_000 }, (e, stdout, stderr) => ok({ code: e ? e.code : 0, stdout, stderr })));
  const help = await exec(["--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /^Usage: model-hotload serve/);
  for (const flag of ["--port", "--host", "--clock", "--time-scale", "--options"]) assert.ok(help.stdout.includes(flag), flag);
  const version = await exec(["--version"]);
  assert.deepEqual([version.code, version.stdout.trim()], [0, JSON.parse(readFileSync(join(project, "node_modules/model-hotload/package.json"), "utf8")).version]);
  for (const [args, reason] of [
    [[], /a command is needed/],
    [["start"], /unknown command "start"/],
    [["serve", "extra"], /unexpected argument "extra"/],
    [["serve", "--bogus"], /Unknown option '--bogus'/],
    [["serve", "--port"], /--port/],
    [["serve", "--port", "abc"], /--port must be an integer from 0 to 65535, not "abc"/],
    [["serve", "--port", "65536"], /--port must be/],
    [["serve", "--port", "-1"], /--port/],
    [["serve", "--clock", "sundial"], /--clock must be manual or real, not "sundial"/],
    [["serve", "--time-scale", "fast"], /--time-scale must be a number, not "fast"/],
    [["serve", "--time-scale", "1e9"], /timeScale/],
    [["serve", "--options", "missing.json"], /--options missing\.json: cannot read it \(ENOENT\)/],
    [["serve", "--options", "not-json.json"], /--options not-json\.json: not JSON/],
    [["serve", "--options", "array.json"], /must hold a JSON object/],
    [["serve", "--options", "bad-options.json"], /ramGb/],
    [["serve", "--host", ""], /--host must not be empty/],
  ]) {
    const r = await exec(args);
    assert.equal(r.code, 2, `${args.join(" ")}: ${r.stdout}${r.stderr}`);
    assert.match(r.stderr, reason, args.join(" "));
    assert.equal(r.stdout, "", "nothing on stdout");
  }
  // The port in use: a clear reason, exit code 1.
  const taken = await exec(["serve", "--port", main.port]);
  assert.equal(taken.code, 1);
  assert.match(taken.stderr, new RegExp(`cannot listen on 127\\.0\\.0\\.1:${main.port}: the address is in use`));
});

test("--options file.json merged with --clock; --time-scale on a real clock", async () => {
  writeFileSync(join(project, "options.json"), JSON.stringify({ clock: "real", catalog: "empty", ramGb: 4, startTime: 1000 }));
  const s = await start(["serve", "--port", "0", "--options", "options.json", "--clock", "manual"], { npx: false });
  try {
    assert.match(s.line, /\(clock: manual\)\n$/);
    assert.equal((await request("POST", "/hotload", { list_models: true }, { url: s.url })).json.total_models, 0);
    assert.equal((await request("POST", "/hotload", hotLoad("too-big", 5), { url: s.url })).json.code, "too_large", "ramGb from the file");
    assert.deepEqual((await request("POST", "/_sim/advance", { ms: 500 }, { url: s.url })).json, { now: 1500 });
  } finally {
    process.kill(-s.child.pid, "SIGINT"); // to its process group, as Ctrl-C in a terminal
  }
  assert.equal(await s.exited, 0, `SIGINT: exit code 0 ${s.signal} ${s.err}`);
  const real = await start(["serve", "--port", "0", "--clock", "real", "--time-scale", "1000"], { npx: false });
  try {
    assert.match(real.line, /^model-hotload listening on http:\/\/127\.0\.0\.1:\d+ \(clock: real, time scale 1000\)\n$/);
    const { job_id } = (await request("POST", "/hotload", hotLoad("fast", 2), { url: real.url })).json;
    let status;
    for (let i = 0; i < 100 && status !== "success"; i++) {
      await new Promise((ok) => setTimeout(ok, 10));
      status = (await request("POST", "/hotload", { load_status: job_id }, { url: real.url })).json.status;
    }
    assert.equal(status, "success", "3 simulated seconds pass in a few real milliseconds");
    assert.equal((await request("POST", "/_sim/advance", { ms: 1 }, { url: real.url })).status, 409);
  } finally {
    real.child.kill("SIGTERM");
  }
  assert.equal(await real.exited, 0, `SIGTERM: exit code 0 ${real.signal} ${real.err}`);
});

test("SIGTERM to npx alone: the server, its parent gone, stops and frees the port", async () => {
  const s = await start(["serve", "--port", "0", "--clock", "manual"]);
  const r = await fetch(`${s.url}/events`);
  const reader = r.body.getReader();
  await readUntil(reader, /^:/);
  s.child.kill("SIGTERM"); // npm, not the server: npm passes it to a shell that does not pass it on
  for (;;) {
    const { done } = await reader.read();
    if (done) break;
  }
  await s.exited;
  for (let i = 0; i < 50 && await accepts("127.0.0.1", s.port); i++) await new Promise((ok) => setTimeout(ok, 50));
  assert.equal(await accepts("127.0.0.1", s.port), false, "the port is free");
});

// Last: it stops the server the tests above share.
test("SIGTERM: open streams end cleanly, the port closes, exit code 0", async () => {
  const r = await fetch(`${main.url}/events`);
  const reader = r.body.getReader();
  await readUntil(reader, /^:/);
  const sse = spawn("curl", ["-sSN", `${main.url}/events`], { stdio: ["ignore", "pipe", "pipe"] });
  const next = lineReader(sse.stdout);
  assert.match(await next(), /^:/);
  const curlExit = new Promise((ok) => sse.on("exit", (code) => ok(code)));
  const t0 = Date.now();
  // To the server itself (npx's exit code is then the server's: npm passes its child's on;
  // a signal to the whole group also reaches the shell between them, and npm then dies of it).
  process.kill(serverPid(main.child.pid), "SIGTERM");
  let end;
  for (;;) {
    const { done } = await reader.read(); // rejects if the stream is cut instead of ended
    if (done) { end = Date.now(); break; }
  }
  assert.equal(await curlExit, 0, "curl saw the stream end, not a cut transfer");
  assert.equal(await main.exited, 0, `exit code 0: ${main.signal} ${main.err}`);
  assert.ok(end - t0 < 2000, `ended in ${end - t0} ms`);
  assert.equal(await accepts("127.0.0.1", main.port), false);
  assert.match(main.out, LINE, "stdout holds the start line and nothing else");
});
