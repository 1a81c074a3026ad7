//! The JavaScript API (SPEC §1): `handleRequest` and `Server`. Thin by design:
//! conversion lives in `convert`, the clock and timer in `driver`, and every
//! rule of the protocol in the pure core.

pub mod convert;
mod driver;
mod fetch;
pub mod respond;
mod storage;
mod strings;

use crate::config::{parse_options, ServerConfig};
use convert::read_options;
use driver::Driver;
use js_sys::{Function, Promise};
use std::cell::RefCell;
use storage::Storage;
use wasm_bindgen::prelude::*;

// The TypeScript surface of the exports below. The data types it names
// (requests, responses, events, options) are generated from the Rust types by
// tsify; only these signatures are written here, because wasm-bindgen cannot
// express the generic mapping from a request to its response.
#[wasm_bindgen(typescript_custom_section)]
const TS_API: &'static str = r#"
/** The response a request of type `R` gets on success. */
export type ResponseFor<R> =
  R extends { hot_load: any } ? HotLoadStarted :
  R extends { pull_model: any } ? JobStarted & { status: "pull_started" } :
  R extends { load_model: any } ? JobStarted :
  R extends { delete_model: any } ? Deleted :
  R extends { pin_model: any } ? Pinned :
  R extends { unpin_model: any } ? Pinned :
  R extends { list_repository: any } ? RepositoryList :
  R extends { set_keep_alive: any } ? KeepAliveSet :
  R extends { plan_load: any } ? Plan :
  R extends { load_status: any } ? JobStatus :
  R extends { list_models: any } ? ModelList :
  R extends { model: any } ? Selected :
  R extends { cancel_load: any } ? Cancelled :
  R extends { unload_model: any } ? Unloaded :
  R extends { list_jobs: any } ? JobList :
  R extends { metrics: any } ? MetricsReport :
  R extends { system_status: any } ? SystemStatus :
  R extends SelectRequest ? Selected :
  Body;

/** The answer to `hot_load` (a `JobStarted` of that kind). */
export type HotLoadStarted = JobStarted & { status: "hot_load_started" };

/** What `handleRequest` resolves with: the response, or an error; `request_id` echoed. */
export type Reply<R = Request> = (ResponseFor<R> | ErrorBody) & { request_id?: RequestId };

/**
 * Handles a request on the default server (real clock, default options), created
 * on first use. Takes a JSON string or a plain object; always resolves, with
 * `{ status: "error", code, reason }` for bad input.
 */
export function handleRequest<R extends Request>(request: R): Promise<Reply<R>>;
export function handleRequest(request: string): Promise<Reply>;

/** Diagnostics: the size of the module's WebAssembly memory in bytes (it grows, never shrinks). */
export function wasmMemoryBytes(): number;

/** A simulated model server with its own clock, library, jobs and listeners. */
export class Server {
  /** Throws an `Error` with a clear message for invalid options. */
  constructor(options?: ServerOptions);
  /**
   * Applies the request during the call; the Promise carries the response (for a
   * hot-swap, once the swap has finished in simulated time). Never rejects.
   */
  handleRequest<R extends Request>(request: R): Promise<Reply<R>>;
  handleRequest(request: string): Promise<Reply>;
  /** Manual clock: moves simulated time by `ms` and fires what falls due. Throws on a real clock. */
  advance(ms: number): void;
  /** Simulated time, in ms since the Unix epoch. */
  now(): number;
  /** Real clock: simulated seconds per real second (0.01..1000) from now on. Throws on a manual clock. */
  setTimeScale(scale: number): void;
  /**
   * WHATWG `fetch`, answered in-process by the server's HTTP façade (SPEC §6):
   * the native, Ollama, OpenAI and Triton routes. Bound: `const f = server.fetch; f(url)` works.
   * Bad input gets an HTTP error answer, never a rejection.
   */
  readonly fetch: Fetch;
  /** The session's trace (README, "Traces"); throws unless constructed with `record: true`. */
  trace(): Trace;
  /**
   * Replays a trace (or its JSON text) on a fresh manual-clock server at the recorded instants. Resolves with
   * the report; rejects with an `Error` naming the fault for a malformed trace.
   */
  static replay(trace: Trace | string): Promise<ReplayReport>;
  /** Calls `listener(event)` for every event; returns a function that unsubscribes. */
  subscribe(listener: (event: ServerEvent) => void): () => void;
  /** Releases the server and its timer. Later calls throw. */
  free(): void;
}

/**
 * A recorded session (`new Server({ record: true })`, then `server.trace()`). Written by hand:
 * its steps hold requests and responses as JSON values of any kind.
 */
export interface Trace {
  format: "model-hotload/trace";
  version: 1;
  /** The `ServerOptions` as given. */
  options: ServerOptions | null;
  /** The simulated instant the server started, ms since the epoch. */
  start: number;
  /** Once more than 10,000 steps were recorded: the saved state the steps start from, as its JSON text. */
  base?: string;
  /** Steps dropped when the trace was cut (with `base`). */
  dropped?: number;
  steps: TraceStep[];
}

/** One step: a request and its response, an `advance`, or a `server.fetch` call. */
export type TraceStep =
  | { at: number; request: Request | string | null; unreadable?: string; response: Reply | null }
  | { at: number; advance: number }
  | { at: number; fetch: { method: string; url: string; body: string }; status?: number; body?: unknown };

/**
 * The type of `fetch` where the TypeScript lib declares it (the dom lib, or @types/node),
 * so that `server.fetch` fits every client that takes a `fetch`; elsewhere a function of
 * the same shape over unknown arguments.
 */
export type Fetch = typeof globalThis extends { fetch: infer F } ? F : (input: unknown, init?: unknown) => Promise<unknown>;

/**
 * `[Symbol.dispose]()`, the same as `free()`, so that `using server = new Server()` works:
 * declared only where the TypeScript lib has `Symbol.dispose` (esnext, esnext.disposable,
 * or @types/node), so the declarations also compile under es2020 and es2022.
 */
export interface Server extends Record<SymbolConstructor extends { readonly dispose: infer K extends symbol } ? K : never, () => void> {}
"#;

thread_local! {
    static DEFAULT_SERVER: RefCell<Option<Driver>> = const { RefCell::new(None) };
}

/// Handles a request on the default server (real clock, default options),
/// created on first use. Takes a JSON string or a plain object; the Promise
/// always resolves, with `{status: "error", code, reason}` for bad input.
///
/// ```js
/// const r = await handleRequest({ list_models: true });
/// ```
#[wasm_bindgen(js_name = handleRequest, skip_typescript)]
pub fn handle_request(request: JsValue) -> Promise {
    let driver = DEFAULT_SERVER.with(|cell| {
        cell.borrow_mut()
            .get_or_insert_with(|| {
                Driver::new(&ServerConfig::default(), None, &serde_json::Value::Null)
            })
            .clone()
    });
    driver.handle_request(&request)
}

/// The size of the module's WebAssembly memory in bytes, for diagnostics and
/// benchmarks (linear memory grows in 64 KiB pages and never shrinks).
#[wasm_bindgen(js_name = wasmMemoryBytes, skip_typescript)]
pub fn wasm_memory_bytes() -> f64 {
    wasm_bindgen::memory()
        .dyn_into::<js_sys::WebAssembly::Memory>()
        .map(|m| {
            m.buffer()
                .unchecked_into::<js_sys::ArrayBuffer>()
                .byte_length()
        })
        .map_or(0.0, f64::from)
}

/// A simulated model server with its own clock, library, jobs and listeners.
///
/// ```js
/// const server = new Server({ clock: "manual" });
/// const { job_id } = await server.handleRequest({ hot_load: { model_name: "m",
///   model_config: { size_gb: 2.5, tier: "ram", capabilities: ["chat"] } } });
/// server.advance(3750);
/// await server.handleRequest({ load_status: job_id }); // status: "success"
/// ```
#[wasm_bindgen(skip_typescript)]
pub struct Server {
    driver: Driver,
}

#[wasm_bindgen]
impl Server {
    /// Throws an `Error` with a clear message for invalid options.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Server, JsError> {
        let value = read_options(&options).map_err(|why| JsError::new(&why))?;
        let config = parse_options(&value).map_err(|e| JsError::new(&e.to_string()))?;
        let storage = match config.persist {
            Some(_) => Some(Storage::resolve(&options).map_err(|why| JsError::new(&why))?),
            None if js_sys::Reflect::get(&options, &"storage".into())
                .is_ok_and(|v| !v.is_undefined()) =>
            {
                return Err(JsError::new("invalid ServerOptions: storage is used only with persist: add persist: \"<key>\"."));
            }
            None => None,
        };
        Ok(Server {
            driver: Driver::new(&config, storage, &value),
        })
    }

    /// Applies the request during the call; the Promise carries the response
    /// (for a hot-swap, once the swap has finished in simulated time).
    #[wasm_bindgen(js_name = handleRequest)]
    pub fn handle_request(&self, request: JsValue) -> Promise {
        self.driver.handle_request(&request)
    }

    /// Manual clock: moves simulated time by `ms` and fires what falls due.
    /// Throws on a real clock.
    pub fn advance(&self, ms: f64) -> Result<(), JsError> {
        self.driver.advance(ms)
    }

    /// Simulated time, in ms since the Unix epoch.
    pub fn now(&self) -> Result<f64, JsError> {
        self.driver.now()
    }

    /// Real clock: sets simulated seconds per real second (0.01..1000) from now
    /// on; state and the simulated present are kept. Throws on a manual clock.
    #[wasm_bindgen(js_name = setTimeScale)]
    pub fn set_time_scale(&self, scale: f64) -> Result<(), JsError> {
        self.driver.set_time_scale(scale)
    }

    /// WHATWG `fetch` answered by this server's HTTP façade; bound, so
    /// `const f = server.fetch; f(url)` works.
    #[wasm_bindgen(getter)]
    pub fn fetch(&self) -> Result<Function, JsError> {
        self.driver.fetch()
    }

    /// The session's trace (`record: true`): a plain object. Throws when
    /// the server does not record.
    pub fn trace(&self) -> Result<JsValue, JsError> {
        self.driver.trace().map(|trace| convert::to_js(&trace))
    }

    /// Replays a trace on a fresh manual-clock server; resolves with the
    /// report, rejects with an `Error` naming what is wrong with a malformed trace.
    pub fn replay(trace: JsValue) -> Promise {
        let result = convert::read_trace(&trace).and_then(|value| crate::trace::replay(&value));
        match result {
            Ok(report) => Promise::resolve(&convert::to_js(&report)),
            Err(why) => Promise::reject(&JsError::new(&format!("Server.replay: {why}")).into()),
        }
    }

    /// Calls `listener(event)` for every event; returns a function that unsubscribes.
    pub fn subscribe(&self, listener: JsValue) -> Result<Function, JsError> {
        let Some(listener) = listener.dyn_ref::<Function>() else {
            return Err(JsError::new("subscribe(listener) takes a function."));
        };
        self.driver.subscribe(listener.clone())
    }
}
