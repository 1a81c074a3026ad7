//! `keep_alive` in a request: seconds or Go durations, negative for never;
//! it sets the model's keep-alive from that request on.

use super::server;
use serde_json::{json, Value};

#[test]
fn keep_alive_values_read_as_ollama_reads_them() {
    let mut sim = server(json!({}));
    for (keep_alive, seconds) in [
        (json!(300), 300.0),
        (json!(1.5), 1.5),
        (json!("5m"), 300.0),
        (json!("1h30m"), 5400.0),
        (json!("300ms"), 0.3),
        (json!("2h45m10.5s"), 9910.5),
        (json!("-1m"), -1.0),
        (json!(-5), -1.0),
        (json!("+10s"), 10.0),
    ] {
        let body = json!({"model": "gpt2-small", "keep_alive": keep_alive});
        let (status, answer) = sim.call("POST", "/api/generate", body);
        assert_eq!(
            (status, answer["done_reason"].clone()),
            (200, json!("load")),
            "{keep_alive}"
        );
        assert_eq!(
            sim.entry("gpt2-small").unwrap()["keep_alive"],
            seconds,
            "{keep_alive}"
        );
    }
    // null is "not given": nothing changes.
    sim.call(
        "POST",
        "/api/generate",
        json!({"model": "gpt2-small", "keep_alive": null}),
    );
    assert_eq!(sim.entry("gpt2-small").unwrap()["keep_alive"], 10.0);
}

#[test]
fn bad_keep_alive_values_are_400_and_change_nothing() {
    let mut sim = server(json!({}));
    let before = sim.request(json!({"list_repository": true}));
    for (keep_alive, error) in [
        (json!("5"), r#"time: missing unit in duration "5""#),
        (json!("5x"), r#"time: unknown unit "x" in duration "5x""#),
        (json!(""), r#"time: invalid duration """#),
        (json!("soon"), r#"time: invalid duration "soon""#),
        (json!(true), "Unsupported type: 'bool'"),
        (json!([1]), "Unsupported type: '[]interface {}'"),
        (
            json!({"m": 5}),
            "Unsupported type: 'map[string]interface {}'",
        ),
    ] {
        for route in ["/api/generate", "/api/chat"] {
            let body = json!({"model": "gpt2-small", "keep_alive": keep_alive, "prompt": "x"});
            assert_eq!(
                sim.call("POST", route, body),
                (400, json!({ "error": error })),
                "{route} {keep_alive}"
            );
        }
    }
    assert_eq!(sim.request(json!({"list_repository": true})), before);
    assert!(sim.events.is_empty());
}

#[test]
fn a_keep_alive_runs_from_the_request_and_the_model_then_expires() {
    let mut sim = server(json!({}));
    sim.advance(60_000.0);
    sim.call(
        "POST",
        "/api/generate",
        json!({"model": "gpt2-small", "keep_alive": "1s"}),
    );
    let ps = sim.call("GET", "/api/ps", Value::Null).1;
    let small = ps["models"]
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["name"] == "gpt2-small")
        .cloned();
    assert_eq!(
        small.unwrap()["expires_at"],
        model_hotload::http::wire::rfc3339(sim.now + 1000.0),
        "a second from this request, not from when it was last used"
    );
    sim.advance(999.0);
    assert_eq!(sim.state("gpt2-small"), "ready");
    sim.advance(1.0);
    assert_eq!(sim.state("gpt2-small"), "available");
}

#[test]
fn a_keep_alive_given_with_a_load_comes_with_the_load() {
    let mut sim = server(json!({}));
    sim.request(json!({"unload_model": "gpt2-medium"}));
    let id = sim.open(
        "POST",
        "/api/chat",
        r#"{"model": "gpt2-medium", "keep_alive": "2s"}"#,
    );
    sim.advance(150.0);
    assert_eq!(sim.so_far(id).json()["done_reason"], "load");
    let entry = sim.entry("gpt2-medium").unwrap();
    assert_eq!(entry["keep_alive"], 2.0);
    assert_eq!(entry["expires_at"], sim.now + 2000.0);
    sim.advance(2000.0);
    assert_eq!(sim.state("gpt2-medium"), "available");
}

#[test]
fn a_keep_alive_given_with_a_prompt_counts_from_the_selection() {
    let mut sim = server(json!({}));
    let body = json!({"model": "gpt2-small", "prompt": "x", "keep_alive": 60, "stream": false});
    let id = sim.open("POST", "/api/generate", &body.to_string());
    let selected_at = sim.now;
    sim.advance(1000.0);
    assert!(sim.so_far(id).ended);
    let entry = sim.entry("gpt2-small").unwrap();
    assert_eq!(
        (entry["keep_alive"].clone(), entry["last_used"].clone()),
        (json!(60.0), json!(selected_at))
    );
    // A model no request named keeps its own.
    assert_eq!(sim.entry("gpt2-medium").unwrap()["keep_alive"], -1.0);
}
