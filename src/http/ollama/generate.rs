//! `POST /api/generate` and `POST /api/chat`. Nothing to answer (no prompt,
//! no messages): load the model if it is not ready (`load_model`, waiting for
//! its job), or with `keep_alive: 0` unload it. Something to answer: load if
//! needed, select the model (`{"model": name}`, which may wait for a
//! hot-swap), then answer one fixed, deterministic completion (`answer`),
//! streamed in simulated time as Ollama streams it, or as one object with
//! `stream: false`.

use super::super::route::Call;
use super::super::{Ctx, Exchange, Output};
use super::answer::{Answer, Asked, Kind, ANSWER};
use super::{body, fail, find, model_required, not_found, refused, shapes, Opened};
use crate::engine::Reply;
use crate::protocol::{Body, Event, JobState, ModelState, RepositoryModel, Response};
use crate::swap::Ticket;
use serde_json::json;

pub(super) fn generate(ctx: &mut Ctx, call: &Call, out: &mut Output) -> Opened {
    let asked = body::read::<body::Generate>(call.body, "api.GenerateRequest").and_then(|b| {
        Ok(Asked {
            prompt: (!b.prompt.is_empty()).then(|| words(&b.prompt)),
            keep_alive: body::keep_alive(&b.keep_alive)?,
            stream: b.stream.unwrap_or(true),
            model: b.model,
        })
    });
    open(ctx, out, Kind::Generate, asked)
}

pub(super) fn chat(ctx: &mut Ctx, call: &Call, out: &mut Output) -> Opened {
    let asked = body::read::<body::Chat>(call.body, "api.ChatRequest").and_then(|b| {
        let tokens = b.messages.iter().map(|m| words(&m.content)).sum::<u64>();
        Ok(Asked {
            prompt: (!b.messages.is_empty()).then_some(tokens.max(1)),
            keep_alive: body::keep_alive(&b.keep_alive)?,
            stream: b.stream.unwrap_or(true),
            model: b.model,
        })
    });
    open(ctx, out, Kind::Chat, asked)
}

/// Prompt tokens: one per word, at least one.
fn words(text: &str) -> u64 {
    (text.split_whitespace().count() as u64).max(1)
}

fn open(ctx: &mut Ctx, out: &mut Output, kind: Kind, asked: Result<Asked, String>) -> Opened {
    let asked = match asked {
        Ok(asked) => asked,
        Err(reason) => {
            fail(out, 400, &reason);
            return None;
        }
    };
    if asked.model.is_empty() {
        model_required(out);
        return None;
    }
    // A model still being pulled has no files yet, as for Ollama.
    let Some(model) = find(ctx, &asked.model).filter(|m| m.state != ModelState::Pulling) else {
        not_found(out, &asked.model);
        return None;
    };
    let answer = Answer {
        kind,
        name: model.name.clone(),
        arrived: ctx.now,
        asked,
    };
    // As Ollama: an unload before the capability check.
    if answer.asked.prompt.is_none() && answer.asked.keep_alive == Some(0.0) {
        unload(ctx, &model);
        answer.done_only(out, "unload", ctx.now);
        return None;
    }
    if !shapes::completes(&model.capabilities) {
        let reason = format!("{:?} does not support {}", answer.asked.model, kind.route());
        fail(out, 400, &reason);
        return None;
    }
    Some(Box::new(Generation {
        answer,
        stage: Stage::Start,
        held: false,
        deduplicated: false,
    }))
}

/// `keep_alive: 0` with nothing to answer: unload now if the model is ready
/// and idle; if it is in use or loading, it expires as soon as it is idle.
/// A model that is not loaded is left as it is; the answer is the same.
fn unload(ctx: &mut Ctx, model: &RepositoryModel) {
    let unloaded = match model.state {
        ModelState::Ready => ctx
            .answer(&json!({ "unload_model": model.name }))
            .error_code()
            .is_none(),
        ModelState::Loading => false,
        ModelState::Available | ModelState::Pulling => true,
    };
    if !unloaded {
        set_keep_alive(ctx, &model.name, 0.0);
    }
}

fn set_keep_alive(ctx: &mut Ctx, name: &str, seconds: f64) {
    ctx.answer(&json!({"set_keep_alive": {"model_name": name, "keep_alive": seconds}}));
}

/// The server's keep-alive option (seconds; -1: never).
fn default_keep_alive(ctx: &mut Ctx) -> f64 {
    match ctx.answer(&json!({"system_status": true})).body {
        Body::System(status) => status.residency.keep_alive,
        _ => -1.0,
    }
}

enum Stage {
    /// Nothing sent to the engine yet.
    Start,
    /// Waiting for a load job; `admitted` once seen (for the time it ended).
    Loading { job: String, admitted: Option<f64> },
    /// Ready: select it.
    Select,
    /// Waiting for the selection's hot-swap; `end` from its `swap_finished`.
    Swapping {
        ticket: Ticket,
        end: Option<f64>,
        response: Option<Box<Response>>,
    },
    /// Answering, the model ready (and selected) at `ready`; `sent` tokens written.
    Answering { ready: f64, sent: usize },
}

struct Generation {
    answer: Answer,
    stage: Stage,
    /// The load was asked with keep_alive -1, so that the model cannot expire
    /// before it is selected; the keep-alive in force is set once it is.
    held: bool,
    /// The load was another request's job (single flight).
    deduplicated: bool,
}

impl Generation {
    /// Asks for the load; `None` once the answer is written.
    fn load(&mut self, ctx: &mut Ctx, out: &mut Output) -> Option<Stage> {
        let answering = self.answer.asked.prompt.is_some();
        self.held = answering;
        let keep_alive = if answering {
            Some(-1.0)
        } else {
            self.answer.asked.keep_alive
        };
        let mut load = json!({ "model_name": self.answer.name });
        if let (Some(seconds), Some(object)) = (keep_alive, load.as_object_mut()) {
            object.insert("keep_alive".into(), json!(seconds));
        }
        let response = ctx.answer(&json!({ "load_model": load }));
        match response.body {
            Body::JobStarted(started) => {
                self.deduplicated = started.deduplicated == Some(true);
                Some(Stage::Loading {
                    job: started.job_id,
                    admitted: None,
                })
            }
            _ => {
                if !refused(out, &response) {
                    fail(out, 500, "the load did not start");
                }
                None
            }
        }
    }

    /// The model is selected and ready at `ready`: the keep-alive in force
    /// from now on, then the answer.
    fn selected(&mut self, ctx: &mut Ctx, out: &mut Output, ready: f64) -> Stage {
        let keep_alive = match (self.answer.asked.keep_alive, self.held) {
            (Some(seconds), _) => Some(seconds),
            (None, true) => Some(default_keep_alive(ctx)),
            (None, false) => None,
        };
        if let Some(seconds) = keep_alive {
            set_keep_alive(ctx, &self.answer.name, seconds);
        }
        if self.answer.asked.stream {
            out.head(
                200,
                vec![("content-type", "application/x-ndjson".to_string())],
            );
        }
        Stage::Answering { ready, sent: 0 }
    }
}

impl Exchange for Generation {
    fn poll(&mut self, ctx: &mut Ctx, out: &mut Output) -> bool {
        let now = ctx.now;
        // Each stage either waits (false), ends (true) or moves to a later one.
        loop {
            let next = match &mut self.stage {
                Stage::Start => match find(ctx, &self.answer.name) {
                    None => {
                        not_found(out, &self.answer.asked.model);
                        return true;
                    }
                    Some(m) if m.state == ModelState::Ready => {
                        if self.answer.asked.prompt.is_some() {
                            Stage::Select
                        } else {
                            if let Some(seconds) = self.answer.asked.keep_alive {
                                set_keep_alive(ctx, &self.answer.name, seconds);
                            }
                            self.answer.done_only(out, "load", now);
                            return true;
                        }
                    }
                    Some(_) => match self.load(ctx, out) {
                        Some(stage) => stage,
                        None => return true,
                    },
                },
                Stage::Loading { job, admitted } => {
                    let status = match ctx.answer(&json!({ "load_status": job })).body {
                        Body::JobStatus(status) => status,
                        _ => {
                            fail(out, 500, "the load's job is gone");
                            return true;
                        }
                    };
                    let elapsed = status.elapsed_time * 1000.0;
                    let admitted = *admitted.get_or_insert(now - elapsed);
                    match status.status {
                        JobState::Loading => return false,
                        JobState::Failed => {
                            let error = status.error.unwrap_or_else(|| "the load failed".into());
                            fail(out, 500, &error);
                            return true;
                        }
                        JobState::Success => {
                            let ready = (admitted + elapsed).clamp(self.answer.arrived, now);
                            if self.answer.asked.prompt.is_some() {
                                Stage::Select
                            } else {
                                if let (true, Some(seconds)) =
                                    (self.deduplicated, self.answer.asked.keep_alive)
                                {
                                    set_keep_alive(ctx, &self.answer.name, seconds);
                                }
                                self.answer.done_only(out, "load", ready);
                                return true;
                            }
                        }
                    }
                }
                Stage::Select => match ctx.request(&json!({ "model": self.answer.name })) {
                    Reply::Now(response) if response.error_code().is_none() => {
                        self.selected(ctx, out, now)
                    }
                    Reply::Now(response) => {
                        refused(out, &response);
                        return true;
                    }
                    Reply::AfterSwap(ticket) => Stage::Swapping {
                        ticket,
                        end: None,
                        response: None,
                    },
                },
                Stage::Swapping { end, response, .. } => match response.take() {
                    // The swap's end comes with its response, in one batch of events.
                    None => {
                        *end = None;
                        return false;
                    }
                    Some(response) if response.error_code().is_none() => {
                        let ready = end.unwrap_or(now).min(now);
                        self.selected(ctx, out, ready)
                    }
                    Some(response) => {
                        refused(out, &response);
                        return true;
                    }
                },
                Stage::Answering { ready, sent } => {
                    let ready = *ready;
                    let mut count = *sent;
                    let done = self.answer.write(out, ready, &mut count, now);
                    if let Stage::Answering { sent, .. } = &mut self.stage {
                        *sent = count;
                    }
                    return done;
                }
            };
            self.stage = next;
        }
    }

    fn wake(&self) -> Option<f64> {
        match &self.stage {
            Stage::Answering { ready, sent } if self.answer.asked.stream => {
                Some(self.answer.due(*ready, (*sent).min(ANSWER.len() - 1)))
            }
            Stage::Answering { ready, .. } => Some(self.answer.due(*ready, ANSWER.len() - 1)),
            _ => None,
        }
    }

    fn ticket(&self) -> Option<Ticket> {
        match &self.stage {
            Stage::Swapping { ticket, .. } => Some(*ticket),
            _ => None,
        }
    }

    fn swapped(&mut self, swapped: Response) {
        if let Stage::Swapping { response, .. } = &mut self.stage {
            *response = Some(Box::new(swapped));
        }
    }

    /// The end of the swap to this model, for the answer's timing.
    fn events(&mut self, events: &[Event], _out: &mut Output) {
        if let Stage::Swapping { end, .. } = &mut self.stage {
            for event in events {
                if let Event::SwapFinished { time, to, .. } = event {
                    if *to == self.answer.name {
                        *end = Some(*time);
                    }
                }
            }
        }
    }
}
