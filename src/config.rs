//! `ServerOptions`: parsed and checked here, in the pure core, so that the WASM
//! layer only converts and throws.

use crate::capacity::Capacity;
use crate::catalog::{default_catalog, default_remote};
use crate::error::ConfigError;
use crate::model::{ModelSpec, Tier};
use crate::residency::{Evict, Residency};
use crate::text::{kind_of, num, quote};
use crate::validate::{parse_model_config, parse_model_name};
use serde_json::{Map, Value};

/// Latest instant a JS `Date` can hold, in ms since the epoch.
pub const MAX_TIME_MS: f64 = 8.64e15;
pub const MIN_TIME_SCALE: f64 = 0.01;
pub const MAX_TIME_SCALE: f64 = 1000.0;
/// A sanity bound on a tier's capacity (1 PB).
pub const MAX_CAPACITY_GB: f64 = 1e6;
pub const MAX_CATALOG_MODELS: usize = 100_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockKind {
    /// Simulated time follows real time, scaled; one JS timer drives deadlines.
    Real,
    /// Simulated time moves only when the caller advances it.
    Manual,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ServerConfig {
    pub clock: ClockKind,
    pub start_time: f64,
    pub time_scale: f64,
    pub capacity: Capacity,
    pub catalog: Vec<(String, ModelSpec)>,
    /// What `pull_model` fetches by name alone (SPEC §5.1).
    pub remote: Vec<(String, ModelSpec)>,
    pub residency: Residency,
    /// A storage key: save state after every change and restore it on construction.
    pub persist: Option<String>,
    /// Keep a trace of the session (`server.trace()`, module `trace`).
    pub record: bool,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            clock: ClockKind::Real,
            start_time: 0.0,
            time_scale: 1.0,
            capacity: Capacity {
                ram_gb: 16.0,
                swap_gb: 32.0,
            },
            catalog: default_catalog(),
            remote: default_remote(),
            residency: Residency::default(),
            persist: None,
            record: false,
        }
    }
}

const KEYS: [&str; 11] = [
    "clock",
    "startTime",
    "timeScale",
    "ramGb",
    "swapGb",
    "catalog",
    "remote",
    "residency",
    "persist",
    "storage",
    "record",
];
/// Longest storage key accepted.
pub const MAX_KEY_LENGTH: usize = 256;

fn bad(reason: impl Into<String>) -> ConfigError {
    ConfigError(reason.into())
}

fn number(obj: &Map<String, Value>, key: &str) -> Result<Option<f64>, ConfigError> {
    match obj.get(key) {
        None => Ok(None),
        Some(v) => match v.as_f64() {
            Some(n) if n.is_finite() => Ok(Some(n)),
            _ => Err(bad(format!(
                "{key} must be a finite number, not {}.",
                kind_of(v)
            ))),
        },
    }
}

/// Parses `ServerOptions` (absent or `null` means all defaults).
pub fn parse_options(value: &Value) -> Result<ServerConfig, ConfigError> {
    let mut config = ServerConfig::default();
    let obj = match value {
        Value::Null => return Ok(config),
        Value::Object(obj) => obj,
        other => {
            return Err(bad(format!(
                "options must be an object, not {}.",
                kind_of(other)
            )))
        }
    };
    if let Some(key) = obj.keys().find(|k| !KEYS.contains(&k.as_str())) {
        return Err(bad(format!(
            "unknown option {}; options are {}.",
            quote(key),
            KEYS.join(", ")
        )));
    }
    config.clock = match obj.get("clock") {
        None => ClockKind::Real,
        Some(v) if v == "real" => ClockKind::Real,
        Some(v) if v == "manual" => ClockKind::Manual,
        Some(_) => return Err(bad("clock must be \"real\" or \"manual\".")),
    };
    if let Some(start) = number(obj, "startTime")? {
        if config.clock != ClockKind::Manual {
            return Err(bad(
                "startTime applies to the manual clock only; add clock: \"manual\".",
            ));
        }
        if !(0.0..=MAX_TIME_MS).contains(&start) {
            return Err(bad(format!(
                "startTime must be from 0 to {MAX_TIME_MS} ms since the epoch."
            )));
        }
        config.start_time = start;
    }
    if let Some(scale) = number(obj, "timeScale")? {
        if config.clock != ClockKind::Real {
            return Err(bad(
                "timeScale applies to the real clock only; the manual clock moves with advance().",
            ));
        }
        if !(MIN_TIME_SCALE..=MAX_TIME_SCALE).contains(&scale) {
            return Err(bad(format!(
                "timeScale must be from {MIN_TIME_SCALE} to {MAX_TIME_SCALE}."
            )));
        }
        config.time_scale = scale;
    }
    for (key, tier) in [("ramGb", Tier::Ram), ("swapGb", Tier::Swap)] {
        if let Some(gb) = number(obj, key)? {
            if !(gb > 0.0 && gb <= MAX_CAPACITY_GB) {
                return Err(bad(format!(
                    "{key} must be greater than 0 and at most {MAX_CAPACITY_GB}."
                )));
            }
            match tier {
                Tier::Ram => config.capacity.ram_gb = gb,
                Tier::Swap => config.capacity.swap_gb = gb,
            }
        }
    }
    config.persist = match obj.get("persist") {
        None => None,
        Some(Value::String(key)) if !key.is_empty() && key.chars().count() <= MAX_KEY_LENGTH => {
            Some(key.clone())
        }
        Some(_) => {
            return Err(bad(format!(
                "persist must be a storage key: a string of 1 to {MAX_KEY_LENGTH} characters."
            )))
        }
    };
    config.record = match obj.get("record") {
        None => false,
        Some(Value::Bool(record)) => *record,
        Some(other) => {
            return Err(bad(format!(
                "record must be true or false, not {}.",
                kind_of(other)
            )))
        }
    };
    config.catalog = models(obj, "catalog", default_catalog)?;
    config.remote = models(obj, "remote", default_remote)?;
    if let Some(value) = obj.get("residency") {
        config.residency = parse_residency(value)?;
    }
    for tier in Tier::ALL {
        let resident: f64 = config
            .catalog
            .iter()
            .filter(|(_, s)| s.tier == tier)
            .map(|(_, s)| s.size_gb)
            .sum();
        let total = config.capacity.total(tier);
        if resident > total + 1e-9 {
            return Err(bad(format!(
                "the catalog puts {} GB in {} but the tier holds {} GB.",
                num(resident),
                tier.as_str(),
                num(total)
            )));
        }
    }
    Ok(config)
}

/// `residency`: `{maxLoaded?, evict?, keepAlive?, parallelLoads?, maxQueue?}`.
fn parse_residency(value: &Value) -> Result<Residency, ConfigError> {
    const FIELDS: [&str; 5] = [
        "maxLoaded",
        "evict",
        "keepAlive",
        "parallelLoads",
        "maxQueue",
    ];
    let Some(obj) = value.as_object() else {
        return Err(bad(format!(
            "residency must be an object, not {}.",
            kind_of(value)
        )));
    };
    if let Some(key) = obj.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err(bad(format!(
            "residency has an unknown field {}; it takes {}.",
            quote(key),
            FIELDS.join(", ")
        )));
    }
    let count = |key: &str, least: usize| -> Result<Option<usize>, ConfigError> {
        match number(obj, key)? {
            None => Ok(None),
            Some(n) if n.fract() == 0.0 && n >= least as f64 && n <= 1e9 => Ok(Some(n as usize)),
            Some(_) => Err(bad(format!(
                "residency.{key} must be a whole number from {least} to 1000000000."
            ))),
        }
    };
    let mut residency = Residency {
        max_loaded: count("maxLoaded", 1)?,
        parallel_loads: count("parallelLoads", 1)?,
        ..Residency::default()
    };
    if let Some(max_queue) = count("maxQueue", 0)? {
        residency.max_queue = max_queue;
    }
    residency.evict = match obj.get("evict") {
        None => Evict::None,
        Some(v) if v == "none" => Evict::None,
        Some(v) if v == "lru" => Evict::Lru,
        Some(_) => return Err(bad("residency.evict must be \"none\" or \"lru\".")),
    };
    if let Some(seconds) = number(obj, "keepAlive")? {
        residency.keep_alive = if seconds < 0.0 { -1.0 } else { seconds };
    }
    Ok(residency)
}

/// `catalog` or `remote`: "default", "empty" or a list of models.
fn models(
    obj: &Map<String, Value>,
    key: &str,
    default: fn() -> Vec<(String, ModelSpec)>,
) -> Result<Vec<(String, ModelSpec)>, ConfigError> {
    match obj.get(key) {
        None => Ok(default()),
        Some(v) if v == "default" => Ok(default()),
        Some(v) if v == "empty" => Ok(Vec::new()),
        Some(Value::Array(entries)) => parse_models(key, entries),
        Some(_) => Err(bad(format!(
            "{key} must be \"default\", \"empty\" or a list of models."
        ))),
    }
}

fn parse_models(key: &str, entries: &[Value]) -> Result<Vec<(String, ModelSpec)>, ConfigError> {
    if entries.len() > MAX_CATALOG_MODELS {
        return Err(bad(format!(
            "{key} may list at most {MAX_CATALOG_MODELS} models."
        )));
    }
    let mut seen = std::collections::HashSet::with_capacity(entries.len());
    let mut catalog = Vec::with_capacity(entries.len());
    for (i, entry) in entries.iter().enumerate() {
        let Some(obj) = entry.as_object() else {
            return Err(bad(format!(
                "{key}[{i}] must be an object, not {}.",
                kind_of(entry)
            )));
        };
        if let Some(field) = obj
            .keys()
            .find(|k| !matches!(k.as_str(), "name" | "size_gb" | "tier" | "capabilities"))
        {
            return Err(bad(format!(
                "{key}[{i}] has an unknown field {}.",
                quote(field)
            )));
        }
        let name = parse_model_name(obj.get("name"))
            .map_err(|e| bad(format!("{key}[{i}]: {}", e.reason)))?;
        let mut config = obj.clone();
        config.remove("name");
        let spec = parse_model_config(&Value::Object(config))
            .map_err(|e| bad(format!("{key}[{i}] ({name}): {}", e.reason)))?;
        if !seen.insert(name.clone()) {
            return Err(bad(format!("{key} lists {} twice.", quote(&name))));
        }
        catalog.push((name, spec));
    }
    Ok(catalog)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn err(v: Value) -> String {
        parse_options(&v)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default()
    }

    #[test]
    fn defaults() {
        let c = parse_options(&Value::Null).ok();
        assert_eq!(c.as_ref().map(|c| c.catalog.len()), Some(6));
        assert_eq!(
            c.map(|c| (c.clock, c.capacity.ram_gb, c.capacity.swap_gb)),
            Some((ClockKind::Real, 16.0, 32.0))
        );
    }

    #[test]
    fn rejects_what_it_cannot_honour() {
        assert!(err(json!({"clock": "sundial"})).contains("clock"));
        assert!(err(json!({"clock": "manual", "timeScale": 5})).contains("timeScale"));
        assert!(err(json!({"timeScale": 0.001})).contains("timeScale"));
        assert!(err(json!({"clock": "manual", "startTime": -1})).contains("startTime"));
        assert!(err(json!({"ramGb": 0})).contains("ramGb"));
        assert!(err(json!({"ramGb": "16"})).contains("ramGb"));
        assert!(err(json!({"ramGb": 2})).contains("catalog"));
        assert!(err(json!({"colour": 1})).contains("unknown option"));
        assert!(err(json!({"record": "yes"})).contains("record must be true or false"));
        assert_eq!(
            parse_options(&json!({"record": true}))
                .map(|c| c.record)
                .ok(),
            Some(true)
        );
        assert!(err(
            json!({"catalog": [{"name": "a", "size_gb": 9, "tier": "swap", "capabilities": ["x"]}]})
        )
        .contains("storage"));
        let twice = json!({"catalog": [
            {"name": "a", "size_gb": 1, "tier": "ram", "capabilities": ["x"]},
            {"name": "a", "size_gb": 1, "tier": "ram", "capabilities": ["x"]}]});
        assert!(err(twice).contains("twice"));
        assert!(err(json!({"remote": "none"})).contains("remote must be"));
        assert!(err(json!({"remote": [{"name": "x:1b", "size_gb": 8, "tier": "swap", "capabilities": ["x"]}]})).contains("remote[0]"));
    }

    #[test]
    fn residency_options() {
        let r = parse_options(&json!({"residency": {"maxLoaded": 2, "evict": "lru", "keepAlive": 0, "parallelLoads": 1, "maxQueue": 0}}))
            .map(|c| c.residency)
            .ok();
        assert_eq!(
            r,
            Some(Residency {
                max_loaded: Some(2),
                evict: Evict::Lru,
                keep_alive: 0.0,
                parallel_loads: Some(1),
                max_queue: 0
            })
        );
        assert!(err(json!({"residency": {"maxLoaded": 0}})).contains("maxLoaded"));
        assert!(err(json!({"residency": {"maxLoaded": 1.5}})).contains("maxLoaded"));
        assert!(err(json!({"residency": {"evict": "fifo"}})).contains("evict"));
        assert!(err(json!({"residency": {"keepAlive": "5m"}})).contains("keepAlive"));
        assert!(err(json!({"residency": {"slots": 1}})).contains("unknown field"));
        assert!(err(json!({"residency": 3})).contains("residency must be"));
    }

    #[test]
    fn remote_catalogs() {
        let remote = |v: Value| parse_options(&v).ok().map(|c| c.remote.len());
        assert_eq!(remote(json!({})), Some(11));
        assert_eq!(remote(json!({"remote": "empty"})), Some(0));
        assert_eq!(
            remote(
                json!({"remote": [{"name": "x:1b", "size_gb": 1, "tier": "ram", "capabilities": ["chat"]}]})
            ),
            Some(1)
        );
    }

    #[test]
    fn custom_catalog() {
        let c = parse_options(&json!({"clock": "manual", "startTime": 5000, "catalog": [
            {"name": "tiny", "size_gb": 0.1, "tier": "ram", "capabilities": ["chat", "embeddings"]}]}))
        .ok();
        assert_eq!(c.as_ref().map(|c| c.catalog.len()), Some(1));
        assert_eq!(c.map(|c| c.start_time), Some(5000.0));
    }
}
