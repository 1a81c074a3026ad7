//! The HTTP façade: requests of any method, path and body bytes, mixed with
//! clock advances and streams read on or cancelled. Nothing panics; every
//! answer is a well-formed HTTP reply (one head first, a real status, clean
//! headers, nothing after the end, JSON where it says JSON); a request refused
//! at once changes nothing; the engine's invariants hold; and once the clock
//! has run out every answer has ended but the event streams.
#![no_main]

use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use model_hotload::config::parse_options;
use model_hotload::engine::Engine;
use model_hotload::http::{ExchangeId, Facade, Fetched, HttpRequest, Output};
use serde_json::json;
use std::collections::BTreeMap;

const METHODS: [&str; 7] = ["GET", "POST", "DELETE", "PUT", "get", "PATCH", "HEAD"];
const PATHS: [&str; 24] = [
    "/hotload", "/events", "/_sim/advance", "/api/version", "/api/tags", "/api/ps", "/api/pull",
    "/api/generate", "/api/chat", "/api/delete", "/api/show", "/v1/models", "/v1/models/gpt2-small",
    "/v1/models/llama3.2%3A3b", "/v2/health/live", "/v2/health/ready", "/v2/repository/index",
    "/v2/repository/models/gpt2-small/load", "/v2/repository/models/qwen2.5:0.5b/load",
    "/v2/repository/models/gpt2-small/unload", "/v2/models/gpt2-small/ready", "/v2/models/gpt2-small",
    "/", "/api",
];
const NAMES: [&str; 6] = ["gpt2-small", "llama-7b", "qwen2.5:0.5b", "llama3.2:3b", "nope", "a\"<b>"];

#[derive(Arbitrary, Debug)]
enum Body {
    None,
    Raw(Vec<u8>),
    /// A body the routes read: `{model|name, prompt?, stream?, keep_alive?}`.
    Model { name: u8, prompt: bool, stream: Option<bool>, keep_alive: Option<i16>, field: bool },
    /// A handleRequest request for /hotload.
    Request(u8),
    Advance(u16),
}

#[derive(Arbitrary, Debug)]
enum Step {
    Fetch { method: u8, path: u8, suffix: Option<String>, body: Body },
    Advance(u16),
    Cancel(u8),
}

fn body_text(body: &Body) -> String {
    match body {
        Body::None => String::new(),
        Body::Raw(bytes) => String::from_utf8_lossy(bytes).into_owned(),
        Body::Model { name, prompt, stream, keep_alive, field } => {
            let name = NAMES[*name as usize % NAMES.len()];
            let mut v = if *field { json!({"name": name}) } else { json!({"model": name}) };
            if *prompt {
                v["prompt"] = json!("hi");
                v["messages"] = json!([{"role": "user", "content": "hi"}]);
            }
            if let Some(s) = stream {
                v["stream"] = json!(s);
            }
            if let Some(k) = keep_alive {
                v["keep_alive"] = if k % 2 == 0 { json!(k) } else { json!(format!("{k}s")) };
            }
            v.to_string()
        }
        Body::Request(i) => {
            let name = NAMES[*i as usize % NAMES.len()];
            [
                json!({"list_models": true}),
                json!({"model": name}),
                json!({"load_model": name}),
                json!({"pull_model": name}),
                json!({"unload_model": name}),
                json!({"hot_load": {"model_name": name, "model_config": {"size_gb": 1, "tier": "ram", "capabilities": ["chat"]}}}),
            ][*i as usize % 6]
                .to_string()
        }
        Body::Advance(ms) => json!({"ms": ms}).to_string(),
    }
}

#[derive(Default)]
struct Seen {
    status: Option<u16>,
    json: bool,
    body: String,
    ended: bool,
    events: bool,
    /// A `HEAD` answer: the headers of the `GET`, no body.
    head: bool,
}

struct Run {
    engine: Engine,
    facade: Facade,
    now: f64,
    seen: BTreeMap<ExchangeId, Seen>,
}

impl Run {
    fn take(&mut self) {
        let _ = self.facade.step(&mut self.engine, self.now);
        for (id, out) in self.facade.take_output() {
            self.check(id, out);
        }
    }

    fn check(&mut self, id: ExchangeId, out: Output) {
        let seen = self.seen.entry(id).or_default();
        assert!(!seen.ended, "output after the end of {id}");
        if let Some(head) = out.head {
            assert!(seen.status.is_none(), "a second head for {id}");
            assert!((200..=599).contains(&head.status), "status {}", head.status);
            for (name, value) in &head.headers {
                assert!(!name.is_empty() && name.bytes().all(|b| b.is_ascii_lowercase() || b == b'-'), "{name:?}");
                assert!(!value.contains(['\r', '\n']), "{value:?}");
                if *name == "content-type" {
                    seen.json = value.starts_with("application/json");
                    seen.events = value == "text/event-stream";
                }
            }
            seen.status = Some(head.status);
        }
        assert!(seen.status.is_some() || (out.data.is_empty() && !out.end), "data before the head of {id}");
        seen.body.push_str(&out.data);
        if out.end {
            seen.ended = true;
            if seen.json && !seen.head {
                serde_json::from_str::<serde_json::Value>(&seen.body).unwrap_or_else(|e| panic!("{e}: {}", seen.body));
            }
            seen.body.clear();
        }
    }

    fn next_deadline(&self) -> Option<f64> {
        self.facade.next_deadline(&self.engine)
    }

    fn advance_to(&mut self, target: f64) {
        let mut steps = 0;
        while let Some(due) = self.next_deadline().filter(|&t| t <= target) {
            assert!(due >= self.now, "a deadline in the past");
            self.now = due;
            self.engine.handle_timeout(self.now);
            self.take();
            steps += 1;
            assert!(steps < 200_000, "the deadlines never run out");
        }
        self.now = self.now.max(target);
        self.take();
    }
}

fuzz_target!(|steps: Vec<Step>| {
    let config = parse_options(&json!({"clock": "manual", "startTime": 1_000_000, "residency": {"maxLoaded": 3, "parallelLoads": 1, "maxQueue": 2}}))
        .expect("valid options");
    let mut run = Run { engine: Engine::new(&config, Box::new(|| 0.0)), facade: Facade::default(), now: 1_000_000.0, seen: BTreeMap::new() };
    for step in steps.iter().take(64) {
        match step {
            Step::Fetch { method, path, suffix, body } => {
                let method = METHODS[*method as usize % METHODS.len()];
                let mut url = format!("http://sim{}", PATHS[*path as usize % PATHS.len()]);
                if let Some(suffix) = suffix {
                    url.push_str(suffix);
                }
                let text = body_text(body);
                let before = run.engine.snapshot(run.now);
                let request = HttpRequest { method, url: &url, body: &text };
                let id = match run.facade.fetch(&mut run.engine, request, run.now) {
                    Fetched::Open(id) => id,
                    Fetched::Advance(id, ms) => {
                        assert!(ms.is_finite() && ms >= 0.0);
                        let target = run.now + ms;
                        run.advance_to(target);
                        run.facade.advanced(id, Ok(run.now));
                        id
                    }
                };
                // An answer that waits (a Triton load, a swap) has written nothing yet.
                run.seen.entry(id).or_default().head = method.eq_ignore_ascii_case("HEAD");
                run.take();
                let seen = &run.seen[&id];
                if seen.ended && seen.status.is_some_and(|s| s >= 400) {
                    assert_eq!(run.engine.snapshot(run.now), before, "{method} {url} was refused but changed the state");
                }
            }
            Step::Advance(ms) => {
                let target = run.now + f64::from(*ms) * 10.0;
                run.advance_to(target);
            }
            Step::Cancel(i) => {
                let open: Vec<ExchangeId> = run.seen.iter().filter(|(_, s)| !s.ended).map(|(id, _)| *id).collect();
                if let Some(id) = open.get(*i as usize % open.len().max(1)) {
                    run.facade.cancel(*id);
                    run.seen.remove(id);
                    run.take();
                }
            }
        }
        run.engine.check_invariants(run.now, false).expect("invariants");
    }
    // Run the clock out: every answer ends but the event streams.
    run.advance_to(run.now + 1e10);
    run.engine.check_invariants(run.now, true).expect("invariants after the clock ran");
    for (id, seen) in &run.seen {
        assert!(seen.ended || seen.events, "exchange {id} never ended (status {:?})", seen.status);
    }
});
