//! What every route writes alike: JSON bodies, each family's error shape,
//! NDJSON lines and server-sent events, RFC 3339 times and digests.

use super::Output;
use crate::model::ModelSpec;
use serde::Serialize;
use serde_json::json;

/// The route families, by the path's first segment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    /// `/hotload`, `/events`, `/_sim/…`, and any path no family claims.
    Native,
    /// `/api/…`
    Ollama,
    /// `/v1/…`
    OpenAi,
    /// `/v2/…`
    Triton,
}

impl Family {
    pub fn of(segments: &[&str]) -> Family {
        match segments.first() {
            Some(&"api") => Family::Ollama,
            Some(&"v1") => Family::OpenAi,
            Some(&"v2") => Family::Triton,
            _ => Family::Native,
        }
    }
}

/// JSON text of a value (serialization of the façade's own types cannot fail;
/// if it ever did, the answer would be `null`, never a panic).
pub fn to_json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "null".to_string())
}

/// The content type of JSON answers.
pub fn json_type() -> (&'static str, String) {
    (
        "content-type",
        "application/json; charset=utf-8".to_string(),
    )
}

/// One family's error answer: OpenAI's `{error: {message, type, param, code}}`,
/// everyone else's `{error}`.
pub fn error(out: &mut Output, family: Family, status: u16, reason: &str) {
    match family {
        Family::OpenAi => openai_error(out, status, reason, None, None),
        _ => out.json(status, &json!({ "error": reason })),
    }
}

/// OpenAI's error answer. `code` is a stable string (`model_not_found`) or
/// null, `param` the request field at fault or null. A 409 also carries
/// `x-should-retry: false`: OpenAI's clients retry a 409 ("lock timeout")
/// unless told not to, and a conflict here does not clear by retrying at once.
pub fn openai_error(
    out: &mut Output,
    status: u16,
    message: &str,
    param: Option<&str>,
    code: Option<&str>,
) {
    let kind = if status >= 500 {
        "server_error"
    } else {
        "invalid_request_error"
    };
    out.json(
        status,
        &json!({"error": {"message": message, "type": kind, "param": param, "code": code}}),
    );
    if let (409, Some(head)) = (status, out.head.as_mut()) {
        head.headers.push(("x-should-retry", "false".to_string()));
    }
}

/// The answer to a CORS preflight: 204, with what the route allows and any
/// request header (`authorization` named, as `*` does not cover it).
pub fn preflight(out: &mut Output, allow: String) {
    out.head(
        204,
        vec![
            ("access-control-allow-methods", allow),
            (
                "access-control-allow-headers",
                "*, authorization".to_string(),
            ),
            ("access-control-max-age", "86400".to_string()),
        ],
    );
    out.end();
}

/// A path or name as it may appear in a reason: quoted, cut, escaped.
pub fn shown(text: &str) -> String {
    crate::text::quote(text)
}

/// A name as it may appear inside another API's own quotes (`'<name>'`):
/// cut and escaped as [`shown`], without its double quotes.
pub fn bare(text: &str) -> String {
    let quoted = crate::text::quote(text);
    quoted
        .strip_prefix('"')
        .and_then(|rest| rest.strip_suffix('"'))
        .map(str::to_string)
        .unwrap_or(quoted)
}

/// One NDJSON line.
pub fn line(value: &impl Serialize) -> String {
    let mut text = to_json(value);
    text.push('\n');
    text
}

/// One server-sent event.
pub fn event(kind: &str, data: &str) -> String {
    format!("event: {kind}\ndata: {data}\n\n")
}

/// Simulated ms since the epoch as RFC 3339 in UTC, to the nanosecond as Go
/// writes it (`2026-12-01T22:10:19.5Z`); times past year 9999 are clamped.
pub fn rfc3339(ms: f64) -> String {
    use time::format_description::well_known::Rfc3339;
    let ms = if ms.is_finite() {
        ms.clamp(0.0, MAX_MS)
    } else {
        0.0
    };
    let whole = ms.floor();
    let nanos = whole as i128 * 1_000_000 + ((ms - whole) * 1e6).round() as i128;
    time::OffsetDateTime::from_unix_timestamp_nanos(nanos)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

/// 9999-12-31T23:59:59.999Z in ms.
const MAX_MS: f64 = 253_402_300_799_999.0;

/// How far ahead Ollama dates a model that never expires: Go's largest
/// duration (about 292 years), in ms.
pub const NEVER_MS: f64 = 9_223_372_036_854.775;

/// `sha256:` and 64 hex digits over the name and config: the same for the
/// same model, different when either differs.
pub fn digest(name: &str, spec: &ModelSpec) -> String {
    use sha2::{Digest, Sha256};
    // The name and each field, each ended by a 0 byte (no name or tag holds one).
    let mut hash = Sha256::new();
    hash.update(name.as_bytes());
    hash.update([0]);
    hash.update(spec.size_gb.to_bits().to_le_bytes());
    hash.update(spec.tier.as_str().as_bytes());
    for capability in &spec.capabilities {
        hash.update([0]);
        hash.update(capability.as_bytes());
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut text = String::with_capacity(7 + 64);
    text.push_str("sha256:");
    for byte in hash.finalize() {
        for nibble in [byte >> 4, byte & 0xf] {
            text.push(char::from(
                HEX.get(usize::from(nibble)).copied().unwrap_or(b'0'),
            ));
        }
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Tier;

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(rfc3339(0.0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000_500.0), "2023-11-14T22:13:20.5Z");
        assert!(rfc3339(1e300).starts_with("9999-12-31T23:59:59"));
        assert!(rfc3339(f64::NAN).starts_with("1970"));
    }

    #[test]
    fn digests_follow_name_and_config() {
        let spec = ModelSpec {
            size_gb: 2.0,
            tier: Tier::Ram,
            capabilities: vec!["chat".into()],
        };
        let d = digest("m", &spec);
        assert_eq!(d.len(), 7 + 64);
        assert!(d.starts_with("sha256:"));
        assert_eq!(d, digest("m", &spec.clone()));
        assert_ne!(d, digest("n", &spec));
        let bigger = ModelSpec {
            size_gb: 3.0,
            ..spec.clone()
        };
        assert_ne!(d, digest("m", &bigger));
    }
}
