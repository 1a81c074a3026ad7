//! `POST /api/generate` and `POST /api/chat`: load, unload, select, and the
//! simulated answer, streamed and not, timed in simulated ns.

use super::{is_rfc3339, keys, server, START};
use model_hotload::http::wire::rfc3339;
use serde_json::{json, Value};

/// The fixed answer: 13 tokens, 20 ms each; a prompt token costs 2 ms.
const ANSWER: &str = "Hello! This is a simulated answer, the same every time.";
const TOKENS: usize = 13;
const MS: u64 = 1_000_000;

fn generate(prompt: &str, extra: Value) -> String {
    let mut body = json!({"model": "gpt2-small", "prompt": prompt});
    for (k, v) in extra.as_object().unwrap() {
        body[k] = v.clone();
    }
    body.to_string()
}

#[test]
fn a_streamed_generate_sends_a_token_every_20_ms_then_the_metrics() {
    let mut sim = server(json!({}));
    let id = sim.open(
        "POST",
        "/api/generate",
        &generate("why is the sky blue", json!({})),
    );
    let answer = sim.so_far(id);
    assert_eq!(answer.code(), 200);
    assert_eq!(answer.header("content-type"), Some("application/x-ndjson"));
    assert_eq!(
        answer.body, "",
        "the first token after the prompt (10 ms) and 20 ms"
    );
    sim.advance(30.0);
    let first = sim.so_far(id).lines();
    assert_eq!(first.len(), 1);
    assert_eq!(keys(&first[0]), ["model", "created_at", "response", "done"]);
    assert_eq!(first[0]["response"], "Hello");
    assert_eq!(first[0]["done"], false);
    assert_eq!(first[0]["created_at"], rfc3339(START + 30.0));
    sim.advance(1000.0);
    let answer = sim.so_far(id);
    assert!(answer.ended);
    let lines = answer.lines();
    assert_eq!(lines.len(), TOKENS + 1);
    let text: String = lines
        .iter()
        .map(|l| l["response"].as_str().unwrap())
        .collect();
    assert_eq!(text, ANSWER);
    for (i, line) in lines.iter().take(TOKENS).enumerate() {
        assert_eq!(
            line["created_at"],
            rfc3339(START + 10.0 + 20.0 * (i + 1) as f64)
        );
    }
    let last = lines.last().unwrap();
    assert_eq!(
        keys(last),
        [
            "model",
            "created_at",
            "response",
            "done",
            "done_reason",
            "context",
            "total_duration",
            "load_duration",
            "prompt_eval_count",
            "prompt_eval_duration",
            "eval_count",
            "eval_duration"
        ]
    );
    assert_eq!(last["response"], "");
    assert_eq!(
        (last["done"].clone(), last["done_reason"].clone()),
        (json!(true), json!("stop"))
    );
    assert_eq!(last["created_at"], rfc3339(START + 270.0));
    assert_eq!(last["context"].as_array().unwrap().len(), 5 + TOKENS);
    assert_eq!(last["total_duration"], 270 * MS);
    assert_eq!(last["load_duration"], 0);
    assert_eq!(last["prompt_eval_count"], 5);
    assert_eq!(last["prompt_eval_duration"], 10 * MS);
    assert_eq!(last["eval_count"], TOKENS);
    assert_eq!(last["eval_duration"], 260 * MS);
    // Selected through the one engine: handleRequest sees it current.
    assert_eq!(
        sim.request(json!({"system_status": true}))["current_model"],
        "gpt2-small"
    );
}

#[test]
fn stream_false_answers_the_whole_text_once() {
    let mut sim = server(json!({}));
    let id = sim.open(
        "POST",
        "/api/generate",
        &generate("hi", json!({"stream": false})),
    );
    sim.advance(261.0);
    assert!(
        sim.so_far(id).head.is_none(),
        "not before the last token (262 ms)"
    );
    sim.advance(1.0);
    let answer = sim.so_far(id);
    assert!(answer.ended);
    assert_eq!(
        answer.header("content-type"),
        Some("application/json; charset=utf-8")
    );
    let body = answer.json();
    assert_eq!(body["response"], ANSWER);
    assert_eq!(body["done"], true);
    assert_eq!(body["total_duration"], 262 * MS);
    assert_eq!(body["prompt_eval_count"], 1);
}

#[test]
fn a_model_that_is_not_ready_is_loaded_first_and_its_load_timed() {
    let mut sim = server(json!({}));
    sim.request(json!({"model": "gpt2-small"})); // current
    sim.request(json!({"unload_model": "gpt2-large"})); // 3 GB ram: 300 ms to load
    let id = sim.open(
        "POST",
        "/api/generate",
        &generate("a b", json!({"model": "gpt2-large", "stream": false})),
    );
    assert_eq!(sim.state("gpt2-large"), "loading");
    sim.advance(300.0);
    assert_eq!(sim.state("gpt2-large"), "ready");
    // Then a hot-swap from gpt2-small: 3 GB × 0.1 s.
    sim.advance(299.0);
    assert!(sim.so_far(id).head.is_none(), "swapping");
    sim.advance(1.0 + 4.0 + 260.0);
    let body = sim.so_far(id).json();
    assert_eq!(body["model"], "gpt2-large");
    assert_eq!(body["load_duration"], 600 * MS, "the load and the swap");
    assert_eq!(body["total_duration"], (600 + 4 + 260) * MS);
    assert_eq!(
        sim.request(json!({"system_status": true}))["current_model"],
        "gpt2-large"
    );
    let entry = sim.entry("gpt2-large").unwrap();
    assert_eq!(
        entry["keep_alive"], -1.0,
        "the server's keep-alive once selected"
    );
}

#[test]
fn without_a_prompt_generate_loads_and_answers_done_load() {
    let mut sim = server(json!({}));
    sim.request(json!({"unload_model": "gpt2-medium"})); // 150 ms to load
    let id = sim.open("POST", "/api/generate", r#"{"model": "gpt2-medium"}"#);
    assert!(sim.so_far(id).head.is_none());
    sim.advance(150.0);
    let answer = sim.so_far(id);
    assert!(answer.ended);
    assert_eq!(answer.code(), 200);
    let body = answer.json();
    assert_eq!(
        keys(&body),
        ["model", "created_at", "response", "done", "done_reason"]
    );
    assert_eq!(
        body,
        json!({"model": "gpt2-medium", "created_at": rfc3339(START + 150.0), "response": "", "done": true, "done_reason": "load"})
    );
    assert_eq!(sim.state("gpt2-medium"), "ready");
    assert_eq!(
        sim.request(json!({"system_status": true}))["current_model"],
        Value::Null,
        "loading is not selecting"
    );
    // Ready already: at once.
    let (status, body) = sim.call("POST", "/api/generate", json!({"model": "gpt2-medium"}));
    assert_eq!((status, body["done_reason"].clone()), (200, json!("load")));
}

#[test]
fn a_load_in_progress_is_shared_not_repeated() {
    let mut sim = server(json!({}));
    sim.request(json!({"unload_model": "gpt2-medium"}));
    sim.request(json!({"load_model": "gpt2-medium"}));
    let id = sim.open(
        "POST",
        "/api/chat",
        r#"{"model": "gpt2-medium", "messages": []}"#,
    );
    sim.advance(150.0);
    assert_eq!(sim.so_far(id).json()["done_reason"], "load");
    let jobs = sim.request(json!({"list_jobs": true}))["jobs"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(jobs, 1);
}

#[test]
fn keep_alive_zero_without_a_prompt_unloads() {
    let mut sim = server(json!({}));
    let (status, body) = sim.call(
        "POST",
        "/api/generate",
        json!({"model": "gpt2-small", "keep_alive": 0}),
    );
    assert_eq!(status, 200);
    assert_eq!(
        body,
        json!({"model": "gpt2-small", "created_at": rfc3339(START), "response": "", "done": true, "done_reason": "unload"})
    );
    assert_eq!(sim.state("gpt2-small"), "available");
    // Not loaded: the same answer, as Ollama gives.
    let (status, body) = sim.call(
        "POST",
        "/api/generate",
        json!({"model": "gpt2-small", "keep_alive": "0s"}),
    );
    assert_eq!(
        (status, body["done_reason"].clone()),
        (200, json!("unload"))
    );
    // Chat: an empty message, the same reason.
    let (_, body) = sim.call(
        "POST",
        "/api/chat",
        json!({"model": "gpt2-medium", "messages": [], "keep_alive": 0}),
    );
    assert_eq!(
        keys(&body),
        ["model", "created_at", "message", "done", "done_reason"]
    );
    assert_eq!(body["message"], json!({"role": "assistant", "content": ""}));
    assert_eq!(body["done_reason"], "unload");
    assert_eq!(sim.state("gpt2-medium"), "available");
    // Before the capability check, as Ollama: a model that cannot chat unloads too.
    let (status, body) = sim.call(
        "POST",
        "/api/chat",
        json!({"model": "bert-large", "keep_alive": 0}),
    );
    assert_eq!(
        (status, body["done_reason"].clone()),
        (200, json!("unload"))
    );
    assert_eq!(sim.state("bert-large"), "available");
}

#[test]
fn keep_alive_zero_on_the_model_in_use_unloads_it_once_it_is_idle() {
    let mut sim = server(json!({}));
    sim.request(json!({"model": "gpt2-small"}));
    let (_, body) = sim.call(
        "POST",
        "/api/generate",
        json!({"model": "gpt2-small", "keep_alive": 0}),
    );
    assert_eq!(body["done_reason"], "unload");
    assert_eq!(sim.state("gpt2-small"), "ready", "current: not idle");
    sim.request(json!({"model": "gpt2-medium"})); // a swap of 150 ms away from it
    sim.advance(150.0);
    assert_eq!(sim.state("gpt2-small"), "available");
}

#[test]
fn chat_streams_messages_and_answers_once_without_a_stream() {
    let mut sim = server(json!({}));
    let body = json!({"model": "gpt2-small", "messages": [{"role": "user", "content": "why is the sky blue?"}, {"role": "assistant", "content": "rayleigh"}]});
    let id = sim.open("POST", "/api/chat", &body.to_string());
    sim.advance(1000.0);
    let lines = sim.so_far(id).lines();
    assert_eq!(lines.len(), TOKENS + 1);
    assert_eq!(keys(&lines[0]), ["model", "created_at", "message", "done"]);
    assert_eq!(
        lines[0]["message"],
        json!({"role": "assistant", "content": "Hello"})
    );
    let text: String = lines
        .iter()
        .map(|l| l["message"]["content"].as_str().unwrap())
        .collect();
    assert_eq!(text, ANSWER);
    let last = lines.last().unwrap();
    assert_eq!(
        keys(last),
        [
            "model",
            "created_at",
            "message",
            "done",
            "done_reason",
            "total_duration",
            "load_duration",
            "prompt_eval_count",
            "prompt_eval_duration",
            "eval_count",
            "eval_duration"
        ],
        "no context in chat"
    );
    assert_eq!(last["prompt_eval_count"], 6);
    assert_eq!(last["total_duration"], (12 + 260) * MS);
    let mut quiet = body.clone();
    quiet["stream"] = json!(false);
    let id = sim.open("POST", "/api/chat", &quiet.to_string());
    sim.advance(1000.0);
    let answer = sim.so_far(id).json();
    assert_eq!(
        answer["message"],
        json!({"role": "assistant", "content": ANSWER})
    );
    assert!(is_rfc3339(&answer["created_at"]));
}

#[test]
fn cancelling_a_generate_leaves_its_load_running() {
    let mut sim = server(json!({}));
    sim.request(json!({"unload_model": "gpt2-large"}));
    let id = sim.open(
        "POST",
        "/api/generate",
        &generate("x", json!({"model": "gpt2-large"})),
    );
    sim.facade.cancel(id);
    sim.advance(300.0);
    assert_eq!(sim.state("gpt2-large"), "ready");
    assert_eq!(
        sim.request(json!({"system_status": true}))["current_model"],
        Value::Null
    );
}

#[test]
fn a_load_that_does_not_fit_is_a_500_and_a_full_queue_a_503() {
    let catalog = json!([
        {"name": "a", "size_gb": 1, "tier": "ram", "capabilities": ["chat"]},
        {"name": "b", "size_gb": 1, "tier": "ram", "capabilities": ["chat"]},
    ]);
    let mut sim = server(json!({"catalog": catalog, "residency": {"maxLoaded": 1}}));
    assert_eq!(sim.state("b"), "available");
    let (status, body) = sim.call(
        "POST",
        "/api/generate",
        json!({"model": "b", "prompt": "x"}),
    );
    assert_eq!(status, 500);
    assert!(
        body["error"].as_str().unwrap().contains("maxLoaded"),
        "{body}"
    );
    assert_eq!(sim.state("b"), "available", "refused: nothing changed");
    let mut sim =
        server(json!({"catalog": catalog, "residency": {"parallelLoads": 1, "maxQueue": 0}}));
    sim.request(json!({"unload_model": "a"}));
    sim.request(json!({"unload_model": "b"}));
    sim.request(json!({"load_model": "a"}));
    let (status, body) = sim.call("POST", "/api/generate", json!({"model": "b"}));
    assert_eq!(status, 503, "{body}");
}

#[test]
fn a_failed_load_is_a_500_with_its_error() {
    let mut sim = server(json!({}));
    sim.request(json!({"unload_model": "gpt2-large"}));
    sim.request(json!({"load_model": {"model_name": "gpt2-large", "simulate": {"fail_at_progress": 0.5, "error": "out of memory"}}}));
    let id = sim.open(
        "POST",
        "/api/generate",
        &generate("x", json!({"model": "gpt2-large"})),
    );
    sim.advance(1000.0);
    let answer = sim.so_far(id);
    assert_eq!(
        (answer.code(), answer.json()),
        (500, json!({"error": "out of memory"}))
    );
}

#[test]
fn a_model_without_completion_does_not_generate() {
    let mut sim = server(json!({}));
    assert_eq!(
        sim.call(
            "POST",
            "/api/generate",
            json!({"model": "bert-large", "prompt": "x"})
        ),
        (
            400,
            json!({"error": "\"bert-large\" does not support generate"})
        )
    );
    assert_eq!(
        sim.call(
            "POST",
            "/api/chat",
            json!({"model": "bert-large", "messages": [{"role": "user", "content": "x"}]})
        ),
        (
            400,
            json!({"error": "\"bert-large\" does not support chat"})
        )
    );
}

#[test]
fn unknown_and_pulling_models_are_404() {
    let mut sim = server(json!({}));
    for route in ["/api/generate", "/api/chat"] {
        assert_eq!(
            sim.call(
                "POST",
                route,
                json!({"model": "nope", "prompt": "x", "messages": []})
            ),
            (404, json!({"error": "model 'nope' not found"}))
        );
    }
    sim.request(json!({"pull_model": "llama3.2:1b"}));
    assert_eq!(
        sim.call("POST", "/api/generate", json!({"model": "llama3.2:1b"}))
            .0,
        404
    );
    sim.advance(2000.0);
    let id = sim.open("POST", "/api/generate", r#"{"model": "llama3.2:1b"}"#);
    sim.advance(130.0);
    assert_eq!(
        sim.so_far(id).json()["done_reason"],
        "load",
        "pulled, then loaded"
    );
}

#[test]
fn a_zero_keep_alive_does_not_unload_a_model_before_its_answer() {
    let mut sim = server(json!({"residency": {"keepAlive": 0}}));
    sim.request(json!({"model": "gpt2-small"}));
    sim.request(json!({"unload_model": "gpt2-medium"}));
    let id = sim.open(
        "POST",
        "/api/generate",
        &generate("x", json!({"model": "gpt2-medium", "stream": false})),
    );
    sim.advance(1000.0);
    let answer = sim.so_far(id);
    assert_eq!(answer.code(), 200, "{}", answer.body);
    assert_eq!(
        answer.json()["load_duration"],
        300 * MS,
        "150 ms to load, 150 ms to swap"
    );
    let entry = sim.entry("gpt2-medium").unwrap();
    assert_eq!(
        (entry["state"].clone(), entry["keep_alive"].clone()),
        (json!("ready"), json!(0.0))
    );
    assert_eq!(
        sim.state("gpt2-small"),
        "available",
        "idle once swapped away from: expired"
    );
}

#[test]
fn a_late_poll_still_times_the_answer_from_the_swap_s_end() {
    let mut sim = server(json!({}));
    sim.request(json!({"model": "gpt2-small"}));
    let id = sim.open(
        "POST",
        "/api/generate",
        &generate("x", json!({"model": "gpt2-medium"})),
    );
    sim.jump(5000.0); // the 150 ms swap and every token in one step
    let answer = sim.so_far(id);
    assert!(answer.ended);
    let lines = answer.lines();
    assert_eq!(lines.len(), TOKENS + 1, "every token caught up at once");
    assert_eq!(lines[0]["created_at"], rfc3339(START + 150.0 + 2.0 + 20.0));
    let last = lines.last().unwrap();
    assert_eq!(last["load_duration"], 150 * MS);
    assert_eq!(last["total_duration"], (150 + 2 + 260) * MS);
}
