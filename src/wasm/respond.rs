//! Responses as JS objects. The frequent kinds are built by object literals in
//! `respond.js` from numbers and cached strings: no JSON text is written or
//! parsed on their way out (`JSON.parse` of a `load_status` response alone
//! cost more than a plain-JS mock's whole call). The rare kinds (job lists,
//! metrics, system status) and events take the JSON path in `convert`.

use super::convert::to_js;
use super::strings::{js_str, with_js_strs};
use crate::protocol::{Body, ErrorBody, LibraryJson, RequestId, Response};
use js_sys::Array;
use serde_json::value::RawValue;
use std::cell::RefCell;
use std::rc::Rc;
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
    fn unloaded(model: &JsValue, freed_gb: f64, tier: &JsValue) -> JsValue;
    fn error(code: &JsValue, reason: &JsValue) -> JsValue;
    #[wasm_bindgen(js_name = errorWithModels)]
    fn error_with_models(code: &JsValue, reason: &JsValue, available_models: &JsValue) -> JsValue;
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
        Body::Unloaded(u) => unloaded(&js_str(&u.model), u.freed_gb, &js_str(u.tier.as_str())),
        Body::Error(e) => error_body(e),
        // Rare and large: the JSON path (with the request_id it serializes itself).
        Body::Jobs(_) | Body::Metrics(_) | Body::System(_) => return to_js(response),
    };
    match &response.request_id {
        None => body,
        Some(id) => with_request_id(&body, &request_id(id)),
    }
}

fn error_body(e: &ErrorBody) -> JsValue {
    let code = js_str(e.code.as_str());
    let reason = js_str(&e.reason);
    match &e.available_models {
        None => error(&code, &reason),
        Some(models) => error_with_models(&code, &reason, &strings(models)),
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

thread_local! {
    /// The library's JS view per shared text, most recent first. Holding the
    /// `Rc` keeps its address from being reused, so pointer identity is safe.
    static VIEWS_CACHE: RefCell<Vec<(Rc<Box<RawValue>>, JsValue)>> = const { RefCell::new(Vec::new()) };
}

/// The library as a JS object, parsed once per change of the library;
/// `respond.js` copies it for each response.
fn library_view(library: &LibraryJson) -> JsValue {
    let Some(shared) = library.shared() else {
        return Array::new().into();
    };
    VIEWS_CACHE.with(|cache| {
        let Ok(mut cache) = cache.try_borrow_mut() else {
            return parse(shared);
        };
        if let Some(at) = cache.iter().position(|(rc, _)| Rc::ptr_eq(rc, shared)) {
            let entry = cache.remove(at);
            let view = entry.1.clone();
            cache.insert(0, entry);
            return view;
        }
        let view = parse(shared);
        cache.insert(0, (Rc::clone(shared), view.clone()));
        cache.truncate(VIEWS);
        view
    })
}

fn parse(raw: &RawValue) -> JsValue {
    library_view_of(raw.get())
}
