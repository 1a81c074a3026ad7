//! Property tests of SPEC §5: random sequences of every command, under random
//! residency options, with these checked after every step: the engine's
//! invariants (capacity never exceeded, …), ready + loading ≤ maxLoaded,
//! running jobs ≤ parallelLoads, no pinned or current model evicted or
//! expired, progress monotone per job, the queue first in first out, a
//! rejected request changes nothing, and `plan_load` followed at once by the
//! same request gives exactly the planned outcome.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::Harness;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

const NAMES: [&str; 7] = [
    "a",
    "b",
    "c",
    "gpt2-small",
    "llama-7b",
    "qwen2.5:0.5b",
    "mistral:7b",
];

#[derive(Debug, Clone)]
enum Request {
    HotLoad {
        name: usize,
        tenths: u32,
        swap: bool,
        keep_alive: Option<i32>,
        fail_at: Option<f64>,
    },
    Pull {
        name: usize,
    },
    Load {
        name: usize,
        keep_alive: Option<i32>,
    },
    Unload(usize),
    Delete(usize),
    Pin(usize, bool),
    Select(usize),
    SelectByNeed,
    Cancel(usize),
}

#[derive(Debug, Clone)]
enum Op {
    Send(Request),
    /// `plan_load` of the request, then the request itself at once.
    Plan(Request),
    Advance(u32),
}

fn request() -> impl Strategy<Value = Request> {
    prop_oneof![
        3 => (0..NAMES.len(), 1u32..70, any::<bool>(), prop::option::of(-1i32..30), prop::option::weighted(0.2, 0.0f64..=1.0))
            .prop_map(|(name, tenths, swap, keep_alive, fail_at)| Request::HotLoad { name, tenths, swap, keep_alive, fail_at }),
        2 => (0..NAMES.len()).prop_map(|name| Request::Pull { name }),
        3 => (0..NAMES.len(), prop::option::of(-1i32..30)).prop_map(|(name, keep_alive)| Request::Load { name, keep_alive }),
        1 => (0..NAMES.len()).prop_map(Request::Unload),
        1 => (0..NAMES.len()).prop_map(Request::Delete),
        1 => (0..NAMES.len(), any::<bool>()).prop_map(|(n, p)| Request::Pin(n, p)),
        2 => (0..NAMES.len()).prop_map(Request::Select),
        1 => Just(Request::SelectByNeed),
        1 => (0usize..30).prop_map(Request::Cancel),
    ]
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => request().prop_map(Op::Send),
        2 => request().prop_map(Op::Plan),
        3 => (0u32..8000).prop_map(Op::Advance),
    ]
}

fn residency() -> impl Strategy<Value = Value> {
    (
        prop::option::of(1usize..5),
        any::<bool>(),
        prop::sample::select(vec![-1.0, 0.0, 5.0, 60.0]),
        prop::option::of(1usize..3),
        prop::sample::select(vec![0usize, 1, 3, 512]),
    )
        .prop_map(|(max_loaded, lru, keep_alive, parallel, max_queue)| {
            let mut r = json!({"evict": if lru { "lru" } else { "none" }, "keepAlive": keep_alive, "maxQueue": max_queue});
            if let Some(m) = max_loaded {
                r["maxLoaded"] = json!(m);
            }
            if let Some(p) = parallel {
                r["parallelLoads"] = json!(p);
            }
            r
        })
}

struct Run {
    h: Harness,
    max_loaded: Option<usize>,
    parallel: Option<usize>,
    job_ids: Vec<String>,
    progress: HashMap<String, f64>,
    queued: Vec<String>,
    dequeued: Vec<String>,
    seen_events: usize,
}

impl Run {
    fn to_json(&self, r: &Request) -> Value {
        let job = |i: usize| {
            self.job_ids
                .get(i % self.job_ids.len().max(1))
                .cloned()
                .unwrap_or_else(|| "load_none_0".into())
        };
        match r {
            Request::HotLoad {
                name,
                tenths,
                swap,
                keep_alive,
                fail_at,
            } => {
                let mut v = json!({"hot_load": {"model_name": NAMES[*name], "model_config": {
                    "size_gb": f64::from(*tenths) / 10.0, "tier": if *swap { "swap" } else { "ram" }, "capabilities": ["chat"]}}});
                if let Some(k) = keep_alive {
                    v["hot_load"]["keep_alive"] = json!(k);
                }
                if let Some(p) = fail_at {
                    v["hot_load"]["simulate"] = json!({"fail_at_progress": p});
                }
                v
            }
            Request::Pull { name } => json!({"pull_model": NAMES[*name]}),
            Request::Load { name, keep_alive } => match keep_alive {
                Some(k) => json!({"load_model": {"model_name": NAMES[*name], "keep_alive": k}}),
                None => json!({"load_model": NAMES[*name]}),
            },
            Request::Unload(n) => json!({"unload_model": NAMES[*n]}),
            Request::Delete(n) => json!({"delete_model": NAMES[*n]}),
            Request::Pin(n, true) => json!({"pin_model": NAMES[*n]}),
            Request::Pin(n, false) => json!({"unpin_model": NAMES[*n]}),
            Request::Select(n) => json!({"model": NAMES[*n]}),
            Request::SelectByNeed => json!({"capabilities": ["chat"], "priority": "speed"}),
            Request::Cancel(i) => json!({"cancel_load": job(*i)}),
        }
    }

    /// Pinned models and the current one, as clients see them.
    fn protected(&mut self) -> HashSet<String> {
        let repo = self.h.send(json!({"list_repository": true}));
        let mut names: HashSet<String> = repo["models"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["pinned"] == true)
            .map(|m| m["name"].as_str().unwrap().to_string())
            .collect();
        let sys = self.h.send(json!({"system_status": true}));
        for key in ["current_model", "swapping_to"] {
            if let Some(n) = sys[key].as_str() {
                names.insert(n.to_string());
            }
        }
        names
    }

    fn send(&mut self, request: Value) -> Result<Value, TestCaseError> {
        let before = self.h.snapshot();
        let repo_before = self.h.send(json!({"list_repository": true}));
        let events = self.h.events.len();
        let r = self.h.send(request.clone());
        if r["status"] == "error" {
            prop_assert_eq!(
                self.h.snapshot(),
                before,
                "rejected {} changed the state",
                request
            );
            prop_assert_eq!(self.h.send(json!({"list_repository": true})), repo_before);
            prop_assert_eq!(self.h.events.len(), events);
        }
        if let Some(id) = r["job_id"].as_str().filter(|_| r["deduplicated"].is_null()) {
            if r["status"]
                .as_str()
                .is_some_and(|s| s.ends_with("_started"))
            {
                self.job_ids.push(id.to_string());
            }
        }
        Ok(r)
    }

    fn step(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let protected_before = self.protected();
        let mark = self.h.events.len();
        match op {
            Op::Send(r) => {
                let request = self.to_json(r);
                self.send(request)?;
            }
            Op::Plan(r) => {
                let request = self.to_json(r);
                let plan = self.h.send(json!({"plan_load": request.clone()}));
                if request.get("hot_load").is_none()
                    && request.get("load_model").is_none()
                    && request.get("pull_model").is_none()
                {
                    prop_assert_eq!(plan["code"].as_str(), Some("unknown_field"));
                    self.send(request)?;
                } else {
                    let events = self.h.events.len();
                    let r = self.send(request)?;
                    if plan["admitted"] == true {
                        prop_assert!(r["status"] != "error", "planned admitted, got {}", r);
                        prop_assert_eq!(
                            &plan["queue_position"],
                            &r["queue_position"],
                            "{} / {}",
                            plan,
                            r
                        );
                        let evicted: Vec<Value> = self.h.events[events..]
                            .iter()
                            .filter(|e| e["type"] == "model_evicted")
                            .map(|e| e["model_name"].clone())
                            .collect();
                        prop_assert_eq!(plan["evictions"].as_array().unwrap(), &evicted);
                    } else {
                        prop_assert_eq!(&plan["code"], &r["code"], "{} / {}", plan, r);
                    }
                }
            }
            Op::Advance(ms) => self.h.advance(f64::from(*ms)),
        }
        let protected_after = self.protected();
        for e in &self.h.events[mark..] {
            let name = e["model_name"].as_str().unwrap_or_default().to_string();
            match e["type"].as_str() {
                Some("model_evicted" | "model_expired") => prop_assert!(
                    !(protected_before.contains(&name) && protected_after.contains(&name)),
                    "{} was pinned or current: {}",
                    name,
                    e
                ),
                Some("load_queued") => self.queued.push(e["job_id"].as_str().unwrap().to_string()),
                Some("load_dequeued") => self
                    .dequeued
                    .push(e["job_id"].as_str().unwrap().to_string()),
                _ => {}
            }
        }
        self.seen_events = self.h.events.len();
        self.check(matches!(op, Op::Advance(_)))
    }

    fn check(&mut self, settled: bool) -> Result<(), TestCaseError> {
        if let Err(broken) = self.h.engine.check_invariants(self.h.now, settled) {
            return Err(TestCaseError::fail(broken));
        }
        let repo = self.h.send(json!({"list_repository": true}));
        let loaded = repo["models"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|m| m["state"] == "ready" || m["state"] == "loading")
            .count();
        if let Some(max) = self.max_loaded {
            prop_assert!(loaded <= max, "{} loaded, maxLoaded {}", loaded, max);
        }
        let jobs = self.h.send(json!({"list_jobs": true}));
        let mut running = 0;
        for j in jobs["jobs"].as_array().unwrap() {
            let id = j["job_id"].as_str().unwrap().to_string();
            let p = j["progress"].as_f64().unwrap();
            let last = self.progress.insert(id.clone(), p).unwrap_or(0.0);
            prop_assert!(p >= last, "{} progress went down: {} -> {}", id, last, p);
            if j["status"] == "loading" && j["phase"] != "queued" {
                running += 1;
            }
        }
        if let Some(p) = self.parallel {
            prop_assert!(running <= p, "{} running, parallelLoads {}", running, p);
        }
        // First in, first out: what left the queue left it in the order it came.
        let waiting: HashSet<&String> = self.dequeued.iter().collect();
        let left: Vec<&String> = self
            .queued
            .iter()
            .filter(|id| waiting.contains(id))
            .collect();
        let dequeued: Vec<&String> = self.dequeued.iter().collect();
        prop_assert_eq!(left, dequeued);
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 160, ..ProptestConfig::default() })]

    #[test]
    fn residency_rules_hold_after_every_step(
        residency in residency(),
        small in any::<bool>(),
        ops in prop::collection::vec(op(), 1..50),
    ) {
        let mut options = json!({"clock": "manual", "residency": residency.clone()});
        if small {
            options["ramGb"] = json!(8);
            options["swapGb"] = json!(15);
        }
        let mut run = Run {
            h: Harness::with_options(options),
            max_loaded: residency["maxLoaded"].as_u64().map(|m| m as usize),
            parallel: residency["parallelLoads"].as_u64().map(|p| p as usize),
            job_ids: Vec::new(),
            progress: HashMap::new(),
            queued: Vec::new(),
            dequeued: Vec::new(),
            seen_events: 0,
        };
        for op in &ops {
            run.step(op)?;
        }
        run.h.advance(1e7);
        run.check(true)?;
    }
}
