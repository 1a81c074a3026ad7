import type { HttpHandler } from "msw";

/** What the handlers need of a server: its WHATWG `fetch`. Every model-hotload `Server` (either build) has one. */
export interface FetchServer {
  readonly fetch: (input: Request) => Promise<Response>;
}

export interface HandlersOptions {
  /**
   * The origin (and path prefix, if any) the handlers answer, e.g. `"http://ollama.test"`
   * or `"http://127.0.0.1:11434"`: every method and path under it. A trailing `/` is ignored.
   */
  baseUrl: string | URL;
}

/**
 * Mock Service Worker request handlers answered by `server.fetch(request)`: the native,
 * Ollama, OpenAI and Triton routes, streams included.
 *
 * ```js
 * import { setupServer } from "msw/node";
 * import { Server } from "model-hotload";
 * import { handlers } from "model-hotload/msw";
 * const sim = new Server({ clock: "manual" });
 * setupServer(...handlers(sim, { baseUrl: "http://ollama.test" })).listen();
 * await fetch("http://ollama.test/api/tags");
 * ```
 *
 * In Node, `listen()` replaces `globalThis.fetch`: create clients that capture `fetch` after it.
 */
export function handlers(server: FetchServer, options: HandlersOptions): HttpHandler[];
