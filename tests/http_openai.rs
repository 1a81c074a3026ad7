//! The OpenAI routes (SPEC §6): `/v1/models`, `/v1/models/{id}` in OpenAI's
//! shapes, on the state `handleRequest` reads and changes.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

#[path = "common/http.rs"]
mod http;

use http::Site;
use serde_json::{json, Value};

const START: f64 = 1_700_000_000_500.0;

fn sim() -> Site {
    Site::with_options(json!({"startTime": START}))
}

fn ids(list: &Value) -> Vec<String> {
    list["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["id"].as_str().unwrap().to_string())
        .collect()
}

/// Pulls a remote model and loads it, waiting for both jobs.
fn pull_and_load(sim: &mut Site, name: &str) {
    let pulled = sim.request(json!({ "pull_model": name }));
    assert_eq!(pulled["status"], "pull_started", "{pulled}");
    sim.advance(60_000.0);
    let loaded = sim.request(json!({ "load_model": name }));
    assert_eq!(loaded["status"], "load_started", "{loaded}");
    sim.advance(60_000.0);
    assert_eq!(sim.entry(name).unwrap()["state"], "ready");
}

fn not_found(id: &str) -> Value {
    json!({"error": {
        "message": format!("The model '{id}' does not exist"),
        "type": "invalid_request_error",
        "param": "model",
        "code": "model_not_found",
    }})
}

#[test]
fn the_list_is_openais_shape_of_the_ready_models() {
    let mut sim = sim();
    let answer = sim.get_now("http://sim/v1/models");
    assert_eq!(answer.code(), 200);
    assert!(answer
        .header("content-type")
        .unwrap()
        .starts_with("application/json"));
    let list = answer.json();
    assert_eq!(list["object"], "list");
    assert_eq!(
        list["data"][0],
        json!({"id": "gpt2-small", "object": "model", "created": 1_700_000_000, "owned_by": "library"})
    );
    assert_eq!(
        ids(&list),
        [
            "gpt2-small",
            "gpt2-medium",
            "gpt2-large",
            "bert-large",
            "gpt-j-6b",
            "llama-7b"
        ]
    );
}

#[test]
fn the_list_leaves_out_models_that_are_not_ready() {
    let mut sim = sim();
    sim.request(json!({"unload_model": "gpt2-large"}));
    sim.request(json!({"pull_model": "llama3.2:1b"}));
    assert_eq!(sim.entry("llama3.2:1b").unwrap()["state"], "pulling");
    let list = sim.get_now("/v1/models").json();
    assert_eq!(
        ids(&list),
        [
            "gpt2-small",
            "gpt2-medium",
            "bert-large",
            "gpt-j-6b",
            "llama-7b"
        ]
    );

    // Pulled (available), then loading, then ready: listed only at the end.
    sim.advance(60_000.0);
    assert!(!ids(&sim.get_now("/v1/models").json()).contains(&"llama3.2:1b".to_string()));
    sim.request(json!({"load_model": "llama3.2:1b"}));
    assert!(!ids(&sim.get_now("/v1/models").json()).contains(&"llama3.2:1b".to_string()));
    sim.advance(60_000.0);
    let list = sim.get_now("/v1/models").json();
    let entry = sim.entry("llama3.2:1b").unwrap();
    let created = (entry["modified_at"].as_f64().unwrap() / 1000.0).floor();
    assert!(created > START / 1000.0, "dated by its pull, not the start");
    assert_eq!(
        list["data"].as_array().unwrap().last().unwrap(),
        &json!({"id": "llama3.2:1b", "object": "model", "created": created as i64, "owned_by": "library"})
    );
}

#[test]
fn retrieve_answers_one_ready_model_or_openais_404() {
    let mut sim = sim();
    let answer = sim.get_now("/v1/models/bert-large");
    assert_eq!(answer.code(), 200);
    assert_eq!(
        answer.json(),
        json!({"id": "bert-large", "object": "model", "created": 1_700_000_000, "owned_by": "library"})
    );

    let missing = sim.get_now("/v1/models/gpt-5");
    assert_eq!(missing.code(), 404);
    assert_eq!(missing.json(), not_found("gpt-5"));
    assert_eq!(missing.header("x-should-retry"), None);

    // Known but not ready is not a model an OpenAI client can use.
    sim.request(json!({"unload_model": "bert-large"}));
    assert_eq!(sim.get_now("/v1/models/bert-large").code(), 404);
}

#[test]
fn ids_with_colons_and_slashes_are_percent_decoded() {
    let mut sim = sim();
    pull_and_load(&mut sim, "llama3.2:3b");
    for url in ["/v1/models/llama3.2:3b", "/v1/models/llama3.2%3A3b"] {
        let answer = sim.get_now(url);
        assert_eq!(answer.code(), 200, "{url}");
        assert_eq!(answer.json()["id"], "llama3.2:3b");
    }

    let started = sim.request(json!({"hot_load": {"model_name": "acme/tiny:q4",
        "model_config": {"size_gb": 0.5, "tier": "ram", "capabilities": ["chat"]}}}));
    assert_eq!(started["status"], "hot_load_started");
    sim.advance(10_000.0);
    // The npm client sends `acme%2Ftiny:q4`; a raw client `acme/tiny:q4`.
    for url in ["/v1/models/acme%2Ftiny:q4", "/v1/models/acme/tiny%3Aq4"] {
        let model = sim.get_now(url).json();
        assert_eq!(model["id"], "acme/tiny:q4", "{url}");
        assert_eq!(model["owned_by"], "acme");
    }
    // A quote in an id is escaped in the message, never breaks it.
    assert_eq!(
        sim.get_now("/v1/models/a%22b").json()["error"]["message"],
        "The model 'a\\\"b' does not exist"
    );
}

#[test]
fn delete_unloads_an_idle_model_then_deletes_it() {
    let mut sim = sim();
    let answer = sim.at_once("DELETE", "/v1/models/gpt2-medium", "");
    assert_eq!(answer.code(), 200);
    assert_eq!(
        answer.json(),
        json!({"id": "gpt2-medium", "object": "model", "deleted": true})
    );
    assert_eq!(sim.entry("gpt2-medium"), None);
    assert_eq!(sim.event_types(), ["model_unloaded", "model_deleted"]);
    let status = sim.request(json!({"system_status": true}));
    assert_eq!(status["total_models"], 5);
    // Gone: a second delete is OpenAI's 404.
    let again = sim.at_once("DELETE", "/v1/models/gpt2-medium", "");
    assert_eq!(again.code(), 404);
    assert_eq!(again.json(), not_found("gpt2-medium"));
}

#[test]
fn delete_removes_a_model_that_is_only_available() {
    let mut sim = sim();
    sim.request(json!({"unload_model": "gpt2-small"}));
    let answer = sim.at_once("DELETE", "/v1/models/gpt2-small", "");
    assert_eq!(answer.code(), 200, "{}", answer.body);
    assert_eq!(sim.entry("gpt2-small"), None);
}

#[test]
fn a_model_in_use_or_loading_is_a_409_that_clients_do_not_retry() {
    let mut sim = sim();
    let selected = sim.request(json!({"model": "gpt2-small"}));
    assert_eq!(selected["status"], "success");
    let before = sim.request(json!({"list_repository": true}));

    let in_use = sim.at_once("DELETE", "/v1/models/gpt2-small", "");
    assert_eq!(in_use.code(), 409);
    assert_eq!(in_use.header("x-should-retry"), Some("false"));
    let error = &in_use.json()["error"];
    assert_eq!(error["type"], "invalid_request_error");
    assert_eq!(error["code"], "model_in_use");
    assert_eq!(error["param"], "model");
    assert!(error["message"].as_str().unwrap().contains("current model"));
    assert_eq!(sim.request(json!({"list_repository": true})), before);

    sim.request(json!({"pull_model": "gemma2:2b"}));
    let pulling = sim.at_once("DELETE", "/v1/models/gemma2:2b", "");
    assert_eq!(pulling.code(), 409);
    assert_eq!(pulling.json()["error"]["code"], "model_loading");
    assert_eq!(sim.entry("gemma2:2b").unwrap()["state"], "pulling");
}

#[test]
fn unknown_paths_and_wrong_methods_answer_in_openais_error_shape() {
    let mut sim = sim();
    let missing = sim.get_now("/v1/completions");
    assert_eq!(missing.code(), 404);
    let error = &missing.json()["error"];
    assert_eq!(error["type"], "invalid_request_error");
    assert_eq!(
        error["code"],
        Value::Null,
        "a missing route is not a missing model"
    );

    let post = sim.post_now("/v1/models", "{}");
    assert_eq!(post.code(), 405);
    assert_eq!(post.header("allow"), Some("GET"));
    assert!(post.json()["error"]["message"].is_string());

    let put = sim.at_once("PUT", "/v1/models/gpt2-small", "");
    assert_eq!(put.code(), 405);
    assert_eq!(put.header("allow"), Some("GET, DELETE"));
    assert_eq!(sim.entry("gpt2-small").unwrap()["state"], "ready");
}
