//! A harness for the HTTP façade: a Facade beside an Engine on a fake clock,
//! driven as the WASM driver drives it (fetch, step, take_output, and the
//! clock moved deadline by deadline, the façade's wakes included).
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use model_hotload::config::{parse_options, ServerConfig};
use model_hotload::engine::Engine;
use model_hotload::http::{AdvanceRefused, ExchangeId, Facade, Fetched, HttpRequest};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// One exchange's answer so far.
#[derive(Debug, Default, Clone)]
pub struct Answer {
    pub status: Option<u16>,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub ended: bool,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
    }

    /// The body's NDJSON lines, parsed.
    pub fn lines(&self) -> Vec<Value> {
        self.body
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub struct Site {
    pub engine: Engine,
    pub facade: Facade,
    pub now: f64,
    pub answers: BTreeMap<ExchangeId, Answer>,
    pub events: Vec<Value>,
}

impl Site {
    pub fn new() -> Site {
        Site::with_options(json!({}))
    }

    /// A manual-clock server with `extra` options.
    pub fn with_options(extra: Value) -> Site {
        let mut options = json!({"clock": "manual"});
        for (k, v) in extra.as_object().unwrap() {
            options[k] = v.clone();
        }
        let config: ServerConfig = parse_options(&options).expect("valid options");
        Site {
            engine: Engine::new(&config, Box::new(|| 0.0)),
            facade: Facade::default(),
            now: config.start_time,
            answers: BTreeMap::new(),
            events: Vec::new(),
        }
    }

    /// Starts an exchange; its answer grows as the clock moves.
    pub fn open(&mut self, method: &str, url: &str, body: &str) -> ExchangeId {
        let request = HttpRequest { method, url, body };
        let id = match self.facade.fetch(&mut self.engine, request, self.now) {
            Fetched::Open(id) => id,
            Fetched::Advance(id, ms) => {
                self.advance(ms);
                self.facade.advanced(id, Ok(self.now));
                id
            }
        };
        self.answers.entry(id).or_default();
        self.settle();
        id
    }

    /// A whole answer: the request, then the clock until it ends (or `limit` ms).
    pub fn fetch(&mut self, method: &str, url: &str, body: &str) -> Answer {
        let id = self.open(method, url, body);
        self.answer(id).clone()
    }

    pub fn get(&mut self, url: &str) -> Answer {
        self.fetch("GET", url, "")
    }

    pub fn post(&mut self, url: &str, body: Value) -> Answer {
        self.fetch("POST", url, &body.to_string())
    }

    /// Runs the clock until `id` has ended, or panics if nothing is left to run.
    pub fn answer(&mut self, id: ExchangeId) -> &Answer {
        let mut steps = 0;
        while !self.answers.get(&id).is_some_and(|a| a.ended) {
            let next = self.next_deadline().unwrap_or_else(|| {
                panic!(
                    "exchange {id} waits with nothing due: {:?}",
                    self.answers.get(&id)
                )
            });
            self.advance_to(next);
            steps += 1;
            assert!(steps < 1_000_000, "exchange {id} never ends");
        }
        &self.answers[&id]
    }

    /// A request through the engine, as handleRequest (JSON in and out).
    pub fn request(&mut self, request: Value) -> Value {
        let reply = self.engine.handle_text(&request.to_string(), self.now);
        self.settle();
        match reply {
            model_hotload::engine::Reply::Now(r) => serde_json::to_value(&r).unwrap(),
            model_hotload::engine::Reply::AfterSwap(t) => json!({ "pending": t }),
        }
    }

    pub fn cancel(&mut self, id: ExchangeId) {
        self.facade.cancel(id);
        self.answers.remove(&id);
        self.settle();
    }

    pub fn next_deadline(&self) -> Option<f64> {
        [self.engine.poll_timeout(), self.facade.poll_timeout()]
            .into_iter()
            .flatten()
            .reduce(f64::min)
    }

    pub fn advance(&mut self, ms: f64) {
        self.advance_to(self.now + ms);
    }

    pub fn advance_to(&mut self, target: f64) {
        while let Some(due) = self.next_deadline().filter(|&t| t <= target) {
            assert!(
                due >= self.now,
                "a deadline in the past: {due} < {}",
                self.now
            );
            self.now = due;
            self.engine.handle_timeout(self.now);
            self.settle();
        }
        self.now = self.now.max(target);
        self.settle();
    }

    fn settle(&mut self) {
        let (events, _completions) = self.facade.step(&mut self.engine, self.now);
        self.events
            .extend(events.iter().map(|e| serde_json::to_value(e).unwrap()));
        for (id, out) in self.facade.take_output() {
            let answer = self.answers.entry(id).or_default();
            if let Some(head) = out.head {
                assert!(answer.status.is_none(), "a second head for {id}");
                answer.status = Some(head.status);
                answer.headers = head
                    .headers
                    .into_iter()
                    .map(|(n, v)| (n.to_string(), v))
                    .collect();
            }
            assert!(!answer.ended, "output after the end of {id}");
            answer.body.push_str(&out.data);
            answer.ended = out.end;
        }
    }
}

/// `Err` of a refused advance, as the driver reports it.
pub fn real_clock(reason: &str) -> Result<f64, AdvanceRefused> {
    Err(AdvanceRefused::RealClock(reason.to_string()))
}
