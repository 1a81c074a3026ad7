//! What the façades build from several engine requests. Each step is a
//! request `handleRequest` could send, so every rule stays in the engine and
//! each façade only reads and formats its answers.

use super::Ctx;
use crate::error::ErrorCode;
use crate::protocol::{Body, RepositoryModel, Response};
use serde_json::json;
use std::rc::Rc;

/// Every model the server knows, as `list_repository` lists them (shared
/// with the engine's listing, not copied).
pub(crate) fn repository(ctx: &mut Ctx) -> Rc<Vec<RepositoryModel>> {
    match ctx.answer(&json!({"list_repository": true})).body {
        Body::Repository(list) => list.models,
        _ => Rc::default(),
    }
}

/// One model of the repository, by its exact name.
pub(crate) fn find(ctx: &mut Ctx, name: &str) -> Option<RepositoryModel> {
    repository(ctx).iter().find(|m| m.name == name).cloned()
}

/// Takes a model out of the repository: `unload_model` if it is ready (the
/// engine refuses a model in use), then `delete_model` (the engine refuses
/// an unknown or loading one). A refusal is the engine's error response
/// (boxed: large and rare), and then nothing has changed: an unload that
/// succeeds leaves the model `available`, which `delete_model` accepts.
pub(crate) fn remove(ctx: &mut Ctx, name: &str) -> Result<(), Box<Response>> {
    let unloaded = ctx.answer(&json!({ "unload_model": name }));
    match unloaded.error_code() {
        // Unloaded, or not ready (available or unknown): delete decides.
        None | Some(ErrorCode::ModelNotFound) => {}
        Some(_) => return Err(Box::new(unloaded)),
    }
    let deleted = ctx.answer(&json!({ "delete_model": name }));
    match deleted.error_code() {
        None => Ok(()),
        Some(_) => Err(Box::new(deleted)),
    }
}

/// The reason of an error response ("" for any other).
pub(crate) fn reason(response: &Response) -> &str {
    match &response.body {
        Body::Error(e) => &e.reason,
        _ => "",
    }
}
