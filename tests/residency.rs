//! Residency (SPEC §5.4) on a fake clock: keep-alive expiry, LRU eviction,
//! maxLoaded, the load queue. Each test is named after the rule it checks.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{code, hot_load, Harness};
use serde_json::{json, Value};

fn server(residency: Value, extra: Value) -> Harness {
    let mut options = json!({"clock": "manual", "catalog": "empty", "residency": residency});
    for (k, v) in extra.as_object().unwrap() {
        options[k] = v.clone();
    }
    Harness::with_options(options)
}

fn ram(name: &str, gb: f64) -> Value {
    hot_load(name, gb, "ram", &["chat"])
}

fn with_keep_alive(mut request: Value, seconds: f64) -> Value {
    request["hot_load"]["keep_alive"] = json!(seconds);
    request
}

fn listed(h: &mut Harness) -> Vec<String> {
    let r = h.send(json!({"list_models": true}));
    r["models"].as_object().unwrap().keys().cloned().collect()
}

fn state(h: &mut Harness, name: &str) -> String {
    let r = h.send(json!({"list_repository": true}));
    r["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == name)
        .map_or("unknown".into(), |m| m["state"].as_str().unwrap().into())
}

fn events_of(h: &Harness, kind: &str) -> Vec<Value> {
    h.events
        .iter()
        .filter(|e| e["type"] == kind)
        .cloned()
        .collect()
}

#[test]
fn an_idle_model_expires_at_last_used_plus_keep_alive() {
    let mut h = server(json!({}), json!({}));
    h.send(with_keep_alive(ram("a", 1.0), 10.0)); // ready at 1.5 s
    h.advance(1500.0);
    let r = h.send(json!({"list_repository": true}));
    assert_eq!(r["models"][0]["keep_alive"], 10.0);
    assert_eq!(r["models"][0]["expires_at"], 11_500.0);
    h.advance(9_999.0);
    assert_eq!(listed(&mut h), ["a"]);
    h.advance(1.0);
    assert_eq!(listed(&mut h), Vec::<String>::new());
    assert_eq!(state(&mut h, "a"), "available");
    let expired = events_of(&h, "model_expired");
    assert_eq!(
        expired,
        [
            json!({"type": "model_expired", "time": 11_500.0, "model_name": "a", "tier": "ram", "freed_gb": 1.0})
        ]
    );
    assert_eq!(h.send(json!({"metrics": true}))["expirations"], 1);
}

#[test]
fn keep_alive_defaults_to_the_option_and_minus_one_never_expires() {
    let mut h = server(json!({"keepAlive": 5}), json!({}));
    h.send(ram("a", 1.0));
    h.send(with_keep_alive(ram("b", 1.0), -3.0));
    h.advance(1500.0 + 5000.0);
    assert_eq!(listed(&mut h), ["b"]);
    let r = h.send(json!({"list_repository": true}));
    assert_eq!(r["models"][1]["keep_alive"], -1.0);
    assert_eq!(r["models"][1]["expires_at"], Value::Null);
}

#[test]
fn a_current_model_does_not_expire_until_a_swap_away_from_it_finishes() {
    let mut h = server(json!({"keepAlive": 5}), json!({}));
    h.send(ram("a", 1.0));
    h.send(ram("b", 2.0)); // ready at 3 s
    h.advance(1500.0);
    h.send(json!({"model": "a"})); // current at 1.5 s: not idle
    h.advance(10_000.0); // a's keep-alive ran out at 6.5 s, b's at 8 s
    assert!(listed(&mut h).contains(&"a".to_string()));
    assert!(
        !listed(&mut h).contains(&"b".to_string()),
        "b was idle and expired"
    );
    // Swap to b (reload it first): a expires when the swap away from it ends.
    h.send(json!({"load_model": "b"}));
    h.advance(200.0);
    h.send(json!({"model": "b"})); // a swap of 0.2 s
    let at = h.now;
    h.advance(1_000.0);
    let expired = events_of(&h, "model_expired");
    let a = expired.iter().find(|e| e["model_name"] == "a").unwrap();
    assert_eq!(a["time"], at + 200.0, "at the end of the swap away from a");
    assert!(
        listed(&mut h).contains(&"b".to_string()),
        "b is current now"
    );
}

#[test]
fn a_pinned_model_never_expires_and_expires_when_unpinned() {
    let mut h = server(json!({"keepAlive": 1}), json!({}));
    h.send(ram("a", 1.0));
    h.send(json!({"pin_model": "a"}));
    h.advance(60_000.0);
    assert_eq!(listed(&mut h), ["a"]);
    h.send(json!({"unpin_model": "a"}));
    h.advance(0.0);
    assert_eq!(
        listed(&mut h),
        Vec::<String>::new(),
        "overdue: expires at once"
    );
}

#[test]
fn eviction_takes_the_least_recently_used_idle_model_first_ties_in_repository_order() {
    // ram 10 GB: safe limit 0.7 x free.
    let mut h = server(json!({"evict": "lru"}), json!({"ramGb": 10}));
    for name in ["a", "b", "c"] {
        h.send(ram(name, 2.0));
    }
    h.advance(5_000.0); // all ready at the same instant: ties in repository order
    h.send(json!({"model": "c"}));
    h.send(json!({"model": "b"})); // a swap; b is the target
    h.advance(5_000.0);
    h.send(json!({"model": "c"})); // c current again, b used at 5 s
    h.advance(5_000.0);
    // free 4 GB, limit 2.8: a 3 GB load must evict one idle model: a (never selected).
    let r = h.send(ram("d", 3.0));
    assert_eq!(r["status"], "hot_load_started", "{r}");
    let evicted = events_of(&h, "model_evicted");
    assert_eq!(evicted.len(), 1);
    assert_eq!(evicted[0]["model_name"], "a");
    assert_eq!(evicted[0]["reason"], "capacity");
    assert_eq!(evicted[0]["job_id"], r["job_id"]);
    assert_eq!(evicted[0]["freed_gb"], 2.0);
    assert_eq!(state(&mut h, "a"), "available");
}

#[test]
fn pinned_current_and_swapping_models_are_never_evicted() {
    let mut h = server(json!({"evict": "lru"}), json!({"ramGb": 10}));
    for name in ["a", "b", "c"] {
        h.send(ram(name, 2.0));
    }
    h.advance(5_000.0);
    h.send(json!({"pin_model": "a"}));
    h.send(json!({"model": "b"})); // current
    h.send(json!({"model": "c"})); // a swap b -> c queued: both involved
    let r = h.send(ram("d", 3.0));
    assert_eq!(code(&r), "insufficient_capacity", "{r}");
    assert!(events_of(&h, "model_evicted").is_empty());
}

#[test]
fn without_eviction_a_load_that_does_not_fit_is_refused() {
    let mut h = server(json!({}), json!({"ramGb": 10}));
    for name in ["a", "b", "c"] {
        h.send(ram(name, 2.0));
    }
    h.advance(5_000.0);
    assert_eq!(code(&h.send(ram("d", 3.0))), "insufficient_capacity");
}

#[test]
fn insufficient_capacity_after_eviction_gives_the_limit_with_every_idle_model_gone() {
    let mut h = server(json!({"evict": "lru"}), json!({"ramGb": 5}));
    h.send(ram("a", 1.0));
    h.send(ram("b", 2.0));
    h.advance(5_000.0);
    h.send(json!({"pin_model": "b"}));
    // Evicting a frees 1 GB: free 3, limit 2.1 < 3.
    let r = h.send(ram("c", 3.0));
    assert_eq!(code(&r), "insufficient_capacity");
    let reason = r["reason"].as_str().unwrap();
    assert!(
        reason.contains("3 GB") && reason.contains("2.1 GB"),
        "{reason}"
    );
    assert!(events_of(&h, "model_evicted").is_empty(), "nothing changed");
    assert_eq!(listed(&mut h), ["a", "b"]);
}

#[test]
fn max_loaded_counts_ready_and_loading_models_and_refuses_without_eviction() {
    let mut h = server(json!({"maxLoaded": 2}), json!({}));
    h.send(ram("a", 1.0));
    h.send(ram("b", 1.0)); // loading counts
    let r = h.send(ram("c", 1.0));
    assert_eq!(code(&r), "too_many_models", "{r}");
    h.advance(5_000.0);
    assert_eq!(code(&h.send(ram("c", 1.0))), "too_many_models");
    // a pull is not loaded: admitted
    assert_eq!(
        h.send(json!({"pull_model": "qwen2.5:0.5b"}))["status"],
        "pull_started"
    );
}

#[test]
fn max_loaded_with_lru_evicts_until_there_is_room() {
    let mut h = server(json!({"maxLoaded": 2, "evict": "lru"}), json!({}));
    h.send(ram("a", 1.0));
    h.send(ram("b", 1.0));
    h.advance(5_000.0);
    h.send(json!({"model": "a"})); // a current, b idle
    let r = h.send(ram("c", 1.0));
    assert_eq!(r["status"], "hot_load_started", "{r}");
    let evicted = events_of(&h, "model_evicted");
    assert_eq!(evicted.len(), 1);
    assert_eq!(evicted[0]["model_name"], "b");
    assert_eq!(evicted[0]["reason"], "max_loaded");
    // a is current and c is loading: nothing idle is left to evict.
    assert_eq!(code(&h.send(ram("d", 1.0))), "too_many_models");
}

#[test]
fn queued_jobs_start_in_order_as_running_ones_end() {
    let mut h = server(json!({"parallelLoads": 1}), json!({}));
    let a = h.send(ram("a", 1.0)); // 1.5 s
    let b = h.send(ram("b", 2.0)); // 3 s once started
    let c = h.send(json!({"pull_model": "qwen2.5:0.5b"}));
    assert_eq!(
        (
            a["queue_position"].clone(),
            b["queue_position"].clone(),
            c["queue_position"].clone()
        ),
        (json!(0), json!(1), json!(2))
    );
    let s = h.send(json!({"load_status": b["job_id"]}));
    assert_eq!(
        (s["progress"].clone(), s["phase"].clone()),
        (json!(0.1), json!("queued"))
    );
    assert_eq!(
        s["estimated_time"], "3.0s",
        "the job's own duration, not the wait"
    );
    assert_eq!(h.send(json!({"system_status": true}))["queued_loads"], 2);
    h.advance(1_500.0);
    let dequeued = events_of(&h, "load_dequeued");
    assert_eq!(dequeued.len(), 1);
    assert_eq!(
        (
            dequeued[0]["model_name"].clone(),
            dequeued[0]["time"].clone()
        ),
        (json!("b"), json!(1500.0))
    );
    let s = h.send(json!({"load_status": b["job_id"]}));
    assert_eq!(s["phase"], "preparing");
    assert_eq!(s["progress"], 0.2, "its timed phases begin at dequeue");
    assert_eq!(s["elapsed_time"], 1.5, "elapsed counts from admission");
    h.advance(1_000.0);
    assert_eq!(
        h.send(json!({"load_status": b["job_id"]}))["elapsed_time"],
        2.5
    );
    h.advance(10_000.0);
    let order: Vec<Value> = events_of(&h, "load_dequeued")
        .iter()
        .map(|e| e["model_name"].clone())
        .collect();
    assert_eq!(order, [json!("b"), json!("qwen2.5:0.5b")]);
    assert_eq!(events_of(&h, "load_queued").len(), 2);
    let m = h.send(json!({"metrics": true}));
    assert_eq!(m["queue_wait_s"]["count"], 2);
    assert_eq!(m["queue_wait_s"]["max"], 4.5);
}

#[test]
fn a_cancelled_queued_job_fails_at_0_1_and_releases_its_reservation() {
    let mut h = server(json!({"parallelLoads": 1}), json!({"ramGb": 10}));
    h.send(ram("a", 1.0));
    let b = h.send(ram("b", 3.0));
    assert_eq!(
        h.send(json!({"system_status": true}))["ram"]["reserved_gb"],
        4.0
    );
    let c = h.send(json!({"cancel_load": b["job_id"]}));
    assert_eq!(c["progress"], 0.1);
    assert_eq!(
        h.send(json!({"system_status": true}))["ram"]["reserved_gb"],
        1.0
    );
    assert_eq!(h.send(json!({"system_status": true}))["queued_loads"], 0);
    h.advance(5_000.0);
    assert!(events_of(&h, "load_dequeued").is_empty());
    assert_eq!(state(&mut h, "b"), "unknown", "its first job was cancelled");
}

#[test]
fn a_full_queue_refuses_with_queue_full_before_counting_or_capacity() {
    let mut h = server(
        json!({"parallelLoads": 1, "maxQueue": 1, "maxLoaded": 2}),
        json!({"ramGb": 4}),
    );
    h.send(ram("a", 1.0));
    h.send(ram("b", 1.0));
    // the queue is full, and also too many models and too little room: queue first
    let r = h.send(ram("c", 3.0));
    assert_eq!(code(&r), "queue_full", "{r}");
    assert_eq!(
        code(&h.send(json!({"pull_model": "qwen2.5:0.5b"}))),
        "queue_full"
    );
}

#[test]
fn plan_load_changes_nothing_and_the_same_request_then_gets_the_planned_outcome() {
    let mut h = server(
        json!({"evict": "lru", "parallelLoads": 1}),
        json!({"ramGb": 10}),
    );
    for name in ["a", "b", "c"] {
        h.send(ram(name, 2.0));
    }
    h.advance(20_000.0);
    h.send(ram("slow", 0.5)); // running: the next job queues
    let before = h.snapshot();
    let events = h.events.len();
    let plan = h.send(json!({"plan_load": ram("d", 2.5)}));
    assert_eq!(
        plan,
        json!({"status": "success", "admitted": true, "kind": "hot_load", "evictions": ["a"],
               "queue_position": 1, "estimated_time": "3.8s", "estimated_seconds": 3.75})
    );
    assert_eq!(h.snapshot(), before, "plan_load changes nothing");
    assert_eq!(h.events.len(), events, "and emits nothing");
    let r = h.send(ram("d", 2.5));
    assert_eq!(r["queue_position"], 1);
    let evicted: Vec<Value> = events_of(&h, "model_evicted")
        .iter()
        .map(|e| e["model_name"].clone())
        .collect();
    assert_eq!(evicted, [json!("a")]);
}

#[test]
fn plan_load_of_a_refused_request_gives_its_code_and_the_request_then_gets_it() {
    let mut h = server(json!({"maxLoaded": 1}), json!({}));
    h.send(ram("a", 1.0));
    for (request, want) in [
        (ram("b", 1.0), "too_many_models"),
        (ram("a", 1.0), "duplicate_model"),
        (ram("x", -1.0), "invalid_size"),
        (json!({"load_model": "nope"}), "model_not_found"),
        (json!({"pull_model": "nope"}), "model_not_found"),
    ] {
        let plan = h.send(json!({ "plan_load": request.clone() }));
        assert_eq!(plan["status"], "success");
        assert_eq!(plan["admitted"], false);
        assert_eq!(plan["code"], want, "{plan}");
        assert_eq!(code(&h.send(request)), want);
    }
    assert_eq!(
        h.send(json!({"plan_load": {"pull_model": "qwen2.5:0.5b"}}))["kind"],
        "pull"
    );
}

#[test]
fn plan_load_itself_must_name_one_request() {
    let mut h = server(json!({}), json!({}));
    assert_eq!(code(&h.send(json!({"plan_load": 3}))), "invalid_request");
    assert_eq!(code(&h.send(json!({"plan_load": {}}))), "invalid_request");
    assert_eq!(
        code(&h.send(json!({"plan_load": {"hot_load": {}, "pull_model": "x"}}))),
        "invalid_request"
    );
    assert_eq!(
        code(&h.send(json!({"plan_load": {"model": "x"}}))),
        "unknown_field"
    );
}

#[test]
fn explain_lists_every_candidate_highest_score_first_ties_in_library_order() {
    let mut h = Harness::new();
    let r = h.send_and_wait(
        json!({"capabilities": ["text-generation"], "priority": "speed", "explain": true}),
    );
    let candidates = r["candidates"].as_array().unwrap();
    let names: Vec<&str> = candidates
        .iter()
        .map(|c| c["model"].as_str().unwrap())
        .collect();
    // ram models score 0.8 + 2.0 (library order among them), swap ones 0.8 + 0.5.
    assert_eq!(
        names,
        [
            "gpt2-small",
            "gpt2-medium",
            "gpt2-large",
            "gpt-j-6b",
            "llama-7b"
        ]
    );
    assert_eq!(
        r["model"], "gpt2-small",
        "the first candidate is the one selected"
    );
    assert_eq!(
        candidates[0],
        json!({"model": "gpt2-small", "score": 2.8, "matched_capabilities": 1, "priority_score": 2.0})
    );
    assert!(h
        .send(json!({"capabilities": ["text-generation"]}))
        .get("candidates")
        .is_none());
    assert_eq!(code(&h.send(json!({"explain": "yes"}))), "invalid_request");
}

#[test]
fn with_max_loaded_the_catalog_s_first_models_are_ready_and_the_rest_available() {
    let mut h = Harness::with_options(json!({"clock": "manual", "residency": {"maxLoaded": 2}}));
    assert_eq!(listed(&mut h), ["gpt2-small", "gpt2-medium"]);
    assert_eq!(state(&mut h, "llama-7b"), "available");
    assert_eq!(h.send(json!({"list_repository": true}))["total_models"], 6);
}

// --- set_keep_alive ---

#[test]
fn set_keep_alive_sets_the_keep_alive_of_a_ready_model_from_now() {
    let mut h = server(json!({}), json!({}));
    h.send(ram("a", 1.0)); // ready at 1.5 s, never expires (the option: -1)
    h.advance(10_000.0);
    let r = h.send(json!({"set_keep_alive": {"model_name": "a", "keep_alive": 5}}));
    assert_eq!(
        r,
        json!({"status": "success", "model": "a", "keep_alive": 5.0, "expires_at": h.now + 5000.0}),
        "a ready model counts the request as a use: its keep-alive runs from now"
    );
    let listed_entry = &h.send(json!({"list_repository": true}))["models"][0];
    assert_eq!(listed_entry["last_used"], h.now);
    assert_eq!(listed_entry["keep_alive"], 5.0);
    h.advance(4_999.0);
    assert_eq!(listed(&mut h), ["a"]);
    h.advance(1.0);
    assert_eq!(listed(&mut h), Vec::<String>::new());
    assert_eq!(events_of(&h, "model_expired").len(), 1);
}

#[test]
fn set_keep_alive_on_a_model_not_ready_keeps_its_last_used_and_takes_effect_when_loaded() {
    let mut h = server(json!({}), json!({}));
    h.send(ram("a", 1.0));
    h.advance(1500.0);
    h.send(json!({"unload_model": "a"}));
    let before = h.send(json!({"list_repository": true}))["models"][0]["last_used"].clone();
    h.advance(1000.0);
    let r = h.send(json!({"set_keep_alive": {"model_name": "a", "keep_alive": -7}}));
    assert_eq!(r["keep_alive"], -1.0, "negative: never");
    assert_eq!(r["expires_at"], Value::Null);
    let entry = &h.send(json!({"list_repository": true}))["models"][0];
    assert_eq!(entry["last_used"], before, "not ready: not a use");
    assert_eq!(entry["state"], "available");
    // A loading model takes it when ready; zero expires it as soon as it is idle.
    h.send(json!({"load_model": "a"})); // 0.1 s
    h.send(json!({"set_keep_alive": {"model_name": "a", "keep_alive": 0}}));
    assert_eq!(state(&mut h, "a"), "loading");
    h.advance(100.0);
    assert_eq!(state(&mut h, "a"), "available");
    let expired = events_of(&h, "model_expired");
    assert_eq!(expired.len(), 1);
    assert_eq!(expired[0]["time"], h.now);
}

#[test]
fn set_keep_alive_refuses_unknown_models_and_bad_values_and_changes_nothing() {
    let mut h = server(json!({}), json!({}));
    h.send(ram("a", 1.0));
    h.advance(1500.0);
    let before = h.snapshot();
    let revision = h.engine.revision();
    for (request, expected) in [
        (
            json!({"set_keep_alive": {"model_name": "b", "keep_alive": 1}}),
            "model_not_found",
        ),
        (
            json!({"set_keep_alive": {"model_name": "a"}}),
            "invalid_config",
        ),
        (
            json!({"set_keep_alive": {"model_name": "a", "keep_alive": "5m"}}),
            "invalid_config",
        ),
        (
            json!({"set_keep_alive": {"model_name": "a", "keep_alive": 1, "x": 1}}),
            "unknown_field",
        ),
        (
            json!({"set_keep_alive": {"keep_alive": 1}}),
            "invalid_model_name",
        ),
        (json!({"set_keep_alive": "a"}), "invalid_request"),
    ] {
        let r = h.send(request.clone());
        assert_eq!(code(&r), expected, "{request}");
    }
    assert_eq!(h.engine.revision(), revision);
    assert_eq!(h.snapshot(), before);
}
