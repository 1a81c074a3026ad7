//! Crossing the boundary: requests and options in, as JSON text for the one
//! reader in the core (`validate`); and the JSON way out (`to_js`) for events
//! and the rare responses.

use crate::error::{ApiError, ErrorCode};
use crate::protocol::Response;
use js_sys::JSON;
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/wasm/text.js")]
extern "C" {
    #[wasm_bindgen(js_name = toText)]
    fn to_text(value: &JsValue) -> u32;
    #[wasm_bindgen(js_name = takeThrown)]
    fn take_thrown() -> JsValue;
    #[wasm_bindgen(js_name = setMemory)]
    fn set_memory(memory: &JsValue);
    #[wasm_bindgen(js_name = copyText)]
    fn copy_text(ptr: *mut u8, room: usize) -> i32;
}

/// A request as text for `validate::parse_text`, the one reader: a string as
/// it is, anything else as `JSON.stringify` writes it. Runs no engine code, so
/// a getter that calls back into the server is safe.
pub fn request_text(request: &JsValue) -> Result<String, ApiError> {
    json_text(request, "request").map_err(|why| ApiError::new(ErrorCode::InvalidRequest, why))
}

/// Reads `ServerOptions`; `undefined` and `null` mean defaults.
pub fn read_options(options: &JsValue) -> Result<Value, String> {
    if options.is_undefined() || options.is_null() {
        return Ok(Value::Null);
    }
    let options =
        without_storage(options).map_err(|why| format!("invalid ServerOptions: {why}"))?;
    read_json(&options, "ServerOptions value")
        .map_err(|why| format!("invalid ServerOptions: {why}"))
}

/// A shallow copy of the options without `storage`, which holds functions and
/// (for `localStorage`) every saved entry: it is read separately, never as JSON.
fn without_storage(options: &JsValue) -> Result<JsValue, String> {
    if !options.is_object() || js_sys::Array::is_array(options) {
        return Ok(options.clone());
    }
    let unreadable = |e: JsValue| format!("the options could not be read ({})", error_text(&e));
    let copy = js_sys::Object::new();
    for key in js_sys::Reflect::own_keys(options)
        .map_err(unreadable)?
        .iter()
    {
        if key.as_string().is_some_and(|k| k != "storage") {
            let value = js_sys::Reflect::get(options, &key).map_err(unreadable)?;
            js_sys::Reflect::set(&copy, &key, &value).map_err(unreadable)?;
        }
    }
    Ok(copy.into())
}

/// A trace given to `Server.replay`, as JSON.
pub fn read_trace(trace: &JsValue) -> Result<Value, String> {
    read_json(trace, "trace")
}

/// `value` as JSON text (see `text.js`); `what` names it in the reasons.
fn json_text(value: &JsValue, what: &str) -> Result<String, String> {
    match to_text(value) {
        0 => Ok(copy_pending_text()),
        1 => {
            let kind = value.js_typeof().as_string().unwrap_or_default();
            Err(format!("A {what} must be a JSON object, not {kind}."))
        }
        _ => Err(format!(
            "The {what} could not be read as JSON: {}.",
            error_text(&take_thrown())
        )),
    }
}

thread_local! {
    static MEMORY_SHARED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// The text `to_text` made, copied into a buffer of ours.
fn copy_pending_text() -> String {
    if !MEMORY_SHARED.with(|shared| shared.replace(true)) {
        set_memory(&wasm_bindgen::memory());
    }
    let mut buffer = vec![0u8; 64];
    // Twice at most: a text that may not fit says how much room it needs.
    for _ in 0..2 {
        let written = copy_text(buffer.as_mut_ptr(), buffer.len());
        match usize::try_from(written) {
            Ok(written) => {
                buffer.truncate(written);
                return String::from_utf8(buffer).unwrap_or_default();
            }
            Err(_) => buffer.resize(written.unsigned_abs() as usize, 0),
        }
    }
    String::new()
}

/// `value` as `JSON.stringify` sees it, read back as a JSON value.
fn read_json(value: &JsValue, what: &str) -> Result<Value, String> {
    crate::validate::parse_json(&json_text(value, what)?)
        .map_err(|e| format!("The {what} could not be read as JSON: {e}."))
}

/// The message of a thrown JS value, fit for a reason: its first line,
/// unsafe characters escaped, at most 160 characters.
pub fn error_text(error: &JsValue) -> String {
    let message = match error.dyn_ref::<js_sys::Error>() {
        Some(e) => String::from(e.message()),
        None => error
            .as_string()
            .unwrap_or_else(|| String::from("unknown error")),
    };
    let first_line: String = message
        .lines()
        .next()
        .unwrap_or_default()
        .chars()
        .take(160)
        .collect();
    crate::text::neutralize(first_line.trim_end_matches('.'))
}

/// Any serializable value as a plain JS object: serialized to JSON text in
/// Rust and parsed once by `JSON.parse`. One boundary crossing; building the
/// object field by field (serde-wasm-bindgen) took one per field and was
/// slower (see BENCHMARKS.md).
pub fn to_js<T: Serialize>(value: &T) -> JsValue {
    let text = serde_json::to_string(value).unwrap_or_else(|e| {
        let fallback = Response::error(
            ApiError::new(
                ErrorCode::InvalidRequest,
                format!("The response could not be built: {e}."),
            ),
            None,
        );
        serde_json::to_string(&fallback).unwrap_or_default()
    });
    JSON::parse(&text).unwrap_or(JsValue::NULL)
}
