//! The wire shapes of requests and `ServerOptions`, as TypeScript sees them.
//!
//! `validate` and `config` are the authority on what is accepted (order of
//! faults, ranges, patterns); these types only describe the shapes, so that the
//! package's `.d.ts` comes from Rust rather than being written twice. A native
//! test (`tests/schema.rs`) checks that every request and option set the
//! validators accept fits these shapes.

use crate::model::Tier;
use crate::protocol::{Priority, RequestId};
use serde::Deserialize;

/// Any request `handleRequest` takes as an object.
#[derive(Debug, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(untagged)]
pub enum Request {
    HotLoad(HotLoadRequest),
    LoadStatus(LoadStatusRequest),
    ListModels(ListModelsRequest),
    Model(ModelRequest),
    CancelLoad(CancelLoadRequest),
    UnloadModel(UnloadModelRequest),
    ListJobs(ListJobsRequest),
    Metrics(MetricsRequest),
    SystemStatus(SystemStatusRequest),
    PullModel(PullModelRequest),
    LoadModel(LoadModelRequest),
    DeleteModel(DeleteModelRequest),
    PinModel(PinModelRequest),
    UnpinModel(UnpinModelRequest),
    ListRepository(ListRepositoryRequest),
    PlanLoad(PlanLoadRequest),
    SetKeepAlive(SetKeepAliveRequest),
    Select(SelectRequest),
}

macro_rules! request {
    ($(#[$doc:meta])* $name:ident { $field:ident : $ty:ty $(, ts = $ts:literal)? }) => {
        $(#[$doc])*
        #[derive(Debug, Deserialize)]
        #[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
        #[serde(deny_unknown_fields)]
        pub struct $name {
            $(#[cfg_attr(target_arch = "wasm32", tsify(type = $ts))])?
            pub $field: $ty,
            #[serde(default)]
            #[cfg_attr(target_arch = "wasm32", tsify(optional))]
            pub request_id: Option<RequestId>,
        }
    };
}

request!(
    /// `{"hot_load": {...}}`: start loading a model in the background.
    HotLoadRequest { hot_load: HotLoad }
);
request!(
    /// `{"load_status": job_id}`
    LoadStatusRequest { load_status: String }
);
request!(
    /// `{"list_models": true}`
    ListModelsRequest { list_models: bool, ts = "true" }
);
request!(
    /// `{"model": name}`: select a model by name (a hot-swap if another is current).
    ModelRequest { model: String }
);
request!(
    /// `{"cancel_load": job_id}`
    CancelLoadRequest { cancel_load: String }
);
request!(
    /// `{"unload_model": name}`
    UnloadModelRequest { unload_model: String }
);
request!(
    /// `{"list_jobs": true}`
    ListJobsRequest { list_jobs: bool, ts = "true" }
);
request!(
    /// `{"metrics": true}`
    MetricsRequest { metrics: bool, ts = "true" }
);
request!(
    /// `{"system_status": true}`
    SystemStatusRequest { system_status: bool, ts = "true" }
);

request!(
    /// `{"pull_model": name}` or `{"pull_model": {model_name, model_config?, simulate?}}`:
    /// fetch a model to disk (from the remote catalog, or with its own config).
    PullModelRequest { pull_model: PullModelValue }
);
request!(
    /// `{"load_model": name}` or `{"load_model": {model_name, simulate?}}`: make a known model resident.
    LoadModelRequest { load_model: LoadModelValue }
);
request!(
    /// `{"delete_model": name}`: forget a model that is not resident.
    DeleteModelRequest { delete_model: String }
);
request!(
    /// `{"pin_model": name}`: a pinned model is never evicted and never expires.
    PinModelRequest { pin_model: String }
);
request!(
    /// `{"unpin_model": name}`
    UnpinModelRequest { unpin_model: String }
);
request!(
    /// `{"list_repository": true}`: every known model with its state.
    ListRepositoryRequest { list_repository: bool, ts = "true" }
);

request!(
    /// `{"plan_load": {"hot_load": …}}` (or `load_model`, `pull_model`): what
    /// admission would decide now, changing nothing.
    PlanLoadRequest { plan_load: Planned }
);

request!(
    /// `{"set_keep_alive": {model_name, keep_alive}}`: a known model's keep-alive
    /// from now on (seconds; negative: never); a ready model counts it as a use.
    SetKeepAliveRequest { set_keep_alive: KeepAlive }
);

#[derive(Debug, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct KeepAlive {
    pub model_name: String,
    /// Seconds the model stays ready once idle; negative: never expires.
    pub keep_alive: f64,
}

/// The one request `plan_load` plans.
#[derive(Debug, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(untagged)]
pub enum Planned {
    HotLoad(PlannedHotLoad),
    LoadModel(PlannedLoadModel),
    PullModel(PlannedPullModel),
}

#[derive(Debug, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct PlannedHotLoad {
    pub hot_load: HotLoad,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct PlannedLoadModel {
    pub load_model: LoadModelValue,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct PlannedPullModel {
    pub pull_model: PullModelValue,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(untagged)]
pub enum PullModelValue {
    Name(String),
    Model(PullModel),
}

#[derive(Debug, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct PullModel {
    pub model_name: String,
    /// Wins over the remote catalog's config; needed for a name outside it.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub model_config: Option<ModelConfig>,
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub simulate: Option<Simulate>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(untagged)]
pub enum LoadModelValue {
    Name(String),
    Model(LoadModel),
}

#[derive(Debug, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct LoadModel {
    pub model_name: String,
    /// Seconds the model stays ready once idle; negative: never expires.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub keep_alive: Option<f64>,
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub simulate: Option<Simulate>,
}

/// Selection by need: any of `capabilities`, `priority`, `auto_select`.
#[derive(Debug, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct SelectRequest {
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub capabilities: Option<Vec<String>>,
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub priority: Option<Priority>,
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional, type = "true"))]
    pub auto_select: Option<bool>,
    /// Answer with every candidate and its score.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub explain: Option<bool>,
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub request_id: Option<RequestId>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct HotLoad {
    pub model_name: String,
    pub model_config: ModelConfig,
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub simulate: Option<Simulate>,
    /// Seconds the model stays ready once idle; negative: never expires.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub keep_alive: Option<f64>,
}

/// A model's configuration: `ram` takes up to 3 GB, `swap` up to 7 GB.
#[derive(Debug, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct ModelConfig {
    pub size_gb: f64,
    pub tier: Tier,
    pub capabilities: Vec<String>,
}

/// Make the job fail when its progress reaches `fail_at_progress` (0..1).
#[derive(Debug, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct Simulate {
    pub fail_at_progress: f64,
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub error: Option<String>,
}

/// Options of `new Server(options)`.
#[derive(Debug, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ServerOptions {
    /// `"real"` (default): simulated time follows real time × `timeScale`.
    /// `"manual"`: time moves only with `advance(ms)`.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub clock: Option<ClockName>,
    /// Manual clock only: initial time in ms since the epoch (default 0).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub start_time: Option<f64>,
    /// Real clock only: simulated seconds per real second, 0.01..1000 (default 1).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub time_scale: Option<f64>,
    /// RAM tier capacity in GB (default 16).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub ram_gb: Option<f64>,
    /// Swap tier capacity in GB (default 32).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub swap_gb: Option<f64>,
    /// The models the server starts with (default: the six-model catalog).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub catalog: Option<Catalog>,
    /// What `pull_model` fetches by name alone (default: eleven models of the
    /// public Ollama library, with their sizes).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub remote: Option<Catalog>,
    /// Bounds on what is loaded (SPEC §5.4); every default keeps §2's behaviour.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub residency: Option<ResidencyOptions>,
    /// A storage key: the server saves its state there after every change and
    /// restores it when constructed with the same key.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub persist: Option<String>,
    /// Where `persist` saves (default: `localStorage`, which Node does not have).
    #[serde(default)]
    #[cfg_attr(
        target_arch = "wasm32",
        tsify(
            optional,
            type = "{ getItem(key: string): string | null; setItem(key: string, value: string): void }"
        )
    )]
    pub storage: Option<serde_json::Value>,
    /// Keep a trace of the session: `server.trace()`, `Server.replay(trace)`.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub record: Option<bool>,
}

/// `ServerOptions.residency`.
#[derive(Debug, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct ResidencyOptions {
    /// Models ready + loading at most (a whole number ≥ 1; default: no limit).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub max_loaded: Option<f64>,
    /// `"none"` (default): a load that does not fit is refused; `"lru"`: idle
    /// models are evicted, least recently used first.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub evict: Option<crate::residency::Evict>,
    /// Seconds an idle model stays ready; -1 (default): never; 0: as soon as idle.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub keep_alive: Option<f64>,
    /// Jobs in their timed phases at once (≥ 1; default: no limit); the rest queue.
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub parallel_loads: Option<f64>,
    /// Queued jobs at most (default 512).
    #[serde(default)]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub max_queue: Option<f64>,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum ClockName {
    Real,
    Manual,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(untagged)]
pub enum Catalog {
    Named(CatalogName),
    Models(Vec<CatalogEntry>),
}

#[derive(Debug, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum CatalogName {
    Default,
    Empty,
}

#[derive(Debug, Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(deny_unknown_fields)]
pub struct CatalogEntry {
    pub name: String,
    pub size_gb: f64,
    pub tier: Tier,
    pub capabilities: Vec<String>,
}
