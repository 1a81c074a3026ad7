//! `server.fetch`: the driver's exchanges behind the WHATWG adapter in
//! `fetch.js`. The adapter reads requests and writes Responses; the façade
//! (crate::http) does everything else.

use super::driver::{Driver, State};
use crate::http::{Output, BODY_LIMIT};
use js_sys::{Array, Function};
use std::cell::RefCell;
use std::rc::Weak;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/wasm/fetch.js")]
extern "C" {
    #[wasm_bindgen(js_name = makeFetch)]
    fn make_fetch(exchange: &JsValue, cancel: &JsValue, limit: f64) -> Function;
}

const FREED: &str = "model-hotload: fetch was called after free(); create a new Server";

/// A `fetch` for one server. It holds the server weakly: freeing the server
/// frees its state, and a later call rejects.
pub(super) fn make(state: Weak<RefCell<State>>) -> Function {
    let for_cancel = state.clone();
    let exchange = Closure::<dyn Fn(String, String, String, Function) -> Result<f64, JsValue>>::new(
        move |method: String, url: String, body: String, outlet: Function| {
            let state = state
                .upgrade()
                .ok_or_else(|| JsValue::from(JsError::new(FREED)))?;
            Driver::from(state)
                .exchange(&method, &url, &body, outlet)
                .map_err(JsValue::from)
        },
    );
    let cancel = Closure::<dyn Fn(f64)>::new(move |id: f64| {
        if let Some(state) = for_cancel.upgrade() {
            Driver::from(state).cancel(id);
        }
    });
    make_fetch(
        &exchange.into_js_value(),
        &cancel.into_js_value(),
        BODY_LIMIT as f64,
    )
}

/// Hands what an exchange wrote to its outlet: `(head, data, end)`, head being
/// `[status, name, value, …]` or null.
pub(super) fn deliver(outlet: &Function, out: Output) {
    let head = match out.head {
        Some(head) => {
            let array = Array::new();
            array.push(&JsValue::from(head.status));
            for (name, value) in head.headers {
                array.push(&JsValue::from_str(name));
                array.push(&JsValue::from_str(&value));
            }
            array.into()
        }
        None => JsValue::NULL,
    };
    // An outlet that throws is the adapter's bug, not the server's: go on.
    let _ = outlet.call3(
        &JsValue::UNDEFINED,
        &head,
        &JsValue::from_str(&out.data),
        &JsValue::from_bool(out.end),
    );
}
