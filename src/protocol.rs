//! The wire vocabulary: typed requests (after validation), responses and events.
//! Field order here is the order clients see.

use crate::error::{ApiError, ErrorCode};
use crate::model::{ModelSpec, Tier};
use crate::residency::Evict;
use indexmap::IndexMap;
use serde::Serialize;

/// A client's `request_id`, echoed in the response.
#[derive(Debug, Clone, PartialEq, serde::Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(untagged)]
pub enum RequestId {
    Text(String),
    Number(f64),
}

impl Serialize for RequestId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        const SAFE: f64 = 9_007_199_254_740_991.0; // Number.MAX_SAFE_INTEGER
        match self {
            RequestId::Text(text) => serializer.serialize_str(text),
            // 42 stays 42 in JSON text, not 42.0.
            RequestId::Number(n) if n.fract() == 0.0 && n.abs() <= SAFE => {
                serializer.serialize_i64(*n as i64)
            }
            RequestId::Number(n) => serializer.serialize_f64(*n),
        }
    }
}

/// A validated request.
#[derive(Debug, Clone, PartialEq)]
pub struct Request {
    pub id: Option<RequestId>,
    pub command: Command,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Command {
    HotLoad(HotLoad),
    LoadStatus(String),
    ListModels,
    Select(Selection),
    CancelLoad(String),
    UnloadModel(String),
    ListJobs,
    Metrics,
    SystemStatus,
    PullModel(PullModel),
    LoadModel(LoadModel),
    DeleteModel(String),
    /// `pin_model` (true) or `unpin_model` (false).
    Pin(String, bool),
    ListRepository,
    /// `set_keep_alive`: a known model's keep-alive (seconds; negative: never).
    SetKeepAlive(String, f64),
    /// `plan_load`: what admission would decide; a request the inner command
    /// would refuse at once is planned as refused.
    PlanLoad(Result<PlanRequest, ApiError>),
}

/// The requests `plan_load` plans.
#[derive(Debug, Clone, PartialEq)]
pub enum PlanRequest {
    HotLoad(HotLoad),
    LoadModel(LoadModel),
    PullModel(PullModel),
}

/// `pull_model`: fetch a model to disk, from the remote catalog by name or
/// with its own config.
#[derive(Debug, Clone, PartialEq)]
pub struct PullModel {
    pub model_name: String,
    pub spec: Option<ModelSpec>,
    pub simulate: Option<SimulatedFailure>,
}

/// `load_model`: make a known model resident.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadModel {
    pub model_name: String,
    pub simulate: Option<SimulatedFailure>,
    pub keep_alive: Option<f64>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HotLoad {
    pub model_name: String,
    pub spec: ModelSpec,
    pub simulate: Option<SimulatedFailure>,
    /// Seconds the model stays ready once idle (negative: never).
    pub keep_alive: Option<f64>,
}

/// `simulate`: fail the job when its progress reaches `at_progress`.
#[derive(Debug, Clone, PartialEq)]
pub struct SimulatedFailure {
    pub at_progress: f64,
    pub error: String,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Selection {
    Named(String),
    ByNeed {
        capabilities: Vec<String>,
        priority: Priority,
        /// Answer with every candidate and its score.
        explain: bool,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Priority {
    Speed,
    Quality,
    Balanced,
}

impl Priority {
    pub fn parse(text: &str) -> Option<Priority> {
        match text {
            "speed" => Some(Priority::Speed),
            "quality" => Some(Priority::Quality),
            "balanced" => Some(Priority::Balanced),
            _ => None,
        }
    }
}

/// A response: a body and the echoed `request_id`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct Response {
    #[serde(flatten)]
    pub body: Body,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request_id: Option<RequestId>,
}

impl Response {
    pub fn error(error: ApiError, request_id: Option<RequestId>) -> Response {
        Response {
            body: Body::Error(ErrorBody::from(error)),
            request_id,
        }
    }

    /// The status field clients switch on.
    pub fn status(&self) -> &'static str {
        match &self.body {
            Body::JobStarted(b) => b.status.as_str(),
            Body::JobStatus(j) => j.status.as_str(),
            Body::Error(_) => "error",
            _ => "success",
        }
    }

    pub fn error_code(&self) -> Option<ErrorCode> {
        match &self.body {
            Body::Error(e) => Some(e.code),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(untagged)]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub enum Body {
    JobStarted(JobStarted),
    JobStatus(JobStatus),
    Models(ModelList),
    Selected(Selected),
    Cancelled(Cancelled),
    Unloaded(Unloaded),
    Jobs(JobList),
    Metrics(MetricsReport),
    System(SystemStatus),
    Repository(RepositoryList),
    Deleted(Deleted),
    Pinned(Pinned),
    KeepAlive(KeepAliveSet),
    Plan(Plan),
    Error(ErrorBody),
}

/// The literal `"success"` status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum Success {
    #[default]
    Success,
}

/// The status of a job's admission, by kind of job.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum Started {
    #[default]
    HotLoadStarted,
    PullStarted,
    LoadStarted,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum Failure {
    #[default]
    Error,
}

impl Success {
    pub fn as_str(self) -> &'static str {
        "success"
    }
}

impl Started {
    pub fn of(kind: JobKind) -> Started {
        match kind {
            JobKind::HotLoad => Started::HotLoadStarted,
            JobKind::Pull => Started::PullStarted,
            JobKind::Load => Started::LoadStarted,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Started::HotLoadStarted => "hot_load_started",
            Started::PullStarted => "pull_started",
            Started::LoadStarted => "load_started",
        }
    }
}

/// The three kinds of job (SPEC §5.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum JobKind {
    HotLoad,
    Pull,
    Load,
}

impl JobKind {
    pub fn as_str(self) -> &'static str {
        match self {
            JobKind::HotLoad => "hot_load",
            JobKind::Pull => "pull",
            JobKind::Load => "load",
        }
    }

    /// The prefix of its job ids: `pull_<name>_<secs>`, else `load_<name>_<secs>`.
    pub fn id_prefix(self) -> &'static str {
        match self {
            JobKind::Pull => "pull",
            JobKind::HotLoad | JobKind::Load => "load",
        }
    }
}

/// Why a model was evicted (SPEC §5.4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum EvictReason {
    /// To make room in the job's tier.
    Capacity,
    /// To stay within `residency.maxLoaded`.
    MaxLoaded,
}

/// Where a model of the repository is (SPEC §5.1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum ModelState {
    /// Resident in its tier: in the library.
    Ready,
    Pulling,
    Loading,
    /// Known, not resident.
    Available,
}

impl ModelState {
    pub fn as_str(self) -> &'static str {
        match self {
            ModelState::Ready => "ready",
            ModelState::Pulling => "pulling",
            ModelState::Loading => "loading",
            ModelState::Available => "available",
        }
    }
}

impl Failure {
    pub fn as_str(self) -> &'static str {
        "error"
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct JobStarted {
    pub status: Started,
    pub job_id: String,
    pub model_name: String,
    pub estimated_time: String,
    pub estimated_seconds: f64,
    /// 0: the job started at once; else its place in the queue at admission.
    pub queue_position: usize,
    /// `true` when single flight answered with the job already loading the model.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub deduplicated: Option<bool>,
}

/// A job's state as `load_status` reports it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum JobState {
    Loading,
    Success,
    Failed,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Loading => "loading",
            JobState::Success => "success",
            JobState::Failed => "failed",
        }
    }
}

/// Where in its life a job is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum Phase {
    /// Waiting for a load slot (`residency.parallelLoads`).
    Queued,
    Preparing,
    Loading,
    Done,
    Failed,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
            Phase::Queued => "queued",
            Phase::Preparing => "preparing",
            Phase::Loading => "loading",
            Phase::Done => "done",
            Phase::Failed => "failed",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", tsify(missing_as_null))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct JobStatus {
    pub job_id: String,
    pub model_name: String,
    pub status: JobState,
    pub progress: f64,
    pub elapsed_time: f64,
    pub error: Option<String>,
    pub phase: Phase,
    pub tier: Tier,
    pub size_gb: f64,
    pub estimated_time: String,
    pub estimated_seconds: f64,
    pub cancelled: bool,
    pub kind: JobKind,
}

/// The library: name → model, in library order. Shared, not copied, with
/// the responses that show it; the engine changes it copy-on-write.
pub type Library = std::rc::Rc<IndexMap<String, ModelSpec>>;

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct ModelList {
    pub status: Success,
    #[cfg_attr(target_arch = "wasm32", tsify(type = "Record<string, ModelSpec>"))]
    pub models: Library,
    pub total_models: usize,
    pub active_hot_loads: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct Selected {
    pub status: Success,
    pub model: String,
    pub size_gb: f64,
    pub tier: Tier,
    pub capabilities: Vec<String>,
    pub selection_reason: String,
    pub selection_time_ms: f64,
    pub swap_executed: bool,
    pub swap_time: f64,
    pub performance_target_met: bool,
    /// With `explain: true`: every candidate, highest score first, ties in library order.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[cfg_attr(target_arch = "wasm32", tsify(optional))]
    pub candidates: Option<Vec<Candidate>>,
}

/// A model that has every capability asked for, and its score.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct Candidate {
    pub model: String,
    pub score: f64,
    pub matched_capabilities: usize,
    pub priority_score: f64,
}

/// `plan_load`'s answer: what the same request sent now would get.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
#[serde(untagged)]
pub enum Plan {
    Admitted(PlanAdmitted),
    Refused(PlanRefused),
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct PlanAdmitted {
    pub status: Success,
    #[cfg_attr(target_arch = "wasm32", tsify(type = "true"))]
    pub admitted: bool,
    pub kind: JobKind,
    /// The models it would evict, in order.
    pub evictions: Vec<String>,
    pub queue_position: usize,
    pub estimated_time: String,
    pub estimated_seconds: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct PlanRefused {
    pub status: Success,
    #[cfg_attr(target_arch = "wasm32", tsify(type = "false"))]
    pub admitted: bool,
    pub code: ErrorCode,
    pub reason: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct Cancelled {
    pub status: Success,
    pub job_id: String,
    pub model_name: String,
    pub cancelled: bool,
    pub progress: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct Unloaded {
    pub status: Success,
    pub model: String,
    pub freed_gb: f64,
    pub tier: Tier,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct JobList {
    pub status: Success,
    pub jobs: Vec<JobStatus>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct MetricsReport {
    pub status: Success,
    pub loads: LoadCounts,
    pub load_time_s: LoadTimes,
    pub selections: SelectionStats,
    pub swaps: SwapStats,
    pub evictions: u64,
    pub expirations: u64,
    /// Seconds queued jobs waited for a load slot.
    pub queue_wait_s: QueueWait,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct QueueWait {
    pub count: u64,
    pub mean: f64,
    pub max: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct LoadCounts {
    pub started: u64,
    pub succeeded: u64,
    pub failed: u64,
    pub cancelled: u64,
    pub active: usize,
}

/// Simulated seconds of successful loads.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct LoadTimes {
    pub count: u64,
    pub mean: f64,
    pub min: f64,
    pub max: f64,
}

/// Measured wall-clock milliseconds of selections (p99 over the latest samples).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct SelectionStats {
    pub count: u64,
    pub mean_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct SwapStats {
    pub count: u64,
    pub total_time_s: f64,
    pub mean_time_s: f64,
    pub pending: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct TierUsage {
    pub total_gb: f64,
    pub resident_gb: f64,
    pub reserved_gb: f64,
    pub free_gb: f64,
    pub safe_limit_gb: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", tsify(missing_as_null))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct SystemStatus {
    pub status: Success,
    pub ram: TierUsage,
    pub swap: TierUsage,
    pub current_model: Option<String>,
    pub swapping_to: Option<String>,
    pub total_models: usize,
    pub active_hot_loads: usize,
    /// Jobs waiting for a load slot.
    pub queued_loads: usize,
    /// The residency options in force.
    pub residency: ResidencyReport,
}

/// `ServerOptions.residency` as in force; `null`: no limit.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", tsify(missing_as_null))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct ResidencyReport {
    #[serde(rename = "maxLoaded")]
    pub max_loaded: Option<usize>,
    pub evict: Evict,
    #[serde(rename = "keepAlive")]
    pub keep_alive: f64,
    #[serde(rename = "parallelLoads")]
    pub parallel_loads: Option<usize>,
    #[serde(rename = "maxQueue")]
    pub max_queue: usize,
}

/// `list_repository`: every model the server knows, in repository order.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct RepositoryList {
    pub status: Success,
    // Shared, not copied, until the server's state next changes.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "RepositoryModel[]"))]
    pub models: std::rc::Rc<Vec<RepositoryModel>>,
    pub total_models: usize,
}

/// One model of the repository. Times are ms on the server clock, or `null`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", tsify(missing_as_null))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct RepositoryModel {
    pub name: String,
    pub size_gb: f64,
    pub tier: Tier,
    pub capabilities: Vec<String>,
    pub state: ModelState,
    pub pinned: bool,
    /// Seconds an idle model stays ready; -1: never expires.
    pub keep_alive: f64,
    pub last_used: Option<f64>,
    pub expires_at: Option<f64>,
    /// The active job's id.
    pub job_id: Option<String>,
    pub last_error: Option<String>,
    /// When its files last changed (ms): the server's start for the catalog,
    /// else the end of its pull or hot_load (while that runs: its admission).
    pub modified_at: f64,
}

/// `delete_model`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct Deleted {
    pub status: Success,
    pub model: String,
}

/// `pin_model` / `unpin_model`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct Pinned {
    pub status: Success,
    pub model: String,
    pub pinned: bool,
}

/// `set_keep_alive`: the keep-alive now in force and when the model expires.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", tsify(missing_as_null))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct KeepAliveSet {
    pub status: Success,
    pub model: String,
    /// Seconds an idle model stays ready; -1: never expires.
    pub keep_alive: f64,
    /// `last_used + keep_alive` in ms for a ready model that may expire, else `null`.
    pub expires_at: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct ErrorBody {
    pub status: Failure,
    pub code: ErrorCode,
    pub reason: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub available_models: Option<Vec<String>>,
}

impl From<ApiError> for PlanRefused {
    fn from(e: ApiError) -> PlanRefused {
        PlanRefused {
            status: Success::Success,
            admitted: false,
            code: e.code,
            reason: e.reason,
        }
    }
}

impl From<ApiError> for ErrorBody {
    fn from(e: ApiError) -> ErrorBody {
        ErrorBody {
            status: Failure::Error,
            code: e.code,
            reason: e.reason,
            available_models: e.available_models,
        }
    }
}

/// What `subscribe` listeners receive. `time` is the server clock in ms at
/// which the event happened (a job's end is stamped with its deadline).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", tsify(rename = "ServerEvent"))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Event {
    LoadStarted {
        time: f64,
        job_id: String,
        model_name: String,
        estimated_seconds: f64,
        kind: JobKind,
    },
    LoadSucceeded {
        time: f64,
        job_id: String,
        model_name: String,
        load_time_s: f64,
        kind: JobKind,
    },
    LoadFailed {
        time: f64,
        job_id: String,
        model_name: String,
        error: String,
        cancelled: bool,
        progress: f64,
        kind: JobKind,
    },
    ModelUnloaded {
        time: f64,
        model_name: String,
        freed_gb: f64,
    },
    SwapStarted {
        time: f64,
        from: String,
        to: String,
        swap_time: f64,
    },
    SwapFinished {
        time: f64,
        from: String,
        to: String,
        swap_time: f64,
    },
    /// A model left the repository (`delete_model`).
    ModelDeleted { time: f64, model_name: String },
    /// An idle model was unloaded to admit `job_id`.
    ModelEvicted {
        time: f64,
        model_name: String,
        tier: Tier,
        freed_gb: f64,
        reason: EvictReason,
        job_id: String,
    },
    /// An idle model's keep-alive ran out.
    ModelExpired {
        time: f64,
        model_name: String,
        tier: Tier,
        freed_gb: f64,
    },
    /// Every load slot was busy: the job waits, `position` 1 being next.
    LoadQueued {
        time: f64,
        job_id: String,
        model_name: String,
        position: usize,
    },
    /// A queued job began its timed phases.
    LoadDequeued {
        time: f64,
        job_id: String,
        model_name: String,
    },
    /// Saved state could not be used; the server started fresh (the old text is kept under `<key>.corrupt`).
    StateRecovered { time: f64, reason: String },
}

impl Event {
    pub fn time(&self) -> f64 {
        match self {
            Event::LoadStarted { time, .. }
            | Event::LoadSucceeded { time, .. }
            | Event::LoadFailed { time, .. }
            | Event::ModelUnloaded { time, .. }
            | Event::SwapStarted { time, .. }
            | Event::SwapFinished { time, .. }
            | Event::ModelDeleted { time, .. }
            | Event::ModelEvicted { time, .. }
            | Event::ModelExpired { time, .. }
            | Event::LoadQueued { time, .. }
            | Event::LoadDequeued { time, .. }
            | Event::StateRecovered { time, .. } => *time,
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Event::LoadStarted { .. } => "load_started",
            Event::LoadSucceeded { .. } => "load_succeeded",
            Event::LoadFailed { .. } => "load_failed",
            Event::ModelUnloaded { .. } => "model_unloaded",
            Event::SwapStarted { .. } => "swap_started",
            Event::SwapFinished { .. } => "swap_finished",
            Event::ModelDeleted { .. } => "model_deleted",
            Event::ModelEvicted { .. } => "model_evicted",
            Event::ModelExpired { .. } => "model_expired",
            Event::LoadQueued { .. } => "load_queued",
            Event::LoadDequeued { .. } => "load_dequeued",
            Event::StateRecovered { .. } => "state_recovered",
        }
    }
}
