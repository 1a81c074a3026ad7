//! Hot-swaps run one at a time, in request order. Each queued swap starts when
//! the one before it ends, so its whole schedule is known when it is queued.

use crate::protocol::Response;
use std::collections::VecDeque;

/// Identifies a response that waits for its swap to finish.
pub type Ticket = u64;

#[derive(Debug, Clone, PartialEq)]
pub struct Swap {
    pub ticket: Ticket,
    pub from: String,
    pub to: String,
    pub seconds: f64,
    pub start: f64,
    pub end: f64,
    /// The response the caller receives when the swap ends (none after a restore:
    /// nobody is waiting for it any more).
    pub response: Option<Response>,
}

/// What `queue` tells its caller.
#[derive(Debug, Clone, PartialEq)]
pub struct Queued {
    pub ticket: Ticket,
    pub from: String,
    pub start: f64,
    pub starts_now: bool,
}

#[derive(Debug, Clone, Default)]
pub struct Swaps {
    /// The model serving now.
    current: Option<String>,
    queue: VecDeque<Swap>,
    next_ticket: Ticket,
}

impl Swaps {
    pub fn current(&self) -> Option<&str> {
        self.current.as_deref()
    }

    /// The swap in progress, if any.
    pub fn in_progress(&self) -> Option<&Swap> {
        self.queue.front()
    }

    pub fn pending(&self) -> usize {
        self.queue.len()
    }

    /// The model that will be current once every queued swap has run.
    pub fn target(&self) -> Option<&str> {
        self.queue
            .back()
            .map(|s| s.to.as_str())
            .or(self.current.as_deref())
    }

    /// The current model, or one a queued swap will make current.
    pub fn in_use(&self, name: &str) -> bool {
        self.current.as_deref() == Some(name) || self.queue.iter().any(|s| s.to == name)
    }

    /// Whether `name` is current, or the source or target of a queued or running swap.
    pub fn involves(&self, name: &str) -> bool {
        self.current.as_deref() == Some(name)
            || self.queue.iter().any(|s| s.from == name || s.to == name)
    }

    /// Makes `name` current at once (no model was current).
    pub fn set_current(&mut self, name: String) {
        self.current = Some(name);
    }

    /// Queues a swap from the target model to `to`. It starts now if no other
    /// swap is queued, else when the last queued one ends.
    pub fn queue(&mut self, to: String, seconds: f64, now: f64, response: Response) -> Queued {
        let from = self.target().unwrap_or_default().to_string();
        let start = self.queue.back().map_or(now, |s| s.end);
        let queued = Queued {
            ticket: self.next_ticket,
            from: from.clone(),
            start,
            starts_now: self.queue.is_empty(),
        };
        self.next_ticket += 1;
        self.queue.push_back(Swap {
            response: Some(response),
            ticket: queued.ticket,
            from,
            to,
            seconds,
            start,
            end: start + seconds * 1000.0,
        });
        queued
    }

    /// The swaps still queued, for saving.
    pub fn queued(&self) -> impl Iterator<Item = &Swap> {
        self.queue.iter()
    }

    /// Rebuilds the queue from saved state; tickets restart past any in use.
    pub fn restore(current: Option<String>, queue: Vec<Swap>) -> Swaps {
        let next_ticket = queue.iter().map(|s| s.ticket + 1).max().unwrap_or(0);
        Swaps {
            current,
            queue: queue.into(),
            next_ticket,
        }
    }

    pub fn next_deadline(&self) -> Option<f64> {
        self.queue.front().map(|s| s.end)
    }

    /// Finishes the swap in progress if it is due at or before `now`; the next
    /// one (if any) then starts.
    pub fn finish_due(&mut self, now: f64) -> Option<Swap> {
        if !self.queue.front().is_some_and(|s| s.end <= now) {
            return None;
        }
        let swap = self.queue.pop_front()?;
        self.current = Some(swap.to.clone());
        Some(swap)
    }
}
