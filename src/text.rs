//! Small text rules: name and tag syntax, quoting user input, formatting seconds.

/// Most characters of user input that a reason quotes.
pub const QUOTE_LIMIT: usize = 64;

/// `^[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}$`, without a regex engine in the binary.
pub fn is_model_name(name: &str) -> bool {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    first_ok
        && name.len() <= 128
        && chars.all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | ':' | '/' | '-'))
}

/// `^[a-z0-9][a-z0-9-]{0,63}$`
pub fn is_capability_tag(tag: &str) -> bool {
    let lower_alnum = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit();
    let mut chars = tag.chars();
    let first_ok = chars.next().is_some_and(lower_alnum);
    first_ok && tag.len() <= 64 && chars.all(|c| lower_alnum(c) || c == '-')
}

/// Characters that must not reach a reason or an error text as themselves:
/// controls, and the invisible format characters that can reorder or hide
/// text on screen (bidi overrides and isolates, zero-width characters).
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

/// Text with every unsafe character written as a visible `\uXXXX` escape.
pub fn neutralize(text: &str) -> String {
    if !text.chars().any(is_unsafe_char) {
        return text.to_string();
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_unsafe_char(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    out
}

/// User text as a JSON-style string literal, cut to [`QUOTE_LIMIT`] characters
/// (an ellipsis marks the cut), with unsafe characters escaped.
pub fn quote(text: &str) -> String {
    let mut out = String::with_capacity(QUOTE_LIMIT + 8);
    out.push('"');
    for (i, c) in text.chars().enumerate() {
        if i == QUOTE_LIMIT {
            out.push('…');
            break;
        }
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if is_unsafe_char(c) => out.push_str(&format!("\\u{:04x}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// JSON text with each lone UTF-16 surrogate escape (`\ud800` not followed by a
/// low surrogate, or a stray `\udc00`) replaced by `\ufffd`, as JavaScript's
/// `JSON.parse` accepts them; `None` if there is none. serde_json rejects them.
pub fn repair_lone_surrogates(json: &str) -> Option<String> {
    fn hex4(bytes: &[u8]) -> Option<u32> {
        let digits = std::str::from_utf8(bytes.get(..4)?).ok()?;
        u32::from_str_radix(digits, 16).ok()
    }
    let bytes = json.as_bytes();
    let mut out = String::with_capacity(json.len());
    let mut copied = 0;
    let mut repaired = false;
    let mut i = 0;
    while i < bytes.len() {
        if bytes.get(i) != Some(&b'\\') {
            i += 1;
            continue;
        }
        if bytes.get(i + 1) != Some(&b'u') {
            i += 2; // any other escape, including an escaped backslash
            continue;
        }
        let Some(unit) = bytes.get(i + 2..).and_then(hex4) else {
            i += 2;
            continue;
        };
        let paired_low = bytes.get(i + 6) == Some(&b'\\')
            && bytes.get(i + 7) == Some(&b'u')
            && bytes
                .get(i + 8..)
                .and_then(hex4)
                .is_some_and(|low| (0xDC00..=0xDFFF).contains(&low));
        let lone = match unit {
            0xD800..=0xDBFF => !paired_low,
            0xDC00..=0xDFFF => true,
            _ => false,
        };
        if lone {
            out.push_str(json.get(copied..i)?);
            out.push_str("\\ufffd");
            copied = i + 6;
            repaired = true;
            i += 6;
        } else if (0xD800..=0xDBFF).contains(&unit) {
            i += 12; // a valid pair
        } else {
            i += 6;
        }
    }
    if !repaired {
        return None;
    }
    out.push_str(json.get(copied..)?);
    Some(out)
}

/// Any JSON value as a quoted excerpt, for reasons that must name a bad value.
pub fn quote_value(value: &serde_json::Value) -> String {
    match value {
        serde_json::Value::String(s) => quote(s),
        other => {
            let text = other.to_string();
            let mut cut: String = text.chars().take(QUOTE_LIMIT).collect();
            if cut.len() < text.len() {
                cut.push('…');
            }
            cut
        }
    }
}

/// The name of a JSON value's type, for "must be X, not Y" reasons.
pub fn kind_of(value: &serde_json::Value) -> &'static str {
    match value {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

/// Seconds with one decimal and an `s`, rounding the decimal figure half up:
/// `3.75` → `"3.8s"` as in the seed, and `12.35` → `"12.4s"` (JavaScript's
/// `toFixed(1)` says `"12.3s"` there, because 12.35 is stored as 12.3499…).
/// Integer arithmetic on whole microseconds, so no float formatter is needed.
pub fn format_seconds(seconds: f64) -> String {
    if !seconds.is_finite() || seconds < 0.0 {
        return String::from("0.0s");
    }
    let micros = (seconds * 1e6).round() as u64; // saturates; tidy()'s precision
    let tenths = micros.saturating_add(50_000) / 100_000;
    // Without `format!`: this runs on every load_status.
    let mut text = (tenths / 10).to_string();
    text.push('.');
    text.push(char::from(b'0' + (tenths % 10) as u8));
    text.push('s');
    text
}

/// A number for a sentence: integers without a decimal point, others as the
/// shortest decimal that round-trips (`2.5`, `0.15`). The one float formatter
/// in the binary is serde_json's; `format!("{}", f64)` would link a second.
pub fn num(value: f64) -> String {
    if value.fract() == 0.0 && value.abs() <= 9_007_199_254_740_992.0 {
        return (value as i64).to_string();
    }
    serde_json::Number::from_f64(value).map_or_else(|| String::from("NaN"), |n| n.to_string())
}

/// A number rounded to two decimals, for figures like `5.95` or `6.79`.
pub fn num2(value: f64) -> String {
    let cents = (value * 100.0).round();
    // Below 1e13 the hundredths are exact in integers, and the shortest
    // round-trip text of cents / 100 is that decimal: write it without the
    // float formatter (selection reasons run this on every call).
    if cents.abs() < 1e15 {
        let cents = cents as i64;
        let (whole, frac) = (cents / 100, (cents % 100).unsigned_abs());
        let digit = |d: u64| char::from(b'0' + (d % 10) as u8);
        let mut text = String::with_capacity(8);
        if cents < 0 && whole == 0 {
            text.push('-');
        }
        text.push_str(&whole.to_string());
        if frac != 0 {
            text.push('.');
            text.push(digit(frac / 10));
            if frac % 10 != 0 {
                text.push(digit(frac));
            }
        }
        return text;
    }
    num(cents / 100.0)
}

/// A figure for a response, rounded to 1e-6 so that clients see `0.5`, not
/// `0.49999999999999994`. Rounding keeps a non-decreasing series non-decreasing.
pub fn tidy(value: f64) -> f64 {
    let scaled = (value * 1e6).round();
    if scaled.is_finite() && scaled.abs() < 9e15 {
        scaled / 1e6 + 0.0
    } else {
        value
    }
}

/// A GB figure for a reason: at most two decimals, no trailing zeros.
pub fn gb(value: f64) -> String {
    format!("{} GB", num2(value))
}

#[cfg(test)]
mod tests {
    #[test]
    fn num2_writes_hundredths_as_the_float_formatter_does() {
        let mut x = -1000.0_f64;
        while x < 1000.0 {
            let expected = num((x * 100.0).round() / 100.0);
            assert_eq!(num2(x), expected, "{x}");
            x += 0.0137;
        }
        for x in [
            0.0,
            -0.0,
            0.005,
            -0.004,
            2.2,
            6.79,
            5.95,
            1e12 + 0.25,
            9.87e12,
            -3.5,
        ] {
            assert_eq!(num2(x), num((x * 100.0).round() / 100.0), "{x}");
        }
    }

    use super::*;

    #[test]
    fn names_follow_the_spec_pattern() {
        assert!(is_model_name("my-custom-model"));
        assert!(is_model_name("org/model:v1.2_x"));
        assert!(is_model_name(&"a".repeat(128)));
        assert!(!is_model_name(&"a".repeat(129)));
        assert!(!is_model_name(""));
        assert!(!is_model_name("-leading"));
        assert!(!is_model_name("<script>"));
        assert!(!is_model_name("has space"));
        assert!(!is_model_name("ünicode"));
    }

    #[test]
    fn tags_follow_the_spec_pattern() {
        assert!(is_capability_tag("text-generation"));
        assert!(is_capability_tag("h2o"));
        assert!(is_capability_tag(&"a".repeat(64)));
        assert!(!is_capability_tag(&"a".repeat(65)));
        assert!(!is_capability_tag("Chat"));
        assert!(!is_capability_tag("-chat"));
        assert!(!is_capability_tag(""));
        assert!(!is_capability_tag("a_b"));
    }

    #[test]
    fn seconds_round_the_decimal_half_up() {
        assert_eq!(format_seconds(3.75), "3.8s");
        assert_eq!(format_seconds(0.25), "0.3s");
        assert_eq!(format_seconds(0.05), "0.1s");
        assert_eq!(format_seconds(1.45), "1.5s"); // the decimal figure, not 1.4499… as stored
        assert_eq!(format_seconds(12.349999999999998), "12.4s"); // 6.5 GB swap: 9.1 + 3.25
        assert_eq!(format_seconds(1e-300), "0.0s");
        assert_eq!(format_seconds(123_456.78), "123456.8s");
        assert_eq!(format_seconds(13.3), "13.3s");
        assert_eq!(format_seconds(0.0), "0.0s");
        assert_eq!(format_seconds(9.96), "10.0s");
    }

    #[test]
    fn quotes_are_cut_to_64_characters() {
        let long = "x".repeat(1000);
        let q = quote(&long);
        assert_eq!(q.chars().count(), 64 + 3);
        assert_eq!(quote("a\"b"), "\"a\\\"b\"");
    }

    #[test]
    fn quotes_escape_what_could_reorder_or_hide_text() {
        assert_eq!(quote("a\u{202E}b"), "\"a\\u202eb\"");
        assert_eq!(quote("tab\there"), "\"tab\\u0009here\"");
        assert_eq!(quote("zero\u{200B}width"), "\"zero\\u200bwidth\"");
        assert_eq!(neutralize("fine"), "fine");
        assert_eq!(neutralize("x\u{2066}y"), "x\\u2066y");
    }

    #[test]
    fn lone_surrogates_are_repaired() {
        assert_eq!(
            repair_lone_surrogates(r#"{"a":"\ud800x"}"#).as_deref(),
            Some(r#"{"a":"\ufffdx"}"#)
        );
        assert_eq!(
            repair_lone_surrogates(r#"{"a":"\udc00"}"#).as_deref(),
            Some(r#"{"a":"\ufffd"}"#)
        );
        assert_eq!(repair_lone_surrogates(r#"{"a":"\ud83d\ude00"}"#), None);
        assert_eq!(repair_lone_surrogates(r#"{"a":"\\ud800"}"#), None); // an escaped backslash, not an escape
        assert_eq!(
            repair_lone_surrogates(r#"{"a":"\ud800\ud800"}"#).as_deref(),
            Some(r#"{"a":"\ufffd\ufffd"}"#)
        );
        assert_eq!(repair_lone_surrogates(r#"{"a":"\u12"}"#), None);
    }

    #[test]
    fn tidy_rounds_noise_and_negative_zero() {
        assert_eq!(tidy(0.49999999999999994), 0.5);
        assert_eq!(tidy(7.199999999999999), 7.2);
        assert!(tidy(-0.0).is_sign_positive());
        assert_eq!(tidy(5e-324), 0.0);
    }

    #[test]
    fn numbers_for_sentences() {
        assert_eq!(num(3.0), "3");
        assert_eq!(num(2.5), "2.5");
        assert_eq!(num(0.15), "0.15");
        assert_eq!(num(-0.0), "0");
        assert_eq!(num(8.64e15), "8640000000000000");
        assert_eq!(num2(6.789999), "6.79");
        assert_eq!(num2(1.0 / 3.0), "0.33");
        assert_eq!(num(f64::NAN), "NaN");
    }

    #[test]
    fn gb_trims_zeros() {
        assert_eq!(gb(2.5), "2.5 GB");
        assert_eq!(gb(6.79), "6.79 GB");
        assert_eq!(gb(3.0), "3 GB");
    }
}
