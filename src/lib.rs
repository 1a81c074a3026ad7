//! # model-hotload
//!
//! A deterministic, zero-backend simulation of a model server's hot-loading
//! control plane: a model registry, a config validator, a capacity (safety)
//! check, model selection with hot-swap, and a simulated background loader.
//!
//! The crate is a pure-Rust core that takes time as an input, and a thin
//! WebAssembly layer (module `wasm`, on `wasm32` only) that owns the one JS
//! timer, the Promise plumbing and the conversion of values. Each module
//! imports only modules of the rows below its own:
//!
//! ```text
//! wasm      the binding             → trace, http, engine, config, persist, validate, protocol
//! trace     record and replay       → http, engine, config, persist, protocol
//! http      the HTTP façade         → engine, validate, protocol, error, model, text
//! engine    the coordinator         → persist, config, validate, loader, swap, capacity, select, metrics
//! persist   saved state             → loader, metrics, history, validate
//! config, validate, loader, swap, capacity, select, metrics, catalog, schema
//!                                   → protocol, error, model, text, history
//! ```
//!
//! Requests have one reader: [`validate::parse_text`] (objects from JavaScript
//! arrive as their `JSON.stringify` text). Responses are defined once, by the
//! types in [`protocol`]; on wasm32 each becomes one JS object literal written
//! at compile time by the `model-hotload-literal` proc macro.
//!
//! Natively, drive an [`engine::Engine`] yourself:
//!
//! ```
//! use model_hotload::{config::ServerConfig, engine::{Engine, Reply}};
//! let mut engine = Engine::new(&ServerConfig::default(), Box::new(|| 0.0));
//! let reply = engine.handle_text(r#"{"hot_load": {"model_name": "my-custom-model",
//!     "model_config": {"size_gb": 2.5, "tier": "ram", "capabilities": ["text-generation", "chat"]}}}"#, 0.0);
//! let Reply::Now(response) = reply else { unreachable!() };
//! assert_eq!(response.status(), "hot_load_started");
//! assert_eq!(engine.poll_timeout(), Some(3750.0));
//! engine.handle_timeout(3750.0);
//! assert!(engine.library().contains_key("my-custom-model"));
//! ```

#![deny(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![cfg_attr(
    test,
    allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::indexing_slicing
    )
)]

pub mod capacity;
pub mod catalog;
pub mod config;
pub mod engine;
pub mod error;
pub mod history;
pub mod http;
pub mod loader;
pub mod metrics;
pub mod model;
pub mod persist;
pub mod protocol;
pub mod repository;
pub mod residency;
pub mod schema;
pub mod select;
pub mod swap;
pub mod text;
pub mod trace;
pub mod validate;

#[cfg(target_arch = "wasm32")]
pub mod wasm;
