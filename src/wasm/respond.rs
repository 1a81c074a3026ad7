//! Responses as JS objects, each built by one object literal that
//! `model-hotload-literal` generates from the response's Rust type at compile
//! time: the fields are written once, in `protocol`. Nothing is written as
//! JSON text or parsed on the way out (`JSON.parse` of a `load_status`
//! response alone cost more than a plain-JS mock's whole call), and no field
//! crosses the boundary on its own (serde-wasm-bindgen's way: 3.3 µs for a
//! `load_status` these build in 0.2 µs). Short texts come from the string cache.

use super::strings::{js_str, with_pieces, Piece};
use crate::error::ErrorCode;
use crate::model::{ModelSpec, Tier};
use crate::protocol::{
    Body, Cancelled, Candidate, Deleted, ErrorBody, Failure, JobKind, JobList, JobStarted,
    JobState, JobStatus, KeepAliveSet, Library, LoadCounts, LoadTimes, MetricsReport, ModelList,
    ModelState, Phase, Pinned, Plan, PlanAdmitted, PlanRefused, QueueWait, RepositoryList,
    RepositoryModel, RequestId, ResidencyReport, Response, Selected, SelectionStats, Started,
    Success, SwapStats, SystemStatus, TierUsage, Unloaded,
};
use crate::residency::Evict;
use indexmap::IndexMap;
use js_sys::Array;
use model_hotload_literal::literals;
use std::cell::RefCell;
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::*;

/// A response type as the JS object `handleRequest` resolves with.
pub trait Literal {
    fn to_js(&self) -> JsValue;
}

/// How a field's value reaches its literal.
pub trait ToPiece {
    fn piece(&self) -> Piece<'_>;
}

/// A fresh copy of a `[name, object]` view, as one object of such objects.
pub trait LiteralMap {
    fn copy_map(entries: &JsValue) -> JsValue;
}

/// A fresh copy of a list view, as an array of such objects.
pub trait LiteralList {
    fn copy_list(items: &JsValue) -> JsValue;
}

literals! {
    {}
    {
        crate::protocol::__literal_Response(),
        crate::protocol::__literal_Body(),
        crate::protocol::__literal_JobStarted(),
        crate::protocol::__literal_JobStatus(),
        crate::protocol::__literal_ModelList(),
        crate::protocol::__literal_Selected(),
        crate::protocol::__literal_Cancelled(),
        crate::protocol::__literal_Unloaded(),
        crate::protocol::__literal_JobList(),
        crate::protocol::__literal_MetricsReport(),
        crate::protocol::__literal_LoadCounts(),
        crate::protocol::__literal_LoadTimes(),
        crate::protocol::__literal_SelectionStats(),
        crate::protocol::__literal_SwapStats(),
        crate::protocol::__literal_QueueWait(),
        crate::protocol::__literal_ResidencyReport(),
        crate::protocol::__literal_SystemStatus(),
        crate::protocol::__literal_TierUsage(),
        crate::protocol::__literal_RepositoryList(),
        crate::protocol::__literal_RepositoryModel(copy_list),
        crate::protocol::__literal_Deleted(),
        crate::protocol::__literal_Pinned(),
        crate::protocol::__literal_KeepAliveSet(),
        crate::protocol::__literal_Candidate(),
        crate::protocol::__literal_Plan(),
        crate::protocol::__literal_PlanAdmitted(),
        crate::protocol::__literal_PlanRefused(),
        crate::protocol::__literal_ErrorBody(),
        crate::model::__literal_ModelSpec(copy_map),
    }
}

/// A response as the object `handleRequest` resolves with.
pub fn response_to_js(response: &Response) -> JsValue {
    response.to_js()
}

#[wasm_bindgen(module = "/src/wasm/respond.js")]
extern "C" {
    fn array1(a: &JsValue) -> Array;
    fn array2(a: &JsValue, b: &JsValue) -> Array;
    fn push(array: &Array, item: &JsValue);
    #[wasm_bindgen(js_name = libraryView)]
    fn library_view_of(json: &str) -> JsValue;
    #[wasm_bindgen(js_name = listView)]
    fn list_view_of(json: &str) -> JsValue;
}

impl ToPiece for String {
    fn piece(&self) -> Piece<'_> {
        Piece::Text(self)
    }
}

impl<T: ToPiece> ToPiece for Option<T> {
    fn piece(&self) -> Piece<'_> {
        match self {
            None => Piece::Value(JsValue::NULL),
            Some(value) => value.piece(),
        }
    }
}

macro_rules! text_pieces {
    ($($ty:ty),*) => {$(
        impl ToPiece for $ty {
            fn piece(&self) -> Piece<'_> {
                Piece::Text(self.as_str())
            }
        }
    )*};
}
text_pieces!(
    Tier, JobState, JobKind, ModelState, Phase, ErrorCode, Success, Started, Failure, Evict
);

impl ToPiece for usize {
    fn piece(&self) -> Piece<'_> {
        Piece::Value(JsValue::from_f64(*self as f64))
    }
}

impl ToPiece for f64 {
    fn piece(&self) -> Piece<'_> {
        Piece::Value(JsValue::from_f64(*self))
    }
}

impl ToPiece for bool {
    fn piece(&self) -> Piece<'_> {
        Piece::Value(JsValue::from_bool(*self))
    }
}

impl ToPiece for RequestId {
    fn piece(&self) -> Piece<'_> {
        match self {
            RequestId::Text(text) => Piece::Text(text),
            // As the JSON form has it: -0 reads back as 0.
            RequestId::Number(n) if *n == 0.0 => Piece::Value(JsValue::from_f64(0.0)),
            RequestId::Number(n) => Piece::Value(JsValue::from_f64(*n)),
        }
    }
}

/// A fresh JS array of strings, built without one crossing per item.
impl ToPiece for Vec<String> {
    fn piece(&self) -> Piece<'_> {
        Piece::Value(match self.as_slice() {
            [] => Array::new().into(),
            [a] => array1(&js_str(a)).into(),
            [a, b, rest @ ..] => {
                let array = array2(&js_str(a), &js_str(b));
                for item in rest {
                    push(&array, &js_str(item));
                }
                array.into()
            }
        })
    }
}

impl<T: Literal> ToPiece for Vec<T> {
    fn piece(&self) -> Piece<'_> {
        let array = Array::new();
        for item in self {
            push(&array, &item.to_js());
        }
        Piece::Value(array.into())
    }
}

/// The library: a copy of its cached view, so every answer owns its objects.
impl ToPiece for Library {
    fn piece(&self) -> Piece<'_> {
        let view = LIBRARY_VIEWS.with(|views| {
            views.view(self, |library| {
                library_view_of(&serde_json::to_string(&**library).unwrap_or_default())
            })
        });
        Piece::Value(ModelSpec::copy_map(&view))
    }
}

/// The repository's listing: likewise, a copy of its cached view.
impl ToPiece for Rc<Vec<RepositoryModel>> {
    fn piece(&self) -> Piece<'_> {
        let view = LISTING_VIEWS.with(|views| {
            views.view(self, |models| {
                list_view_of(&serde_json::to_string(&**models).unwrap_or_default())
            })
        });
        Piece::Value(RepositoryModel::copy_list(&view))
    }
}

/// How many views of each kind are kept (several servers may alternate).
const VIEWS: usize = 4;

/// JS views of values the engine shares (`Rc`) and changes copy-on-write or
/// anew, most recent first. A `Weak` keeps its allocation, so no other value
/// can take its address; a changed value no longer upgrades and is made again.
struct Views<T>(RefCell<Vec<(Weak<T>, JsValue)>>);

impl<T> Views<T> {
    const fn new() -> Views<T> {
        Views(RefCell::new(Vec::new()))
    }

    fn view(&self, value: &Rc<T>, make: impl FnOnce(&Rc<T>) -> JsValue) -> JsValue {
        let Ok(mut cache) = self.0.try_borrow_mut() else {
            return make(value);
        };
        let same = |weak: &Weak<T>| weak.upgrade().is_some_and(|live| Rc::ptr_eq(&live, value));
        if let Some(at) = cache.iter().position(|(weak, _)| same(weak)) {
            let entry = cache.remove(at);
            let view = entry.1.clone();
            cache.insert(0, entry);
            return view;
        }
        let view = make(value);
        cache.insert(0, (Rc::downgrade(value), view.clone()));
        cache.truncate(VIEWS);
        view
    }
}

thread_local! {
    static LIBRARY_VIEWS: Views<IndexMap<String, ModelSpec>> = const { Views::new() };
    static LISTING_VIEWS: Views<Vec<RepositoryModel>> = const { Views::new() };
}
