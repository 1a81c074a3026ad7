//! `GET /v2/models/{name}[/versions/{v}]`: a ready model's metadata, with
//! inputs and outputs made up from its capabilities, the same for the same
//! model; Triton's messages and codes for a model it cannot describe.

use super::super::compose;
use super::super::route::Call;
use super::super::wire;
use super::super::{Ctx, Exchange, Output};
use super::{error, VERSION};
use crate::protocol::{ModelState, RepositoryModel};
use serde::Serialize;

/// What the metadata says serves the model.
const PLATFORM: &str = "model-hotload";

#[derive(Serialize)]
struct Metadata<'a> {
    name: &'a str,
    versions: [&'static str; 1],
    platform: &'static str,
    inputs: Vec<Tensor>,
    outputs: Vec<Tensor>,
}

#[derive(Serialize, Clone, Copy)]
struct Tensor {
    name: &'static str,
    datatype: &'static str,
    shape: &'static [i64],
}

const fn tensor(name: &'static str, datatype: &'static str, shape: &'static [i64]) -> Tensor {
    Tensor {
        name,
        datatype,
        shape,
    }
}

/// One prompt in, as Triton's LLM backends (vLLM, TensorRT-LLM) take it.
const TEXT_INPUT: Tensor = tensor("text_input", "BYTES", &[1]);

/// The tensors of a model: those of the first of its capabilities that
/// names a task (generation, embeddings, classification); text to text
/// when none does.
fn signature(capabilities: &[String]) -> (Vec<Tensor>, Vec<Tensor>) {
    let text = || vec![tensor("text_output", "BYTES", &[-1])];
    let outputs = capabilities
        .iter()
        .find_map(|c| match c.as_str() {
            "text-generation" | "chat" | "code-generation" => Some(text()),
            "embeddings" => Some(vec![tensor("embedding", "FP32", &[-1])]),
            "text-classification" => Some(vec![
                tensor("label", "BYTES", &[1]),
                tensor("score", "FP32", &[1]),
            ]),
            _ => None,
        })
        .unwrap_or_else(text);
    (vec![TEXT_INPUT], outputs)
}

fn write(out: &mut Output, m: &RepositoryModel) {
    let (inputs, outputs) = signature(&m.capabilities);
    out.json(
        200,
        &Metadata {
            name: &m.name,
            versions: [VERSION],
            platform: PLATFORM,
            inputs,
            outputs,
        },
    );
}

/// Triton's message for a name its repository never saw (400).
fn unknown(out: &mut Output, name: &str) {
    error(
        out,
        400,
        &format!(
            "Request for unknown model: '{}' is not found",
            wire::bare(name)
        ),
    );
}

/// `GET /v2/models/{name}`: the latest ready version; a known model with
/// none is Triton's 404.
pub(super) fn latest(ctx: &mut Ctx, call: &Call, out: &mut Output) -> Option<Box<dyn Exchange>> {
    match compose::find(ctx, &call.name) {
        None => unknown(out, &call.name),
        Some(m) if m.state == ModelState::Ready => write(out, &m),
        Some(_) => error(
            out,
            404,
            &format!(
                "Request for unknown model: '{}' has no available versions",
                wire::bare(&call.name)
            ),
        ),
    }
    None
}

/// `GET /v2/models/{name}/versions/1`: that version; not ready is Triton's 503.
pub(super) fn versioned(ctx: &mut Ctx, call: &Call, out: &mut Output) -> Option<Box<dyn Exchange>> {
    match compose::find(ctx, &call.name) {
        None => unknown(out, &call.name),
        Some(m) if m.state == ModelState::Ready => write(out, &m),
        Some(_) => error(
            out,
            503,
            &format!(
                "Request for unknown model: '{}' version {VERSION} is not at ready state",
                wire::bare(&call.name)
            ),
        ),
    }
    None
}

/// `GET /v2/models/{name}/versions/{v}`, `v` not 1: a version no model has.
pub(super) fn other_version(
    ctx: &mut Ctx,
    call: &Call,
    out: &mut Output,
) -> Option<Box<dyn Exchange>> {
    match compose::find(ctx, &call.name) {
        None => unknown(out, &call.name),
        Some(_) => error(
            out,
            404,
            &format!(
                "Request for unknown model: '{}' has only version {VERSION}",
                wire::bare(&call.name)
            ),
        ),
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(tensors: &[Tensor]) -> Vec<&str> {
        tensors.iter().map(|t| t.name).collect()
    }

    #[test]
    fn the_first_task_capability_decides_the_outputs() {
        let caps = |c: &[&str]| c.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let (inputs, outputs) = signature(&caps(&["high-quality", "embeddings", "chat"]));
        assert_eq!(names(&inputs), ["text_input"]);
        assert_eq!(names(&outputs), ["embedding"]);
        let (_, outputs) = signature(&caps(&["text-classification"]));
        assert_eq!(names(&outputs), ["label", "score"]);
        let (_, outputs) = signature(&caps(&["chat", "embeddings"]));
        assert_eq!(names(&outputs), ["text_output"]);
        let (_, outputs) = signature(&caps(&["high-quality"]));
        assert_eq!(names(&outputs), ["text_output"]);
    }
}
