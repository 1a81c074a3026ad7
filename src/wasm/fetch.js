// WHATWG fetch in front of the façade (src/http): fetch's arguments become a
// method, a URL and the body's text, and what the façade writes becomes a
// Response, streamed when the answer is a stream. It knows no route and no
// rule. Used by src/wasm/fetch.rs. This file is an ES module; the Node build
// gets a CommonJS copy (tools/build.mjs).

const encoder = new TextEncoder();
const decoder = new TextDecoder(); // invalid UTF-8 becomes U+FFFD, as Go's JSON reads it

const EXCHANGE = Symbol.for("model-hotload.exchange");

// `server.fetch`. exchange(method, url, body, outlet) starts an answer and
// returns its id; the façade calls outlet(head, data, end) as it writes, head
// being [status, name, value, ...] once, first. cancel(id) stops an answer.
// The façade judges at most limit + 1 bytes of a body.
export function makeFetch(exchange, cancel, limit) {
  // Not async: a plain call reaches the server during the call, as a
  // handleRequest does, so `server.fetch(…); server.advance(ms)` works.
  function fetch(input, init) {
    try {
      const signal = init?.signal ?? (input instanceof Request ? input.signal : undefined);
      signal?.throwIfAborted();
      const plain = readPlain(input, init, limit);
      if (plain) return answer(exchange, cancel, plain, signal);
      return readRequest(input, init, limit).then((read) => {
        signal?.throwIfAborted();
        return answer(exchange, cancel, read, signal);
      });
    } catch (error) {
      return Promise.reject(error);
    }
  }
  // The same exchange without a Request or a Response, for the package's own HTTP
  // server (`model-hotload serve`), which writes the façade's output straight to
  // node:http: in Node 20 a Response and its ReadableStream cost more than the rest
  // of the request. Not part of the API.
  Object.defineProperty(fetch, EXCHANGE, { value: Object.freeze({ exchange, cancel, limit }) });
  return fetch;
}

// fetch(url, {method, body: string}), as HTTP clients call it, is read as it
// is, at once; anything else goes through a Request (readRequest), which also
// throws fetch's own TypeErrors (a GET with a body, a bad URL).
function readPlain(input, init, limit) {
  const body = init?.body;
  const method = init?.method ?? "GET";
  if (!(typeof input === "string" || input instanceof URL)) return null;
  if (!(body == null || (typeof body === "string" && !/^(get|head)$/i.test(method)))) return null;
  const text = body ?? "";
  return { method, url: String(input), body: text.length > limit ? text.slice(0, limit + 1) : text };
}

async function readRequest(input, init, limit) {
  const request = new Request(input, init);
  return { method: request.method, url: request.url, body: await readText(request.body, limit) };
}

// A body's text, read no further than limit + 1 bytes.
async function readText(stream, limit) {
  if (!stream) return "";
  const reader = stream.getReader();
  const chunks = [];
  let size = 0;
  while (size <= limit) {
    const { done, value } = await reader.read();
    if (done) break;
    chunks.push(value);
    size += value.byteLength;
  }
  if (size > limit) reader.cancel().catch(() => {});
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return decoder.decode(bytes.subarray(0, limit + 1));
}

function answer(exchange, cancel, { method, url, body }, signal) {
  return new Promise((resolve, reject) => {
    let id;
    let controller;
    let open = true;
    const close = () => {
      open = false;
      signal?.removeEventListener("abort", abort);
    };
    // An abort stops the answer as a network error would: the Promise rejects,
    // or the body errors, with the signal's reason.
    const abort = () => {
      if (!open) return;
      close();
      cancel(id);
      if (controller) controller.error(signal.reason);
      else reject(signal.reason);
    };
    const outlet = (head, data, end) => {
      if (!open) return;
      if (head) {
        const headers = new Headers();
        for (let i = 1; i < head.length; i += 2) headers.append(head[i], head[i + 1]);
        const init = { status: head[0], headers };
        if (end) {
          close();
          resolve(new Response(data === "" ? null : data, init));
          return;
        }
        const stream = new ReadableStream({
          start: (c) => { controller = c; },
          cancel: () => {
            if (!open) return;
            close();
            cancel(id);
          },
        });
        resolve(new Response(stream, init));
      }
      if (data) controller.enqueue(encoder.encode(data));
      if (end) {
        close();
        controller.close();
      }
    };
    id = exchange(method, url, body, outlet);
    if (open) signal?.addEventListener("abort", abort, { once: true });
  });
}
