//! The OpenAI routes (SPEC §6) in OpenAI's shapes: `GET /v1/models` (the
//! ready models), `GET /v1/models/{id}`, `DELETE /v1/models/{id}`.
//!
//! An id may hold `:` and `/` (`llama3.2:3b`, `org/model`). Every segment
//! after `/v1/models/` belongs to the id, each percent-decoded, so the npm
//! client's `org%2Fmodel` and a raw client's `org/model` name one model.

use super::compose;
use super::native::status_of;
use super::route::{decode, Call, Found, Handler};
use super::wire;
use super::{Ctx, Exchange, Output};
use crate::error::ErrorCode;
use crate::protocol::{ModelState, RepositoryModel};
use serde::Serialize;

pub(crate) fn route(segments: &[&str]) -> Found {
    match segments {
        ["v1", "models"] => Found::Route(&[("GET", list as Handler)]),
        ["v1", "models", id @ ..] => Found::Named(
            id.iter().map(|s| decode(s)).collect::<Vec<_>>().join("/"),
            &[("GET", retrieve as Handler), ("DELETE", delete as Handler)],
        ),
        _ => Found::Nothing,
    }
}

/// OpenAI's `Model`.
#[derive(Serialize)]
struct Model<'a> {
    id: &'a str,
    object: &'static str,
    /// Unix seconds: when the model's files last changed.
    created: i64,
    owned_by: &'a str,
}

impl<'a> Model<'a> {
    fn of(m: &'a RepositoryModel) -> Model<'a> {
        Model {
            id: &m.name,
            object: "model",
            created: (m.modified_at / 1000.0).floor() as i64,
            owned_by: owner(&m.name),
        }
    }
}

/// Who owns a model, as Ollama's OpenAI routes say: the namespace of
/// `[host/]namespace/model`, else `library`.
fn owner(name: &str) -> &str {
    let mut parts = name.rsplit('/');
    parts.next();
    parts.next().unwrap_or("library")
}

#[derive(Serialize)]
struct List<'a> {
    object: &'static str,
    data: Vec<Model<'a>>,
}

/// OpenAI's `ModelDeleted`.
#[derive(Serialize)]
struct Deleted<'a> {
    id: &'a str,
    object: &'static str,
    deleted: bool,
}

fn list(ctx: &mut Ctx, _call: &Call, out: &mut Output) -> Option<Box<dyn Exchange>> {
    let models = compose::repository(ctx);
    let data = models
        .iter()
        .filter(|m| m.state == ModelState::Ready)
        .map(Model::of)
        .collect();
    out.json(
        200,
        &List {
            object: "list",
            data,
        },
    );
    None
}

/// Only a ready model exists for OpenAI's clients, as in the list.
fn retrieve(ctx: &mut Ctx, call: &Call, out: &mut Output) -> Option<Box<dyn Exchange>> {
    match compose::find(ctx, &call.name) {
        Some(m) if m.state == ModelState::Ready => out.json(200, &Model::of(&m)),
        _ => not_found(out, &call.name),
    }
    None
}

/// Unload if idle, then delete (a model that is only `available` is deleted
/// too: it is still in the repository).
fn delete(ctx: &mut Ctx, call: &Call, out: &mut Output) -> Option<Box<dyn Exchange>> {
    match compose::remove(ctx, &call.name) {
        Ok(()) => out.json(
            200,
            &Deleted {
                id: &call.name,
                object: "model",
                deleted: true,
            },
        ),
        Err(refused) => match refused.error_code() {
            Some(ErrorCode::ModelNotFound) | None => not_found(out, &call.name),
            // In use or loading (409), or a name that cannot be one (400):
            // the engine's code and reason.
            Some(code) => wire::openai_error(
                out,
                status_of(&refused),
                compose::reason(&refused),
                Some("model"),
                Some(code.as_str()),
            ),
        },
    }
    None
}

/// OpenAI's answer for a model it does not have.
fn not_found(out: &mut Output, id: &str) {
    wire::openai_error(
        out,
        404,
        &format!("The model '{}' does not exist", wire::bare(id)),
        Some("model"),
        Some("model_not_found"),
    );
}
