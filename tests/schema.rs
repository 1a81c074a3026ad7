//! The TypeScript shapes (`schema`) and the validators agree: every request and
//! option set the validators accept fits the shapes the `.d.ts` declares, and
//! shapes the validators reject for structure are rejected by the schema too.
#![cfg(not(target_arch = "wasm32"))]

use model_hotload::config::parse_options;
use model_hotload::schema::{Request, ServerOptions};
use model_hotload::validate::parse_value;
use proptest::prelude::*;
use serde_json::{json, Value};

fn accepted_requests() -> Vec<Value> {
    let config =
        json!({"size_gb": 2.5, "tier": "ram", "capabilities": ["text-generation", "chat"]});
    vec![
        json!({"hot_load": {"model_name": "my-custom-model", "model_config": config}}),
        json!({"hot_load": {"model_name": "m", "model_config": config, "simulate": {"fail_at_progress": 0.5}}, "request_id": 1}),
        json!({"hot_load": {"model_name": "m", "model_config": config, "simulate": {"fail_at_progress": 1, "error": "x"}}}),
        json!({"load_status": "load_m_0", "request_id": "a"}),
        json!({"list_models": true}),
        json!({"model": "gpt2-small"}),
        json!({"capabilities": ["chat"]}),
        json!({"priority": "quality"}),
        json!({"auto_select": true, "priority": "speed", "capabilities": ["a", "b"], "request_id": 2.5}),
        json!({"cancel_load": "load_m_0"}),
        json!({"unload_model": "m"}),
        json!({"list_jobs": true}),
        json!({"metrics": true}),
        json!({"system_status": true, "request_id": "s"}),
        json!({"set_keep_alive": {"model_name": "m", "keep_alive": 300}}),
        json!({"set_keep_alive": {"model_name": "m", "keep_alive": -1}, "request_id": 3}),
    ]
}

#[test]
fn every_accepted_request_fits_the_schema() {
    for request in accepted_requests() {
        assert!(
            parse_value(&request).is_ok(),
            "the validator accepts {request}"
        );
        let fits = serde_json::from_value::<Request>(request.clone());
        assert!(
            fits.is_ok(),
            "{request} does not fit schema::Request: {fits:?}"
        );
    }
}

#[test]
fn structural_faults_are_outside_the_schema_too() {
    let config = json!({"size_gb": 1, "tier": "ram", "capabilities": ["chat"]});
    for request in [
        json!({"hot_load": {"model_name": "m"}}),
        json!({"hot_load": {"model_name": "m", "model_config": config, "extra": 1}}),
        json!({"hot_load": {"model_name": "m", "model_config": {"size_gb": 1, "tier": "ram"}}}),
        json!({"hot_load": {"model_name": "m", "model_config": {"size_gb": 1, "tier": "disk", "capabilities": []}}}),
        json!({"hot_load": {"model_name": "m", "model_config": config, "simulate": {"error": "x"}}}),
        json!({"load_status": 5}),
        json!({"list_models": "yes"}),
        json!({"priority": "fastest"}),
        json!({"model": "a", "verbose": true}),
        json!({"request_id": [], "list_models": true}),
        json!({"set_keep_alive": {"model_name": "m"}}),
        json!({"set_keep_alive": {"model_name": "m", "keep_alive": "5m"}}),
        json!({"set_keep_alive": {"model_name": "m", "keep_alive": 1, "pin": true}}),
        json!({"set_keep_alive": "m"}),
    ] {
        assert!(
            parse_value(&request).is_err(),
            "the validator rejects {request}"
        );
        assert!(
            serde_json::from_value::<Request>(request.clone()).is_err(),
            "the schema accepts {request}"
        );
    }
}

#[test]
fn accepted_options_fit_the_schema_and_bad_shapes_do_not() {
    for options in [
        json!({}),
        json!({"clock": "manual", "startTime": 5000, "ramGb": 8, "swapGb": 64, "catalog": "empty"}),
        json!({"clock": "real", "timeScale": 100, "catalog": "default"}),
        json!({"catalog": [{"name": "a", "size_gb": 1, "tier": "ram", "capabilities": ["chat"]}]}),
    ] {
        assert!(parse_options(&options).is_ok(), "{options}");
        assert!(
            serde_json::from_value::<ServerOptions>(options.clone()).is_ok(),
            "{options}"
        );
    }
    for options in [
        json!({"clock": "sundial"}),
        json!({"colour": "red"}),
        json!({"catalog": "huge"}),
        json!({"ramGb": "16"}),
        json!({"catalog": [{"name": "a", "size_gb": 1, "tier": "ram"}]}),
    ] {
        assert!(parse_options(&options).is_err(), "{options}");
        assert!(
            serde_json::from_value::<ServerOptions>(options.clone()).is_err(),
            "{options}"
        );
    }
}

proptest! {
    /// Random well-formed hot loads: whatever the validator accepts fits the schema.
    #[test]
    fn random_hot_loads(name in "[a-z][a-z0-9-]{0,20}", size in 0.01f64..7.0, swap: bool,
                        caps in prop::collection::btree_set("[a-z][a-z-]{0,10}", 1..4),
                        fail in prop::option::of(0.0f64..=1.0), id in prop::option::of(any::<u32>())) {
        let mut request = json!({"hot_load": {"model_name": name, "model_config": {
            "size_gb": size, "tier": if swap { "swap" } else { "ram" }, "capabilities": caps}}});
        if let Some(p) = fail { request["hot_load"]["simulate"] = json!({"fail_at_progress": p}); }
        if let Some(id) = id { request["request_id"] = json!(id); }
        if parse_value(&request).is_ok() {
            prop_assert!(serde_json::from_value::<Request>(request.clone()).is_ok(), "{}", request);
        }
    }
}
