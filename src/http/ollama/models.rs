//! The routes that answer at once: `GET /api/version`, `GET /api/tags`,
//! `GET /api/ps`, `POST /api/show`, `DELETE /api/delete`.

use super::super::compose;
use super::super::route::Call;
use super::super::{Ctx, Output};
use super::{body, find, model_required, not_found, refused, shapes, Opened};
use crate::protocol::ModelState;
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
    let models = compose::repository(ctx);
    let mut on_disk: Vec<_> = models
        .iter()
        .filter(|m| matches!(m.state, ModelState::Ready | ModelState::Available))
        .collect();
    on_disk.sort_by(|a, b| b.modified_at.total_cmp(&a.modified_at));
    let listed: Vec<_> = on_disk.into_iter().map(shapes::listed).collect();
    out.json(200, &json!({ "models": listed }));
    None
}

pub(super) fn tags_head(ctx: &mut Ctx, call: &Call, out: &mut Output) -> Opened {
    head_only(tags(ctx, call, out), out)
}

/// The models in memory: `ready`, the longest to stay first, as Ollama sorts them.
pub(super) fn ps(ctx: &mut Ctx, _call: &Call, out: &mut Output) -> Opened {
    let models = compose::repository(ctx);
    let now = ctx.now;
    let mut ready: Vec<_> = models
        .iter()
        .filter(|m| m.state == ModelState::Ready)
        .collect();
    ready.sort_by(|a, b| shapes::expires_ms(b, now).total_cmp(&shapes::expires_ms(a, now)));
    let running: Vec<_> = ready.into_iter().map(|m| shapes::running(m, now)).collect();
    out.json(200, &json!({ "models": running }));
    None
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
