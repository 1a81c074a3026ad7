//! The wire vocabulary: typed requests (after validation), responses and events.
//! Field order here is the order clients see.

use crate::error::{ApiError, ErrorCode};
use crate::model::{ModelSpec, Tier};
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
}

#[derive(Debug, Clone, PartialEq)]
pub struct HotLoad {
    pub model_name: String,
    pub spec: ModelSpec,
    pub simulate: Option<SimulatedFailure>,
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
            Body::HotLoadStarted(_) => "hot_load_started",
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
    HotLoadStarted(HotLoadStarted),
    JobStatus(JobStatus),
    Models(ModelList),
    Selected(Selected),
    Cancelled(Cancelled),
    Unloaded(Unloaded),
    Jobs(JobList),
    Metrics(MetricsReport),
    System(SystemStatus),
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

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum Started {
    #[default]
    HotLoadStarted,
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
    pub fn as_str(self) -> &'static str {
        "hot_load_started"
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
pub struct HotLoadStarted {
    pub status: Started,
    pub job_id: String,
    pub model_name: String,
    pub estimated_time: String,
    pub estimated_seconds: f64,
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
    Preparing,
    Loading,
    Done,
    Failed,
}

impl Phase {
    pub fn as_str(self) -> &'static str {
        match self {
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
    },
    LoadSucceeded {
        time: f64,
        job_id: String,
        model_name: String,
        load_time_s: f64,
    },
    LoadFailed {
        time: f64,
        job_id: String,
        model_name: String,
        error: String,
        cancelled: bool,
        progress: f64,
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
            Event::StateRecovered { .. } => "state_recovered",
        }
    }
}
