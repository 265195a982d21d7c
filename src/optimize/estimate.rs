//! Estimates with confidence intervals for the optimiser. Every quantity it compares is
//! a *contrast*: a weighted sum `Σ wₖ · statistic(sampleₖ)` of samples taken on the same
//! replications (common random numbers), e.g. one allocation's objective (one term),
//! the paired change from one allocation to another (two terms), or the gap between two
//! investments' marginal values per cost unit (four terms).
//!
//! For the mean, a contrast is the mean of the per-replication combinations, and its
//! interval is the paired Student-t interval of those combinations. For the 90th
//! percentile, which is not a sum over replications, the standard error comes from a
//! paired bootstrap: [`BOOTSTRAP_RESAMPLES`] resamples of the replication indices (the
//! same resamples for every contrast of a run, drawn from a stream of the base seed), each
//! recomputing the contrast; the interval is the estimate ± the same Student-t quantile
//! times that standard error. Either way, an interval at confidence `c` is
//! `estimate ± t(1/2 + c/2, n − 1) × standard error`, so a Bonferroni correction over `m`
//! comparisons is the confidence `1 − 0.05 / m`.

use rand::Rng;

use crate::random::stream;
use crate::stats::{quantile_sorted, student_t_quantile, Moments};

use super::spec::Statistic;

/// Bootstrap resamples behind a 90th percentile's standard error.
pub const BOOTSTRAP_RESAMPLES: usize = 1000;

/// A point estimate and its two-sided confidence interval.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Estimate {
    /// The point estimate.
    pub value: f64,
    /// Lower end of the interval.
    pub low: f64,
    /// Upper end of the interval.
    pub high: f64,
}

impl Estimate {
    /// Multiplies the estimate and its interval by `factor` (> 0).
    pub fn scaled(self, factor: f64) -> Estimate {
        Estimate {
            value: self.value * factor,
            low: self.low * factor,
            high: self.high * factor,
        }
    }
}

/// Computes contrasts of one statistic over samples aligned by replication.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Estimator {
    statistic: Statistic,
    /// Seeds the bootstrap's resamples.
    bootstrap_seed: u64,
}

impl Estimator {
    /// An estimator of `statistic`; a p90's resamples are drawn from `bootstrap_seed`.
    pub(crate) fn new(statistic: Statistic, bootstrap_seed: u64) -> Self {
        Estimator {
            statistic,
            bootstrap_seed,
        }
    }

    /// The statistic of one sample.
    fn of(&self, values: &[f64]) -> f64 {
        match self.statistic {
            Statistic::Mean => values.iter().sum::<f64>() / values.len() as f64,
            Statistic::P90 => {
                let mut sorted = values.to_vec();
                sorted.sort_by(f64::total_cmp);
                quantile_sorted(&sorted, 0.9)
            }
        }
    }

    /// `Σ weight × statistic(sample)` with its interval at `confidence` (e.g. 0.95).
    /// Every sample holds the same replications in the same order, at least two; the
    /// interval is NaN with fewer.
    pub(crate) fn contrast(&self, terms: &[(f64, &[f64])], confidence: f64) -> Estimate {
        let n = terms.first().map_or(0, |(_, values)| values.len());
        let (value, standard_error) = match self.statistic {
            Statistic::Mean => {
                let mut moments = Moments::default();
                for replication in 0..n {
                    moments.push(
                        terms
                            .iter()
                            .map(|(w, values)| w * values[replication])
                            .sum(),
                    );
                }
                (moments.mean(), moments.std_dev() / (n as f64).sqrt())
            }
            Statistic::P90 => {
                let value = terms.iter().map(|(w, values)| w * self.of(values)).sum();
                (value, self.bootstrap_error(terms, n))
            }
        };
        let half_width = if n < 2 {
            f64::NAN
        } else if standard_error == 0.0 {
            0.0
        } else {
            student_t_quantile(0.5 + confidence / 2.0, (n - 1) as f64) * standard_error
        };
        Estimate {
            value,
            low: value - half_width,
            high: value + half_width,
        }
    }

    /// The bootstrap standard error of the contrast over `n` replications.
    fn bootstrap_error(&self, terms: &[(f64, &[f64])], n: usize) -> f64 {
        if n < 2 {
            return f64::NAN;
        }
        let mut rng = stream(self.bootstrap_seed, "optimize/bootstrap");
        let mut indices = vec![0usize; n];
        let mut resample = vec![0.0; n];
        let mut moments = Moments::default();
        for _ in 0..BOOTSTRAP_RESAMPLES {
            indices.iter_mut().for_each(|i| *i = rng.random_range(0..n));
            let contrast = terms
                .iter()
                .map(|(w, values)| {
                    for (slot, &i) in resample.iter_mut().zip(&indices) {
                        *slot = values[i];
                    }
                    w * self.of(&resample)
                })
                .sum();
            moments.push(contrast);
        }
        moments.std_dev()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mean_contrast_is_the_paired_t_interval() {
        let estimator = Estimator::new(Statistic::Mean, 1);
        let a = [10.0, 12.0, 11.0, 15.0];
        let b = [11.0, 14.0, 12.0, 18.0];
        // Differences b − a: 1, 2, 1, 3: mean 1.75, variance 0.9167.
        let change = estimator.contrast(&[(1.0, &b), (-1.0, &a)], 0.95);
        let half = student_t_quantile(0.975, 3.0) * (0.916_666_666_666_666_6_f64 / 4.0).sqrt();
        assert!((change.value - 1.75).abs() < 1e-12);
        assert!((change.high - change.value - half).abs() < 1e-12);
        assert!((change.value - change.low - half).abs() < 1e-12);
        let wider = estimator.contrast(&[(1.0, &b), (-1.0, &a)], 1.0 - 0.05 / 4.0);
        assert!(wider.low < change.low && wider.high > change.high);
        // A constant shift is certain: zero width.
        let shifted: Vec<f64> = a.iter().map(|v| v + 5.0).collect();
        let exact = estimator.contrast(&[(1.0, &shifted), (-1.0, &a)], 0.95);
        assert_eq!((exact.value, exact.low, exact.high), (5.0, 5.0, 5.0));
    }

    #[test]
    fn a_p90_contrast_has_a_reproducible_bootstrap_interval() {
        let estimator = Estimator::new(Statistic::P90, 7);
        let values: Vec<f64> = (0..50).map(f64::from).collect();
        let one = estimator.contrast(&[(1.0, &values)], 0.95);
        // Type 7: position 0.9 × 49 = 44.1 → 44.1.
        assert!((one.value - 44.1).abs() < 1e-12);
        assert!(one.low < 44.1 && one.high > 44.1, "{one:?}");
        assert_eq!(one, estimator.contrast(&[(1.0, &values)], 0.95));
        let other = Estimator::new(Statistic::P90, 8).contrast(&[(1.0, &values)], 0.95);
        assert_ne!(one.low, other.low, "another seed, other resamples");
        // The percentile of a sample shifted by 3 is 3 higher in every resample.
        let shifted: Vec<f64> = values.iter().map(|v| v + 3.0).collect();
        let change = estimator.contrast(&[(1.0, &shifted), (-1.0, &values)], 0.95);
        assert!((change.value - 3.0).abs() < 1e-9);
        assert!(change.high - change.low < 1e-9, "{change:?}");
    }

    #[test]
    fn one_replication_has_no_interval() {
        let estimator = Estimator::new(Statistic::Mean, 1);
        let single = estimator.contrast(&[(1.0, &[4.0])], 0.95);
        assert_eq!(single.value, 4.0);
        assert!(single.low.is_nan() && single.high.is_nan());
    }
}
