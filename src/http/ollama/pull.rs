//! `POST /api/pull`: `pull_model` by name, answered with Ollama's NDJSON
//! progress as the job's preparing phase advances in simulated time (or, with
//! `stream: false`, one answer at the end). A pull of a model already being
//! pulled follows that job, as Ollama shares one download between callers.

use super::super::route::Call;
use super::super::{wire, Ctx, Exchange, Output};
use super::{alternative, body, fail, find, model_required, refused, shapes, Opened};
use crate::error::ErrorCode;
use crate::protocol::{Body, JobState, ModelState, Phase, RepositoryModel};
use serde::Serialize;
use serde_json::json;

/// Ollama's answer when the registry has no such model.
const NO_MANIFEST: &str = "pull model manifest: file does not exist";

pub(super) fn pull(ctx: &mut Ctx, call: &Call, out: &mut Output) -> Opened {
    let request: body::Pull = match body::read(call.body, "api.PullRequest") {
        Ok(request) => request,
        Err(reason) => {
            fail(out, 400, &reason);
            return None;
        }
    };
    let asked = request.model();
    if asked.is_empty() {
        model_required(out);
        return None;
    }
    let stream = request.stream.unwrap_or(true);
    if let Some(known) = find(ctx, asked) {
        return match known
            .job_id
            .clone()
            .filter(|_| known.state == ModelState::Pulling)
        {
            Some(job) => Some(Box::new(Pull::open(job, &known, stream, out))),
            None => {
                already_pulled(&known, stream, out);
                None
            }
        };
    }
    // The name as asked, else its `:latest` twin, from the remote catalog.
    let mut response = ctx.answer(&json!({ "pull_model": asked }));
    if let (Some(code), Some(other)) = (response.error_code(), alternative(asked)) {
        if code == ErrorCode::ModelNotFound {
            response = ctx.answer(&json!({ "pull_model": other }));
        }
    }
    match &response.body {
        Body::JobStarted(started) => match find(ctx, &started.model_name) {
            Some(model) => Some(Box::new(Pull::open(
                started.job_id.clone(),
                &model,
                stream,
                out,
            ))),
            None => {
                fail(out, 500, "the pull's model left the repository");
                None
            }
        },
        Body::Error(error) if error.code == ErrorCode::ModelNotFound => {
            fail(out, 404, NO_MANIFEST);
            None
        }
        _ => {
            refused(out, &response);
            None
        }
    }
}

fn ndjson(out: &mut Output) {
    out.head(
        200,
        vec![("content-type", "application/x-ndjson".to_string())],
    );
}

fn status_line(out: &mut Output, status: &str) {
    out.write(&wire::line(&json!({ "status": status })));
}

/// Every layer is on disk already: the manifest, the layer whole, success.
fn already_pulled(m: &RepositoryModel, stream: bool, out: &mut Output) {
    if !stream {
        out.json(200, &json!({"status": "success"}));
        return;
    }
    let layer = Layer::of(m);
    ndjson(out);
    status_line(out, "pulling manifest");
    out.write(&layer.line(layer.total));
    finish(out);
}

/// The lines after the last layer.
fn finish(out: &mut Output) {
    status_line(out, "verifying sha256 digest");
    status_line(out, "writing manifest");
    status_line(out, "success");
    out.end();
}

/// A progress line, in Ollama's field order.
#[derive(Serialize)]
struct Progress<'a> {
    status: String,
    digest: &'a str,
    total: u64,
    completed: u64,
}

/// The one layer a simulated model has: its digest and size.
struct Layer {
    digest: String,
    total: u64,
}

impl Layer {
    fn of(m: &RepositoryModel) -> Layer {
        Layer {
            digest: shapes::digest(m),
            total: shapes::size_bytes(m.size_gb),
        }
    }

    /// `{"status": "pulling <12 hex>", digest, total, completed}`.
    fn line(&self, completed: u64) -> String {
        let short = self.digest.get(7..19).unwrap_or(&self.digest);
        wire::line(&Progress {
            status: format!("pulling {short}"),
            digest: &self.digest,
            total: self.total,
            completed,
        })
    }
}

/// A pull being followed until its job ends.
struct Pull {
    job: String,
    stream: bool,
    layer: Layer,
    /// The last whole percent written (`None`: no progress line yet).
    percent: Option<u64>,
    /// When the preparing phase began and its length (ms), once it has begun.
    timing: Option<(f64, f64)>,
}

impl Pull {
    fn open(job: String, m: &RepositoryModel, stream: bool, out: &mut Output) -> Pull {
        if stream {
            ndjson(out);
            status_line(out, "pulling manifest");
        }
        Pull {
            job,
            stream,
            layer: Layer::of(m),
            percent: None,
            timing: None,
        }
    }

    /// Writes a line for every whole percent after the last one written, up to `to`.
    fn write_to(&mut self, to: u64, out: &mut Output) {
        let from = self.percent.map_or(0, |p| p + 1);
        for percent in from..=to {
            if self.stream {
                out.write(&self.layer.line(self.layer.total * percent / 100));
            }
            self.percent = Some(percent);
        }
    }
}

/// When the preparing phase reaches `percent`.
fn at((start, length): (f64, f64), percent: u64) -> f64 {
    start + length * percent as f64 / 100.0
}

/// The last whole percent reached at `now`: computed with [`at`] itself, so
/// that a poll at the time [`Pull::wake`] gave sees that percent reached.
fn reached(timing: (f64, f64), now: f64) -> u64 {
    let (start, length) = timing;
    if length <= 0.0 {
        return 100;
    }
    let mut percent = (((now - start) / length * 100.0).floor().clamp(0.0, 100.0)) as u64;
    while percent < 100 && at(timing, percent + 1) <= now {
        percent += 1;
    }
    while percent > 0 && at(timing, percent) > now {
        percent -= 1;
    }
    percent
}

impl Exchange for Pull {
    fn poll(&mut self, ctx: &mut Ctx, out: &mut Output) -> bool {
        let status = match ctx.answer(&json!({ "load_status": self.job })).body {
            Body::JobStatus(status) => status,
            _ => {
                self.fail(out, "the pull's job is gone");
                return true;
            }
        };
        match status.status {
            JobState::Loading if status.phase == Phase::Queued => false,
            JobState::Loading => {
                // The phase's start, from the progress it shows (0.2 → 0.9 over it).
                let now = ctx.now;
                let timing = *self.timing.get_or_insert_with(|| {
                    let length = status.estimated_seconds * 1000.0;
                    let done = ((status.progress - 0.2) / 0.7).clamp(0.0, 1.0);
                    (now - done * length, length)
                });
                // 100 % only once the job has succeeded.
                self.write_to(reached(timing, now).min(99), out);
                false
            }
            JobState::Success => {
                self.write_to(100, out);
                if self.stream {
                    finish(out);
                } else {
                    out.json(200, &json!({"status": "success"}));
                }
                true
            }
            JobState::Failed => {
                let error = status
                    .error
                    .unwrap_or_else(|| "the pull failed".to_string());
                self.fail(out, &error);
                true
            }
        }
    }

    fn wake(&self) -> Option<f64> {
        match (self.stream, self.timing, self.percent) {
            (true, Some(timing), Some(percent)) if percent < 99 => Some(at(timing, percent + 1)),
            _ => None,
        }
    }
}

impl Pull {
    /// An error line ends the stream; without a stream, a 500.
    fn fail(&self, out: &mut Output, error: &str) {
        if self.stream {
            out.write(&wire::line(&json!({ "error": error })));
            out.end();
        } else {
            fail(out, 500, error);
        }
    }
}
