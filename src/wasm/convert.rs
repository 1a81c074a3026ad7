//! Crossing the boundary: requests in (JSON text, and the commonest objects
//! read by `request.js` without JSON; anything else as `JSON.stringify` reads
//! it), and the JSON way out (`to_js`) for events and the rare responses.

use crate::error::{ApiError, ErrorCode};
use crate::protocol::{Command, Request, RequestId, Response, Selection};
use crate::validate::{flag_command, text_command, SIMPLE_COMMANDS, TAKES_TEXT};
use js_sys::JSON;
use serde::Serialize;
use serde_json::Value;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/wasm/request.js")]
extern "C" {
    // Plain numbers and values in and out: a call that returns through memory
    // (an `Option<f64>`, a string check) costs more than the rest of the read.
    #[wasm_bindgen(js_name = simpleCommand)]
    fn simple_command(request: &JsValue) -> i32;
    #[wasm_bindgen(js_name = setMemory)]
    fn set_memory(memory: &JsValue);
    #[wasm_bindgen(js_name = takeTextInto)]
    fn take_text_into(ptr: *mut u8, room: usize) -> i32;
    #[wasm_bindgen(js_name = takeIdInto)]
    fn take_id_into(ptr: *mut u8, room: usize) -> i32;
    #[wasm_bindgen(js_name = takeIdNumber)]
    fn take_id_number() -> f64;
    #[wasm_bindgen(js_name = takeCopy)]
    fn take_copy() -> JsValue;
}

/// A request as the engine takes it.
pub enum Input {
    Text(String),
    Json(Value),
    /// One of the commonest requests, read without JSON (see `request.js`).
    Simple(Request),
    /// A request read without JSON that the validator refused.
    Rejected(ApiError, Option<RequestId>),
}

/// Reads a request: a string is JSON text; anything else is read as
/// `JSON.stringify` sees it, so getters, `toJSON`, `undefined` and `NaN`
/// behave as they do in `JSON.stringify`. Runs no engine code, so a getter
/// that calls back into the server is safe.
pub fn read_request(request: &JsValue) -> Result<Input, ApiError> {
    let copy;
    let request = match simple_command(request) {
        -4 => return Ok(Input::Text(take_text(take_text_into))),
        -1 | -3 => request,
        -2 => {
            copy = take_copy();
            &copy
        }
        code => {
            let id = match code & (ID_TEXT | ID_NUMBER) {
                ID_TEXT => Some(RequestId::Text(take_text(take_id_into))),
                ID_NUMBER => Some(RequestId::Number(take_id_number())),
                _ => None,
            };
            let command = match code & 0xff {
                SELECTION => selection(&take_text(take_text_into)).map(|r| r.map(Command::Select)),
                index => simple(index).map(Ok),
            };
            match command {
                Some(Ok(command)) => return Ok(Input::Simple(Request { id, command })),
                Some(Err(error)) => return Ok(Input::Rejected(error, id)),
                // request.js and `simple` list the same commands: not reached.
                None => request,
            }
        }
    };
    read_json(request, "request")
        .map(Input::Json)
        .map_err(|why| ApiError::new(ErrorCode::InvalidRequest, why))
}

thread_local! {
    static MEMORY_SHARED: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// A text `request.js` has taken, written by `take` into a buffer of ours.
fn take_text(take: fn(*mut u8, usize) -> i32) -> String {
    if !MEMORY_SHARED.with(|shared| shared.replace(true)) {
        set_memory(&wasm_bindgen::memory());
    }
    let mut buffer = vec![0u8; 64];
    // Twice at most: a text that may not fit says how much room it needs.
    for _ in 0..2 {
        let written = take(buffer.as_mut_ptr(), buffer.len());
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

/// `request.js`'s index for a selection by need, and its request_id flags.
const SELECTION: i32 = SIMPLE_COMMANDS.len() as i32;
const ID_TEXT: i32 = 0x100;
const ID_NUMBER: i32 = 0x200;

/// A selection by need as `request.js` hands it over (see `selection` there),
/// checked by the validator; `None` if the text is not in that form.
fn selection(text: &str) -> Option<Result<Selection, ApiError>> {
    let mut chars = text.chars();
    let mask = chars.next()?.to_digit(8)?;
    let mut rest = chars.as_str();
    let mut priority = None;
    if mask & 2 != 0 {
        let (p, after) = rest.split_once('\0')?;
        priority = Some(p);
        rest = after;
    }
    let capabilities: Option<Vec<&str>> =
        (mask & 1 != 0).then(|| rest.split_terminator('\0').collect());
    Some(crate::validate::parse_selection_texts(
        capabilities.as_deref(),
        priority,
    ))
}

/// The command at `index` in `request.js`'s list, which has checked its value.
fn simple(index: i32) -> Option<Command> {
    let index = usize::try_from(index).ok()?;
    let key = SIMPLE_COMMANDS.get(index)?;
    if index < TAKES_TEXT {
        text_command(key, take_text(take_text_into))
    } else {
        flag_command(key)
    }
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

/// `value` as `JSON.stringify` sees it; `what` names it in the reasons.
fn read_json(value: &JsValue, what: &str) -> Result<Value, String> {
    // Checked without reading `typeof` as text: this runs on every object request.
    if value.is_undefined() || value.is_function() || value.is_symbol() || value.is_bigint() {
        let kind = value.js_typeof().as_string().unwrap_or_default();
        return Err(format!("A {what} must be a JSON object, not {kind}."));
    }
    let text = JSON::stringify(value)
        .map_err(|e| format!("The {what} could not be read as JSON: {}.", error_text(&e)))?;
    let text = text.as_string().unwrap_or_default();
    crate::validate::parse_json(&text)
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
