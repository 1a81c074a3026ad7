//! Replays a trace on a fresh manual-clock engine and façade, at the recorded
//! instants, and reports where the responses differ.

use super::compare::{same, simulated};
use super::{body_value, response_value, FORMAT, MAX_STEPS, VERSION};
use crate::config::{parse_options, ClockKind, MAX_TIME_MS};
use crate::engine::{Engine, Reply};
use crate::error::{ApiError, ErrorCode};
use crate::http::{AdvanceRefused, ExchangeId, Facade, Fetched, HttpRequest};
use crate::persist::Snapshot;
use crate::protocol::Response;
use crate::swap::Ticket;
use crate::text::kind_of;
use serde::Serialize;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

/// How far (ms) an instant may read before the previous one and still count as not earlier.
const INSTANT_SLACK_MS: f64 = 1e-3;

/// What a replay found: `ok` when no step diverged.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct ReplayReport {
    pub ok: bool,
    /// Steps replayed.
    pub steps: usize,
    pub divergences: Vec<Divergence>,
}

/// A step whose response differs from the recorded one; `expected` and
/// `actual` leave out the measured fields.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(target_arch = "wasm32", derive(tsify::Tsify))]
pub struct Divergence {
    /// Its index in the trace's `steps`.
    pub step: usize,
    /// The request (or the `fetch` object) of that step.
    #[cfg_attr(target_arch = "wasm32", tsify(type = "unknown"))]
    pub request: Value,
    #[cfg_attr(target_arch = "wasm32", tsify(type = "unknown"))]
    pub expected: Value,
    #[cfg_attr(target_arch = "wasm32", tsify(type = "unknown"))]
    pub actual: Value,
}

/// One step, read and checked.
enum Step {
    Request {
        request: Value,
        unreadable: Option<String>,
        response: Value,
    },
    Advance(f64),
    Fetch {
        method: String,
        url: String,
        body: String,
        /// The recorded answer: `status` and `body`, when they were recorded.
        answer: Map<String, Value>,
    },
}

/// Replays `trace` (the JSON of `server.trace()`); an error names what is
/// wrong with a malformed trace.
pub fn replay(trace: &Value) -> Result<ReplayReport, String> {
    let Some(obj) = trace.as_object() else {
        return Err(format!("a trace is an object, not {}", kind_of(trace)));
    };
    if obj.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(format!("not a trace: format must be \"{FORMAT}\""));
    }
    // Numbers are read as JavaScript holds them: `1` and `1.0` are one version.
    if obj.get("version").and_then(Value::as_f64) != Some(VERSION as f64) {
        return Err(format!(
            "unsupported trace version {}; this reads version {VERSION}",
            obj.get("version")
                .map_or("(none)".to_string(), Value::to_string)
        ));
    }
    let start = match obj.get("start").and_then(Value::as_f64) {
        Some(t) if (0.0..=MAX_TIME_MS).contains(&t) => t,
        _ => {
            return Err(format!(
                "trace.start must be a time from 0 to {MAX_TIME_MS} ms"
            ))
        }
    };
    let options = obj.get("options").cloned().unwrap_or(Value::Null);
    let manual = parse_options(&options)
        .map_err(|e| format!("trace.options: {e}"))?
        .clock
        == ClockKind::Manual;
    let config = parse_options(&replay_options(&options, start))
        .map_err(|e| format!("trace.options: {e}"))?;
    let Some(steps) = obj.get("steps").and_then(Value::as_array) else {
        return Err("trace.steps must be an array".to_string());
    };
    if steps.len() > MAX_STEPS {
        return Err(format!(
            "a trace holds at most {MAX_STEPS} steps, not {}",
            steps.len()
        ));
    }
    let (engine, from) = match obj.get("base") {
        None => (Engine::new(&config, Box::new(|| 0.0)), start),
        Some(Value::String(base)) => {
            let snapshot = Snapshot::from_json(base).map_err(|e| format!("trace.base: {e}"))?;
            let saved_at = snapshot.saved_at;
            let engine = Engine::restore(&config, snapshot, Box::new(|| 0.0))
                .map_err(|e| format!("trace.base: {e}"))?;
            (engine, saved_at.max(start))
        }
        Some(other) => {
            return Err(format!(
                "trace.base must be the saved state as JSON text, not {}",
                kind_of(other)
            ))
        }
    };
    let mut read = Vec::with_capacity(steps.len());
    let mut last = from;
    for (i, step) in steps.iter().enumerate() {
        let (at, step) = read_step(step).map_err(|e| format!("trace.steps[{i}]: {e}"))?;
        // Read back from JSON text, an instant may be a few ulps off the
        // base's exact `saved_at`: that is not going back in time.
        if at < last - INSTANT_SLACK_MS {
            return Err(format!(
                "trace.steps[{i}]: at {at} is before the previous instant {last}; steps are in time order"
            ));
        }
        last = last.max(at);
        read.push((at, step));
    }
    let mut sim = Sim {
        engine,
        facade: Facade::default(),
        now: from,
        manual,
        actual: vec![Value::Null; read.len()],
        swaps: HashMap::new(),
        exchanges: HashMap::new(),
    };
    for (i, (at, step)) in read.iter().enumerate() {
        sim.run_to(*at);
        sim.run(i, step);
    }
    sim.finish(&read);
    let divergences = compare(&read, &sim.actual);
    Ok(ReplayReport {
        ok: divergences.is_empty(),
        steps: read.len(),
        divergences,
    })
}

/// The recorded options on a manual clock starting at `start`.
fn replay_options(options: &Value, start: f64) -> Value {
    let mut obj = options.as_object().cloned().unwrap_or_default();
    for key in ["timeScale", "persist", "storage", "record"] {
        obj.remove(key);
    }
    obj.insert("clock".into(), json!("manual"));
    obj.insert("startTime".into(), json!(start));
    Value::Object(obj)
}

fn read_step(step: &Value) -> Result<(f64, Step), String> {
    let Some(obj) = step.as_object() else {
        return Err(format!("a step is an object, not {}", kind_of(step)));
    };
    let at = match obj.get("at").and_then(Value::as_f64) {
        Some(at) if (0.0..=MAX_TIME_MS).contains(&at) => at,
        _ => return Err(format!("at must be a time from 0 to {MAX_TIME_MS} ms")),
    };
    let kinds = ["request", "advance", "fetch"];
    let found: Vec<&str> = kinds.into_iter().filter(|k| obj.contains_key(*k)).collect();
    let step = match found.as_slice() {
        ["request"] => Step::Request {
            request: obj.get("request").cloned().unwrap_or(Value::Null),
            unreadable: match obj.get("unreadable") {
                None => None,
                Some(Value::String(reason)) => Some(reason.clone()),
                Some(_) => return Err("unreadable must be a string".to_string()),
            },
            response: match obj.get("response") {
                Some(response @ (Value::Object(_) | Value::Null)) => response.clone(),
                _ => {
                    return Err("a request step needs its response (an object, or null)".to_string())
                }
            },
        },
        ["advance"] => match obj.get("advance").and_then(Value::as_f64) {
            Some(ms) if ms >= 0.0 => Step::Advance(ms),
            _ => return Err("advance must be a number of ms, 0 or more".to_string()),
        },
        ["fetch"] => {
            let fetch = obj.get("fetch").and_then(Value::as_object);
            let text = |key: &str| {
                fetch
                    .and_then(|f| f.get(key))
                    .and_then(Value::as_str)
                    .map(str::to_owned)
                    .ok_or_else(|| format!("fetch.{key} must be a string"))
            };
            let mut answer = Map::new();
            if let Some(status) = obj.get("status") {
                if status
                    .as_f64()
                    .is_none_or(|s| s.fract() != 0.0 || !(100.0..=599.0).contains(&s))
                {
                    return Err("status must be an HTTP status, 100 to 599".to_string());
                }
                answer.insert("status".into(), status.clone());
            }
            if let Some(body) = obj.get("body") {
                answer.insert("body".into(), body.clone());
            }
            Step::Fetch {
                method: text("method")?,
                url: text("url")?,
                body: text("body")?,
                answer,
            }
        }
        [] => {
            return Err(format!(
                "a step of no known kind; a step has one of {}",
                kinds.join(", ")
            ))
        }
        _ => return Err(format!("a step has one kind, not {}", found.join(" and "))),
    };
    Ok((at, step))
}

/// The replaying server: engine, façade, manual clock, and what each step got.
struct Sim {
    engine: Engine,
    facade: Facade,
    now: f64,
    /// Whether the recorded server's clock was manual (`POST /_sim/advance`).
    manual: bool,
    /// Each step's response so far (fetch steps: `{status, body}`).
    actual: Vec<Value>,
    /// Step indices by ticket and by exchange (u64, the recorder's map type: one copy in the .wasm).
    swaps: HashMap<Ticket, u64>,
    exchanges: HashMap<ExchangeId, u64>,
}

impl Sim {
    fn next_deadline(&self) -> Option<f64> {
        self.facade.next_deadline(&self.engine)
    }

    /// Moves the clock to `target`, ending what falls due at its own deadline, in order.
    fn run_to(&mut self, target: f64) {
        while let Some(due) = self.next_deadline().filter(|&t| t <= target) {
            self.now = self.now.max(due);
            self.engine.handle_timeout(self.now);
            self.settle();
        }
        self.now = self.now.max(target);
        self.settle();
    }

    /// Delivers swap responses and exchange output to the steps they answer.
    fn settle(&mut self) {
        let (_events, completions) = self.facade.step(&mut self.engine, self.now);
        for (ticket, response) in completions {
            self.answer_swap(ticket, &response);
        }
        for (id, out) in self.facade.take_output() {
            let Some(i) = self
                .exchanges
                .get(&id)
                .and_then(|&i| usize::try_from(i).ok())
            else {
                continue;
            };
            if out.end {
                self.exchanges.remove(&id);
            }
            if let (Some(head), Some(Value::Object(answer))) = (&out.head, self.actual.get_mut(i)) {
                answer.insert("status".into(), json!(head.status));
                if out.end {
                    answer.insert("body".into(), body_value(&out.data));
                }
            }
        }
    }

    fn answer_swap(&mut self, ticket: Ticket, response: &Response) {
        if let Some(slot) = self
            .swaps
            .remove(&ticket)
            .and_then(|i| usize::try_from(i).ok())
            .and_then(|i| self.actual.get_mut(i))
        {
            *slot = response_value(response);
        }
    }

    fn run(&mut self, i: usize, step: &Step) {
        match step {
            Step::Request {
                request,
                unreadable,
                ..
            } => {
                let reply = match (unreadable, request) {
                    (Some(reason), _) => Reply::Now(Response::error(
                        ApiError::new(ErrorCode::InvalidRequest, reason.clone()),
                        None,
                    )),
                    (None, Value::String(text)) => self.engine.handle_text(text, self.now),
                    (None, request) => self.engine.handle_text(&request.to_string(), self.now),
                };
                match reply {
                    Reply::Now(response) => {
                        if let Some(slot) = self.actual.get_mut(i) {
                            *slot = response_value(&response);
                        }
                    }
                    Reply::AfterSwap(ticket) => {
                        self.swaps.insert(ticket, i as u64);
                    }
                }
            }
            Step::Advance(ms) => {
                let target = self.now + ms;
                self.run_to(target);
            }
            Step::Fetch {
                method, url, body, ..
            } => {
                if let Some(slot) = self.actual.get_mut(i) {
                    *slot = Value::Object(Map::new());
                }
                let request = HttpRequest { method, url, body };
                let fetched = self.facade.fetch(&mut self.engine, request, self.now);
                let id = match fetched {
                    Fetched::Open(id) => id,
                    Fetched::Advance(id, ms) => {
                        let result = AdvanceRefused::target(self.manual, self.now, ms);
                        if let Ok(target) = result {
                            self.run_to(target);
                        }
                        self.facade.advanced(id, result.map(|_| self.now));
                        id
                    }
                };
                self.exchanges.insert(id, i as u64);
            }
        }
        self.settle();
    }

    /// After the last step: a recorded answer that came later (a real
    /// clock's timer ended a swap) is waited for, deadline by deadline.
    fn finish(&mut self, steps: &[(f64, Step)]) {
        let awaited = |sim: &Sim| {
            sim.swaps.values().any(|&i| {
                matches!(steps.get(i as usize), Some((_, Step::Request { response, .. })) if !response.is_null())
            }) || sim.exchanges.values().any(|&i| {
                let i = i as usize;
                let have = sim.actual.get(i).and_then(Value::as_object).map_or(0, Map::len);
                matches!(steps.get(i), Some((_, Step::Fetch { answer, .. })) if answer.len() > have)
            })
        };
        // Each round ends one deadline; a session's deadlines are finite, the bound is a guard.
        for _ in 0..1_000_000 {
            if !awaited(self) {
                break;
            }
            let Some(due) = self.next_deadline() else {
                break;
            };
            self.run_to(due);
        }
    }
}

fn compare(steps: &[(f64, Step)], actual: &[Value]) -> Vec<Divergence> {
    let mut divergences = Vec::new();
    for (i, ((_, step), actual)) in steps.iter().zip(actual).enumerate() {
        let (request, expected) = match step {
            Step::Request {
                request, response, ..
            } => (request.clone(), response.clone()),
            Step::Advance(_) => continue,
            Step::Fetch {
                method,
                url,
                body,
                answer,
            } => (
                json!({"method": method, "url": url, "body": body}),
                Value::Object(answer.clone()),
            ),
        };
        // A fetch step compares what was recorded of its answer.
        let actual = match (step, actual) {
            (Step::Fetch { answer, .. }, Value::Object(got)) => Value::Object(
                got.iter()
                    .filter(|(k, _)| answer.contains_key(*k))
                    .map(|(k, v)| (k.clone(), v.clone()))
                    .collect(),
            ),
            _ => actual.clone(),
        };
        if !same(&expected, &actual) {
            divergences.push(Divergence {
                step: i,
                request,
                expected: simulated(&expected),
                actual: simulated(&actual),
            });
        }
    }
    divergences
}
