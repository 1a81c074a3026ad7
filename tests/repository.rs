//! SPEC §5, first slice: the repository and its states, the remote catalog,
//! `pull_model`, `load_model`, `delete_model`, `pin_model`/`unpin_model`,
//! `list_repository`, and the visible v1 changes (job kinds, `queue_position`,
//! `unload_model` leaving the model `available`). Written from SPEC alone.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod common;
use common::{code, hot_load, Harness};
use model_hotload::config::parse_options;
use serde_json::{json, Value};

// --- helpers ---

/// A manual-clock server with the given extra options.
fn server(extra: Value) -> Harness {
    let mut options = json!({"clock": "manual"});
    for (k, v) in extra.as_object().unwrap() {
        options[k] = v.clone();
    }
    Harness::with_options(options)
}

fn model(name: &str, size_gb: f64, tier: &str, caps: &[&str]) -> Value {
    json!({"name": name, "size_gb": size_gb, "tier": tier, "capabilities": caps})
}

/// A small remote catalog with durations that are exact in binary:
/// `p` (2 GB ram: pull 2.8 s, load 0.2 s), `q` (2 GB ram), `s` (4 GB swap: pull 5.6 s, load 2 s).
fn small_remote() -> Value {
    json!([
        model("p", 2.0, "ram", &["chat"]),
        model("q", 2.0, "ram", &["chat", "embeddings"]),
        model("s", 4.0, "swap", &["text-generation"]),
    ])
}

fn with_small_remote() -> Harness {
    server(json!({"remote": small_remote()}))
}

fn pull(name: &str) -> Value {
    json!({ "pull_model": name })
}

fn load(name: &str) -> Value {
    json!({ "load_model": name })
}

fn repository(h: &mut Harness) -> Value {
    let r = h.send(json!({"list_repository": true}));
    assert_eq!(r["status"], "success", "{r}");
    r
}

fn entries(h: &mut Harness) -> Vec<Value> {
    repository(h)["models"].as_array().unwrap().clone()
}

fn repo_names(h: &mut Harness) -> Vec<String> {
    entries(h)
        .iter()
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect()
}

fn entry(h: &mut Harness, name: &str) -> Option<Value> {
    entries(h).into_iter().find(|e| e["name"] == name)
}

fn state(h: &mut Harness, name: &str) -> Option<String> {
    entry(h, name).map(|e| e["state"].as_str().unwrap().to_string())
}

fn library(h: &mut Harness) -> Vec<String> {
    h.send(json!({"list_models": true}))["models"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

fn job(h: &mut Harness, id: &Value) -> Value {
    h.send(json!({ "load_status": id }))
}

fn close(got: &Value, want: f64) -> bool {
    got.as_f64().is_some_and(|g| (g - want).abs() < 1e-9)
}

/// A `*_started` response as §5.3 fixes it: exactly these six fields, with
/// `deduplicated` only when a single flight answered (so absent or false here).
fn assert_started(r: &Value, status: &str, job_id: &str, name: &str, time: &str, secs: f64) {
    let mut got = r.clone();
    let dedup = got.as_object_mut().unwrap().remove("deduplicated");
    let seconds = got.as_object_mut().unwrap().remove("estimated_seconds");
    assert!(close(seconds.as_ref().unwrap_or(&Value::Null), secs), "{r}");
    assert!(
        dedup.is_none() || dedup == Some(json!(false)),
        "not a single flight: {r}"
    );
    assert_eq!(
        got,
        json!({"status": status, "job_id": job_id, "model_name": name,
               "estimated_time": time, "queue_position": 0})
    );
}

const ENTRY_KEYS: [&str; 12] = [
    "name",
    "size_gb",
    "tier",
    "capabilities",
    "state",
    "pinned",
    "keep_alive",
    "last_used",
    "expires_at",
    "job_id",
    "last_error",
    "modified_at",
];

// --- list_repository and repository order ---

#[test]
fn list_repository_shows_every_catalog_model_ready_in_catalog_order() {
    let mut h = Harness::new();
    let r = repository(&mut h);
    let mut keys: Vec<&String> = r.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(keys, vec!["models", "status", "total_models"], "{r}");
    assert_eq!(r["total_models"], 6);
    let catalog = [
        ("gpt2-small", 0.5, "ram", "text-generation"),
        ("gpt2-medium", 1.5, "ram", "text-generation"),
        ("gpt2-large", 3.0, "ram", "text-generation"),
        ("bert-large", 1.3, "ram", "text-classification"),
        ("gpt-j-6b", 6.0, "swap", "text-generation"),
        ("llama-7b", 7.0, "swap", "text-generation"),
    ];
    let models = r["models"].as_array().unwrap();
    assert_eq!(models.len(), catalog.len());
    for (e, (name, size, tier, cap)) in models.iter().zip(catalog) {
        let mut keys: Vec<&str> = e.as_object().unwrap().keys().map(|k| k.as_str()).collect();
        keys.sort_unstable();
        let mut want = ENTRY_KEYS.to_vec();
        want.sort_unstable();
        assert_eq!(keys, want, "{e}");
        assert_eq!(
            (
                &e["name"],
                &e["size_gb"],
                &e["tier"],
                &e["capabilities"],
                &e["state"],
                &e["pinned"],
                &e["job_id"],
                &e["last_error"],
                // keepAlive defaults to -1, "never": nothing expires.
                &e["expires_at"],
            ),
            (
                &json!(name),
                &json!(size),
                &json!(tier),
                &json!([cap]),
                &json!("ready"),
                &json!(false),
                &Value::Null,
                &Value::Null,
                &Value::Null,
            )
        );
    }
}

#[test]
fn repository_order_is_catalog_then_first_admission_not_completion() {
    let mut h = with_small_remote();
    // "slow" is admitted first but finishes last.
    let slow = h.send(hot_load("slow", 3.0, "ram", &["chat"]));
    let pulled = h.send(pull("p"));
    let fast = h.send(hot_load("fast", 0.5, "ram", &["chat"]));
    let e = entries(&mut h);
    let tail: Vec<(Value, Value, Value)> = e[6..]
        .iter()
        .map(|e| (e["name"].clone(), e["state"].clone(), e["job_id"].clone()))
        .collect();
    assert_eq!(
        tail,
        vec![
            (json!("slow"), json!("loading"), slow["job_id"].clone()),
            (json!("p"), json!("pulling"), pulled["job_id"].clone()),
            (json!("fast"), json!("loading"), fast["job_id"].clone()),
        ]
    );
    assert_eq!(repository(&mut h)["total_models"], 9);
    h.advance(60_000.0);
    let names = repo_names(&mut h);
    assert_eq!(names[6..], ["slow", "p", "fast"]);
    // list_models keeps §2's library order: completion order, ready models only.
    let lib = library(&mut h);
    assert_eq!(lib[6..], ["fast", "slow"]);
    assert_eq!(state(&mut h, "p").as_deref(), Some("available"));
    assert_eq!(state(&mut h, "slow").as_deref(), Some("ready"));
    let e = entry(&mut h, "slow").unwrap();
    assert_eq!(e["job_id"], Value::Null);
    assert_eq!(
        (&e["size_gb"], &e["tier"], &e["capabilities"]),
        (&json!(3.0), &json!("ram"), &json!(["chat"]))
    );
}

#[test]
fn list_models_lists_exactly_the_ready_models() {
    let mut h = with_small_remote();
    h.send(pull("q"));
    h.advance(10_000.0); // q: available
    h.send(pull("p")); // pulling
    h.send(load("q")); // loading
    h.send(json!({"unload_model": "gpt2-medium"})); // available
    let lib = library(&mut h);
    assert_eq!(
        lib,
        [
            "gpt2-small",
            "gpt2-large",
            "bert-large",
            "gpt-j-6b",
            "llama-7b"
        ]
    );
    assert_eq!(h.send(json!({"list_models": true}))["total_models"], 5);
    assert_eq!(repository(&mut h)["total_models"], 8);
    let ready: Vec<String> = entries(&mut h)
        .iter()
        .filter(|e| e["state"] == "ready")
        .map(|e| e["name"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(ready, lib);
}

#[test]
fn a_model_whose_first_job_fails_or_is_cancelled_leaves_the_repository() {
    let mut h = with_small_remote();
    let before = repo_names(&mut h);
    let mut failing = hot_load("h", 1.0, "ram", &["chat"]);
    failing["hot_load"]["simulate"] = json!({"fail_at_progress": 0.5});
    h.send(failing);
    h.send(json!({"pull_model": {"model_name": "p", "simulate": {"fail_at_progress": 0.5}}}));
    let cancelled = h.send(pull("q"))["job_id"].clone();
    let custom = h.send(json!({"pull_model": {"model_name": "c",
        "model_config": {"size_gb": 1.0, "tier": "ram", "capabilities": ["chat"]}}}))["job_id"]
        .clone();
    assert_eq!(repo_names(&mut h).len(), before.len() + 4);
    h.send(json!({ "cancel_load": cancelled }));
    h.send(json!({ "cancel_load": custom }));
    h.advance(60_000.0);
    assert_eq!(repo_names(&mut h), before);
    // As if never known: every one of those names can be used again.
    for r in [
        h.send(hot_load("h", 1.0, "ram", &["chat"])),
        h.send(pull("p")),
        h.send(pull("q")),
        h.send(json!({"pull_model": {"model_name": "c",
            "model_config": {"size_gb": 1.0, "tier": "ram", "capabilities": ["chat"]}}})),
    ] {
        assert_ne!(r["status"], "error", "{r}");
    }
}

#[test]
fn a_failed_load_of_a_known_model_leaves_it_available_with_last_error() {
    let mut h = with_small_remote();
    h.send(pull("p"));
    h.advance(10_000.0);
    let id = h.send(json!({"load_model": {"model_name": "p",
        "simulate": {"fail_at_progress": 0.5, "error": "disk on fire"}}}))["job_id"]
        .clone();
    h.advance(10_000.0);
    assert_eq!(job(&mut h, &id)["status"], "failed");
    let e = entry(&mut h, "p").expect("a known model stays in the repository");
    assert_eq!(
        (&e["state"], &e["last_error"], &e["job_id"]),
        (&json!("available"), &json!("disk on fire"), &Value::Null)
    );
    // A catalog model, unloaded, then a failing hot_load of it.
    h.send(json!({"unload_model": "gpt2-large"}));
    let mut failing = hot_load("gpt2-large", 1.0, "ram", &["chat"]);
    failing["hot_load"]["simulate"] = json!({"fail_at_progress": 0.3});
    assert_eq!(h.send(failing)["status"], "hot_load_started");
    h.advance(10_000.0);
    let e = entry(&mut h, "gpt2-large").unwrap();
    assert_eq!(
        (&e["state"], &e["last_error"]),
        (&json!("available"), &json!("simulated failure"))
    );
    assert_eq!(repo_names(&mut h)[2], "gpt2-large");
    // A cancelled load of a known model leaves it available too.
    let id = h.send(load("p"))["job_id"].clone();
    h.send(json!({ "cancel_load": id }));
    assert_eq!(state(&mut h, "p").as_deref(), Some("available"));
    assert!(!library(&mut h).contains(&"p".to_string()));
}

// --- ServerOptions.remote ---

#[test]
fn remote_option_accepts_default_empty_and_a_catalog_shaped_list() {
    for remote in [json!("default"), json!("empty"), json!([]), small_remote()] {
        assert!(
            parse_options(&json!({ "remote": remote })).is_ok(),
            "{remote}"
        );
    }
}

#[test]
fn bad_remote_values_are_rejected_by_the_options_parser_naming_remote() {
    let ok = model("a", 1.0, "ram", &["chat"]);
    for remote in [
        json!("full"),
        json!(5),
        json!(true),
        json!({"a": 1}),
        json!([ok, ok]),                                       // a duplicate
        json!([model("a", 9.0, "swap", &["chat"])]),           // storage-sized
        json!([model("a", 4.0, "ram", &["chat"])]),            // over ram's limit
        json!([model("a", 1.0, "gpu", &["chat"])]),            // bad tier
        json!([model("a", 1.0, "ram", &["Chat!"])]),           // bad tag
        json!([model("<b>", 1.0, "ram", &["chat"])]),          // bad name
        json!([{"name": "a", "size_gb": 1.0, "tier": "ram"}]), // missing field
        json!([{"name": "a", "size_gb": 1.0, "tier": "ram", "capabilities": ["chat"], "colour": 1}]),
        json!(["a"]),
    ] {
        let err = parse_options(&json!({ "remote": remote }));
        let message = err.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(message.contains("remote"), "{remote}: {message:?}");
    }
}

#[test]
fn the_default_remote_catalog_is_the_spec_table() {
    let table: [(&str, f64, &str, &[&str]); 11] = [
        ("llama3.2:1b", 1.3, "ram", &["text-generation", "chat"]),
        ("llama3.2:3b", 2.0, "ram", &["text-generation", "chat"]),
        ("qwen2.5:0.5b", 0.4, "ram", &["text-generation", "chat"]),
        (
            "qwen2.5-coder:1.5b",
            1.0,
            "ram",
            &["text-generation", "code-generation"],
        ),
        ("gemma2:2b", 1.6, "ram", &["text-generation", "chat"]),
        ("phi3:mini", 2.2, "ram", &["text-generation", "chat"]),
        ("nomic-embed-text", 0.3, "ram", &["embeddings"]),
        (
            "codellama:7b",
            3.8,
            "swap",
            &["text-generation", "code-generation"],
        ),
        ("mistral:7b", 4.1, "swap", &["text-generation", "chat"]),
        ("deepseek-r1:7b", 4.7, "swap", &["text-generation", "chat"]),
        ("llama3.1:8b", 4.9, "swap", &["text-generation", "chat"]),
    ];
    for options in [json!({}), json!({"remote": "default"})] {
        let mut h = server(options);
        // Pulls reserve nothing: all eleven start at once.
        for (name, ..) in table {
            let r = h.send(pull(name));
            assert_eq!(r["status"], "pull_started", "{name}: {r}");
            assert_eq!(r["job_id"], format!("pull_{name}_0"));
        }
        h.advance(60_000.0);
        let e = entries(&mut h);
        assert_eq!(e.len(), 6 + 11);
        for (got, (name, size, tier, caps)) in e[6..].iter().zip(table) {
            assert_eq!(
                (
                    &got["name"],
                    &got["size_gb"],
                    &got["tier"],
                    &got["capabilities"],
                    &got["state"]
                ),
                (
                    &json!(name),
                    &json!(size),
                    &json!(tier),
                    &json!(caps),
                    &json!("available")
                )
            );
        }
        for got in &e[6..] {
            assert_eq!(
                (
                    &got["pinned"],
                    &got["job_id"],
                    &got["last_error"],
                    &got["expires_at"],
                    // never ready, never selected
                    &got["last_used"]
                ),
                (
                    &json!(false),
                    &Value::Null,
                    &Value::Null,
                    &Value::Null,
                    &Value::Null
                ),
                "{got}"
            );
        }
        assert_eq!(library(&mut h).len(), 6);
    }
}

#[test]
fn last_used_is_when_the_model_became_ready_or_was_last_selected() {
    let mut h = server(json!({"remote": small_remote(), "startTime": 1_000_000}));
    h.send(pull("p"));
    h.advance(10_000.0);
    assert_eq!(entry(&mut h, "p").unwrap()["last_used"], Value::Null);
    h.send(load("p"));
    h.advance(10_000.0); // ready at 1_010_200
    assert_eq!(entry(&mut h, "p").unwrap()["last_used"], json!(1_010_200.0));
    h.send_and_wait(json!({"model": "p"})); // no current model: no swap
    assert_eq!(entry(&mut h, "p").unwrap()["last_used"], json!(1_020_000.0));
    h.advance(5_000.0);
    h.send_and_wait(json!({"model": "p"})); // selected again, no swap
    assert_eq!(entry(&mut h, "p").unwrap()["last_used"], json!(1_025_000.0));
}

#[test]
fn remote_empty_or_a_custom_list_replaces_the_default_remote() {
    let mut h = server(json!({"remote": "empty"}));
    assert_eq!(code(&h.send(pull("llama3.2:1b"))), "model_not_found");
    let mut h = with_small_remote();
    assert_eq!(code(&h.send(pull("llama3.2:1b"))), "model_not_found");
    assert_eq!(h.send(pull("q"))["status"], "pull_started");
    let e = entry(&mut h, "q").unwrap();
    assert_eq!(
        (&e["size_gb"], &e["tier"], &e["capabilities"]),
        (&json!(2.0), &json!("ram"), &json!(["chat", "embeddings"]))
    );
}

// --- pull_model ---

#[test]
fn a_pull_has_one_preparing_phase_rising_linearly_from_0_2_to_0_9() {
    let mut h = server(json!({"remote": small_remote(), "startTime": 7_000_000}));
    let r = h.send(pull("p"));
    assert_started(&r, "pull_started", "pull_p_7000", "p", "2.8s", 2.8);
    let id = r["job_id"].clone();
    let s = job(&mut h, &id);
    assert_eq!(
        (&s["kind"], &s["status"], &s["phase"], &s["progress"]),
        (
            &json!("pull"),
            &json!("loading"),
            &json!("preparing"),
            &json!(0.2)
        )
    );
    assert_eq!(entry(&mut h, "p").unwrap()["job_id"], id);
    h.advance(1400.0);
    let s = job(&mut h, &id);
    assert!(close(&s["progress"], 0.55), "{s}");
    assert_eq!(s["phase"], "preparing");
    h.advance(700.0);
    let s = job(&mut h, &id);
    assert!(close(&s["progress"], 0.725), "{s}");
    assert_eq!(s["phase"], "preparing");
    h.advance(699.0);
    assert_eq!(job(&mut h, &id)["status"], "loading");
    h.advance(1.0);
    let s = job(&mut h, &id);
    assert_eq!(
        (
            &s["status"],
            &s["progress"],
            &s["elapsed_time"],
            &s["error"]
        ),
        (&json!("success"), &json!(1.0), &json!(2.8), &Value::Null)
    );
    assert_eq!(state(&mut h, "p").as_deref(), Some("available"));
    assert!(!library(&mut h).contains(&"p".to_string()));
    let ended = h
        .events
        .iter()
        .find(|e| e["type"] == "load_succeeded")
        .unwrap();
    assert_eq!(
        (&ended["time"], &ended["job_id"], &ended["kind"]),
        (&json!(7_002_800.0), &id, &json!("pull"))
    );
}

#[test]
fn pulls_check_and_reserve_no_capacity() {
    let remote = json!([
        model("r3", 3.0, "ram", &["chat"]),
        model("s7", 7.0, "swap", &["chat"])
    ]);
    let mut h = server(json!({"catalog": "empty", "ramGb": 4, "swapGb": 8, "remote": remote}));
    // ram: free 4 → a 2.5 GB load leaves free 1.5, safe limit 1.05: r3 could not load now.
    assert_eq!(
        h.send(hot_load("held", 2.5, "ram", &["chat"]))["status"],
        "hot_load_started"
    );
    assert_eq!(h.send(pull("r3"))["status"], "pull_started");
    // swap: free 8 → limit 4.8: s7 could never load.
    assert_eq!(h.send(pull("s7"))["status"], "pull_started");
    let s = h.send(json!({"system_status": true}));
    assert_eq!(
        (&s["ram"]["reserved_gb"], &s["swap"]["reserved_gb"]),
        (&json!(2.5), &json!(0.0))
    );
    h.advance(60_000.0);
    let s = h.send(json!({"system_status": true}));
    assert_eq!(
        (&s["ram"]["resident_gb"], &s["swap"]["resident_gb"]),
        (&json!(2.5), &json!(0.0))
    );
    assert_eq!(state(&mut h, "r3").as_deref(), Some("available"));
    // Loading them is a different matter.
    assert_eq!(code(&h.send(load("r3"))), "insufficient_capacity");
    assert_eq!(code(&h.send(load("s7"))), "insufficient_capacity");
}

#[test]
fn pull_of_a_known_name_is_duplicate_model_in_every_state() {
    let mut h = with_small_remote();
    h.send(pull("q"));
    h.advance(10_000.0); // q: available
    h.send(json!({"unload_model": "gpt2-large"})); // available
    h.send(pull("p")); // pulling
    h.send(hot_load("busy", 1.0, "ram", &["chat"])); // loading
    let config = json!({"size_gb": 1.0, "tier": "ram", "capabilities": ["chat"]});
    for name in ["gpt2-small", "q", "gpt2-large", "p", "busy"] {
        let r = h.send(pull(name));
        assert_eq!(code(&r), "duplicate_model", "{name}: {r}");
        let r = h.send(json!({"pull_model": {"model_name": name, "model_config": config}}));
        assert_eq!(code(&r), "duplicate_model", "{name}: {r}");
    }
}

#[test]
fn pull_of_a_name_outside_the_remote_catalog_needs_a_model_config() {
    let mut h = with_small_remote();
    for r in [
        h.send(pull("ghost")),
        h.send(json!({"pull_model": {"model_name": "ghost"}})),
    ] {
        assert_eq!(code(&r), "model_not_found", "{r}");
        assert!(
            r["reason"].as_str().unwrap().contains("model_config"),
            "{r}"
        );
    }
    let r = h.send(json!({"pull_model": {"model_name": "ghost",
        "model_config": {"size_gb": 0.5, "tier": "ram", "capabilities": ["chat"]}}}));
    assert_started(&r, "pull_started", "pull_ghost_0", "ghost", "0.7s", 0.7);
    assert_eq!(state(&mut h, "ghost").as_deref(), Some("pulling"));
}

#[test]
fn a_given_model_config_wins_over_the_remote_catalog() {
    let mut h = with_small_remote();
    let r = h.send(json!({"pull_model": {"model_name": "s",
        "model_config": {"size_gb": 1.0, "tier": "ram", "capabilities": ["embeddings"]}}}));
    assert_started(&r, "pull_started", "pull_s_0", "s", "1.4s", 1.4);
    let e = entry(&mut h, "s").unwrap();
    assert_eq!(
        (&e["size_gb"], &e["tier"], &e["capabilities"]),
        (&json!(1.0), &json!("ram"), &json!(["embeddings"]))
    );
    h.advance(1400.0);
    let r = h.send(load("s"));
    assert_started(&r, "load_started", "load_s_1", "s", "0.1s", 0.1);
}

#[test]
fn a_given_model_config_is_validated_as_hot_loads() {
    let mut h = with_small_remote();
    let before = h.snapshot();
    let cfg = |size: Value, tier: &str, caps: Value| {
        json!({"pull_model": {"model_name": "x",
            "model_config": {"size_gb": size, "tier": tier, "capabilities": caps}}})
    };
    for (want, request) in [
        (
            "invalid_config",
            json!({"pull_model": {"model_name": "x", "model_config": {"size_gb": 1, "tier": "ram"}}}),
        ),
        (
            "unknown_field",
            json!({"pull_model": {"model_name": "x", "model_config":
                {"size_gb": 1, "tier": "ram", "capabilities": ["chat"], "colour": "red"}}}),
        ),
        (
            "invalid_config",
            json!({"pull_model": {"model_name": "x", "model_config": 5}}),
        ),
        ("invalid_size", cfg(json!(-1), "ram", json!(["chat"]))),
        ("invalid_size", cfg(json!("1"), "ram", json!(["chat"]))),
        ("too_large", cfg(json!(9), "swap", json!(["chat"]))),
        ("too_large", cfg(json!(1), "storage", json!(["chat"]))),
        ("too_large", cfg(json!(4), "ram", json!(["chat"]))),
        ("invalid_tier", cfg(json!(1), "gpu", json!(["chat"]))),
        ("invalid_capabilities", cfg(json!(1), "ram", json!([]))),
        (
            "invalid_capabilities",
            cfg(json!(1), "ram", json!(["chat", "chat"])),
        ),
        (
            "invalid_capabilities",
            cfg(json!(1), "ram", json!(["Chat!"])),
        ),
    ] {
        let r = h.send(request.clone());
        assert_eq!(code(&r), want, "{request}: {r}");
    }
    assert_eq!(h.snapshot(), before);
    assert_eq!(repo_names(&mut h).len(), 6);
}

// --- load_model ---

#[test]
fn a_load_has_one_loading_phase_and_ends_ready() {
    let mut h = server(json!({"remote": small_remote(), "startTime": 9_000_000}));
    h.send(pull("p"));
    h.send(pull("s"));
    h.advance(10_000.0); // now 9_010_000
    let r = h.send(load("p"));
    assert_started(&r, "load_started", "load_p_9010", "p", "0.2s", 0.2);
    let id = r["job_id"].clone();
    assert_eq!(state(&mut h, "p").as_deref(), Some("loading"));
    assert_eq!(entry(&mut h, "p").unwrap()["job_id"], id);
    let s = job(&mut h, &id);
    assert_eq!(
        (&s["kind"], &s["status"], &s["phase"], &s["progress"]),
        (
            &json!("load"),
            &json!("loading"),
            &json!("loading"),
            &json!(0.2)
        )
    );
    assert_eq!(
        h.send(json!({"system_status": true}))["ram"]["reserved_gb"],
        2.0
    );
    h.advance(100.0);
    let s = job(&mut h, &id);
    assert!(close(&s["progress"], 0.55), "{s}");
    assert_eq!(s["phase"], "loading");
    h.advance(99.0);
    assert_eq!(job(&mut h, &id)["status"], "loading");
    h.advance(1.0);
    let s = job(&mut h, &id);
    assert_eq!(
        (&s["status"], &s["progress"], &s["elapsed_time"]),
        (&json!("success"), &json!(1.0), &json!(0.2))
    );
    assert_eq!(state(&mut h, "p").as_deref(), Some("ready"));
    let models = h.send(json!({"list_models": true}));
    assert_eq!(
        models["models"]["p"],
        json!({"size_gb": 2.0, "tier": "ram", "capabilities": ["chat"]})
    );
    let s = h.send(json!({"system_status": true}));
    assert_eq!(
        (&s["ram"]["reserved_gb"], &s["ram"]["resident_gb"]),
        (&json!(0.0), &json!(8.3))
    );
    // Swap: 0.5 s per GB; the object form works as the string form does.
    let r = h.send(json!({"load_model": {"model_name": "s"}}));
    assert_started(&r, "load_started", "load_s_9010", "s", "2.0s", 2.0);
    h.advance(1999.0);
    assert_eq!(state(&mut h, "s").as_deref(), Some("loading"));
    h.advance(1.0);
    assert_eq!(state(&mut h, "s").as_deref(), Some("ready"));
    // A ready model is selectable.
    assert_eq!(h.send_and_wait(json!({"model": "p"}))["model"], "p");
}

#[test]
fn load_model_accepts_a_keep_alive() {
    let mut h = with_small_remote();
    h.send(pull("p"));
    h.advance(10_000.0);
    let r = h.send(json!({"load_model": {"model_name": "p", "keep_alive": 30}}));
    assert_eq!(r["status"], "load_started", "{r}");
}

#[test]
fn load_model_state_faults() {
    let mut h = with_small_remote();
    h.send(pull("p"));
    let before = h.snapshot();
    let repo_before = repository(&mut h);
    for (want, request) in [
        ("model_not_found", load("ghost")),
        (
            "model_not_found",
            json!({"load_model": {"model_name": "ghost"}}),
        ),
        ("already_loaded", load("gpt2-small")),
        (
            "already_loaded",
            json!({"load_model": {"model_name": "gpt2-small"}}),
        ),
        ("model_loading", load("p")),
    ] {
        let r = h.send(request.clone());
        assert_eq!(code(&r), want, "{request}: {r}");
        let reason = r["reason"].as_str().unwrap();
        assert!(!reason.is_empty() && !reason.contains('\n'), "{reason}");
    }
    assert_eq!(h.snapshot(), before);
    assert_eq!(repository(&mut h), repo_before);
}

#[test]
fn load_model_of_a_loading_model_is_single_flight_and_changes_nothing() {
    let mut h = with_small_remote();
    h.send(pull("p"));
    h.advance(10_000.0);
    let first = h.send(load("p"));
    assert_eq!(first["status"], "load_started");
    let before = h.snapshot();
    let repo_before = repository(&mut h);
    let events = h.events.len();
    for again in [load("p"), json!({"load_model": {"model_name": "p"}})] {
        let r = h.send(again);
        let mut want = first.clone();
        want["deduplicated"] = json!(true);
        assert_eq!(r, want);
    }
    assert_eq!(h.snapshot(), before);
    assert_eq!(repository(&mut h), repo_before);
    assert_eq!(h.events.len(), events);
    // The same for a model a hot_load is loading: that job answers.
    let hot = h.send(hot_load("hot", 1.0, "ram", &["chat"]));
    let before = h.snapshot();
    let repo_before = repository(&mut h);
    let events = h.events.len();
    let r = h.send(load("hot"));
    assert_eq!(
        (&r["job_id"], &r["model_name"], &r["deduplicated"]),
        (&hot["job_id"], &json!("hot"), &json!(true)),
        "{r}"
    );
    assert_eq!(h.snapshot(), before);
    assert_eq!(repository(&mut h), repo_before);
    assert_eq!(h.events.len(), events);
    let jobs = h.send(json!({"list_jobs": true}))["jobs"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(jobs, 3); // pull p, load p, hot_load hot
}

#[test]
fn load_model_checks_and_reserves_capacity_as_hot_load_does() {
    let mut h = server(json!({"catalog": "empty", "ramGb": 4, "remote": small_remote()}));
    h.send(pull("p"));
    h.send(pull("q"));
    h.advance(10_000.0);
    // free 4 → limit 2.8: p fits; then free 2 → limit 1.4: q does not.
    assert_eq!(h.send(load("p"))["status"], "load_started");
    let r = h.send(load("q"));
    assert_eq!(code(&r), "insufficient_capacity");
    let reason = r["reason"].as_str().unwrap();
    assert!(
        reason.contains("2 GB") && reason.contains("1.4 GB"),
        "{reason}"
    );
    assert_eq!(state(&mut h, "q").as_deref(), Some("available"));
    // A failed load releases its reservation.
    let h2 = &mut server(json!({"catalog": "empty", "ramGb": 4, "remote": small_remote()}));
    h2.send(pull("p"));
    h2.send(pull("q"));
    h2.advance(10_000.0);
    h2.send(json!({"load_model": {"model_name": "p", "simulate": {"fail_at_progress": 0.5}}}));
    assert_eq!(code(&h2.send(load("q"))), "insufficient_capacity");
    h2.advance(10_000.0);
    assert_eq!(
        h2.send(json!({"system_status": true}))["ram"]["reserved_gb"],
        0.0
    );
    assert_eq!(h2.send(load("q"))["status"], "load_started");
}

// --- delete_model ---

#[test]
fn delete_model_faults_in_each_state_then_success() {
    let mut h = with_small_remote();
    h.send(pull("q"));
    h.advance(10_000.0); // q: available
    h.send(pull("p")); // pulling
    h.send(hot_load("busy", 1.0, "ram", &["chat"])); // loading
    let before = h.snapshot();
    for (want, name) in [
        ("model_not_found", "ghost"),
        ("model_loading", "p"),
        ("model_loading", "busy"),
        ("model_resident", "gpt2-small"),
    ] {
        let r = h.send(json!({ "delete_model": name }));
        assert_eq!(code(&r), want, "{name}: {r}");
    }
    assert_eq!(h.snapshot(), before);
    let events = h.events.len();
    let r = h.send(json!({"delete_model": "q"}));
    assert_eq!(r, json!({"status": "success", "model": "q"}));
    assert_eq!(entry(&mut h, "q"), None);
    let new: Vec<&Value> = h.events[events..].iter().collect();
    assert_eq!(new.len(), 1, "{new:?}");
    assert_eq!(
        (&new[0]["type"], &new[0]["model_name"], &new[0]["time"]),
        (&json!("model_deleted"), &json!("q"), &json!(h.now))
    );
    assert_eq!(
        code(&h.send(json!({"delete_model": "q"}))),
        "model_not_found"
    );
    assert_eq!(code(&h.send(load("q"))), "model_not_found");
    // Deleted means unknown: it can be pulled again, as a new model (at the end).
    assert_eq!(h.send(pull("q"))["status"], "pull_started");
    assert_eq!(repo_names(&mut h).last().unwrap(), "q");
}

#[test]
fn an_unloaded_catalog_model_can_be_deleted() {
    let mut h = Harness::new();
    h.send(json!({"unload_model": "gpt2-large"}));
    assert_eq!(
        code(&h.send(json!({"delete_model": "gpt2-small"}))),
        "model_resident"
    );
    assert_eq!(
        h.send(json!({"delete_model": "gpt2-large"})),
        json!({"status": "success", "model": "gpt2-large"})
    );
    assert_eq!(
        repo_names(&mut h),
        [
            "gpt2-small",
            "gpt2-medium",
            "bert-large",
            "gpt-j-6b",
            "llama-7b"
        ]
    );
    assert_eq!(code(&h.send(load("gpt2-large"))), "model_not_found");
}

// --- pin_model / unpin_model ---

#[test]
fn pin_and_unpin_are_idempotent_and_show_in_list_repository() {
    let mut h = with_small_remote();
    for command in ["pin_model", "unpin_model"] {
        assert_eq!(
            code(&h.send(json!({ command: "ghost" }))),
            "model_not_found"
        );
    }
    for _ in 0..2 {
        assert_eq!(
            h.send(json!({"pin_model": "gpt2-small"})),
            json!({"status": "success", "model": "gpt2-small", "pinned": true})
        );
        assert_eq!(entry(&mut h, "gpt2-small").unwrap()["pinned"], true);
    }
    assert_eq!(entry(&mut h, "gpt2-medium").unwrap()["pinned"], false);
    for _ in 0..2 {
        assert_eq!(
            h.send(json!({"unpin_model": "gpt2-small"})),
            json!({"status": "success", "model": "gpt2-small", "pinned": false})
        );
        assert_eq!(entry(&mut h, "gpt2-small").unwrap()["pinned"], false);
    }
    // An unpin of a model never pinned is fine too, and so is pinning one that is not ready.
    assert_eq!(
        h.send(json!({"unpin_model": "llama-7b"})),
        json!({"status": "success", "model": "llama-7b", "pinned": false})
    );
    h.send(pull("p"));
    h.advance(10_000.0);
    assert_eq!(
        h.send(json!({"pin_model": "p"})),
        json!({"status": "success", "model": "p", "pinned": true})
    );
    assert_eq!(entry(&mut h, "p").unwrap()["pinned"], true);
}

// --- the visible v1 changes ---

#[test]
fn unload_leaves_the_model_available_in_its_place() {
    let mut h = Harness::new();
    let u = h.send(json!({"unload_model": "gpt2-large"}));
    assert_eq!(
        (&u["status"], &u["model"], &u["freed_gb"], &u["tier"]),
        (
            &json!("success"),
            &json!("gpt2-large"),
            &json!(3.0),
            &json!("ram")
        )
    );
    assert!(!library(&mut h).contains(&"gpt2-large".to_string()));
    let e = entries(&mut h);
    assert_eq!(e.len(), 6);
    assert_eq!(
        (
            &e[2]["name"],
            &e[2]["state"],
            &e[2]["size_gb"],
            &e[2]["job_id"]
        ),
        (
            &json!("gpt2-large"),
            &json!("available"),
            &json!(3.0),
            &Value::Null
        )
    );
    // An available model can be loaded back with its stored config.
    let r = h.send(load("gpt2-large"));
    assert_started(
        &r,
        "load_started",
        "load_gpt2-large_0",
        "gpt2-large",
        "0.3s",
        0.3,
    );
    h.advance(300.0);
    assert_eq!(state(&mut h, "gpt2-large").as_deref(), Some("ready"));
    assert_eq!(
        h.send(json!({"list_models": true}))["models"]["gpt2-large"],
        json!({"size_gb": 3.0, "tier": "ram", "capabilities": ["text-generation"]})
    );
}

#[test]
fn hot_load_of_an_available_name_replaces_its_config() {
    let mut h = Harness::new();
    h.send(json!({"unload_model": "gpt2-large"}));
    let r = h.send(hot_load("gpt2-large", 2.0, "swap", &["chat"]));
    assert_eq!(r["status"], "hot_load_started", "{r}");
    assert_eq!(state(&mut h, "gpt2-large").as_deref(), Some("loading"));
    h.advance(60_000.0);
    let e = entries(&mut h);
    // Not a new model: it keeps its place in repository order.
    assert_eq!(
        (
            &e[2]["name"],
            &e[2]["state"],
            &e[2]["size_gb"],
            &e[2]["tier"],
            &e[2]["capabilities"]
        ),
        (
            &json!("gpt2-large"),
            &json!("ready"),
            &json!(2.0),
            &json!("swap"),
            &json!(["chat"])
        )
    );
    assert_eq!(
        h.send(json!({"list_models": true}))["models"]["gpt2-large"],
        json!({"size_gb": 2.0, "tier": "swap", "capabilities": ["chat"]})
    );
    // §2 unchanged: the library lists hot-loaded models in completion order, after the catalog's.
    assert_eq!(library(&mut h).last().unwrap(), "gpt2-large");
    // A pulled model is available, and a hot_load of it is allowed too.
    let mut h = with_small_remote();
    h.send(pull("p"));
    h.advance(10_000.0);
    let r = h.send(hot_load("p", 1.0, "ram", &["embeddings"]));
    assert_eq!(r["status"], "hot_load_started", "{r}");
    h.advance(10_000.0);
    assert_eq!(
        h.send(json!({"list_models": true}))["models"]["p"],
        json!({"size_gb": 1.0, "tier": "ram", "capabilities": ["embeddings"]})
    );
}

#[test]
fn selecting_a_known_model_that_is_not_ready_is_model_not_found_saying_so() {
    let mut h = with_small_remote();
    h.send(pull("p"));
    h.advance(10_000.0);
    h.send(json!({"unload_model": "gpt2-large"}));
    let unknown = h.send(json!({"model": "ghost"}));
    assert_eq!(code(&unknown), "model_not_found");
    for name in ["p", "gpt2-large"] {
        let r = h.send(json!({ "model": name }));
        assert_eq!(code(&r), "model_not_found", "{r}");
        let reason = r["reason"].as_str().unwrap();
        let ghost = unknown["reason"].as_str().unwrap().replace("ghost", name);
        assert_ne!(reason, ghost, "the reason must say the model is known");
        assert!(
            reason.contains("load_model") || reason.contains("hot_load"),
            "the reason says how to load it: {reason}"
        );
    }
}

#[test]
fn load_status_list_jobs_and_load_events_carry_the_job_kind() {
    let mut h = with_small_remote();
    let hot = h.send(hot_load("h", 0.5, "ram", &["chat"]))["job_id"].clone();
    let pulled = h.send(pull("p"))["job_id"].clone();
    let pulled_q = h.send(pull("q"))["job_id"].clone();
    h.advance(10_000.0);
    let loaded = h.send(load("p"))["job_id"].clone();
    let failing = h.send(json!({"load_model": {"model_name": "q",
        "simulate": {"fail_at_progress": 0.5}}}))["job_id"]
        .clone();
    let cancelled = h.send(pull("s"))["job_id"].clone();
    h.send(json!({ "cancel_load": cancelled }));
    h.advance(10_000.0);
    let kinds = [
        (&hot, "hot_load"),
        (&pulled, "pull"),
        (&pulled_q, "pull"),
        (&loaded, "load"),
        (&failing, "load"),
        (&cancelled, "pull"),
    ];
    for (id, kind) in kinds {
        assert_eq!(job(&mut h, id)["kind"], kind, "{id}");
    }
    let jobs = h.send(json!({"list_jobs": true}));
    for j in jobs["jobs"].as_array().unwrap() {
        let (_, kind) = kinds.iter().find(|(id, _)| **id == j["job_id"]).unwrap();
        assert_eq!(j["kind"], *kind, "{j}");
    }
    let mut seen = 0;
    for e in &h.events {
        if let Some((_, kind)) = kinds.iter().find(|(id, _)| **id == e["job_id"]) {
            assert!(e["type"].as_str().unwrap().starts_with("load_"), "{e}");
            assert_eq!(e["kind"], *kind, "{e}");
            seen += 1;
        }
    }
    // six started, four succeeded, two failed (one of them cancelled)
    assert_eq!(seen, 12);
    let cancel_event = h
        .events
        .iter()
        .find(|e| e["type"] == "load_failed" && e["job_id"] == cancelled)
        .unwrap();
    assert_eq!(cancel_event["cancelled"], true);
}

#[test]
fn hot_load_started_gains_queue_position_zero() {
    let mut h = server(json!({"startTime": 1_234_567_890_000u64}));
    let r = h.send(hot_load(
        "my-custom-model",
        2.5,
        "ram",
        &["text-generation", "chat"],
    ));
    assert_eq!(
        (
            &r["status"],
            &r["job_id"],
            &r["model_name"],
            &r["estimated_time"],
            &r["estimated_seconds"],
            &r["queue_position"]
        ),
        (
            &json!("hot_load_started"),
            &json!("load_my-custom-model_1234567890"),
            &json!("my-custom-model"),
            &json!("3.8s"),
            &json!(3.75),
            &json!(0)
        )
    );
}

#[test]
fn ids_share_one_space_and_never_repeat() {
    let mut h = server(json!({"remote": small_remote(), "startTime": 5_000_000}));
    let a = h.send(pull("p"));
    assert_eq!(a["job_id"], "pull_p_5000");
    h.send(json!({"cancel_load": "pull_p_5000"})); // p leaves the repository
    assert_eq!(h.send(pull("p"))["job_id"], "pull_p_5000_2");
    h.advance(10_000.0); // 5010 s
    let l = h.send(load("p"));
    assert_eq!(l["job_id"], "load_p_5010");
    h.send(json!({"cancel_load": "load_p_5010"})); // p stays, available
    assert_eq!(h.send(load("p"))["job_id"], "load_p_5010_2");
    h.send(json!({"cancel_load": "load_p_5010_2"}));
    // hot_load and load_model share the load_ prefix and its counter.
    assert_eq!(
        h.send(hot_load("p", 1.0, "ram", &["chat"]))["job_id"],
        "load_p_5010_3"
    );
}

// --- simulate and cancel on the new kinds ---

#[test]
fn simulate_fails_a_pull_on_its_own_progress() {
    let mut h = with_small_remote();
    // p: pull 2.8 s over one phase; 0.55 is reached half way, at 1.4 s.
    let id = h.send(json!({"pull_model": {"model_name": "p",
        "simulate": {"fail_at_progress": 0.55, "error": "net down"}}}))["job_id"]
        .clone();
    h.advance(1300.0);
    assert_eq!(job(&mut h, &id)["status"], "loading");
    h.advance(200.0);
    let s = job(&mut h, &id);
    assert_eq!(
        (&s["status"], &s["error"]),
        (&json!("failed"), &json!("net down"))
    );
    assert!(close(&s["progress"], 0.55), "{s}");
    assert!(close(&s["elapsed_time"], 1.4), "{s}");
    assert_eq!(entry(&mut h, "p"), None);
    // At or below the start: fails when the clock is next driven, at 0.2.
    let id = h.send(json!({"pull_model": {"model_name": "q",
        "simulate": {"fail_at_progress": 0.1}}}))["job_id"]
        .clone();
    h.advance(0.0);
    let s = job(&mut h, &id);
    assert_eq!(
        (&s["status"], &s["progress"], &s["error"]),
        (&json!("failed"), &json!(0.2), &json!("simulated failure"))
    );
    // Above 0.9: fails at the end of the phase, reporting 0.9.
    let id = h.send(json!({"pull_model": {"model_name": "s",
        "simulate": {"fail_at_progress": 0.95}}}))["job_id"]
        .clone();
    h.advance(5599.0);
    assert_eq!(job(&mut h, &id)["status"], "loading");
    h.advance(1.0);
    let s = job(&mut h, &id);
    assert_eq!(
        (&s["status"], &s["progress"], &s["elapsed_time"]),
        (&json!("failed"), &json!(0.9), &json!(5.6))
    );
    assert_eq!(entry(&mut h, "s"), None);
}

#[test]
fn simulate_fails_a_load_on_its_own_progress() {
    let mut h = with_small_remote();
    h.send(pull("s"));
    h.advance(10_000.0);
    // s: load 2 s into swap; 0.55 is reached at 1 s (a hot_load would still be preparing).
    let id = h.send(json!({"load_model": {"model_name": "s",
        "simulate": {"fail_at_progress": 0.55}}}))["job_id"]
        .clone();
    h.advance(900.0);
    assert_eq!(job(&mut h, &id)["status"], "loading");
    h.advance(200.0);
    let s = job(&mut h, &id);
    assert_eq!(s["status"], "failed");
    assert!(close(&s["progress"], 0.55), "{s}");
    assert!(close(&s["elapsed_time"], 1.0), "{s}");
    assert_eq!(state(&mut h, "s").as_deref(), Some("available"));
    assert_eq!(
        h.send(json!({"system_status": true}))["swap"]["reserved_gb"],
        0.0
    );
}

#[test]
fn cancel_load_cancels_pulls_and_loads() {
    let mut h = with_small_remote();
    h.send(pull("q"));
    h.advance(10_000.0);
    let p = h.send(pull("p"))["job_id"].clone();
    let q = h.send(load("q"))["job_id"].clone();
    h.advance(100.0);
    for (id, name) in [(&p, "p"), (&q, "q")] {
        let c = h.send(json!({ "cancel_load": id }));
        assert_eq!(
            (
                &c["status"],
                &c["job_id"],
                &c["model_name"],
                &c["cancelled"]
            ),
            (&json!("success"), id, &json!(name), &json!(true)),
            "{c}"
        );
        let s = job(&mut h, id);
        assert_eq!(
            (&s["status"], &s["error"], &s["cancelled"]),
            (&json!("failed"), &json!("cancelled"), &json!(true))
        );
        assert_eq!(
            code(&h.send(json!({ "cancel_load": id }))),
            "job_not_active"
        );
    }
    assert_eq!(entry(&mut h, "p"), None); // its first job
    assert_eq!(state(&mut h, "q").as_deref(), Some("available"));
    assert_eq!(
        h.send(json!({"system_status": true}))["ram"]["reserved_gb"],
        0.0
    );
    h.advance(60_000.0);
    assert_eq!(job(&mut h, &q)["status"], "failed"); // no late success
    assert_eq!(state(&mut h, "q").as_deref(), Some("available"));
}

// --- faults: envelope, shape, order ---

#[test]
fn new_commands_reject_values_of_the_wrong_type() {
    let mut h = with_small_remote();
    let before = h.snapshot();
    for request in [
        json!({"pull_model": 5}),
        json!({"pull_model": null}),
        json!({"pull_model": ["p"]}),
        json!({"load_model": true}),
        json!({"load_model": ["gpt2-small"]}),
        json!({"delete_model": 5}),
        json!({"delete_model": {"model_name": "gpt2-small"}}),
        json!({"pin_model": null}),
        json!({"unpin_model": 1}),
        json!({"list_repository": false}),
        json!({"list_repository": "yes"}),
    ] {
        let r = h.send(request.clone());
        assert_eq!(code(&r), "invalid_request", "{request}: {r}");
    }
    for (want, request) in [
        (
            "unknown_field",
            json!({"list_repository": true, "verbose": true}),
        ),
        ("unknown_field", json!({"pull_model": "p", "force": true})),
        // the envelope comes first: unknown keys, then the number of commands, then the value
        ("unknown_field", json!({"pull_model": 5, "force": true})),
        (
            "ambiguous_request",
            json!({"pull_model": 5, "delete_model": 5}),
        ),
        (
            "ambiguous_request",
            json!({"pull_model": "p", "load_model": "p"}),
        ),
        (
            "ambiguous_request",
            json!({"list_repository": true, "list_models": true}),
        ),
    ] {
        let r = h.send(request.clone());
        assert_eq!(code(&r), want, "{request}: {r}");
    }
    assert_eq!(
        h.send(json!({"list_repository": true, "request_id": "r-1"}))["request_id"],
        "r-1"
    );
    assert_eq!(
        h.send(json!({"pull_model": "ghost", "request_id": 7}))["request_id"],
        7
    );
    assert_eq!(h.snapshot(), before);
}

#[test]
fn pull_model_faults_in_spec_order() {
    let mut h = with_small_remote();
    let bad_config = json!({"size_gb": 1, "tier": "gpu", "capabilities": ["chat"]});
    let good_config = json!({"size_gb": 1, "tier": "ram", "capabilities": ["chat"]});
    for (want, value) in [
        // unknown fields before the name
        ("unknown_field", json!({"model_name": "<b>", "force": true})),
        ("unknown_field", json!({"model_name": 5, "force": true})),
        // the name before the config
        (
            "invalid_model_name",
            json!({"model_name": "<b>", "model_config": bad_config}),
        ),
        ("invalid_model_name", json!({"model_config": bad_config})),
        ("invalid_model_name", json!({"model_name": 5})),
        // the config (simulate included) before the state
        (
            "invalid_tier",
            json!({"model_name": "gpt2-small", "model_config": bad_config}),
        ),
        (
            "invalid_config",
            json!({"model_name": "gpt2-small", "model_config": good_config,
                   "simulate": {"fail_at_progress": 7}}),
        ),
        (
            "invalid_config",
            json!({"model_name": "ghost", "simulate": {"fail_at_progress": "half"}}),
        ),
        // the state
        (
            "duplicate_model",
            json!({"model_name": "gpt2-small", "model_config": good_config}),
        ),
        ("duplicate_model", json!({"model_name": "gpt2-small"})),
        ("model_not_found", json!({"model_name": "ghost"})),
    ] {
        let r = h.send(json!({ "pull_model": value }));
        assert_eq!(code(&r), want, "{value}: {r}");
    }
}

#[test]
fn load_model_faults_in_spec_order() {
    let mut h = server(json!({"swapGb": 20, "remote": small_remote()}));
    h.send(pull("s"));
    h.advance(10_000.0);
    // swap: 13 GB resident of 20 → free 7, limit 4.2: s (4 GB) fits, a 4.5 GB model would not.
    h.send(json!({"pull_model": {"model_name": "big",
        "model_config": {"size_gb": 4.5, "tier": "swap", "capabilities": ["chat"]}}}));
    h.send(pull("p"));
    for (want, value) in [
        (
            "unknown_field",
            json!({"model_name": "<b>", "model_config": {}}),
        ),
        ("unknown_field", json!({"model_name": "s", "tier": "ram"})),
        (
            "invalid_model_name",
            json!({"model_name": "<b>", "simulate": {"fail_at_progress": 7}}),
        ),
        ("invalid_model_name", json!({})),
        // the config (simulate) before the state
        (
            "invalid_config",
            json!({"model_name": "ghost", "simulate": {"fail_at_progress": 7}}),
        ),
        (
            "invalid_config",
            json!({"model_name": "gpt2-small", "simulate": {"fail_at_progress": 7}}),
        ),
        // the state before the capacity
        ("model_loading", json!({"model_name": "big"})),
        ("model_not_found", json!({"model_name": "ghost"})),
        ("already_loaded", json!({"model_name": "llama-7b"})),
    ] {
        let r = h.send(json!({ "load_model": value }));
        assert_eq!(code(&r), want, "{value}: {r}");
    }
    h.advance(10_000.0); // big: available
    assert_eq!(code(&h.send(load("big"))), "insufficient_capacity");
    assert_eq!(h.send(load("s"))["status"], "load_started");
}

#[test]
fn rejected_requests_of_the_new_commands_change_nothing() {
    let remote = json!([
        model("p", 2.0, "ram", &["chat"]),
        model("q", 2.0, "ram", &["chat"]),
        model("huge", 7.0, "swap", &["chat"]),
    ]);
    let mut h = server(json!({"swapGb": 20, "remote": remote}));
    h.send(pull("q"));
    h.send(pull("huge"));
    h.advance(10_000.0); // q, huge: available
    h.send(hot_load("busy", 1.0, "ram", &["chat"])); // loading
    h.send(pull("p")); // pulling
    h.send_and_wait(json!({"model": "gpt2-small"}));
    h.send(json!({"pin_model": "gpt2-medium"}));
    let before = h.snapshot();
    let repo_before = repository(&mut h);
    let events = h.events.len();
    for bad in [
        pull("gpt2-small"),
        pull("p"),
        pull("busy"),
        pull("q"),
        pull("ghost"),
        json!({"pull_model": {"model_name": "x", "model_config": {"size_gb": 1, "tier": "gpu", "capabilities": ["chat"]}}}),
        json!({"pull_model": {"model_name": "x", "force": true}}),
        json!({"pull_model": 5}),
        load("ghost"),
        load("gpt2-small"),
        load("p"),
        load("huge"),
        json!({"load_model": {"model_name": "q", "simulate": {"fail_at_progress": 7}}}),
        json!({"load_model": {"model_name": "q", "model_config": {}}}),
        json!({"delete_model": "ghost"}),
        json!({"delete_model": "p"}),
        json!({"delete_model": "busy"}),
        json!({"delete_model": "gpt2-small"}),
        json!({"pin_model": "ghost"}),
        json!({"unpin_model": "ghost"}),
        json!({"model": "q"}),
        json!({"list_repository": false}),
        json!({"list_repository": true, "pull_model": "ghost"}),
    ] {
        let r = h.send(bad.clone());
        assert_eq!(r["status"], "error", "{bad}: {r}");
    }
    assert_eq!(h.snapshot(), before);
    assert_eq!(repository(&mut h), repo_before);
    assert_eq!(h.events.len(), events);
}

#[test]
fn the_new_error_codes_have_one_clear_sentence() {
    let mut h = with_small_remote();
    h.send(pull("p"));
    for (want, request) in [
        ("already_loaded", load("gpt2-small")),
        ("model_resident", json!({"delete_model": "gpt2-small"})),
        ("model_loading", json!({"delete_model": "p"})),
        ("model_not_found", json!({"pin_model": "ghost"})),
    ] {
        let r = h.send(request);
        assert_eq!((&r["status"], code(&r)), (&json!("error"), want), "{r}");
        let reason = r["reason"].as_str().unwrap();
        assert!(
            !reason.is_empty() && reason.len() < 300 && !reason.contains('\n'),
            "{want}: {reason}"
        );
    }
    let r = h.send(json!({"delete_model": "gpt2-small"}));
    assert!(
        r["reason"].as_str().unwrap().contains("unload"),
        "model_resident says to unload it first: {r}"
    );
}

#[test]
fn modified_at_is_the_start_for_the_catalog_and_the_end_of_a_pull_or_hot_load() {
    let mut h = server(json!({"startTime": 1000, "remote": small_remote()}));
    let find =
        |h: &mut Harness, name: &str| entries(h).into_iter().find(|m| m["name"] == name).unwrap();
    assert_eq!(find(&mut h, "gpt2-small")["modified_at"], 1000.0);
    h.advance(1000.0);
    h.send(pull("p"));
    assert_eq!(find(&mut h, "p")["modified_at"], 2000.0);
    h.advance(2800.0);
    assert_eq!(find(&mut h, "p")["state"], "available");
    assert_eq!(find(&mut h, "p")["modified_at"], 4800.0);
    // A load changes no files.
    h.send(load("p"));
    h.advance(1000.0);
    assert_eq!(find(&mut h, "p")["state"], "ready");
    assert_eq!(find(&mut h, "p")["modified_at"], 4800.0);
}
