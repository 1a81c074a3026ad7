//! SPEC §6's native routes and bad-input rules, on the pure façade.
#[path = "common/http.rs"]
mod http;

use http::Site;
use serde_json::json;

fn hot_load(name: &str, size_gb: f64) -> serde_json::Value {
    json!({"hot_load": {"model_name": name, "model_config": {"size_gb": size_gb, "tier": "ram", "capabilities": ["chat"]}}})
}

#[test]
fn hotload_answers_as_handle_request_with_the_status_table() {
    let mut s = Site::with_options(json!({"residency": {"parallelLoads": 1, "maxQueue": 0}}));
    let cases = [
        (hot_load("m", 2.0), 200, "hot_load_started"),
        (json!({"load_status": "nope"}), 404, "job_not_found"),
        (json!({"model": "nope"}), 404, "model_not_found"),
        (hot_load("m", 2.0), 409, "duplicate_model"),
        (hot_load("n", 2.0), 503, "queue_full"),
        (
            json!({"hot_load": {"model_name": "x", "model_config": {"size_gb": -1, "tier": "ram", "capabilities": ["chat"]}}}),
            400,
            "invalid_size",
        ),
        (
            json!({"list_models": true, "oops": 1}),
            400,
            "unknown_field",
        ),
        (json!({"cancel_load": "load_m_0"}), 200, "success"),
        (json!({"cancel_load": "load_m_0"}), 409, "job_not_active"),
    ];
    for (request, status, what) in cases {
        let a = s.post("http://sim/hotload", request.clone());
        assert_eq!(a.status(), Some(status), "{request}: {}", a.body);
        let body = a.json();
        assert!(
            body["status"] == what || body["code"] == what,
            "{request}: {body}"
        );
        assert!(a
            .header("content-type")
            .unwrap()
            .starts_with("application/json"));
        assert_eq!(a.header("retry-after").is_some(), status == 503);
    }
    let a = s.fetch("POST", "/hotload", "{not json");
    assert_eq!(
        (a.status(), a.json()["code"].clone()),
        (Some(400), json!("malformed_json"))
    );
}

#[test]
fn every_error_code_has_its_status() {
    use model_hotload::error::{ApiError, ErrorCode};
    use model_hotload::http::status_of;
    use model_hotload::protocol::Response;
    for code in ErrorCode::ALL {
        let status = status_of(&Response::error(ApiError::new(code, String::new()), None));
        let name = serde_json::to_value(code).unwrap();
        let want = match name.as_str().unwrap() {
            "job_not_found" | "model_not_found" | "no_capable_model" => 404,
            "duplicate_model"
            | "job_not_active"
            | "model_loading"
            | "model_in_use"
            | "model_resident"
            | "already_loaded"
            | "insufficient_capacity"
            | "too_many_models" => 409,
            "queue_full" => 503,
            _ => 400,
        };
        assert_eq!(status, want, "{name}");
    }
}

#[test]
fn a_selection_answers_when_its_swap_ends() {
    let mut s = Site::new();
    s.request(json!({"model": "gpt2-small"}));
    let id = s.open(
        "POST",
        "http://sim/hotload",
        &json!({"model": "gpt2-large"}).to_string(),
    );
    assert_eq!(
        s.answers[&id].status(),
        None,
        "nothing before the swap ends"
    );
    let a = s.finish(id);
    assert_eq!(a.status(), Some(200));
    assert_eq!(a.json()["swap_executed"], true);
    assert!(s.now > 0.0);
}

#[test]
fn events_stream_as_server_sent_events() {
    let mut s = Site::new();
    let id = s.open("GET", "/events", "");
    assert_eq!(s.answers[&id].status(), Some(200));
    assert_eq!(
        s.answers[&id].header("content-type"),
        Some("text/event-stream")
    );
    s.request(hot_load("m", 2.0));
    s.advance(10_000.0);
    let body = s.answers[&id].body.clone();
    let frames: Vec<&str> = body.split("\n\n").filter(|f| !f.is_empty()).collect();
    assert!(frames[0].starts_with(':'));
    let kinds: Vec<&str> = frames[1..]
        .iter()
        .map(|f| f.lines().next().unwrap().trim_start_matches("event: "))
        .collect();
    assert_eq!(kinds, ["load_started", "load_succeeded"]);
    for frame in &frames[1..] {
        let data = frame
            .lines()
            .nth(1)
            .unwrap()
            .strip_prefix("data: ")
            .unwrap();
        let event: serde_json::Value = serde_json::from_str(data).unwrap();
        assert_eq!(
            frame.lines().next().unwrap(),
            format!("event: {}", event["type"].as_str().unwrap())
        );
    }
    assert!(!s.answers[&id].ended);
    s.cancel(id);
    assert_eq!(s.facade.open_count(), 0);
}

#[test]
fn advance_moves_the_clock_and_refuses_bad_amounts() {
    let mut s = Site::with_options(json!({"startTime": 1000}));
    let a = s.post("/_sim/advance", json!({"ms": 250}));
    assert_eq!((a.status(), a.json()), (Some(200), json!({"now": 1250.0})));
    assert_eq!(s.now, 1250.0);
    for bad in [
        r#"{"ms": -1}"#,
        r#"{"ms": "5"}"#,
        "{}",
        "",
        "[1]",
        r#"{"ms": null}"#,
    ] {
        let a = s.fetch("POST", "/_sim/advance", bad);
        assert_eq!(a.status(), Some(400), "{bad}");
        assert!(a.json()["error"].is_string());
    }
    let a = s.get("/_sim/advance");
    assert_eq!((a.status(), a.header("allow")), (Some(405), Some("POST")));
}

#[test]
fn unknown_paths_wrong_methods_and_big_bodies_are_refused_without_change() {
    let mut s = Site::new();
    let before = s.request(json!({"system_status": true}));
    let big = format!(
        "{{\"list_models\": true, \"x\": \"{}\"}}",
        "a".repeat(1 << 20)
    );
    for (method, url, body, status, allow) in [
        ("GET", "/nope", "", 404, None),
        ("GET", "/", "", 404, None),
        ("GET", "/hotload", "", 405, Some("POST")),
        ("PATCH", "/hotload", "{}", 405, Some("POST")),
        ("post", "/events", "", 405, Some("GET")),
        ("POST", "/hotload", big.as_str(), 413, None),
        ("POST", "/_sim/advance", big.as_str(), 413, None),
    ] {
        let a = s.fetch(method, url, body);
        assert_eq!(a.status(), Some(status), "{method} {url}");
        assert_eq!(a.header("allow"), allow, "{method} {url}");
        assert!(a.json()["error"].is_string(), "{}", a.body);
        assert!(a.ended);
    }
    assert_eq!(s.request(json!({"system_status": true})), before);
}

#[test]
fn every_answer_allows_any_origin_and_options_is_a_preflight() {
    let mut s = Site::new();
    for (method, url) in [
        ("GET", "/api/tags"),
        ("GET", "/nope"),
        ("POST", "/hotload"),
        ("GET", "/v1/models"),
    ] {
        let a = s.fetch(method, url, "{}");
        assert_eq!(
            a.header("access-control-allow-origin"),
            Some("*"),
            "{method} {url}"
        );
    }
    for (url, allow) in [
        ("/hotload", "POST"),
        ("/_sim/advance", "POST"),
        ("/v1/models/x", "GET, DELETE"),
        ("/api/pull", "POST"),
    ] {
        let a = s.fetch("OPTIONS", url, "");
        assert_eq!(a.status(), Some(204), "{url}");
        assert_eq!(
            a.header("access-control-allow-methods"),
            Some(allow),
            "{url}"
        );
        assert!(a
            .header("access-control-allow-headers")
            .unwrap()
            .contains("authorization"));
        assert!(a.body.is_empty() && a.ended);
    }
    assert_eq!(s.fetch("OPTIONS", "/nope", "").status(), Some(404));
}
