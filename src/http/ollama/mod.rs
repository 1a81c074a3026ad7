//! The Ollama routes (`/api/…`, SPEC §6), shaped as Ollama's own server
//! answers (`server/routes.go`, `api/types.go`). Each route maps to engine
//! requests made as `handleRequest` takes them; the files here only read
//! Ollama's bodies, write Ollama's shapes, and wait on simulated time.
//!
//! - `body`, `duration`: request bodies as Go reads them, `keep_alive` included.
//! - `shapes`: a repository entry as Ollama shows a model.
//! - `models`: version, tags, ps, show, delete.
//! - `pull`: the pull and its NDJSON progress.
//! - `generate`: generate and chat (load, unload, select); `answer`: their answers.

mod answer;
mod body;
mod duration;
mod generate;
mod models;
mod pull;
mod shapes;

use super::compose;
use super::native::status_for;
use super::route::{Found, Handler};
use super::wire::{self, Family};
use super::{Ctx, Exchange, Output};
use crate::error::ErrorCode;
use crate::protocol::{Body, RepositoryModel, Response};

pub(crate) fn route(segments: &[&str]) -> Found {
    match segments {
        ["api", "version"] => Found::Route(&[
            ("GET", models::version as Handler),
            ("HEAD", models::version_head),
        ]),
        ["api", "tags"] => Found::Route(&[
            ("GET", models::tags as Handler),
            ("HEAD", models::tags_head),
        ]),
        ["api", "ps"] => Found::Route(&[("GET", models::ps as Handler)]),
        ["api", "show"] => Found::Route(&[("POST", models::show as Handler)]),
        ["api", "delete"] => Found::Route(&[("DELETE", models::delete as Handler)]),
        ["api", "pull"] => Found::Route(&[("POST", pull::pull as Handler)]),
        ["api", "generate"] => Found::Route(&[("POST", generate::generate as Handler)]),
        ["api", "chat"] => Found::Route(&[("POST", generate::chat as Handler)]),
        _ => Found::Nothing,
    }
}

/// What a handler returns: the exchange still writing, if any.
type Opened = Option<Box<dyn Exchange>>;

/// Ollama's error answer: `{"error": reason}`.
fn fail(out: &mut Output, status: u16, reason: &str) {
    wire::error(out, Family::Ollama, status, reason);
}

/// Ollama's 404 for a model it does not have.
fn not_found(out: &mut Output, name: &str) {
    fail(out, 404, &format!("model '{}' not found", wire::bare(name)));
}

/// The HTTP status Ollama answers an engine refusal with: SPEC's table,
/// but 500 for a load that does not fit, as Ollama's scheduler errors.
fn status_of(code: ErrorCode) -> u16 {
    match code {
        ErrorCode::InsufficientCapacity | ErrorCode::TooManyModels => 500,
        code => status_for(code),
    }
}

/// Writes an engine refusal as Ollama's error; false if `response` is no refusal.
fn refused(out: &mut Output, response: &Response) -> bool {
    match &response.body {
        Body::Error(error) => {
            fail(out, status_of(error.code), &error.reason);
            true
        }
        _ => false,
    }
}

/// The repository's entry for a name as Ollama clients write it: as given,
/// else with the implicit `:latest` tag added or taken away.
fn find(ctx: &mut Ctx, name: &str) -> Option<RepositoryModel> {
    compose::find(ctx, name)
        .or_else(|| alternative(name).and_then(|other| compose::find(ctx, &other)))
}

/// The same model under Ollama's implicit tag: `x` for `x:latest`, and
/// `x:latest` for an untagged `x`.
fn alternative(name: &str) -> Option<String> {
    match name.strip_suffix(":latest") {
        Some(bare) => Some(bare.to_string()),
        None if !name.contains(':') => Some(format!("{name}:latest")),
        None => None,
    }
}

/// "model is required", Ollama's answer to a body without a model.
fn model_required(out: &mut Output) {
    fail(out, 400, "model is required");
}
