/* tslint:disable */
/* eslint-disable */

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


/**
 * A client's `request_id`, echoed in the response.
 */
export type RequestId = string | number;

/**
 * A job's state as `load_status` reports it.
 */
export type JobState = "loading" | "success" | "failed";

/**
 * A load that does not fit: refused, or made room for by evicting idle models.
 */
export type Evict = "none" | "lru";

/**
 * A model that has every capability asked for, and its score.
 */
export interface Candidate {
    model: string;
    score: number;
    matched_capabilities: number;
    priority_score: number;
}

/**
 * A model's configuration: `ram` takes up to 3 GB, `swap` up to 7 GB.
 */
export interface ModelConfig {
    size_gb: number;
    tier: Tier;
    capabilities: string[];
}

/**
 * A step whose response differs from the recorded one; `expected` and
 * `actual` leave out the measured fields.
 */
export interface Divergence {
    /**
     * Its index in the trace's `steps`.
     */
    step: number;
    /**
     * The request (or the `fetch` object) of that step.
     */
    request: unknown;
    expected: unknown;
    actual: unknown;
}

/**
 * A validated model: what the library holds and what `list_models` shows.
 */
export interface ModelSpec {
    size_gb: number;
    tier: Tier;
    capabilities: string[];
}

/**
 * Any request `handleRequest` takes as an object.
 */
export type Request = HotLoadRequest | LoadStatusRequest | ListModelsRequest | ModelRequest | CancelLoadRequest | UnloadModelRequest | ListJobsRequest | MetricsRequest | SystemStatusRequest | PullModelRequest | LoadModelRequest | DeleteModelRequest | PinModelRequest | UnpinModelRequest | ListRepositoryRequest | PlanLoadRequest | SetKeepAliveRequest | SelectRequest;

/**
 * Make the job fail when its progress reaches `fail_at_progress` (0..1).
 */
export interface Simulate {
    fail_at_progress: number;
    error?: string;
}

/**
 * Measured wall-clock milliseconds of selections (p99 over the latest samples).
 */
export interface SelectionStats {
    count: number;
    mean_ms: number;
    p99_ms: number;
    max_ms: number;
}

/**
 * One model of the repository. Times are ms on the server clock, or `null`.
 */
export interface RepositoryModel {
    name: string;
    size_gb: number;
    tier: Tier;
    capabilities: string[];
    state: ModelState;
    pinned: boolean;
    /**
     * Seconds an idle model stays ready; -1: never expires.
     */
    keep_alive: number;
    last_used: number | null;
    expires_at: number | null;
    /**
     * The active job's id.
     */
    job_id: string | null;
    last_error: string | null;
    /**
     * When its files last changed (ms): the server's start for the catalog,
     * else the end of its pull or hot_load (while that runs: its admission).
     */
    modified_at: number;
}

/**
 * Options of `new Server(options)`.
 */
export interface ServerOptions {
    /**
     * `"real"` (default): simulated time follows real time × `timeScale`.
     * `"manual"`: time moves only with `advance(ms)`.
     */
    clock?: ClockName;
    /**
     * Manual clock only: initial time in ms since the epoch (default 0).
     */
    startTime?: number;
    /**
     * Real clock only: simulated seconds per real second, 0.01..1000 (default 1).
     */
    timeScale?: number;
    /**
     * RAM tier capacity in GB (default 16).
     */
    ramGb?: number;
    /**
     * Swap tier capacity in GB (default 32).
     */
    swapGb?: number;
    /**
     * The models the server starts with (default: the six-model catalog).
     */
    catalog?: Catalog;
    /**
     * What `pull_model` fetches by name alone (default: eleven models of the
     * public Ollama library, with their sizes).
     */
    remote?: Catalog;
    /**
     * Bounds on what is loaded (SPEC §5.4); every default keeps §2's behaviour.
     */
    residency?: ResidencyOptions;
    /**
     * A storage key: the server saves its state there after every change and
     * restores it when constructed with the same key.
     */
    persist?: string;
    /**
     * Where `persist` saves (default: `localStorage`, which Node does not have).
     */
    storage?: { getItem(key: string): string | null; setItem(key: string, value: string): void };
    /**
     * Keep a trace of the session: `server.trace()`, `Server.replay(trace)`.
     */
    record?: boolean;
}

/**
 * Selection by need: any of `capabilities`, `priority`, `auto_select`.
 */
export interface SelectRequest {
    capabilities?: string[];
    priority?: Priority;
    auto_select?: true;
    /**
     * Answer with every candidate and its score.
     */
    explain?: boolean;
    request_id?: RequestId;
}

/**
 * Simulated seconds of successful loads.
 */
export interface LoadTimes {
    count: number;
    mean: number;
    min: number;
    max: number;
}

/**
 * The literal `"success"` status.
 */
export type Success = "success";

/**
 * The one request `plan_load` plans.
 */
export type Planned = PlannedHotLoad | PlannedLoadModel | PlannedPullModel;

/**
 * The stable error codes of SPEC §3. The wire form is the snake_case name.
 */
export type ErrorCode = "malformed_json" | "invalid_request" | "ambiguous_request" | "unknown_field" | "invalid_model_name" | "invalid_config" | "invalid_size" | "invalid_tier" | "too_large" | "invalid_capabilities" | "duplicate_model" | "insufficient_capacity" | "job_not_found" | "job_not_active" | "model_not_found" | "model_loading" | "model_in_use" | "no_capable_model" | "already_loaded" | "model_resident" | "too_many_models" | "queue_full";

/**
 * The status of a job's admission, by kind of job.
 */
export type Started = "hot_load_started" | "pull_started" | "load_started";

/**
 * The three kinds of job (SPEC §5.2).
 */
export type JobKind = "hot_load" | "pull" | "load";

/**
 * What `subscribe` listeners receive. `time` is the server clock in ms at
 * which the event happened (a job's end is stamped with its deadline).
 */
export type ServerEvent = { type: "load_started"; time: number; job_id: string; model_name: string; estimated_seconds: number; kind: JobKind } | { type: "load_succeeded"; time: number; job_id: string; model_name: string; load_time_s: number; kind: JobKind } | { type: "load_failed"; time: number; job_id: string; model_name: string; error: string; cancelled: boolean; progress: number; kind: JobKind } | { type: "model_unloaded"; time: number; model_name: string; freed_gb: number } | { type: "swap_started"; time: number; from: string; to: string; swap_time: number } | { type: "swap_finished"; time: number; from: string; to: string; swap_time: number } | { type: "model_deleted"; time: number; model_name: string } | { type: "model_evicted"; time: number; model_name: string; tier: Tier; freed_gb: number; reason: EvictReason; job_id: string } | { type: "model_expired"; time: number; model_name: string; tier: Tier; freed_gb: number } | { type: "load_queued"; time: number; job_id: string; model_name: string; position: number } | { type: "load_dequeued"; time: number; job_id: string; model_name: string } | { type: "state_recovered"; time: number; reason: string };

/**
 * What a replay found: `ok` when no step diverged.
 */
export interface ReplayReport {
    ok: boolean;
    /**
     * Steps replayed.
     */
    steps: number;
    divergences: Divergence[];
}

/**
 * Where a model is resident. `storage` is not a tier: it is rejected for safety.
 */
export type Tier = "ram" | "swap";

/**
 * Where a model of the repository is (SPEC §5.1).
 */
export type ModelState = "ready" | "pulling" | "loading" | "available";

/**
 * Where in its life a job is.
 */
export type Phase = "queued" | "preparing" | "loading" | "done" | "failed";

/**
 * Why a model was evicted (SPEC §5.4).
 */
export type EvictReason = "capacity" | "max_loaded";

/**
 * `ServerOptions.residency` as in force; `null`: no limit.
 */
export interface ResidencyReport {
    maxLoaded: number | null;
    evict: Evict;
    keepAlive: number;
    parallelLoads: number | null;
    maxQueue: number;
}

/**
 * `ServerOptions.residency`.
 */
export interface ResidencyOptions {
    /**
     * Models ready + loading at most (a whole number ≥ 1; default: no limit).
     */
    maxLoaded?: number;
    /**
     * `"none"` (default): a load that does not fit is refused; `"lru"`: idle
     * models are evicted, least recently used first.
     */
    evict?: Evict;
    /**
     * Seconds an idle model stays ready; -1 (default): never; 0: as soon as idle.
     */
    keepAlive?: number;
    /**
     * Jobs in their timed phases at once (≥ 1; default: no limit); the rest queue.
     */
    parallelLoads?: number;
    /**
     * Queued jobs at most (default 512).
     */
    maxQueue?: number;
}

/**
 * `delete_model`.
 */
export interface Deleted {
    status: Success;
    model: string;
}

/**
 * `list_repository`: every model the server knows, in repository order.
 */
export interface RepositoryList {
    status: Success;
    models: RepositoryModel[];
    total_models: number;
}

/**
 * `pin_model` / `unpin_model`.
 */
export interface Pinned {
    status: Success;
    model: string;
    pinned: boolean;
}

/**
 * `plan_load`'s answer: what the same request sent now would get.
 */
export type Plan = PlanAdmitted | PlanRefused;

/**
 * `set_keep_alive`: the keep-alive now in force and when the model expires.
 */
export interface KeepAliveSet {
    status: Success;
    model: string;
    /**
     * Seconds an idle model stays ready; -1: never expires.
     */
    keep_alive: number;
    /**
     * `last_used + keep_alive` in ms for a ready model that may expire, else `null`.
     */
    expires_at: number | null;
}

/**
 * `{"cancel_load": job_id}`
 */
export interface CancelLoadRequest {
    cancel_load: string;
    request_id?: RequestId;
}

/**
 * `{"delete_model": name}`: forget a model that is not resident.
 */
export interface DeleteModelRequest {
    delete_model: string;
    request_id?: RequestId;
}

/**
 * `{"hot_load": {...}}`: start loading a model in the background.
 */
export interface HotLoadRequest {
    hot_load: HotLoad;
    request_id?: RequestId;
}

/**
 * `{"list_jobs": true}`
 */
export interface ListJobsRequest {
    list_jobs: true;
    request_id?: RequestId;
}

/**
 * `{"list_models": true}`
 */
export interface ListModelsRequest {
    list_models: true;
    request_id?: RequestId;
}

/**
 * `{"list_repository": true}`: every known model with its state.
 */
export interface ListRepositoryRequest {
    list_repository: true;
    request_id?: RequestId;
}

/**
 * `{"load_model": name}` or `{"load_model": {model_name, simulate?}}`: make a known model resident.
 */
export interface LoadModelRequest {
    load_model: LoadModelValue;
    request_id?: RequestId;
}

/**
 * `{"load_status": job_id}`
 */
export interface LoadStatusRequest {
    load_status: string;
    request_id?: RequestId;
}

/**
 * `{"metrics": true}`
 */
export interface MetricsRequest {
    metrics: true;
    request_id?: RequestId;
}

/**
 * `{"model": name}`: select a model by name (a hot-swap if another is current).
 */
export interface ModelRequest {
    model: string;
    request_id?: RequestId;
}

/**
 * `{"pin_model": name}`: a pinned model is never evicted and never expires.
 */
export interface PinModelRequest {
    pin_model: string;
    request_id?: RequestId;
}

/**
 * `{"plan_load": {"hot_load": …}}` (or `load_model`, `pull_model`): what
 * admission would decide now, changing nothing.
 */
export interface PlanLoadRequest {
    plan_load: Planned;
    request_id?: RequestId;
}

/**
 * `{"pull_model": name}` or `{"pull_model": {model_name, model_config?, simulate?}}`:
 * fetch a model to disk (from the remote catalog, or with its own config).
 */
export interface PullModelRequest {
    pull_model: PullModelValue;
    request_id?: RequestId;
}

/**
 * `{"set_keep_alive": {model_name, keep_alive}}`: a known model's keep-alive
 * from now on (seconds; negative: never); a ready model counts it as a use.
 */
export interface SetKeepAliveRequest {
    set_keep_alive: KeepAlive;
    request_id?: RequestId;
}

/**
 * `{"system_status": true}`
 */
export interface SystemStatusRequest {
    system_status: true;
    request_id?: RequestId;
}

/**
 * `{"unload_model": name}`
 */
export interface UnloadModelRequest {
    unload_model: string;
    request_id?: RequestId;
}

/**
 * `{"unpin_model": name}`
 */
export interface UnpinModelRequest {
    unpin_model: string;
    request_id?: RequestId;
}

export interface Cancelled {
    status: Success;
    job_id: string;
    model_name: string;
    cancelled: boolean;
    progress: number;
}

export interface CatalogEntry {
    name: string;
    size_gb: number;
    tier: Tier;
    capabilities: string[];
}

export interface ErrorBody {
    status: Failure;
    code: ErrorCode;
    reason: string;
    available_models?: string[];
}

export interface HotLoad {
    model_name: string;
    model_config: ModelConfig;
    simulate?: Simulate;
    /**
     * Seconds the model stays ready once idle; negative: never expires.
     */
    keep_alive?: number;
}

export interface JobList {
    status: Success;
    jobs: JobStatus[];
}

export interface JobStarted {
    status: Started;
    job_id: string;
    model_name: string;
    estimated_time: string;
    estimated_seconds: number;
    /**
     * 0: the job started at once; else its place in the queue at admission.
     */
    queue_position: number;
    /**
     * `true` when single flight answered with the job already loading the model.
     */
    deduplicated?: boolean;
}

export interface JobStatus {
    job_id: string;
    model_name: string;
    status: JobState;
    progress: number;
    elapsed_time: number;
    error: string | null;
    phase: Phase;
    tier: Tier;
    size_gb: number;
    estimated_time: string;
    estimated_seconds: number;
    cancelled: boolean;
    kind: JobKind;
}

export interface KeepAlive {
    model_name: string;
    /**
     * Seconds the model stays ready once idle; negative: never expires.
     */
    keep_alive: number;
}

export interface LoadCounts {
    started: number;
    succeeded: number;
    failed: number;
    cancelled: number;
    active: number;
}

export interface LoadModel {
    model_name: string;
    /**
     * Seconds the model stays ready once idle; negative: never expires.
     */
    keep_alive?: number;
    simulate?: Simulate;
}

export interface MetricsReport {
    status: Success;
    loads: LoadCounts;
    load_time_s: LoadTimes;
    selections: SelectionStats;
    swaps: SwapStats;
    evictions: number;
    expirations: number;
    /**
     * Seconds queued jobs waited for a load slot.
     */
    queue_wait_s: QueueWait;
}

export interface ModelList {
    status: Success;
    models: Record<string, ModelSpec>;
    total_models: number;
    active_hot_loads: number;
}

export interface PlanAdmitted {
    status: Success;
    admitted: true;
    kind: JobKind;
    /**
     * The models it would evict, in order.
     */
    evictions: string[];
    queue_position: number;
    estimated_time: string;
    estimated_seconds: number;
}

export interface PlanRefused {
    status: Success;
    admitted: false;
    code: ErrorCode;
    reason: string;
}

export interface PlannedHotLoad {
    hot_load: HotLoad;
}

export interface PlannedLoadModel {
    load_model: LoadModelValue;
}

export interface PlannedPullModel {
    pull_model: PullModelValue;
}

export interface PullModel {
    model_name: string;
    /**
     * Wins over the remote catalog's config; needed for a name outside it.
     */
    model_config?: ModelConfig;
    simulate?: Simulate;
}

export interface QueueWait {
    count: number;
    mean: number;
    max: number;
}

export interface Selected {
    status: Success;
    model: string;
    size_gb: number;
    tier: Tier;
    capabilities: string[];
    selection_reason: string;
    selection_time_ms: number;
    swap_executed: boolean;
    swap_time: number;
    performance_target_met: boolean;
    /**
     * With `explain: true`: every candidate, highest score first, ties in library order.
     */
    candidates?: Candidate[];
}

export interface SwapStats {
    count: number;
    total_time_s: number;
    mean_time_s: number;
    pending: number;
}

export interface SystemStatus {
    status: Success;
    ram: TierUsage;
    swap: TierUsage;
    current_model: string | null;
    swapping_to: string | null;
    total_models: number;
    active_hot_loads: number;
    /**
     * Jobs waiting for a load slot.
     */
    queued_loads: number;
    /**
     * The residency options in force.
     */
    residency: ResidencyReport;
}

export interface TierUsage {
    total_gb: number;
    resident_gb: number;
    reserved_gb: number;
    free_gb: number;
    safe_limit_gb: number;
}

export interface Unloaded {
    status: Success;
    model: string;
    freed_gb: number;
    tier: Tier;
}

export type Body = JobStarted | JobStatus | ModelList | Selected | Cancelled | Unloaded | JobList | MetricsReport | SystemStatus | RepositoryList | Deleted | Pinned | KeepAliveSet | Plan | ErrorBody;

export type Catalog = CatalogName | CatalogEntry[];

export type CatalogName = "default" | "empty";

export type ClockName = "real" | "manual";

export type Failure = "error";

export type LoadModelValue = string | LoadModel;

export type Priority = "speed" | "quality" | "balanced";

export type PullModelValue = string | PullModel;
