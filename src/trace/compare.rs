//! What replay compares: responses as JSON, without the measured fields.

use serde_json::Value;

/// Fields measured on the wall clock, not simulated: never compared. The
/// selection's own time and target, and `metrics`' selection figures.
pub const MEASURED: [&str; 5] = [
    "selection_time_ms",
    "performance_target_met",
    "mean_ms",
    "p99_ms",
    "max_ms",
];

/// `value` without the measured fields, at any depth.
pub fn simulated(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !MEASURED.contains(&k.as_str()))
                .map(|(k, v)| (k.clone(), simulated(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(simulated).collect()),
        // Numbers as JavaScript holds them: a trace that went through
        // `JSON.parse` has `0` where the server wrote `0.0`.
        Value::Number(n) => n
            .as_f64()
            .and_then(serde_json::Number::from_f64)
            .map_or_else(|| value.clone(), Value::Number),
        other => other.clone(),
    }
}

/// Whether two responses agree on everything simulated.
pub fn same(expected: &Value, actual: &Value) -> bool {
    simulated(expected) == simulated(actual)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn measured_fields_are_ignored_at_any_depth() {
        let a =
            json!({"selection_time_ms": 1.0, "m": {"selections": {"count": 1, "mean_ms": 2.0}}});
        let b =
            json!({"selection_time_ms": 9.0, "m": {"selections": {"count": 1, "mean_ms": 7.0}}});
        assert!(same(&a, &b));
        assert!(!same(&a, &json!({"m": {"selections": {"count": 2}}})));
        assert!(same(
            &json!({"elapsed_time": 0}),
            &json!({"elapsed_time": 0.0})
        ));
        assert!(!same(
            &json!({"elapsed_time": 1}),
            &json!({"elapsed_time": 0.5})
        ));
    }
}
