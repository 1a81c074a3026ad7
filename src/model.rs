//! The vocabulary shared by every module: tiers and model specifications.

use serde::Serialize;

/// Where a model is resident. `storage` is not a tier: it is rejected for safety.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[serde(rename_all = "lowercase")]
pub enum Tier {
    Ram,
    Swap,
}

impl Tier {
    pub const ALL: [Tier; 2] = [Tier::Ram, Tier::Swap];

    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Ram => "ram",
            Tier::Swap => "swap",
        }
    }

    pub fn parse(text: &str) -> Option<Tier> {
        match text {
            "ram" => Some(Tier::Ram),
            "swap" => Some(Tier::Swap),
            _ => None,
        }
    }

    /// The largest model the tier takes, in GB.
    pub fn size_limit_gb(self) -> f64 {
        match self {
            Tier::Ram => 3.0,
            Tier::Swap => 7.0,
        }
    }

    /// Seconds per GB to load into the tier, and to hot-swap to a model in it.
    pub fn seconds_per_gb(self) -> f64 {
        match self {
            Tier::Ram => 0.1,
            Tier::Swap => 0.5,
        }
    }

    /// The share of the tier's free capacity that one load may take.
    pub fn safety_factor(self) -> f64 {
        match self {
            Tier::Ram => 0.7,
            Tier::Swap => 0.6,
        }
    }
}

/// The largest model any tier takes; larger ones belong to `storage` and are rejected.
pub const MAX_MODEL_GB: f64 = 7.0;

/// Seconds per GB spent preparing a model before it is loaded into its tier.
pub const PREPARE_SECONDS_PER_GB: f64 = 1.4;

/// A validated model: what the library holds and what `list_models` shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
#[cfg_attr(target_arch = "wasm32", derive(model_hotload_literal::Literal))]
pub struct ModelSpec {
    pub size_gb: f64,
    pub tier: Tier,
    pub capabilities: Vec<String>,
}

impl ModelSpec {
    pub fn has_all(&self, wanted: &[String]) -> bool {
        wanted.iter().all(|w| self.capabilities.contains(w))
    }

    /// Simulated time of a hot-swap to this model, in seconds.
    pub fn swap_seconds(&self) -> f64 {
        self.tier.seconds_per_gb() * self.size_gb
    }
}
