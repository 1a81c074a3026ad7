// `npx model-hotload serve` (SPEC §6, "Over HTTP, for any language") as a user runs
// it: the packed tarball installed in a temporary project, the server started with
// npx, driven over real HTTP with curl and Node's fetch, stopped with a signal.
import { test, before, after } from "node:test";
import assert from "node:assert/strict";
import { execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { connect } from "node:net";
import { networkInterfaces } from "node:os";
import { join } from "node:path";
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
  // 1 MiB + 1 byte, from a file as curl uploads one (no Expect: 100-continue).
  const big = join(project, "big.json");
  writeFileSync(big, JSON.stringify({ list_models: true, pad: "x".repeat((1 << 20) - 30) }).padEnd((1 << 20) + 1, " "));
  assert.equal(readFileSync(big).length, (1 << 20) + 1);
  r = await request("POST", "/hotload", `@${big}`, { extra: ["-H", "Expect:"] });
  assert.equal(r.status, 413);
  assert.equal(r.headers.connection, "close");
  // 1 MiB exactly is judged, not refused for its size.
  writeFileSync(big, JSON.stringify({ list_models: true }).padEnd(1 << 20, " "));
  r = await request("POST", "/hotload", `@${big}`, { extra: ["-H", "Expect:"] });
  assert.deepEqual([r.status, r.json.total_models >= 6], [200, true]);
  // 8 MiB from fetch: refused as soon as the first 1 MiB + 1 byte are in.
  const huge = await fetch(`${main.url}/hotload`, { method: "POST", body: "x".repeat(8 << 20) });
  assert.equal(huge.status, 413);
  assert.match((await huge.json()).error, /1 MiB/);
  assert.equal((await request("POST", "/hotload", { system_status: true })).status, 200);
});

test("200 concurrent requests over fetch: every one answered, none failed", async () => {
  const kinds = [
    [() => fetch(`${main.url}/hotload`, { method: "POST", body: '{"list_models": true}' }), 200],
    [() => fetch(`${main.url}/hotload`, { method: "POST", body: '{"system_status": true}' }), 200],
    [() => fetch(`${main.url}/_sim/advance`, { method: "POST", body: '{"ms": 1}' }), 200],
    [() => fetch(`${main.url}/nope`), 404],
  ];
  const results = await Promise.allSettled(Array.from({ length: 200 }, async (_, i) => {
    const [call, want] = kinds[i % kinds.length];
    const r = await call();
    const body = await r.json();
    assert.equal(r.status, want, JSON.stringify(body));
    return body;
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
