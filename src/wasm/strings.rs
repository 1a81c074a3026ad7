//! JS strings for the short texts that responses repeat (job ids, model names,
//! enum values, codes): each is decoded once and then reused. Decoding a string
//! across the boundary costs about as much as building the whole response
//! object, and JS strings are immutable, so sharing them is invisible to users.

use std::cell::RefCell;
use wasm_bindgen::JsValue;

/// Direct-mapped: a text evicts the one in its slot. Bounded memory, no scans.
const SLOTS: usize = 1024;
/// Longer texts (reasons, long names) are decoded each time.
const MAX_CACHED_LEN: usize = 128;

/// A cached text and its JS string.
type Slot = Option<(Box<str>, JsValue)>;

thread_local! {
    static CACHE: RefCell<Vec<Slot>> = RefCell::new(vec![None; SLOTS]);
}

/// `text` as a JS string.
pub fn js_str(text: &str) -> JsValue {
    if text.len() > MAX_CACHED_LEN {
        return JsValue::from_str(text);
    }
    let slot = slot_of(text);
    CACHE.with(|cache| {
        let Ok(mut cache) = cache.try_borrow_mut() else {
            return JsValue::from_str(text);
        };
        match cache.get_mut(slot) {
            Some(Some((cached, value))) if **cached == *text => value.clone(),
            Some(entry) => {
                let value = JsValue::from_str(text);
                *entry = Some((text.into(), value.clone()));
                value
            }
            None => JsValue::from_str(text),
        }
    })
}

/// FNV-1a over the bytes: cheap for short texts, spreads ids that differ in a digit.
fn slot_of(text: &str) -> usize {
    let hash = text.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    (hash as usize) % SLOTS
}
