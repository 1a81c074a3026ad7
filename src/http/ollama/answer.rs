//! The answers of `/api/generate` and `/api/chat`, in Ollama's field order
//! (structs, not `json!`: the crate's JSON objects sort their keys):
//! the chunks of a stream, the last object with its metrics, and the
//! `done_reason: "load"` / `"unload"` answers. Every duration is simulated
//! time in ns.
//!
//! Simulated rates: the prompt is read at [`PROMPT_TOKEN_MS`] per token (a
//! token per whitespace-separated word), the answer written at [`TOKEN_MS`]
//! per token.

use super::super::{wire, Output};
use serde::Serialize;

/// Simulated time per token of the answer (ms): 50 tokens a second.
pub const TOKEN_MS: f64 = 20.0;
/// Simulated time per token of the prompt (ms).
pub const PROMPT_TOKEN_MS: f64 = 2.0;
/// The simulated answer, token by token, the same for every request.
pub const ANSWER: [&str; 13] = [
    "Hello",
    "!",
    " This",
    " is",
    " a",
    " simulated",
    " answer",
    ",",
    " the",
    " same",
    " every",
    " time",
    ".",
];

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Kind {
    Generate,
    Chat,
}

impl Kind {
    pub fn route(self) -> &'static str {
        match self {
            Kind::Generate => "generate",
            Kind::Chat => "chat",
        }
    }
}

/// What a request asks, once its body is read.
pub(super) struct Asked {
    pub model: String,
    pub stream: bool,
    /// Prompt tokens; `None`: nothing to answer (load or unload only).
    pub prompt: Option<u64>,
    pub keep_alive: Option<f64>,
}

/// The request as answered: what was asked and about which model.
pub(super) struct Answer {
    pub kind: Kind,
    /// The repository's name (the asked one is echoed in answers).
    pub name: String,
    pub arrived: f64,
    pub asked: Asked,
}

#[derive(Serialize)]
struct Message<'a> {
    role: &'static str,
    content: &'a str,
}

#[derive(Serialize)]
struct Metrics {
    total_duration: u64,
    load_duration: u64,
    prompt_eval_count: u64,
    prompt_eval_duration: u64,
    eval_count: u64,
    eval_duration: u64,
}

/// One object of an answer, in Ollama's field order.
#[derive(Serialize)]
struct Chunk<'a> {
    model: &'a str,
    created_at: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    response: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    message: Option<Message<'a>>,
    done: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    done_reason: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    context: Option<Vec<u64>>,
    #[serde(flatten, skip_serializing_if = "Option::is_none")]
    metrics: Option<Metrics>,
}

/// Simulated ms as whole ns.
fn ns(ms: f64) -> u64 {
    (ms * 1e6).round().max(0.0) as u64
}

impl Answer {
    fn chunk<'a>(&'a self, at: f64, text: &'a str) -> Chunk<'a> {
        let (response, message) = match self.kind {
            Kind::Generate => (Some(text), None),
            Kind::Chat => (
                None,
                Some(Message {
                    role: "assistant",
                    content: text,
                }),
            ),
        };
        Chunk {
            model: &self.asked.model,
            created_at: wire::rfc3339(at),
            response,
            message,
            done: false,
            done_reason: None,
            context: None,
            metrics: None,
        }
    }

    /// `{done: true, done_reason}` with nothing more: a load or an unload.
    pub fn done_only(&self, out: &mut Output, reason: &'static str, at: f64) {
        let mut chunk = self.chunk(at, "");
        chunk.done = true;
        chunk.done_reason = Some(reason);
        out.json(200, &chunk);
    }

    fn prompt_ms(&self) -> f64 {
        self.asked.prompt.unwrap_or(0) as f64 * PROMPT_TOKEN_MS
    }

    /// When token `i` of the answer is written, the model ready at `ready`.
    pub fn due(&self, ready: f64, i: usize) -> f64 {
        ready + self.prompt_ms() + (i + 1) as f64 * TOKEN_MS
    }

    /// The last object: the whole text unless streamed, and the metrics.
    fn last<'a>(&'a self, ready: f64, text: &'a str) -> Chunk<'a> {
        let end = self.due(ready, ANSWER.len() - 1);
        let prompt = self.asked.prompt.unwrap_or(0);
        let mut chunk = self.chunk(end, text);
        chunk.done = true;
        chunk.done_reason = Some("stop");
        if self.kind == Kind::Generate {
            chunk.context = Some((1..=prompt + ANSWER.len() as u64).collect());
        }
        chunk.metrics = Some(Metrics {
            total_duration: ns(end - self.arrived),
            load_duration: ns(ready - self.arrived),
            prompt_eval_count: prompt,
            prompt_eval_duration: ns(self.prompt_ms()),
            eval_count: ANSWER.len() as u64,
            eval_duration: ns(ANSWER.len() as f64 * TOKEN_MS),
        });
        chunk
    }

    /// Writes the tokens due at `now`; true once the last object is written.
    pub fn write(&self, out: &mut Output, ready: f64, sent: &mut usize, now: f64) -> bool {
        if self.asked.stream {
            while let Some(token) = ANSWER.get(*sent) {
                let at = self.due(ready, *sent);
                if at > now {
                    return false;
                }
                out.write(&wire::line(&self.chunk(at, token)));
                *sent += 1;
            }
            out.write(&wire::line(&self.last(ready, "")));
            return true;
        }
        if self.due(ready, ANSWER.len() - 1) > now {
            return false;
        }
        out.json(200, &self.last(ready, &ANSWER.concat()));
        true
    }
}
