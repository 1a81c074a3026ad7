//! Bad HTTP input on the Ollama routes: 404, 405 with `Allow`, 413, and 400
//! with a reason for bodies that are not what the route reads.

use super::server;
use serde_json::{json, Value};

const ROUTES: [(&str, &str); 5] = [
    ("POST", "/api/pull"),
    ("POST", "/api/generate"),
    ("POST", "/api/chat"),
    ("POST", "/api/show"),
    ("DELETE", "/api/delete"),
];

#[test]
fn a_known_path_with_another_method_is_405_with_allow() {
    let mut sim = server(json!({}));
    for (method, path, allow) in [
        ("GET", "/api/pull", "POST"),
        ("GET", "/api/generate", "POST"),
        ("PUT", "/api/chat", "POST"),
        ("POST", "/api/tags", "GET, HEAD"),
        ("DELETE", "/api/ps", "GET"),
        ("POST", "/api/delete", "DELETE"),
        ("GET", "/api/show", "POST"),
        ("POST", "/api/version", "GET, HEAD"),
    ] {
        let id = sim.open(method, path, "");
        let answer = sim.so_far(id);
        assert_eq!(answer.code(), 405, "{method} {path}");
        assert_eq!(answer.header("allow"), Some(allow), "{method} {path}");
        assert!(answer.json()["error"].is_string());
    }
}

#[test]
fn an_unknown_path_is_404_and_a_huge_body_413() {
    let mut sim = server(json!({}));
    let (status, body) = sim.call("GET", "/api/nope", Value::Null);
    assert_eq!(status, 404);
    assert!(body["error"].is_string());
    let huge = format!(
        r#"{{"model": "gpt2-small", "prompt": "{}"}}"#,
        "x".repeat(1024 * 1024)
    );
    assert_eq!(sim.call_text("POST", "/api/generate", &huge).0, 413);
}

#[test]
fn an_empty_body_is_missing_request_body() {
    let mut sim = server(json!({}));
    for (method, path) in ROUTES {
        for body in ["", "  \n"] {
            assert_eq!(
                sim.call_text(method, path, body),
                (400, json!({"error": "missing request body"})),
                "{method} {path}"
            );
        }
    }
}

#[test]
fn bodies_that_are_not_the_json_a_route_reads_are_400_with_a_reason() {
    let mut sim = server(json!({}));
    let before = sim.request(json!({"list_repository": true}));
    for (method, path) in ROUTES {
        for (body, says) in [
            ("{not json", "not JSON"),
            (
                "[1, 2]",
                "cannot unmarshal array into Go value of type api.",
            ),
            ("\"gpt2-small\"", "cannot unmarshal string"),
            (r#"{"model": 5}"#, "\"model\""),
            (r#"{"model": ["gpt2-small"]}"#, "\"model\""),
            (r#"{"model": "gpt2-small", "stream": "yes"}"#, "\"stream\""),
        ] {
            if body.contains("stream") && (path == "/api/show" || path == "/api/delete") {
                continue; // no stream there: the field is ignored, as Go does
            }
            let (status, answer) = sim.call_text(method, path, body);
            assert_eq!(status, 400, "{method} {path} {body}: {answer}");
            let error = answer["error"].as_str().unwrap();
            assert!(error.contains(says), "{method} {path} {body}: {error}");
        }
        assert_eq!(
            sim.call_text(method, path, r#"{"prompt": "x"}"#),
            (400, json!({"error": "model is required"})),
            "{method} {path}"
        );
        assert_eq!(
            sim.call_text(method, path, "null"),
            (400, json!({"error": "model is required"})),
            "{method} {path}: null is an empty request, as for Go"
        );
    }
    let (status, answer) = sim.call(
        "POST",
        "/api/chat",
        json!({"model": "gpt2-small", "messages": "hi"}),
    );
    assert_eq!(status, 400);
    assert!(
        answer["error"].as_str().unwrap().contains("\"messages\""),
        "{answer}"
    );
    let (status, _) = sim.call(
        "POST",
        "/api/chat",
        json!({"model": "gpt2-small", "messages": [{"role": "user", "content": 5}]}),
    );
    assert_eq!(status, 400);
    assert_eq!(
        sim.request(json!({"list_repository": true})),
        before,
        "refused: nothing changed"
    );
    assert!(sim.events.is_empty());
}

#[test]
fn unknown_fields_are_ignored_and_keys_match_case_insensitively() {
    let mut sim = server(json!({}));
    let (status, body) = sim.call(
        "POST",
        "/api/show",
        json!({"Model": "gpt2-small", "verbose": true, "extra": {"a": 1}}),
    );
    assert_eq!(status, 200);
    assert_eq!(body["details"]["family"], "gpt2");
    let (status, _) = sim.call_text("POST", "/api/show", r#"{"model": "gpt2-small"} and more"#);
    assert_eq!(status, 200, "Go reads the first JSON value only");
}
