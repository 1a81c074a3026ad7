//! The routes that answer at once: `GET /api/version`, `GET /api/tags`,
//! `GET /api/ps`, `POST /api/show`, `DELETE /api/delete`.

use super::super::compose;
use super::super::route::Call;
use super::super::wire;
use super::super::{Ctx, Output};
use super::{body, find, model_required, not_found, refused, shapes, Opened};
use crate::protocol::{ModelState, RepositoryModel};
use serde::Serialize;
use serde_json::json;

pub(super) fn version(_ctx: &mut Ctx, _call: &Call, out: &mut Output) -> Opened {
    out.json(200, &json!({"version": env!("CARGO_PKG_VERSION")}));
    None
}

pub(super) fn version_head(ctx: &mut Ctx, call: &Call, out: &mut Output) -> Opened {
    head_only(version(ctx, call, out), out)
}

/// The models on disk: `ready` and `available`, most recently modified
/// first (ties in repository order), as Ollama sorts them.
pub(super) fn tags(ctx: &mut Ctx, _call: &Call, out: &mut Output) -> Opened {
    let listing = compose::repository(ctx);
    let body = ctx.memo.body("ollama tags", &listing, |models| {
        let on_disk =
            |m: &RepositoryModel| matches!(m.state, ModelState::Ready | ModelState::Available);
        let order = latest_first(models, on_disk, |m| m.modified_at);
        let models = order
            .into_iter()
            .filter_map(|i| models.get(i))
            .map(shapes::listed)
            .collect();
        wire::to_json(&Models { models })
    });
    out.json_text(200, &body);
    None
}

pub(super) fn tags_head(ctx: &mut Ctx, call: &Call, out: &mut Output) -> Opened {
    head_only(tags(ctx, call, out), out)
}

/// The models in memory: `ready`, the longest to stay first, as Ollama sorts them.
pub(super) fn ps(ctx: &mut Ctx, _call: &Call, out: &mut Output) -> Opened {
    let listing = compose::repository(ctx);
    let body = ctx.memo.body("ollama ps", &listing, |models| {
        let ready = |m: &RepositoryModel| m.state == ModelState::Ready;
        let order = latest_first(models, ready, shapes::expires_ms);
        let models = order
            .into_iter()
            .filter_map(|i| models.get(i))
            .map(shapes::running)
            .collect();
        wire::to_json(&Models { models })
    });
    out.json_text(200, &body);
    None
}

/// `{"models": [...]}`.
#[derive(Serialize)]
struct Models<T: Serialize> {
    models: Vec<T>,
}

/// The places of the models `keep` keeps, the latest `time` first, ties in
/// repository order (one sort of one type for both lists: less code).
fn latest_first(
    models: &[RepositoryModel],
    keep: impl Fn(&RepositoryModel) -> bool,
    time: impl Fn(&RepositoryModel) -> f64,
) -> Vec<usize> {
    let mut keyed: Vec<(f64, usize)> = models
        .iter()
        .enumerate()
        .filter(|(_, m)| keep(m))
        .map(|(i, m)| (time(m), i))
        .collect();
    keyed.sort_unstable_by(later_first);
    keyed.into_iter().map(|(_, i)| i).collect()
}

fn later_first(a: &(f64, usize), b: &(f64, usize)) -> std::cmp::Ordering {
    b.0.total_cmp(&a.0).then(a.1.cmp(&b.1))
}

/// A model's details. A model still being pulled has no files yet: 404, as
/// Ollama answers before its manifest is written.
pub(super) fn show(ctx: &mut Ctx, call: &Call, out: &mut Output) -> Opened {
    let request: body::Named = match body::read(call.body, "api.ShowRequest") {
        Ok(request) => request,
        Err(reason) => return bad(out, &reason),
    };
    let name = request.model();
    if name.is_empty() {
        model_required(out);
        return None;
    }
    match find(ctx, name) {
        Some(m) if m.state != ModelState::Pulling => out.json(200, &shapes::show(&m)),
        _ => not_found(out, name),
    }
    None
}

/// Unloads the model if it is ready (and idle), then deletes it: 200 with
/// an empty body, as Ollama answers.
pub(super) fn delete(ctx: &mut Ctx, call: &Call, out: &mut Output) -> Opened {
    let request: body::Named = match body::read(call.body, "api.DeleteRequest") {
        Ok(request) => request,
        Err(reason) => return bad(out, &reason),
    };
    let asked = request.model();
    if asked.is_empty() {
        model_required(out);
        return None;
    }
    let Some(m) = find(ctx, asked).filter(|m| m.state != ModelState::Pulling) else {
        not_found(out, asked);
        return None;
    };
    match compose::remove(ctx, &m.name) {
        Ok(()) => out.empty(200),
        Err(refusal) => {
            refused(out, &refusal);
        }
    }
    None
}

fn bad(out: &mut Output, reason: &str) -> Opened {
    super::fail(out, 400, reason);
    None
}

/// A `HEAD` answer: the `GET`'s head, no body.
fn head_only(opened: Opened, out: &mut Output) -> Opened {
    out.data.clear();
    opened
}
