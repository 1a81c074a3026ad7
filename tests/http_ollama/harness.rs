//! A harness around the façade and the engine on a fake clock: requests as
//! HTTP, time moved from deadline to deadline (the engine's and the
//! exchanges' own), every exchange's output collected.

use model_hotload::config::parse_options;
use model_hotload::engine::{Engine, Reply};
use model_hotload::http::{ExchangeId, Facade, Fetched, Head, HttpRequest};
use serde_json::{json, Value};
use std::collections::BTreeMap;

/// What one exchange wrote so far.
#[derive(Debug, Default, Clone)]
pub struct Answer {
    pub head: Option<Head>,
    pub body: String,
    pub end: bool,
    /// `body`'s length at each time output was taken, and that time.
    pub writes: Vec<(f64, usize)>,
}

impl Answer {
    pub fn status(&self) -> u16 {
        self.head.as_ref().map_or(0, |h| h.status)
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.head
            .as_ref()
            .and_then(|h| h.headers.iter().find(|(n, _)| *n == name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as NDJSON: one value per line.
    pub fn lines(&self) -> Vec<Value> {
        self.body
            .lines()
            .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
            .collect()
    }

    pub fn json(&self) -> Value {
        if self.body.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("{}: {e}", self.body))
        }
    }
}

pub struct Sim {
    pub engine: Engine,
    pub facade: Facade,
    pub now: f64,
    pub answers: BTreeMap<ExchangeId, Answer>,
    pub events: Vec<Value>,
}

impl Sim {
    /// A server on the manual clock with `options` (the default catalog unless they say).
    pub fn new(options: Value) -> Sim {
        let mut all = json!({"clock": "manual", "startTime": 1_700_000_000_000.0});
        for (k, v) in options.as_object().unwrap() {
            all[k] = v.clone();
        }
        let config = parse_options(&all).expect("valid options");
        Sim {
            engine: Engine::new(&config, Box::new(|| 0.0)),
            facade: Facade::default(),
            now: config.start_time,
            answers: BTreeMap::new(),
            events: Vec::new(),
        }
    }

    pub fn fetch(&mut self, method: &str, url: &str, body: &str) -> ExchangeId {
        let request = HttpRequest { method, url, body };
        let id = match self.facade.fetch(&mut self.engine, request, self.now) {
            Fetched::Open(id) => id,
            Fetched::Advance(..) => panic!("not an Ollama route"),
        };
        self.answers.entry(id).or_default();
        self.settle();
        id
    }

    /// A request whose answer is complete at once: its status and JSON body.
    pub fn call(&mut self, method: &str, url: &str, body: Value) -> (u16, Value) {
        let text = if body.is_null() {
            String::new()
        } else {
            body.to_string()
        };
        self.call_text(method, url, &text)
    }

    pub fn call_text(&mut self, method: &str, url: &str, body: &str) -> (u16, Value) {
        let id = self.fetch(method, url, body);
        let answer = self.answer(id);
        assert!(
            answer.end,
            "{method} {url} {body} answered at once: {answer:?}"
        );
        (answer.status(), answer.json())
    }

    pub fn answer(&self, id: ExchangeId) -> Answer {
        self.answers.get(&id).cloned().unwrap_or_default()
    }

    /// A `handleRequest`-style request, straight to the engine.
    pub fn hotload(&mut self, request: Value) -> Value {
        let reply = self.engine.handle_text(&request.to_string(), self.now);
        self.settle();
        match reply {
            Reply::Now(response) => serde_json::to_value(&response).unwrap(),
            Reply::AfterSwap(ticket) => json!({ "pending": ticket }),
        }
    }

    /// `list_repository`'s entry for `name` (`null` if unknown).
    pub fn entry(&mut self, name: &str) -> Value {
        let list = self.hotload(json!({"list_repository": true}));
        list["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name)
            .cloned()
            .unwrap_or(Value::Null)
    }

    pub fn state(&mut self, name: &str) -> String {
        self.entry(name)["state"]
            .as_str()
            .unwrap_or("unknown")
            .to_string()
    }

    /// Moves the clock by `ms`, stopping at every deadline on the way.
    pub fn advance(&mut self, ms: f64) {
        let target = self.now + ms;
        for _ in 0..1_000_000 {
            let next = [self.engine.poll_timeout(), self.facade.poll_timeout()]
                .into_iter()
                .flatten()
                .reduce(f64::min);
            match next {
                Some(t) if t <= target => {
                    self.now = self.now.max(t);
                    self.engine.handle_timeout(self.now);
                    self.settle();
                }
                _ => {
                    self.now = target;
                    self.engine.handle_timeout(self.now);
                    self.settle();
                    return;
                }
            }
        }
        panic!("the clock never reached {target}: a wake that does not move on");
    }

    /// Moves the clock by `ms` in one step, as a driver that polls late does.
    pub fn jump(&mut self, ms: f64) {
        self.now += ms;
        self.engine.handle_timeout(self.now);
        self.settle();
    }

    /// Runs the exchanges at `now` and takes their output; every open
    /// exchange's next wake must be later than now.
    fn settle(&mut self) {
        let (events, _) = self.facade.step(&mut self.engine, self.now);
        for event in events {
            self.events.push(serde_json::to_value(&event).unwrap());
        }
        for (id, out) in self.facade.take_output() {
            let answer = self.answers.entry(id).or_default();
            if let Some(head) = out.head {
                assert!(answer.head.is_none(), "one head per answer");
                answer.head = Some(head);
            }
            assert!(!answer.end || out.data.is_empty(), "nothing after the end");
            answer.body.push_str(&out.data);
            answer.end |= out.end;
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
