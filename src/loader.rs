//! The simulated background loader, sans-IO: jobs know their start time and
//! durations, progress is computed from the clock when read, and the loader
//! reports its next deadline instead of reading a clock or arming a timer.

use crate::history::History;
use crate::model::{ModelSpec, PREPARE_SECONDS_PER_GB};
use crate::protocol::{JobKind, JobState, JobStatus, Phase, SimulatedFailure};
use crate::text::{format_seconds, tidy};
use indexmap::IndexMap;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};

const QUEUED_PROGRESS: f64 = 0.1;
const START_PROGRESS: f64 = 0.2;
const PREPARED_PROGRESS: f64 = 0.7;
const LOADED_PROGRESS: f64 = 0.9;

/// How a job ended.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    Loading,
    Succeeded {
        end: f64,
    },
    Failed {
        end: f64,
        progress: f64,
        error: String,
        cancelled: bool,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct Job {
    pub kind: JobKind,
    pub id: String,
    pub model_name: String,
    pub spec: ModelSpec,
    /// Server clock (ms) at which the job was admitted (`elapsed_time` counts from it).
    pub admitted: f64,
    /// When its timed phases began (while queued: its admission).
    pub start: f64,
    /// Waiting for a load slot: no deadline yet.
    pub queued: bool,
    pub prepare_ms: f64,
    pub load_ms: f64,
    pub fail: Option<SimulatedFailure>,
    pub outcome: Outcome,
    /// `estimated_time` as responses show it, made once: `load_status` is the hot path.
    estimated_time: String,
}

fn fraction(done: f64, of: f64) -> f64 {
    if of <= 0.0 {
        1.0
    } else {
        (done / of).clamp(0.0, 1.0)
    }
}

impl Job {
    /// A job of `kind`: a hot load prepares, then loads into the tier; a pull
    /// only prepares (the model lands on disk); a load only loads (SPEC §5.2).
    pub fn new(
        kind: JobKind,
        id: String,
        model_name: String,
        spec: ModelSpec,
        fail: Option<SimulatedFailure>,
        start: f64,
    ) -> Job {
        // Same operation order as the JS reference, so durations agree to the bit.
        let prepare_ms = match kind {
            JobKind::HotLoad | JobKind::Pull => PREPARE_SECONDS_PER_GB * spec.size_gb * 1000.0,
            JobKind::Load => 0.0,
        };
        let load_ms = match kind {
            JobKind::HotLoad | JobKind::Load => spec.tier.seconds_per_gb() * spec.size_gb * 1000.0,
            JobKind::Pull => 0.0,
        };
        Job {
            kind,
            id,
            model_name,
            spec,
            admitted: start,
            start,
            queued: false,
            prepare_ms,
            load_ms,
            fail,
            outcome: Outcome::Loading,
            estimated_time: format_seconds((prepare_ms + load_ms) / 1000.0),
        }
    }

    pub fn total_ms(&self) -> f64 {
        self.prepare_ms + self.load_ms
    }

    pub fn is_loading(&self) -> bool {
        self.outcome == Outcome::Loading
    }

    /// The progress at the end of preparing: a hot load's bands are 0.2 → 0.7
    /// → 0.9; a job of one phase rises from 0.2 to 0.9 over it.
    fn prepared_progress(&self) -> f64 {
        match self.kind {
            JobKind::HotLoad => PREPARED_PROGRESS,
            JobKind::Pull => LOADED_PROGRESS,
            JobKind::Load => START_PROGRESS,
        }
    }

    /// The progress at which a simulated failure is reported.
    fn fail_progress(&self) -> Option<f64> {
        self.fail
            .as_ref()
            .map(|f| f.at_progress.clamp(START_PROGRESS, LOADED_PROGRESS))
    }

    /// When the job ends: at its simulated failure point, or when loaded.
    pub fn deadline(&self) -> f64 {
        match &self.fail {
            None => self.start + tidy(self.total_ms()),
            Some(f) => self.time_for_progress(f.at_progress),
        }
    }

    /// When progress `p` is reached. The offset from the start is rounded to
    /// 1e-6 ms so that, say, 0.45 of a 1 GB load falls at 700 ms, not 700.0000000000001.
    fn time_for_progress(&self, p: f64) -> f64 {
        // A band of no width (a pull's loading, a load's preparing) is never entered.
        let prepared = self.prepared_progress();
        let offset = if p <= START_PROGRESS {
            0.0
        } else if p <= prepared {
            (p - START_PROGRESS) / (prepared - START_PROGRESS) * self.prepare_ms
        } else if p <= LOADED_PROGRESS {
            self.prepare_ms + (p - prepared) / (LOADED_PROGRESS - prepared) * self.load_ms
        } else {
            self.total_ms()
        };
        self.start + tidy(offset)
    }

    /// Progress of a job still loading at time `t`: from 0.2 over preparing,
    /// to 0.9 over loading (see `prepared_progress`); never past its simulated
    /// failure point.
    fn loading_progress(&self, t: f64) -> f64 {
        let elapsed = (t - self.start).max(0.0);
        let prepared = self.prepared_progress();
        let p = if elapsed < self.prepare_ms {
            START_PROGRESS + (prepared - START_PROGRESS) * fraction(elapsed, self.prepare_ms)
        } else {
            prepared
                + (LOADED_PROGRESS - prepared) * fraction(elapsed - self.prepare_ms, self.load_ms)
        };
        match self.fail_progress() {
            Some(limit) => p.min(limit),
            None => p,
        }
    }

    pub fn progress(&self, now: f64) -> f64 {
        match &self.outcome {
            Outcome::Loading if self.queued => QUEUED_PROGRESS,
            Outcome::Loading => self.loading_progress(now),
            Outcome::Succeeded { .. } => 1.0,
            Outcome::Failed { progress, .. } => *progress,
        }
    }

    fn phase(&self, now: f64) -> Phase {
        match &self.outcome {
            Outcome::Loading if self.queued => Phase::Queued,
            Outcome::Loading if now - self.start < self.prepare_ms => Phase::Preparing,
            Outcome::Loading => Phase::Loading,
            Outcome::Succeeded { .. } => Phase::Done,
            Outcome::Failed { .. } => Phase::Failed,
        }
    }

    /// The time the job's clock stops: its end, or `now` while loading.
    fn until(&self, now: f64) -> f64 {
        match &self.outcome {
            Outcome::Loading => now,
            Outcome::Succeeded { end } | Outcome::Failed { end, .. } => *end,
        }
    }

    pub fn status(&self, now: f64) -> JobStatus {
        let (state, error, cancelled) = match &self.outcome {
            Outcome::Loading => (JobState::Loading, None, false),
            Outcome::Succeeded { .. } => (JobState::Success, None, false),
            Outcome::Failed {
                error, cancelled, ..
            } => (JobState::Failed, Some(error.clone()), *cancelled),
        };
        JobStatus {
            job_id: self.id.clone(),
            model_name: self.model_name.clone(),
            status: state,
            progress: tidy(self.progress(now)),
            elapsed_time: tidy(((self.until(now) - self.admitted) / 1000.0).max(0.0)),
            error,
            phase: self.phase(now),
            tier: self.spec.tier,
            size_gb: self.spec.size_gb,
            estimated_time: self.estimated_time.clone(),
            estimated_seconds: tidy(self.total_ms() / 1000.0),
            cancelled,
            kind: self.kind,
        }
    }
}

/// A deadline key ordered by time, then by job creation order.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Due {
    at: f64,
    /// The job's creation number (its key in [`Loader::jobs`]).
    seq: u64,
}

impl Eq for Due {}

impl PartialOrd for Due {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Due {
    fn cmp(&self, other: &Self) -> Ordering {
        self.at.total_cmp(&other.at).then(self.seq.cmp(&other.seq))
    }
}

/// What a deadline did to a job.
#[derive(Debug, Clone, PartialEq)]
pub enum Ended {
    Succeeded(Job),
    Failed(Job),
}

/// Every job of the server, in creation order, and the deadlines of those loading.
/// Starting, ending and pruning a job cost O(log n) in the jobs retained.
#[derive(Debug, Clone, Default)]
pub struct Loader {
    /// Jobs by creation number: listed in creation order, any one removed cheaply.
    jobs: BTreeMap<u64, Job>,
    /// Job id → creation number.
    ids: HashMap<String, u64>,
    /// Model name → creation number, for jobs still loading, in creation order
    /// (capacity sums their sizes in that order, so removal is as cheap as the sum).
    active: IndexMap<String, u64>,
    deadlines: BTreeSet<Due>,
    /// Jobs waiting for a load slot, oldest first (creation numbers).
    queue: VecDeque<u64>,
    seq: u64,
    history: History,
    /// The second of the latest minted id, and the next suffix to try for
    /// each base minted more than once in it.
    minted_second: i64,
    minted: HashMap<String, u64>,
}

fn seconds(now: f64) -> i64 {
    (now / 1000.0).floor() as i64
}

impl Loader {
    pub fn get(&self, id: &str) -> Option<&Job> {
        self.ids.get(id).and_then(|seq| self.jobs.get(seq))
    }

    pub fn jobs(&self) -> impl Iterator<Item = &Job> {
        self.jobs.values()
    }

    pub fn is_loading(&self, model_name: &str) -> bool {
        self.active.contains_key(model_name)
    }

    pub fn active_count(&self) -> usize {
        self.active.len()
    }

    /// The job still loading for `model_name`, if any.
    pub fn active_job(&self, model_name: &str) -> Option<&Job> {
        self.active
            .get(model_name)
            .and_then(|seq| self.jobs.get(seq))
    }

    /// Jobs still loading.
    pub fn active(&self) -> impl Iterator<Item = &Job> {
        self.active.values().filter_map(|seq| self.jobs.get(seq))
    }

    /// `base` (`load_<name>_<second>`), or `base_2`, `base_3`, …: never an id
    /// used before, pruned or not. Amortized O(1): within a second, the next
    /// suffix of each base that needed one is remembered (distinct names on a
    /// clock held still leave nothing to remember).
    pub fn mint_id(&mut self, base: String, second: i64) -> String {
        if second != self.minted_second {
            self.minted_second = second;
            self.minted.clear();
        }
        let mut n = self.minted.get(&base).copied().unwrap_or(1);
        let mut id = if n == 1 {
            base.clone()
        } else {
            format!("{base}_{n}")
        };
        while self.ids.contains_key(&id) || self.history.is_spent(&id) {
            n += 1;
            id = format!("{base}_{n}");
        }
        if n > 1 {
            self.minted.insert(base, n + 1);
        }
        id
    }

    /// Whether `id` was a job that has since been pruned.
    pub fn was_pruned(&self, id: &str) -> bool {
        self.history.was_pruned(id)
    }

    pub fn history(&self) -> &History {
        &self.history
    }

    /// A job ended at `now`: retain it, pruning the oldest finished ones.
    fn retire(&mut self, id: String, now: f64) {
        for old in self.history.finished(id, seconds(now)) {
            if let Some(seq) = self.ids.remove(&old) {
                self.jobs.remove(&seq);
            }
        }
    }

    /// Jobs in their timed phases.
    pub fn running_count(&self) -> usize {
        self.active.len() - self.queue.len()
    }

    pub fn queued_count(&self) -> usize {
        self.queue.len()
    }

    /// A queued job's place (1 = next), or 0.
    pub fn queue_position(&self, id: &str) -> usize {
        let Some(seq) = self.ids.get(id) else {
            return 0;
        };
        self.queue
            .iter()
            .position(|q| q == seq)
            .map_or(0, |i| i + 1)
    }

    /// Adds a job (its id new): loading ones run, or queue when `queued`;
    /// returns its place in the queue (0: running).
    pub fn start(&mut self, mut job: Job, queued: bool) -> usize {
        let seq = self.seq;
        self.seq += 1;
        let mut position = 0;
        if job.is_loading() {
            if queued || job.queued {
                job.queued = true;
                self.queue.push_back(seq);
                position = self.queue.len();
            } else {
                self.deadlines.insert(Due {
                    at: job.deadline(),
                    seq,
                });
            }
            self.active.insert(job.model_name.clone(), seq);
        }
        self.ids.insert(job.id.clone(), seq);
        self.jobs.insert(seq, job);
        position
    }

    /// Starts the oldest queued job's timed phases at `now`.
    pub fn dequeue(&mut self, now: f64) -> Option<&Job> {
        let seq = self.queue.pop_front()?;
        let job = self.jobs.get_mut(&seq)?;
        job.queued = false;
        job.start = now;
        self.deadlines.insert(Due {
            at: job.deadline(),
            seq,
        });
        Some(job)
    }

    pub fn next_deadline(&self) -> Option<f64> {
        self.deadlines.first().map(|due| due.at)
    }

    /// Rebuilds a loader from saved jobs (creation order) and history: active
    /// names and deadlines are derived, durations recomputed from each spec.
    pub fn restore(saved: Vec<Job>, history: History) -> Result<Loader, String> {
        let mut loader = Loader {
            history,
            ..Loader::default()
        };
        for job in saved {
            let mut fresh = Job::new(
                job.kind,
                job.id,
                job.model_name,
                job.spec,
                job.fail,
                job.start,
            );
            fresh.outcome = job.outcome;
            fresh.admitted = job.admitted;
            fresh.queued = job.queued;
            if loader.ids.contains_key(&fresh.id) {
                return Err(format!("job {} is saved twice", fresh.id));
            }
            if fresh.is_loading() && loader.active.contains_key(&fresh.model_name) {
                return Err(format!("{} is loading twice", fresh.model_name));
            }
            loader.start(fresh, false);
        }
        Ok(loader)
    }

    /// Ends the earliest job due at or before `now`, if any, at its own deadline.
    pub fn end_next_due(&mut self, now: f64) -> Option<Ended> {
        let due = *self.deadlines.first().filter(|due| due.at <= now)?;
        self.deadlines.remove(&due);
        let job = self.jobs.get_mut(&due.seq)?;
        let id = job.id.clone();
        self.active.shift_remove(&job.model_name);
        let ended = match job.fail.clone() {
            None => {
                job.outcome = Outcome::Succeeded { end: due.at };
                Ended::Succeeded(job.clone())
            }
            Some(f) => {
                let progress = job.fail_progress().unwrap_or(START_PROGRESS);
                job.outcome = Outcome::Failed {
                    end: due.at,
                    progress,
                    error: f.error,
                    cancelled: false,
                };
                Ended::Failed(job.clone())
            }
        };
        self.retire(id, now);
        Some(ended)
    }

    /// Cancels a loading job at `now`; `None` if it is not loading.
    pub fn cancel(&mut self, id: &str, now: f64) -> Option<Job> {
        let seq = *self.ids.get(id)?;
        let job = self.jobs.get_mut(&seq).filter(|j| j.is_loading())?;
        let (end, progress) = if job.queued {
            self.queue.retain(|&q| q != seq);
            (now.max(job.admitted), QUEUED_PROGRESS)
        } else {
            let end = now.clamp(job.start, job.deadline());
            self.deadlines.remove(&Due {
                at: job.deadline(),
                seq,
            });
            (end, job.loading_progress(end))
        };
        job.outcome = Outcome::Failed {
            end,
            progress,
            error: String::from("cancelled"),
            cancelled: true,
        };
        self.active.shift_remove(&job.model_name);
        let job = job.clone();
        self.retire(job.id.clone(), now);
        Some(job)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Tier;

    fn job(size_gb: f64, tier: Tier, fail: Option<f64>) -> Job {
        let spec = ModelSpec {
            size_gb,
            tier,
            capabilities: vec!["chat".into()],
        };
        let fail = fail.map(|at_progress| SimulatedFailure {
            at_progress,
            error: "boom".into(),
        });
        Job::new(JobKind::HotLoad, "j".into(), "m".into(), spec, fail, 1000.0)
    }

    #[test]
    fn seed_durations_and_progress() {
        let j = job(2.5, Tier::Ram, None);
        assert_eq!(j.total_ms(), 3750.0);
        assert_eq!(j.status(1000.0).estimated_time, "3.8s");
        assert_eq!(j.progress(1000.0), 0.2);
        assert!((j.progress(1000.0 + 1750.0) - 0.45).abs() < 1e-12);
        assert!((j.progress(1000.0 + 3500.0) - 0.7).abs() < 1e-12);
        assert!((j.progress(1000.0 + 3750.0) - 0.9).abs() < 1e-12);
        assert_eq!(j.progress(1e9), 0.9);
        assert_eq!(j.deadline(), 4750.0);
    }

    #[test]
    fn swap_tier_loads_slower() {
        let j = job(6.5, Tier::Swap, None);
        assert!((j.total_ms() - 6.5 * 1900.0).abs() < 1e-6);
    }

    #[test]
    fn failures_stop_at_their_point() {
        assert_eq!(job(1.0, Tier::Ram, Some(0.1)).deadline(), 1000.0);
        let half = job(1.0, Tier::Ram, Some(0.45));
        assert!((half.deadline() - 1700.0).abs() < 1e-9);
        assert_eq!(half.progress(1e9), 0.45);
        let late = job(1.0, Tier::Ram, Some(0.95));
        assert_eq!(late.deadline(), late.start + late.total_ms());
    }

    #[test]
    fn loader_ends_jobs_in_deadline_order() {
        let mut l = Loader::default();
        let mut a = job(2.0, Tier::Ram, None);
        a.id = "a".into();
        a.model_name = "a".into();
        let mut b = job(1.0, Tier::Ram, Some(0.5));
        b.id = "b".into();
        b.model_name = "b".into();
        l.start(a, false);
        l.start(b, false);
        assert_eq!(l.active_count(), 2);
        assert!(l.end_next_due(1000.0).is_none());
        let first = l.end_next_due(1e9);
        assert!(matches!(first, Some(Ended::Failed(ref j)) if j.id == "b"));
        assert!(matches!(l.end_next_due(1e9), Some(Ended::Succeeded(ref j)) if j.id == "a"));
        assert_eq!(l.next_deadline(), None);
        assert_eq!(l.active_count(), 0);
        assert_eq!(l.mint_id("a".into(), 0), "a_2");
        assert_eq!(l.mint_id("a".into(), 0), "a_3");
    }

    #[test]
    fn cancel_clears_the_deadline() {
        let mut l = Loader::default();
        l.start(job(2.0, Tier::Ram, None), false);
        let c = l.cancel("j", 1500.0);
        assert!(c.is_some());
        assert_eq!(l.next_deadline(), None);
        assert!(l.cancel("j", 1600.0).is_none());
        assert_eq!(l.get("j").map(|j| j.status(5000.0).elapsed_time), Some(0.5));
    }

    /// One hot_load + cancel_load on a clock held at `now`: the id minted.
    fn cycle(l: &mut Loader, name: &str, now: f64) -> String {
        let second = seconds(now);
        let id = l.mint_id(format!("load_{name}_{second}"), second);
        let mut j = job(0.5, Tier::Ram, None);
        (j.id, j.model_name, j.start) = (id.clone(), name.into(), now);
        l.start(j, false);
        assert!(l.cancel(&id, now).is_some());
        id
    }

    #[test]
    fn a_repeated_name_on_a_still_clock_takes_the_next_suffix_at_once() {
        let mut l = Loader::default();
        for i in 1..=3 * crate::history::RETAIN_FINISHED {
            let want = if i == 1 {
                String::from("load_m_0")
            } else {
                format!("load_m_0_{i}")
            };
            assert_eq!(cycle(&mut l, "m", 0.0), want);
        }
        assert_eq!(l.minted.len(), 1);
        assert_eq!(l.jobs.len(), crate::history::RETAIN_FINISHED);
        assert_eq!(l.ids.len(), l.jobs.len());
        assert!(l.deadlines.is_empty() && l.active.is_empty());
        assert!(l.was_pruned("load_m_0") && l.get("load_m_0").is_none());
    }

    #[test]
    fn distinct_names_on_a_still_clock_leave_nothing_to_remember() {
        let mut l = Loader::default();
        for i in 0..3 * crate::history::RETAIN_FINISHED {
            assert_eq!(
                cycle(&mut l, &format!("d-{i}"), 0.0),
                format!("load_d-{i}_0")
            );
        }
        // The old code kept one entry per name for the whole second.
        assert!(l.minted.is_empty());
        assert_eq!(
            cycle(&mut l, "d-0", 0.0),
            "load_d-0_0_2",
            "pruned, still spent"
        );
        assert_eq!(cycle(&mut l, "d-0", 0.0), "load_d-0_0_3");
    }

    #[test]
    fn jobs_stay_in_creation_order_while_later_ones_are_pruned() {
        let mut l = Loader::default();
        let mut slow = job(3.0, Tier::Ram, None);
        (slow.id, slow.model_name) = ("load_slow_1".into(), "slow".into());
        l.start(slow, false);
        let ids: Vec<String> = (0..crate::history::RETAIN_FINISHED + 10)
            .map(|i| cycle(&mut l, &format!("q{i}"), 1000.0))
            .collect();
        let listed: Vec<&str> = l.jobs().map(|j| j.id.as_str()).collect();
        assert_eq!(listed.first(), Some(&"load_slow_1"));
        assert_eq!(listed.get(1).copied(), ids.get(10).map(String::as_str));
        assert_eq!(listed.len(), crate::history::RETAIN_FINISHED + 1);
        assert_eq!(l.active().count(), 1);
        assert_eq!(l.next_deadline(), l.get("load_slow_1").map(Job::deadline));
        assert!(
            matches!(l.end_next_due(1e9), Some(Ended::Succeeded(ref j)) if j.id == "load_slow_1")
        );
        assert_eq!(l.jobs().count(), crate::history::RETAIN_FINISHED);
        assert!(l.get("load_slow_1").is_some() && l.get("load_q10_1").is_none());
    }
}
