//! Saved state: what survives a page reload. A versioned snapshot of the
//! library, jobs, current model and queued swaps, metrics and id history, as
//! JSON. Restoring refuses anything unreadable, from another format or
//! version, or inconsistent; the caller then starts fresh.

use crate::history::History;
use crate::loader::Job;
use crate::metrics::Metrics;
use crate::model::ModelSpec;
use serde::{Deserialize, Serialize};

/// Identifies the saved text; bump [`VERSION`] on any incompatible change.
pub const FORMAT: &str = "model-hotload/state";
pub const VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Snapshot {
    pub format: String,
    pub version: u32,
    /// The server clock (ms) when saved.
    pub saved_at: f64,
    pub library: Vec<(String, ModelSpec)>,
    pub jobs: Vec<Job>,
    pub current_model: Option<String>,
    pub swaps: Vec<SwapRecord>,
    pub metrics: Metrics,
    pub retained_finished: Vec<String>,
    pub pruned_hashes: Vec<u64>,
    /// Hashes of pruned ids that could still be minted again, each with the last second it could.
    pub spent_ids: Vec<(u64, u64)>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SwapRecord {
    pub ticket: u64,
    pub from: String,
    pub to: String,
    pub seconds: f64,
    pub start: f64,
    pub end: f64,
}

impl Snapshot {
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// Reads saved text; the error says why it cannot be used.
    pub fn from_json(text: &str) -> Result<Snapshot, String> {
        #[derive(Deserialize)]
        struct Header {
            format: Option<String>,
            version: Option<u32>,
        }
        let header: Header = serde_json::from_str(text)
            .map_err(|e| format!("the saved state is unreadable ({e})"))?;
        if header.format.as_deref() != Some(FORMAT) || header.version != Some(VERSION) {
            return Err(format!(
                "the saved state is from an incompatible version (format {:?}, version {:?}; this is {FORMAT} version {VERSION})",
                header.format.unwrap_or_default(),
                header.version.unwrap_or_default()
            ));
        }
        serde_json::from_str(text).map_err(|e| format!("the saved state is unreadable ({e})"))
    }

    pub fn history(&self) -> History {
        History::from_parts(
            self.retained_finished.clone(),
            self.pruned_hashes.clone(),
            self.spent_ids.clone(),
        )
    }
}
