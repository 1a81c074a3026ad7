//! Sequences of requests and clock advances, with saves and restores mixed in,
//! under residency options the input picks; the engine's invariants are
//! checked after every step.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use model_hotload::config::{parse_options, ServerConfig};
use model_hotload::engine::{Engine, Reply};
use model_hotload::persist::Snapshot;
use serde_json::{json, Value};
use std::collections::HashMap;

const NAMES: [&str; 8] = ["a", "b", "c_0", "gpt2-small", "llama-7b", "bert-large", "qwen2.5:0.5b", "mistral:7b"];
const CAPS: [&str; 4] = ["text-generation", "chat", "embeddings", "text-classification"];

#[derive(Arbitrary, Debug)]
enum Op {
    HotLoad { name: u8, tenths: u8, swap: bool, caps: u8, fail: Option<u8> },
    Status(u8),
    Cancel(u8),
    Unload(u8),
    Select(u8),
    SelectByNeed { caps: u8, priority: u8 },
    Advance(u16),
    Raw(String),
    SaveAndRestore,
    Pull(u8),
    Load { name: u8, keep_alive: Option<i8> },
    Delete(u8),
    Pin(u8, bool),
    Plan { name: u8, tenths: u8 },
    Repository,
}

/// Residency options from a few bytes.
#[derive(Arbitrary, Debug)]
struct Options {
    max_loaded: Option<u8>,
    lru: bool,
    keep_alive: Option<i8>,
    parallel: Option<u8>,
    max_queue: u8,
}

fn caps(bits: u8) -> Vec<&'static str> {
    let picked: Vec<&str> = CAPS.iter().enumerate().filter(|(i, _)| bits & (1 << i) != 0).map(|(_, c)| *c).collect();
    if picked.is_empty() { vec!["chat"] } else { picked }
}

struct Run {
    config: ServerConfig,
    engine: Engine,
    now: f64,
    jobs: Vec<String>,
    progress: HashMap<String, f64>,
}

impl Run {
    fn job(&self, i: u8) -> String {
        self.jobs.get(usize::from(i) % self.jobs.len().max(1)).cloned().unwrap_or_else(|| "load_none_0".into())
    }

    fn send(&mut self, request: Value) {
        let before = self.engine.snapshot(self.now);
        let reply = self.engine.handle_text(&request.to_string(), self.now);
        if let Reply::Now(response) = reply {
            let value = serde_json::to_value(&response).expect("serializes");
            if response.error_code().is_some() {
                assert_eq!(self.engine.snapshot(self.now), before, "rejected {request} changed the state");
            }
            if let Some(id) = value.get("job_id").and_then(Value::as_str).filter(|_| value["status"].as_str().is_some_and(|s| s.ends_with("_started"))) {
                self.jobs.push(id.to_string());
            }
        }
        let _ = (self.engine.take_events(), self.engine.take_completions());
    }

    fn check(&mut self, settled: bool) {
        self.engine.check_invariants(self.now, settled).expect("invariants");
        for job in self.engine.jobs() {
            let p = job.progress(self.now);
            let last = self.progress.insert(job.id.clone(), p).unwrap_or(0.0);
            assert!(p >= last, "{} went from {last} to {p}", job.id);
        }
    }
}

fuzz_target!(|input: (Options, Vec<Op>)| {
    let (o, ops) = input;
    let mut residency = json!({"evict": if o.lru { "lru" } else { "none" }, "maxQueue": o.max_queue % 4});
    if let Some(m) = o.max_loaded {
        residency["maxLoaded"] = json!(1 + m % 6);
    }
    if let Some(k) = o.keep_alive {
        residency["keepAlive"] = json!(k);
    }
    if let Some(p) = o.parallel {
        residency["parallelLoads"] = json!(1 + p % 3);
    }
    let options = json!({"clock": "manual", "ramGb": 10, "swapGb": 20, "residency": residency});
    let config = parse_options(&options).expect("valid options");
    let mut run = Run { engine: Engine::new(&config, Box::new(|| 0.0)), config, now: 0.0, jobs: vec![], progress: HashMap::new() };
    for op in ops.into_iter().take(200) {
        let mut settled = false;
        match op {
            Op::HotLoad { name, tenths, swap, caps: bits, fail } => {
                let mut r = json!({"hot_load": {"model_name": NAMES[usize::from(name) % NAMES.len()], "model_config": {
                    "size_gb": f64::from(tenths) / 10.0, "tier": if swap { "swap" } else { "ram" }, "capabilities": caps(bits)}}});
                if let Some(p) = fail {
                    r["hot_load"]["simulate"] = json!({"fail_at_progress": f64::from(p) / 255.0});
                }
                run.send(r);
            }
            Op::Status(i) => run.send(json!({"load_status": run.job(i)})),
            Op::Cancel(i) => run.send(json!({"cancel_load": run.job(i)})),
            Op::Unload(i) => run.send(json!({"unload_model": NAMES[usize::from(i) % NAMES.len()]})),
            Op::Select(i) => run.send(json!({"model": NAMES[usize::from(i) % NAMES.len()]})),
            Op::SelectByNeed { caps: bits, priority } => {
                let priority = ["speed", "quality", "balanced"][usize::from(priority) % 3];
                run.send(json!({"capabilities": caps(bits), "priority": priority}));
            }
            Op::Advance(ms) => {
                let target = run.now + f64::from(ms);
                while let Some(due) = run.engine.poll_timeout().filter(|&t| t <= target) {
                    run.now = run.now.max(due);
                    run.engine.handle_timeout(run.now);
                    run.check(false);
                }
                run.now = target;
                run.engine.handle_timeout(run.now);
                settled = true;
            }
            Op::Raw(text) => {
                let before = run.engine.snapshot(run.now);
                if let Reply::Now(r) = run.engine.handle_text(&text, run.now) {
                    if r.error_code().is_some() {
                        assert_eq!(run.engine.snapshot(run.now), before);
                    }
                }
                let _ = (run.engine.take_events(), run.engine.take_completions());
            }
            Op::Pull(i) => run.send(json!({"pull_model": NAMES[usize::from(i) % NAMES.len()]})),
            Op::Load { name, keep_alive } => {
                let name = NAMES[usize::from(name) % NAMES.len()];
                run.send(match keep_alive {
                    Some(k) => json!({"load_model": {"model_name": name, "keep_alive": k}}),
                    None => json!({"load_model": name}),
                });
            }
            Op::Delete(i) => run.send(json!({"delete_model": NAMES[usize::from(i) % NAMES.len()]})),
            Op::Pin(i, pin) => {
                let name = NAMES[usize::from(i) % NAMES.len()];
                run.send(if pin { json!({"pin_model": name}) } else { json!({"unpin_model": name}) });
            }
            Op::Plan { name, tenths } => {
                // plan_load changes nothing, and the same request then gets the planned outcome.
                let request = json!({"hot_load": {"model_name": NAMES[usize::from(name) % NAMES.len()], "model_config": {
                    "size_gb": f64::from(tenths % 70 + 1) / 10.0, "tier": "ram", "capabilities": ["chat"]}}});
                let _ = (run.engine.take_events(), run.engine.take_completions());
                let before = run.engine.snapshot(run.now);
                let plan = match run.engine.handle_text(&json!({"plan_load": request.clone()}).to_string(), run.now) {
                    Reply::Now(r) => serde_json::to_value(&r).expect("serializes"),
                    Reply::AfterSwap(_) => Value::Null,
                };
                assert_eq!(run.engine.snapshot(run.now), before, "plan_load changed the state");
                assert!(run.engine.take_events().is_empty(), "plan_load emitted events");
                if let Reply::Now(r) = run.engine.handle_text(&request.to_string(), run.now) {
                    let r = serde_json::to_value(&r).expect("serializes");
                    if plan["admitted"] == true {
                        assert_eq!(plan["queue_position"], r["queue_position"], "{plan} / {r}");
                    } else {
                        assert_eq!(plan["code"], r["code"], "{plan} / {r}");
                    }
                    if let Some(id) = r.get("job_id").and_then(Value::as_str) {
                        run.jobs.push(id.to_string());
                    }
                }
                let _ = (run.engine.take_events(), run.engine.take_completions());
            }
            Op::Repository => run.send(json!({"list_repository": true})),
            Op::SaveAndRestore => {
                let saved = run.engine.snapshot(run.now);
                let text = saved.to_json();
                let restored = Snapshot::from_json(&text).expect("our own state reads back");
                assert_eq!(restored, saved, "the snapshot round-trips");
                run.engine = Engine::restore(&run.config, restored, Box::new(|| 0.0)).expect("our own state restores");
            }
        }
        run.check(settled);
    }
});
