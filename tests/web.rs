//! Browser tests through the real JS boundary (`wasm-pack test --headless --chrome`):
//! requests as strings and objects, responses as plain objects, the manual
//! clock, and the real clock with a large time scale.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

use gloo_timers::future::TimeoutFuture;
use js_sys::{Array, Function, Object, Promise, Reflect, JSON};
use model_hotload::wasm::{handle_request, Server};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn obj(json: &str) -> JsValue {
    JSON::parse(json).expect("test JSON")
}

fn get(value: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(value.clone(), |v, key| {
        Reflect::get(&v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
    })
}

fn text(value: &JsValue, path: &str) -> String {
    get(value, path)
        .as_string()
        .unwrap_or_else(|| format!("<not a string at {path}>"))
}

fn num(value: &JsValue, path: &str) -> f64 {
    get(value, path).as_f64().unwrap_or(f64::NAN)
}

async fn send(server: &Server, request: JsValue) -> JsValue {
    JsFuture::from(server.handle_request(request))
        .await
        .expect("handleRequest never rejects")
}

fn manual() -> Server {
    Server::new(obj(r#"{"clock": "manual", "startTime": 1234567890000}"#)).expect("options")
}

const SEED_LOAD: &str = r#"{"hot_load": {"model_name": "my-custom-model",
    "model_config": {"size_gb": 2.5, "tier": "ram", "capabilities": ["text-generation", "chat"]}}}"#;

/// Collects events delivered to a subscriber.
fn recorder(server: &Server) -> (Rc<RefCell<Vec<JsValue>>>, Function) {
    let seen = Rc::new(RefCell::new(Vec::new()));
    let sink = seen.clone();
    let listener = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| sink.borrow_mut().push(e));
    let unsubscribe = server
        .subscribe(listener.into_js_value())
        .expect("subscribe");
    (seen, unsubscribe)
}

#[wasm_bindgen_test]
async fn string_and_object_requests_answer_alike() {
    let server = manual();
    let from_text = send(
        &server,
        JsValue::from_str(r#"{"list_models": true, "request_id": 1}"#),
    )
    .await;
    let from_object = send(&server, obj(r#"{"list_models": true, "request_id": 1}"#)).await;
    assert_eq!(
        JSON::stringify(&from_text).unwrap(),
        JSON::stringify(&from_object).unwrap()
    );
    assert_eq!(num(&from_text, "total_models"), 6.0);
    // plain objects, not Maps
    assert!(get(&from_text, "models").is_instance_of::<Object>());
    assert!(!get(&from_text, "models").is_instance_of::<js_sys::Map>());
    assert_eq!(num(&from_text, "models.gpt2-small.size_gb"), 0.5);
}

#[wasm_bindgen_test]
async fn the_seed_example_on_the_manual_clock() {
    let server = manual();
    let started = send(&server, obj(SEED_LOAD)).await;
    assert_eq!(text(&started, "status"), "hot_load_started");
    assert_eq!(text(&started, "job_id"), "load_my-custom-model_1234567890");
    assert_eq!(text(&started, "estimated_time"), "3.8s");
    let status = obj(r#"{"load_status": "load_my-custom-model_1234567890"}"#);
    server.advance(2100.0).unwrap();
    let s = send(&server, status.clone()).await;
    assert_eq!(
        (
            text(&s, "status"),
            num(&s, "progress"),
            num(&s, "elapsed_time")
        ),
        ("loading".into(), 0.5, 2.1)
    );
    assert!(get(&s, "error").is_null());
    server.advance(1650.0).unwrap();
    assert_eq!(text(&send(&server, status).await, "status"), "success");
    assert_eq!(
        num(
            &send(&server, obj(r#"{"list_models": true}"#)).await,
            "total_models"
        ),
        7.0
    );
    let used = send(&server, obj(r#"{"model": "my-custom-model"}"#)).await;
    assert_eq!(text(&used, "model"), "my-custom-model");
    assert_eq!(server.now().unwrap(), 1234567893750.0);
}

#[wasm_bindgen_test]
async fn a_hot_swap_promise_waits_for_simulated_time() {
    let server = manual();
    send(&server, obj(r#"{"model": "gpt2-small"}"#)).await;
    let done = Rc::new(RefCell::new(false));
    let flag = done.clone();
    let on_done = Closure::<dyn FnMut(JsValue)>::new(move |_| *flag.borrow_mut() = true);
    let swap = server.handle_request(obj(r#"{"model": "llama-7b", "request_id": "s"}"#));
    let watched = swap.then(&on_done);
    JsFuture::from(Promise::resolve(&JsValue::NULL))
        .await
        .unwrap();
    TimeoutFuture::new(5).await;
    assert!(
        !*done.borrow(),
        "a swap resolves only when simulated time passes it"
    );
    server.advance(3499.0).unwrap();
    TimeoutFuture::new(0).await;
    assert!(!*done.borrow());
    server.advance(1.0).unwrap();
    let r = JsFuture::from(swap).await.unwrap();
    JsFuture::from(watched).await.unwrap();
    assert!(*done.borrow());
    assert_eq!(
        (get(&r, "swap_executed").as_bool(), num(&r, "swap_time")),
        (Some(true), 3.5)
    );
    assert_eq!(text(&r, "request_id"), "s");
}

#[wasm_bindgen_test]
async fn the_real_clock_with_a_large_time_scale_ends_jobs_on_time() {
    let server = Server::new(obj(r#"{"timeScale": 1000}"#)).unwrap();
    let (events, _unsubscribe) = recorder(&server);
    let started = send(&server, obj(SEED_LOAD)).await;
    let job = text(&started, "job_id");
    // 3.75 simulated seconds is 3.75 ms of real time at 1000×.
    let mut waited = 0;
    while !events
        .borrow()
        .iter()
        .any(|e| text(e, "type") == "load_succeeded")
    {
        assert!(waited < 2000, "the job must end");
        TimeoutFuture::new(2).await;
        waited += 2;
    }
    let succeeded = events
        .borrow()
        .iter()
        .find(|e| text(e, "type") == "load_succeeded")
        .cloned()
        .unwrap();
    assert_eq!(text(&succeeded, "job_id"), job);
    let s = send(
        &server,
        JsValue::from_str(&format!(r#"{{"load_status": "{job}"}}"#)),
    )
    .await;
    assert_eq!(
        (
            text(&s, "status"),
            num(&s, "progress"),
            num(&s, "elapsed_time")
        ),
        ("success".into(), 1.0, 3.75)
    );
    assert!(
        server.advance(1.0).is_err(),
        "advance() throws on a real clock"
    );
}

#[wasm_bindgen_test]
async fn listeners_may_call_back_and_a_throwing_listener_harms_nothing() {
    let server = Rc::new(manual());
    let thrower = Function::new_with_args("e", "throw new Error('listener bug')");
    server.subscribe(thrower.into()).unwrap();
    // On load_succeeded, select the new model from inside the listener.
    let inner = server.clone();
    let selected = Rc::new(RefCell::new(None::<Promise>));
    let slot = selected.clone();
    let reentrant = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
        if text(&e, "type") == "load_succeeded" {
            *slot.borrow_mut() = Some(inner.handle_request(obj(r#"{"model": "my-custom-model"}"#)));
        }
    });
    server.subscribe(reentrant.into_js_value()).unwrap();
    let (events, unsubscribe) = recorder(&server);
    send(&server, obj(SEED_LOAD)).await;
    server.advance(4000.0).unwrap();
    let p = selected.borrow_mut().take().expect("the listener ran");
    let r = JsFuture::from(p).await.unwrap();
    assert_eq!(text(&r, "model"), "my-custom-model");
    let types: Vec<String> = events.borrow().iter().map(|e| text(e, "type")).collect();
    assert_eq!(types, vec!["load_started", "load_succeeded"]);
    assert_eq!(num(&events.borrow()[1], "time"), 1234567893750.0);
    unsubscribe.call0(&JsValue::NULL).unwrap();
    send(&server, obj(r#"{"hot_load": {"model_name": "x", "model_config": {"size_gb": 1, "tier": "ram", "capabilities": ["chat"]}}}"#)).await;
    assert_eq!(events.borrow().len(), 2, "no events after unsubscribe");
}

#[wasm_bindgen_test]
async fn bad_input_resolves_with_an_error_and_never_rejects() {
    let server = manual();
    let throwing =
        Function::new_no_args("return { get list_models() { throw new Error('getter') } }")
            .call0(&JsValue::NULL)
            .unwrap();
    let cyclic = Function::new_no_args("const a = {list_models: true}; a.self = a; return a")
        .call0(&JsValue::NULL)
        .unwrap();
    let nan = Function::new_no_args(
        "return {hot_load: {model_name: 'n', model_config: {size_gb: NaN, tier: 'ram', capabilities: ['chat']}}}",
    )
    .call0(&JsValue::NULL)
    .unwrap();
    let cases: Vec<(JsValue, &str)> = vec![
        (JsValue::from_str("{not json"), "malformed_json"),
        (JsValue::UNDEFINED, "invalid_request"),
        (JsValue::NULL, "invalid_request"),
        (JsValue::from_f64(42.0), "invalid_request"),
        (Array::new().into(), "invalid_request"),
        (throwing, "invalid_request"),
        (cyclic, "invalid_request"),
        (nan, "invalid_size"),
        (
            obj(r#"{"hot_load": {"model_name": "<script>alert(1)</script>", "model_config": {}}}"#),
            "invalid_model_name",
        ),
    ];
    for (request, want) in cases {
        let r = send(&server, request).await;
        assert_eq!(text(&r, "status"), "error");
        assert_eq!(text(&r, "code"), want);
        assert!(!text(&r, "reason").is_empty());
    }
    assert_eq!(
        num(
            &send(&server, obj(r#"{"metrics": true}"#)).await,
            "loads.started"
        ),
        0.0
    );
}

#[wasm_bindgen_test]
fn invalid_options_throw_a_clear_error() {
    for options in [
        r#"{"clock": "sundial"}"#,
        r#"{"timeScale": 0}"#,
        r#"{"ramGb": -1}"#,
        r#"{"catalog": 7}"#,
        "[]",
    ] {
        let err = Server::new(obj(options))
            .err()
            .map(JsValue::from)
            .expect("must throw");
        let message = err
            .dyn_ref::<js_sys::Error>()
            .map(|e| String::from(e.message()))
            .unwrap_or_default();
        assert!(
            message.starts_with("invalid ServerOptions"),
            "{options}: {message}"
        );
    }
    assert!(Server::new(JsValue::UNDEFINED).is_ok());
}

#[wasm_bindgen_test]
async fn the_module_level_handle_request_uses_one_default_server() {
    let r = JsFuture::from(handle_request(obj(
        r#"{"hot_load": {"model_name": "default-one", "model_config": {"size_gb": 0.1, "tier": "ram", "capabilities": ["chat"]}}}"#,
    )))
    .await
    .unwrap();
    assert_eq!(text(&r, "status"), "hot_load_started");
    let again = JsFuture::from(handle_request(obj(
        r#"{"hot_load": {"model_name": "default-one", "model_config": {"size_gb": 0.1, "tier": "ram", "capabilities": ["chat"]}}}"#,
    )))
    .await
    .unwrap();
    assert_eq!(text(&again, "code"), "duplicate_model");
}

/// Every response kind, built by `respond.js`, reads exactly as its JSON form
/// (same keys, same order, same values): a scripted session on a bare engine,
/// each response converted both ways and compared as `JSON.stringify` text.
#[wasm_bindgen_test]
fn response_objects_match_their_json_form() {
    use model_hotload::config::parse_options;
    use model_hotload::engine::{Engine, Reply};
    use model_hotload::wasm::{convert::to_js, respond::response_to_js};

    let options = serde_json::json!({ "catalog": [
        { "name": "123", "size_gb": 0.5, "tier": "ram", "capabilities": ["chat"] },
        { "name": "zeta", "size_gb": 2.0, "tier": "swap", "capabilities": ["chat", "vision"] }
    ] });
    let config = parse_options(&options).unwrap();
    let mut engine = Engine::new(&config, Box::new(|| 0.25));
    let hl = |name: &str, extra: &str| {
        format!(
            r#"{{"hot_load": {{"model_name": "{name}", "model_config": {{"size_gb": 1.3, "tier": "ram", "capabilities": ["chat"]}}{extra}}}, "request_id": "r-{name}-ü"}}"#
        )
    };
    let script: Vec<(f64, String)> = vec![
        (0.0, r#"{"list_models": true}"#.into()),
        (0.0, hl("alpha", "")),
        (0.0, hl("beta", "")),
        (
            0.0,
            hl(
                "gamma",
                r#", "simulate": {"fail_at_progress": 0.5, "error": "disque <b>plein</b> — ü"}"#,
            ),
        ),
        (0.0, hl("alpha", "")),
        (
            100.0,
            r#"{"load_status": "load_alpha_0", "request_id": 7}"#.into(),
        ),
        (
            100.0,
            r#"{"load_status": "load_alpha_0", "request_id": -0}"#.into(),
        ),
        (
            100.0,
            r#"{"load_status": "load_alpha_0", "request_id": 1.5}"#.into(),
        ),
        (100.0, r#"{"load_status": "nope"}"#.into()),
        (100.0, r#"{"cancel_load": "load_beta_0"}"#.into()),
        (100.0, r#"{"model": "missing"}"#.into()),
        (100.0, r#"{"capabilities": ["telepathy"]}"#.into()),
        (
            5000.0,
            r#"{"list_models": true, "request_id": "after"}"#.into(),
        ),
        (5000.0, r#"{"load_status": "load_gamma_0"}"#.into()),
        (
            5000.0,
            r#"{"capabilities": ["chat"], "priority": "quality"}"#.into(),
        ),
        (5000.0, r#"{"model": "123"}"#.into()),
        (5000.0, r#"{"model": "zeta", "request_id": "swap"}"#.into()),
        (5000.0, r#"{"unload_model": "alpha"}"#.into()),
        (5000.0, r#"{"list_jobs": true}"#.into()),
        (5000.0, r#"{"metrics": true, "request_id": 3}"#.into()),
        (5000.0, r#"{"system_status": true}"#.into()),
        (
            5000.0,
            r#"{"pull_model": "llama3.2:1b", "request_id": "p"}"#.into(),
        ),
        (5000.0, r#"{"load_model": "alpha"}"#.into()),
        (5000.0, r#"{"load_model": "alpha"}"#.into()),
        (5000.0, r#"{"pin_model": "zeta"}"#.into()),
        (
            5000.0,
            r#"{"set_keep_alive": {"model_name": "zeta", "keep_alive": 30}, "request_id": "k"}"#
                .into(),
        ),
        (
            5000.0,
            r#"{"set_keep_alive": {"model_name": "123", "keep_alive": 2.5}}"#.into(),
        ),
        (5000.0, r#"{"plan_load": {"load_model": "beta"}}"#.into()),
        (
            5000.0,
            r#"{"plan_load": {"pull_model": "nowhere"}, "request_id": 9}"#.into(),
        ),
        (
            5000.0,
            r#"{"capabilities": ["chat"], "explain": true}"#.into(),
        ),
        (5000.0, r#"{"list_repository": true}"#.into()),
        (9000.0, r#"{"delete_model": "llama3.2:1b"}"#.into()),
        (
            9000.0,
            r#"{"list_repository": true, "request_id": 4}"#.into(),
        ),
        (9000.0, "not json".into()),
        (
            9000.0,
            r#"{"hot_load": {"model_name": "x"}, "list_models": true}"#.into(),
        ),
        (
            9000.0,
            format!(r#"{{"unload_model": "{}"}}"#, "long-name-".repeat(12)),
        ),
    ];
    let mut responses = Vec::new();
    for (now, request) in &script {
        engine.handle_timeout(*now);
        match engine.handle_text(request, *now) {
            Reply::Now(response) => responses.push(response),
            Reply::AfterSwap(_) => {}
        }
    }
    engine.handle_timeout(60_000.0);
    responses.extend(engine.take_completions().into_iter().map(|(_, r)| r));
    let kinds: std::collections::BTreeSet<&str> = responses
        .iter()
        .map(|r| match &r.body {
            model_hotload::protocol::Body::JobStarted(_) => "started",
            model_hotload::protocol::Body::JobStatus(_) => "status",
            model_hotload::protocol::Body::Models(_) => "models",
            model_hotload::protocol::Body::Selected(_) => "selected",
            model_hotload::protocol::Body::Cancelled(_) => "cancelled",
            model_hotload::protocol::Body::Unloaded(_) => "unloaded",
            model_hotload::protocol::Body::Jobs(_) => "jobs",
            model_hotload::protocol::Body::Metrics(_) => "metrics",
            model_hotload::protocol::Body::System(_) => "system",
            model_hotload::protocol::Body::Repository(_) => "repository",
            model_hotload::protocol::Body::Deleted(_) => "deleted",
            model_hotload::protocol::Body::Pinned(_) => "pinned",
            model_hotload::protocol::Body::KeepAlive(_) => "keep_alive",
            model_hotload::protocol::Body::Plan(_) => "plan",
            model_hotload::protocol::Body::Error(_) => "error",
        })
        .collect();
    assert_eq!(kinds.len(), 15, "every response kind is covered: {kinds:?}");
    for response in &responses {
        let built = JSON::stringify(&response_to_js(response)).unwrap();
        let parsed = JSON::stringify(&to_js(response)).unwrap();
        assert_eq!(String::from(built), String::from(parsed), "{response:?}");
    }
}

/// A caller that mutates a `list_models` response changes nothing else: each
/// response owns its objects, though the library's view is cached.
#[wasm_bindgen_test]
async fn list_models_responses_own_their_objects() {
    let server = manual();
    let first = send(&server, obj(r#"{"list_models": true}"#)).await;
    let models = get(&first, "models");
    let name = Object::keys(models.unchecked_ref::<Object>()).get(0);
    let model = Reflect::get(&models, &name).unwrap();
    Array::from(&get(&model, "capabilities")).push(&"mutated".into());
    Reflect::set(&model, &"tier".into(), &"storage".into()).unwrap();
    let second = send(&server, obj(r#"{"list_models": true}"#)).await;
    let again = Reflect::get(&get(&second, "models"), &name).unwrap();
    assert_ne!(text(&again, "tier"), "storage");
    let caps = Array::from(&get(&again, "capabilities"));
    assert!(!caps.includes(&"mutated".into(), 0));
}

/// Responses whose texts share a slot of the string cache, or evict each
/// other's, still read right: 5,000 job statuses with distinct ids, names and
/// times (with 1,024 slots, many share one within a response).
#[wasm_bindgen_test]
fn cached_strings_never_stand_in_for_each_other() {
    use model_hotload::model::Tier;
    use model_hotload::protocol::{Body, JobState, JobStatus, Phase, Response};
    use model_hotload::wasm::{convert::to_js, respond::response_to_js};
    for i in 0..5000u32 {
        let response = Response {
            body: Body::JobStatus(JobStatus {
                job_id: format!("load_m{}_{}", i % 97, i),
                model_name: format!("m{}", i % 97),
                status: JobState::Loading,
                progress: 0.5,
                elapsed_time: 1.0,
                error: None,
                phase: Phase::Loading,
                tier: Tier::Ram,
                size_gb: 1.0,
                estimated_time: format!("{}.{}s", i % 13, i % 10),
                estimated_seconds: 1.5,
                cancelled: false,
                kind: model_hotload::protocol::JobKind::Load,
            }),
            request_id: None,
        };
        let built = JSON::stringify(&response_to_js(&response)).unwrap();
        let parsed = JSON::stringify(&to_js(&response)).unwrap();
        assert_eq!(String::from(built), String::from(parsed), "{i}");
    }
}
