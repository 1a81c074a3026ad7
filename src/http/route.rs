//! Which route answers a request: the path picks the family (native, Ollama,
//! OpenAI, Triton) and the route; then the method, then the body's size.

use super::wire::{self, Family};
use super::{native, ollama, openai, triton, Ctx, Exchange, HttpRequest, Output, BODY_LIMIT};

/// Runs a route: writes its answer, or returns the exchange that will.
pub(crate) type Handler = fn(&mut Ctx, &Call, &mut Output) -> Option<Box<dyn Exchange>>;

/// What a handler gets from the request.
pub(crate) struct Call<'a> {
    /// The path's one variable segment (a model name), percent-decoded.
    pub name: String,
    pub body: &'a str,
}

/// What a family's table says of a path.
pub(crate) enum Found {
    /// A route: the handler for each method it allows.
    Route(&'static [(&'static str, Handler)]),
    /// A route with a model name in the path.
    Named(String, &'static [(&'static str, Handler)]),
    /// The native `POST /_sim/advance`.
    Advance,
    Nothing,
}

pub(crate) enum Routed<'a> {
    Handler(Handler, Call<'a>),
    /// A CORS preflight (`OPTIONS` on a route): the methods it allows.
    Preflight(String),
    Advance(f64),
    Refused(Refusal),
}

/// A request refused before any route ran.
pub(crate) struct Refusal {
    pub family: Family,
    pub status: u16,
    pub reason: String,
    pub allow: Option<String>,
}

impl Refusal {
    pub fn write(&self, out: &mut Output) {
        wire::error(out, self.family, self.status, &self.reason);
        if let (Some(allow), Some(head)) = (&self.allow, out.head.as_mut()) {
            head.headers.push(("allow", allow.clone()));
        }
    }
}

/// Fetch's method normalization: the six standard methods in upper case,
/// any other as given.
pub fn normalize_method(method: &str) -> String {
    const STANDARD: [&str; 6] = ["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"];
    match STANDARD.iter().find(|m| m.eq_ignore_ascii_case(method)) {
        Some(standard) => (*standard).to_string(),
        None => method.to_string(),
    }
}

/// The path of a URL or of a path: without scheme, host, query or fragment.
fn path_of(url: &str) -> &str {
    let rest = match url.find("://") {
        Some(at) => {
            let after = url.get(at + 3..).unwrap_or("");
            after.find('/').and_then(|i| after.get(i..)).unwrap_or("/")
        }
        None => url,
    };
    let end = rest.find(['?', '#']).unwrap_or(rest.len());
    rest.get(..end).unwrap_or(rest)
}

pub(crate) fn route<'a>(request: &HttpRequest<'a>) -> Routed<'a> {
    let path = path_of(request.url);
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let family = Family::of(&segments);
    let found = match family {
        Family::Native => native::route(&segments),
        Family::Ollama => ollama::route(&segments),
        Family::OpenAi => openai::route(&segments),
        Family::Triton => triton::route(&segments),
    };
    let refuse = |status, reason: String, allow| {
        Routed::Refused(Refusal {
            family,
            status,
            reason,
            allow,
        })
    };
    let method = normalize_method(request.method);
    let (name, table) = match found {
        Found::Nothing => return refuse(404, format!("no route for {}", wire::shown(path)), None),
        Found::Advance if method == "POST" && request.body.len() > BODY_LIMIT => {
            return refuse(413, too_big(), None)
        }
        Found::Advance if method == "POST" => {
            return match native::read_advance(request.body) {
                Ok(ms) => Routed::Advance(ms),
                Err(refusal) => Routed::Refused(refusal),
            };
        }
        Found::Advance if method == "OPTIONS" => return Routed::Preflight("POST".into()),
        Found::Advance => {
            return refuse(
                405,
                format!("{} takes POST", wire::shown(path)),
                Some("POST".into()),
            )
        }
        Found::Route(table) => (String::new(), table),
        Found::Named(name, table) => (name, table),
    };
    let Some((_, handler)) = table.iter().find(|(m, _)| *m == method) else {
        let allow: Vec<&str> = table.iter().map(|(m, _)| *m).collect();
        if method == "OPTIONS" {
            return Routed::Preflight(allow.join(", "));
        }
        return refuse(
            405,
            format!("{} takes {}", wire::shown(path), allow.join(" or ")),
            Some(allow.join(", ")),
        );
    };
    if request.body.len() > BODY_LIMIT {
        return refuse(413, too_big(), None);
    }
    Routed::Handler(
        *handler,
        Call {
            name,
            body: request.body,
        },
    )
}

fn too_big() -> String {
    format!("the request body is over {BODY_LIMIT} bytes (1 MiB)")
}

/// A path segment as text: percent-decoded, invalid UTF-8 replaced.
pub(crate) fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment)
        .decode_utf8_lossy()
        .into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_lose_scheme_host_query_and_fragment() {
        assert_eq!(path_of("http://sim/api/tags?x=1"), "/api/tags");
        assert_eq!(path_of("https://h:1/v1/models#f"), "/v1/models");
        assert_eq!(path_of("http://sim"), "/");
        assert_eq!(path_of("/api/ps"), "/api/ps");
    }

    #[test]
    fn standard_methods_are_upper_cased_others_kept() {
        assert_eq!(normalize_method("get"), "GET");
        assert_eq!(normalize_method("Delete"), "DELETE");
        assert_eq!(normalize_method("patch"), "patch");
    }
}
