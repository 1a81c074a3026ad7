//! Errors with stable codes: what a rejected request answers, and what a bad
//! `ServerOptions` throws.

use crate::history::RETAIN_FINISHED;
use crate::text::{quote, QUOTE_LIMIT};
use serde::Serialize;
use std::fmt;

/// The stable error codes of SPEC §3. The wire form is the snake_case name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    MalformedJson,
    InvalidRequest,
    AmbiguousRequest,
    UnknownField,
    InvalidModelName,
    InvalidConfig,
    InvalidSize,
    InvalidTier,
    TooLarge,
    InvalidCapabilities,
    DuplicateModel,
    InsufficientCapacity,
    JobNotFound,
    JobNotActive,
    ModelNotFound,
    ModelLoading,
    ModelInUse,
    NoCapableModel,
    AlreadyLoaded,
    ModelResident,
    TooManyModels,
    QueueFull,
}

impl ErrorCode {
    pub const ALL: [ErrorCode; 22] = [
        ErrorCode::MalformedJson,
        ErrorCode::InvalidRequest,
        ErrorCode::AmbiguousRequest,
        ErrorCode::UnknownField,
        ErrorCode::InvalidModelName,
        ErrorCode::InvalidConfig,
        ErrorCode::InvalidSize,
        ErrorCode::InvalidTier,
        ErrorCode::TooLarge,
        ErrorCode::InvalidCapabilities,
        ErrorCode::DuplicateModel,
        ErrorCode::InsufficientCapacity,
        ErrorCode::JobNotFound,
        ErrorCode::JobNotActive,
        ErrorCode::ModelNotFound,
        ErrorCode::ModelLoading,
        ErrorCode::ModelInUse,
        ErrorCode::NoCapableModel,
        ErrorCode::AlreadyLoaded,
        ErrorCode::ModelResident,
        ErrorCode::TooManyModels,
        ErrorCode::QueueFull,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::MalformedJson => "malformed_json",
            ErrorCode::InvalidRequest => "invalid_request",
            ErrorCode::AmbiguousRequest => "ambiguous_request",
            ErrorCode::UnknownField => "unknown_field",
            ErrorCode::InvalidModelName => "invalid_model_name",
            ErrorCode::InvalidConfig => "invalid_config",
            ErrorCode::InvalidSize => "invalid_size",
            ErrorCode::InvalidTier => "invalid_tier",
            ErrorCode::TooLarge => "too_large",
            ErrorCode::InvalidCapabilities => "invalid_capabilities",
            ErrorCode::DuplicateModel => "duplicate_model",
            ErrorCode::InsufficientCapacity => "insufficient_capacity",
            ErrorCode::JobNotFound => "job_not_found",
            ErrorCode::JobNotActive => "job_not_active",
            ErrorCode::ModelNotFound => "model_not_found",
            ErrorCode::ModelLoading => "model_loading",
            ErrorCode::ModelInUse => "model_in_use",
            ErrorCode::NoCapableModel => "no_capable_model",
            ErrorCode::AlreadyLoaded => "already_loaded",
            ErrorCode::ModelResident => "model_resident",
            ErrorCode::TooManyModels => "too_many_models",
            ErrorCode::QueueFull => "queue_full",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A rejected request: its code, one clear sentence, and (for unknown or
/// unsuitable models) the names a client could use instead.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{code}: {reason}")]
pub struct ApiError {
    pub code: ErrorCode,
    pub reason: String,
    pub available_models: Option<Vec<String>>,
}

impl ApiError {
    pub fn new(code: ErrorCode, reason: impl Into<String>) -> ApiError {
        ApiError {
            code,
            reason: reason.into(),
            available_models: None,
        }
    }

    pub fn with_models(mut self, models: Vec<String>) -> ApiError {
        self.available_models = Some(models);
        self
    }

    // The faults that depend on the server's state, one sentence each.

    /// A name that is listed, or being loaded (the seed's own sentence).
    pub fn duplicate_model(name: &str, loading: bool) -> ApiError {
        let shown: String = name.chars().take(QUOTE_LIMIT).collect();
        let reason = if loading {
            format!("Model '{shown}' already exists (a hot load of it is in progress)")
        } else {
            format!("Model '{shown}' already exists")
        };
        ApiError::new(ErrorCode::DuplicateModel, reason)
    }

    /// An unknown job id; `pruned` when it named a job the server has forgotten.
    pub fn job_not_found(pruned: bool) -> ApiError {
        let reason = if pruned {
            format!(
                "Job ID not found: that job ended and was pruned (the server keeps the latest {RETAIN_FINISHED} finished jobs)."
            )
        } else {
            String::from("Job ID not found")
        };
        ApiError::new(ErrorCode::JobNotFound, reason)
    }

    pub fn job_not_active(job_id: &str, state: &str) -> ApiError {
        ApiError::new(
            ErrorCode::JobNotActive,
            format!(
                "Job {} has already ended ({state}); only a loading job can be cancelled.",
                quote(job_id)
            ),
        )
    }

    /// `available`: the names a client could use instead.
    pub fn model_not_found(name: &str, available: Vec<String>) -> ApiError {
        ApiError::new(
            ErrorCode::ModelNotFound,
            format!("Model {} not found.", quote(name)),
        )
        .with_models(available)
    }

    /// A model still loading; `instead` says what the client may do.
    pub fn model_loading(name: &str, instead: &str) -> ApiError {
        ApiError::new(
            ErrorCode::ModelLoading,
            format!("Model {} is still loading; {instead}.", quote(name)),
        )
    }

    /// A model the repository knows that is not ready (`{"model": name}`).
    pub fn model_not_loaded(name: &str, available: Vec<String>) -> ApiError {
        ApiError::new(
            ErrorCode::ModelNotFound,
            format!(
                "Model {} is known but not loaded; load it with load_model first.",
                quote(name)
            ),
        )
        .with_models(available)
    }

    /// A name neither known nor in the remote catalog (`pull_model`).
    pub fn not_in_remote(name: &str) -> ApiError {
        ApiError::new(
            ErrorCode::ModelNotFound,
            format!(
                "Model {} is not in the remote catalog; give a model_config.",
                quote(name)
            ),
        )
    }

    pub fn already_loaded(name: &str) -> ApiError {
        ApiError::new(
            ErrorCode::AlreadyLoaded,
            format!("Model {} is already loaded.", quote(name)),
        )
    }

    pub fn model_resident(name: &str) -> ApiError {
        ApiError::new(
            ErrorCode::ModelResident,
            format!(
                "Model {} is loaded; unload it first, then delete it.",
                quote(name)
            ),
        )
    }

    /// `residency.maxLoaded` reached, with too few idle models to evict.
    pub fn too_many_models(max: usize, loaded: usize) -> ApiError {
        ApiError::new(
            ErrorCode::TooManyModels,
            format!("{loaded} models are loaded or loading, the most this server keeps (maxLoaded {max}), and too few are idle to evict."),
        )
    }

    pub fn queue_full(max: usize) -> ApiError {
        ApiError::new(
            ErrorCode::QueueFull,
            format!("Every load slot is busy and {max} jobs are queued already (maxQueue); try again later."),
        )
    }

    pub fn model_in_use(name: &str) -> ApiError {
        ApiError::new(
            ErrorCode::ModelInUse,
            format!("Model {} is the current model (or a swap to it is queued); select another model first.", quote(name)),
        )
    }

    pub fn no_capable_model(capabilities: &[String], available: Vec<String>) -> ApiError {
        ApiError::new(
            ErrorCode::NoCapableModel,
            format!(
                "No model offers every capability asked for ({}).",
                capabilities.join(", ")
            ),
        )
        .with_models(available)
    }
}

/// An invalid `ServerOptions`; the WASM layer throws it as a JS `Error`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid ServerOptions: {0}")]
pub struct ConfigError(pub String);
