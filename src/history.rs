//! What the server remembers of finished jobs, with memory bounded however
//! long it runs: the latest [`RETAIN_FINISHED`] finished jobs in full, a hash
//! of each of the latest [`REMEMBER_PRUNED`] pruned ids (so `load_status` can
//! say a job was pruned), and — so that job ids never repeat — a hash of each
//! pruned id that a future id could still spell, until the clock passes it.

use std::collections::hash_map::DefaultHasher;
use std::collections::{HashMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};

/// Finished jobs kept in full (`load_status`, `list_jobs`).
pub const RETAIN_FINISHED: usize = 1000;
/// Pruned job ids remembered (as 64-bit hashes) to explain a `job_not_found`.
pub const REMEMBER_PRUNED: usize = 10_000;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct History {
    /// Ids of retained finished jobs, oldest first.
    finished: VecDeque<String>,
    /// Hashes of the latest pruned ids, oldest first, and the same as a set.
    pruned: VecDeque<u64>,
    pruned_set: HashSet<u64>,
    /// Hashes of pruned ids that a future job id could equal, each with the
    /// last second at which it could (see [`recurs_until`]).
    spent: HashMap<u64, u64>,
}

/// A stable 64-bit hash (SipHash with fixed keys: the same in every run).
pub fn id_hash(id: &str) -> u64 {
    let mut h = DefaultHasher::new();
    id.hash(&mut h);
    h.finish()
}

fn number(segment: &str) -> Option<u64> {
    if segment.is_empty() || !segment.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    segment.parse().ok()
}

/// The last second at which a newly minted job id could equal `id`, if any.
/// Future ids read `load_<name>_<S>` or `load_<name>_<S>_<n>` with `S` the
/// second of minting and `n` ≥ 2, so an old id can recur only while its
/// trailing numbers can still be read as such a second: `load_m_1_499` is also
/// model `m_1` at second 499. Ids of past seconds, as on any real clock, never can.
pub fn recurs_until(id: &str) -> Option<u64> {
    let mut segments = id.rsplit('_');
    let last = segments.next().and_then(number)?;
    let before = segments.next().and_then(number).filter(|_| last >= 2);
    Some(before.map_or(last, |s| s.max(last)))
}

/// Whether a job id minted at `now_secs` or later could equal `id`.
pub fn could_recur(id: &str, now_secs: i64) -> bool {
    let now = u64::try_from(now_secs).unwrap_or(0);
    recurs_until(id).is_some_and(|until| until >= now)
}

impl History {
    /// Records that job `id` ended; returns the ids of jobs to drop, oldest first.
    pub fn finished(&mut self, id: String, now_secs: i64) -> Vec<String> {
        self.finished.push_back(id);
        let mut dropped = Vec::new();
        while self.finished.len() > RETAIN_FINISHED {
            let Some(old) = self.finished.pop_front() else {
                break;
            };
            self.remember_pruned(&old, now_secs);
            dropped.push(old);
        }
        if !dropped.is_empty() {
            let now = u64::try_from(now_secs).unwrap_or(0);
            self.spent.retain(|_, until| *until >= now);
        }
        dropped
    }

    fn remember_pruned(&mut self, id: &str, now_secs: i64) {
        let hash = id_hash(id);
        if self.pruned_set.insert(hash) {
            self.pruned.push_back(hash);
        }
        while self.pruned.len() > REMEMBER_PRUNED {
            if let Some(old) = self.pruned.pop_front() {
                self.pruned_set.remove(&old);
            }
        }
        if let Some(until) = recurs_until(id).filter(|_| could_recur(id, now_secs)) {
            self.spent.insert(hash, until);
        }
    }

    /// Whether `id` belonged to a job that was pruned (among the latest remembered).
    pub fn was_pruned(&self, id: &str) -> bool {
        self.pruned_set.contains(&id_hash(id))
    }

    /// Whether `id` may not be minted again.
    pub fn is_spent(&self, id: &str) -> bool {
        self.spent.contains_key(&id_hash(id))
    }

    /// The saved form: retained finished ids, pruned hashes, spent hashes with their last second.
    pub fn parts(&self) -> (Vec<String>, Vec<u64>, Vec<(u64, u64)>) {
        let mut spent: Vec<(u64, u64)> = self.spent.iter().map(|(h, u)| (*h, *u)).collect();
        spent.sort_unstable();
        (
            self.finished.iter().cloned().collect(),
            self.pruned.iter().copied().collect(),
            spent,
        )
    }

    pub fn from_parts(finished: Vec<String>, pruned: Vec<u64>, spent: Vec<(u64, u64)>) -> History {
        History {
            finished: finished.into(),
            pruned_set: pruned.iter().copied().collect(),
            pruned: pruned.into(),
            spent: spent.into_iter().collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_past_ids_cannot_recur() {
        assert!(!could_recur("load_m_1700000000", 1_700_000_001));
        assert!(!could_recur("load_m_1700000000_2", 1_700_000_001));
        assert!(could_recur("load_m_1700000000", 1_700_000_000));
        // suffix counts look like small seconds near the epoch
        assert!(could_recur("load_m_0_2", 0));
        assert!(could_recur("load_m_0_2", 2));
        assert!(!could_recur("load_m_0_2", 3));
        assert!(could_recur("load_v_99_3", 50));
        assert!(!could_recur("load_plain_name", 0));
        assert_eq!(recurs_until("load_m_1_499"), Some(499));
        assert_eq!(recurs_until("load_m_7_1"), Some(1)); // 1 is never a suffix: only "second 1" reads it
    }

    #[test]
    fn keeps_the_latest_finished_and_remembers_the_pruned() {
        let mut h = History::default();
        let mut dropped = Vec::new();
        for i in 0..RETAIN_FINISHED + 5 {
            dropped.extend(h.finished(format!("load_m_{i}"), 1_000_000));
        }
        assert_eq!(dropped.len(), 5);
        assert_eq!(dropped[0], "load_m_0");
        assert!(h.was_pruned("load_m_0") && !h.was_pruned("load_m_5"));
        assert!(h.spent.is_empty(), "past seconds cannot recur");
        for i in 0..REMEMBER_PRUNED * 2 {
            h.finished(format!("load_x_{i}_9"), 10_000_000);
        }
        assert_eq!(h.pruned.len(), REMEMBER_PRUNED);
        assert_eq!(h.pruned_set.len(), REMEMBER_PRUNED);
    }

    #[test]
    fn spent_ids_are_forgotten_once_the_clock_passes_them() {
        let mut h = History::default();
        for i in 0..RETAIN_FINISHED + 3 {
            h.finished(format!("load_m_0_{}", i + 2), 0);
        }
        assert!(h.is_spent("load_m_0_2"));
        for i in 0..RETAIN_FINISHED + 3 {
            h.finished(format!("load_n_5000_{}", i + 2), 5000);
        }
        assert!(!h.is_spent("load_m_0_2"));
    }
}
