//! Traces: a record of one server's session that replays on a fresh
//! manual-clock server (README, "Traces"). Pure: the driver passes the
//! simulated instants; nothing here reads a clock.
//!
//! A trace is `{format, version, options, start, steps}` and, once it has
//! been cut, `base` and `dropped`. A step is one of
//! - `{"at", "request", "response"}`: a `handleRequest` call (`request` is
//!   the parsed request, or its text when it is not JSON or is a JSON
//!   string (a string step is sent as the text it holds); `response` is
//!   `null` while a hot-swap has not finished);
//! - `{"at", "request": null, "unreadable", "response"}`: a request that
//!   could not be read as JSON at all (`unreadable` is why);
//! - `{"at", "advance"}`: `advance(ms)` on the manual clock;
//! - `{"at", "fetch": {"method", "url", "body"}, "status"?, "body"?}`: a
//!   `server.fetch` call with the answer's status and, when the answer was
//!   whole at once, its body.
//!
//! Memory is bounded: at [`MAX_STEPS`] steps the trace is cut — the
//! engine's saved state at that instant becomes `base` (the saved state's
//! JSON text, as `persist` stores it: its numbers are 64-bit patterns that a
//! JavaScript number would round), the steps so far are
//! dropped and counted in `dropped` — so a trace always replays from `base`.

mod compare;
mod replay;

pub use replay::{replay, Divergence, ReplayReport};

use crate::engine::{Engine, Reply};
use crate::error::ApiError;
use crate::http::{ExchangeId, Facade, Fetched, HttpRequest, Output};
use crate::protocol::Response;
use crate::swap::Ticket;
use crate::validate::parse_json;
use serde_json::{json, Map, Value};
use std::collections::HashMap;

pub const FORMAT: &str = "model-hotload/trace";
pub const VERSION: u64 = 1;
/// The most steps a trace holds; at this many it is cut (see the module doc).
pub const MAX_STEPS: usize = 10_000;

/// Records a session's steps as the driver makes them.
#[derive(Debug, Clone)]
pub struct Recorder {
    options: Value,
    start: f64,
    cap: usize,
    /// The saved state's JSON text.
    base: Option<String>,
    dropped: u64,
    steps: Vec<Value>,
    /// Hot-swaps whose response is still to come, by ticket: their step number.
    swaps: HashMap<Ticket, u64>,
    /// Exchanges whose answer is still to come: their step number.
    exchanges: HashMap<ExchangeId, u64>,
}

impl Recorder {
    /// A recorder for a server made with `options` (as given) at `start`.
    pub fn new(options: Value, start: f64) -> Recorder {
        Recorder::with_cap(options, start, MAX_STEPS)
    }

    /// The same with another cap (at least 1, at most [`MAX_STEPS`]): for tests.
    pub fn with_cap(options: Value, start: f64, cap: usize) -> Recorder {
        Recorder {
            options,
            start,
            cap: cap.clamp(1, MAX_STEPS),
            base: None,
            dropped: 0,
            steps: Vec::new(),
            swaps: HashMap::new(),
            exchanges: HashMap::new(),
        }
    }

    /// The server did not start fresh (it was restored): replay starts from
    /// its state at `now`.
    pub fn rebase(&mut self, engine: &Engine, now: f64) {
        self.base = Some(engine.snapshot(now).to_json());
    }

    /// Handles a request (its text, or why it could not be read) and records it.
    pub fn request(
        &mut self,
        engine: &mut Engine,
        text: Result<&str, ApiError>,
        now: f64,
    ) -> Reply {
        self.room(engine, now);
        let (request, unreadable, reply) = match text {
            Ok(text) => {
                // Kept as text unless it is JSON other than a string (a string
                // is how replay knows the text is to be sent as it is).
                let request = match parse_json(text) {
                    Ok(value) if !value.is_string() => value,
                    _ => json!(text),
                };
                (request, None, engine.handle_text(text, now))
            }
            Err(error) => {
                let reason = error.reason.clone();
                (
                    Value::Null,
                    Some(reason),
                    Reply::Now(Response::error(error, None)),
                )
            }
        };
        let response = match &reply {
            Reply::Now(response) => response_value(response),
            Reply::AfterSwap(ticket) => {
                self.swaps.insert(*ticket, self.next_number());
                Value::Null
            }
        };
        let mut step = Map::new();
        step.insert("at".into(), json!(now));
        step.insert("request".into(), request);
        if let Some(reason) = unreadable {
            step.insert("unreadable".into(), json!(reason));
        }
        step.insert("response".into(), response);
        self.steps.push(Value::Object(step));
        reply
    }

    /// Records `advance(ms)` at `now`, before the clock moves.
    pub fn advance(&mut self, engine: &Engine, now: f64, ms: f64) {
        self.room(engine, now);
        self.steps.push(json!({"at": now, "advance": ms}));
    }

    /// Opens an HTTP exchange and records it; its answer is filled in from
    /// [`Recorder::outputs`].
    pub fn fetch(
        &mut self,
        facade: &mut Facade,
        engine: &mut Engine,
        request: HttpRequest,
        now: f64,
    ) -> Fetched {
        self.room(engine, now);
        let number = self.next_number();
        self.steps.push(json!({"at": now, "fetch": {
            "method": request.method, "url": request.url, "body": request.body}}));
        let fetched = facade.fetch(engine, request, now);
        let (Fetched::Open(id) | Fetched::Advance(id, _)) = fetched;
        self.exchanges.insert(id, number);
        fetched
    }

    /// Fills in the responses of finished hot-swaps.
    pub fn completions(&mut self, completions: &[(Ticket, Response)]) {
        for (ticket, response) in completions {
            if let Some(number) = self.swaps.remove(ticket) {
                if let Some(Value::Object(step)) = self.step_mut(number) {
                    step.insert("response".into(), response_value(response));
                }
            }
        }
    }

    /// Fills in the answers of exchanges: the status when the head comes,
    /// the body when the whole answer came at once.
    pub fn outputs(&mut self, outputs: &[(ExchangeId, Output)]) {
        for (id, out) in outputs {
            let Some(&number) = self.exchanges.get(id) else {
                continue;
            };
            if out.end {
                self.exchanges.remove(id);
            }
            let Some(Value::Object(step)) = self.step_mut(number) else {
                continue;
            };
            if let Some(head) = &out.head {
                step.insert("status".into(), json!(head.status));
                if out.end {
                    step.insert("body".into(), body_value(&out.data));
                }
            }
        }
    }

    /// An exchange the client stopped reading: nothing more comes.
    pub fn cancelled(&mut self, id: ExchangeId) {
        self.exchanges.remove(&id);
    }

    /// The trace as JSON (the format in the module doc).
    pub fn to_value(&self) -> Value {
        let mut trace = Map::new();
        trace.insert("format".into(), json!(FORMAT));
        trace.insert("version".into(), json!(VERSION));
        trace.insert("options".into(), self.options.clone());
        trace.insert("start".into(), json!(self.start));
        if let Some(base) = &self.base {
            trace.insert("base".into(), json!(base));
            trace.insert("dropped".into(), json!(self.dropped));
        }
        trace.insert("steps".into(), Value::Array(self.steps.clone()));
        Value::Object(trace)
    }

    /// Steps held now.
    pub fn len(&self) -> usize {
        self.steps.len()
    }

    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }

    /// Steps dropped by cuts so far.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// Before a step at `now`: at the cap, cut — the state now becomes the base.
    fn room(&mut self, engine: &Engine, now: f64) {
        if self.steps.len() < self.cap {
            return;
        }
        self.base = Some(engine.snapshot(now).to_json());
        self.dropped += self.steps.len() as u64;
        self.steps.clear();
    }

    /// The number the next step gets, counting dropped steps.
    fn next_number(&self) -> u64 {
        self.dropped + self.steps.len() as u64
    }

    /// Step `number`, if it is still held.
    fn step_mut(&mut self, number: u64) -> Option<&mut Value> {
        let index = usize::try_from(number.checked_sub(self.dropped)?).ok()?;
        self.steps.get_mut(index)
    }
}

// Values are read back from their text with the crate's one JSON reader, and
// responses written by the serializer the façade uses: no second copy of
// either in the .wasm (serde_json's `to_value` would add one per response type).

/// A response as JSON, as `handleRequest` resolves it.
pub(crate) fn response_value(response: &Response) -> Value {
    parse_json(&crate::http::wire::to_json(response)).unwrap_or(Value::Null)
}

/// An answer's body: its JSON, or its text when it is not JSON.
pub(crate) fn body_value(text: &str) -> Value {
    parse_json(text).unwrap_or_else(|_| json!(text))
}
