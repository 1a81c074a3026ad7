//! What the server remembers of finished jobs, with memory bounded however
//! long it runs: the latest [`RETAIN_FINISHED`] finished jobs in full, a hash
//! of each of the latest [`REMEMBER_PRUNED`] pruned ids (so `load_status` can
//! say a job was pruned), and — so that job ids never repeat — a hash of each
//! pruned id that a future id could still spell, until the clock passes it.

use std::cmp::Reverse;
use std::collections::hash_map::DefaultHasher;
use std::collections::{BinaryHeap, HashMap, HashSet, VecDeque};
use std::hash::{Hash, Hasher};

/// Finished jobs kept in full (`load_status`, `list_jobs`).
pub const RETAIN_FINISHED: usize = 1000;
/// Pruned job ids remembered (as 64-bit hashes) to explain a `job_not_found`.
pub const REMEMBER_PRUNED: usize = 10_000;

#[derive(Debug, Clone, Default)]
pub struct History {
    /// Ids of retained finished jobs, oldest first.
    finished: VecDeque<String>,
    /// Hashes of the latest pruned ids, oldest first, and the same as a set.
    pruned: VecDeque<u64>,
    pruned_set: HashSet<u64>,
    /// Hashes of pruned ids that a future job id could equal, each with the
    /// last second at which it could (see [`recurs_until`]).
    spent: HashMap<u64, u64>,
    /// The same (second, hash) pairs, earliest second first, so that expiring
    /// them takes no scan. A pair whose hash was since given a later second
    /// is skipped when it comes up.
    expiry: BinaryHeap<Reverse<(u64, u64)>>,
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
        let _ = self.expire(u64::try_from(now_secs).unwrap_or(0));
        dropped
    }

    /// Forgets the spent ids that no id minted at `now` or later can equal;
    /// returns how many entries it looked at (only those whose second passed).
    fn expire(&mut self, now: u64) -> usize {
        let mut looked_at = 0;
        while let Some(&Reverse((until, hash))) = self.expiry.peek() {
            if until >= now {
                break;
            }
            self.expiry.pop();
            looked_at += 1;
            if self.spent.get(&hash) == Some(&until) {
                self.spent.remove(&hash);
            }
        }
        looked_at
    }

    /// Marks `hash` as not to be minted again until after second `until`.
    fn spend(&mut self, hash: u64, until: u64) {
        let until = self.spent.get(&hash).map_or(until, |&old| old.max(until));
        if self.spent.insert(hash, until) != Some(until) {
            self.expiry.push(Reverse((until, hash)));
        }
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
            self.spend(hash, until);
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
        let mut history = History {
            finished: finished.into(),
            pruned_set: pruned.iter().copied().collect(),
            pruned: pruned.into(),
            ..History::default()
        };
        for (hash, until) in spent {
            history.spend(hash, until);
        }
        history
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

    #[test]
    fn expiry_looks_only_at_what_expires() {
        // A clock held still: every pruned id could recur, and nothing expires.
        let mut h = History::default();
        let jobs = RETAIN_FINISHED + 20_000;
        for i in 0..jobs {
            h.finished(format!("load_d-{i}_0"), 0);
        }
        assert_eq!(h.spent.len(), jobs - RETAIN_FINISHED);
        // The old code scanned every spent id at every prune.
        assert_eq!(h.expire(0), 0);
        // Once the clock passes second 0, each is looked at once, then gone.
        assert_eq!(h.expire(1), jobs - RETAIN_FINISHED);
        assert!(h.spent.is_empty() && h.expiry.is_empty());
        assert_eq!(h.expire(2), 0);
    }

    #[test]
    fn expiry_follows_each_ids_own_last_second() {
        let mut h = History::default();
        // load_m_1_499 is also model m_1 at second 499; load_m_0 only second 0.
        for id in ["load_m_1_499", "load_m_0", "load_m_0_7"] {
            h.finished(id.into(), 0);
        }
        for i in 0..RETAIN_FINISHED {
            h.finished(format!("load_f_{i}_x"), 0);
        }
        assert!(h.is_spent("load_m_1_499") && h.is_spent("load_m_0") && h.is_spent("load_m_0_7"));
        h.finished(String::from("load_g_x"), 1);
        assert!(h.is_spent("load_m_1_499") && !h.is_spent("load_m_0") && h.is_spent("load_m_0_7"));
        h.finished(String::from("load_g_y"), 8);
        assert!(h.is_spent("load_m_1_499") && !h.is_spent("load_m_0_7"));
        h.finished(String::from("load_g_z"), 500);
        assert!(!h.is_spent("load_m_1_499"));
        assert!(h.spent.is_empty() && h.expiry.is_empty());
    }

    #[test]
    fn the_saved_form_round_trips_and_keeps_expiring() {
        let mut h = History::default();
        for i in 0..RETAIN_FINISHED + 50 {
            h.finished(format!("load_m_{i}"), 40);
        }
        let (finished, pruned, spent) = h.parts();
        assert_eq!(spent.len(), 10, "load_m_40 .. load_m_49 could recur");
        let mut back = History::from_parts(finished, pruned, spent.clone());
        assert_eq!(back.parts().2, spent);
        assert!(back.is_spent("load_m_49") && back.was_pruned("load_m_0"));
        back.finished(String::from("load_n_x"), 45);
        assert!(back.is_spent("load_m_45") && !back.is_spent("load_m_44"));
        // load_m_45 .. load_m_49, and load_m_50, just pruned.
        assert_eq!(back.spent.len(), 6);
        // A hash saved twice keeps the later second.
        let twice = History::from_parts(Vec::new(), Vec::new(), vec![(7, 9), (7, 3)]);
        assert_eq!(twice.parts().2, vec![(7, 9)]);
    }
}
