//! The seed's own examples (seed/hot-model-loading-api.md), as the seed shows them.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::{hot_load, Harness};
use serde_json::json;

fn at_1234567890() -> Harness {
    Harness::with_options(json!({"clock": "manual", "startTime": 1_234_567_890_000u64}))
}

#[test]
fn start_hot_loading_answers_as_the_seed_shows() {
    let mut h = at_1234567890();
    let r = h.send(hot_load(
        "my-custom-model",
        2.5,
        "ram",
        &["text-generation", "chat"],
    ));
    assert_eq!(r["status"], "hot_load_started");
    assert_eq!(r["job_id"], "load_my-custom-model_1234567890");
    assert_eq!(r["model_name"], "my-custom-model");
    assert_eq!(r["estimated_time"], "3.8s");
    assert_eq!(r["estimated_seconds"], 3.75);
}

#[test]
fn check_loading_status_has_the_seeds_fields() {
    let mut h = at_1234567890();
    h.send(hot_load(
        "my-custom-model",
        2.5,
        "ram",
        &["text-generation", "chat"],
    ));
    h.advance(2100.0);
    let s = h.send(json!({"load_status": "load_my-custom-model_1234567890"}));
    assert_eq!(s["job_id"], "load_my-custom-model_1234567890");
    assert_eq!(s["model_name"], "my-custom-model");
    assert_eq!(s["status"], "loading");
    assert_eq!(s["progress"], 0.5); // 0.2 + 0.5 × 2.1/3.5
    assert_eq!(s["elapsed_time"], 2.1);
    assert_eq!(s["error"], json!(null));
    let unknown = h.send(json!({"load_status": "load_nothing_0"}));
    assert_eq!(
        unknown,
        json!({"status": "error", "code": "job_not_found", "reason": "Job ID not found"})
    );
}

#[test]
fn list_all_models_shows_seven_after_the_load() {
    let mut h = at_1234567890();
    h.send(hot_load(
        "my-custom-model",
        2.5,
        "ram",
        &["text-generation", "chat"],
    ));
    h.advance(3750.0);
    let l = h.send(json!({"list_models": true}));
    assert_eq!(l["status"], "success");
    assert_eq!(l["total_models"], 7);
    assert_eq!(l["active_hot_loads"], 0);
    assert_eq!(
        l["models"]["gpt2-small"],
        json!({"size_gb": 0.5, "tier": "ram", "capabilities": ["text-generation"]})
    );
    assert_eq!(
        l["models"]["my-custom-model"],
        json!({"size_gb": 2.5, "tier": "ram", "capabilities": ["text-generation", "chat"]})
    );
    let names: Vec<&String> = l["models"].as_object().unwrap().keys().collect();
    assert_eq!(names.last().map(|s| s.as_str()), Some("my-custom-model"));
}

#[test]
fn load_a_chat_model_poll_until_done_then_use_it() {
    let mut h = Harness::new();
    let r = h.send(hot_load(
        "chat-assistant",
        1.2,
        "ram",
        &["text-generation", "chat"],
    ));
    let job_id = r["job_id"].as_str().unwrap().to_string();
    let mut polls = 0;
    let status = loop {
        let s = h.send(json!({ "load_status": job_id }));
        if s["status"] == "success" || s["status"] == "failed" {
            break s;
        }
        polls += 1;
        assert!(polls < 100, "the loop must end");
        h.advance(500.0); // asyncio.sleep(0.5)
    };
    assert_eq!(status["status"], "success");
    assert_eq!(status["progress"], 1.0);
    assert_eq!(polls, 4); // 1.2 GB ram: 1.8 s
    let used = h.send_and_wait(json!({"model": "chat-assistant"}));
    assert_eq!(used["status"], "success");
    assert_eq!(used["model"], "chat-assistant");
    assert_eq!(used["swap_executed"], false);
}

#[test]
fn load_with_quality_priority() {
    let mut h = Harness::new();
    let r = h.send(hot_load(
        "high-quality-model",
        6.5,
        "swap",
        &["text-generation", "high-quality"],
    ));
    assert_eq!(r["status"], "hot_load_started");
    assert_eq!(r["estimated_time"], "12.4s"); // 6.5 × (1.4 + 0.5)
    h.advance(12_350.0);
    let q = h.send_and_wait(json!({"capabilities": ["text-generation"], "priority": "quality"}));
    assert_eq!(q["model"], "llama-7b"); // 0.2 × 7.0 beats 0.2 × 6.5
    let hq = h.send_and_wait(json!({"capabilities": ["high-quality"], "priority": "quality"}));
    assert_eq!(hq["model"], "high-quality-model");
    assert_eq!(hq["swap_executed"], true);
}
