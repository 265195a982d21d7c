//! Which paired changes to tell first: those whose 95 % confidence interval excludes
//! zero, largest relative to the base first (a change from a base of zero last, by
//! size). `compare` ends with them and the report lists them.

/// A paired difference (other − base) with its 95 % CI.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    /// The base run's mean.
    pub base_mean: f64,
    /// The mean paired difference.
    pub diff_mean: f64,
    /// Its 95 % confidence interval.
    pub ci95: (f64, f64),
}

impl Change {
    /// Whether the interval excludes zero: a change the replications can tell apart
    /// from noise.
    pub fn distinguishable(&self) -> bool {
        self.ci95.0 > 0.0 || self.ci95.1 < 0.0
    }

    /// The difference over the base mean (NaN when the base mean is 0 or undefined).
    pub fn relative(&self) -> f64 {
        if self.base_mean == 0.0 {
            f64::NAN
        } else {
            self.diff_mean / self.base_mean.abs()
        }
    }

    /// `+12.5 %`, or empty when there is no base to compare with.
    pub fn relative_text(&self) -> String {
        let relative = self.relative();
        if relative.is_finite() {
            format!("{} %", super::signed(100.0 * relative))
        } else {
            String::new()
        }
    }
}

/// The distinguishable changes among `rows`, biggest first, at most `limit`.
pub fn biggest_changes<T>(rows: &[T], change: impl Fn(&T) -> Change, limit: usize) -> Vec<&T> {
    let mut ranked: Vec<(&T, Change)> = (rows.iter())
        .map(|row| (row, change(row)))
        .filter(|(_, change)| change.distinguishable())
        .collect();
    let size = |change: &Change| {
        let relative = change.relative().abs();
        if relative.is_finite() {
            (1, relative)
        } else {
            (0, change.diff_mean.abs())
        }
    };
    ranked.sort_by(|(_, a), (_, b)| {
        let (a, b) = (size(a), size(b));
        b.0.cmp(&a.0).then(b.1.total_cmp(&a.1))
    });
    ranked.into_iter().take(limit).map(|(row, _)| row).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changes_that_noise_could_explain_are_left_out_and_the_rest_ranked() {
        let change = |base_mean: f64, diff_mean: f64, low: f64, high: f64| Change {
            base_mean,
            diff_mean,
            ci95: (low, high),
        };
        let rows = [
            ("noise", change(100.0, 50.0, -1.0, 101.0)),
            ("small", change(100.0, -5.0, -6.0, -4.0)),
            ("large", change(10.0, 5.0, 4.0, 6.0)),
            ("from zero", change(0.0, 1e6, 1.0, 2e6)),
            ("none", change(10.0, 0.0, 0.0, 0.0)),
        ];
        let names: Vec<&str> = biggest_changes(&rows, |row| row.1, 10)
            .into_iter()
            .map(|row| row.0)
            .collect();
        assert_eq!(names, ["large", "small", "from zero"]);
        assert_eq!(biggest_changes(&rows, |row| row.1, 1).len(), 1);
        assert_eq!(rows[1].1.relative_text(), "-5.00 %");
        assert_eq!(rows[3].1.relative_text(), "");
    }
}
