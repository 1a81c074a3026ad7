//! The HTTP façade (SPEC §6), sans-IO: routing, the wire shapes of the native,
//! Ollama, OpenAI and Triton routes, and the exchanges that outlive the call
//! that opened them (answers that wait on simulated time, and streams).
//!
//! Call order for a driver: [`Facade::fetch`] for each HTTP request;
//! [`Facade::step`] whenever anything may have changed (it takes the engine's
//! events and completions, keeps those of its own exchanges and hands back the
//! rest); [`Facade::poll_timeout`] beside the engine's; [`Facade::take_output`]
//! to deliver what the exchanges wrote. Every route reads and changes the
//! engine only through its requests, so every façade shares one state.

mod compose;
mod native;
mod ollama;
mod openai;
mod route;
mod triton;
pub mod wire;

use crate::engine::{Engine, Reply};
use crate::protocol::RepositoryModel;
use crate::protocol::{Event, Response};
use crate::swap::Ticket;
use crate::validate::parse_value;
use std::collections::BTreeMap;
use std::rc::Rc;

pub use native::status_of;
pub use route::normalize_method;

/// The largest request body read; a longer one is answered 413. A driver need
/// pass no more than `BODY_LIMIT + 1` bytes of a body for the façade to judge it.
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Names one exchange from [`Facade::fetch`] until its output ends.
pub type ExchangeId = u64;

/// An HTTP request as the façade reads it. `body` is the body as UTF-8 text
/// (invalid bytes replaced, as Go's JSON decoder does), possibly cut after
/// `BODY_LIMIT + 1` bytes.
#[derive(Debug, Clone, Copy)]
pub struct HttpRequest<'a> {
    pub method: &'a str,
    /// An absolute URL or a path; scheme, host, query and fragment are ignored.
    pub url: &'a str,
    pub body: &'a str,
}

/// The status line and headers of an answer.
#[derive(Debug, Clone, PartialEq)]
pub struct Head {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
}

/// What an exchange wrote since its output was last taken: the head (once,
/// first), body text, and whether the body is complete.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Output {
    pub head: Option<Head>,
    pub data: String,
    pub end: bool,
}

impl Output {
    /// The head; every answer lets any origin read it (CORS), so a page on
    /// another origin may call the CLI server as it would call Ollama.
    pub fn head(&mut self, status: u16, mut headers: Vec<(&'static str, String)>) {
        headers.push(("access-control-allow-origin", "*".to_string()));
        self.head = Some(Head { status, headers });
    }

    pub fn write(&mut self, text: &str) {
        self.data.push_str(text);
    }

    pub fn end(&mut self) {
        self.end = true;
    }

    /// A whole answer: `status`, a JSON body, the end.
    pub fn json(&mut self, status: u16, body: &impl serde::Serialize) {
        self.head(status, vec![wire::json_type()]);
        self.write(&wire::to_json(body));
        self.end();
    }

    /// A whole answer: `status` and JSON text already made.
    pub fn json_text(&mut self, status: u16, body: &str) {
        self.head(status, vec![wire::json_type()]);
        self.write(body);
        self.end();
    }

    /// A whole answer without a body.
    pub fn empty(&mut self, status: u16) {
        self.head(status, Vec::new());
        self.end();
    }
}

/// What a route sees of the server: the engine, the present, and answers
/// kept from earlier requests.
pub struct Ctx<'a> {
    pub engine: &'a mut Engine,
    pub now: f64,
    pub memo: &'a mut Memo,
}

/// Answer bodies made from one repository listing, kept while that listing is
/// the engine's current one (the engine shares one listing per state
/// revision, so an unchanged state gets the same `Rc`): a client polling
/// `/api/ps` gets the text made once, not a digest per model per request.
#[derive(Default)]
pub struct Memo(Vec<Kept>);

/// A route's name, the listing it read, and the body it made.
type Kept = (&'static str, Rc<Vec<RepositoryModel>>, Rc<str>);

impl Memo {
    /// The body `route` makes of `models`, made now if not kept.
    pub fn body(
        &mut self,
        route: &'static str,
        models: &Rc<Vec<RepositoryModel>>,
        make: impl FnOnce(&[RepositoryModel]) -> String,
    ) -> Rc<str> {
        if let Some((_, _, body)) = self
            .0
            .iter()
            .find(|(r, kept, _)| *r == route && Rc::ptr_eq(kept, models))
        {
            return Rc::clone(body);
        }
        let body: Rc<str> = make(models).into();
        self.0.retain(|(r, _, _)| *r != route);
        self.0.push((route, Rc::clone(models), Rc::clone(&body)));
        body
    }
}

impl Ctx<'_> {
    /// Runs one request given as the JSON `handleRequest` takes: read by the
    /// one reader (`validate::parse_value`), then handled by the engine.
    pub fn request(&mut self, request: &serde_json::Value) -> Reply {
        match parse_value(request) {
            Ok(request) => self.engine.handle(request, self.now),
            Err(rejection) => Reply::Now(Response::error(rejection.error, rejection.request_id)),
        }
    }

    /// Runs a request that never waits for a swap (anything but a selection).
    pub fn answer(&mut self, request: &serde_json::Value) -> Response {
        match self.request(request) {
            Reply::Now(response) => response,
            // Only selections wait, and callers pass none here.
            Reply::AfterSwap(_) => Response::error(
                crate::error::ApiError::new(
                    crate::error::ErrorCode::InvalidRequest,
                    "this request cannot wait for a swap".to_string(),
                ),
                None,
            ),
        }
    }
}

/// An answer still being written: it waits for a job, a swap or simulated
/// time, or it is a stream.
pub(crate) trait Exchange {
    /// Writes what is due at `ctx.now`; true once the output has ended.
    fn poll(&mut self, ctx: &mut Ctx, out: &mut Output) -> bool;
    /// The next time at which `poll` has something to write because time
    /// passed (not because the state changed); always later than the `now`
    /// of the last poll.
    fn wake(&self) -> Option<f64> {
        None
    }
    /// The hot-swap whose response it waits for.
    fn ticket(&self) -> Option<Ticket> {
        None
    }
    /// The response of [`Exchange::ticket`]'s swap; `poll` follows at once.
    fn swapped(&mut self, _response: Response) {}
    /// What happened, for streams of events.
    fn events(&mut self, _events: &[Event], _out: &mut Output) {}
}

/// What [`Facade::fetch`] opened.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Fetched {
    /// The exchange is under way; its output comes through `take_output`.
    Open(ExchangeId),
    /// `POST /_sim/advance`: the driver moves its clock by `ms`, then reports
    /// with [`Facade::advanced`].
    Advance(ExchangeId, f64),
}

/// Why the driver could not advance its clock.
#[derive(Debug, Clone, PartialEq)]
pub enum AdvanceRefused {
    /// The clock is real (409).
    RealClock(String),
    /// The amount was refused (400).
    Refused(String),
}

impl AdvanceRefused {
    /// Where `advance(ms)` from `now` takes a clock (`manual`: whether it
    /// may move at all), or why it is refused; one rule for the binding and
    /// for replay.
    pub fn target(manual: bool, now: f64, ms: f64) -> Result<f64, AdvanceRefused> {
        if !manual {
            return Err(AdvanceRefused::RealClock(
                "advance() needs the manual clock: construct the Server with { clock: \"manual\" }."
                    .to_string(),
            ));
        }
        if !(ms.is_finite() && ms >= 0.0) {
            return Err(AdvanceRefused::Refused(
                "advance(ms) takes a finite number of ms, 0 or more.".to_string(),
            ));
        }
        let target = now + ms;
        if target > crate::config::MAX_TIME_MS {
            return Err(AdvanceRefused::Refused(
                "advance(ms) would move the clock past the latest time a Date can hold."
                    .to_string(),
            ));
        }
        Ok(target)
    }
}

/// The open exchanges of one server.
#[derive(Default)]
pub struct Facade {
    memo: Memo,
    open: BTreeMap<ExchangeId, Box<dyn Exchange>>,
    output: BTreeMap<ExchangeId, Output>,
    next: ExchangeId,
}

impl Facade {
    /// Answers, or starts answering, one HTTP request. A request that is
    /// refused changes nothing.
    pub fn fetch(&mut self, engine: &mut Engine, request: HttpRequest, now: f64) -> Fetched {
        let id = self.next;
        self.next += 1;
        let mut out = Output::default();
        let mut ctx = Ctx {
            engine,
            now,
            memo: &mut self.memo,
        };
        match route::route(&request) {
            route::Routed::Refused(refusal) => refusal.write(&mut out),
            route::Routed::Advance(ms) => return Fetched::Advance(id, ms),
            route::Routed::Preflight(allow) => wire::preflight(&mut out, allow),
            route::Routed::Handler(handler, call) => {
                if let Some(mut exchange) = handler(&mut ctx, &call, &mut out) {
                    if exchange.poll(&mut ctx, &mut out) {
                        out.end();
                    } else {
                        self.open.insert(id, exchange);
                    }
                }
            }
        }
        self.output.insert(id, out);
        Fetched::Open(id)
    }

    /// Answers a `POST /_sim/advance` once the driver has moved its clock.
    pub fn advanced(&mut self, id: ExchangeId, result: Result<f64, AdvanceRefused>) {
        let out = self.output.entry(id).or_default();
        native::advanced(out, result);
    }

    /// Moves every open exchange as far as it goes at `now`: delivers events
    /// to event streams and swap responses to the exchanges waiting on them,
    /// and lets them run requests of their own. Returns the events and the
    /// completions that are not the façade's, in order, as the engine's
    /// `take_events` and `take_completions` would.
    pub fn step(&mut self, engine: &mut Engine, now: f64) -> (Vec<Event>, Vec<(Ticket, Response)>) {
        let mut events = Vec::new();
        let mut others = Vec::new();
        let mut ctx = Ctx {
            engine,
            now,
            memo: &mut self.memo,
        };
        // Each round either ends because nothing moved, or consumed events or
        // swap responses that exchanges produced; exchanges produce them only
        // by moving on, and each moves through a bounded number of stages.
        loop {
            let mut moved = false;
            let ids: Vec<ExchangeId> = self.open.keys().copied().collect();
            for id in ids {
                let Some(exchange) = self.open.get_mut(&id) else {
                    continue;
                };
                let out = self.output.entry(id).or_default();
                let before = (out.data.len(), out.head.is_some());
                let ended = exchange.poll(&mut ctx, out);
                moved |= ended || before != (out.data.len(), out.head.is_some());
                if ended {
                    out.end();
                    self.open.remove(&id);
                }
            }
            let new_events = ctx.engine.take_events();
            let completions = ctx.engine.take_completions();
            if !moved && new_events.is_empty() && completions.is_empty() {
                break;
            }
            for (id, exchange) in &mut self.open {
                exchange.events(&new_events, self.output.entry(*id).or_default());
            }
            events.extend(new_events);
            for (ticket, response) in completions {
                match self.open.values_mut().find(|e| e.ticket() == Some(ticket)) {
                    Some(exchange) => exchange.swapped(response),
                    None => others.push((ticket, response)),
                }
            }
        }
        (events, others)
    }

    /// The earliest time anything is due: the engine's next deadline or an
    /// exchange's wake. A driver moves its clock from one to the next.
    pub fn next_deadline(&self, engine: &Engine) -> Option<f64> {
        [engine.poll_timeout(), self.poll_timeout()]
            .into_iter()
            .flatten()
            .reduce(f64::min)
    }

    /// The earliest time at which an exchange has something to write.
    pub fn poll_timeout(&self) -> Option<f64> {
        self.open.values().filter_map(|e| e.wake()).reduce(f64::min)
    }

    /// What every exchange wrote since the last call; an exchange whose
    /// output ended is closed.
    pub fn take_output(&mut self) -> Vec<(ExchangeId, Output)> {
        let output = std::mem::take(&mut self.output);
        output
            .into_iter()
            .filter(|(_, out)| out.head.is_some() || !out.data.is_empty() || out.end)
            .collect()
    }

    /// The client stopped reading: the exchange ends and writes nothing more
    /// (the jobs it started go on).
    pub fn cancel(&mut self, id: ExchangeId) {
        self.open.remove(&id);
        self.output.remove(&id);
    }

    /// Exchanges still writing.
    pub fn open_count(&self) -> usize {
        self.open.len()
    }
}
