//! Saved state: what survives a page reload. A versioned snapshot of the
//! library, jobs, current model and queued swaps, metrics and id history, as
//! JSON. Restoring refuses anything unreadable, from another format or
//! version, or inconsistent; the caller then starts fresh.
//!
//! Encoded by hand through `serde_json::Value`, whose parser and printer the
//! binary has anyway: derived (de)serializers for these types cost 46 KiB.
//! Numbers are saved as their IEEE-754 bits (`f64::to_bits`), so they read
//! back exactly: serde_json's default float parser may be off by one ulp (the
//! fuzzer found 0.11764705882352941 coming back as 0.1176470588235294), and its
//! correctly rounded one costs 12 KiB.

use crate::history::History;
use crate::loader::{Job, Outcome};
use crate::metrics::{Metrics, SELECTION_WINDOW};
use crate::model::ModelSpec;
use crate::protocol::{JobKind, SimulatedFailure};
use crate::repository::Entry;
use crate::text::{neutralize, quote};
use crate::validate;
use serde_json::{json, Map, Value};

/// Identifies the saved text; bump [`VERSION`] on any incompatible change.
pub const FORMAT: &str = "model-hotload/state";
pub const VERSION: u32 = 2;
/// Version 1 (before the repository) still restores: its library is the repository.
const OLDEST_VERSION: u32 = 1;

#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    /// The server clock (ms) when saved.
    pub saved_at: f64,
    pub library: Vec<(String, ModelSpec)>,
    /// Every known model, in repository order.
    pub repository: Vec<(String, Entry)>,
    pub jobs: Vec<Job>,
    pub current_model: Option<String>,
    pub swaps: Vec<SwapRecord>,
    pub metrics: Metrics,
    pub retained_finished: Vec<String>,
    pub pruned_hashes: Vec<u64>,
    /// Hashes of pruned ids that could still be minted again, each with the last second it could.
    pub spent_ids: Vec<(u64, u64)>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SwapRecord {
    pub ticket: u64,
    pub from: String,
    pub to: String,
    pub seconds: f64,
    pub start: f64,
    pub end: f64,
}

/// A number as its exact bits.
fn bits(x: f64) -> Value {
    Value::from(x.to_bits())
}

/// A finite number from [`bits`].
fn unbits(value: &Value) -> Option<f64> {
    value.as_u64().map(f64::from_bits).filter(|x| x.is_finite())
}

/// Reading helpers: every fault becomes a reason, never a panic.
struct Fields<'a>(&'a Map<String, Value>, &'a str);

impl<'a> Fields<'a> {
    fn of(value: &'a Value, what: &'a str) -> Result<Fields<'a>, String> {
        value
            .as_object()
            .map(|m| Fields(m, what))
            .ok_or_else(|| format!("{what} is not an object"))
    }
    fn get(&self, key: &str) -> Result<&'a Value, String> {
        self.0
            .get(key)
            .ok_or_else(|| format!("{} has no {key}", self.1))
    }
    fn f64(&self, key: &str) -> Result<f64, String> {
        unbits(self.get(key)?).ok_or_else(|| format!("{}.{key} is not a saved number", self.1))
    }
    fn u64_or_zero(&self, key: &str) -> Result<u64, String> {
        match self.0.get(key) {
            None => Ok(0),
            Some(_) => self.u64(key),
        }
    }
    fn u64(&self, key: &str) -> Result<u64, String> {
        self.get(key)?
            .as_u64()
            .ok_or_else(|| format!("{}.{key} is not a count", self.1))
    }
    fn str(&self, key: &str) -> Result<String, String> {
        self.get(key)?
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("{}.{key} is not text", self.1))
    }
    fn opt_str(&self, key: &str) -> Result<Option<String>, String> {
        match self.get(key)? {
            Value::Null => Ok(None),
            v => v
                .as_str()
                .map(|s| Some(s.to_owned()))
                .ok_or_else(|| format!("{}.{key} is not text", self.1)),
        }
    }
    fn bool(&self, key: &str) -> Result<bool, String> {
        self.get(key)?
            .as_bool()
            .ok_or_else(|| format!("{}.{key} is not true or false", self.1))
    }
    fn list(&self, key: &str) -> Result<&'a Vec<Value>, String> {
        self.get(key)?
            .as_array()
            .ok_or_else(|| format!("{}.{key} is not a list", self.1))
    }
    fn value(&self, key: &str) -> Result<&'a Value, String> {
        self.get(key)
    }
}

fn metrics_to_value(m: &Metrics) -> Value {
    let recent: Vec<Value> = m.recent_selection_ms.iter().map(|x| bits(*x)).collect();
    json!({
        "started": m.started, "succeeded": m.succeeded, "failed": m.failed, "cancelled": m.cancelled,
        "load_seconds": [bits(m.load_seconds_sum), bits(m.load_seconds_min), bits(m.load_seconds_max)],
        "selections": m.selections, "selection_ms": [bits(m.selection_ms_sum), bits(m.selection_ms_max)],
        "recent_selection_ms": recent, "swaps": m.swaps, "swap_seconds_sum": bits(m.swap_seconds_sum),
        "evictions": m.evictions, "expirations": m.expirations,
        "queue_wait": [m.queue_waits, bits(m.queue_wait_sum), bits(m.queue_wait_max)],
    })
}

fn metrics_from_value(value: &Value) -> Result<Metrics, String> {
    let f = Fields::of(value, "the metrics")?;
    let floats = |key: &str| -> Result<Vec<f64>, String> {
        f.list(key)?
            .iter()
            .map(|v| unbits(v).ok_or_else(|| format!("metrics.{key} holds a non-number")))
            .collect()
    };
    let (load, selection) = (floats("load_seconds")?, floats("selection_ms")?);
    let (&[sum, min, max], &[sel_sum, sel_max]) = (load.as_slice(), selection.as_slice()) else {
        return Err(String::from("the metrics have the wrong shape"));
    };
    let (queue_waits, queue_wait_sum, queue_wait_max) = match f.0.get("queue_wait") {
        None => (0, 0.0, 0.0),
        Some(v) => match v.as_array().map(Vec::as_slice) {
            Some([count, sum, max]) => (
                count.as_u64().ok_or("metrics.queue_wait has a non-count")?,
                unbits(sum).ok_or("metrics.queue_wait has a non-number")?,
                unbits(max).ok_or("metrics.queue_wait has a non-number")?,
            ),
            _ => return Err(String::from("metrics.queue_wait has the wrong shape")),
        },
    };
    let mut recent: std::collections::VecDeque<f64> = floats("recent_selection_ms")?.into();
    while recent.len() > SELECTION_WINDOW {
        recent.pop_front();
    }
    Ok(Metrics {
        started: f.u64("started")?,
        succeeded: f.u64("succeeded")?,
        failed: f.u64("failed")?,
        cancelled: f.u64("cancelled")?,
        load_seconds_sum: sum,
        load_seconds_min: min,
        load_seconds_max: max,
        selections: f.u64("selections")?,
        selection_ms_sum: sel_sum,
        selection_ms_max: sel_max,
        recent_selection_ms: recent,
        swaps: f.u64("swaps")?,
        swap_seconds_sum: f.f64("swap_seconds_sum")?,
        // Counted since version 2; a version-1 state starts them at 0.
        evictions: f.u64_or_zero("evictions")?,
        expirations: f.u64_or_zero("expirations")?,
        queue_waits,
        queue_wait_sum,
        queue_wait_max,
    })
}

fn spec_to_value(spec: &ModelSpec) -> Value {
    json!({"size_gb": bits(spec.size_gb), "tier": spec.tier.as_str(), "capabilities": spec.capabilities})
}

/// A saved model, held to the same rules as a `hot_load`'s model_config:
/// saved text is input like any other.
fn spec_from_value(value: &Value) -> Result<ModelSpec, String> {
    let f = Fields::of(value, "a model")?;
    let config = json!({"size_gb": f.f64("size_gb")?, "tier": f.value("tier")?, "capabilities": f.value("capabilities")?});
    validate::parse_model_config(&config)
        .map_err(|e| format!("a saved model is invalid: {}", e.reason))
}

/// A saved model name, held to the same rule as a `hot_load`'s model_name.
fn name_from_value(value: &Value) -> Result<String, String> {
    validate::parse_model_name(Some(value))
        .map_err(|e| format!("a saved name is invalid: {}", e.reason))
}

fn job_to_value(job: &Job) -> Value {
    let outcome = match &job.outcome {
        Outcome::Loading => json!({"state": "loading"}),
        Outcome::Succeeded { end } => json!({"state": "succeeded", "end": bits(*end)}),
        Outcome::Failed {
            end,
            progress,
            error,
            cancelled,
        } => {
            json!({"state": "failed", "end": bits(*end), "progress": bits(*progress), "error": error, "cancelled": cancelled})
        }
    };
    let fail = job
        .fail
        .as_ref()
        .map(|f| json!({"at_progress": bits(f.at_progress), "error": f.error}));
    json!({"kind": job.kind.as_str(), "id": job.id, "model_name": job.model_name, "spec": spec_to_value(&job.spec),
           "start": bits(job.start), "admitted": bits(job.admitted), "queued": job.queued,
           "fail": fail, "outcome": outcome})
}

fn entry_to_value(name: &str, e: &Entry) -> Value {
    json!([name, {"spec": spec_to_value(&e.spec), "pinned": e.pinned, "keep_alive": e.keep_alive.map(bits),
                  "last_used": e.last_used.map(bits),
                  "last_error": e.last_error, "provisional": e.provisional, "modified": bits(e.modified)}])
}

fn entry_from_value(value: &Value) -> Result<(String, Entry), String> {
    let Some([name, entry]) = value.as_array().map(Vec::as_slice) else {
        return Err(String::from("a repository entry is not [name, model]"));
    };
    let f = Fields::of(entry, "a repository entry")?;
    let time = |key: &str| -> Result<Option<f64>, String> {
        match f.value(key)? {
            Value::Null => Ok(None),
            v => unbits(v)
                .map(Some)
                .ok_or_else(|| format!("a {key} is not a saved number")),
        }
    };
    let (keep_alive, last_used) = (time("keep_alive")?, time("last_used")?);
    // Saved since the HTTP façade; older states date a model by its last use.
    let modified = match f.0.get("modified") {
        Some(_) => time("modified")?,
        None => last_used,
    };
    Ok((
        name_from_value(name)?,
        Entry {
            spec: spec_from_value(f.value("spec")?)?,
            pinned: f.bool("pinned")?,
            keep_alive,
            last_used,
            last_error: f.opt_str("last_error")?.map(|e| neutralize(&e)),
            provisional: f.bool("provisional")?,
            modified: modified.unwrap_or(0.0),
            seq: 0, // the repository numbers its entries as it reads them
        },
    ))
}

fn job_from_value(value: &Value, version: u64) -> Result<Job, String> {
    let f = Fields::of(value, "a job")?;
    let kind = match version {
        1 => JobKind::HotLoad,
        _ => match f.str("kind")?.as_str() {
            "hot_load" => JobKind::HotLoad,
            "pull" => JobKind::Pull,
            "load" => JobKind::Load,
            other => return Err(format!("a job has an unknown kind {other:?}")),
        },
    };
    let fail = match f.value("fail")? {
        Value::Null => None,
        v => {
            let s = Fields::of(v, "a job's failure")?;
            Some(SimulatedFailure {
                at_progress: s.f64("at_progress")?,
                error: neutralize(&s.str("error")?),
            })
        }
    };
    let o = Fields::of(f.value("outcome")?, "a job's outcome")?;
    let outcome = match o.str("state")?.as_str() {
        "loading" => Outcome::Loading,
        "succeeded" => Outcome::Succeeded { end: o.f64("end")? },
        "failed" => Outcome::Failed {
            end: o.f64("end")?,
            progress: o.f64("progress")?,
            error: neutralize(&o.str("error")?),
            cancelled: o.bool("cancelled")?,
        },
        other => return Err(format!("a job has an unknown state {other:?}")),
    };
    let model_name = name_from_value(f.value("model_name")?)?;
    let id = f.str("id")?;
    if !id.starts_with(&format!("{}_{model_name}_", kind.id_prefix())) {
        return Err(format!(
            "job {} is not an id of model {model_name}",
            quote(&id)
        ));
    }
    if fail
        .as_ref()
        .is_some_and(|s| !(0.0..=1.0).contains(&s.at_progress))
    {
        return Err(format!(
            "job {} has a failure point outside 0..1",
            quote(&id)
        ));
    }
    let mut job = Job::new(
        kind,
        id,
        model_name,
        spec_from_value(f.value("spec")?)?,
        fail,
        f.f64("start")?,
    );
    job.outcome = outcome;
    if version >= 2 {
        job.admitted = f.f64("admitted")?;
        job.queued = f.bool("queued")? && job.is_loading();
    }
    Ok(job)
}

fn strings(list: &[Value], what: &str) -> Result<Vec<String>, String> {
    list.iter()
        .map(|v| {
            v.as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("{what} holds something other than text"))
        })
        .collect()
}

/// The repository of a version-1 state: the library, then each model still
/// loading (known only through that job, as v1 forgot unloaded models).
fn version_1_repository(library: &[(String, ModelSpec)], jobs: &[Job]) -> Vec<(String, Entry)> {
    let listed = library
        .iter()
        .map(|(name, spec)| (name.clone(), Entry::new(spec.clone(), false, 0.0)));
    let loading = jobs
        .iter()
        .filter(|j| j.is_loading() && !library.iter().any(|(n, _)| *n == j.model_name))
        .map(|j| {
            (
                j.model_name.clone(),
                Entry::new(j.spec.clone(), true, j.admitted),
            )
        });
    listed.chain(loading).collect()
}

impl Snapshot {
    pub fn to_json(&self) -> String {
        let library: Vec<Value> = self
            .library
            .iter()
            .map(|(name, spec)| json!([name, spec_to_value(spec)]))
            .collect();
        let swaps: Vec<Value> = self
            .swaps
            .iter()
            .map(|s| json!({"ticket": s.ticket, "from": s.from, "to": s.to, "seconds": bits(s.seconds), "start": bits(s.start), "end": bits(s.end)}))
            .collect();
        let spent: Vec<Value> = self
            .spent_ids
            .iter()
            .map(|(hash, until)| json!([hash, until]))
            .collect();
        json!({
            "format": FORMAT, "version": VERSION, "saved_at": bits(self.saved_at),
            "library": library,
            "repository": self.repository.iter().map(|(n, e)| entry_to_value(n, e)).collect::<Vec<_>>(),
            "jobs": self.jobs.iter().map(job_to_value).collect::<Vec<_>>(),
            "current_model": self.current_model, "swaps": swaps,
            "metrics": metrics_to_value(&self.metrics),
            "retained_finished": self.retained_finished, "pruned_hashes": self.pruned_hashes, "spent_ids": spent,
        })
        .to_string()
    }

    /// Reads saved text; the error says why it cannot be used.
    pub fn from_json(text: &str) -> Result<Snapshot, String> {
        let value: Value = serde_json::from_str(text)
            .map_err(|e| format!("the saved state is unreadable ({e})"))?;
        let format = value.get("format").and_then(Value::as_str);
        let version = value.get("version").and_then(Value::as_u64);
        let readable = u64::from(OLDEST_VERSION)..=u64::from(VERSION);
        if format != Some(FORMAT) || !version.is_some_and(|v| readable.contains(&v)) {
            return Err(format!(
                "the saved state is from an incompatible version (format {}, version {}; this is {FORMAT} version {VERSION})",
                format.unwrap_or("none"),
                version.map_or_else(|| String::from("none"), |v| v.to_string())
            ));
        }
        Snapshot::read(&value, version.unwrap_or(u64::from(VERSION)))
            .map_err(|why| format!("the saved state is unreadable ({why})"))
    }

    fn read(value: &Value, version: u64) -> Result<Snapshot, String> {
        let f = Fields::of(value, "the state")?;
        let library: Vec<(String, ModelSpec)> = f
            .list("library")?
            .iter()
            .map(|entry| match entry.as_array().map(Vec::as_slice) {
                Some([name, spec]) => Ok((name_from_value(name)?, spec_from_value(spec)?)),
                _ => Err(String::from("a library entry is not [name, model]")),
            })
            .collect::<Result<_, String>>()?;
        let swaps = f
            .list("swaps")?
            .iter()
            .map(|v| {
                let s = Fields::of(v, "a swap")?;
                Ok(SwapRecord {
                    ticket: s.u64("ticket")?,
                    from: s.str("from")?,
                    to: s.str("to")?,
                    seconds: s.f64("seconds")?,
                    start: s.f64("start")?,
                    end: s.f64("end")?,
                })
            })
            .collect::<Result<_, String>>()?;
        let pruned_hashes = f
            .list("pruned_hashes")?
            .iter()
            .map(|v| {
                v.as_u64()
                    .ok_or_else(|| String::from("a pruned hash is not a count"))
            })
            .collect::<Result<_, _>>()?;
        let spent_ids = f
            .list("spent_ids")?
            .iter()
            .map(|v| match v.as_array().map(Vec::as_slice) {
                Some([hash, until]) => hash
                    .as_u64()
                    .zip(until.as_u64())
                    .ok_or_else(|| String::from("a spent id is not two counts")),
                _ => Err(String::from("a spent id is not [hash, second]")),
            })
            .collect::<Result<_, _>>()?;
        let jobs: Vec<Job> = f
            .list("jobs")?
            .iter()
            .map(|job| job_from_value(job, version))
            .collect::<Result<_, _>>()?;
        let repository = match version {
            // Version 1 knew only the library, and the models of its loads.
            1 => version_1_repository(&library, &jobs),
            _ => f
                .list("repository")?
                .iter()
                .map(entry_from_value)
                .collect::<Result<_, _>>()?,
        };
        Ok(Snapshot {
            saved_at: f.f64("saved_at")?,
            library,
            repository,
            jobs,
            current_model: f.opt_str("current_model")?,
            swaps,
            metrics: metrics_from_value(f.value("metrics")?)?,
            retained_finished: strings(f.list("retained_finished")?, "retained_finished")?,
            pruned_hashes,
            spent_ids,
        })
    }

    pub fn history(&self) -> History {
        History::from_parts(
            self.retained_finished.clone(),
            self.pruned_hashes.clone(),
            self.spent_ids.clone(),
        )
    }
}
