//! Helpers beside `common/http.rs` for suites that check what a route
//! answers at once, without the clock moving: include both, `http` first.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use crate::http::{Answer, Site};
use model_hotload::http::ExchangeId;
use serde_json::{json, Value};

pub trait AtOnce {
    /// An answer that must be whole as soon as the request is made.
    fn at_once(&mut self, method: &str, url: &str, body: &str) -> Answer;
    fn get_now(&mut self, url: &str) -> Answer {
        self.at_once("GET", url, "")
    }
    fn post_now(&mut self, url: &str, body: &str) -> Answer {
        self.at_once("POST", url, body)
    }
    /// What an open exchange has written so far (the clock does not move).
    fn so_far(&self, id: ExchangeId) -> Answer;
    /// A repository entry, as `list_repository` shows it.
    fn entry(&mut self, name: &str) -> Option<Value>;
    fn event_types(&self) -> Vec<String>;
}

impl AtOnce for Site {
    fn at_once(&mut self, method: &str, url: &str, body: &str) -> Answer {
        let id = self.open(method, url, body);
        let answer = self.so_far(id);
        assert!(answer.ended, "{method} {url} did not answer at once");
        answer
    }

    fn so_far(&self, id: ExchangeId) -> Answer {
        self.answers.get(&id).cloned().expect("an opened exchange")
    }

    fn entry(&mut self, name: &str) -> Option<Value> {
        let list = self.request(json!({"list_repository": true}));
        list["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name)
            .cloned()
    }

    fn event_types(&self) -> Vec<String> {
        self.events
            .iter()
            .map(|e| e["type"].as_str().unwrap().to_string())
            .collect()
    }
}

/// The status of an answer that has its head.
pub trait Code {
    fn code(&self) -> u16;
}

impl Code for Answer {
    fn code(&self) -> u16 {
        self.status.expect("the answer has a head")
    }
}
