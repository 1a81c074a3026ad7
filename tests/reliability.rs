//! Long sessions, saved state and hostile text, on the pure engine.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::{code, hot_load, Harness};
use model_hotload::config::parse_options;
use model_hotload::engine::Engine;
use model_hotload::history::{REMEMBER_PRUNED, RETAIN_FINISHED};
use model_hotload::persist::Snapshot;
use serde_json::{json, Value};
use std::collections::HashSet;

fn cycle(h: &mut Harness, name: &str) -> String {
    let id = h.send(hot_load(name, 0.5, "ram", &["chat"]))["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    assert_eq!(h.send(json!({ "cancel_load": id }))["status"], "success");
    id
}

#[test]
fn finished_jobs_are_retained_up_to_the_limit_and_pruned_ones_say_so() {
    let mut h = Harness::new();
    let mut ids = Vec::new();
    for i in 0..RETAIN_FINISHED + 200 {
        if i % 100 == 0 {
            h.advance(1000.0);
        }
        ids.push(cycle(&mut h, "m"));
    }
    let jobs = h.send(json!({"list_jobs": true}));
    assert_eq!(jobs["jobs"].as_array().unwrap().len(), RETAIN_FINISHED);
    assert_eq!(jobs["jobs"][0]["job_id"], json!(ids[200]));
    let gone = h.send(json!({"load_status": ids[0]}));
    assert_eq!(code(&gone), "job_not_found");
    assert!(
        gone["reason"].as_str().unwrap().contains("pruned"),
        "{gone}"
    );
    assert_eq!(
        h.send(json!({"load_status": "load_never_0"}))["reason"],
        "Job ID not found"
    );
    assert_eq!(
        code(&h.send(json!({"cancel_load": ids[0]}))),
        "job_not_found"
    );
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(unique.len(), ids.len());
}

#[test]
fn ids_never_repeat_across_pruning_even_where_names_end_in_digits() {
    // At second 0, "load_x_0_2" is both x's second job and the first job of a model named "x_0" at second 2.
    let mut h = Harness::new();
    let first = cycle(&mut h, "x");
    let second = cycle(&mut h, "x");
    assert_eq!(
        (first.as_str(), second.as_str()),
        ("load_x_0", "load_x_0_2")
    );
    for i in 0..RETAIN_FINISHED + 10 {
        cycle(&mut h, &format!("filler-{i}"));
    }
    assert_eq!(
        code(&h.send(json!({"load_status": "load_x_0_2"}))),
        "job_not_found"
    );
    h.advance(2000.0);
    let third = cycle(&mut h, "x_0");
    assert_eq!(third, "load_x_0_2_2", "the pruned id is not minted again");
}

#[test]
fn memory_structures_stay_bounded_over_long_sessions() {
    let mut h =
        Harness::with_options(json!({"clock": "manual", "startTime": 1_795_000_000_000u64}));
    for i in 0..30_000 {
        if i % 500 == 0 {
            h.advance(1000.0);
        }
        cycle(&mut h, "m");
    }
    let snapshot = h.engine.snapshot(h.now);
    assert_eq!(snapshot.jobs.len(), RETAIN_FINISHED);
    assert_eq!(snapshot.retained_finished.len(), RETAIN_FINISHED);
    assert_eq!(snapshot.pruned_hashes.len(), REMEMBER_PRUNED);
    assert!(
        snapshot.spent_ids.is_empty(),
        "ids of past seconds cannot recur: {}",
        snapshot.spent_ids.len()
    );
    assert_eq!(
        h.send(json!({"metrics": true}))["loads"]["cancelled"],
        30_000
    );
}

fn busy_harness() -> Harness {
    let mut h = Harness::with_options(json!({"clock": "manual", "startTime": 1_000_000}));
    h.send(hot_load("done", 1.0, "ram", &["chat"]));
    h.advance(2000.0);
    h.send_and_wait(json!({"model": "gpt2-small"}));
    h.send(hot_load("loading", 6.0, "swap", &["text-generation"]));
    let mut failing = hot_load("failing", 1.0, "ram", &["chat"]);
    failing["hot_load"]["simulate"] = json!({"fail_at_progress": 0.9, "error": "bad disk"});
    h.send(failing);
    h.send(json!({"model": "llama-7b"})); // a swap in progress
    h.advance(500.0);
    h
}

fn observe(h: &mut Harness) -> Value {
    let mut all = h.snapshot();
    all[3]["selections"] = json!(null); // measured times
    all
}

#[test]
fn a_snapshot_round_trips_through_json() {
    let mut h = busy_harness();
    let saved = h.engine.snapshot(h.now);
    let text = saved.to_json();
    let config = parse_options(&json!({"clock": "manual"})).unwrap();
    let restored = Engine::restore(
        &config,
        Snapshot::from_json(&text).unwrap(),
        Box::new(|| 0.0),
    )
    .unwrap();
    assert_eq!(restored.snapshot(h.now), saved);
    let before = observe(&mut h);
    h.engine = restored;
    assert_eq!(observe(&mut h), before);
}

#[test]
fn restored_loads_resume_and_overdue_ones_end_at_their_own_deadlines() {
    let mut h = busy_harness();
    let saved = h.engine.snapshot(h.now).to_json();
    let config = parse_options(&json!({"clock": "manual"})).unwrap();
    h.engine = Engine::restore(
        &config,
        Snapshot::from_json(&saved).unwrap(),
        Box::new(|| 0.0),
    )
    .unwrap();
    let jobs = h.send(json!({"list_jobs": true}));
    let loading: Vec<&Value> = jobs["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|j| j["status"] == "loading")
        .collect();
    assert_eq!(loading.len(), 2);
    // "closed" for a minute: everything due meanwhile ends at its own deadline
    h.advance(60_000.0);
    let times: Vec<(String, f64)> = h
        .events
        .iter()
        .filter(|e| e["type"] != "load_started")
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_string(),
                e["time"].as_f64().unwrap(),
            )
        })
        .collect();
    assert!(
        times.contains(&("load_failed".into(), 1_000_000.0 + 2000.0 + 1500.0)),
        "{times:?}"
    );
    assert!(
        times.contains(&("load_succeeded".into(), 1_000_000.0 + 2000.0 + 11_400.0)),
        "{times:?}"
    );
    assert_eq!(
        h.send(json!({"system_status": true}))["current_model"],
        "llama-7b"
    );
}

/// A state saved before the repository (version 1: no repository, no job
/// kinds) restores: its library is the repository, its jobs are hot loads.
#[test]
fn a_version_1_saved_state_still_restores() {
    let mut h = busy_harness();
    h.send(json!({"pull_model": "qwen2.5:0.5b"})); // v1 had no pulls: cancel it again
    let pull = h.send(json!({"list_repository": true}))["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "qwen2.5:0.5b")
        .map(|m| m["job_id"].clone())
        .unwrap();
    h.send(json!({"cancel_load": pull}));
    let mut saved: Value = serde_json::from_str(&h.engine.snapshot(h.now).to_json()).unwrap();
    saved["version"] = json!(1);
    saved.as_object_mut().unwrap().remove("repository");
    for job in saved["jobs"].as_array_mut().unwrap() {
        job.as_object_mut().unwrap().remove("kind");
    }
    // The cancelled pull's id is not an id of a v1 job: v1 had only loads.
    saved["jobs"]
        .as_array_mut()
        .unwrap()
        .retain(|j| !j["id"].as_str().unwrap().starts_with("pull_"));
    let config = parse_options(&json!({"clock": "manual"})).unwrap();
    let snapshot = Snapshot::from_json(&saved.to_string()).unwrap();
    let engine = Engine::restore(&config, snapshot, Box::new(|| 0.0)).unwrap();
    let mut restored = Harness::with_options(json!({"clock": "manual", "startTime": 1_000_000}));
    restored.engine = engine;
    restored.now = h.now;
    assert_eq!(observe(&mut restored)[0], observe(&mut h)[0], "the library");
    let repository = restored.send(json!({"list_repository": true}));
    let states: Vec<(String, String)> = repository["models"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            (
                m["name"].as_str().unwrap().into(),
                m["state"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert!(
        states.contains(&("done".into(), "ready".into())),
        "{states:?}"
    );
    assert!(
        states.contains(&("loading".into(), "loading".into())),
        "{states:?}"
    );
    assert!(
        !states.iter().any(|(n, _)| n == "qwen2.5:0.5b"),
        "{states:?}"
    );
    // The loads go on to their end.
    restored.advance(60_000.0);
    assert!(restored.send(json!({"list_models": true}))["models"]
        .get("loading")
        .is_some());
}

#[test]
fn unusable_saved_state_is_refused_with_a_reason() {
    let h = busy_harness();
    let good = h.engine.snapshot(h.now).to_json();
    let config = parse_options(&json!({"clock": "manual"})).unwrap();
    let refuse = |text: &str| {
        Snapshot::from_json(text)
            .and_then(|s| Engine::restore(&config, s, Box::new(|| 0.0)).map(|_| ()))
    };
    assert!(refuse(&good).is_ok());
    assert!(refuse(&good[..good.len() / 2])
        .unwrap_err()
        .contains("unreadable"));
    assert!(refuse("not json at all")
        .unwrap_err()
        .contains("unreadable"));
    assert!(refuse(&good.replace("\"version\":2", "\"version\":99"))
        .unwrap_err()
        .contains("incompatible"));
    assert!(refuse(r#"{"format":"something-else","version":1}"#)
        .unwrap_err()
        .contains("incompatible"));
    // consistent JSON, inconsistent state: a model both listed and loading
    let mut snapshot: Value = serde_json::from_str(&good).unwrap();
    snapshot["library"].as_array_mut().unwrap().push(
        json!(["loading", {"size_gb": 6.0f64.to_bits(), "tier": "swap", "capabilities": ["x"]}]),
    );
    assert!(refuse(&snapshot.to_string())
        .unwrap_err()
        .contains("inconsistent"));
    // state that no longer fits a smaller capacity
    let small = parse_options(&json!({"clock": "manual", "swapGb": 15})).unwrap();
    assert!(Engine::restore(
        &small,
        Snapshot::from_json(&good).unwrap(),
        Box::new(|| 0.0)
    )
    .is_err());
}

#[test]
fn the_revision_moves_only_when_the_state_does() {
    let mut h = Harness::new();
    let r0 = h.engine.revision();
    let id = h.send(hot_load("m", 1.0, "ram", &["chat"]))["job_id"].clone();
    let r1 = h.engine.revision();
    assert!(r1 > r0);
    h.send(json!({"load_status": id}));
    h.send(json!({"list_models": true}));
    h.send(hot_load("m", 1.0, "ram", &["chat"])); // rejected: duplicate
    assert_eq!(h.engine.revision(), r1);
    h.advance(2000.0);
    assert!(h.engine.revision() > r1);
}

#[test]
fn reasons_never_carry_characters_that_reorder_or_hide_text() {
    let mut h = Harness::new();
    for hostile in [
        "evil\u{202E}txt.exe",
        "a\u{2066}b",
        "zero\u{200B}width",
        "new\nline",
        "\u{FEFF}bom",
    ] {
        let r = h.send(json!({"model": hostile}));
        let reason = r["reason"].as_str().unwrap();
        assert!(
            !reason.chars().any(model_hotload::text::is_unsafe_char),
            "{reason:?}"
        );
    }
    let mut r = hot_load("m", 1.0, "ram", &["chat"]);
    r["hot_load"]["simulate"] = json!({"fail_at_progress": 0.1, "error": "fail\u{202E}ure"});
    let id = h.send(r)["job_id"].clone();
    h.advance(0.0);
    assert_eq!(
        h.send(json!({"load_status": id}))["error"],
        "fail\\u202eure"
    );
}

#[test]
fn lone_surrogate_escapes_read_as_replacement_characters() {
    let mut h = Harness::new();
    let r = h.send_text(r#"{"load_status": "load_\ud800_0"}"#);
    assert_eq!(code(&r), "job_not_found");
    let r = h.send_text(r#"{"hot_load": {"model_name": "bad\udc00", "model_config": {}}}"#);
    assert_eq!(code(&r), "invalid_model_name");
}

#[test]
fn tampered_saved_state_is_held_to_the_rules_of_input() {
    let mut h = Harness::new();
    let mut failing = hot_load("m", 1.0, "ram", &["chat"]);
    failing["hot_load"]["simulate"] = json!({"fail_at_progress": 0.5});
    h.send(failing);
    let good: Value = serde_json::from_str(&h.engine.snapshot(h.now).to_json()).unwrap();
    let config = parse_options(&json!({"clock": "manual"})).unwrap();
    let read = |v: &Value| {
        Snapshot::from_json(&v.to_string())
            .and_then(|s| Engine::restore(&config, s, Box::new(|| 0.0)))
    };
    assert!(read(&good).is_ok());
    let tamper = |edit: &dyn Fn(&mut Value)| {
        let mut v = good.clone();
        edit(&mut v);
        read(&v).err().unwrap_or_default()
    };
    let markup_tag = tamper(&|v| v["library"][0][1]["capabilities"] = json!(["<script>"]));
    assert!(markup_tag.contains("invalid"), "{markup_tag}");
    let huge_job = tamper(&|v| v["jobs"][0]["spec"]["size_gb"] = json!(50.0f64.to_bits()));
    assert!(huge_job.contains("invalid"), "{huge_job}");
    let bad_name = tamper(&|v| v["library"][0][0] = json!("<b>x</b>"));
    assert!(bad_name.contains("invalid"), "{bad_name}");
    let foreign_id = tamper(&|v| v["jobs"][0]["id"] = json!("load_other_0"));
    assert!(foreign_id.contains("not an id"), "{foreign_id}");
    // saved error text is neutralised like a new one
    let mut v = good.clone();
    v["jobs"][0]["fail"]["error"] = json!("disk\u{202E}fire");
    let restored = read(&v).unwrap();
    let job = restored.jobs().next().unwrap();
    assert_eq!(
        job.fail.as_ref().map(|f| f.error.as_str()),
        Some("disk\\u202efire")
    );
}
