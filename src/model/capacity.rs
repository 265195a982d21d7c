//! Capacity over calendar time: a starting value and a piecewise-linear ramp through
//! dated points, as a planner writes "6,000 wafers a week now, 9,000 by mid-2026".

/// Units per week as a function of the day.
#[derive(Debug, Clone, PartialEq)]
pub struct CapacitySchedule {
    initial_per_week: f64,
    /// Day of the scenario's start, from which the first ramp runs (the initial value
    /// holds before it, through the warm-up).
    start_day: f64,
    /// (day, units per week), days strictly increasing.
    points: Vec<(f64, f64)>,
}

impl CapacitySchedule {
    /// A schedule that holds `initial_per_week` until `start_day` and ramps linearly
    /// from there to each point in turn; `points` must be sorted by day (checked by the
    /// scenario).
    pub fn new(initial_per_week: f64, start_day: f64, points: Vec<(f64, f64)>) -> Self {
        CapacitySchedule {
            initial_per_week,
            start_day,
            points,
        }
    }

    /// Units per week on `day`.
    pub fn per_week(&self, day: f64) -> f64 {
        let mut previous = (self.start_day, self.initial_per_week);
        for &(point_day, value) in &self.points {
            if day < point_day {
                if point_day <= previous.0 {
                    return value;
                }
                let fraction = ((day - previous.0) / (point_day - previous.0)).clamp(0.0, 1.0);
                return previous.1 + fraction * (value - previous.1);
            }
            previous = (point_day, value);
        }
        previous.1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramps_linearly_between_points_and_holds_after() {
        let schedule =
            CapacitySchedule::new(100.0, 0.0, vec![(10.0, 200.0), (20.0, 200.0), (30.0, 0.0)]);
        assert_eq!(schedule.per_week(0.0), 100.0);
        assert_eq!(schedule.per_week(5.0), 150.0);
        assert_eq!(schedule.per_week(15.0), 200.0);
        assert_eq!(schedule.per_week(25.0), 100.0);
        assert_eq!(schedule.per_week(99.0), 0.0);
    }

    #[test]
    fn a_point_before_the_start_applies_at_once() {
        let schedule = CapacitySchedule::new(100.0, 0.0, vec![(-5.0, 300.0)]);
        assert_eq!(schedule.per_week(0.0), 300.0);
    }

    #[test]
    fn the_initial_value_holds_through_the_warm_up() {
        let schedule = CapacitySchedule::new(100.0, 365.0, vec![(375.0, 200.0)]);
        assert_eq!(schedule.per_week(0.0), 100.0);
        assert_eq!(schedule.per_week(365.0), 100.0);
        assert_eq!(schedule.per_week(370.0), 150.0);
    }
}
