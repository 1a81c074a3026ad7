//! A test harness around the HTTP façade and the engine: one shared state, a
//! fake clock that jumps from deadline to deadline, and the driver's call
//! order (fetch or request, then step, then take the output).
//!
//! Include it with `#[path = "common/http.rs"] mod http;`.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use model_hotload::config::{parse_options, ServerConfig};
use model_hotload::engine::{Engine, Reply};
use model_hotload::http::{ExchangeId, Facade, Fetched, HttpRequest};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// Everything an exchange wrote so far.
#[derive(Debug, Default, Clone)]
pub struct Answer {
    pub status: Option<u16>,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub ended: bool,
}

impl Answer {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn status(&self) -> u16 {
        self.status.expect("the answer has a head")
    }
}

pub struct Sim {
    pub engine: Engine,
    pub facade: Facade,
    pub now: f64,
    pub events: Vec<Value>,
    answers: BTreeMap<ExchangeId, Answer>,
}

impl Sim {
    pub fn new() -> Sim {
        Sim::with_options(json!({"clock": "manual"}))
    }

    pub fn with_options(options: Value) -> Sim {
        let config: ServerConfig = parse_options(&options).expect("valid options");
        Sim {
            engine: Engine::new(&config, Box::new(|| 0.0)),
            facade: Facade::default(),
            now: config.start_time,
            events: Vec::new(),
            answers: BTreeMap::new(),
        }
    }

    /// Opens an exchange; what it writes at once is in [`Sim::answer`].
    pub fn fetch(&mut self, method: &str, url: &str, body: &str) -> ExchangeId {
        let request = HttpRequest { method, url, body };
        let id = match self.facade.fetch(&mut self.engine, request, self.now) {
            Fetched::Open(id) => id,
            Fetched::Advance(..) => panic!("the harness does not drive /_sim/advance"),
        };
        self.answers.insert(id, Answer::default());
        self.step();
        id
    }

    /// A whole answer, written at once.
    pub fn call(&mut self, method: &str, url: &str, body: &str) -> Answer {
        let id = self.fetch(method, url, body);
        let answer = self.answer(id);
        assert!(answer.ended, "{method} {url} did not answer at once");
        answer
    }

    pub fn get(&mut self, url: &str) -> Answer {
        self.call("GET", url, "")
    }

    pub fn post(&mut self, url: &str, body: &str) -> Answer {
        self.call("POST", url, body)
    }

    pub fn answer(&self, id: ExchangeId) -> Answer {
        self.answers.get(&id).cloned().expect("an opened exchange")
    }

    /// A request as `handleRequest` takes it, on the same state; a hot-swap's
    /// response is `{"pending": ticket}`.
    pub fn request(&mut self, request: Value) -> Value {
        let reply = self.engine.handle_text(&request.to_string(), self.now);
        self.step();
        match reply {
            Reply::Now(response) => serde_json::to_value(&response).unwrap(),
            Reply::AfterSwap(ticket) => json!({ "pending": ticket }),
        }
    }

    /// A repository entry, as `list_repository` shows it.
    pub fn entry(&mut self, name: &str) -> Option<Value> {
        let list = self.request(json!({"list_repository": true}));
        list["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name)
            .cloned()
    }

    /// Moves the clock by `ms`, stopping at every deadline on the way.
    pub fn advance(&mut self, ms: f64) {
        let target = self.now + ms;
        for _ in 0..100_000 {
            let due = [self.engine.poll_timeout(), self.facade.poll_timeout()]
                .into_iter()
                .flatten()
                .reduce(f64::min)
                .filter(|&t| t <= target);
            let Some(due) = due else {
                self.now = self.now.max(target);
                self.step();
                return;
            };
            self.now = self.now.max(due);
            self.engine.handle_timeout(self.now);
            self.step();
        }
        panic!("the clock did not reach its target");
    }

    /// What the driver does whenever anything may have changed.
    fn step(&mut self) {
        let (events, _) = self.facade.step(&mut self.engine, self.now);
        self.events
            .extend(events.iter().map(|e| serde_json::to_value(e).unwrap()));
        for (id, out) in self.facade.take_output() {
            let answer = self.answers.entry(id).or_default();
            if let Some(head) = out.head {
                assert!(answer.status.is_none(), "a second head for exchange {id}");
                answer.status = Some(head.status);
                answer.headers = head
                    .headers
                    .into_iter()
                    .map(|(n, v)| (n.to_string(), v))
                    .collect();
            }
            assert!(!answer.ended, "output after the end of exchange {id}");
            answer.body.push_str(&out.data);
            answer.ended = out.end;
        }
    }

    pub fn event_types(&self) -> Vec<String> {
        self.events
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_string())
            .collect()
    }
}
