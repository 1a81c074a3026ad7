// model-hotload/msw: Mock Service Worker handlers answered by a simulated
// server's fetch (SPEC §6). msw is an optional peer dependency: only this entry
// imports it. Copied to the package's msw/index.mjs by tools/build.mjs, which
// also rewrites it as CommonJS for require() (msw/index.cjs).
import { http } from "msw";

/**
 * One handler for every method and path under `baseUrl`, answered by
 * `server.fetch(request)`: the native, Ollama, OpenAI and Triton routes,
 * streams included. Spread it into `setupServer(...)` or `setupWorker(...)`.
 */
export function handlers(server, options) {
  const fetch = server?.fetch;
  if (typeof fetch !== "function") {
    throw new TypeError("model-hotload/msw: handlers(server, { baseUrl }) takes a model-hotload Server as its first argument");
  }
  const baseUrl = options?.baseUrl;
  if ((typeof baseUrl !== "string" && !(baseUrl instanceof URL)) || String(baseUrl) === "") {
    throw new TypeError('model-hotload/msw: handlers(server, { baseUrl }) needs the URL the handlers answer, as "http://ollama.test"');
  }
  const base = String(baseUrl).replace(/\/+$/, "");
  return [http.all(`${base}/*`, ({ request }) => fetch(request))];
}
