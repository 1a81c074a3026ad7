//! The models a server starts with, and those it can pull.

use crate::model::{ModelSpec, Tier};

fn models(list: &[(&str, f64, Tier, &[&str])]) -> Vec<(String, ModelSpec)> {
    list.iter()
        .map(|&(name, size_gb, tier, capabilities)| {
            (
                name.to_string(),
                ModelSpec {
                    size_gb,
                    tier,
                    capabilities: capabilities.iter().map(|c| c.to_string()).collect(),
                },
            )
        })
        .collect()
}

/// SPEC §2.3: the default catalog, in library order.
pub fn default_catalog() -> Vec<(String, ModelSpec)> {
    models(&[
        ("gpt2-small", 0.5, Tier::Ram, &["text-generation"]),
        ("gpt2-medium", 1.5, Tier::Ram, &["text-generation"]),
        ("gpt2-large", 3.0, Tier::Ram, &["text-generation"]),
        ("bert-large", 1.3, Tier::Ram, &["text-classification"]),
        ("gpt-j-6b", 6.0, Tier::Swap, &["text-generation"]),
        ("llama-7b", 7.0, Tier::Swap, &["text-generation"]),
    ])
}

/// SPEC §5.1: the default remote catalog, what `pull_model` fetches by name
/// alone (sizes as the public Ollama library lists them).
pub fn default_remote() -> Vec<(String, ModelSpec)> {
    const CHAT: &[&str] = &["text-generation", "chat"];
    const CODE: &[&str] = &["text-generation", "code-generation"];
    models(&[
        ("llama3.2:1b", 1.3, Tier::Ram, CHAT),
        ("llama3.2:3b", 2.0, Tier::Ram, CHAT),
        ("qwen2.5:0.5b", 0.4, Tier::Ram, CHAT),
        ("qwen2.5-coder:1.5b", 1.0, Tier::Ram, CODE),
        ("gemma2:2b", 1.6, Tier::Ram, CHAT),
        ("phi3:mini", 2.2, Tier::Ram, CHAT),
        ("nomic-embed-text", 0.3, Tier::Ram, &["embeddings"]),
        ("codellama:7b", 3.8, Tier::Swap, CODE),
        ("mistral:7b", 4.1, Tier::Swap, CHAT),
        ("deepseek-r1:7b", 4.7, Tier::Swap, CHAT),
        ("llama3.1:8b", 4.9, Tier::Swap, CHAT),
    ])
}
