//! The Triton (KServe v2) routes (SPEC §6): health, server and model
//! metadata, model readiness, and the model-repository extension (index,
//! load, unload), with Triton's messages and status codes.
//!
//! A model name is one path segment, percent-decoded (`llama3.2%3A3b`), or
//! several joined by `/` (`org/model`, as `tritonclient` sends it). The
//! route's own suffixes win: `/v2/models/a/ready` is the readiness of `a`;
//! a model named `a/ready` is reached as `a%2Fready`.

mod load;
mod metadata;

use super::compose;
use super::route::{decode, Call, Found, Handler};
use super::wire::{self, Family};
use super::{Ctx, Exchange, Output};
use crate::error::ErrorCode;
use crate::protocol::{ModelState, RepositoryModel};
use serde::Serialize;
use serde_json::{json, Value};

/// The one version every model has.
const VERSION: &str = "1";

pub(crate) fn route(segments: &[&str]) -> Found {
    match segments {
        ["v2"] => Found::Route(&[("GET", server as Handler)]),
        ["v2", "health", "live" | "ready"] => Found::Route(&[("GET", healthy as Handler)]),
        ["v2", "repository", "index"] => Found::Route(&[("POST", index as Handler)]),
        ["v2", "repository", "models", name @ .., "load"] if !name.is_empty() => {
            Found::Named(joined(name), &[("POST", load::load as Handler)])
        }
        ["v2", "repository", "models", name @ .., "unload"] if !name.is_empty() => {
            Found::Named(joined(name), &[("POST", unload as Handler)])
        }
        ["v2", "models", name @ .., "versions", version, "ready"] if !name.is_empty() => {
            let table: &'static [(&str, Handler)] = if *version == VERSION {
                &[("GET", ready as Handler)]
            } else {
                &[("GET", not_ready as Handler)]
            };
            Found::Named(joined(name), table)
        }
        ["v2", "models", name @ .., "ready"] if !name.is_empty() => {
            Found::Named(joined(name), &[("GET", ready as Handler)])
        }
        ["v2", "models", name @ .., "versions", version] if !name.is_empty() => {
            let table: &'static [(&str, Handler)] = if *version == VERSION {
                &[("GET", metadata::versioned as Handler)]
            } else {
                &[("GET", metadata::other_version as Handler)]
            };
            Found::Named(joined(name), table)
        }
        ["v2", "models", name @ ..] if !name.is_empty() => {
            Found::Named(joined(name), &[("GET", metadata::latest as Handler)])
        }
        _ => Found::Nothing,
    }
}

/// A model name from its path segments.
fn joined(segments: &[&str]) -> String {
    segments
        .iter()
        .map(|s| decode(s))
        .collect::<Vec<_>>()
        .join("/")
}

/// Triton's `{error}` answer.
fn error(out: &mut Output, status: u16, message: &str) {
    wire::error(out, Family::Triton, status, message);
}

/// The JSON object of a request body; an empty body is an empty request.
/// Members the route does not read are ignored, as Triton ignores them.
fn read_body(body: &str, route: &str) -> Result<serde_json::Map<String, Value>, String> {
    if body.trim().is_empty() {
        return Ok(serde_json::Map::new());
    }
    match serde_json::from_str::<Value>(body) {
        Ok(Value::Object(members)) => Ok(members),
        Ok(other) => Err(format!(
            "the {route} request must be a JSON object, not {}",
            crate::text::kind_of(&other)
        )),
        Err(e) => Err(format!("the {route} request body is not JSON: {e}")),
    }
}

/// `GET /v2`: the server's metadata (KServe v2).
fn server(_ctx: &mut Ctx, _call: &Call, out: &mut Output) -> Option<Box<dyn Exchange>> {
    out.json(
        200,
        &json!({
            "name": "model-hotload",
            "version": env!("CARGO_PKG_VERSION"),
            "extensions": ["model_repository"],
        }),
    );
    None
}

/// `GET /v2/health/live`, `/v2/health/ready`: the simulation is always both.
fn healthy(_ctx: &mut Ctx, _call: &Call, out: &mut Output) -> Option<Box<dyn Exchange>> {
    out.empty(200);
    None
}

/// One entry of the repository index.
#[derive(Serialize)]
struct Indexed<'a> {
    name: &'a str,
    version: &'static str,
    state: &'static str,
    /// As Triton: present only when there is one.
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'a str>,
}

impl<'a> Indexed<'a> {
    fn of(m: &'a RepositoryModel) -> Indexed<'a> {
        Indexed {
            name: &m.name,
            version: VERSION,
            state: state(m.state),
            reason: m.last_error.as_deref().filter(|r| !r.is_empty()),
        }
    }
}

/// Triton's name for a model's state.
fn state(state: ModelState) -> &'static str {
    match state {
        ModelState::Ready => "READY",
        ModelState::Loading => "LOADING",
        ModelState::Pulling | ModelState::Available => "UNAVAILABLE",
    }
}

/// `POST /v2/repository/index {ready?}`: every model, or the ready ones.
fn index(ctx: &mut Ctx, call: &Call, out: &mut Output) -> Option<Box<dyn Exchange>> {
    let ready_only = match read_body(call.body, "index").and_then(|body| match body.get("ready") {
        None => Ok(false),
        Some(Value::Bool(ready)) => Ok(*ready),
        Some(_) => Err("Invalid value for 'ready': expected a boolean".to_string()),
    }) {
        Ok(ready_only) => ready_only,
        Err(reason) => {
            error(out, 400, &reason);
            return None;
        }
    };
    let models = compose::repository(ctx);
    let entries: Vec<Indexed> = models
        .iter()
        .filter(|m| !ready_only || m.state == ModelState::Ready)
        .map(Indexed::of)
        .collect();
    out.json(200, &entries);
    None
}

/// `POST /v2/repository/models/{name}/unload` → `unload_model`. As Triton,
/// unloading a model that is not loaded (or not known) succeeds.
fn unload(ctx: &mut Ctx, call: &Call, out: &mut Output) -> Option<Box<dyn Exchange>> {
    if let Err(reason) = read_body(call.body, "unload") {
        error(out, 400, &reason);
        return None;
    }
    let response = ctx.answer(&json!({ "unload_model": call.name }));
    match response.error_code() {
        None | Some(ErrorCode::ModelNotFound) => out.json(200, &json!({})),
        Some(_) => error(
            out,
            400,
            &format!(
                "failed to unload '{}': {}",
                wire::bare(&call.name),
                compose::reason(&response)
            ),
        ),
    }
    None
}

/// `GET /v2/models/{name}/ready`: 200 and no body when ready, else Triton's 400.
fn ready(ctx: &mut Ctx, call: &Call, out: &mut Output) -> Option<Box<dyn Exchange>> {
    match compose::find(ctx, &call.name) {
        Some(m) if m.state == ModelState::Ready => out.empty(200),
        _ => error(out, 400, NOT_READY),
    }
    None
}

/// A version the model does not have is never ready.
fn not_ready(_ctx: &mut Ctx, _call: &Call, out: &mut Output) -> Option<Box<dyn Exchange>> {
    error(out, 400, NOT_READY);
    None
}

const NOT_READY: &str = "Model version not ready";
