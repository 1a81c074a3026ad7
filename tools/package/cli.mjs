#!/usr/bin/env node
// `model-hotload serve`: a simulated server's `server.fetch` (SPEC §6) over
// real HTTP with node:http, so curl or any language's client can drive it.
// Copied to the package's root as cli.mjs by tools/build.mjs.
import { createServer } from "node:http";
import { readFileSync } from "node:fs";
import { parseArgs } from "node:util";

const USAGE = `Usage: model-hotload serve [options]

Serves a simulated model server over HTTP: the native routes (/hotload, /events,
/_sim/advance) and the Ollama, OpenAI and Triton routes of server.fetch.

Options:
  --port N           TCP port (default 11434; 0 picks a free one, printed on start)
  --host ADDRESS     address to listen on (default 127.0.0.1: this machine only)
  --clock KIND       manual | real (default real); a manual clock moves only
                     with POST /_sim/advance {"ms": N}
  --time-scale N     real clock: simulated seconds per real second (0.01..1000)
  --options FILE     ServerOptions as JSON (ramGb, catalog, residency, ...);
                     --clock and --time-scale override its fields
  -h, --help         this text
  -v, --version      the package's version

Stop it with Ctrl-C (SIGINT) or SIGTERM.`;

/** What is read and dropped of a body past the façade's limit before its connection is closed. */
const DRAIN = 64 * 1024 * 1024;

class UsageError extends Error {}

/** The command line as {port, host, options, clockName}; throws UsageError. */
function parseCommandLine(argv) {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        port: { type: "string" },
        host: { type: "string" },
        clock: { type: "string" },
        "time-scale": { type: "string" },
        options: { type: "string" },
        help: { type: "boolean", short: "h" },
        version: { type: "boolean", short: "v" },
      },
    });
  } catch (e) {
    throw new UsageError(e.message);
  }
  const { values, positionals } = parsed;
  if (values.help) return { help: true };
  if (values.version) return { version: true };
  if (positionals.length === 0) throw new UsageError("a command is needed: model-hotload serve");
  if (positionals[0] !== "serve") throw new UsageError(`unknown command ${JSON.stringify(positionals[0])}: the command is serve`);
  if (positionals.length > 1) throw new UsageError(`unexpected argument ${JSON.stringify(positionals[1])}`);

  let port = 11434;
  if (values.port !== undefined) {
    if (!/^\d{1,5}$/.test(values.port) || Number(values.port) > 65535) {
      throw new UsageError(`--port must be an integer from 0 to 65535, not ${JSON.stringify(values.port)}`);
    }
    port = Number(values.port);
  }
  const host = values.host ?? "127.0.0.1";
  if (host === "") throw new UsageError("--host must not be empty");

  let options = {};
  if (values.options !== undefined) {
    let text;
    try {
      text = readFileSync(values.options, "utf8");
    } catch (e) {
      throw new UsageError(`--options ${values.options}: cannot read it (${e.code ?? e.message})`);
    }
    try {
      options = JSON.parse(text);
    } catch (e) {
      throw new UsageError(`--options ${values.options}: not JSON (${e.message})`);
    }
    if (options === null || typeof options !== "object" || Array.isArray(options)) {
      throw new UsageError(`--options ${values.options}: must hold a JSON object (ServerOptions)`);
    }
  }
  if (values.clock !== undefined) {
    if (values.clock !== "manual" && values.clock !== "real") {
      throw new UsageError(`--clock must be manual or real, not ${JSON.stringify(values.clock)}`);
    }
    options = { ...options, clock: values.clock };
  }
  if (values["time-scale"] !== undefined) {
    const text = values["time-scale"];
    const scale = Number(text);
    if (text.trim() === "" || !Number.isFinite(scale)) {
      throw new UsageError(`--time-scale must be a number, not ${JSON.stringify(text)}`);
    }
    options = { ...options, timeScale: scale };
  }
  return { port, host, options };
}

/**
 * The text of a request's body, no more than its first limit + 1 bytes (the
 * façade's limit, as server.fetch has it: it answers 413 past it).
 */
function readBody(req, limit) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    let size = 0;
    const onData = (chunk) => {
      const room = limit + 1 - size;
      chunks.push(chunk.length > room ? chunk.subarray(0, room) : chunk);
      size += Math.min(chunk.length, room);
      if (size > limit) {
        // Enough to refuse it: the rest is read and dropped, so that the answer reaches
        // a client still sending (closing a socket with unread data resets it), up to
        // DRAIN bytes, past which the connection goes.
        req.off("data", onData);
        req.off("end", onEnd);
        let dropped = 0;
        req.on("data", (rest) => { if ((dropped += rest.length) > DRAIN) req.destroy(); });
        done();
      }
    };
    const done = () => resolve(chunks.length === 1 ? chunks[0].toString("utf8") : Buffer.concat(chunks, size).toString("utf8"));
    const onEnd = () => done();
    req.on("data", onData);
    req.on("end", onEnd);
    req.on("error", reject);
  });
}

/**
 * The node:http request listener for a server. It runs the exchange under
 * server.fetch (src/wasm/fetch.js) and writes what the façade writes straight to
 * the response: in Node 20 a WHATWG Response and its ReadableStream cost more per
 * request than all the rest. `open` holds the streams being written, for a stop.
 */
function listener(server, open) {
  const raw = server.fetch[Symbol.for("model-hotload.exchange")];
  if (!raw) throw new Error("this Server has no exchange under its fetch: cli.mjs and the module are from different builds");
  const { exchange, cancel, limit } = raw;
  return function serveRequest(req, res) {
    const method = req.method;
    if (method === "GET" || method === "HEAD") {
      req.resume(); // a body here is ignored, as fetch refuses one
      answer(req, res, method, "");
      return;
    }
    readBody(req, limit).then((body) => answer(req, res, method, body), () => res.destroy());
  };

  function answer(req, res, method, body) {
    if (res.destroyed) return;
    let id;
    let stream; // set while a streamed answer is open
    const outlet = (head, data, end) => {
      if (res.destroyed || res.writableEnded) return;
      if (head) {
        res.statusCode = head[0];
        for (let i = 1; i < head.length; i += 2) res.appendHeader(head[i], head[i + 1]);
        if (end) {
          res.end(data); // a whole answer: node:http sends its Content-Length
          return;
        }
        if (!res.hasHeader("cache-control")) res.setHeader("cache-control", "no-cache");
        res.setHeader("x-accel-buffering", "no");
        stream = { res, stop: () => { cancel(id); res.end(); } };
        open.add(stream);
        if (!data) res.flushHeaders();
      }
      if (data) res.write(data); // each chunk goes out as it comes (no Nagle: node:http's noDelay)
      if (end) {
        open.delete(stream);
        res.end();
      }
    };
    // A client that goes stops its stream (the job goes on). Outside the façade's call:
    // never re-enter it from its own outlet.
    res.once("close", () => {
      if (!stream || !open.delete(stream)) return;
      queueMicrotask(() => cancel(id));
    });
    // Scheme and host are not read: the path picks the route.
    const url = req.url.startsWith("/") ? `http://localhost${req.url}` : req.url;
    try {
      id = exchange(method, url, body, outlet);
    } catch (e) {
      // The façade answers bad input itself: this is a freed server or a bug.
      if (res.headersSent) { res.destroy(); return; }
      res.statusCode = 500;
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify({ error: `model-hotload: ${e?.message ?? e}` }));
    }
  }
}

const showHost = (address) => (address.includes(":") ? `[${address}]` : address);

/** Starts serving; resolves with {server, http, url, stop}. */
async function serve({ port, host, options }) {
  const { Server } = await import("./node/index.mjs");
  const server = new Server(options);
  const open = new Set();
  const http = createServer({ keepAliveTimeout: 5000 }, listener(server, open));
  await new Promise((ok, fail) => {
    http.once("error", fail);
    http.listen(port, host, () => { http.off("error", fail); ok(); });
  });
  const { address, port: bound } = http.address();
  let stopping;
  const stop = () => {
    stopping ??= new Promise((ok) => {
      http.close(() => ok());
      // Every stream is ended as a complete response, then the idle connections closed.
      for (const stream of open) stream.stop();
      open.clear();
      http.closeIdleConnections();
      // Answers still waiting on simulated time get a moment, then their connections go.
      setTimeout(() => http.closeAllConnections(), 250).unref();
    }).then(() => server.free());
    return stopping;
  };
  return { server, http, url: `http://${showHost(address)}:${bound}`, stop };
}

async function main(argv) {
  let args;
  try {
    args = parseCommandLine(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`model-hotload: ${e.message}\n\n${USAGE}\n`);
    return 2;
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  if (args.version) {
    const meta = JSON.parse(readFileSync(new URL("./package.json", import.meta.url), "utf8"));
    process.stdout.write(`${meta.version}\n`);
    return 0;
  }
  // Signals are caught from before the start line, so that one sent as soon as the line
  // has been read stops the server cleanly too.
  let signals = 0;
  let requestStop;
  const stopRequested = new Promise((ok) => { requestStop = ok; });
  const onSignal = (signal) => {
    if (++signals > 1) process.exit(signal === "SIGINT" ? 130 : 143); // a second one does not wait
    requestStop();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  // Through npx, a SIGTERM to npm reaches the shell npm runs this in, and the shell ends
  // without passing it on: a server whose parent has gone stops as if it had the signal.
  if (process.env.npm_command === "exec") {
    const parent = process.ppid;
    const watch = setInterval(() => {
      if (process.ppid === parent) return;
      clearInterval(watch);
      onSignal("SIGTERM");
    }, 250);
    watch.unref();
  }
  let running;
  try {
    running = await serve(args);
  } catch (e) {
    if (e.code && e.syscall === "listen") {
      const why = { EADDRINUSE: "the address is in use", EADDRNOTAVAIL: "the address is not on this machine", EACCES: "permission denied" }[e.code] ?? e.code;
      process.stderr.write(`model-hotload: cannot listen on ${showHost(args.host)}:${args.port}: ${why}\n`);
      return 1;
    }
    // An invalid ServerOptions: the constructor's message.
    process.stderr.write(`model-hotload: ${e.message}\n`);
    return 2;
  }
  const clock = args.options.clock === "manual" ? "manual" : `real${args.options.timeScale !== undefined ? `, time scale ${args.options.timeScale}` : ""}`;
  process.stdout.write(`model-hotload listening on ${running.url} (clock: ${clock})\n`);
  await stopRequested;
  await running.stop();
  return 0;
}

main(process.argv.slice(2)).then((code) => process.exit(code), (e) => {
  process.stderr.write(`model-hotload: ${e?.stack ?? e}\n`);
  process.exit(1);
});
