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

/// A value on its way to JS: a text (from the cache) or a value made already.
pub enum Piece<'a> {
    Text(&'a str),
    Value(JsValue),
}

/// `text` as a JS string.
pub fn js_str(text: &str) -> JsValue {
    with_pieces([Piece::Text(text)], |[value]| value.clone())
}

/// FNV-1a over the bytes: cheap for short texts, spreads ids that differ in a digit.
fn slot_of(text: &str) -> usize {
    let hash = text.bytes().fold(0x811c_9dc5_u32, |h, b| {
        (h ^ u32::from(b)).wrapping_mul(0x0100_0193)
    });
    (hash as usize) % SLOTS
}

/// Where one of [`with_pieces`]'s values is: in the cache, or made for this call.
enum Held {
    Slot(usize),
    Own(JsValue),
}

/// Calls `f` with the JS values of `pieces`, texts taken from the cache
/// without copying their handles (a handle's copy and release cost as much as
/// the lookup). `f` must not call back into Rust: it builds an object in JS.
pub fn with_pieces<const N: usize, R>(
    pieces: [Piece<'_>; N],
    f: impl FnOnce([&JsValue; N]) -> R,
) -> R {
    let undefined = JsValue::UNDEFINED;
    let mut held: [Option<Held>; N] = std::array::from_fn(|_| None);
    CACHE.with(|cache| {
        let mut cache = cache.try_borrow_mut();
        let mut pieces = pieces.map(Some);
        match cache.as_deref_mut() {
            Ok(cache) => place(cache, &mut pieces, &mut held),
            // Busy (cannot happen: nothing here calls back): make every text apart.
            Err(_) => {
                for (h, piece) in held.iter_mut().zip(pieces.iter_mut()) {
                    *h = piece.take().map(|piece| {
                        Held::Own(match piece {
                            Piece::Text(text) => JsValue::from_str(text),
                            Piece::Value(value) => value,
                        })
                    });
                }
            }
        }
        let cache = cache.as_deref().map_or(&[][..], |c| c.as_slice());
        let refs: [&JsValue; N] =
            std::array::from_fn(|k| reference(cache, held.get(k), &undefined));
        f(refs)
    })
}

/// Finds or puts each text in the cache; a text whose slot this call already
/// uses for another text, or a long text, is made apart. On slices, so that
/// one copy serves every number of pieces.
#[inline(never)]
fn place(cache: &mut [Slot], pieces: &mut [Option<Piece<'_>>], held: &mut [Option<Held>]) {
    for k in 0..pieces.len() {
        let text = match pieces.get_mut(k).and_then(Option::take) {
            Some(Piece::Text(text)) => text,
            Some(Piece::Value(value)) => {
                if let Some(h) = held.get_mut(k) {
                    *h = Some(Held::Own(value));
                }
                continue;
            }
            None => continue,
        };
        let slot = slot_of(text);
        let taken = held
            .iter()
            .take(k)
            .any(|h| matches!(h, Some(Held::Slot(s)) if *s == slot));
        let place = match cache.get_mut(slot) {
            _ if text.len() > MAX_CACHED_LEN => Held::Own(JsValue::from_str(text)),
            Some(Some((cached, _))) if **cached == *text => Held::Slot(slot),
            Some(entry) if !taken => {
                *entry = Some((text.into(), JsValue::from_str(text)));
                Held::Slot(slot)
            }
            _ => Held::Own(JsValue::from_str(text)),
        };
        if let Some(h) = held.get_mut(k) {
            *h = Some(place);
        }
    }
}

fn reference<'a>(
    cache: &'a [Slot],
    held: Option<&'a Option<Held>>,
    undefined: &'a JsValue,
) -> &'a JsValue {
    match held {
        Some(Some(Held::Own(value))) => value,
        Some(Some(Held::Slot(s))) => match cache.get(*s) {
            Some(Some((_, value))) => value,
            _ => undefined,
        },
        _ => undefined,
    }
}
