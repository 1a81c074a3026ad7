//! Go's `time.ParseDuration`, which Ollama's `keep_alive` strings go through:
//! the same grammar (`"300ms"`, `"1.5h"`, `"1h30m"`, `"-1m"`, `"0"`), the same
//! limits and the same error texts.

const UNITS: [(&str, u64); 8] = [
    ("ns", 1),
    ("us", 1_000),
    ("\u{b5}s", 1_000),  // micro sign
    ("\u{3bc}s", 1_000), // Greek mu
    ("ms", 1_000_000),
    ("s", 1_000_000_000),
    ("m", 60_000_000_000),
    ("h", 3_600_000_000_000),
];

/// A duration in nanoseconds, negative when it starts with `-`.
pub fn parse(text: &str) -> Result<i64, String> {
    let invalid = || format!("time: invalid duration {}", go_quote(text));
    let (negative, mut rest) = match text.as_bytes().first() {
        Some(b'-') => (true, text.get(1..).unwrap_or("")),
        Some(b'+') => (false, text.get(1..).unwrap_or("")),
        _ => (false, text),
    };
    if rest == "0" {
        return Ok(0);
    }
    if rest.is_empty() {
        return Err(invalid());
    }
    let mut total: u64 = 0;
    while !rest.is_empty() {
        // A number: digits, optionally a fraction; at least one digit in all.
        let (whole, after) = split_digits(rest);
        let whole_value = digits_value(whole).ok_or_else(invalid)?;
        rest = after;
        let mut fraction = "";
        if let Some(after_dot) = rest.strip_prefix('.') {
            let (digits, after) = split_digits(after_dot);
            fraction = digits;
            rest = after;
        }
        if whole.is_empty() && fraction.is_empty() {
            return Err(invalid());
        }
        // A unit: everything up to the next digit or dot.
        let end = rest
            .bytes()
            .position(|b| b == b'.' || b.is_ascii_digit())
            .unwrap_or(rest.len());
        let unit = rest.get(..end).unwrap_or("");
        rest = rest.get(end..).unwrap_or("");
        if unit.is_empty() {
            return Err(format!("time: missing unit in duration {}", go_quote(text)));
        }
        let Some(&(_, scale)) = UNITS.iter().find(|(name, _)| *name == unit) else {
            return Err(format!(
                "time: unknown unit {} in duration {}",
                go_quote(unit),
                go_quote(text)
            ));
        };
        if whole_value > LIMIT / scale {
            return Err(invalid());
        }
        let mut value = whole_value * scale;
        let (f, f_scale) = fraction_value(fraction);
        if f > 0 {
            // As Go: float64 keeps fractions of hours nanosecond-accurate.
            value += (f as f64 * (scale as f64 / f_scale)) as u64;
            if value > LIMIT {
                return Err(invalid());
            }
        }
        total = total.saturating_add(value);
        if total > LIMIT {
            return Err(invalid());
        }
    }
    match (negative, total) {
        (true, LIMIT) => Ok(i64::MIN),
        (true, t) => Ok(-(t as i64)),
        (false, t) if t < LIMIT => Ok(t as i64),
        _ => Err(invalid()),
    }
}

/// 2^63: the magnitude of the most negative duration; positive ones stay below.
const LIMIT: u64 = 1 << 63;

fn split_digits(text: &str) -> (&str, &str) {
    let end = text
        .bytes()
        .position(|b| !b.is_ascii_digit())
        .unwrap_or(text.len());
    (text.get(..end).unwrap_or(""), text.get(end..).unwrap_or(""))
}

/// The value of a run of digits (0 for none); `None` past 2^63, as Go's `leadingInt`.
fn digits_value(digits: &str) -> Option<u64> {
    let mut value: u64 = 0;
    for b in digits.bytes() {
        if value > LIMIT / 10 {
            return None;
        }
        value = value * 10 + u64::from(b - b'0');
        if value > LIMIT {
            return None;
        }
    }
    Some(value)
}

/// A fraction's digits as Go's `leadingFraction` reads them: the value and
/// its scale, digits past what fits in 63 bits ignored.
fn fraction_value(digits: &str) -> (u64, f64) {
    let (mut value, mut scale, mut overflow) = (0u64, 1.0f64, false);
    for b in digits.bytes() {
        if overflow {
            continue;
        }
        if value > (LIMIT - 1) / 10 {
            overflow = true;
            continue;
        }
        let next = value * 10 + u64::from(b - b'0');
        if next > LIMIT - 1 {
            overflow = true;
            continue;
        }
        value = next;
        scale *= 10.0;
    }
    (value, scale)
}

/// Go's `quote` in time's errors: double quotes, `"` and `\\` escaped, and
/// every byte of a character outside printable ASCII as `\xNN`.
fn go_quote(text: &str) -> String {
    let mut quoted = String::with_capacity(text.len() + 2);
    quoted.push('"');
    for c in text.chars() {
        if c < ' ' || !c.is_ascii() {
            let mut bytes = [0u8; 4];
            for b in c.encode_utf8(&mut bytes).bytes() {
                quoted.push_str(&format!("\\x{b:02x}"));
            }
        } else {
            if c == '"' || c == '\\' {
                quoted.push('\\');
            }
            quoted.push(c);
        }
    }
    quoted.push('"');
    quoted
}

#[cfg(test)]
mod tests {
    use super::parse;

    const S: i64 = 1_000_000_000;

    #[test]
    fn go_durations_parse_as_go_parses_them() {
        for (text, ns) in [
            ("0", 0),
            ("-0", 0),
            ("+0", 0),
            ("5m", 300 * S),
            ("1h30m", 5400 * S),
            ("300ms", 300_000_000),
            ("1.5h", 5400 * S),
            ("-1m", -60 * S),
            ("2h45m10.5s", 9910 * S + S / 2),
            (".5s", S / 2),
            ("1.s", S),
            ("10us", 10_000),
            ("10\u{b5}s", 10_000),
            ("10\u{3bc}s", 10_000),
            ("7ns", 7),
            ("0s", 0),
            ("2562047h47m16.854775807s", i64::MAX),
            ("-2562047h47m16.854775808s", i64::MIN),
        ] {
            assert_eq!(parse(text), Ok(ns), "{text}");
        }
    }

    #[test]
    fn bad_durations_get_go_s_errors() {
        for (text, error) in [
            ("", r#"time: invalid duration """#),
            ("5", r#"time: missing unit in duration "5""#),
            ("1h5", r#"time: missing unit in duration "1h5""#),
            ("5x", r#"time: unknown unit "x" in duration "5x""#),
            ("5 m", r#"time: unknown unit " m" in duration "5 m""#),
            ("m", r#"time: invalid duration "m""#),
            ("-", r#"time: invalid duration "-""#),
            (".s", r#"time: invalid duration ".s""#),
            ("1e3s", r#"time: unknown unit "e" in duration "1e3s""#),
            (
                "9999999999999999999h",
                r#"time: invalid duration "9999999999999999999h""#,
            ),
            ("2562048h", r#"time: invalid duration "2562048h""#),
            ("a\"b", r#"time: invalid duration "a\"b""#),
            (
                "5\u{e9}",
                r#"time: unknown unit "\xc3\xa9" in duration "5\xc3\xa9""#,
            ),
        ] {
            assert_eq!(parse(text), Err(error.to_string()), "{text}");
        }
    }
}
