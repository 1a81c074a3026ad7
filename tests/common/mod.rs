//! A test harness around the pure engine: a fake clock that jumps from
//! deadline to deadline (quinn-proto's `drive()` pattern), JSON in, JSON out.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use model_hotload::config::{parse_options, ServerConfig};
use model_hotload::engine::{Engine, Reply};
use model_hotload::swap::Ticket;
use serde_json::{json, Value};
use std::cell::Cell;
use std::collections::HashMap;
use std::rc::Rc;

pub struct Harness {
    pub engine: Engine,
    pub now: f64,
    pub events: Vec<Value>,
    /// Responses of finished hot-swaps, by ticket.
    pub finished: HashMap<Ticket, Value>,
    /// What the stopwatch reads; tests may move it to fake a slow selection.
    pub stopwatch: Rc<Cell<f64>>,
}

impl Harness {
    pub fn new() -> Harness {
        Harness::with_options(json!({"clock": "manual"}))
    }

    pub fn with_options(options: Value) -> Harness {
        let config: ServerConfig = parse_options(&options).expect("valid options");
        let stopwatch = Rc::new(Cell::new(0.0));
        let reading = stopwatch.clone();
        Harness {
            engine: Engine::new(&config, Box::new(move || reading.get())),
            now: config.start_time,
            events: Vec::new(),
            finished: HashMap::new(),
            stopwatch,
        }
    }

    /// Sends a request (JSON text); a hot-swap's response is `{"pending": ticket}`.
    pub fn send_text(&mut self, text: &str) -> Value {
        let reply = self.engine.handle_text(text, self.now);
        self.collect();
        match reply {
            Reply::Now(response) => serde_json::to_value(&response).unwrap(),
            Reply::AfterSwap(ticket) => json!({ "pending": ticket }),
        }
    }

    pub fn send(&mut self, request: Value) -> Value {
        self.send_text(&request.to_string())
    }

    /// Sends a request and, for a hot-swap, runs the clock until it finishes.
    pub fn send_and_wait(&mut self, request: Value) -> Value {
        let reply = self.send(request);
        match reply.get("pending").and_then(Value::as_u64) {
            None => reply,
            Some(ticket) => {
                while !self.finished.contains_key(&ticket) {
                    let next = self
                        .engine
                        .poll_timeout()
                        .expect("a pending swap has a deadline");
                    self.advance_to(next);
                }
                self.finished.remove(&ticket).unwrap()
            }
        }
    }

    /// Moves the clock by `ms`, ending each job and swap at its own deadline.
    pub fn advance(&mut self, ms: f64) {
        let target = self.now + ms;
        self.advance_to(target);
    }

    pub fn advance_to(&mut self, target: f64) {
        while let Some(due) = self.engine.poll_timeout().filter(|&t| t <= target) {
            self.now = self.now.max(due);
            self.engine.handle_timeout(self.now);
            self.collect();
        }
        self.now = self.now.max(target);
    }

    fn collect(&mut self) {
        for e in self.engine.take_events() {
            self.events.push(serde_json::to_value(&e).unwrap());
        }
        for (ticket, response) in self.engine.take_completions() {
            self.finished
                .insert(ticket, serde_json::to_value(&response).unwrap());
        }
    }

    pub fn event_types(&self) -> Vec<String> {
        self.events
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_string())
            .collect()
    }

    /// Everything a client can observe, for "a rejected request changes nothing".
    pub fn snapshot(&mut self) -> Value {
        let mut all = Vec::new();
        for r in [
            json!({"list_models": true}),
            json!({"list_jobs": true}),
            json!({"system_status": true}),
        ] {
            all.push(self.send(r));
        }
        let mut metrics = self.send(json!({"metrics": true}));
        metrics["selections"]["mean_ms"] = json!(null);
        all.push(metrics);
        json!(all)
    }
}

pub fn hot_load(name: &str, size_gb: f64, tier: &str, caps: &[&str]) -> Value {
    json!({"hot_load": {"model_name": name, "model_config": {"size_gb": size_gb, "tier": tier, "capabilities": caps}}})
}

pub fn code(response: &Value) -> &str {
    response["code"].as_str().unwrap_or("<no code>")
}
