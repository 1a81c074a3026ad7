//! The Ollama routes (SPEC §6) natively: every route's shape as the real API
//! has it, the pull and generate streams in simulated time, keep_alive, and
//! the errors; state is checked through `handleRequest`-style requests.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod errors;
mod generate;
#[path = "../common/http.rs"]
mod http;
mod keep_alive;
mod models;
mod pull;

use http::Site;
use serde_json::{json, Value};

/// When the suite's clock starts (2023-11-14T22:13:20Z).
pub const START: f64 = 1_700_000_000_000.0;

/// A server on the manual clock from `START`, with `options` over the
/// defaults (the default catalog unless they say).
pub fn server(options: Value) -> Site {
    let mut all = json!({ "startTime": START });
    for (k, v) in options.as_object().unwrap() {
        all[k] = v.clone();
    }
    Site::with_options(all)
}

/// The type of a JSON value, as the shape checks name them.
pub fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(n) if n.is_u64() => "uint",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// The keys of an object, in order.
pub fn keys(value: &Value) -> Vec<&str> {
    value
        .as_object()
        .map(|o| o.keys().map(String::as_str).collect())
        .unwrap_or_default()
}

/// An RFC 3339 time in UTC, as Go writes it.
pub fn is_rfc3339(value: &Value) -> bool {
    value.as_str().is_some_and(|s| {
        s.len() >= 20
            && s.ends_with('Z')
            && s.as_bytes().get(4) == Some(&b'-')
            && s.as_bytes().get(10) == Some(&b'T')
    })
}

/// `sha256:` and 64 lower-case hex digits.
pub fn is_digest(value: &Value) -> bool {
    value.as_str().is_some_and(|s| {
        s.strip_prefix("sha256:").is_some_and(|hex| {
            hex.len() == 64
                && hex
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        })
    })
}
