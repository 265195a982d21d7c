//! Outages and the work clock of a producer. An outage takes a share of a producer's
//! capacity at its onset and gives it back along a recovery curve: availability
//! `1 − lost × (1 − curve(days since onset))`, where the curve rises from its first
//! point to full (1) after its last. Several outages at once multiply.
//!
//! Work in process advances with availability: a lot needs its cycle time of *work*,
//! and a producer at share `a` of its capacity does `a` days of work per day, so a
//! full outage stops its lots and a partial one stretches them by the lost share. The
//! [`WorkClock`] integrates availability over time (exactly: between breakpoints the
//! product of linear pieces is a low-degree polynomial, integrated by Simpson's rule)
//! and inverts it to say when a lot that needs a given amount of work will finish.

/// How capacity comes back after an outage's onset, as (days since onset, share of
/// capacity available) points for an outage that loses everything; linear between
/// points, full after the last.
#[derive(Debug, Clone, PartialEq)]
pub struct RecoveryCurve(Vec<(f64, f64)>);

impl RecoveryCurve {
    /// A curve through `points` (days increasing from 0, shares in 0..=1: checked by
    /// the scenario).
    pub fn new(points: Vec<(f64, f64)>) -> Self {
        RecoveryCurve(points)
    }

    /// Back linearly from nothing at onset to full after `duration` days.
    pub fn linear(duration: f64) -> Self {
        RecoveryCurve(vec![(0.0, 0.0), (duration, 1.0)])
    }

    /// Nothing until `duration` days after onset, then full at once.
    pub fn step(duration: f64) -> Self {
        RecoveryCurve(vec![(0.0, 0.0), (duration, 0.0)])
    }

    /// The curve with its days stretched so that its last point falls on `duration`.
    pub fn stretched_to(&self, duration: f64) -> Self {
        let last = self.length();
        if last <= 0.0 {
            return self.clone();
        }
        let factor = duration / last;
        RecoveryCurve(self.0.iter().map(|&(d, s)| (d * factor, s)).collect())
    }

    /// Days from onset to the last point (after which capacity is whole).
    pub fn length(&self) -> f64 {
        self.0.last().map_or(0.0, |&(day, _)| day)
    }

    /// Share available `since` days after onset, for an outage that loses everything.
    fn share(&self, since: f64) -> f64 {
        let Some(&(first_day, first_share)) = self.0.first() else {
            return 1.0;
        };
        if since < first_day {
            return first_share;
        }
        for pair in self.0.windows(2) {
            let ((d0, s0), (d1, s1)) = (pair[0], pair[1]);
            if since < d1 {
                if d1 <= d0 {
                    return s1;
                }
                return s0 + (s1 - s0) * (since - d0) / (d1 - d0);
            }
        }
        1.0
    }
}

/// One outage acting on a producer.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Outage {
    /// Day of onset.
    pub start: f64,
    /// Share of capacity lost at onset (scales the curve's loss).
    pub lost: f64,
    /// How capacity comes back.
    pub curve: RecoveryCurve,
}

impl Outage {
    fn end(&self) -> f64 {
        self.start + self.curve.length()
    }

    fn availability(&self, day: f64) -> f64 {
        if day < self.start || day >= self.end() {
            return 1.0;
        }
        1.0 - self.lost * (1.0 - self.curve.share(day - self.start))
    }
}

/// Work done by a producer as a function of time: `work(t) = anchor_work + ∫ a(u) du`
/// from the anchor day, with `a` the product of the active outages' availabilities.
#[derive(Debug, Clone, Default)]
pub(super) struct WorkClock {
    anchor_day: f64,
    anchor_work: f64,
    outages: Vec<Outage>,
}

impl WorkClock {
    /// Whether no outage acts now or later: work equals time.
    fn idle(&self) -> bool {
        self.outages.is_empty()
    }

    /// Share of capacity available on `day`.
    pub fn availability(&self, day: f64) -> f64 {
        self.outages.iter().map(|o| o.availability(day)).product()
    }

    /// Work done by `day` (days of full-capacity work since the anchor's origin).
    pub fn work_at(&self, day: f64) -> f64 {
        if self.idle() {
            return self.anchor_work + (day - self.anchor_day);
        }
        self.anchor_work + self.integral(self.anchor_day, day)
    }

    /// The day the work reaches `work` (never before the anchor).
    pub fn day_of_work(&self, work: f64) -> f64 {
        let needed = work - self.anchor_work;
        if self.idle() {
            return self.anchor_day + needed;
        }
        if needed <= 0.0 {
            return self.anchor_day;
        }
        let mut done = 0.0;
        let points = self.breakpoints();
        let mut from = self.anchor_day;
        for &to in points.iter().chain(std::iter::once(&f64::INFINITY)) {
            if to <= from {
                continue;
            }
            if to.is_infinite() {
                // After every outage, availability is whole.
                return from + (needed - done);
            }
            let piece = self.segment_integral(from, to);
            if done + piece >= needed {
                return self.solve_in_segment(from, to, needed - done);
            }
            done += piece;
            from = to;
        }
        from + (needed - done)
    }

    /// Adds an outage starting at `day` (the clock's latest event): re-anchors the clock
    /// there and forgets outages that are over.
    pub fn add(&mut self, outage: Outage) {
        let day = outage.start;
        self.anchor_work = self.work_at(day);
        self.anchor_day = day;
        self.outages.retain(|o| o.end() > day);
        self.outages.push(outage);
    }

    /// Days inside `(from, to)` where some outage's availability has a kink.
    fn breakpoints(&self) -> Vec<f64> {
        let mut points: Vec<f64> = Vec::new();
        for outage in &self.outages {
            points.push(outage.start);
            points.extend(outage.curve.0.iter().map(|&(d, _)| outage.start + d));
        }
        points.sort_by(f64::total_cmp);
        points.dedup();
        points
    }

    /// ∫ availability over `[from, to]`.
    fn integral(&self, from: f64, to: f64) -> f64 {
        if to <= from {
            return 0.0;
        }
        let mut total = 0.0;
        let mut start = from;
        for point in self.breakpoints() {
            if point <= start {
                continue;
            }
            if point >= to {
                break;
            }
            total += self.segment_integral(start, point);
            start = point;
        }
        total + self.segment_integral(start, to)
    }

    /// ∫ availability over `[from, to]` with no breakpoint inside: Simpson's rule,
    /// exact for products of up to three linear pieces.
    fn segment_integral(&self, from: f64, to: f64) -> f64 {
        let width = to - from;
        if width <= 0.0 {
            return 0.0;
        }
        // Evaluate just inside the ends, so a step at an end counts for the segment it bounds.
        let a = self.availability(from + width * 1e-12);
        let m = self.availability(from + width / 2.0);
        let b = self.availability(to - width * 1e-12);
        width * (a + 4.0 * m + b) / 6.0
    }

    /// The day in `[from, to]` by which `needed` work is done from `from`.
    fn solve_in_segment(&self, from: f64, to: f64, needed: f64) -> f64 {
        let (mut low, mut high) = (from, to);
        for _ in 0..60 {
            let middle = (low + high) / 2.0;
            if self.segment_integral(from, middle) < needed {
                low = middle;
            } else {
                high = middle;
            }
        }
        high
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn clock_with(outage: Outage) -> WorkClock {
        let mut clock = WorkClock::default();
        clock.add(outage);
        clock
    }

    #[test]
    fn without_outages_work_is_time() {
        let clock = WorkClock::default();
        assert_eq!(clock.work_at(12.5), 12.5);
        assert_eq!(clock.day_of_work(30.0), 30.0);
        assert_eq!(clock.availability(3.0), 1.0);
    }

    #[test]
    fn a_full_stop_delays_work_by_its_length() {
        let clock = clock_with(Outage {
            start: 10.0,
            lost: 1.0,
            curve: RecoveryCurve::step(20.0),
        });
        assert_eq!(clock.availability(15.0), 0.0);
        assert_eq!(clock.availability(30.0), 1.0);
        // 10 days of work before the stop, none during, then again.
        assert!((clock.work_at(35.0) - 15.0).abs() < 1e-9);
        assert!((clock.day_of_work(25.0) - 45.0).abs() < 1e-6);
    }

    #[test]
    fn a_partial_outage_stretches_work_by_the_lost_share() {
        let clock = clock_with(Outage {
            start: 0.0,
            lost: 0.5,
            curve: RecoveryCurve::step(10.0),
        });
        assert!((clock.work_at(10.0) - 5.0).abs() < 1e-9);
        assert!((clock.day_of_work(5.0) - 10.0).abs() < 1e-6);
        assert!((clock.day_of_work(8.0) - 13.0).abs() < 1e-6);
    }

    #[test]
    fn recovery_follows_the_curve_and_integrates_exactly() {
        // Chi-Chi: 20 % on day 5, 90 % on day 8, whole on day 30.
        let curve = RecoveryCurve::new(vec![(0.0, 0.0), (5.0, 0.2), (8.0, 0.9), (30.0, 1.0)]);
        let clock = clock_with(Outage {
            start: 0.0,
            lost: 1.0,
            curve,
        });
        assert!((clock.availability(5.0) - 0.2).abs() < 1e-12);
        assert!((clock.availability(6.5) - 0.55).abs() < 1e-12);
        // ∫0^5 0.04 t dt = 0.5; ∫5^8 (0.2 + 0.7 (t−5)/3) = 1.65.
        assert!((clock.work_at(8.0) - 2.15).abs() < 1e-9);
        let day = clock.day_of_work(2.15);
        assert!((day - 8.0).abs() < 1e-6, "{day}");
    }

    #[test]
    fn overlapping_outages_multiply() {
        let mut clock = clock_with(Outage {
            start: 0.0,
            lost: 0.5,
            curve: RecoveryCurve::step(10.0),
        });
        clock.add(Outage {
            start: 4.0,
            lost: 0.5,
            curve: RecoveryCurve::linear(4.0),
        });
        assert!((clock.availability(4.0) - 0.25).abs() < 1e-12);
        assert!((clock.availability(6.0) - 0.375).abs() < 1e-12);
        // 2 days of work by day 4, then ∫4^8 0.5 (1 − 0.5 (1 − (t−4)/4)) = 1.5, then
        // 0.5/day until the first outage ends on day 10, then full speed.
        assert!((clock.work_at(8.0) - 3.5).abs() < 1e-9);
        assert!((clock.work_at(10.0) - 4.5).abs() < 1e-9);
        assert!((clock.work_at(12.0) - 6.5).abs() < 1e-9);
        assert!((clock.day_of_work(6.0) - 11.5).abs() < 1e-6);
    }

    #[test]
    fn a_curve_stretches_to_a_duration() {
        let curve = RecoveryCurve::new(vec![(0.0, 0.0), (29.0, 0.0), (97.0, 1.0)]);
        let stretched = curve.stretched_to(194.0);
        assert_eq!(stretched.length(), 194.0);
        assert_eq!(stretched.share(58.0), 0.0);
        assert!((stretched.share(126.0) - 0.5).abs() < 1e-12);
    }
}
