//! The safety check: how much of a tier is resident, reserved and free, and
//! whether a load fits within the tier's safe share of what is free.

use crate::error::{ApiError, ErrorCode};
use crate::model::{ModelSpec, Tier};
use crate::protocol::TierUsage;
use crate::text::{gb, num, tidy};

/// Tolerance for sums of decimal sizes (0.1 + 0.2 ≠ 0.3 in binary).
const EPSILON_GB: f64 = 1e-9;

/// Total GB per tier.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Capacity {
    pub ram_gb: f64,
    pub swap_gb: f64,
}

impl Capacity {
    pub fn total(&self, tier: Tier) -> f64 {
        match tier {
            Tier::Ram => self.ram_gb,
            Tier::Swap => self.swap_gb,
        }
    }
}

/// One tier's accounts at one moment.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Usage {
    pub tier: Tier,
    pub total: f64,
    pub resident: f64,
    pub reserved: f64,
}

impl Usage {
    pub fn free(&self) -> f64 {
        self.total - self.resident - self.reserved
    }

    /// The largest load the tier accepts now.
    pub fn safe_limit(&self) -> f64 {
        (self.tier.safety_factor() * self.free()).max(0.0)
    }

    /// Accepts `spec` only if it fits the tier's safe share of free capacity.
    pub fn admit(&self, spec: &ModelSpec) -> Result<(), ApiError> {
        if spec.size_gb <= self.safe_limit() + EPSILON_GB {
            return Ok(());
        }
        Err(ApiError::new(
            ErrorCode::InsufficientCapacity,
            format!(
                "Insufficient {} capacity: the model needs {}, but the safe limit is {} ({}% of {} free).",
                self.tier.as_str(),
                gb(spec.size_gb),
                gb(self.safe_limit()),
                num((self.tier.safety_factor() * 100.0).round()),
                gb(self.free().max(0.0)),
            ),
        ))
    }

    pub fn report(&self) -> TierUsage {
        TierUsage {
            total_gb: tidy(self.total),
            resident_gb: tidy(self.resident),
            reserved_gb: tidy(self.reserved),
            free_gb: tidy(self.free()),
            safe_limit_gb: tidy(self.safe_limit()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(size_gb: f64, tier: Tier) -> ModelSpec {
        ModelSpec {
            size_gb,
            tier,
            capabilities: vec!["chat".into()],
        }
    }

    #[test]
    fn ram_admits_up_to_seventy_percent_of_free() {
        let u = Usage {
            tier: Tier::Ram,
            total: 10.0,
            resident: 4.0,
            reserved: 2.0,
        };
        assert!(u.admit(&spec(2.8, Tier::Ram)).is_ok());
        let err = u.admit(&spec(2.9, Tier::Ram)).err();
        assert_eq!(
            err.as_ref().map(|e| e.code),
            Some(ErrorCode::InsufficientCapacity)
        );
        let reason = err.map(|e| e.reason).unwrap_or_default();
        assert!(
            reason.contains("2.9 GB") && reason.contains("2.8 GB"),
            "{reason}"
        );
    }

    #[test]
    fn swap_admits_up_to_sixty_percent_of_free() {
        let u = Usage {
            tier: Tier::Swap,
            total: 10.0,
            resident: 0.0,
            reserved: 0.0,
        };
        assert!(u.admit(&spec(6.0, Tier::Swap)).is_ok());
        assert!(u.admit(&spec(6.01, Tier::Swap)).is_err());
    }

    #[test]
    fn an_overfull_tier_has_no_room() {
        let u = Usage {
            tier: Tier::Ram,
            total: 1.0,
            resident: 2.0,
            reserved: 0.0,
        };
        assert_eq!(u.safe_limit(), 0.0);
        assert!(u.admit(&spec(0.1, Tier::Ram)).is_err());
    }
}
