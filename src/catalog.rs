//! The models a server starts with.

use crate::model::{ModelSpec, Tier};

/// SPEC §2.3: the default catalog, in library order.
pub fn default_catalog() -> Vec<(String, ModelSpec)> {
    const MODELS: [(&str, f64, Tier, &str); 6] = [
        ("gpt2-small", 0.5, Tier::Ram, "text-generation"),
        ("gpt2-medium", 1.5, Tier::Ram, "text-generation"),
        ("gpt2-large", 3.0, Tier::Ram, "text-generation"),
        ("bert-large", 1.3, Tier::Ram, "text-classification"),
        ("gpt-j-6b", 6.0, Tier::Swap, "text-generation"),
        ("llama-7b", 7.0, Tier::Swap, "text-generation"),
    ];
    MODELS
        .iter()
        .map(|&(name, size_gb, tier, capability)| {
            (
                name.to_string(),
                ModelSpec {
                    size_gb,
                    tier,
                    capabilities: vec![capability.to_string()],
                },
            )
        })
        .collect()
}
