//! Selection by need: SPEC §2.4's scores and tie-break.

use crate::model::{ModelSpec, Tier};
use crate::protocol::Priority;

/// Scores within this of each other are a tie (sums of decimals are inexact).
const TIE: f64 = 1e-12;

pub fn score(spec: &ModelSpec, matched: usize, priority: Priority) -> f64 {
    0.8 * matched as f64 + priority_score(spec, priority)
}

/// The part of a score that the priority gives.
pub fn priority_score(spec: &ModelSpec, priority: Priority) -> f64 {
    match (priority, spec.tier) {
        (Priority::Speed, Tier::Ram) => 2.0,
        (Priority::Speed, Tier::Swap) => 0.5,
        (Priority::Quality, _) => 0.2 * spec.size_gb,
        (Priority::Balanced, Tier::Ram) => 1.5,
        (Priority::Balanced, Tier::Swap) => 1.0 + 0.1 * spec.size_gb,
    }
}

/// Every model with the wanted capabilities, highest score first, ties in
/// library order; `chosen` (what [`choose`] picked) first whatever rounding says.
pub fn rank<'a>(
    library: impl IntoIterator<Item = (&'a String, &'a ModelSpec)>,
    wanted: &[String],
    priority: Priority,
    chosen: &str,
) -> Vec<(&'a String, f64, f64)> {
    let mut ranked: Vec<(&String, f64, f64)> = library
        .into_iter()
        .filter(|(_, spec)| spec.has_all(wanted))
        .map(|(name, spec)| {
            (
                name,
                score(spec, wanted.len(), priority),
                priority_score(spec, priority),
            )
        })
        .collect();
    // A stable sort on scores rounded to 1e-9: equal ones keep library order.
    let rounded = |x: f64| (x * 1e9).round();
    ranked.sort_by(|a, b| rounded(b.1).total_cmp(&rounded(a.1)));
    if let Some(at) = ranked.iter().position(|(n, _, _)| n.as_str() == chosen) {
        let first = ranked.remove(at);
        ranked.insert(0, first);
    }
    ranked
}

/// The best model with every wanted capability, with its score; the earlier
/// model in library order wins a tie.
pub fn choose<'a>(
    library: impl IntoIterator<Item = (&'a String, &'a ModelSpec)>,
    wanted: &[String],
    priority: Priority,
) -> Option<(&'a String, &'a ModelSpec, f64)> {
    let mut best: Option<(&String, &ModelSpec, f64)> = None;
    for (name, spec) in library {
        if !spec.has_all(wanted) {
            continue;
        }
        let s = score(spec, wanted.len(), priority);
        if best.is_none_or(|(_, _, b)| s > b + TIE) {
            best = Some((name, spec, s));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::default_catalog;

    fn pick(wanted: &[&str], priority: Priority) -> Option<String> {
        let lib = default_catalog();
        let wanted: Vec<String> = wanted.iter().map(|s| s.to_string()).collect();
        choose(lib.iter().map(|(n, s)| (n, s)), &wanted, priority).map(|(n, _, _)| n.clone())
    }

    #[test]
    fn default_catalog_choices() {
        // speed: every ram text model scores 2.8; the first in library order wins.
        assert_eq!(
            pick(&["text-generation"], Priority::Speed).as_deref(),
            Some("gpt2-small")
        );
        // quality: llama-7b scores 0.8 + 1.4.
        assert_eq!(
            pick(&["text-generation"], Priority::Quality).as_deref(),
            Some("llama-7b")
        );
        // balanced: llama-7b 0.8 + 1.7 beats ram's 0.8 + 1.5.
        assert_eq!(
            pick(&["text-generation"], Priority::Balanced).as_deref(),
            Some("llama-7b")
        );
        assert_eq!(
            pick(&["text-classification"], Priority::Speed).as_deref(),
            Some("bert-large")
        );
        assert_eq!(pick(&["chat"], Priority::Speed), None);
    }
}
