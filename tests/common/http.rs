//! The one harness for the HTTP façade: a Facade beside an Engine on a fake
//! clock, driven as the WASM driver drives it (fetch, step, take_output, and
//! the clock moved deadline by deadline, the façade's wakes included), every
//! exchange's output collected and checked as it is taken.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use model_hotload::config::{parse_options, ServerConfig};
use model_hotload::engine::{Engine, Reply};
use model_hotload::http::{ExchangeId, Facade, Fetched, Head, HttpRequest};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// What one exchange wrote so far.
#[derive(Debug, Default, Clone)]
pub struct Answer {
    /// The status and headers, once written.
    pub head: Option<Head>,
    pub body: String,
    /// The body is complete.
    pub ended: bool,
    /// Each time output was taken, that time and `body`'s length then.
    pub writes: Vec<(f64, usize)>,
}

impl Answer {
    /// The status, if the head is written.
    pub fn status(&self) -> Option<u16> {
        self.head.as_ref().map(|h| h.status)
    }

    /// The status of an answer that has its head.
    pub fn code(&self) -> u16 {
        self.status().expect("the answer has a head")
    }

    /// A header's value; names match case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.head
            .as_ref()?
            .headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as JSON; `null` for an empty body.
    pub fn json(&self) -> Value {
        if self.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{e}: {}", self.body))
        }
    }

    /// The body as NDJSON: one value per line.
    pub fn lines(&self) -> Vec<Value> {
        self.body
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
            .collect()
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
    /// A manual-clock server with the default options.
    pub fn new() -> Site {
        Site::with_options(json!({}))
    }

    /// A manual-clock server with `extra` options over the defaults.
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

    /// Starts an exchange and returns its id; its answer grows as the clock
    /// moves. `POST /_sim/advance` moves the clock as the driver does.
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

    /// What an opened exchange has written so far (the clock does not move).
    pub fn so_far(&self, id: ExchangeId) -> Answer {
        self.answers.get(&id).cloned().expect("an opened exchange")
    }

    /// An answer that must be whole as soon as the request is made.
    pub fn at_once(&mut self, method: &str, url: &str, body: &str) -> Answer {
        let id = self.open(method, url, body);
        let answer = self.so_far(id);
        assert!(
            answer.ended,
            "{method} {url} {body} did not answer at once: {answer:?}"
        );
        answer
    }

    pub fn get_now(&mut self, url: &str) -> Answer {
        self.at_once("GET", url, "")
    }

    pub fn post_now(&mut self, url: &str, body: &str) -> Answer {
        self.at_once("POST", url, body)
    }

    /// An answer whole at once: its status and JSON body (`null` sends none).
    pub fn call(&mut self, method: &str, url: &str, body: Value) -> (u16, Value) {
        let text = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        self.call_text(method, url, &text)
    }

    pub fn call_text(&mut self, method: &str, url: &str, body: &str) -> (u16, Value) {
        let answer = self.at_once(method, url, body);
        (answer.code(), answer.json())
    }

    /// A whole answer: the request, then the clock until it ends.
    pub fn fetch(&mut self, method: &str, url: &str, body: &str) -> Answer {
        let id = self.open(method, url, body);
        self.finish(id)
    }

    pub fn get(&mut self, url: &str) -> Answer {
        self.fetch("GET", url, "")
    }

    pub fn post(&mut self, url: &str, body: Value) -> Answer {
        self.fetch("POST", url, &body.to_string())
    }

    /// Runs the clock until `id` has ended; panics if nothing is left to run.
    pub fn finish(&mut self, id: ExchangeId) -> Answer {
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
        self.so_far(id)
    }

    /// Stops an exchange, as a client that goes away; its answer is dropped.
    pub fn cancel(&mut self, id: ExchangeId) {
        self.facade.cancel(id);
        self.answers.remove(&id);
        self.settle();
    }

    /// A request straight to the engine, as `handleRequest` (JSON in and
    /// out); a hot-swap's response is `{"pending": ticket}`.
    pub fn request(&mut self, request: Value) -> Value {
        let reply = self.engine.handle_text(&request.to_string(), self.now);
        self.settle();
        match reply {
            Reply::Now(response) => serde_json::to_value(&response).unwrap(),
            Reply::AfterSwap(ticket) => json!({ "pending": ticket }),
        }
    }

    /// `list_repository`'s entry for `name`.
    pub fn entry(&mut self, name: &str) -> Option<Value> {
        let list = self.request(json!({"list_repository": true}));
        list["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name)
            .cloned()
    }

    /// The state of `name` in the repository, `"unknown"` if it is not there.
    pub fn state(&mut self, name: &str) -> String {
        self.entry(name)
            .and_then(|e| e["state"].as_str().map(str::to_string))
            .unwrap_or_else(|| "unknown".to_string())
    }

    /// The types of the events so far, in order.
    pub fn event_types(&self) -> Vec<String> {
        self.events
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_string())
            .collect()
    }

    /// The next deadline, the engine's or the façade's.
    pub fn next_deadline(&self) -> Option<f64> {
        self.facade.next_deadline(&self.engine)
    }

    /// Moves the clock by `ms`, stopping at every deadline on the way.
    pub fn advance(&mut self, ms: f64) {
        self.advance_to(self.now + ms);
    }

    /// Moves the clock to `target`, stopping at every deadline on the way.
    pub fn advance_to(&mut self, target: f64) {
        let mut steps = 0;
        while let Some(due) = self.next_deadline().filter(|&t| t <= target) {
            assert!(
                due >= self.now,
                "a deadline in the past: {due} < {}",
                self.now
            );
            self.now = due;
            self.engine.handle_timeout(self.now);
            self.settle();
            steps += 1;
            assert!(
                steps < 1_000_000,
                "the clock never reached {target}: a wake that does not move on"
            );
        }
        self.now = self.now.max(target);
        self.settle();
    }

    /// Moves the clock by `ms` in one step, as a driver that polls late does.
    pub fn jump(&mut self, ms: f64) {
        self.now += ms;
        self.engine.handle_timeout(self.now);
        self.settle();
    }

    /// Runs the exchanges at `now` and takes their output: one head per
    /// answer, nothing after the end, and every open exchange's next wake
    /// later than now.
    fn settle(&mut self) {
        let (events, _completions) = self.facade.step(&mut self.engine, self.now);
        self.events
            .extend(events.iter().map(|e| serde_json::to_value(e).unwrap()));
        for (id, out) in self.facade.take_output() {
            let answer = self.answers.entry(id).or_default();
            assert!(!answer.ended, "output after the end of {id}: {out:?}");
            if let Some(head) = out.head {
                assert!(answer.head.is_none(), "a second head for {id}");
                answer.head = Some(head);
            }
            answer.body.push_str(&out.data);
            answer.ended = out.end;
            answer.writes.push((self.now, answer.body.len()));
        }
        if let Some(wake) = self.facade.poll_timeout() {
            assert!(
                wake > self.now,
                "a wake at {wake}, not after now ({})",
                self.now
            );
        }
    }
}
