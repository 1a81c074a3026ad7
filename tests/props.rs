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

/// Pieces of request text, near the shapes `parse_simple` takes and just off them.
const PIECES: [&str; 30] = [
    "{",
    "}",
    "\"",
    ":",
    " ",
    "\t",
    "\n",
    "\r",
    "\u{a0}",
    "\\",
    "\\\"",
    "\\u0041",
    "\u{1}",
    ",",
    "true",
    "tru",
    "false",
    "1",
    "null",
    "[\"x\"]",
    "load_status",
    "cancel_load",
    "model",
    "unload_model",
    "list_models",
    "metrics",
    "request_id",
    "load_a_0",
    "é",
    "\u{7f}",
];

fn simple_shaped() -> impl Strategy<Value = String> {
    let ws = prop::sample::select(vec!["", " ", "\t", "\n ", "\r\n", "\u{a0}", "\u{b}"]);
    let key = prop::sample::select(vec![
        "load_status",
        "cancel_load",
        "unload_model",
        "model",
        "list_models",
        "list_jobs",
        "metrics",
        "system_status",
        "request_id",
        "load_status\\u0020",
        "",
    ]);
    let value = prop::sample::select(vec![
        "\"load_a_0\"",
        "\"\"",
        "\"a\\\"b\"",
        "\"tab\there\"",
        "\"ünï €\"",
        "\"a\\nb\"",
        "true",
        "True",
        "truex",
        "false",
        "1",
        "\"x\"}",
        "\"x\",\"model\":\"y\"",
    ]);
    let id = prop::sample::select(vec![
        "",
        ",\"request_id\":\"r-1\"",
        ", \"request_id\" : 42",
        ",\"request_id\":-7",
        ",\"request_id\":0",
        ",\"request_id\":-0",
        ",\"request_id\":007",
        ",\"request_id\":1.5",
        ",\"request_id\":1e2",
        ",\"request_id\":123456789012345",
        ",\"request_id\":1234567890123456789",
        ",\"request_id\":true",
        ",\"request_id\":null",
        ",\"request_id\":\"a\\\"b\"",
        ",\"load_status\":\"again\"",
        ",",
    ]);
    (
        (
            ws.clone(),
            key,
            ws.clone(),
            ws.clone(),
            value,
            ws.clone(),
            ws,
        ),
        (id, prop::bool::ANY),
    )
        .prop_map(
            |((a, k, b, c, v, d, e), (id, id_first))| match id.strip_prefix(',') {
                // the id member first: {"request_id": …, "<key>": …}
                Some(member) if id_first && !member.is_empty() => {
                    format!("{a}{{{member},{b}\"{k}\"{c}:{d}{v}{e}}}")
                }
                _ => format!("{a}{{{b}\"{k}\"{c}:{d}{v}{id}{e}}}"),
            },
        )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4000))]

    /// Whatever the fast reader of request text accepts, the general path
    /// (JSON value, then the validator) reads as the same request.
    #[test]
    fn the_fast_request_reader_agrees_with_the_general_path(
        text in prop_oneof![
            simple_shaped(),
            prop::collection::vec(prop::sample::select(PIECES.to_vec()), 0..12)
                .prop_map(|pieces| pieces.concat()),
        ]
    ) {
        use model_hotload::validate::{parse_simple, parse_text_general};
        if let Some(request) = parse_simple(&text) {
            let general = parse_text_general(&text);
            prop_assert!(
                matches!(&general, Ok(r) if *r == request),
                "{text:?}: fast {request:?}, general {general:?}"
            );
        }
    }
}

#[test]
fn the_fast_request_reader_takes_the_common_shapes() {
    use model_hotload::protocol::{Command, RequestId};
    use model_hotload::validate::parse_simple;
    let command = |text: &str| parse_simple(text).map(|r| (r.command, r.id));
    assert_eq!(
        command(r#"{"load_status":"load_m_1700000000"}"#),
        Some((Command::LoadStatus("load_m_1700000000".into()), None))
    );
    assert_eq!(
        command(" {\n \"list_models\" : true } "),
        Some((Command::ListModels, None))
    );
    assert_eq!(
        command(r#"{"request_id": -12, "metrics": true}"#),
        Some((Command::Metrics, Some(RequestId::Number(-12.0))))
    );
    for general in [
        r#"{"load_status":"a\"b"}"#,
        r#"{"load_status":"x","request_id":1.5}"#,
        r#"{"load_status":"x","request_id":-0}"#,
        r#"{"load_status":"x","request_id":01}"#,
        r#"{"load_status":"x","request_id":1e3}"#,
        r#"{"load_status":"x","load_status":"y"}"#,
        r#"{"list_models":false}"#,
        "\u{a0}{\"metrics\":true}",
    ] {
        assert_eq!(parse_simple(general), None, "{general}");
    }
}
