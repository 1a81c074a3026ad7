//! Ollama's request bodies, read as Go's `encoding/json` reads them into the
//! server's structs: the first JSON value only, `null` for "not given",
//! unknown fields ignored, keys matched case-insensitively (an exact match
//! wins), and `keep_alive` as `api.Duration` reads it.

use super::duration;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer};
use serde_json::{Map, Value};

/// `POST /api/generate`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Generate {
    #[serde(deserialize_with = "nullable")]
    pub model: String,
    #[serde(deserialize_with = "nullable")]
    pub prompt: String,
    pub stream: Option<bool>,
    pub keep_alive: Option<Value>,
}

/// `POST /api/chat`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Chat {
    #[serde(deserialize_with = "nullable")]
    pub model: String,
    #[serde(deserialize_with = "nullable")]
    pub messages: Vec<Message>,
    pub stream: Option<bool>,
    pub keep_alive: Option<Value>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Message {
    #[serde(deserialize_with = "nullable")]
    pub role: String,
    #[serde(deserialize_with = "nullable")]
    pub content: String,
}

/// `POST /api/pull`; `name` is the deprecated spelling of `model` (the npm
/// client still sends it). `insecure` is read and ignored, as Ollama does.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Pull {
    #[serde(deserialize_with = "nullable")]
    pub model: String,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    pub stream: Option<bool>,
    #[serde(deserialize_with = "nullable")]
    pub insecure: bool,
}

/// `DELETE /api/delete` and `POST /api/show`: `model`, or the older `name`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(super) struct Named {
    #[serde(deserialize_with = "nullable")]
    pub model: String,
    #[serde(deserialize_with = "nullable")]
    pub name: String,
    #[serde(deserialize_with = "nullable")]
    pub verbose: bool,
}

impl Pull {
    pub fn model(&self) -> &str {
        or(&self.model, &self.name)
    }
}

impl Named {
    pub fn model(&self) -> &str {
        or(&self.model, &self.name)
    }
}

/// Go's `cmp.Or`: the first that is not empty.
fn or<'a>(first: &'a str, second: &'a str) -> &'a str {
    if first.is_empty() {
        second
    } else {
        first
    }
}

/// `null` as the zero value, as Go leaves a field it reads `null` into.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de> + Default>(d: D) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Reads a body into `T` (Go's type name `go_type` for errors); the error is
/// the reason of a 400.
pub(super) fn read<T: DeserializeOwned + Default>(body: &str, go_type: &str) -> Result<T, String> {
    let first = serde_json::Deserializer::from_str(body)
        .into_iter::<Value>()
        .next();
    let value = match first {
        None => return Err("missing request body".to_string()),
        Some(Err(e)) => return Err(format!("the request body is not JSON: {e}")),
        Some(Ok(value)) => value,
    };
    let object = match value {
        Value::Null => return Ok(T::default()),
        Value::Object(object) => fold(object),
        other => {
            return Err(format!(
                "json: cannot unmarshal {} into Go value of type {go_type}",
                go_kind(&other)
            ))
        }
    };
    T::deserialize(Value::Object(object.clone())).map_err(|e| {
        // Name the field at fault: the first that cannot be read on its own.
        let field = object.iter().find(|(key, value)| {
            let mut alone = Map::new();
            alone.insert((*key).clone(), (*value).clone());
            T::deserialize(Value::Object(alone)).is_err()
        });
        match field {
            Some((key, _)) => format!("the field {key:?} is invalid: {e}"),
            None => format!("the request body is invalid: {e}"),
        }
    })
}

/// Keys as Go matches them to fields: case-insensitively (ASCII: every field
/// name here is), an exact (lower-case) match winning.
fn fold(object: Map<String, Value>) -> Map<String, Value> {
    let (exact, other): (Vec<_>, Vec<_>) = object
        .into_iter()
        .partition(|(key, _)| !key.bytes().any(|b| b.is_ascii_uppercase()));
    let mut folded = Map::new();
    for (key, value) in exact {
        folded.insert(key, value);
    }
    for (key, value) in other {
        folded.entry(key.to_ascii_lowercase()).or_insert(value);
    }
    folded
}

/// JSON kinds as Go's errors name them.
fn go_kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "bool",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// `keep_alive` as `api.Duration` reads it, in seconds (-1: never): a number
/// of seconds, or a Go duration string; negative means never. `None`: not given.
pub(super) fn keep_alive(value: &Option<Value>) -> Result<Option<f64>, String> {
    let seconds = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Number(n)) => n.as_f64().unwrap_or(0.0),
        Some(Value::String(text)) => duration::parse(text)? as f64 / 1e9,
        Some(other) => {
            let go_type = match other {
                Value::Bool(_) => "bool",
                Value::Array(_) => "[]interface {}",
                _ => "map[string]interface {}",
            };
            return Err(format!("Unsupported type: '{go_type}'"));
        }
    };
    // + 0.0 turns -0 into 0, which unloads as 0 does.
    Ok(Some(if seconds < 0.0 { -1.0 } else { seconds + 0.0 }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn keep_alive_reads_seconds_and_go_durations() {
        let read = |v: Value| keep_alive(&Some(v));
        assert_eq!(read(json!(300)), Ok(Some(300.0)));
        assert_eq!(read(json!(1.5)), Ok(Some(1.5)));
        assert_eq!(read(json!(-5)), Ok(Some(-1.0)));
        assert_eq!(read(json!(-0.0)), Ok(Some(0.0)));
        assert_eq!(read(json!("5m")), Ok(Some(300.0)));
        assert_eq!(read(json!("1h30m")), Ok(Some(5400.0)));
        assert_eq!(read(json!("300ms")), Ok(Some(0.3)));
        assert_eq!(read(json!("-1m")), Ok(Some(-1.0)));
        assert_eq!(read(json!("0")), Ok(Some(0.0)));
        assert_eq!(keep_alive(&None), Ok(None));
        assert_eq!(read(json!(null)), Ok(None));
        assert_eq!(read(json!(true)), Err("Unsupported type: 'bool'".into()));
        assert_eq!(
            read(json!([])),
            Err("Unsupported type: '[]interface {}'".into())
        );
        assert!(read(json!("5")).is_err_and(|e| e.contains("missing unit")));
    }

    #[test]
    fn bodies_read_as_go_reads_them() {
        let g: Generate = read(r#"{"model":"m","prompt":null,"extra":[1]} trailing"#, "x").unwrap();
        assert_eq!((g.model.as_str(), g.prompt.as_str()), ("m", ""));
        let g: Generate = read(r#"{"MODEL":"a","Prompt":"p"}"#, "x").unwrap();
        assert_eq!((g.model.as_str(), g.prompt.as_str()), ("a", "p"));
        let g: Generate = read(r#"{"Model":"b","model":"a"}"#, "x").unwrap();
        assert_eq!(g.model, "a", "an exact match wins");
        let g: Generate = read("null", "x").unwrap();
        assert_eq!(g.model, "");
        assert_eq!(
            read::<Generate>("  \n", "x").unwrap_err(),
            "missing request body"
        );
        assert_eq!(
            read::<Generate>("[1]", "api.GenerateRequest").unwrap_err(),
            "json: cannot unmarshal array into Go value of type api.GenerateRequest"
        );
        let e = read::<Generate>(r#"{"model":5}"#, "x").unwrap_err();
        assert!(e.starts_with("the field \"model\" is invalid"), "{e}");
        let e = read::<Pull>(r#"{"stream":"yes"}"#, "x").unwrap_err();
        assert!(e.starts_with("the field \"stream\" is invalid"), "{e}");
        assert!(read::<Generate>("{nope", "x")
            .unwrap_err()
            .contains("not JSON"));
        let p: Pull = read(r#"{"name":"n","insecure":true}"#, "x").unwrap();
        assert_eq!(p.model(), "n");
    }
}
