//! Traces: a session recorded as the WASM driver records it replays with no
//! divergence; a tampered trace diverges at the step tampered; a malformed
//! trace is refused with a reason; the cap cuts and still replays.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;

use common::hot_load;
use model_hotload::config::{parse_options, ClockKind};
use model_hotload::engine::{Engine, Reply};
use model_hotload::http::{Facade, Fetched, HttpRequest};
use model_hotload::trace::{replay, Recorder, MAX_STEPS};
use serde_json::{json, Value};
use std::collections::HashMap;

/// A server driven as `src/wasm/driver.rs` drives one, with a recorder.
struct Session {
    engine: Engine,
    facade: Facade,
    recorder: Recorder,
    now: f64,
    real: bool,
    /// Responses of requests by the order they were sent (swaps: once finished).
    answers: HashMap<u64, Value>,
}

impl Session {
    fn new(options: Value) -> Session {
        Session::with_cap(options, MAX_STEPS)
    }

    fn with_cap(options: Value, cap: usize) -> Session {
        let config = parse_options(&options).unwrap();
        let real = config.clock == ClockKind::Real;
        // A real clock starts at "now": any instant will do for the simulation.
        let start = if real {
            1_700_000_000_000.0
        } else {
            config.start_time
        };
        let started = model_hotload::config::ServerConfig {
            start_time: start,
            ..config
        };
        // The stopwatch moves, so selection times are measured and differ from replay's.
        let tick = std::cell::Cell::new(0.0);
        let engine = Engine::new(
            &started,
            Box::new(move || {
                tick.set(tick.get() + 3.5);
                tick.get()
            }),
        );
        Session {
            engine,
            facade: Facade::default(),
            recorder: Recorder::with_cap(options, start, cap),
            now: start,
            real,
            answers: HashMap::new(),
        }
    }

    fn send(&mut self, request: Value) -> Option<Value> {
        if self.real {
            self.engine.handle_timeout(self.now);
        }
        let text = request.to_string();
        let reply = self.recorder.request(&mut self.engine, Ok(&text), self.now);
        self.settle();
        match reply {
            Reply::Now(r) => Some(serde_json::to_value(&r).unwrap()),
            Reply::AfterSwap(_) => None,
        }
    }

    fn fetch(&mut self, method: &str, url: &str, body: &str) {
        if self.real {
            self.engine.handle_timeout(self.now);
        }
        let request = HttpRequest { method, url, body };
        let fetched = self
            .recorder
            .fetch(&mut self.facade, &mut self.engine, request, self.now);
        if let Fetched::Advance(id, ms) = fetched {
            let result = model_hotload::http::AdvanceRefused::target(!self.real, self.now, ms);
            if let Ok(target) = result {
                self.run_to(target);
            }
            self.facade.advanced(id, result.map(|_| self.now));
        }
        self.settle();
    }

    /// Manual clock: `advance(ms)`.
    fn advance(&mut self, ms: f64) {
        assert!(!self.real);
        self.recorder.advance(&self.engine, self.now, ms);
        let target = self.now + ms;
        self.run_to(target);
    }

    /// Real clock: time passes; the timer fires at `now` (late, as timers are).
    fn wait(&mut self, ms: f64) {
        assert!(self.real);
        self.now += ms;
        self.engine.handle_timeout(self.now);
        self.settle();
    }

    fn run_to(&mut self, target: f64) {
        while let Some(due) = self
            .facade
            .next_deadline(&self.engine)
            .filter(|&t| t <= target)
        {
            self.now = self.now.max(due);
            self.engine.handle_timeout(self.now);
            self.settle();
        }
        self.now = self.now.max(target);
        self.settle();
    }

    fn settle(&mut self) {
        let (_, completions) = self.facade.step(&mut self.engine, self.now);
        self.recorder.completions(&completions);
        for (ticket, response) in completions {
            self.answers
                .insert(ticket, serde_json::to_value(&response).unwrap());
        }
        let outputs = self.facade.take_output();
        self.recorder.outputs(&outputs);
    }

    fn trace(&self) -> Value {
        self.recorder.to_value()
    }
}

fn residency() -> Value {
    json!({"clock": "manual", "startTime": 1000,
           "residency": {"maxLoaded": 2, "evict": "lru", "keepAlive": 30, "parallelLoads": 1}})
}

/// A session touching every kind of step: loads, status, swaps, cancel,
/// residency, errors, advances and HTTP.
fn busy_session(options: Value) -> Session {
    let mut s = Session::new(options);
    let job = s.send(hot_load("m1", 2.5, "ram", &["chat"])).unwrap()["job_id"].clone();
    s.send(json!({"load_status": job}));
    s.advance(1000.0);
    s.send(json!({"load_status": job}));
    s.send(json!({"model": "gpt2-small"}));
    // A hot-swap (default residency); under maxLoaded the two models are both loaded.
    s.send(json!({"model": "gpt2-medium"}));
    s.send(json!({"model": "gpt-j-6b", "request_id": 7}));
    let other = s.send(hot_load("m2", 1.0, "ram", &["chat"])).unwrap()["job_id"].clone();
    s.send(json!({"cancel_load": other}));
    s.send(json!({"pull_model": {"model_name": "llama3.2:1b"}}));
    s.send(json!({"hot_load": {"model_name": "bad name!"}}));
    s.send(json!({"load_status": "load_nothing_1"}));
    s.recorder.request(
        &mut s.engine,
        Err(model_hotload::error::ApiError::new(
            model_hotload::error::ErrorCode::InvalidRequest,
            "request must be a JSON string or an object",
        )),
        s.now,
    );
    for text in ["{not json", "\"list_models\"", "42"] {
        s.recorder.request(&mut s.engine, Ok(text), s.now);
    }
    s.fetch("GET", "/api/tags", "");
    s.fetch(
        "POST",
        "/api/generate",
        r#"{"model":"gpt2-large","prompt":"hi","stream":false}"#,
    );
    s.fetch("POST", "/_sim/advance", r#"{"ms": 2500}"#);
    s.fetch("GET", "/v1/models", "");
    s.advance(60_000.0);
    s.send(json!({"list_models": true}));
    s.send(json!({"list_repository": true}));
    s.send(json!({"unload_model": "gpt2-medium"}));
    s.send(json!({"metrics": true}));
    s.send(json!({"system_status": true}));
    s.advance(20_000.0);
    s.send(json!({"list_jobs": true}));
    s
}

#[test]
fn a_recorded_session_replays_without_divergence() {
    for (options, swaps) in [(json!({"clock": "manual"}), true), (residency(), false)] {
        let s = busy_session(options);
        let trace = s.trace();
        let steps = trace["steps"].as_array().unwrap();
        assert!(steps.len() > 20);
        assert!(steps
            .iter()
            .any(|s| s.get("fetch").is_some() && s.get("status").is_some()));
        // The hot-swap's response was filled in when the swap finished.
        let swap = steps
            .iter()
            .find(|s| s["request"] == json!({"model": "gpt2-medium"}))
            .unwrap();
        assert_eq!(swap["response"]["swap_executed"], json!(swaps));
        let report = replay(&trace).unwrap();
        assert_eq!(report.divergences, vec![], "{:#}", trace);
        assert!(report.ok);
        assert_eq!(report.steps, steps.len());
        // Through JSON text, as a trace travels.
        let again: Value = serde_json::from_str(&trace.to_string()).unwrap();
        assert!(replay(&again).unwrap().ok);
    }
}

#[test]
fn a_real_clock_session_replays_at_its_simulated_instants() {
    let mut s = Session::new(json!({"timeScale": 1000}));
    let job = s.send(hot_load("m1", 2.5, "ram", &["chat"])).unwrap()["job_id"].clone();
    s.wait(1234.5);
    s.send(json!({"load_status": job}));
    s.send(json!({"model": "gpt2-small"}));
    assert!(s.send(json!({"model": "llama-7b"})).is_none());
    s.fetch("GET", "/api/ps", "");
    s.fetch("POST", "/_sim/advance", r#"{"ms": 10}"#);
    s.wait(2900.25);
    s.send(json!({"load_status": job}));
    // The swap ends on the timer, after the last request.
    s.wait(10_000.0);
    assert_eq!(s.answers.len(), 1);
    let trace = s.trace();
    let last = trace["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["request"] == json!({"model": "llama-7b"}))
        .unwrap();
    assert_eq!(last["response"]["model"], json!("llama-7b"));
    let report = replay(&trace).unwrap();
    assert_eq!(report.divergences, vec![]);
    // The refused advance was replayed as refused (409), not run.
    let advance = trace["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["fetch"]["url"] == json!("/_sim/advance"))
        .unwrap();
    assert_eq!(advance["status"], json!(409));
}

#[test]
fn a_tampered_response_is_a_divergence_naming_its_step() {
    let mut trace = busy_session(json!({"clock": "manual"})).trace();
    let steps = trace["steps"].as_array_mut().unwrap();
    let i = steps
        .iter()
        .position(|s| s["request"].get("load_status").is_some())
        .unwrap();
    steps[i]["response"]["progress"] = json!(0.99);
    let j = steps
        .iter()
        .position(|s| s["fetch"]["url"] == json!("/api/tags"))
        .unwrap();
    steps[j]["status"] = json!(500);
    let report = replay(&trace).unwrap();
    assert!(!report.ok);
    let named: Vec<usize> = report.divergences.iter().map(|d| d.step).collect();
    assert_eq!(named, vec![i, j]);
    let first = &report.divergences[0];
    assert_eq!(first.expected["progress"], json!(0.99));
    assert_ne!(first.actual["progress"], json!(0.99));
    assert!(first.request.get("load_status").is_some());
}

#[test]
fn measured_fields_are_not_compared() {
    let mut s = Session::new(json!({"clock": "manual"}));
    s.send(json!({"model": "gpt2-small"}));
    s.send(json!({"metrics": true}));
    let mut trace = s.trace();
    trace["steps"][0]["response"]["selection_time_ms"] = json!(123.0);
    trace["steps"][0]["response"]["performance_target_met"] = json!(false);
    trace["steps"][1]["response"]["selections"]["max_ms"] = json!(999.0);
    assert!(replay(&trace).unwrap().ok);
    trace["steps"][1]["response"]["selections"]["count"] = json!(2);
    assert_eq!(replay(&trace).unwrap().divergences[0].step, 1);
}

#[test]
fn malformed_traces_are_refused_with_a_reason() {
    let good = busy_session(json!({"clock": "manual"})).trace();
    let with = |edit: &dyn Fn(&mut Value)| {
        let mut t = good.clone();
        edit(&mut t);
        replay(&t).err().unwrap_or_else(|| panic!("accepted {t}"))
    };
    assert!(replay(&json!([]))
        .unwrap_err()
        .contains("a trace is an object"));
    assert!(
        with(&|t| t["format"] = json!("other")).contains("format must be \"model-hotload/trace\"")
    );
    assert!(with(&|t| t["version"] = json!(2)).contains("unsupported trace version 2"));
    assert!(with(&|t| t["options"] = json!({"clock": "sundial"})).contains("trace.options: "));
    assert!(with(&|t| t["start"] = json!("soon")).contains("trace.start"));
    assert!(with(&|t| t["steps"] = json!({})).contains("trace.steps must be an array"));
    assert!(with(&|t| t["steps"][2] = json!({"at": 1000, "sleep": 5}))
        .contains("trace.steps[2]: a step of no known kind"));
    assert!(with(&|t| t["steps"][0]["at"] = json!("later"))
        .contains("trace.steps[0]: at must be a time"));
    assert!(with(&|t| t["steps"][5]["at"] = json!(0)).contains("trace.steps[5]: at 0 is before"));
    assert!(with(&|t| t["steps"][0]["advance"] = json!(5))
        .contains("one kind, not request and advance"));
    assert!(with(&|t| {
        t["steps"][0].as_object_mut().unwrap().remove("response");
    })
    .contains("needs its response"));
    assert!(with(&|t| t["base"] = json!({"format": "x"}))
        .contains("trace.base must be the saved state as JSON text, not an object"));
    assert!(with(&|t| t["base"] = json!("{\"format\": \"x\"}")).contains("trace.base: "));
    let many = vec![json!({"at": 0, "advance": 0}); MAX_STEPS + 1];
    assert!(with(&|t| t["steps"] = json!(many)).contains("at most 10000 steps"));
}

#[test]
fn past_the_cap_the_trace_is_cut_and_still_replays() {
    let cap = 7;
    let mut s = Session::with_cap(
        json!({"clock": "manual", "residency": {"maxLoaded": 2, "evict": "lru", "keepAlive": 1}}),
        cap,
    );
    for i in 0..5 {
        let job = s
            .send(hot_load(&format!("m{i}"), 0.5, "ram", &["chat"]))
            .unwrap()["job_id"]
            .clone();
        s.advance(300.0);
        s.send(json!({"load_status": job}));
        s.send(json!({"model": "gpt2-small"}));
        s.send(json!({"model": format!("m{}", i.max(1) - 1)}));
        s.fetch("GET", "/api/ps", "");
        s.advance(500.0);
    }
    s.send(json!({"list_models": true}));
    let trace = s.trace();
    assert!(trace["steps"].as_array().unwrap().len() <= cap);
    assert!(trace["dropped"].as_u64().unwrap() > 0);
    assert!(trace["base"]
        .as_str()
        .unwrap()
        .contains("model-hotload/state"));
    assert_eq!(
        s.recorder.dropped() + s.recorder.len() as u64,
        36,
        "every step counted: kept or dropped"
    );
    let report = replay(&trace).unwrap();
    assert_eq!(report.divergences, vec![], "{trace:#}");
    // Every number as a JavaScript number (f64), as a trace is after JSON.parse.
    fn as_js(v: &Value) -> Value {
        match v {
            Value::Number(n) => json!(n.as_f64().unwrap()),
            Value::Array(a) => Value::Array(a.iter().map(as_js).collect()),
            Value::Object(o) => {
                Value::Object(o.iter().map(|(k, v)| (k.clone(), as_js(v))).collect())
            }
            other => other.clone(),
        }
    }
    assert!(replay(&as_js(&trace)).unwrap().ok);
}

#[test]
fn replay_is_deterministic() {
    let trace = busy_session(residency()).trace();
    let mut tampered = trace.clone();
    tampered["steps"][1]["response"]["progress"] = json!(0.5);
    let first = replay(&tampered).unwrap();
    assert_eq!(first, replay(&tampered).unwrap());
    assert_eq!(
        serde_json::to_string(&first).unwrap(),
        serde_json::to_string(&replay(&tampered).unwrap()).unwrap()
    );
    assert_eq!(
        busy_session(residency()).trace()["steps"]
            .as_array()
            .map(Vec::len),
        trace["steps"].as_array().map(Vec::len)
    );
}
