//! The native routes: `POST /hotload` (any request, as `handleRequest`),
//! `GET /events` (server-sent events) and `POST /_sim/advance`.

use super::route::{Call, Found, Handler, Refusal};
use super::wire::{self, Family};
use super::{AdvanceRefused, Ctx, Exchange, Output};
use crate::engine::Reply;
use crate::error::ErrorCode;
use crate::protocol::{Event, Response};
use crate::swap::Ticket;
use serde_json::json;

pub(crate) fn route(segments: &[&str]) -> Found {
    match segments {
        ["hotload"] => Found::Route(&[("POST", hotload as Handler)]),
        ["events"] => Found::Route(&[("GET", events as Handler)]),
        ["_sim", "advance"] => Found::Advance,
        _ => Found::Nothing,
    }
}

/// The HTTP status of a native answer (SPEC §6).
pub fn status_of(response: &Response) -> u16 {
    response.error_code().map_or(200, status_for)
}

/// SPEC §6's status of an error code: 400 when the input is wrong, 404 when
/// what it names is not there, 409 for a conflict with the state, 503 for a
/// full queue. The other façades start from this table.
pub fn status_for(code: ErrorCode) -> u16 {
    use ErrorCode::*;
    match code {
        MalformedJson | InvalidRequest | AmbiguousRequest | UnknownField | InvalidModelName
        | InvalidConfig | InvalidSize | InvalidTier | TooLarge | InvalidCapabilities => 400,
        JobNotFound | ModelNotFound | NoCapableModel => 404,
        DuplicateModel | JobNotActive | ModelLoading | ModelInUse | ModelResident
        | AlreadyLoaded | InsufficientCapacity | TooManyModels => 409,
        QueueFull => 503,
    }
}

/// How long a client should wait before retrying a `queue_full` (seconds).
const RETRY_AFTER_S: u32 = 1;

fn respond(out: &mut Output, response: &Response) {
    let status = status_of(response);
    out.json(status, response);
    if let (503, Some(head)) = (status, out.head.as_mut()) {
        head.headers
            .push(("retry-after", RETRY_AFTER_S.to_string()));
    }
}

fn hotload(ctx: &mut Ctx, call: &Call, out: &mut Output) -> Option<Box<dyn Exchange>> {
    match ctx.engine.handle_text(call.body, ctx.now) {
        Reply::Now(response) => {
            respond(out, &response);
            None
        }
        Reply::AfterSwap(ticket) => Some(Box::new(AfterSwap {
            ticket,
            response: None,
        })),
    }
}

/// A selection's answer, once its hot-swap has finished.
struct AfterSwap {
    ticket: Ticket,
    response: Option<Response>,
}

impl Exchange for AfterSwap {
    fn poll(&mut self, _ctx: &mut Ctx, out: &mut Output) -> bool {
        match self.response.take() {
            Some(response) => {
                respond(out, &response);
                true
            }
            None => false,
        }
    }

    fn ticket(&self) -> Option<Ticket> {
        Some(self.ticket)
    }

    fn swapped(&mut self, response: Response) {
        self.response = Some(response);
    }
}

fn events(_ctx: &mut Ctx, _call: &Call, out: &mut Output) -> Option<Box<dyn Exchange>> {
    out.head(
        200,
        vec![
            ("content-type", "text/event-stream".to_string()),
            ("cache-control", "no-cache".to_string()),
        ],
    );
    // A comment first, so that a client sees the stream open at once.
    out.write(": model-hotload events\n\n");
    Some(Box::new(Events))
}

/// `GET /events`: every event from now on, until the client stops reading.
struct Events;

impl Exchange for Events {
    fn poll(&mut self, _ctx: &mut Ctx, _out: &mut Output) -> bool {
        false
    }

    fn events(&mut self, events: &[Event], out: &mut Output) {
        for event in events {
            let data = wire::to_json(event);
            out.write(&wire::event(event_type(&data), &data));
        }
    }
}

/// An event's `type`: the first field of its JSON (Event is tagged by it).
fn event_type(data: &str) -> &str {
    data.strip_prefix("{\"type\":\"")
        .and_then(|rest| rest.split('"').next())
        .unwrap_or("message")
}

/// The `ms` of `POST /_sim/advance`: a finite number, 0 or more.
pub(crate) fn read_advance(body: &str) -> Result<f64, Refusal> {
    let refused = |reason: &str| Refusal {
        family: Family::Native,
        status: 400,
        reason: reason.to_string(),
        allow: None,
    };
    let value: serde_json::Value = serde_json::from_str(body)
        .map_err(|_| refused("POST /_sim/advance takes a JSON body {\"ms\": <number>}"))?;
    match value.get("ms").and_then(serde_json::Value::as_f64) {
        Some(ms) if ms.is_finite() && ms >= 0.0 => Ok(ms),
        _ => Err(refused(
            "POST /_sim/advance takes {\"ms\": <number>}: a finite number of ms, 0 or more",
        )),
    }
}

pub(crate) fn advanced(out: &mut Output, result: Result<f64, AdvanceRefused>) {
    match result {
        Ok(now) => out.json(200, &json!({ "now": now })),
        Err(AdvanceRefused::RealClock(reason)) => wire::error(out, Family::Native, 409, &reason),
        Err(AdvanceRefused::Refused(reason)) => wire::error(out, Family::Native, 400, &reason),
    }
}
