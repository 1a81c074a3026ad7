//! Running figures for `metrics`: bounded memory whatever the session length.

use crate::protocol::{
    LoadCounts, LoadTimes, MetricsReport, QueueWait, SelectionStats, Success, SwapStats,
};
use std::collections::VecDeque;

/// How many of the latest selection times the p99 is taken over.
pub const SELECTION_WINDOW: usize = 1000;

/// The counters and sums behind `metrics`. Fields are visible to the crate
/// for `persist`, which saves and restores them as they are.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Metrics {
    pub(crate) started: u64,
    pub(crate) succeeded: u64,
    pub(crate) failed: u64,
    pub(crate) cancelled: u64,
    pub(crate) load_seconds_sum: f64,
    pub(crate) load_seconds_min: f64,
    pub(crate) load_seconds_max: f64,
    pub(crate) selections: u64,
    pub(crate) selection_ms_sum: f64,
    pub(crate) selection_ms_max: f64,
    /// The latest selection times, at most [`SELECTION_WINDOW`].
    pub(crate) recent_selection_ms: VecDeque<f64>,
    pub(crate) swaps: u64,
    pub(crate) swap_seconds_sum: f64,
    pub(crate) evictions: u64,
    pub(crate) expirations: u64,
    pub(crate) queue_waits: u64,
    pub(crate) queue_wait_sum: f64,
    pub(crate) queue_wait_max: f64,
}

impl Metrics {
    pub fn load_started(&mut self) {
        self.started += 1;
    }

    pub fn load_succeeded(&mut self, seconds: f64) {
        self.load_seconds_min = if self.succeeded == 0 {
            seconds
        } else {
            self.load_seconds_min.min(seconds)
        };
        self.load_seconds_max = self.load_seconds_max.max(seconds);
        self.succeeded += 1;
        self.load_seconds_sum += seconds;
    }

    pub fn load_failed(&mut self, cancelled: bool) {
        if cancelled {
            self.cancelled += 1;
        } else {
            self.failed += 1;
        }
    }

    pub fn selection(&mut self, ms: f64) {
        self.selections += 1;
        self.selection_ms_sum += ms;
        self.selection_ms_max = self.selection_ms_max.max(ms);
        if self.recent_selection_ms.len() == SELECTION_WINDOW {
            self.recent_selection_ms.pop_front();
        }
        self.recent_selection_ms.push_back(ms);
    }

    pub fn evicted(&mut self) {
        self.evictions += 1;
    }

    pub fn expired(&mut self) {
        self.expirations += 1;
    }

    /// A queued job started after waiting `seconds`.
    pub fn dequeued(&mut self, seconds: f64) {
        self.queue_waits += 1;
        self.queue_wait_sum += seconds;
        self.queue_wait_max = self.queue_wait_max.max(seconds);
    }

    pub fn swap_finished(&mut self, seconds: f64) {
        self.swaps += 1;
        self.swap_seconds_sum += seconds;
    }

    pub fn report(&self, active: usize, pending_swaps: usize) -> MetricsReport {
        let mean = |sum: f64, n: u64| if n == 0 { 0.0 } else { sum / n as f64 };
        let mut recent: Vec<f64> = self.recent_selection_ms.iter().copied().collect();
        recent.sort_by(f64::total_cmp);
        let p99_index = (recent.len() * 99 / 100).min(recent.len().saturating_sub(1));
        MetricsReport {
            status: Success::Success,
            loads: LoadCounts {
                started: self.started,
                succeeded: self.succeeded,
                failed: self.failed,
                cancelled: self.cancelled,
                active,
            },
            load_time_s: LoadTimes {
                count: self.succeeded,
                mean: mean(self.load_seconds_sum, self.succeeded),
                min: self.load_seconds_min,
                max: self.load_seconds_max,
            },
            selections: SelectionStats {
                count: self.selections,
                mean_ms: mean(self.selection_ms_sum, self.selections),
                p99_ms: recent.get(p99_index).copied().unwrap_or(0.0),
                max_ms: self.selection_ms_max,
            },
            swaps: SwapStats {
                count: self.swaps,
                total_time_s: self.swap_seconds_sum,
                mean_time_s: mean(self.swap_seconds_sum, self.swaps),
                pending: pending_swaps,
            },
            evictions: self.evictions,
            expirations: self.expirations,
            queue_wait_s: QueueWait {
                count: self.queue_waits,
                mean: mean(self.queue_wait_sum, self.queue_waits),
                max: self.queue_wait_max,
            },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn p99_and_means() {
        let mut m = Metrics::default();
        for i in 1..=200 {
            m.selection(f64::from(i));
        }
        m.load_succeeded(2.0);
        m.load_succeeded(4.0);
        let r = m.report(0, 0);
        assert_eq!(r.selections.count, 200);
        assert_eq!(r.selections.p99_ms, 199.0);
        assert_eq!(r.selections.mean_ms, 100.5);
        assert_eq!(
            (r.load_time_s.mean, r.load_time_s.min, r.load_time_s.max),
            (3.0, 2.0, 4.0)
        );
    }

    #[test]
    fn the_selection_window_is_bounded() {
        let mut m = Metrics::default();
        for _ in 0..5000 {
            m.selection(1.0);
        }
        assert_eq!(m.recent_selection_ms.len(), SELECTION_WINDOW);
    }
}
