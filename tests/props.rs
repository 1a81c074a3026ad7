//! Property tests: random request sequences on a fake clock, with the engine's
//! invariants checked after every step.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::Harness;
use proptest::prelude::*;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

const NAMES: [&str; 8] = [
    "a",
    "b",
    "c",
    "d",
    "gpt2-small",
    "llama-7b",
    "gpt-j-6b",
    "bert-large",
];
const CAPS: [&str; 4] = [
    "text-generation",
    "chat",
    "embeddings",
    "text-classification",
];

#[derive(Debug, Clone)]
enum Op {
    HotLoad {
        name: usize,
        size_tenths: u32,
        swap: bool,
        caps: Vec<usize>,
        fail_at: Option<f64>,
    },
    Status(usize),
    Cancel(usize),
    Unload(usize),
    Select(usize),
    SelectByNeed {
        caps: Vec<usize>,
        priority: usize,
    },
    Advance(u32),
    Garbage(String),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0..NAMES.len(), 1u32..80, any::<bool>(), prop::collection::vec(0..CAPS.len(), 1..3),
              prop::option::weighted(0.3, 0.0f64..=1.0))
            .prop_map(|(name, size_tenths, swap, caps, fail_at)| Op::HotLoad { name, size_tenths, swap, caps, fail_at }),
        2 => (0usize..20).prop_map(Op::Status),
        2 => (0usize..20).prop_map(Op::Cancel),
        1 => (0..NAMES.len()).prop_map(Op::Unload),
        2 => (0..NAMES.len()).prop_map(Op::Select),
        1 => (prop::collection::vec(0..CAPS.len(), 1..3), 0usize..3)
            .prop_map(|(caps, priority)| Op::SelectByNeed { caps, priority }),
        4 => (0u32..6000).prop_map(Op::Advance),
        1 => "\\PC{0,40}".prop_map(Op::Garbage),
    ]
}

/// Capability indices as distinct tags.
fn tags(indices: &[usize]) -> Vec<&'static str> {
    let distinct: HashSet<&str> = indices.iter().map(|&c| CAPS[c]).collect();
    distinct.into_iter().collect()
}

struct Model {
    h: Harness,
    job_ids: Vec<String>,
    last_progress: HashMap<String, f64>,
}

impl Model {
    fn job(&self, i: usize) -> String {
        if self.job_ids.is_empty() {
            return String::from("load_none_0");
        }
        self.job_ids[i % self.job_ids.len()].clone()
    }

    fn apply(&mut self, op: &Op) -> Result<(), TestCaseError> {
        let request = match op {
            Op::HotLoad {
                name,
                size_tenths,
                swap,
                caps,
                fail_at,
            } => {
                let caps = tags(caps);
                let mut r = json!({"hot_load": {"model_name": NAMES[*name], "model_config": {
                    "size_gb": f64::from(*size_tenths) / 10.0, "tier": if *swap { "swap" } else { "ram" }, "capabilities": caps}}});
                if let Some(p) = fail_at {
                    r["hot_load"]["simulate"] = json!({"fail_at_progress": p});
                }
                r
            }
            Op::Status(i) => json!({"load_status": self.job(*i)}),
            Op::Cancel(i) => json!({"cancel_load": self.job(*i)}),
            Op::Unload(i) => json!({"unload_model": NAMES[*i]}),
            Op::Select(i) => json!({"model": NAMES[*i]}),
            Op::SelectByNeed { caps, priority } => {
                let caps = tags(caps);
                let priority = ["speed", "quality", "balanced"][*priority];
                json!({"capabilities": caps, "priority": priority})
            }
            Op::Advance(ms) => {
                self.h.advance(f64::from(*ms));
                return self.check(true);
            }
            Op::Garbage(text) => {
                let before = self.h.snapshot();
                let r = self.h.send_text(text);
                if r["status"] == "error" {
                    prop_assert_eq!(self.h.snapshot(), before);
                }
                return self.check(false);
            }
        };
        let before = self.h.snapshot();
        let events_before = self.h.events.len();
        let response = self.h.send(request);
        if response["status"] == "error" {
            prop_assert_eq!(
                self.h.snapshot(),
                before,
                "a rejected request changed the state: {}",
                response
            );
            prop_assert_eq!(self.h.events.len(), events_before);
        }
        if let Some(id) = response["job_id"]
            .as_str()
            .filter(|_| response["status"] == "hot_load_started")
        {
            self.job_ids.push(id.to_string());
        }
        self.check(false)
    }

    fn check(&mut self, after_advance: bool) -> Result<(), TestCaseError> {
        if let Err(broken) = self.h.engine.check_invariants(self.h.now, after_advance) {
            return Err(TestCaseError::fail(broken));
        }
        // Progress never goes down.
        let jobs = self.h.send(json!({"list_jobs": true}));
        let mut loading = 0;
        for j in jobs["jobs"].as_array().into_iter().flatten() {
            let id = j["job_id"].as_str().unwrap_or_default().to_string();
            let p = j["progress"].as_f64().unwrap_or(-1.0);
            prop_assert!((0.0..=1.0).contains(&p), "progress {} out of range", p);
            let last = self.last_progress.insert(id.clone(), p).unwrap_or(0.0);
            prop_assert!(p >= last, "{} progress went down: {} -> {}", id, last, p);
            if j["status"] == "loading" {
                loading += 1;
            }
        }
        // active_hot_loads counts the loading jobs.
        let listed: Value = self.h.send(json!({"list_models": true}));
        prop_assert_eq!(listed["active_hot_loads"].as_u64(), Some(loading));
        Ok(())
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 192, ..ProptestConfig::default() })]

    #[test]
    fn invariants_hold_after_every_step(ops in prop::collection::vec(op(), 1..60), small in any::<bool>()) {
        let options = if small {
            json!({"clock": "manual", "ramGb": 8, "swapGb": 15})
        } else {
            json!({"clock": "manual"})
        };
        let mut m = Model { h: Harness::with_options(options), job_ids: vec![], last_progress: HashMap::new() };
        for op in &ops {
            m.apply(op)?;
        }
        // Drained, every job has ended.
        m.h.advance(1e6);
        prop_assert_eq!(m.h.engine.jobs().filter(|j| j.is_loading()).count(), 0);
        prop_assert_eq!(m.h.engine.poll_timeout(), None);
    }
}

/// A JSON object as text, its members drawn from few keys so that some
/// objects repeat one; nested objects and arrays repeat them too. Returns the
/// text and whether any object in it has a key twice.
fn object_text(depth: u32) -> BoxedStrategy<(String, bool)> {
    let key = prop::sample::select(vec!["a", "b", "model", "\\u0061", "request_id"]);
    let leaf = prop::sample::select(vec!["1", "\"x\"", "true", "null", "[]", "-0.5"])
        .prop_map(|v| (v.to_string(), false));
    let value = if depth == 0 {
        leaf.boxed()
    } else {
        prop_oneof![
            3 => leaf,
            1 => object_text(depth - 1),
            1 => object_text(depth - 1).prop_map(|(t, d)| (format!("[1, {t}]"), d)),
        ]
        .boxed()
    };
    prop::collection::vec((key, value), 0..4)
        .prop_map(|members| {
            let mut seen = std::collections::HashSet::new();
            let mut duplicate = false;
            let mut parts = Vec::new();
            for (key, (value, inner)) in members {
                // "\u0061" is the key "a" spelled with an escape.
                duplicate |= !seen.insert(key.replace("\\u0061", "a")) || inner;
                parts.push(format!("\"{key}\": {value}"));
            }
            (format!("{{{}}}", parts.join(", ")), duplicate)
        })
        .boxed()
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(2000))]

    /// The reader refuses a key given twice in one object, at any depth, and
    /// otherwise reads exactly what serde_json reads.
    #[test]
    fn duplicate_keys_are_refused_at_any_level((text, duplicate) in object_text(3)) {
        use model_hotload::validate::{parse_json, JsonFault};
        let lenient: serde_json::Value = serde_json::from_str(&text).expect("valid JSON");
        match parse_json(&text) {
            Ok(value) => {
                prop_assert!(!duplicate, "{text}: a duplicate was let through");
                prop_assert_eq!(value, lenient);
            }
            Err(JsonFault::DuplicateKey(_)) => prop_assert!(duplicate, "{text}: refused without a duplicate"),
            Err(e) => prop_assert!(false, "{text}: {e}"),
        }
    }
}
