//! `GET /api/version`, `GET /api/tags`, `GET /api/ps`, `POST /api/show`,
//! `DELETE /api/delete`.

use super::{is_digest, is_rfc3339, keys, kind, server, START};
use model_hotload::http::wire::rfc3339;
use serde_json::{json, Value};

fn details_are_ollama_s(details: &Value, family: &str) {
    assert_eq!(
        keys(details),
        [
            "parent_model",
            "format",
            "family",
            "families",
            "parameter_size",
            "quantization_level"
        ]
    );
    assert_eq!(details["parent_model"], "");
    assert_eq!(details["format"], "gguf");
    assert_eq!(details["family"], family);
    assert_eq!(details["families"], json!([family]));
    assert_eq!(kind(&details["parameter_size"]), "string");
    assert_eq!(kind(&details["quantization_level"]), "string");
}

#[test]
fn version_is_the_package_version_and_head_has_no_body() {
    let mut sim = server(json!({}));
    assert_eq!(
        sim.call("GET", "http://sim/api/version", Value::Null),
        (200, json!({"version": env!("CARGO_PKG_VERSION")}))
    );
    let id = sim.open("HEAD", "/api/version", "");
    let answer = sim.so_far(id);
    assert_eq!(
        (answer.code(), answer.body.as_str(), answer.ended),
        (200, "", true)
    );
    assert_eq!(
        answer.header("content-type"),
        Some("application/json; charset=utf-8")
    );
}

#[test]
fn tags_lists_ready_and_available_models_in_ollama_s_shape() {
    let mut sim = server(json!({}));
    sim.request(json!({"unload_model": "gpt2-medium"}));
    sim.request(json!({"pull_model": "mistral:7b"})); // pulling: not on disk yet
    let (status, body) = sim.call("GET", "/api/tags", Value::Null);
    assert_eq!(status, 200);
    assert_eq!(keys(&body), ["models"]);
    let models = body["models"].as_array().unwrap();
    let names: Vec<&str> = models.iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "gpt2-small",
            "gpt2-medium",
            "gpt2-large",
            "bert-large",
            "gpt-j-6b",
            "llama-7b"
        ],
        "ready and available, not pulling; equal times keep repository order"
    );
    let small = &models[0];
    assert_eq!(
        keys(small),
        [
            "name",
            "model",
            "modified_at",
            "size",
            "digest",
            "details",
            "capabilities"
        ]
    );
    assert_eq!(small["model"], "gpt2-small");
    assert_eq!(small["modified_at"], rfc3339(START));
    assert!(is_rfc3339(&small["modified_at"]));
    assert_eq!(small["size"], 500_000_000u64);
    assert!(is_digest(&small["digest"]), "{}", small["digest"]);
    assert_eq!(small["capabilities"], json!(["completion"]));
    details_are_ollama_s(&small["details"], "gpt2");
    assert_eq!(models[3]["details"]["family"], "bert");
    assert_eq!(
        models[3]["capabilities"],
        json!([]),
        "text-classification has no Ollama name"
    );
    // The same name and config, the same digest; another model, another.
    let again = sim.call("GET", "/api/tags", Value::Null).1;
    assert_eq!(again["models"][0]["digest"], small["digest"]);
    assert_ne!(models[1]["digest"], small["digest"]);
}

#[test]
fn tags_puts_the_most_recently_modified_first() {
    let mut sim = server(json!({}));
    sim.advance(1000.0);
    sim.request(json!({"pull_model": "qwen2.5:0.5b"})); // 0.4 GB: 560 ms
    sim.advance(560.0);
    assert_eq!(sim.state("qwen2.5:0.5b"), "available");
    let models = sim.call("GET", "/api/tags", Value::Null).1["models"].clone();
    assert_eq!(models[0]["name"], "qwen2.5:0.5b");
    assert_eq!(models[0]["modified_at"], rfc3339(START + 1560.0));
    assert_eq!(models[0]["size"], 400_000_000u64);
    assert_eq!(models[0]["details"]["family"], "qwen2.5");
    assert_eq!(models[0]["details"]["parameter_size"], "500M");
    assert_eq!(models[0]["details"]["quantization_level"], "Q4_K_M");
    assert_eq!(models[0]["capabilities"], json!(["completion"]));
    assert_eq!(models.as_array().unwrap().len(), 7);
}

#[test]
fn ps_lists_ready_models_with_expiry_and_vram() {
    let mut sim = server(json!({"residency": {"keepAlive": 300}}));
    sim.request(json!({"unload_model": "gpt2-medium"}));
    sim.request(json!({"pin_model": "llama-7b"})); // never expires
    sim.advance(1000.0);
    sim.request(json!({"model": "gpt2-large"})); // last used now: expires latest of the rest
    let (status, body) = sim.call("GET", "/api/ps", Value::Null);
    assert_eq!(status, 200);
    let models = body["models"].as_array().unwrap();
    let names: Vec<&str> = models.iter().map(|m| m["name"].as_str().unwrap()).collect();
    assert_eq!(
        names,
        [
            "llama-7b",
            "gpt2-large",
            "gpt2-small",
            "bert-large",
            "gpt-j-6b"
        ],
        "ready only, the longest to stay first, ties in repository order"
    );
    let never = &models[0];
    assert_eq!(
        keys(never),
        [
            "name",
            "model",
            "size",
            "digest",
            "details",
            "expires_at",
            "size_vram",
            "context_length"
        ]
    );
    assert_eq!(never["size"], 7_000_000_000u64);
    assert_eq!(never["size_vram"], 0, "swap: not in VRAM");
    assert!(
        never["expires_at"].as_str().unwrap().starts_with("2316-"),
        "{}",
        never["expires_at"]
    );
    assert_eq!(never["context_length"], 4096);
    assert!(is_digest(&never["digest"]));
    details_are_ollama_s(&never["details"], "llama");
    let large = &models[1];
    assert_eq!(large["expires_at"], rfc3339(START + 1000.0 + 300_000.0));
    assert_eq!(large["size_vram"], large["size"], "ram: all of it");
    assert_eq!(models[2]["expires_at"], rfc3339(START + 300_000.0));
}

#[test]
fn show_gives_details_model_info_and_capabilities() {
    let mut sim = server(json!({}));
    let (status, body) = sim.call("POST", "/api/show", json!({"model": "gpt2-small"}));
    assert_eq!(status, 200);
    assert_eq!(
        keys(&body),
        [
            "modelfile",
            "parameters",
            "template",
            "details",
            "model_info",
            "capabilities",
            "modified_at"
        ]
    );
    for key in ["modelfile", "parameters", "template"] {
        assert_eq!(kind(&body[key]), "string", "{key}");
    }
    assert!(body["modelfile"]
        .as_str()
        .unwrap()
        .contains("FROM gpt2-small"));
    details_are_ollama_s(&body["details"], "gpt2");
    let info = &body["model_info"];
    assert_eq!(info["general.architecture"], "gpt2");
    assert_eq!(kind(&info["general.parameter_count"]), "uint");
    assert_eq!(info["gpt2.context_length"], 4096);
    let mut sorted = keys(info);
    sorted.sort_unstable();
    assert_eq!(keys(info), sorted, "Go writes a map's keys sorted");
    assert_eq!(body["capabilities"], json!(["completion"]));
    assert_eq!(body["modified_at"], rfc3339(START));
    // The older `name` works too; an embedding model embeds.
    sim.request(json!({"pull_model": "nomic-embed-text"}));
    sim.advance(1000.0);
    let (status, body) = sim.call(
        "POST",
        "/api/show",
        json!({"name": "nomic-embed-text:latest"}),
    );
    assert_eq!(status, 200);
    assert_eq!(body["capabilities"], json!(["embedding"]));
    assert_eq!(body["details"]["quantization_level"], "F16");
    assert_eq!(body["details"]["parameter_size"], "150M");
    assert_eq!(body["model_info"]["general.file_type"], 1);
}

#[test]
fn show_of_an_unknown_or_pulling_model_is_404() {
    let mut sim = server(json!({}));
    assert_eq!(
        sim.call("POST", "/api/show", json!({"model": "nope"})),
        (404, json!({"error": "model 'nope' not found"}))
    );
    sim.request(json!({"pull_model": "gemma2:2b"}));
    assert_eq!(
        sim.call("POST", "/api/show", json!({"model": "gemma2:2b"}))
            .0,
        404
    );
}

#[test]
fn delete_unloads_an_idle_model_then_deletes_it() {
    let mut sim = server(json!({}));
    let id = sim.open("DELETE", "/api/delete", r#"{"model":"gpt2-small"}"#);
    let answer = sim.so_far(id);
    assert_eq!(
        (answer.code(), answer.body.as_str(), answer.ended),
        (200, "", true)
    );
    assert_eq!(sim.state("gpt2-small"), "unknown");
    let types: Vec<&str> = sim
        .events
        .iter()
        .map(|e| e["type"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["model_unloaded", "model_deleted"]);
    // An available model is deleted at once; the npm client sends `name`.
    sim.request(json!({"unload_model": "gpt2-medium"}));
    assert_eq!(
        sim.call("DELETE", "/api/delete", json!({"name": "gpt2-medium"}))
            .0,
        200
    );
    assert_eq!(sim.state("gpt2-medium"), "unknown");
    let names = sim.call("GET", "/api/tags", Value::Null).1["models"].clone();
    assert!(!names.to_string().contains("gpt2-medium"));
}

#[test]
fn delete_refuses_unknown_and_busy_models() {
    let mut sim = server(json!({}));
    assert_eq!(
        sim.call("DELETE", "/api/delete", json!({"model": "nope"})),
        (404, json!({"error": "model 'nope' not found"}))
    );
    sim.request(json!({"model": "gpt2-small"})); // current: in use
    let (status, body) = sim.call("DELETE", "/api/delete", json!({"model": "gpt2-small"}));
    assert_eq!(status, 409);
    assert_eq!(kind(&body["error"]), "string");
    assert_eq!(
        sim.state("gpt2-small"),
        "ready",
        "a refused delete changes nothing"
    );
    sim.request(json!({"unload_model": "gpt2-medium"}));
    sim.request(json!({"load_model": "gpt2-medium"}));
    assert_eq!(
        sim.call("DELETE", "/api/delete", json!({"model": "gpt2-medium"}))
            .0,
        409
    );
    assert_eq!(sim.state("gpt2-medium"), "loading");
}

#[test]
fn tags_and_ps_follow_every_change_of_state_even_at_one_instant() {
    let mut sim = server(json!({}));
    let names = |sim: &mut crate::http::Site, path: &str| -> Vec<String> {
        let (_, body) = sim.call("GET", path, Value::Null);
        body["models"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["name"].as_str().unwrap().to_string())
            .collect()
    };
    let tags = names(&mut sim, "/api/tags");
    let ps = names(&mut sim, "/api/ps");
    assert_eq!(names(&mut sim, "/api/tags"), tags, "asked again, the same");
    // The clock does not move: only the state does.
    sim.request(json!({"unload_model": "bert-large"}));
    assert!(!names(&mut sim, "/api/ps").contains(&"bert-large".to_string()));
    assert_eq!(names(&mut sim, "/api/ps").len(), ps.len() - 1);
    sim.request(json!({"delete_model": "bert-large"}));
    assert_eq!(names(&mut sim, "/api/tags").len(), tags.len() - 1);
}
