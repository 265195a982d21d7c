//! Simulation time: days since the scenario start, a finite non-negative `f64`
//! that can never be NaN, so that it has a total order.

use std::fmt;

/// A point in simulated time, in days from the start of the run.
///
/// The invariant (finite and `>= 0`) is checked by [`SimTime::new`], so the type can
/// implement [`Ord`] and be used as a priority-queue key. Because the value is never
/// negative, its IEEE-754 bit pattern orders exactly like the number itself, which the
/// event queue uses as a cheap integer key.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct SimTime(f64);

/// A time value that is not a valid simulation time.
#[derive(Debug, Clone, Copy, PartialEq, thiserror::Error)]
pub enum TimeError {
    /// NaN or infinite.
    #[error("time must be a finite number of days, got {0}")]
    NotFinite(f64),
    /// Below zero.
    #[error("time must be at least 0 days, got {0}")]
    Negative(f64),
}

impl SimTime {
    /// The start of the simulation.
    pub const ZERO: SimTime = SimTime(0.0);

    /// Checks that `days` is finite and non-negative.
    pub fn new(days: f64) -> Result<Self, TimeError> {
        if !days.is_finite() {
            Err(TimeError::NotFinite(days))
        } else if days < 0.0 {
            Err(TimeError::Negative(days))
        } else {
            // Normalise -0.0 so that the bit pattern orders correctly.
            Ok(SimTime(days + 0.0))
        }
    }

    /// Days since the start.
    pub fn days(self) -> f64 {
        self.0
    }

    /// This time plus a non-negative, finite delay in days.
    pub fn after(self, delay_days: f64) -> Result<Self, TimeError> {
        if !delay_days.is_finite() {
            return Err(TimeError::NotFinite(delay_days));
        }
        if delay_days < 0.0 {
            return Err(TimeError::Negative(delay_days));
        }
        SimTime::new(self.0 + delay_days)
    }

    /// The integer key with the same order as the time (valid because time >= 0).
    pub(crate) fn order_key(self) -> u64 {
        self.0.to_bits()
    }

    /// The inverse of [`order_key`](Self::order_key).
    pub(crate) fn from_order_key(key: u64) -> Self {
        SimTime(f64::from_bits(key))
    }
}

impl Eq for SimTime {}

impl PartialOrd for SimTime {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for SimTime {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.order_key().cmp(&other.order_key())
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "day {:.3}", self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rejects_nan_infinite_and_negative() {
        assert!(matches!(
            SimTime::new(f64::NAN),
            Err(TimeError::NotFinite(_))
        ));
        assert!(matches!(
            SimTime::new(f64::INFINITY),
            Err(TimeError::NotFinite(_))
        ));
        assert!(matches!(SimTime::new(-1.0), Err(TimeError::Negative(_))));
        assert!(SimTime::ZERO.after(-0.5).is_err());
        assert!(SimTime::ZERO.after(f64::NAN).is_err());
    }

    #[test]
    fn bit_order_matches_numeric_order() {
        let values = [0.0, -0.0, 1e-300, 0.5, 1.0, 3.25, 1e9];
        for &a in &values {
            for &b in &values {
                let (ta, tb) = (SimTime::new(a).unwrap(), SimTime::new(b).unwrap());
                assert_eq!(ta.cmp(&tb), a.partial_cmp(&b).unwrap(), "{a} vs {b}");
            }
        }
    }
}
