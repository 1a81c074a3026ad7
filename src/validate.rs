//! Request validation: JSON in, a typed [`Request`] or the first fault out, in
//! the order SPEC §3 fixes. Stateless: duplicates, capacity and everything
//! else that depends on the server's state are the engine's to check.

use crate::error::{ApiError, ErrorCode};
use crate::model::{ModelSpec, Tier, MAX_MODEL_GB};
use crate::protocol::{
    Command, HotLoad, LoadModel, PlanRequest, Priority, PullModel, Request, RequestId, Selection,
    SimulatedFailure,
};
use crate::text::{is_capability_tag, is_model_name, kind_of, num, quote, quote_value};
use serde_json::{Map, Value};

/// Commands in the order error messages list them.
pub const COMMANDS: [&str; 17] = [
    "hot_load",
    "load_status",
    "list_models",
    "model",
    "cancel_load",
    "unload_model",
    "list_jobs",
    "metrics",
    "system_status",
    "pull_model",
    "load_model",
    "delete_model",
    "pin_model",
    "unpin_model",
    "list_repository",
    "plan_load",
    "set_keep_alive",
];

/// Keys that together form one command: selection by need.
pub const SELECT_KEYS: [&str; 4] = ["capabilities", "priority", "auto_select", "explain"];

const DEFAULT_CAPABILITY: &str = "text-generation";
const MAX_CAPABILITIES: usize = 16;
/// Longest `simulate.error` kept; longer text is cut.
pub const MAX_SIMULATED_ERROR: usize = 256;

/// A rejected request, with the `request_id` to echo if it was read before the fault.
#[derive(Debug, Clone, PartialEq)]
pub struct Rejection {
    pub request_id: Option<RequestId>,
    pub error: ApiError,
}

fn fault(code: ErrorCode, reason: impl Into<String>) -> ApiError {
    ApiError::new(code, reason)
}

/// Reads request text: the one reader of requests (objects from JavaScript
/// arrive as their `JSON.stringify` text). Text that is not JSON is
/// `malformed_json`; a key given twice in one object is `invalid_request`.
pub fn parse_text(text: &str) -> Result<Request, Rejection> {
    match parse_json(text) {
        Ok(value) => parse_value(&value),
        Err(JsonFault::DuplicateKey(key)) => Err(Rejection {
            request_id: None,
            error: fault(
                ErrorCode::InvalidRequest,
                format!(
                    "The request has the key {} twice in one object; give each key once.",
                    quote(&key)
                ),
            ),
        }),
        Err(JsonFault::Syntax(e)) => Err(Rejection {
            request_id: None,
            error: fault(
                ErrorCode::MalformedJson,
                format!("The request is not valid JSON: {e}."),
            ),
        }),
    }
}

/// Why text could not be read as JSON.
#[derive(Debug)]
pub enum JsonFault {
    Syntax(serde_json::Error),
    /// The same key twice in one object: two readers could see two requests.
    DuplicateKey(String),
}

impl std::fmt::Display for JsonFault {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            JsonFault::Syntax(e) => e.fmt(f),
            JsonFault::DuplicateKey(key) => write!(f, "the key {} is given twice", quote(key)),
        }
    }
}

/// JSON text to a value, as `JSON.parse` reads it, except that a key given
/// twice in one object is refused rather than the last one winning. A lone
/// surrogate escape (which serde_json refuses) becomes U+FFFD. Nesting deeper
/// than 128 levels is refused.
pub fn parse_json(text: &str) -> Result<Value, JsonFault> {
    strict_json(text).or_else(|e| match (&e, crate::text::repair_lone_surrogates(text)) {
        (JsonFault::Syntax(_), Some(repaired)) => strict_json(&repaired),
        _ => Err(e),
    })
}

fn strict_json(text: &str) -> Result<Value, JsonFault> {
    use serde::de::DeserializeSeed;
    let duplicate = std::cell::RefCell::new(None);
    let mut reader = serde_json::Deserializer::from_str(text);
    let value = Strict(&duplicate)
        .deserialize(&mut reader)
        .and_then(|value| reader.end().map(|()| value));
    match (value, duplicate.into_inner()) {
        (Err(e), _) => Err(JsonFault::Syntax(e)),
        (Ok(_), Some(key)) => Err(JsonFault::DuplicateKey(key)),
        (Ok(value), None) => Ok(value),
    }
}

/// Builds a [`Value`] as serde_json's own does, noting a duplicate key.
struct Strict<'a>(&'a std::cell::RefCell<Option<String>>);

impl<'de> serde::de::DeserializeSeed<'de> for Strict<'_> {
    type Value = Value;
    fn deserialize<D: serde::Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> serde::de::Visitor<'de> for Strict<'_> {
    type Value = Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, b: bool) -> Result<Value, E> {
        Ok(Value::Bool(b))
    }
    fn visit_i64<E>(self, n: i64) -> Result<Value, E> {
        Ok(Value::from(n))
    }
    fn visit_u64<E>(self, n: u64) -> Result<Value, E> {
        Ok(Value::from(n))
    }
    fn visit_f64<E>(self, n: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(n).map_or(Value::Null, Value::Number))
    }
    fn visit_str<E>(self, s: &str) -> Result<Value, E> {
        Ok(Value::String(s.to_owned()))
    }
    fn visit_string<E>(self, s: String) -> Result<Value, E> {
        Ok(Value::String(s))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(16));
        while let Some(item) = seq.next_element_seed(Strict(self.0))? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut members = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Strict(self.0))?;
            if members.contains_key(&key) {
                // The first one found is reported; reading goes on, so that
                // text that is not JSON is still reported as such.
                self.0.borrow_mut().get_or_insert(key);
            } else {
                members.insert(key, value);
            }
        }
        Ok(Value::Object(members))
    }
}

/// Validates a parsed request.
pub fn parse_value(value: &Value) -> Result<Request, Rejection> {
    let Some(obj) = value.as_object() else {
        return Err(Rejection {
            request_id: None,
            error: fault(
                ErrorCode::InvalidRequest,
                format!("A request must be a JSON object, not {}.", kind_of(value)),
            ),
        });
    };
    let request_id = match obj.get("request_id") {
        None => None,
        Some(Value::String(s)) => Some(RequestId::Text(s.clone())),
        Some(Value::Number(n)) => n.as_f64().map(RequestId::Number),
        Some(other) => {
            return Err(Rejection {
                request_id: None,
                error: fault(
                    ErrorCode::InvalidRequest,
                    format!(
                        "request_id must be a string or a number, not {}.",
                        kind_of(other)
                    ),
                ),
            })
        }
    };
    match parse_command(obj) {
        Ok(command) => Ok(Request {
            id: request_id,
            command,
        }),
        Err(error) => Err(Rejection { request_id, error }),
    }
}

fn parse_command(obj: &Map<String, Value>) -> Result<Command, ApiError> {
    // One pass over the keys: the first unknown one, the command, and how many.
    let mut unknown = None;
    let mut command = None;
    let mut count = 0;
    let mut selects_by_need = false;
    for key in obj.keys() {
        let key = key.as_str();
        if let Some(&name) = COMMANDS.iter().find(|c| **c == key) {
            command = Some(name);
            count += 1;
        } else if SELECT_KEYS.contains(&key) {
            selects_by_need = true;
        } else if key != "request_id" && unknown.is_none() {
            unknown = Some(key);
        }
    }
    if let Some(key) = unknown {
        return Err(fault(
            ErrorCode::UnknownField,
            format!(
                "Unknown field {}; the commands are {} and capabilities/priority/auto_select.",
                quote(key),
                COMMANDS.join(", ")
            ),
        ));
    }
    let count = count + usize::from(selects_by_need);
    if count == 0 {
        return Err(fault(
            ErrorCode::InvalidRequest,
            format!(
                "The request has no command; send one of {} or capabilities/priority/auto_select.",
                COMMANDS.join(", ")
            ),
        ));
    }
    if count > 1 {
        let mut named: Vec<&str> = COMMANDS
            .iter()
            .copied()
            .filter(|c| obj.contains_key(*c))
            .collect();
        if selects_by_need {
            named.push("selection by need");
        }
        return Err(fault(
            ErrorCode::AmbiguousRequest,
            format!(
                "The request has {count} commands ({}); send exactly one.",
                named.join(", ")
            ),
        ));
    }
    let Some(name) = command else {
        return parse_selection_by_need(obj).map(Command::Select);
    };
    let value = obj.get(name).unwrap_or(&Value::Null);
    match name {
        "hot_load" => parse_hot_load(value).map(Command::HotLoad),
        "load_status" => text_value(name, value, "a job id").map(Command::LoadStatus),
        "model" => {
            text_value(name, value, "a model name").map(|m| Command::Select(Selection::Named(m)))
        }
        "cancel_load" => text_value(name, value, "a job id").map(Command::CancelLoad),
        "unload_model" => text_value(name, value, "a model name").map(Command::UnloadModel),
        "list_models" => flag(name, value).map(|()| Command::ListModels),
        "list_jobs" => flag(name, value).map(|()| Command::ListJobs),
        "metrics" => flag(name, value).map(|()| Command::Metrics),
        "system_status" => flag(name, value).map(|()| Command::SystemStatus),
        "pull_model" => parse_pull(value).map(Command::PullModel),
        "load_model" => parse_load(value).map(Command::LoadModel),
        "delete_model" => text_value(name, value, "a model name").map(Command::DeleteModel),
        "pin_model" => text_value(name, value, "a model name").map(|m| Command::Pin(m, true)),
        "unpin_model" => text_value(name, value, "a model name").map(|m| Command::Pin(m, false)),
        "list_repository" => flag(name, value).map(|()| Command::ListRepository),
        "set_keep_alive" => parse_set_keep_alive(value),
        _ => parse_plan(value).map(Command::PlanLoad),
    }
}

fn text_value(command: &str, value: &Value, what: &str) -> Result<String, ApiError> {
    match value {
        Value::String(s) => Ok(s.clone()),
        other => Err(fault(
            ErrorCode::InvalidRequest,
            format!(
                "{command} must be {what} (a string), not {}.",
                kind_of(other)
            ),
        )),
    }
}

fn flag(command: &str, value: &Value) -> Result<(), ApiError> {
    if value == &Value::Bool(true) {
        Ok(())
    } else {
        Err(fault(
            ErrorCode::InvalidRequest,
            format!("{command} must be true, not {}.", quote_value(value)),
        ))
    }
}

fn parse_selection_by_need(obj: &Map<String, Value>) -> Result<Selection, ApiError> {
    if let Some(auto) = obj.get("auto_select") {
        if auto != &Value::Bool(true) {
            return Err(fault(
                ErrorCode::InvalidRequest,
                format!("auto_select must be true, not {}.", quote_value(auto)),
            ));
        }
    }
    let capabilities = match obj.get("capabilities") {
        None => vec![DEFAULT_CAPABILITY.to_string()],
        Some(v) => parse_capabilities(v)?,
    };
    let priority = match obj.get("priority") {
        None => Priority::Balanced,
        Some(Value::String(s)) => priority_of(s)?,
        Some(other) => {
            return Err(fault(
                ErrorCode::InvalidRequest,
                format!(
                    "priority must be \"speed\", \"quality\" or \"balanced\", not {}.",
                    kind_of(other)
                ),
            ))
        }
    };
    let explain = match obj.get("explain") {
        None => false,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            return Err(fault(
                ErrorCode::InvalidRequest,
                format!("explain must be true or false, not {}.", kind_of(other)),
            ))
        }
    };
    Ok(Selection::ByNeed {
        capabilities,
        priority,
        explain,
    })
}

fn parse_hot_load(value: &Value) -> Result<HotLoad, ApiError> {
    let obj = members(
        "hot_load",
        value,
        &["model_name", "model_config", "simulate", "keep_alive"],
        "an object with model_name and model_config",
    )?;
    let Some(config) = obj.get("model_config") else {
        return Err(fault(
            ErrorCode::InvalidConfig,
            "hot_load is missing model_config.",
        ));
    };
    let model_name = parse_model_name(obj.get("model_name"))?;
    let spec = parse_model_config(config)?;
    let simulate = obj.get("simulate").map(parse_simulate).transpose()?;
    let keep_alive = obj.get("keep_alive").map(parse_keep_alive).transpose()?;
    Ok(HotLoad {
        model_name,
        spec,
        simulate,
        keep_alive,
    })
}

/// The members of a command's object, after its own unknown fields are refused.
fn members<'a>(
    command: &str,
    value: &'a Value,
    fields: &[&str],
    shape: &str,
) -> Result<&'a Map<String, Value>, ApiError> {
    let Some(obj) = value.as_object() else {
        return Err(fault(
            ErrorCode::InvalidRequest,
            format!("{command} must be {shape}, not {}.", kind_of(value)),
        ));
    };
    if let Some(key) = obj.keys().find(|k| !fields.contains(&k.as_str())) {
        return Err(fault(
            ErrorCode::UnknownField,
            format!(
                "{command} has an unknown field {}; it takes {}.",
                quote(key),
                fields.join(", ")
            ),
        ));
    }
    Ok(obj)
}

/// `plan_load`: `{"hot_load": …}`, `{"load_model": …}` or `{"pull_model": …}`.
/// The shape of `plan_load` itself is checked here; a fault of the request
/// inside is the plan's answer (refused), not an error of `plan_load`.
fn parse_plan(value: &Value) -> Result<Result<PlanRequest, ApiError>, ApiError> {
    const PLANNED: [&str; 3] = ["hot_load", "load_model", "pull_model"];
    let obj = members(
        "plan_load",
        value,
        &PLANNED,
        "an object with one of hot_load, load_model, pull_model",
    )?;
    let mut keys = obj.keys();
    let (Some(key), None) = (keys.next(), keys.next()) else {
        return Err(fault(
            ErrorCode::InvalidRequest,
            "plan_load takes exactly one of hot_load, load_model, pull_model.",
        ));
    };
    let inner = obj.get(key.as_str()).unwrap_or(&Value::Null);
    Ok(match key.as_str() {
        "hot_load" => parse_hot_load(inner).map(PlanRequest::HotLoad),
        "load_model" => parse_load(inner).map(PlanRequest::LoadModel),
        _ => parse_pull(inner).map(PlanRequest::PullModel),
    })
}

/// The members of a command's object, when its value is one.
type Members<'a> = Option<&'a Map<String, Value>>;

/// A command whose value is a model name, or an object with `model_name` and
/// some of `fields`: the name (checked), and the object if there is one.
fn named<'a>(
    command: &str,
    value: &'a Value,
    fields: &[&str],
) -> Result<(String, Members<'a>), ApiError> {
    if let Value::String(_) = value {
        return Ok((parse_model_name(Some(value))?, None));
    }
    let obj = members(
        command,
        value,
        fields,
        "a model name or an object with model_name",
    )?;
    Ok((parse_model_name(obj.get("model_name"))?, Some(obj)))
}

/// `pull_model`: a name, or `{model_name, model_config?, simulate?}`.
fn parse_pull(value: &Value) -> Result<PullModel, ApiError> {
    let (model_name, obj) = named(
        "pull_model",
        value,
        &["model_name", "model_config", "simulate"],
    )?;
    let field = |key: &str| obj.and_then(|o| o.get(key));
    Ok(PullModel {
        model_name,
        spec: field("model_config").map(parse_model_config).transpose()?,
        simulate: field("simulate").map(parse_simulate).transpose()?,
    })
}

/// `load_model`: a name, or `{model_name, keep_alive?, simulate?}`.
fn parse_load(value: &Value) -> Result<LoadModel, ApiError> {
    let (model_name, obj) = named(
        "load_model",
        value,
        &["model_name", "keep_alive", "simulate"],
    )?;
    let field = |key: &str| obj.and_then(|o| o.get(key));
    Ok(LoadModel {
        model_name,
        keep_alive: field("keep_alive").map(parse_keep_alive).transpose()?,
        simulate: field("simulate").map(parse_simulate).transpose()?,
    })
}

/// `set_keep_alive`: `{model_name, keep_alive}`, both required.
fn parse_set_keep_alive(value: &Value) -> Result<Command, ApiError> {
    let obj = members(
        "set_keep_alive",
        value,
        &["model_name", "keep_alive"],
        "an object with model_name and keep_alive",
    )?;
    let model_name = parse_model_name(obj.get("model_name"))?;
    let Some(keep_alive) = obj.get("keep_alive") else {
        return Err(fault(
            ErrorCode::InvalidConfig,
            "set_keep_alive is missing keep_alive (seconds; negative: never expire).",
        ));
    };
    Ok(Command::SetKeepAlive(
        model_name,
        parse_keep_alive(keep_alive)?,
    ))
}

/// `keep_alive`: seconds an idle model stays ready; negative: never.
fn parse_keep_alive(value: &Value) -> Result<f64, ApiError> {
    match value.as_f64() {
        Some(seconds) if seconds.is_finite() => Ok(if seconds < 0.0 { -1.0 } else { seconds }),
        _ => Err(fault(
            ErrorCode::InvalidConfig,
            format!(
                "keep_alive must be a number of seconds (negative: never expire), not {}.",
                kind_of(value)
            ),
        )),
    }
}

/// `model_name`: present, a string, and of the spec's pattern.
pub fn parse_model_name(value: Option<&Value>) -> Result<String, ApiError> {
    match value {
        None => Err(fault(ErrorCode::InvalidModelName, "model_name is missing.")),
        Some(Value::String(s)) if is_model_name(s) => Ok(s.clone()),
        Some(Value::String(s)) => Err(fault(
            ErrorCode::InvalidModelName,
            format!(
                "model_name {} is not a valid name: use 1 to 128 letters, digits and . _ : / -, starting with a letter or digit.",
                quote(s)
            ),
        )),
        Some(other) => Err(fault(
            ErrorCode::InvalidModelName,
            format!("model_name must be a string, not {}.", kind_of(other)),
        )),
    }
}

/// `model_config`: exactly `size_gb`, `tier` and `capabilities`, checked in SPEC order.
pub fn parse_model_config(value: &Value) -> Result<ModelSpec, ApiError> {
    let Some(obj) = value.as_object() else {
        return Err(fault(
            ErrorCode::InvalidConfig,
            format!(
                "model_config must be an object with size_gb, tier and capabilities, not {}.",
                kind_of(value)
            ),
        ));
    };
    if let Some(key) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "size_gb" | "tier" | "capabilities"))
    {
        return Err(fault(
            ErrorCode::UnknownField,
            format!(
                "model_config has an unknown field {}; it takes size_gb, tier and capabilities.",
                quote(key)
            ),
        ));
    }
    let (Some(size), Some(tier), Some(capabilities)) =
        (obj.get("size_gb"), obj.get("tier"), obj.get("capabilities"))
    else {
        let missing: Vec<&str> = ["size_gb", "tier", "capabilities"]
            .into_iter()
            .filter(|k| !obj.contains_key(*k))
            .collect();
        return Err(fault(
            ErrorCode::InvalidConfig,
            format!("model_config is missing {}.", missing.join(" and ")),
        ));
    };
    let size_gb = match size.as_f64() {
        Some(s) if s.is_finite() && s > 0.0 => s,
        Some(_) => {
            return Err(fault(
                ErrorCode::InvalidSize,
                "size_gb must be a finite number greater than 0.",
            ))
        }
        None => {
            return Err(fault(
                ErrorCode::InvalidSize,
                format!(
                    "size_gb must be a finite number greater than 0, not {}.",
                    kind_of(size)
                ),
            ))
        }
    };
    if tier == "storage" || size_gb > MAX_MODEL_GB {
        return Err(fault(
            ErrorCode::TooLarge,
            format!("A {} GB model belongs to the storage tier, which is rejected for safety (the limit is 7 GB, in swap).", num(size_gb)),
        ));
    }
    let tier = match tier.as_str().and_then(Tier::parse) {
        Some(t) => t,
        None => {
            return Err(fault(
                ErrorCode::InvalidTier,
                format!("tier {} is not \"ram\" or \"swap\".", quote_value(tier)),
            ))
        }
    };
    if size_gb > tier.size_limit_gb() {
        return Err(fault(
            ErrorCode::TooLarge,
            format!(
                "A {} GB model is too large for the {} tier, which takes models up to {} GB.",
                num(size_gb),
                tier.as_str(),
                num(tier.size_limit_gb())
            ),
        ));
    }
    let capabilities = parse_capabilities(capabilities)?;
    Ok(ModelSpec {
        size_gb,
        tier,
        capabilities,
    })
}

/// 1 to 16 distinct lowercase tags.
fn priority_of(text: &str) -> Result<Priority, ApiError> {
    Priority::parse(text).ok_or_else(|| {
        fault(
            ErrorCode::InvalidRequest,
            format!(
                "priority {} is not one of speed, quality, balanced.",
                quote(text)
            ),
        )
    })
}

pub fn parse_capabilities(value: &Value) -> Result<Vec<String>, ApiError> {
    let Some(items) = value.as_array() else {
        return Err(fault(
            ErrorCode::InvalidCapabilities,
            format!(
                "capabilities must be a list of 1 to 16 tags, not {}.",
                kind_of(value)
            ),
        ));
    };
    tags(
        items.len(),
        items.iter().map(|item| item.as_str().ok_or(item)),
    )
}

fn not_a_tag(quoted: &str) -> ApiError {
    fault(
        ErrorCode::InvalidCapabilities,
        format!(
            "capability {quoted} is not a tag: use 1 to 64 lowercase letters, digits and -, starting with a letter or digit."
        ),
    )
}

/// Checks a list of tags, each a text or (as `Err`) another JSON value.
fn tags<'a>(
    count: usize,
    items: impl Iterator<Item = Result<&'a str, &'a Value>>,
) -> Result<Vec<String>, ApiError> {
    if count == 0 || count > MAX_CAPABILITIES {
        return Err(fault(
            ErrorCode::InvalidCapabilities,
            format!("capabilities must list 1 to 16 tags, not {count}."),
        ));
    }
    let mut tags: Vec<String> = Vec::with_capacity(count);
    for item in items {
        let tag = match item {
            Ok(tag) if is_capability_tag(tag) => tag,
            Ok(text) => return Err(not_a_tag(&quote(text))),
            Err(value) => return Err(not_a_tag(&quote_value(value))),
        };
        if tags.iter().any(|t| t == tag) {
            return Err(fault(
                ErrorCode::InvalidCapabilities,
                format!("capability {} is listed twice.", quote(tag)),
            ));
        }
        tags.push(tag.to_string());
    }
    Ok(tags)
}

fn parse_simulate(value: &Value) -> Result<SimulatedFailure, ApiError> {
    let Some(obj) = value.as_object() else {
        return Err(fault(
            ErrorCode::InvalidConfig,
            format!(
                "simulate must be an object with fail_at_progress, not {}.",
                kind_of(value)
            ),
        ));
    };
    if let Some(key) = obj
        .keys()
        .find(|k| !matches!(k.as_str(), "fail_at_progress" | "error"))
    {
        return Err(fault(
            ErrorCode::UnknownField,
            format!(
                "simulate has an unknown field {}; it takes fail_at_progress and error.",
                quote(key)
            ),
        ));
    }
    let at_progress = match obj.get("fail_at_progress").and_then(Value::as_f64) {
        Some(p) if (0.0..=1.0).contains(&p) => p,
        _ => {
            return Err(fault(
                ErrorCode::InvalidConfig,
                "simulate.fail_at_progress must be a number from 0 to 1.",
            ))
        }
    };
    let error = match obj.get("error") {
        None => String::from("simulated failure"),
        Some(Value::String(s)) => {
            crate::text::neutralize(&s.chars().take(MAX_SIMULATED_ERROR).collect::<String>())
        }
        Some(other) => {
            return Err(fault(
                ErrorCode::InvalidConfig,
                format!("simulate.error must be text, not {}.", kind_of(other)),
            ))
        }
    };
    Ok(SimulatedFailure { at_progress, error })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn code(v: Value) -> ErrorCode {
        match parse_value(&v) {
            Ok(r) => panic!("accepted {r:?}"),
            Err(r) => r.error.code,
        }
    }

    fn hot(config: Value) -> Value {
        json!({"hot_load": {"model_name": "m", "model_config": config}})
    }

    #[test]
    fn envelope_faults_in_order() {
        assert_eq!(
            parse_text("{").map_err(|r| r.error.code),
            Err(ErrorCode::MalformedJson)
        );
        assert_eq!(code(json!([1])), ErrorCode::InvalidRequest);
        assert_eq!(
            code(json!({"request_id": [], "bogus": 1})),
            ErrorCode::InvalidRequest
        );
        assert_eq!(
            code(json!({"bogus": 1, "list_models": true, "metrics": true})),
            ErrorCode::UnknownField
        );
        assert_eq!(
            code(json!({"list_models": true, "metrics": true})),
            ErrorCode::AmbiguousRequest
        );
        assert_eq!(
            code(json!({"model": "a", "priority": "speed"})),
            ErrorCode::AmbiguousRequest
        );
        assert_eq!(code(json!({})), ErrorCode::InvalidRequest);
        assert_eq!(code(json!({"request_id": 7})), ErrorCode::InvalidRequest);
        assert_eq!(
            code(json!({"list_models": false})),
            ErrorCode::InvalidRequest
        );
        assert_eq!(code(json!({"load_status": 5})), ErrorCode::InvalidRequest);
        assert_eq!(code(json!({"hot_load": "x"})), ErrorCode::InvalidRequest);
    }

    #[test]
    fn request_id_is_kept_for_later_faults() {
        let r = parse_value(&json!({"request_id": "r1", "list_models": 1})).err();
        assert_eq!(
            r.and_then(|r| r.request_id),
            Some(RequestId::Text("r1".into()))
        );
    }

    #[test]
    fn hot_load_faults_in_order() {
        let caps = json!(["chat"]);
        assert_eq!(
            code(json!({"hot_load": {"model_name": 1, "x": 1}})),
            ErrorCode::UnknownField
        );
        assert_eq!(
            code(json!({"hot_load": {"model_name": "<b>"}})),
            ErrorCode::InvalidConfig
        );
        assert_eq!(
            code(json!({"hot_load": {"model_config": {}}})),
            ErrorCode::InvalidModelName
        );
        assert_eq!(
            code(json!({"hot_load": {"model_name": "<b>", "model_config": {}}})),
            ErrorCode::InvalidModelName
        );
        assert_eq!(code(hot(json!(3))), ErrorCode::InvalidConfig);
        assert_eq!(
            code(hot(json!({"size_gb": "x", "extra": 1}))),
            ErrorCode::UnknownField
        );
        assert_eq!(
            code(hot(json!({"size_gb": -1, "tier": "ram"}))),
            ErrorCode::InvalidConfig
        );
        assert_eq!(
            code(hot(
                json!({"size_gb": "2", "tier": "disk", "capabilities": 1})
            )),
            ErrorCode::InvalidSize
        );
        assert_eq!(
            code(hot(
                json!({"size_gb": 0, "tier": "ram", "capabilities": caps})
            )),
            ErrorCode::InvalidSize
        );
        assert_eq!(
            code(hot(
                json!({"size_gb": 8, "tier": "disk", "capabilities": 1})
            )),
            ErrorCode::TooLarge
        );
        assert_eq!(
            code(hot(
                json!({"size_gb": 1, "tier": "storage", "capabilities": 1})
            )),
            ErrorCode::TooLarge
        );
        assert_eq!(
            code(hot(
                json!({"size_gb": 1, "tier": "disk", "capabilities": 1})
            )),
            ErrorCode::InvalidTier
        );
        assert_eq!(
            code(hot(json!({"size_gb": 4, "tier": "ram", "capabilities": 1}))),
            ErrorCode::TooLarge
        );
        assert_eq!(
            code(hot(
                json!({"size_gb": 1, "tier": "ram", "capabilities": []})
            )),
            ErrorCode::InvalidCapabilities
        );
        assert_eq!(
            code(hot(
                json!({"size_gb": 1, "tier": "ram", "capabilities": ["a", "a"]})
            )),
            ErrorCode::InvalidCapabilities
        );
        let with_sim = |s: Value| {
            json!({"hot_load": {"model_name": "m", "simulate": s,
                "model_config": {"size_gb": 1, "tier": "ram", "capabilities": ["chat"]}}})
        };
        assert_eq!(
            code(with_sim(json!({"fail_at_progress": 2}))),
            ErrorCode::InvalidConfig
        );
        assert_eq!(
            code(with_sim(json!({"fail_at_progress": 0.5, "x": 1}))),
            ErrorCode::UnknownField
        );
        assert_eq!(
            code(with_sim(json!({"fail_at_progress": 0.5, "error": 3}))),
            ErrorCode::InvalidConfig
        );
        assert!(parse_value(&with_sim(json!({"fail_at_progress": 0.5}))).is_ok());
    }

    #[test]
    fn selection_faults_in_order() {
        assert_eq!(
            code(json!({"auto_select": false, "capabilities": 1})),
            ErrorCode::InvalidRequest
        );
        assert_eq!(
            code(json!({"capabilities": ["Chat"], "priority": 1})),
            ErrorCode::InvalidCapabilities
        );
        assert_eq!(code(json!({"priority": "fast"})), ErrorCode::InvalidRequest);
        let ok = parse_value(&json!({"auto_select": true})).map(|r| r.command);
        assert_eq!(
            ok,
            Ok(Command::Select(Selection::ByNeed {
                capabilities: vec!["text-generation".into()],
                priority: Priority::Balanced,
                explain: false
            }))
        );
    }

    #[test]
    fn reasons_quote_at_most_64_characters() {
        let long = "Z".repeat(5000);
        let r = parse_value(&json!({ long.clone(): 1 }))
            .err()
            .map(|r| r.error.reason)
            .unwrap_or_default();
        assert!(r.len() < 400, "{r}");
        assert!(!r.contains(&"Z".repeat(65)));
    }
}
