//! `POST /api/pull`: Ollama's NDJSON progress in simulated time.

use super::http::Answer;
use super::{is_digest, keys, server};
use serde_json::{json, Value};

/// llama3.2:1b: 1.3 GB, so 1.82 s of preparing.
const PULL_MS: f64 = 1820.0;
const TOTAL: u64 = 1_300_000_000;

fn statuses(lines: &[Value]) -> Vec<String> {
    lines
        .iter()
        .map(|l| l["status"].as_str().unwrap_or("<error>").to_string())
        .collect()
}

/// The progress lines' `completed`, checked for shape on the way.
fn progress(answer: &Answer) -> Vec<u64> {
    let lines = answer.lines();
    let digest = lines
        .iter()
        .find_map(|l| l["digest"].as_str())
        .unwrap()
        .to_string();
    lines
        .iter()
        .filter(|l| l.get("digest").is_some())
        .map(|l| {
            assert_eq!(keys(l), ["status", "digest", "total", "completed"]);
            assert_eq!(l["status"], format!("pulling {}", &digest[7..19]));
            assert!(is_digest(&l["digest"]));
            assert_eq!(l["total"], TOTAL);
            l["completed"].as_u64().unwrap()
        })
        .collect()
}

/// Completed never goes back and every whole percent from 0 to `to` has a line.
fn every_percent(completed: &[u64], to: u64) {
    assert!(completed.windows(2).all(|w| w[0] <= w[1]), "{completed:?}");
    for percent in 0..=to {
        let value = TOTAL * percent / 100;
        assert!(
            completed.contains(&value),
            "no line at {percent} %: {completed:?}"
        );
    }
}

#[test]
fn a_streamed_pull_reports_every_percent_then_verifies_writes_and_succeeds() {
    let mut sim = server(json!({}));
    let id = sim.open("POST", "/api/pull", r#"{"model": "llama3.2:1b"}"#);
    let answer = sim.so_far(id);
    assert_eq!(answer.code(), 200);
    assert_eq!(answer.header("content-type"), Some("application/x-ndjson"));
    assert_eq!(statuses(&answer.lines())[0], "pulling manifest");
    assert_eq!(progress(&answer), [0], "0 % at once");
    assert_eq!(sim.state("llama3.2:1b"), "pulling");
    // Half way: about half the percents, each at its own time.
    sim.advance(PULL_MS / 2.0);
    let half = sim.so_far(id);
    assert!(!half.ended);
    assert_eq!(progress(&half).last(), Some(&(TOTAL * 50 / 100)));
    let lines_at: Vec<f64> = half.writes.iter().map(|(t, _)| *t).collect();
    assert!(
        lines_at.len() >= 50,
        "the percents came one by one: {lines_at:?}"
    );
    sim.advance(PULL_MS / 2.0);
    let done = sim.so_far(id);
    assert!(done.ended);
    let lines = done.lines();
    let completed = progress(&done);
    every_percent(&completed, 100);
    assert_eq!(completed.last(), Some(&TOTAL));
    let tail: Vec<String> = statuses(&lines).split_off(lines.len() - 3);
    assert_eq!(
        tail,
        ["verifying sha256 digest", "writing manifest", "success"]
    );
    assert_eq!(sim.state("llama3.2:1b"), "available");
    // The pulled model's digest in the stream is the one /api/tags shows.
    let tags = sim.call("GET", "/api/tags", Value::Null).1;
    assert_eq!(tags["models"][0]["name"], "llama3.2:1b");
    assert_eq!(tags["models"][0]["digest"], lines[1]["digest"]);
}

#[test]
fn a_late_poll_catches_up_every_percent_it_missed() {
    let mut sim = server(json!({}));
    let id = sim.open("POST", "/api/pull", r#"{"name": "llama3.2:1b"}"#);
    sim.jump(PULL_MS * 0.37 + 1.0);
    let answer = sim.so_far(id);
    every_percent(&progress(&answer), 37);
    assert_eq!(progress(&answer).len(), 38);
    sim.jump(PULL_MS); // past the end in one step
    let answer = sim.so_far(id);
    assert!(answer.ended);
    every_percent(&progress(&answer), 100);
    assert_eq!(statuses(&answer.lines()).last().unwrap(), "success");
}

#[test]
fn stream_false_answers_once_at_the_end() {
    let mut sim = server(json!({}));
    let id = sim.open(
        "POST",
        "/api/pull",
        r#"{"model": "llama3.2:1b", "stream": false, "insecure": true}"#,
    );
    assert!(sim.so_far(id).head.is_none(), "nothing until the pull ends");
    sim.advance(PULL_MS - 1.0);
    assert!(sim.so_far(id).head.is_none());
    sim.advance(1.0);
    let answer = sim.so_far(id);
    assert_eq!(
        (answer.code(), answer.json(), answer.ended),
        (200, json!({"status": "success"}), true)
    );
    assert_eq!(
        answer.header("content-type"),
        Some("application/json; charset=utf-8")
    );
}

#[test]
fn a_known_model_answers_at_once_with_the_manifest_and_success() {
    let mut sim = server(json!({}));
    let id = sim.open("POST", "/api/pull", r#"{"model": "gpt2-small"}"#);
    let answer = sim.so_far(id);
    assert!(answer.ended);
    let lines = answer.lines();
    assert_eq!(
        statuses(&lines),
        [
            "pulling manifest",
            &format!("pulling {}", &lines[1]["digest"].as_str().unwrap()[7..19]),
            "verifying sha256 digest",
            "writing manifest",
            "success"
        ]
    );
    assert_eq!(lines[1]["total"], 500_000_000u64);
    assert_eq!(lines[1]["completed"], lines[1]["total"]);
    assert_eq!(
        sim.call(
            "POST",
            "/api/pull",
            json!({"model": "gpt2-small", "stream": false})
        ),
        (200, json!({"status": "success"}))
    );
    assert!(sim.events.is_empty(), "no job for a model on disk");
}

#[test]
fn an_unknown_name_is_404_at_once_and_a_bad_one_400() {
    let mut sim = server(json!({}));
    assert_eq!(
        sim.call("POST", "/api/pull", json!({"model": "no-such-model:1b"})),
        (
            404,
            json!({"error": "pull model manifest: file does not exist"})
        )
    );
    let (status, body) = sim.call("POST", "/api/pull", json!({"model": "bad name!"}));
    assert_eq!(status, 400);
    assert!(
        body["error"].as_str().unwrap().contains("not a valid name"),
        "{body}"
    );
    assert!(sim.events.is_empty());
}

#[test]
fn the_implicit_latest_tag_finds_the_remote_model() {
    let mut sim = server(json!({}));
    let id = sim.open(
        "POST",
        "/api/pull",
        r#"{"model": "nomic-embed-text:latest"}"#,
    );
    assert_eq!(sim.so_far(id).code(), 200);
    assert_eq!(sim.state("nomic-embed-text"), "pulling");
}

#[test]
fn a_failed_pull_ends_with_an_error_line() {
    let mut sim = server(json!({}));
    sim.request(json!({"pull_model": {"model_name": "llama3.2:1b", "simulate": {"fail_at_progress": 0.55, "error": "registry unreachable"}}}));
    // A second caller shares the pull in progress, as Ollama's do.
    let id = sim.open("POST", "/api/pull", r#"{"model": "llama3.2:1b"}"#);
    let quiet = sim.open(
        "POST",
        "/api/pull",
        r#"{"model": "llama3.2:1b", "stream": false}"#,
    );
    sim.advance(PULL_MS);
    let answer = sim.so_far(id);
    assert!(answer.ended);
    let lines = answer.lines();
    assert_eq!(
        lines.last().unwrap(),
        &json!({"error": "registry unreachable"})
    );
    every_percent(&progress(&answer), 49);
    assert!(!statuses(&lines).contains(&"success".to_string()));
    let quiet = sim.so_far(quiet);
    assert_eq!(
        (quiet.code(), quiet.json()),
        (500, json!({"error": "registry unreachable"}))
    );
    assert_eq!(
        sim.state("llama3.2:1b"),
        "unknown",
        "a first pull that fails leaves no trace"
    );
}

#[test]
fn cancelling_the_stream_leaves_the_pull_running() {
    let mut sim = server(json!({}));
    let id = sim.open("POST", "/api/pull", r#"{"model": "llama3.2:1b"}"#);
    sim.advance(100.0);
    sim.facade.cancel(id);
    assert_eq!(sim.facade.open_count(), 0);
    assert_eq!(sim.facade.poll_timeout(), None);
    assert_eq!(sim.state("llama3.2:1b"), "pulling");
    sim.advance(PULL_MS);
    assert_eq!(sim.state("llama3.2:1b"), "available");
}

#[test]
fn a_queued_pull_shows_progress_from_when_it_starts() {
    let mut sim = server(json!({"residency": {"parallelLoads": 1}}));
    sim.request(json!({"pull_model": "qwen2.5:0.5b"})); // 560 ms, holds the slot
    let id = sim.open("POST", "/api/pull", r#"{"model": "llama3.2:1b"}"#);
    sim.advance(500.0);
    assert_eq!(
        statuses(&sim.so_far(id).lines()),
        ["pulling manifest"],
        "queued: no progress"
    );
    assert_eq!(sim.facade.poll_timeout(), None);
    sim.advance(60.0 + PULL_MS / 10.0);
    every_percent(&progress(&sim.so_far(id)), 10);
    sim.advance(PULL_MS);
    assert!(sim.so_far(id).ended);
    every_percent(&progress(&sim.so_far(id)), 100);
}
