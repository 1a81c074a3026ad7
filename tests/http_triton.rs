//! The Triton (KServe v2) routes (SPEC §6): health, metadata, readiness and
//! the model repository, on the state `handleRequest` reads and changes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/http.rs"]
mod http;

use http::Site;
use serde_json::{json, Value};

fn index(sim: &mut Site, body: &str) -> Vec<Value> {
    let answer = sim.post_now("/v2/repository/index", body);
    assert_eq!(answer.code(), 200, "{}", answer.body);
    answer.json().as_array().unwrap().clone()
}

fn entry_of<'a>(index: &'a [Value], name: &str) -> &'a Value {
    index
        .iter()
        .find(|e| e["name"] == name)
        .unwrap_or_else(|| panic!("{name} is not in the index"))
}

fn error_of(answer: &http::Answer) -> String {
    answer.json()["error"].as_str().unwrap().to_string()
}

#[test]
fn health_is_200_with_no_body_and_get_only() {
    let mut sim = Site::new();
    for url in ["/v2/health/live", "http://sim:8000/v2/health/ready"] {
        let answer = sim.get_now(url);
        assert_eq!(answer.code(), 200);
        assert_eq!(answer.body, "");
    }
    let post = sim.post_now("/v2/health/live", "");
    assert_eq!(post.code(), 405);
    assert_eq!(post.header("allow"), Some("GET"));
    assert!(post.json()["error"].is_string());
    assert_eq!(sim.get_now("/v2/health/dead").code(), 404);
}

#[test]
fn server_metadata_names_the_repository_extension() {
    let mut sim = Site::new();
    let answer = sim.get_now("/v2");
    assert_eq!(answer.code(), 200);
    assert_eq!(
        answer.json(),
        json!({"name": "model-hotload", "version": env!("CARGO_PKG_VERSION"),
               "extensions": ["model_repository"]})
    );
}

#[test]
fn the_index_maps_every_state_and_ready_true_keeps_the_ready_ones() {
    let mut sim = Site::new();
    let all = index(&mut sim, "");
    assert_eq!(all.len(), 6);
    assert_eq!(
        all[0],
        json!({"name": "gpt2-small", "version": "1", "state": "READY"})
    );

    sim.request(json!({"unload_model": "gpt2-large"}));
    sim.request(json!({"pull_model": "qwen2.5:0.5b"}));
    sim.request(json!({"load_model": "gpt2-large"}));
    let all = index(&mut sim, "{}");
    assert_eq!(entry_of(&all, "gpt2-large")["state"], "LOADING");
    assert_eq!(
        entry_of(&all, "qwen2.5:0.5b"),
        &json!({"name": "qwen2.5:0.5b", "version": "1", "state": "UNAVAILABLE"})
    );
    sim.advance(60_000.0);
    sim.request(json!({"unload_model": "bert-large"}));
    let all = index(&mut sim, "{\"ready\": false}");
    assert_eq!(entry_of(&all, "gpt2-large")["state"], "READY");
    assert_eq!(entry_of(&all, "qwen2.5:0.5b")["state"], "UNAVAILABLE");
    assert_eq!(entry_of(&all, "bert-large")["state"], "UNAVAILABLE");
    assert_eq!(all.len(), 7);

    let ready = index(&mut sim, "{\"ready\": true}");
    let names: Vec<&str> = ready.iter().map(|e| e["name"].as_str().unwrap()).collect();
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
}

#[test]
fn a_failed_load_is_unavailable_with_its_error_as_reason() {
    let mut sim = Site::new();
    sim.request(json!({"unload_model": "gpt2-large"}));
    let started = sim.request(json!({"load_model": {"model_name": "gpt2-large",
        "simulate": {"fail_at_progress": 0.5, "error": "disk on fire"}}}));
    assert_eq!(started["status"], "load_started");
    sim.advance(1_000.0);
    let all = index(&mut sim, "");
    assert_eq!(
        entry_of(&all, "gpt2-large"),
        &json!({"name": "gpt2-large", "version": "1", "state": "UNAVAILABLE", "reason": "disk on fire"})
    );
}

#[test]
fn bad_index_bodies_are_400() {
    let mut sim = Site::new();
    for body in ["{", "[]", "{\"ready\": \"yes\"}", "{\"ready\": null}"] {
        let answer = sim.post_now("/v2/repository/index", body);
        assert_eq!(answer.code(), 400, "{body}");
        assert!(!error_of(&answer).is_empty());
    }
    assert_eq!(sim.get_now("/v2/repository/index").code(), 405);
}

#[test]
fn load_answers_only_when_the_simulated_load_ends() {
    let mut sim = Site::new();
    sim.request(json!({"unload_model": "gpt2-large"}));
    // 3 GB in ram: 0.3 s of loading.
    let id = sim.open(
        "POST",
        "/v2/repository/models/gpt2-large/load",
        "{\"parameters\": {\"config\": \"{}\", \"anything\": 1}}",
    );
    assert_eq!(sim.so_far(id).status(), None);
    assert_eq!(sim.entry("gpt2-large").unwrap()["state"], "loading");
    assert_eq!(sim.facade.open_count(), 1);

    sim.advance(299.0);
    assert_eq!(
        sim.so_far(id).status(),
        None,
        "answered before the load ended"
    );
    sim.advance(1.0);
    let answer = sim.so_far(id);
    assert!(answer.ended);
    assert_eq!(answer.code(), 200);
    assert_eq!(answer.json(), json!({}));
    assert_eq!(sim.facade.open_count(), 0);
    assert_eq!(sim.entry("gpt2-large").unwrap()["state"], "ready");
    let ready = sim.get_now("/v2/models/gpt2-large/ready");
    assert_eq!(ready.code(), 200);
}

#[test]
fn a_loaded_model_loads_at_once() {
    let mut sim = Site::new();
    let answer = sim.post_now("/v2/repository/models/gpt2-small/load", "");
    assert_eq!(answer.code(), 200);
    assert_eq!(answer.json(), json!({}));
    assert!(
        sim.engine.jobs().next().is_none(),
        "no job for a loaded model"
    );
}

#[test]
fn a_failed_or_cancelled_load_is_a_400() {
    let mut sim = Site::new();
    sim.request(json!({"unload_model": "gpt2-large"}));
    sim.request(json!({"load_model": {"model_name": "gpt2-large",
        "simulate": {"fail_at_progress": 0.5, "error": "disk on fire"}}}));
    // Single flight: the route waits for the job already loading the model.
    let id = sim.open("POST", "/v2/repository/models/gpt2-large/load", "{}");
    assert_eq!(sim.so_far(id).status(), None);
    sim.advance(1_000.0);
    let answer = sim.so_far(id);
    assert_eq!(answer.code(), 400);
    assert_eq!(
        error_of(&answer),
        "load failed for model 'gpt2-large': disk on fire"
    );

    sim.request(json!({"unload_model": "gpt2-medium"}));
    let id = sim.open("POST", "/v2/repository/models/gpt2-medium/load", "");
    let job = sim.entry("gpt2-medium").unwrap()["job_id"].clone();
    let cancelled = sim.request(json!({ "cancel_load": job }));
    assert_eq!(cancelled["status"], "success");
    let answer = sim.so_far(id);
    assert_eq!(answer.code(), 400, "the cancel ends the wait at once");
    assert_eq!(
        error_of(&answer),
        "load failed for model 'gpt2-medium': cancelled"
    );
}

#[test]
fn a_load_the_engine_refuses_is_a_400_that_changes_nothing() {
    let mut sim = Site::new();
    let unknown = sim.post_now("/v2/repository/models/nope/load", "");
    assert_eq!(unknown.code(), 400);
    assert!(error_of(&unknown).starts_with("failed to load 'nope': "));

    sim.request(json!({"unload_model": "gpt2-large"}));
    let bad = sim.post_now("/v2/repository/models/gpt2-large/load", "{parameters");
    assert_eq!(bad.code(), 400);
    assert_eq!(sim.entry("gpt2-large").unwrap()["state"], "available");
    assert!(sim.engine.jobs().next().is_none());
    assert_eq!(
        sim.get_now("/v2/repository/models/gpt2-large/load").code(),
        405
    );
}

#[test]
fn unload_is_unload_model_and_idempotent_as_tritons() {
    let mut sim = Site::new();
    let answer = sim.post_now(
        "/v2/repository/models/bert-large/unload",
        "{\"parameters\": {\"unload_dependents\": true}}",
    );
    assert_eq!(answer.code(), 200);
    assert_eq!(answer.json(), json!({}));
    assert_eq!(sim.entry("bert-large").unwrap()["state"], "available");
    assert_eq!(sim.event_types(), ["model_unloaded"]);
    // Not loaded, or never known: nothing to unload, as Triton says.
    assert_eq!(
        sim.post_now("/v2/repository/models/bert-large/unload", "")
            .code(),
        200
    );
    assert_eq!(
        sim.post_now("/v2/repository/models/nope/unload", "").code(),
        200
    );

    sim.request(json!({"model": "gpt2-small"}));
    let in_use = sim.post_now("/v2/repository/models/gpt2-small/unload", "");
    assert_eq!(in_use.code(), 400);
    assert!(error_of(&in_use).starts_with("failed to unload 'gpt2-small': "));
    assert_eq!(sim.entry("gpt2-small").unwrap()["state"], "ready");
}

#[test]
fn readiness_follows_the_state_and_the_version() {
    let mut sim = Site::new();
    for url in [
        "/v2/models/gpt2-small/ready",
        "/v2/models/gpt2-small/versions/1/ready",
    ] {
        let answer = sim.get_now(url);
        assert_eq!(answer.code(), 200, "{url}");
        assert_eq!(answer.body, "");
    }
    sim.request(json!({"unload_model": "gpt2-small"}));
    for url in [
        "/v2/models/gpt2-small/ready",
        "/v2/models/gpt2-medium/versions/2/ready",
        "/v2/models/nope/ready",
    ] {
        let answer = sim.get_now(url);
        assert_eq!(answer.code(), 400, "{url}");
        assert_eq!(answer.json(), json!({"error": "Model version not ready"}));
    }
}

#[test]
fn metadata_is_made_from_the_capabilities() {
    let mut sim = Site::new();
    let answer = sim.get_now("/v2/models/gpt2-small");
    assert_eq!(answer.code(), 200);
    assert_eq!(
        answer.json(),
        json!({"name": "gpt2-small", "versions": ["1"], "platform": "model-hotload",
            "inputs": [{"name": "text_input", "datatype": "BYTES", "shape": [1]}],
            "outputs": [{"name": "text_output", "datatype": "BYTES", "shape": [-1]}]})
    );
    assert_eq!(
        sim.get_now("/v2/models/bert-large/versions/1").json()["outputs"],
        json!([{"name": "label", "datatype": "BYTES", "shape": [1]},
               {"name": "score", "datatype": "FP32", "shape": [1]}])
    );
    sim.request(json!({"pull_model": "nomic-embed-text"}));
    sim.advance(10_000.0);
    sim.request(json!({"load_model": "nomic-embed-text"}));
    sim.advance(10_000.0);
    assert_eq!(
        sim.get_now("/v2/models/nomic-embed-text").json()["outputs"],
        json!([{"name": "embedding", "datatype": "FP32", "shape": [-1]}])
    );
}

#[test]
fn metadata_of_a_model_it_cannot_describe_is_tritons_error() {
    let mut sim = Site::new();
    let unknown = sim.get_now("/v2/models/nope");
    assert_eq!(unknown.code(), 400);
    assert_eq!(
        error_of(&unknown),
        "Request for unknown model: 'nope' is not found"
    );
    sim.request(json!({"unload_model": "gpt2-small"}));
    let unloaded = sim.get_now("/v2/models/gpt2-small");
    assert_eq!(unloaded.code(), 404);
    assert_eq!(
        error_of(&unloaded),
        "Request for unknown model: 'gpt2-small' has no available versions"
    );
    assert_eq!(sim.get_now("/v2/models/gpt2-small/versions/1").code(), 503);
    assert_eq!(sim.get_now("/v2/models/gpt2-medium/versions/7").code(), 404);
    assert_eq!(sim.get_now("/v2/models/nope/versions/7").code(), 400);
}

#[test]
fn names_are_percent_decoded_and_may_hold_slashes() {
    let mut sim = Site::new();
    sim.request(json!({"pull_model": "llama3.2:3b"}));
    sim.advance(60_000.0);
    let id = sim.open("POST", "/v2/repository/models/llama3.2%3A3b/load", "");
    sim.advance(60_000.0);
    assert_eq!(sim.so_far(id).code(), 200);
    assert_eq!(sim.get_now("/v2/models/llama3.2:3b/ready").code(), 200);
    assert_eq!(
        sim.get_now("/v2/models/llama3.2%3A3b").json()["name"],
        "llama3.2:3b"
    );

    sim.request(json!({"hot_load": {"model_name": "acme/tiny",
        "model_config": {"size_gb": 0.5, "tier": "ram", "capabilities": ["chat"]}}}));
    sim.advance(10_000.0);
    // tritonclient quotes names keeping `/`; fetch-style clients send %2F.
    for url in ["/v2/models/acme/tiny/ready", "/v2/models/acme%2Ftiny/ready"] {
        assert_eq!(sim.get_now(url).code(), 200, "{url}");
    }
    assert_eq!(
        sim.get_now("/v2/models/acme/tiny/versions/1").json()["name"],
        "acme/tiny"
    );
    let unloaded = sim.post_now("/v2/repository/models/acme/tiny/unload", "");
    assert_eq!(unloaded.code(), 200);
    assert_eq!(sim.entry("acme/tiny").unwrap()["state"], "available");
}

#[test]
fn unknown_triton_paths_are_404() {
    let mut sim = Site::new();
    for url in ["/v2/repository", "/v2/repository/models/x", "/v2/models"] {
        let answer = sim.get_now(url);
        assert_eq!(answer.code(), 404, "{url}");
        assert!(answer.json()["error"].is_string());
    }
}
