//! The engine through its one entry point, on a fake clock: SPEC §2–§4.
#![cfg(not(target_arch = "wasm32"))]

mod common;
use common::{code, hot_load, Harness};
use serde_json::{json, Value};

// --- hot_load: capacity, reservations, ids, durations ---

#[test]
fn capacity_counts_reservations_of_active_loads() {
    let mut h = Harness::with_options(json!({"clock": "manual", "ramGb": 10, "catalog": "empty"}));
    // free 10 → limit 7 (but ram models stop at 3)
    assert_eq!(
        h.send(hot_load("a", 3.0, "ram", &["chat"]))["status"],
        "hot_load_started"
    );
    // free 7 → limit 4.9
    assert_eq!(
        h.send(hot_load("b", 3.0, "ram", &["chat"]))["status"],
        "hot_load_started"
    );
    // free 4 → limit 2.8
    let r = h.send(hot_load("c", 3.0, "ram", &["chat"]));
    assert_eq!(code(&r), "insufficient_capacity");
    let reason = r["reason"].as_str().unwrap();
    assert!(
        reason.contains("3 GB") && reason.contains("2.8 GB"),
        "{reason}"
    );
    assert_eq!(
        h.send(json!({"system_status": true}))["ram"]["reserved_gb"],
        6.0
    );
    // Success turns the reservation into residency; the free figure is the same.
    h.advance(10_000.0);
    let s = h.send(json!({"system_status": true}));
    assert_eq!(
        (
            s["ram"]["resident_gb"].clone(),
            s["ram"]["reserved_gb"].clone()
        ),
        (json!(6.0), json!(0.0))
    );
    assert_eq!(
        code(&h.send(hot_load("c", 3.0, "ram", &["chat"]))),
        "insufficient_capacity"
    );
    assert_eq!(
        h.send(hot_load("c", 2.8, "ram", &["chat"]))["status"],
        "hot_load_started"
    );
}

#[test]
fn a_failed_load_releases_its_reservation() {
    let mut h = Harness::with_options(json!({"clock": "manual", "swapGb": 10, "catalog": "empty"}));
    let mut r = hot_load("a", 6.0, "swap", &["chat"]);
    r["hot_load"]["simulate"] = json!({"fail_at_progress": 0.5});
    h.send(r);
    assert_eq!(
        code(&h.send(hot_load("b", 3.0, "swap", &["chat"]))),
        "insufficient_capacity"
    );
    h.advance(60_000.0);
    assert_eq!(
        h.send(hot_load("b", 6.0, "swap", &["chat"]))["status"],
        "hot_load_started"
    );
}

#[test]
fn job_ids_use_server_seconds_and_never_repeat() {
    let mut h = Harness::with_options(json!({"clock": "manual", "startTime": 5_000_999}));
    let a = h.send(hot_load("m", 0.5, "ram", &["chat"]));
    assert_eq!(a["job_id"], "load_m_5000");
    h.send(json!({"cancel_load": "load_m_5000"}));
    let b = h.send(hot_load("m", 0.5, "ram", &["chat"]));
    assert_eq!(b["job_id"], "load_m_5000_2");
    h.send(json!({"cancel_load": "load_m_5000_2"}));
    assert_eq!(
        h.send(hot_load("m", 0.5, "ram", &["chat"]))["job_id"],
        "load_m_5000_3"
    );
    h.advance(1.0);
    h.send(json!({"cancel_load": "load_m_5000_3"}));
    assert_eq!(
        h.send(hot_load("m", 0.5, "ram", &["chat"]))["job_id"],
        "load_m_5001"
    );
}

#[test]
fn progress_is_phased_and_never_goes_down() {
    let mut h = Harness::new();
    let id = h.send(hot_load("s", 5.0, "swap", &["chat"]))["job_id"]
        .as_str()
        .unwrap()
        .to_string();
    // preparing 7 s, loading 2.5 s
    let mut last = 0.0;
    let mut seen = vec![];
    for _ in 0..20 {
        let s = h.send(json!({ "load_status": id }));
        let p = s["progress"].as_f64().unwrap();
        assert!(p >= last, "progress went down: {last} -> {p}");
        last = p;
        seen.push((s["phase"].as_str().unwrap().to_string(), p));
        h.advance(500.0);
    }
    assert_eq!(seen[0], ("preparing".to_string(), 0.2));
    assert_eq!(seen[14], ("loading".to_string(), 0.7)); // at 7.0 s
    assert_eq!(seen[19], ("done".to_string(), 1.0)); // after 9.5 s
    let s = h.send(json!({ "load_status": id }));
    assert_eq!(s["elapsed_time"], 9.5); // stops at the job's end
}

#[test]
fn the_job_ends_exactly_at_its_estimate() {
    let mut h = Harness::new();
    let r = h.send(hot_load("m", 2.5, "ram", &["chat"]));
    h.advance(3749.0);
    assert_eq!(
        h.send(json!({"load_status": r["job_id"]}))["status"],
        "loading"
    );
    h.advance(1.0);
    assert_eq!(
        h.send(json!({"load_status": r["job_id"]}))["status"],
        "success"
    );
    let ev = h
        .events
        .iter()
        .find(|e| e["type"] == "load_succeeded")
        .unwrap();
    assert_eq!(ev["time"], 3750.0);
}

// --- simulate ---

fn failing(name: &str, p: f64) -> Value {
    let mut r = hot_load(name, 1.0, "ram", &["chat"]);
    r["hot_load"]["simulate"] = json!({"fail_at_progress": p, "error": "disk on fire"});
    r
}

#[test]
fn simulated_failure_at_or_below_start_fails_when_the_clock_is_next_driven() {
    let mut h = Harness::new();
    let id = h.send(failing("m", 0.1))["job_id"].clone();
    assert_eq!(h.send(json!({"load_status": id}))["status"], "loading");
    h.advance(0.0);
    let s = h.send(json!({"load_status": id}));
    assert_eq!(
        (
            s["status"].clone(),
            s["progress"].clone(),
            s["error"].clone()
        ),
        (json!("failed"), json!(0.2), json!("disk on fire"))
    );
    assert_eq!(s["cancelled"], false);
    assert!(!h.send(json!({"list_models": true}))["models"]
        .as_object()
        .unwrap()
        .contains_key("m"));
}

#[test]
fn simulated_failure_mid_way_and_at_the_end() {
    let mut h = Harness::new();
    let mid = h.send(failing("mid", 0.45))["job_id"].clone();
    let end = h.send(failing("end", 0.95))["job_id"].clone();
    h.advance(699.0); // 1 GB ram: 0.45 is reached at 0.7 s
    assert_eq!(h.send(json!({"load_status": mid}))["status"], "loading");
    h.advance(1.0);
    let s = h.send(json!({"load_status": mid}));
    assert_eq!(
        (s["status"].clone(), s["progress"].clone()),
        (json!("failed"), json!(0.45))
    );
    h.advance(10_000.0);
    let s = h.send(json!({"load_status": end}));
    assert_eq!(
        (
            s["status"].clone(),
            s["progress"].clone(),
            s["elapsed_time"].clone()
        ),
        (json!("failed"), json!(0.9), json!(1.5))
    );
    let failed: Vec<&Value> = h
        .events
        .iter()
        .filter(|e| e["type"] == "load_failed")
        .collect();
    assert_eq!(failed.len(), 2);
    assert_eq!(failed[0]["error"], "disk on fire");
    let m = h.send(json!({"metrics": true}));
    assert_eq!(
        m["loads"],
        json!({"started": 2, "succeeded": 0, "failed": 2, "cancelled": 0, "active": 0})
    );
}

#[test]
fn default_simulated_error_text() {
    let mut h = Harness::new();
    let mut r = hot_load("m", 1.0, "ram", &["chat"]);
    r["hot_load"]["simulate"] = json!({"fail_at_progress": 0.5});
    let id = h.send(r)["job_id"].clone();
    h.advance(5000.0);
    assert_eq!(
        h.send(json!({"load_status": id}))["error"],
        "simulated failure"
    );
}

// --- cancel, unload ---

#[test]
fn cancel_fails_the_job_and_frees_its_name_and_capacity() {
    let mut h = Harness::new();
    let id = h.send(hot_load("m", 3.0, "ram", &["chat"]))["job_id"].clone();
    assert_eq!(
        code(&h.send(hot_load("m", 1.0, "ram", &["chat"]))),
        "duplicate_model"
    );
    h.advance(2100.0);
    let c = h.send(json!({"cancel_load": id}));
    assert_eq!(
        (
            c["status"].clone(),
            c["cancelled"].clone(),
            c["progress"].clone()
        ),
        (json!("success"), json!(true), json!(0.45))
    );
    let s = h.send(json!({"load_status": id}));
    assert_eq!(
        (
            s["status"].clone(),
            s["error"].clone(),
            s["cancelled"].clone()
        ),
        (json!("failed"), json!("cancelled"), json!(true))
    );
    assert_eq!(s["elapsed_time"], 2.1);
    h.advance(100_000.0);
    assert_eq!(h.send(json!({"load_status": id}))["status"], "failed"); // no late success
    assert_eq!(code(&h.send(json!({"cancel_load": id}))), "job_not_active");
    assert_eq!(
        code(&h.send(json!({"cancel_load": "nope"}))),
        "job_not_found"
    );
    assert_eq!(
        h.send(json!({"system_status": true}))["ram"]["reserved_gb"],
        0.0
    );
    assert_eq!(
        h.send(hot_load("m", 1.0, "ram", &["chat"]))["status"],
        "hot_load_started"
    );
    let cancelled = h
        .events
        .iter()
        .find(|e| e["type"] == "load_failed")
        .unwrap();
    assert_eq!(
        (cancelled["cancelled"].clone(), cancelled["time"].clone()),
        (json!(true), json!(2100.0))
    );
    assert_eq!(h.send(json!({"metrics": true}))["loads"]["cancelled"], 1);
}

#[test]
fn unload_order_of_faults_and_success() {
    let mut h = Harness::new();
    h.send(hot_load("new", 1.0, "ram", &["chat"]));
    assert_eq!(
        code(&h.send(json!({"unload_model": "new"}))),
        "model_loading"
    );
    let nf = h.send(json!({"unload_model": "ghost"}));
    assert_eq!(code(&nf), "model_not_found");
    assert_eq!(nf["available_models"].as_array().unwrap().len(), 6);
    h.send_and_wait(json!({"model": "gpt2-small"}));
    assert_eq!(
        code(&h.send(json!({"unload_model": "gpt2-small"}))),
        "model_in_use"
    );
    let u = h.send(json!({"unload_model": "gpt2-large"}));
    assert_eq!(
        (u["status"].clone(), u["freed_gb"].clone()),
        (json!("success"), json!(3.0))
    );
    assert_eq!(h.send(json!({"list_models": true}))["total_models"], 5);
    assert_eq!(h.events.last().unwrap()["type"], "model_unloaded");
    // the name is free again
    assert_eq!(
        h.send(hot_load("gpt2-large", 3.0, "ram", &["text-generation"]))["status"],
        "hot_load_started"
    );
}

// --- selection and hot-swap ---

#[test]
fn explicit_selection_faults() {
    let mut h = Harness::new();
    h.send(hot_load("new", 1.0, "ram", &["chat"]));
    assert_eq!(code(&h.send(json!({"model": "new"}))), "model_loading");
    let nf = h.send(json!({"model": "ghost"}));
    assert_eq!(code(&nf), "model_not_found");
    assert!(nf["available_models"]
        .as_array()
        .unwrap()
        .contains(&json!("llama-7b")));
}

#[test]
fn selection_by_need_scores_and_ties() {
    let mut h = Harness::new();
    let s = h.send_and_wait(json!({"auto_select": true}));
    assert_eq!(s["model"], "llama-7b"); // balanced: swap 1.0 + 0.7 beats ram 1.5
    let s = h.send_and_wait(json!({"priority": "speed"}));
    assert_eq!(s["model"], "gpt2-small"); // a four-way tie at 2.8: the earliest wins
    let s =
        h.send_and_wait(json!({"capabilities": ["text-classification"], "priority": "quality"}));
    assert_eq!(s["model"], "bert-large");
    let none = h.send(json!({"capabilities": ["chat"]}));
    assert_eq!(code(&none), "no_capable_model");
    assert!(none["available_models"].is_array());
    h.send(hot_load("chatty", 1.0, "ram", &["chat", "text-generation"]));
    h.advance(2000.0);
    let s =
        h.send_and_wait(json!({"capabilities": ["chat", "text-generation"], "priority": "speed"}));
    assert_eq!(s["model"], "chatty");
    assert!(s["selection_reason"].as_str().unwrap().contains("chatty"));
}

#[test]
fn first_selection_has_no_swap_then_swaps_take_simulated_time() {
    let mut h = Harness::new();
    let first = h.send(json!({"model": "gpt2-small"}));
    assert_eq!(
        (first["swap_executed"].clone(), first["swap_time"].clone()),
        (json!(false), json!(0.0))
    );
    assert_eq!(first["performance_target_met"], true);
    let same = h.send(json!({"model": "gpt2-small"}));
    assert_eq!(same["swap_executed"], false);
    let pending = h.send(json!({"model": "gpt-j-6b", "request_id": "swap-1"}));
    let ticket = pending["pending"].as_u64().expect("a swap waits");
    assert_eq!(
        h.send(json!({"system_status": true}))["current_model"],
        "gpt2-small"
    );
    assert_eq!(
        h.send(json!({"system_status": true}))["swapping_to"],
        "gpt-j-6b"
    );
    h.advance(2999.0);
    assert!(!h.finished.contains_key(&ticket));
    h.advance(1.0); // 6 GB swap tier: 3 s
    let done = &h.finished[&ticket];
    assert_eq!(
        (done["swap_executed"].clone(), done["swap_time"].clone()),
        (json!(true), json!(3.0))
    );
    assert_eq!(done["request_id"], "swap-1");
    assert_eq!(
        h.send(json!({"system_status": true}))["current_model"],
        "gpt-j-6b"
    );
    assert_eq!(h.event_types(), vec!["swap_started", "swap_finished"]);
    let m = h.send(json!({"metrics": true}));
    assert_eq!(
        (
            m["swaps"]["count"].clone(),
            m["swaps"]["total_time_s"].clone()
        ),
        (json!(1), json!(3.0))
    );
    assert_eq!(m["selections"]["count"], 3);
}

#[test]
fn swaps_run_one_at_a_time_in_request_order() {
    let mut h = Harness::new();
    h.send(json!({"model": "gpt2-small"}));
    let a = h.send(json!({"model": "llama-7b"}))["pending"]
        .as_u64()
        .unwrap(); // 3.5 s
    let b = h.send(json!({"model": "gpt2-medium"}))["pending"]
        .as_u64()
        .unwrap(); // 0.15 s, after a
                   // The model a queued swap will make current is in use.
    assert_eq!(
        code(&h.send(json!({"unload_model": "gpt2-medium"}))),
        "model_in_use"
    );
    h.advance(3500.0);
    assert!(h.finished.contains_key(&a) && !h.finished.contains_key(&b));
    h.advance(150.0);
    assert!(h.finished.contains_key(&b));
    assert_eq!(h.finished[&b]["swap_time"], 0.15);
    let times: Vec<(String, f64)> = h
        .events
        .iter()
        .map(|e| {
            (
                e["type"].as_str().unwrap().to_string(),
                e["time"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        times,
        vec![
            ("swap_started".into(), 0.0),
            ("swap_finished".into(), 3500.0),
            ("swap_started".into(), 3500.0),
            ("swap_finished".into(), 3650.0)
        ]
    );
    assert_eq!(h.events[2]["from"], "llama-7b");
    assert_eq!(
        h.send(json!({"system_status": true}))["current_model"],
        "gpt2-medium"
    );
}

#[test]
fn selection_time_is_measured_by_the_stopwatch() {
    let mut h = Harness::new();
    let s = h.send(json!({"model": "gpt2-small"}));
    assert_eq!(s["selection_time_ms"], 0.0);
    assert_eq!(s["performance_target_met"], true);
}

// --- listings ---

#[test]
fn list_jobs_in_creation_order() {
    let mut h = Harness::new();
    h.send(hot_load("b", 1.0, "ram", &["chat"]));
    h.send(hot_load("a", 0.5, "ram", &["chat"]));
    h.advance(800.0);
    let jobs = h.send(json!({"list_jobs": true}));
    let names: Vec<&str> = jobs["jobs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|j| j["model_name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["b", "a"]);
    assert_eq!(jobs["jobs"][1]["status"], "success");
    // library order is completion order
    let models = h.send(json!({"list_models": true}));
    let keys: Vec<&String> = models["models"].as_object().unwrap().keys().collect();
    assert_eq!(keys[6], "a");
    assert_eq!(models["active_hot_loads"], 1);
}

#[test]
fn system_status_reports_each_tier() {
    let mut h = Harness::new();
    let s = h.send(json!({"system_status": true}));
    assert_eq!(
        s["ram"],
        json!({"total_gb": 16.0, "resident_gb": 6.3, "reserved_gb": 0.0, "free_gb": 9.7, "safe_limit_gb": 6.79})
    );
    assert_eq!(s["swap"]["free_gb"], 19.0);
    assert_eq!(
        (s["current_model"].clone(), s["total_models"].clone()),
        (json!(null), json!(6))
    );
}

// --- errors ---

#[test]
fn request_ids_are_echoed_on_success_and_error() {
    let mut h = Harness::new();
    assert_eq!(
        h.send(json!({"list_models": true, "request_id": 42}))["request_id"],
        42
    );
    assert_eq!(
        h.send(json!({"load_status": "x", "request_id": "abc"}))["request_id"],
        "abc"
    );
    assert_eq!(h.send(json!({"request_id": "abc"}))["request_id"], "abc");
    assert!(h
        .send(json!({"request_id": null, "list_models": true}))
        .get("request_id")
        .is_none());
}

#[test]
fn every_error_code_is_reachable_with_one_clear_sentence() {
    let mut h = Harness::new();
    h.send(hot_load("busy", 1.0, "ram", &["chat"]));
    h.send_and_wait(json!({"model": "gpt2-small"}));
    let done = h.send(hot_load("quick", 0.5, "ram", &["chat"]))["job_id"].clone();
    h.advance(750.0);
    let caps = json!(["chat"]);
    let cases: Vec<(&str, Value)> = vec![
        ("malformed_json", json!("{\"list_models\": tru")),
        ("invalid_request", json!([])),
        (
            "ambiguous_request",
            json!({"list_models": true, "list_jobs": true}),
        ),
        (
            "unknown_field",
            json!({"list_models": true, "verbose": true}),
        ),
        (
            "invalid_model_name",
            json!({"hot_load": {"model_name": "<script>alert(1)</script>", "model_config": {}}}),
        ),
        ("invalid_config", json!({"hot_load": {"model_name": "x"}})),
        ("invalid_size", hot_load("x", -1.0, "ram", &["chat"])),
        (
            "invalid_tier",
            json!({"hot_load": {"model_name": "x", "model_config": {"size_gb": 1, "tier": "gpu", "capabilities": caps}}}),
        ),
        ("too_large", hot_load("x", 7.5, "swap", &["chat"])),
        (
            "invalid_capabilities",
            hot_load("x", 1.0, "ram", &["Chat!"]),
        ),
        (
            "duplicate_model",
            hot_load("gpt2-small", 1.0, "ram", &["chat"]),
        ),
        (
            "insufficient_capacity",
            hot_load("x", 7.0, "swap", &["chat"]),
        ),
        ("job_not_found", json!({"load_status": "load_x_0"})),
        ("job_not_active", json!({"cancel_load": done})),
        ("model_not_found", json!({"model": "x"})),
        ("model_loading", json!({"model": "busy"})),
        ("model_in_use", json!({"unload_model": "gpt2-small"})),
        ("no_capable_model", json!({"capabilities": ["embeddings"]})),
        ("already_loaded", json!({"load_model": "gpt2-small"})),
        ("model_resident", json!({"delete_model": "gpt2-large"})),
        ("too_many_models", hot_load("x", 0.5, "ram", &["chat"])),
        ("queue_full", hot_load("x", 0.5, "ram", &["chat"])),
    ];
    let codes: std::collections::HashSet<&str> = cases.iter().map(|(c, _)| *c).collect();
    for code in model_hotload::error::ErrorCode::ALL {
        assert!(
            codes.contains(code.as_str()),
            "{} has no case",
            code.as_str()
        );
    }
    let mut h2 = Harness::with_options(json!({"clock": "manual", "swapGb": 20}));
    // The six catalog models are loaded: one more is over maxLoaded 6.
    let mut full = Harness::with_options(json!({"clock": "manual", "residency": {"maxLoaded": 6}}));
    let mut busy = Harness::with_options(
        json!({"clock": "manual", "residency": {"parallelLoads": 1, "maxQueue": 0}}),
    );
    busy.send(hot_load("running", 1.0, "ram", &["chat"]));
    for (want, request) in cases {
        let r = match want {
            "malformed_json" => h.send_text(request.as_str().unwrap()),
            "insufficient_capacity" => h2.send(request),
            "too_many_models" => full.send(request),
            "queue_full" => busy.send(request),
            _ => h.send(request),
        };
        assert_eq!(r["status"], "error", "{want}: {r}");
        assert_eq!(code(&r), want, "{r}");
        let reason = r["reason"].as_str().unwrap();
        assert!(!reason.is_empty() && reason.len() < 300, "{want}: {reason}");
        assert!(!reason.contains('\n'), "{want}: one sentence: {reason}");
    }
}

#[test]
fn rejected_requests_change_nothing() {
    let mut h = Harness::new();
    h.send(hot_load("loading", 1.0, "ram", &["chat"]));
    h.send_and_wait(json!({"model": "gpt2-small"}));
    h.advance(100.0);
    let before = h.snapshot();
    let events_before = h.events.len();
    for bad in [
        hot_load("gpt2-small", 1.0, "ram", &["chat"]),
        hot_load("loading", 1.0, "ram", &["chat"]),
        hot_load("x", 1.0, "ram", &["chat", "chat"]),
        json!({"hot_load": {"model_name": "x", "model_config": {"size_gb": 1, "tier": "ram", "capabilities": ["a"]}, "simulate": {"fail_at_progress": 7}}}),
        json!({"model": "loading"}),
        json!({"model": "nope"}),
        json!({"capabilities": ["nope"]}),
        json!({"priority": "fastest"}),
        json!({"unload_model": "gpt2-small"}),
        json!({"cancel_load": "nope"}),
        json!({"list_models": true, "model": "gpt2-large"}),
    ] {
        let r = h.send(bad.clone());
        assert_eq!(r["status"], "error", "{bad}");
    }
    let mut big = Harness::with_options(json!({"clock": "manual", "swapGb": 20}));
    assert_eq!(
        code(&big.send(hot_load("big", 7.0, "swap", &["chat"]))),
        "insufficient_capacity"
    );
    assert_eq!(h.snapshot(), before);
    assert_eq!(h.events.len(), events_before);
}

#[test]
fn reasons_quote_user_input_to_64_characters() {
    let mut h = Harness::new();
    let long = "A".repeat(100);
    let job = h.send(hot_load(&long, 1.0, "ram", &["chat"]))["job_id"].clone();
    h.send(json!({ "cancel_load": job }));
    for r in [
        h.send(json!({"model": long})),
        h.send(json!({"unload_model": long})),
        h.send(json!({ "cancel_load": job })),
        h.send(json!({ long.clone(): true })),
    ] {
        assert_eq!(r["status"], "error");
        let reason = r["reason"].as_str().unwrap_or_default();
        assert!(!reason.contains(&"A".repeat(65)), "{reason}");
    }
    assert_eq!(
        h.send(hot_load(&long, 1.0, "ram", &["chat"]))["status"],
        "hot_load_started"
    );
    let dup = h.send(hot_load(&long, 1.0, "ram", &["chat"]));
    assert_eq!(
        dup["reason"],
        format!(
            "Model '{}' already exists (a hot load of it is in progress)",
            "A".repeat(64)
        )
    );
}

#[test]
fn hostile_numbers_and_markup_are_rejected_cleanly() {
    let mut h = Harness::new();
    for (text, want) in [
        (
            r#"{"hot_load":{"model_name":"m","model_config":{"size_gb":1e400,"tier":"ram","capabilities":["a"]}}}"#,
            "malformed_json",
        ),
        (
            r#"{"hot_load":{"model_name":"m","model_config":{"size_gb":5e-324,"tier":"ram","capabilities":["a"]}}}"#,
            "",
        ),
        (
            r#"{"hot_load":{"model_name":"m2","model_config":{"size_gb":-0.0,"tier":"ram","capabilities":["a"]}}}"#,
            "invalid_size",
        ),
        (
            r#"{"hot_load":{"model_name":"m3","model_config":{"size_gb":"2.5","tier":"ram","capabilities":["a"]}}}"#,
            "invalid_size",
        ),
        (
            r#"{"hot_load":{"model_name":"<img src=x onerror=alert(1)>","model_config":{}}}"#,
            "invalid_model_name",
        ),
        (r#"{"__proto__":{"list_models":true}}"#, "unknown_field"),
        (
            r#"{"list_models":true,"list_models":true}"#,
            "invalid_request",
        ),
        ("", "malformed_json"),
        ("null", "invalid_request"),
        ("\"list_models\"", "invalid_request"),
    ] {
        let r = h.send_text(text);
        if want.is_empty() {
            assert_ne!(r["status"], "error", "{text}: {r}");
        } else {
            assert_eq!(code(&r), want, "{text}: {r}");
        }
    }
    // the tiny model loads in no time
    h.advance(1.0);
    assert!(h.send(json!({"list_models": true}))["models"]
        .as_object()
        .unwrap()
        .contains_key("m"));
    let deep = format!("{}{}", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(code(&h.send_text(&deep)), "malformed_json");
}

// --- the one reader: a key twice is refused, at any level ---

#[test]
fn a_key_given_twice_is_refused_naming_it_and_changes_nothing() {
    let mut h = Harness::new();
    let before = h.snapshot();
    for (text, key) in [
        (
            r#"{"hot_load": {"model_name": "x", "model_name": "y", "model_config": {"size_gb": 1, "tier": "ram", "capabilities": ["chat"]}}}"#,
            "model_name",
        ),
        (
            r#"{"hot_load": {"model_name": "x", "model_config": {"size_gb": 1, "tier": "ram", "tier": "swap", "capabilities": ["chat"]}}}"#,
            "tier",
        ),
        (
            r#"{"list_models": true, "list_models": true}"#,
            "list_models",
        ),
        (
            r#"{"request_id": 1, "metrics": true, "request_id": 2}"#,
            "request_id",
        ),
        (
            r#"{"model": "gpt2-small", "m\u006fdel": "llama-7b"}"#,
            "model",
        ),
        (r#"{"capabilities": [{"a": 1, "a": 2}]}"#, "a"),
    ] {
        let r = h.send_text(text);
        assert_eq!(code(&r), "invalid_request", "{text}: {r}");
        let reason = r["reason"].as_str().unwrap();
        assert!(reason.contains(&format!("\"{key}\"")), "{text}: {reason}");
        assert!(r.get("request_id").is_none(), "{r}");
    }
    // Text that is not JSON stays malformed_json, even with a repeated key in it.
    assert_eq!(code(&h.send_text(r#"{"a": 1, "a""#)), "malformed_json");
    assert_eq!(h.snapshot(), before);
    assert!(h.events.is_empty());
}
