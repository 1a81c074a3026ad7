//! Ollama's wire shapes of a model (`/api/tags`, `/api/ps`, `/api/show`),
//! made from a repository entry, and what Ollama shows that the simulation
//! does not keep, derived deterministically from what it does keep.

use super::super::wire;
use crate::model::ModelSpec;
use crate::protocol::RepositoryModel;
use serde::Serialize;

/// The context length a loaded model runs with (Ollama's default `num_ctx`).
pub(super) const CONTEXT_LENGTH: u64 = 4096;

/// `size`: bytes, as `size_gb × 1e9` rounded (SPEC §6).
pub(super) fn size_bytes(size_gb: f64) -> u64 {
    (size_gb * 1e9).round().max(0.0) as u64
}

/// `family`: the name up to its first `:` or `-` (SPEC §6).
pub(super) fn family(name: &str) -> &str {
    name.split([':', '-']).next().unwrap_or(name)
}

/// Ollama's capabilities for ours: what generates text completes; the rest
/// keep Ollama's names; capabilities Ollama has no name for are left out.
pub(super) fn capabilities(ours: &[String]) -> Vec<&'static str> {
    let mut theirs = Vec::new();
    for capability in ours {
        let theirs_for = match capability.as_str() {
            "text-generation" | "chat" | "code-generation" | "completion" => "completion",
            "embeddings" | "embedding" => "embedding",
            "vision" => "vision",
            "tools" => "tools",
            "insert" => "insert",
            "thinking" => "thinking",
            _ => continue,
        };
        if !theirs.contains(&theirs_for) {
            theirs.push(theirs_for);
        }
    }
    theirs
}

/// Whether `/api/generate` and `/api/chat` take the model (Ollama's
/// "completion" capability).
pub(super) fn completes(ours: &[String]) -> bool {
    capabilities(ours).contains(&"completion")
}

/// The quantization a model is shown with, and its GGUF file type: models
/// that only embed are F16 (as nomic-embed-text is), the rest Q4_K_M (the
/// Ollama library's usual tag).
fn quantization(ours: &[String]) -> (&'static str, u64) {
    if completes(ours) {
        ("Q4_K_M", 15)
    } else {
        ("F16", 1)
    }
}

/// The parameter count: the size the name ends with when it has one (`:7b`,
/// `:0.5b`, `-6b`, `:137m`), else the size over the bytes per weight of its
/// quantization (Q4_K_M ≈ 4.8 bits: 0.6 bytes; F16: 2 bytes).
pub(super) fn parameter_count(name: &str, size_gb: f64, ours: &[String]) -> u64 {
    let tag = name
        .rsplit_once([':', '-'])
        .map(|(_, tag)| tag.to_ascii_lowercase());
    let from_tag = tag.and_then(|tag| {
        let (number, scale) = match tag.strip_suffix('b') {
            Some(number) => (number.to_string(), 1e9),
            None => (tag.strip_suffix('m')?.to_string(), 1e6),
        };
        let value = decimal(&number)?;
        (value > 0.0).then(|| (value * scale).round() as u64)
    });
    from_tag.unwrap_or_else(|| {
        let bytes_per_weight = if completes(ours) { 0.6 } else { 2.0 };
        (size_bytes(size_gb) as f64 / bytes_per_weight).round() as u64
    })
}

/// A plain decimal (`7`, `0.5`, `1.5`): digits, at most one dot; no float
/// parser needed.
fn decimal(text: &str) -> Option<f64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if whole.is_empty() && fraction.is_empty() {
        return None;
    }
    let mut value = 0.0;
    for b in whole.bytes() {
        value = value * 10.0 + f64::from(b.checked_sub(b'0').filter(|d| *d < 10)?);
    }
    let mut scale = 0.1;
    for b in fraction.bytes() {
        value += scale * f64::from(b.checked_sub(b'0').filter(|d| *d < 10)?);
        scale /= 10.0;
    }
    Some(value)
}

/// Ollama's `format.HumanNumber`: `8B`, `1.5B`, `494.03M`, `137M`, `12K`.
pub(super) fn human_number(n: u64) -> String {
    let whole = |x: f64| x == x.floor();
    match n {
        n if n >= 1_000_000_000 => {
            let x = n as f64 / 1e9;
            if whole(x) {
                format!("{x:.0}B")
            } else {
                format!("{x:.1}B")
            }
        }
        n if n >= 1_000_000 => {
            let x = n as f64 / 1e6;
            if whole(x) {
                format!("{x:.0}M")
            } else {
                format!("{x:.2}M")
            }
        }
        n if n >= 1_000 => format!("{:.0}K", n as f64 / 1e3),
        n => n.to_string(),
    }
}

fn spec(m: &RepositoryModel) -> ModelSpec {
    ModelSpec {
        size_gb: m.size_gb,
        tier: m.tier,
        capabilities: m.capabilities.clone(),
    }
}

/// `sha256:` and 64 hex digits, the same for the same name and config.
pub(super) fn digest(m: &RepositoryModel) -> String {
    wire::digest(&m.name, &spec(m))
}

/// `details`, as in every model shape.
#[derive(Debug, Serialize)]
pub(super) struct Details {
    parent_model: &'static str,
    format: &'static str,
    family: String,
    families: Vec<String>,
    parameter_size: String,
    quantization_level: &'static str,
}

pub(super) fn details(m: &RepositoryModel) -> Details {
    let family = family(&m.name).to_string();
    Details {
        parent_model: "",
        format: "gguf",
        families: vec![family.clone()],
        family,
        parameter_size: human_number(parameter_count(&m.name, m.size_gb, &m.capabilities)),
        quantization_level: quantization(&m.capabilities).0,
    }
}

/// One model of `GET /api/tags`.
#[derive(Debug, Serialize)]
pub(super) struct Listed {
    name: String,
    model: String,
    modified_at: String,
    size: u64,
    digest: String,
    details: Details,
    capabilities: Vec<&'static str>,
}

pub(super) fn listed(m: &RepositoryModel) -> Listed {
    Listed {
        name: m.name.clone(),
        model: m.name.clone(),
        modified_at: wire::rfc3339(m.modified_at),
        size: size_bytes(m.size_gb),
        digest: digest(m),
        details: details(m),
        capabilities: capabilities(&m.capabilities),
    }
}

/// One model of `GET /api/ps`.
#[derive(Debug, Serialize)]
pub(super) struct Running {
    name: String,
    model: String,
    size: u64,
    digest: String,
    details: Details,
    expires_at: String,
    size_vram: u64,
    context_length: u64,
}

/// `expires_at` in ms: the repository's, or, for a model that never
/// expires, Go's largest duration from its last use (a date centuries
/// ahead), as Ollama sets a runner's expiry when it is used.
pub(super) fn expires_ms(m: &RepositoryModel) -> f64 {
    m.expires_at
        .unwrap_or(m.last_used.unwrap_or(m.modified_at) + wire::NEVER_MS)
}

pub(super) fn running(m: &RepositoryModel) -> Running {
    let size = size_bytes(m.size_gb);
    Running {
        name: m.name.clone(),
        model: m.name.clone(),
        size,
        digest: digest(m),
        details: details(m),
        expires_at: wire::rfc3339(expires_ms(m)),
        size_vram: match m.tier {
            crate::model::Tier::Ram => size,
            crate::model::Tier::Swap => 0,
        },
        context_length: CONTEXT_LENGTH,
    }
}

/// `POST /api/show`, in Ollama's field order.
#[derive(Debug, Serialize)]
pub(super) struct Show {
    modelfile: String,
    parameters: String,
    template: &'static str,
    details: Details,
    model_info: ModelInfo,
    capabilities: Vec<&'static str>,
    modified_at: String,
}

/// `model_info`: the GGUF metadata Ollama shows, the keys sorted as Go
/// writes a map's.
#[derive(Debug)]
struct ModelInfo {
    architecture: String,
    file_type: u64,
    parameter_count: u64,
}

impl Serialize for ModelInfo {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap;
        let context = format!("{}.context_length", self.architecture);
        // `<arch>.context_length` sorts before or after the `general.` keys.
        let first = context.as_str() < "general.";
        let mut map = serializer.serialize_map(Some(5))?;
        if first {
            map.serialize_entry(&context, &CONTEXT_LENGTH)?;
        }
        map.serialize_entry("general.architecture", &self.architecture)?;
        map.serialize_entry("general.file_type", &self.file_type)?;
        map.serialize_entry("general.parameter_count", &self.parameter_count)?;
        map.serialize_entry("general.quantization_version", &2)?;
        if !first {
            map.serialize_entry(&context, &CONTEXT_LENGTH)?;
        }
        map.end()
    }
}

/// The template every simulated model shows: the prompt as it is.
const TEMPLATE: &str = "{{ .Prompt }}";

pub(super) fn show(m: &RepositoryModel) -> Show {
    let family = family(&m.name);
    Show {
        modelfile: format!(
            "# Modelfile generated by \"ollama show\"\n# FROM {name}\n\nFROM {name}\nTEMPLATE \"\"\"{TEMPLATE}\"\"\"\nPARAMETER num_ctx {CONTEXT_LENGTH}\n",
            name = m.name
        ),
        parameters: format!("num_ctx                        {CONTEXT_LENGTH}"),
        template: TEMPLATE,
        details: details(m),
        model_info: ModelInfo {
            architecture: family.to_string(),
            file_type: quantization(&m.capabilities).1,
            parameter_count: parameter_count(&m.name, m.size_gb, &m.capabilities),
        },
        capabilities: capabilities(&m.capabilities),
        modified_at: wire::rfc3339(m.modified_at),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn caps(list: &[&str]) -> Vec<String> {
        list.iter().map(|c| c.to_string()).collect()
    }

    #[test]
    fn families_sizes_and_capabilities() {
        assert_eq!(family("llama3.2:1b"), "llama3.2");
        assert_eq!(family("qwen2.5-coder:1.5b"), "qwen2.5");
        assert_eq!(family("nomic-embed-text"), "nomic");
        assert_eq!(family("gpt2"), "gpt2");
        assert_eq!(size_bytes(1.3), 1_300_000_000);
        assert_eq!(size_bytes(0.1 + 0.2), 300_000_000);
        assert_eq!(
            capabilities(&caps(&["text-generation", "chat", "embeddings", "x"])),
            ["completion", "embedding"]
        );
        assert!(!completes(&caps(&["embeddings"])));
        assert!(!completes(&caps(&["text-classification"])));
    }

    #[test]
    fn parameter_sizes_come_from_the_tag_else_the_size() {
        let chat = caps(&["chat"]);
        let count = |name: &str, gb: f64| human_number(parameter_count(name, gb, &chat));
        assert_eq!(count("llama3.2:1b", 1.3), "1B");
        assert_eq!(count("qwen2.5:0.5b", 0.4), "500M");
        assert_eq!(count("qwen2.5-coder:1.5b", 1.0), "1.5B");
        assert_eq!(count("x:137m", 0.3), "137M");
        assert_eq!(count("phi3:mini", 2.2), "3.7B");
        assert_eq!(count("gpt2-small", 0.5), "833.33M");
        assert_eq!(count("gpt-j-6b", 6.0), "6B");
        assert_eq!(count("llama-7b", 7.0), "7B");
        let embed = caps(&["embeddings"]);
        assert_eq!(human_number(parameter_count("e", 0.3, &embed)), "150M");
        assert_eq!(human_number(999), "999");
        assert_eq!(human_number(12_345), "12K");
        assert_eq!(human_number(8_000_000_000), "8B");
    }

    #[test]
    fn show_writes_model_info_keys_sorted_and_parameters_aligned() {
        let m = |name: &str| RepositoryModel {
            name: name.into(),
            size_gb: 1.0,
            tier: crate::model::Tier::Ram,
            capabilities: caps(&["chat"]),
            state: crate::protocol::ModelState::Ready,
            pinned: false,
            keep_alive: -1.0,
            last_used: None,
            expires_at: None,
            job_id: None,
            last_error: None,
            modified_at: 0.0,
        };
        for name in ["bert-large", "gpt2-small", "zeta:1b"] {
            let text = wire::to_json(&show(&m(name)).model_info);
            let value: serde_json::Value = serde_json::from_str(&text).unwrap();
            let keys: Vec<&String> = value.as_object().unwrap().keys().collect();
            let mut sorted = keys.clone();
            sorted.sort();
            let positions: Vec<usize> = sorted
                .iter()
                .map(|k| text.find(&format!("\"{k}\"")).unwrap())
                .collect();
            assert!(positions.windows(2).all(|w| w[0] < w[1]), "{text}");
            assert_eq!(keys.len(), 5);
        }
        assert_eq!(show(&m("a")).parameters, format!("{:<30} 4096", "num_ctx"));
    }
}
