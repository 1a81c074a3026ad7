//! `POST /v2/repository/models/{name}/load` → `load_model`, answered when
//! the load ends, as Triton answers a load: 200 `{}` once the model is
//! ready, 400 `{error}` if it cannot be loaded or its load fails.

use super::super::compose;
use super::super::route::Call;
use super::super::wire;
use super::super::{Ctx, Exchange, Output};
use super::{error, read_body};
use crate::error::ErrorCode;
use crate::protocol::{Body, JobState, ModelState};
use serde_json::json;

pub(super) fn load(ctx: &mut Ctx, call: &Call, out: &mut Output) -> Option<Box<dyn Exchange>> {
    // `parameters` (a config override, model files) mean nothing here.
    if let Err(reason) = read_body(call.body, "load") {
        error(out, 400, &reason);
        return None;
    }
    let response = ctx.answer(&json!({ "load_model": call.name }));
    match response.body {
        // A new job, or (single flight) the one already loading the model.
        Body::JobStarted(started) => {
            return Some(Box::new(Loading {
                job_id: started.job_id,
                name: call.name.clone(),
            }))
        }
        // Triton answers a load of a loaded model with success.
        Body::Error(e) if e.code == ErrorCode::AlreadyLoaded => ok(out),
        Body::Error(e) => error(
            out,
            400,
            &format!("failed to load '{}': {}", wire::bare(&call.name), e.reason),
        ),
        _ => error(out, 500, "load_model gave an unexpected answer"),
    }
    None
}

fn ok(out: &mut Output) {
    out.json(200, &json!({}));
}

/// Waits for a load job to end.
struct Loading {
    job_id: String,
    name: String,
}

impl Loading {
    fn failed(&self, out: &mut Output, why: &str) {
        error(
            out,
            400,
            &format!("load failed for model '{}': {why}", wire::bare(&self.name)),
        );
    }
}

impl Exchange for Loading {
    fn poll(&mut self, ctx: &mut Ctx, out: &mut Output) -> bool {
        let status = ctx.answer(&json!({ "load_status": self.job_id }));
        match status.body {
            Body::JobStatus(job) => match job.status {
                JobState::Loading => return false,
                JobState::Success => ok(out),
                JobState::Failed => self.failed(out, job.error.as_deref().unwrap_or("failed")),
            },
            // The job left the history: the model's state tells how it ended.
            _ => match compose::find(ctx, &self.name) {
                Some(m) if m.state == ModelState::Ready => ok(out),
                _ => self.failed(out, "the load did not succeed"),
            },
        }
        true
    }
}
