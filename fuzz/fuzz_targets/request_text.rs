//! Raw text as a request, as ServerOptions and as saved state: nothing panics,
//! every reply is a well-formed response, a rejected request changes nothing,
//! and the strict JSON reader reads what serde_json reads, or finds a duplicate key.
#![no_main]

use libfuzzer_sys::fuzz_target;
use model_hotload::config::parse_options;
use model_hotload::engine::{Engine, Reply};
use model_hotload::persist::Snapshot;
use serde_json::json;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    // The strict reader accepts only what serde_json reads, as the same value.
    if let Ok(strict) = model_hotload::validate::parse_json(text) {
        let lenient = serde_json::from_str::<serde_json::Value>(text)
            .or_else(|e| model_hotload::text::repair_lone_surrogates(text).ok_or(e).and_then(|t| serde_json::from_str(&t)));
        assert!(matches!(&lenient, Ok(v) if *v == strict), "{text:?}: {strict:?} vs {lenient:?}");
    }
    let config = parse_options(&json!({"clock": "manual", "startTime": 1_000_000})).expect("valid options");
    let mut engine = Engine::new(&config, Box::new(|| 0.0));
    // some state for the request to act on
    engine.handle_text(r#"{"hot_load": {"model_name": "busy", "model_config": {"size_gb": 1, "tier": "ram", "capabilities": ["chat"]}}}"#, 1_000_000.0);
    engine.handle_text(r#"{"model": "gpt2-small"}"#, 1_000_000.0);
    let before = engine.snapshot(1_000_000.0);
    match engine.handle_text(text, 1_000_000.0) {
        Reply::Now(response) => {
            let value = serde_json::to_value(&response).expect("a response serializes");
            assert!(value.get("status").is_some_and(|s| s.is_string()), "{value}");
            if response.error_code().is_some() {
                let reason = value["reason"].as_str().expect("a reason");
                assert!(!reason.is_empty() && !reason.chars().any(model_hotload::text::is_unsafe_char), "{reason:?}");
                assert_eq!(engine.snapshot(1_000_000.0), before, "a rejected request changed the state");
            }
        }
        Reply::AfterSwap(_) => {}
    }
    engine.check_invariants(1_000_000.0, false).expect("invariants");
    engine.handle_timeout(1e7);
    engine.check_invariants(1e7, true).expect("invariants after the clock ran");

    // the same text as ServerOptions, and as saved state
    if let Ok(value) = serde_json::from_str::<serde_json::Value>(text) {
        let _ = parse_options(&value);
    }
    if let Ok(snapshot) = Snapshot::from_json(text) {
        if let Ok(restored) = Engine::restore(&config, snapshot, Box::new(|| 0.0)) {
            restored.check_invariants(0.0, false).ok();
        }
    }
});
