//! Where a persisted server saves: the `storage` option (any object with
//! `getItem` and `setItem`, which is how Node persists) or `localStorage`.
//! Every call is caught: a throwing or full storage never breaks the server.

use super::convert::error_text;
use js_sys::{Function, Reflect};
use wasm_bindgen::prelude::*;

#[derive(Clone)]
pub struct Storage {
    target: JsValue,
    get_item: Function,
    set_item: Function,
}

fn method(target: &JsValue, name: &str) -> Option<Function> {
    Reflect::get(target, &JsValue::from_str(name))
        .ok()?
        .dyn_into::<Function>()
        .ok()
}

impl Storage {
    /// The `storage` option if given, else `globalThis.localStorage`.
    pub fn resolve(options: &JsValue) -> Result<Storage, String> {
        let given =
            Reflect::get(options, &JsValue::from_str("storage")).unwrap_or(JsValue::UNDEFINED);
        let (target, what) = if given.is_undefined() || given.is_null() {
            // Reading localStorage can throw (e.g. in a sandboxed frame).
            let local = Reflect::get(&js_sys::global(), &JsValue::from_str("localStorage"))
                .unwrap_or(JsValue::UNDEFINED);
            (local, "localStorage")
        } else {
            (given, "the storage option")
        };
        match (method(&target, "getItem"), method(&target, "setItem")) {
            (Some(get_item), Some(set_item)) => Ok(Storage { target, get_item, set_item }),
            _ if what == "localStorage" => Err(String::from(
                "invalid ServerOptions: persist needs localStorage, which this environment does not have; pass storage: { getItem, setItem }.",
            )),
            _ => Err(String::from("invalid ServerOptions: storage must have getItem(key) and setItem(key, value) methods.")),
        }
    }

    /// The saved text under `key`, `None` if there is none.
    pub fn get(&self, key: &str) -> Result<Option<String>, String> {
        let value = self
            .get_item
            .call1(&self.target, &JsValue::from_str(key))
            .map_err(|e| error_text(&e))?;
        if value.is_null() || value.is_undefined() {
            return Ok(None);
        }
        value
            .as_string()
            .map(Some)
            .ok_or_else(|| String::from("getItem returned something other than text"))
    }

    pub fn set(&self, key: &str, value: &str) -> Result<(), String> {
        self.set_item
            .call2(
                &self.target,
                &JsValue::from_str(key),
                &JsValue::from_str(value),
            )
            .map(|_| ())
            .map_err(|e| error_text(&e))
    }
}
