//! Responses as JS objects. Every response is defined once, by its Rust type
//! (`protocol`), and most reach JS from its `Serialize` form (`convert::to_js`).
//! The five kinds on the speed targets (docs/ARCHITECTURE.md, "Responses")
//! are built by object literals in `respond.js` from numbers and cached
//! strings instead: serde-wasm-bindgen took 3.3 µs for a `load_status` that
//! these build in 0.2 µs, and no generic builder came within 6× of a literal.

use super::convert::to_js;
use super::strings::{js_str, with_js_strs};
use crate::model::ModelSpec;
use crate::protocol::{Body, Library, RequestId, Response};
use indexmap::IndexMap;
use js_sys::Array;
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/wasm/respond.js")]
extern "C" {
    #[wasm_bindgen(js_name = hotLoadStarted)]
    fn hot_load_started(
        job_id: &JsValue,
        model_name: &JsValue,
        estimated_time: &JsValue,
        estimated_seconds: f64,
    ) -> JsValue;
    #[wasm_bindgen(js_name = jobStatus)]
    #[allow(clippy::too_many_arguments)]
    fn job_status(
        job_id: &JsValue,
        model_name: &JsValue,
        status: &JsValue,
        progress: f64,
        elapsed_time: f64,
        error: &JsValue,
        phase: &JsValue,
        tier: &JsValue,
        size_gb: f64,
        estimated_time: &JsValue,
        estimated_seconds: f64,
        cancelled: bool,
    ) -> JsValue;
    #[wasm_bindgen(js_name = modelList)]
    fn model_list(models: &JsValue, total_models: f64, active_hot_loads: f64) -> JsValue;
    #[allow(clippy::too_many_arguments)]
    fn selected(
        model: &JsValue,
        size_gb: f64,
        tier: &JsValue,
        capabilities: &JsValue,
        selection_reason: &JsValue,
        selection_time_ms: f64,
        swap_executed: bool,
        swap_time: f64,
        performance_target_met: bool,
    ) -> JsValue;
    fn cancelled(job_id: &JsValue, model_name: &JsValue, progress: f64) -> JsValue;
    #[wasm_bindgen(js_name = withRequestId)]
    fn with_request_id(response: &JsValue, request_id: &JsValue) -> JsValue;
    fn array1(a: &JsValue) -> Array;
    fn array2(a: &JsValue, b: &JsValue) -> Array;
    fn push(array: &Array, item: &JsValue);
    #[wasm_bindgen(js_name = libraryView)]
    fn library_view_of(json: &str) -> JsValue;
}

/// A response as the object `handleRequest` resolves with.
pub fn response_to_js(response: &Response) -> JsValue {
    let body = match &response.body {
        Body::HotLoadStarted(b) => hot_load_started(
            &js_str(&b.job_id),
            &js_str(&b.model_name),
            &js_str(&b.estimated_time),
            b.estimated_seconds,
        ),
        Body::JobStatus(j) => {
            let error = j.error.as_deref().map_or(JsValue::NULL, js_str);
            with_js_strs(
                [
                    &j.job_id,
                    &j.model_name,
                    j.status.as_str(),
                    j.phase.as_str(),
                    j.tier.as_str(),
                    &j.estimated_time,
                ],
                |[id, name, status, phase, tier, estimated]| {
                    job_status(
                        id,
                        name,
                        status,
                        j.progress,
                        j.elapsed_time,
                        &error,
                        phase,
                        tier,
                        j.size_gb,
                        estimated,
                        j.estimated_seconds,
                        j.cancelled,
                    )
                },
            )
        }
        Body::Models(m) => model_list(
            &library_view(&m.models),
            m.total_models as f64,
            m.active_hot_loads as f64,
        ),
        Body::Selected(s) => selected(
            &js_str(&s.model),
            s.size_gb,
            &js_str(s.tier.as_str()),
            &strings(&s.capabilities),
            &js_str(&s.selection_reason),
            s.selection_time_ms,
            s.swap_executed,
            s.swap_time,
            s.performance_target_met,
        ),
        Body::Cancelled(c) => cancelled(&js_str(&c.job_id), &js_str(&c.model_name), c.progress),
        // The rest: from the one definition (with the request_id it serializes itself).
        Body::Unloaded(_) | Body::Error(_) | Body::Jobs(_) | Body::Metrics(_) | Body::System(_) => {
            return to_js(response)
        }
    };
    match &response.request_id {
        None => body,
        Some(id) => with_request_id(&body, &request_id(id)),
    }
}

fn request_id(id: &RequestId) -> JsValue {
    match id {
        RequestId::Text(text) => js_str(text),
        // As the JSON form has it: -0 reads back as 0.
        RequestId::Number(n) if *n == 0.0 => JsValue::from_f64(0.0),
        RequestId::Number(n) => JsValue::from_f64(*n),
    }
}

/// A fresh JS array of strings.
fn strings(items: &[String]) -> JsValue {
    match items {
        [] => Array::new().into(),
        [a] => array1(&js_str(a)).into(),
        [a, b, rest @ ..] => {
            let array = array2(&js_str(a), &js_str(b));
            for item in rest {
                push(&array, &js_str(item));
            }
            array.into()
        }
    }
}

/// How many libraries' JS views are kept (several servers may alternate).
const VIEWS: usize = 4;

type WeakLibrary = Weak<IndexMap<String, ModelSpec>>;

thread_local! {
    /// The JS view of each library recently listed, most recent first. A
    /// `Weak` keeps its allocation, so no other library can take its address;
    /// the engine changes a library copy-on-write, so a changed one no longer
    /// upgrades and is made again.
    static VIEWS_CACHE: RefCell<Vec<(WeakLibrary, JsValue)>> = const { RefCell::new(Vec::new()) };
}

/// The library as a JS view, made once per change of the library;
/// `respond.js` copies it for each response.
fn library_view(library: &Library) -> JsValue {
    let same = |weak: &WeakLibrary| {
        weak.upgrade()
            .is_some_and(|live| Rc::ptr_eq(&live, library))
    };
    VIEWS_CACHE.with(|cache| {
        let Ok(mut cache) = cache.try_borrow_mut() else {
            return make_view(library);
        };
        if let Some(at) = cache.iter().position(|(weak, _)| same(weak)) {
            let entry = cache.remove(at);
            let view = entry.1.clone();
            cache.insert(0, entry);
            return view;
        }
        let view = make_view(library);
        cache.insert(0, (Rc::downgrade(library), view.clone()));
        cache.truncate(VIEWS);
        view
    })
}

fn make_view(library: &Library) -> JsValue {
    // Names and plain numbers always serialize; if not, the view is empty.
    library_view_of(&serde_json::to_string(&**library).unwrap_or_default())
}
