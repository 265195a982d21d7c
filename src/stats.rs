//! Statistics of replications: running moments, Student-t confidence intervals,
//! quantiles and batch means.
//!
//! The Student-t quantile is computed from the regularised incomplete beta function
//! (continued fraction, Numerical Recipes 3rd ed. §6.4) by bisection; it matches
//! published tables to at least six digits. Quantiles use linear interpolation between
//! order statistics (Hyndman & Fan type 7), the rule of R's default and of
//! spreadsheets' `PERCENTILE.INC`, so users can check our numbers in their spreadsheet.
//!
//! A [`Sample`] is one output column growing replication by replication: its moments
//! are exact however long it grows, its quantiles are exact while it holds at most
//! [`EXACT_VALUES`] values, and from the next value on they come from a
//! [`QuantileSketch`] of bounded size, so a run's memory stops growing with its length.
//! While exact, adding a value only stores it, which keeps the runner's aggregating
//! thread light.

pub mod sketch;

pub use sketch::QuantileSketch;

/// Count, mean, variance (Welford's algorithm), minimum and maximum of a stream.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Moments {
    count: u64,
    mean: f64,
    sum_squared_deviations: f64,
    min: f64,
    max: f64,
}

impl Default for Moments {
    fn default() -> Self {
        Moments {
            count: 0,
            mean: 0.0,
            sum_squared_deviations: 0.0,
            min: f64::INFINITY,
            max: f64::NEG_INFINITY,
        }
    }
}

impl Moments {
    /// Adds one observation.
    #[inline]
    pub fn push(&mut self, value: f64) {
        self.count += 1;
        let delta = value - self.mean;
        self.mean += delta / self.count as f64;
        self.sum_squared_deviations += delta * (value - self.mean);
        self.min = self.min.min(value);
        self.max = self.max.max(value);
    }

    /// Number of observations.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// Sample mean (0 when empty).
    pub fn mean(&self) -> f64 {
        self.mean
    }

    /// Unbiased sample variance (0 with fewer than two observations).
    pub fn variance(&self) -> f64 {
        if self.count < 2 {
            0.0
        } else {
            self.sum_squared_deviations / (self.count - 1) as f64
        }
    }

    /// Sample standard deviation.
    pub fn std_dev(&self) -> f64 {
        self.variance().sqrt()
    }

    /// Smallest observation (+inf when empty).
    pub fn min(&self) -> f64 {
        self.min
    }

    /// Largest observation (-inf when empty).
    pub fn max(&self) -> f64 {
        self.max
    }

    /// Half-width of the two-sided confidence interval for the mean at `confidence`
    /// (e.g. 0.95), Student t with n − 1 degrees of freedom; NaN below two observations.
    pub fn ci_half_width(&self, confidence: f64) -> f64 {
        if self.count < 2 {
            return f64::NAN;
        }
        let t = student_t_quantile(0.5 + confidence / 2.0, (self.count - 1) as f64);
        t * self.std_dev() / (self.count as f64).sqrt()
    }
}

impl FromIterator<f64> for Moments {
    /// The moments of the values, added in the order given.
    fn from_iter<I: IntoIterator<Item = f64>>(values: I) -> Self {
        let mut moments = Moments::default();
        for value in values {
            moments.push(value);
        }
        moments
    }
}

/// Natural log of the gamma function (Lanczos approximation, g = 7, n = 9).
pub(crate) fn ln_gamma(x: f64) -> f64 {
    const COEFFICIENTS: [f64; 9] = [
        0.999_999_999_999_809_9,
        676.520_368_121_885_1,
        -1_259.139_216_722_402_8,
        771.323_428_777_653_1,
        -176.615_029_162_140_6,
        12.507_343_278_686_905,
        -0.138_571_095_265_720_12,
        9.984_369_578_019_572e-6,
        1.505_632_735_149_311_6e-7,
    ];
    if x < 0.5 {
        // Reflection formula.
        let pi = std::f64::consts::PI;
        return (pi / (pi * x).sin()).ln() - ln_gamma(1.0 - x);
    }
    let x = x - 1.0;
    let mut sum = COEFFICIENTS[0];
    for (i, &c) in COEFFICIENTS.iter().enumerate().skip(1) {
        sum += c / (x + i as f64);
    }
    let t = x + 7.5;
    0.5 * (2.0 * std::f64::consts::PI).ln() + (x + 0.5) * t.ln() - t + sum.ln()
}

/// Continued fraction of the incomplete beta function (modified Lentz).
fn beta_continued_fraction(a: f64, b: f64, x: f64) -> f64 {
    const TINY: f64 = 1e-300;
    let (qab, qap, qam) = (a + b, a + 1.0, a - 1.0);
    let mut c = 1.0;
    let mut d = 1.0 - qab * x / qap;
    if d.abs() < TINY {
        d = TINY;
    }
    d = 1.0 / d;
    let mut h = d;
    for m in 1..=300 {
        let m = m as f64;
        let m2 = 2.0 * m;
        let aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        h *= d * c;
        let aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1.0 + aa * d;
        d = if d.abs() < TINY { TINY } else { d };
        c = 1.0 + aa / c;
        c = if c.abs() < TINY { TINY } else { c };
        d = 1.0 / d;
        let delta = d * c;
        h *= delta;
        if (delta - 1.0).abs() < 1e-15 {
            break;
        }
    }
    h
}

/// Regularised incomplete beta function I_x(a, b).
fn incomplete_beta(a: f64, b: f64, x: f64) -> f64 {
    if x <= 0.0 {
        return 0.0;
    }
    if x >= 1.0 {
        return 1.0;
    }
    let ln_front = ln_gamma(a + b) - ln_gamma(a) - ln_gamma(b) + a * x.ln() + b * (1.0 - x).ln();
    if x < (a + 1.0) / (a + b + 2.0) {
        ln_front.exp() * beta_continued_fraction(a, b, x) / a
    } else {
        1.0 - ln_front.exp() * beta_continued_fraction(b, a, 1.0 - x) / b
    }
}

/// Cumulative distribution function of Student's t with `df` degrees of freedom.
pub fn student_t_cdf(t: f64, df: f64) -> f64 {
    let tail = 0.5 * incomplete_beta(df / 2.0, 0.5, df / (df + t * t));
    if t >= 0.0 {
        1.0 - tail
    } else {
        tail
    }
}

/// How many Student-t quantiles a thread remembers.
const T_QUANTILES_KEPT: usize = 1024;

/// The `p` quantile of Student's t with `df` degrees of freedom (`0 < p < 1`).
///
/// Each thread remembers the quantiles it computed: the statistics of a run ask for the
/// same few (p, df) pairs once per column, and each answer is a bisection over some forty
/// incomplete beta functions, which made it most of the time spent after the last
/// replication.
pub fn student_t_quantile(p: f64, df: f64) -> f64 {
    thread_local! {
        static KNOWN: std::cell::RefCell<std::collections::HashMap<(u64, u64), f64>> =
            Default::default();
    }
    let key = (p.to_bits(), df.to_bits());
    if let Some(known) = KNOWN.with(|known| known.borrow().get(&key).copied()) {
        return known;
    }
    let quantile = bisect_student_t_quantile(p, df);
    KNOWN.with(|known| {
        let mut known = known.borrow_mut();
        if known.len() >= T_QUANTILES_KEPT {
            known.clear();
        }
        known.insert(key, quantile);
    });
    quantile
}

/// [`student_t_quantile`] by bisection on the distribution function.
fn bisect_student_t_quantile(p: f64, df: f64) -> f64 {
    if p == 0.5 {
        return 0.0;
    }
    if p < 0.5 {
        return -bisect_student_t_quantile(1.0 - p, df);
    }
    let (mut low, mut high) = (0.0_f64, 1.0_f64);
    while student_t_cdf(high, df) < p {
        high *= 2.0;
        if high > 1e12 {
            return f64::INFINITY;
        }
    }
    for _ in 0..200 {
        let mid = 0.5 * (low + high);
        if student_t_cdf(mid, df) < p {
            low = mid;
        } else {
            high = mid;
        }
        if high - low <= 1e-12 * high {
            break;
        }
    }
    0.5 * (low + high)
}

/// Standard normal cumulative distribution function, via the complementary error
/// function's Chebyshev fit `erfcc` (Numerical Recipes 2nd ed. §6.2), accurate to 1.2e-7.
pub fn normal_cdf(z: f64) -> f64 {
    let x = z.abs() / std::f64::consts::SQRT_2;
    let t = 1.0 / (1.0 + 0.5 * x);
    let erfc = t
        * (-x * x - 1.265_512_23
            + t * (1.000_023_68
                + t * (0.374_091_96
                    + t * (0.096_784_18
                        + t * (-0.186_288_06
                            + t * (0.278_868_07
                                + t * (-1.135_203_98
                                    + t * (1.488_515_87
                                        + t * (-0.822_152_23 + t * 0.170_872_77)))))))))
            .exp();
    if z >= 0.0 {
        1.0 - 0.5 * erfc
    } else {
        0.5 * erfc
    }
}

/// Exact `p` quantile (0 ≤ p ≤ 1) of values already sorted ascending, type 7.
/// NaN for an empty slice.
pub fn quantile_sorted(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => f64::NAN,
        1 => sorted[0],
        n => {
            let position = p.clamp(0.0, 1.0) * (n - 1) as f64;
            let below = position.floor() as usize;
            let above = (below + 1).min(n - 1);
            let fraction = position - below as f64;
            sorted[below] + fraction * (sorted[above] - sorted[below])
        }
    }
}

/// The type-7 quantiles at `ps` (ascending) of `values` (no NaN), the same bits
/// [`quantile_sorted`] reads off the sorted values, found by selection instead: each
/// needs two order statistics, the one below it (`select_nth_unstable` in the part not
/// already known to lie below an earlier quantile) and the next (the least of the part
/// above). Cost: linear per quantile where a sort is n log n; `values` is reordered.
fn select_quantiles<const N: usize>(values: &mut [f64], ps: [f64; N]) -> [f64; N] {
    let n = values.len();
    let mut known_below = 0;
    ps.map(|p| {
        if n < 2 {
            return quantile_sorted(values, p);
        }
        let position = p.clamp(0.0, 1.0) * (n - 1) as f64;
        let below = position.floor() as usize;
        let (_, &mut low, above) =
            values[known_below..].select_nth_unstable_by(below - known_below, f64::total_cmp);
        let high = above.iter().copied().min_by(f64::total_cmp).unwrap_or(low);
        known_below = below;
        low + (position - below as f64) * (high - low)
    })
}

/// The quantiles a [`Summary`] shows, ascending: p5, p50, p90, p95.
const SUMMARY_QUANTILES: [f64; 4] = [0.05, 0.5, 0.9, 0.95];

/// Values a [`Sample`] keeps for exact quantiles: 2^13, 64 KB per column at most.
pub const EXACT_VALUES: usize = 8192;

/// One output column's values, added one at a time in replication order; NaN values
/// ("undefined in this replication") are left out. See the module documentation.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Sample {
    values: Values,
}

/// A sample's values: all of them, or their moments and a sketch once there are too
/// many (boxed, so that a column stays one small record in the aggregator's arrays).
/// Adding to an exact sample only stores the value: its moments are computed when
/// asked, in the same order, so they are the same bits either way.
#[derive(Debug, Clone, PartialEq)]
enum Values {
    Exact(Vec<f64>),
    Sketched(Box<Sketched>),
}

/// The running moments and the sketch of a column past its exact buffer.
#[derive(Debug, Clone, PartialEq)]
struct Sketched {
    moments: Moments,
    sketch: QuantileSketch,
}

impl Default for Values {
    fn default() -> Self {
        Values::Exact(Vec::new())
    }
}

impl Sample {
    /// Adds one value; NaN is skipped. Infinite values are the caller's to refuse.
    ///
    /// Cost: while exact, a NaN test and a `Vec` push, inlined into the caller's loop;
    /// once sketched, a Welford update and a bucket increment. The switch from one to the
    /// other (once per column) is out of line.
    #[inline]
    pub fn push(&mut self, value: f64) {
        if value.is_nan() {
            return;
        }
        match &mut self.values {
            Values::Exact(values) if values.len() < EXACT_VALUES => values.push(value),
            Values::Exact(_) => self.start_sketch(value),
            Values::Sketched(sketched) => {
                sketched.moments.push(value);
                sketched.sketch.push(value);
            }
        }
    }

    /// Turns a full exact sample into moments and a sketch of its values, then `value`.
    #[cold]
    fn start_sketch(&mut self, value: f64) {
        let Values::Exact(values) = &self.values else {
            return;
        };
        let mut moments: Moments = values.iter().copied().collect();
        let mut sketch = QuantileSketch::default();
        for &kept in values {
            sketch.push(kept);
        }
        moments.push(value);
        sketch.push(value);
        self.values = Values::Sketched(Box::new(Sketched { moments, sketch }));
    }

    /// How many values were added (NaN aside).
    pub fn count(&self) -> u64 {
        match &self.values {
            Values::Exact(values) => values.len() as u64,
            Values::Sketched(sketched) => sketched.moments.count(),
        }
    }

    /// The moments of the values added so far.
    pub fn moments(&self) -> Moments {
        match &self.values {
            Values::Exact(values) => values.iter().copied().collect(),
            Values::Sketched(sketched) => sketched.moments,
        }
    }

    /// Whether the quantiles are still exact.
    pub fn is_exact(&self) -> bool {
        matches!(self.values, Values::Exact(_))
    }

    /// The summary of the values added so far: like [`Summary::of`] while the sample is
    /// exact. Afterwards only the quantiles differ: they interpolate (type 7) between
    /// order statistics each known to within [`sketch::RELATIVE_ERROR`], so a quantile is
    /// within that relative error of the exact one when the two order statistics it lies
    /// between have the same sign, and always between the exact minimum and maximum.
    pub fn summary(&self) -> Summary {
        match &self.values {
            Values::Exact(values) => Summary::of(values),
            Values::Sketched(sketched) => {
                let (moments, sketch) = (&sketched.moments, &sketched.sketch);
                let quantiles = SUMMARY_QUANTILES.map(|p| {
                    let n = sketch.count();
                    let position = p.clamp(0.0, 1.0) * (n - 1) as f64;
                    let below = position.floor() as u64;
                    let low = sketch.order_statistic(below);
                    let high = sketch.order_statistic((below + 1).min(n - 1));
                    let estimate = low + (position - below as f64) * (high - low);
                    estimate.clamp(moments.min(), moments.max())
                });
                Summary::from_moments(moments, quantiles)
            }
        }
    }
}

/// What one row of `summary.csv` shows about a sample: count, mean, standard deviation,
/// 95 % confidence interval of the mean (Student t), type-7 quantiles and extremes.
///
/// NaN values mean "undefined in that replication" and are left out, so `n` counts the
/// defined values. Undefined results are NaN: every field but `n` with no values, the
/// standard deviation and the interval with fewer than two.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Summary {
    /// Number of defined (non-NaN) values.
    pub n: u64,
    /// Sample mean, accumulated in the order given.
    pub mean: f64,
    /// Sample standard deviation (n − 1 in the denominator).
    pub std: f64,
    /// Lower end of the 95 % confidence interval of the mean.
    pub ci95_low: f64,
    /// Upper end of the 95 % confidence interval of the mean.
    pub ci95_high: f64,
    /// 5th percentile (type 7).
    pub p5: f64,
    /// Median (type 7).
    pub p50: f64,
    /// 90th percentile (type 7).
    pub p90: f64,
    /// 95th percentile (type 7).
    pub p95: f64,
    /// Smallest value.
    pub min: f64,
    /// Largest value.
    pub max: f64,
}

impl Summary {
    /// Summarises `values`, skipping NaN. The mean depends on the order of the values
    /// only in its last bits; callers pass them in replication order so that every run
    /// of the same replications prints the same digits.
    ///
    /// Cost: a copy of the values, and a selection per quantile (no sort).
    pub fn of(values: &[f64]) -> Summary {
        let mut defined: Vec<f64> = values.iter().copied().filter(|v| !v.is_nan()).collect();
        let moments: Moments = defined.iter().copied().collect();
        Summary::from_moments(&moments, select_quantiles(&mut defined, SUMMARY_QUANTILES))
    }

    /// The summary of a sample with these `moments` and these [`SUMMARY_QUANTILES`]
    /// (NaN for an empty sample).
    fn from_moments(moments: &Moments, quantiles: [f64; 4]) -> Summary {
        let n = moments.count();
        let (mean, min, max) = if n == 0 {
            (f64::NAN, f64::NAN, f64::NAN)
        } else {
            (moments.mean(), moments.min(), moments.max())
        };
        let std = if n < 2 { f64::NAN } else { moments.std_dev() };
        let half_width = moments.ci_half_width(0.95);
        let [p5, p50, p90, p95] = quantiles;
        Summary {
            n,
            mean,
            std,
            ci95_low: mean - half_width,
            ci95_high: mean + half_width,
            p5,
            p50,
            p90,
            p95,
            min,
            max,
        }
    }
}

/// Half-width of the 95 % Welch confidence interval for the difference of the means of
/// two independent samples, given as [`Moments`]; NaN when either has fewer than two
/// values, 0 when both have zero variance.
pub fn welch_half_width_95(a: &Moments, b: &Moments) -> f64 {
    if a.count() < 2 || b.count() < 2 {
        return f64::NAN;
    }
    let va = a.variance() / a.count() as f64;
    let vb = b.variance() / b.count() as f64;
    let variance = va + vb;
    if variance == 0.0 {
        return 0.0;
    }
    // Welch–Satterthwaite degrees of freedom.
    let df =
        variance * variance / (va * va / (a.count() - 1) as f64 + vb * vb / (b.count() - 1) as f64);
    student_t_quantile(0.975, df) * variance.sqrt()
}

/// Batch means for a correlated sequence of known length: the observations are cut
/// into `batches` consecutive batches, whose means are nearly independent when batches
/// are long; the confidence interval is built from the batch means.
#[derive(Debug, Clone)]
pub struct BatchMeans {
    batch_size: u64,
    batches: usize,
    in_batch: u64,
    batch_sum: f64,
    means: Moments,
}

impl BatchMeans {
    /// Expects `total` observations, cut into `batches` batches (the remainder is dropped).
    pub fn new(total: u64, batches: usize) -> Self {
        BatchMeans {
            batch_size: (total / batches as u64).max(1),
            batches,
            in_batch: 0,
            batch_sum: 0.0,
            means: Moments::default(),
        }
    }

    /// Adds one observation.
    #[inline]
    pub fn push(&mut self, value: f64) {
        if self.means.count() as usize >= self.batches {
            return;
        }
        self.batch_sum += value;
        self.in_batch += 1;
        if self.in_batch == self.batch_size {
            self.means.push(self.batch_sum / self.batch_size as f64);
            self.in_batch = 0;
            self.batch_sum = 0.0;
        }
    }

    /// The moments of the completed batch means.
    pub fn batch_means(&self) -> &Moments {
        &self.means
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_quantiles_match_tables() {
        // Values from any Student-t table (e.g. NIST/SEMATECH e-Handbook, table 1.3.6.7.2).
        let cases = [
            (0.975, 1.0, 12.706),
            (0.975, 9.0, 2.262),
            (0.975, 19.0, 2.093),
            (0.995, 19.0, 2.861),
            (0.975, 30.0, 2.042),
            (0.975, 1000.0, 1.962),
            (0.95, 5.0, 2.015),
        ];
        for (p, df, table) in cases {
            let got = student_t_quantile(p, df);
            assert!(
                (got - table).abs() < 1e-3,
                "t({p}, {df}) = {got}, table {table}"
            );
        }
        assert!((student_t_quantile(0.025, 9.0) + 2.262).abs() < 1e-3);
    }

    #[test]
    fn normal_cdf_matches_tables() {
        assert!((normal_cdf(0.0) - 0.5).abs() < 1e-7);
        assert!((normal_cdf(1.959_964) - 0.975).abs() < 1e-6);
        assert!((normal_cdf(-1.0) - 0.158_655_25).abs() < 1e-6);
    }

    #[test]
    fn moments_and_ci() {
        let mut m = Moments::default();
        for v in [2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0] {
            m.push(v);
        }
        assert_eq!(m.count(), 8);
        assert!((m.mean() - 5.0).abs() < 1e-12);
        assert!((m.variance() - 32.0 / 7.0).abs() < 1e-12);
        assert_eq!((m.min(), m.max()), (2.0, 9.0));
        let half = m.ci_half_width(0.95);
        let expected = 2.364_624 * (32.0_f64 / 7.0).sqrt() / 8.0_f64.sqrt();
        assert!((half - expected).abs() < 1e-4, "{half} vs {expected}");
        assert!(Moments::default().ci_half_width(0.95).is_nan());
    }

    #[test]
    fn type7_quantiles_like_a_spreadsheet() {
        let sorted = [1.0, 2.0, 3.0, 4.0];
        // PERCENTILE.INC({1,2,3,4}, p)
        assert_eq!(quantile_sorted(&sorted, 0.0), 1.0);
        assert_eq!(quantile_sorted(&sorted, 0.5), 2.5);
        assert!((quantile_sorted(&sorted, 0.95) - 3.85).abs() < 1e-12);
        assert_eq!(quantile_sorted(&sorted, 1.0), 4.0);
        assert!(quantile_sorted(&[], 0.5).is_nan());
    }

    #[test]
    fn selected_quantiles_are_the_bits_of_sorted_ones() {
        // Ties, signed zeros and every length up to 60, from a small linear congruential
        // generator.
        let mut state = 12_345_u64;
        let mut next = || {
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            match (state >> 33) % 7 {
                0 => 0.0,
                1 => -0.0,
                k => (k as f64 - 3.5) * ((state >> 40) % 5) as f64 / 3.0,
            }
        };
        let ps = [0.0, 0.05, 0.5, 0.5, 0.9, 0.95, 1.0];
        for n in 0..60 {
            let values: Vec<f64> = (0..n).map(|_| next()).collect();
            let mut sorted = values.clone();
            sorted.sort_unstable_by(f64::total_cmp);
            let expected = ps.map(|p| quantile_sorted(&sorted, p).to_bits());
            let mut reordered = values.clone();
            let selected = select_quantiles(&mut reordered, ps).map(f64::to_bits);
            assert_eq!(selected, expected, "{values:?}");
        }
    }

    #[test]
    fn summary_of_a_tiny_sample() {
        // Values 1, 2, 3, 4, 10 and one undefined (NaN), skipped: n = 5, mean = 4,
        // deviations −3 −2 −1 0 6 → squares sum 50, variance 50/4 = 12.5.
        // Type 7 quantiles: p5 at position 0.2 → 1.2; p50 at 2 → 3; p95 at 3.8 → 4 + 0.8·6 = 8.8.
        let s = Summary::of(&[1.0, f64::NAN, 2.0, 3.0, 4.0, 10.0]);
        assert_eq!(s.n, 5);
        assert_eq!(s.mean, 4.0);
        assert_eq!(s.std, 12.5_f64.sqrt());
        let half = student_t_quantile(0.975, 4.0) * (12.5_f64 / 5.0).sqrt();
        assert_eq!((s.ci95_low, s.ci95_high), (4.0 - half, 4.0 + half));
        assert!((s.p5 - 1.2).abs() < 1e-12);
        assert_eq!(s.p50, 3.0);
        assert!((s.p95 - 8.8).abs() < 1e-12);
        assert_eq!((s.min, s.max), (1.0, 10.0));

        let one = Summary::of(&[7.0]);
        assert_eq!((one.n, one.mean, one.p95, one.min), (1, 7.0, 7.0, 7.0));
        assert!(one.std.is_nan() && one.ci95_low.is_nan());
        let none = Summary::of(&[f64::NAN]);
        assert_eq!(none.n, 0);
        assert!(none.mean.is_nan() && none.min.is_nan() && none.p50.is_nan());
    }

    #[test]
    fn a_sample_is_exact_up_to_its_limit_then_sketched_within_the_error() {
        // A skewed column with undefined values: 1/u for u on a grid, every 10th NaN.
        let value = |i: usize| {
            if i % 10 == 3 {
                f64::NAN
            } else {
                1.0 / ((i % 997) as f64 + 0.5)
            }
        };
        let mut sample = Sample::default();
        let mut values = Vec::new();
        for i in 0.. {
            let v = value(i);
            sample.push(v);
            values.push(v);
            if sample.count() == EXACT_VALUES as u64 {
                break;
            }
        }
        assert!(sample.is_exact());
        assert_eq!(sample.summary(), Summary::of(&values));

        for i in values.len()..100_000 {
            sample.push(value(i));
            values.push(value(i));
        }
        assert!(!sample.is_exact());
        let (sketched, exact) = (sample.summary(), Summary::of(&values));
        // Moments and extremes stay exact, to the bit.
        assert_eq!(
            (
                sketched.n,
                sketched.mean,
                sketched.std,
                sketched.ci95_low,
                sketched.min,
                sketched.max
            ),
            (
                exact.n,
                exact.mean,
                exact.std,
                exact.ci95_low,
                exact.min,
                exact.max
            )
        );
        for (estimate, truth) in [
            (sketched.p5, exact.p5),
            (sketched.p50, exact.p50),
            (sketched.p95, exact.p95),
        ] {
            assert!(
                (estimate - truth).abs() <= sketch::RELATIVE_ERROR * truth.abs(),
                "{estimate} vs {truth}"
            );
            assert_ne!(estimate, truth, "the test should exercise the sketch");
        }
    }

    #[test]
    fn welch_interval() {
        let mut a = Moments::default();
        let mut b = Moments::default();
        for v in [1.0, 2.0, 3.0] {
            a.push(v);
        }
        for v in [2.0, 4.0, 6.0, 8.0] {
            b.push(v);
        }
        // va = 1/3, vb = (20/3)/4 = 5/3; df = 4 / ((1/9)/2 + (25/9)/3) = 1.3585…
        let va: f64 = 1.0 / 3.0;
        let vb: f64 = 5.0 / 3.0;
        let df = (va + vb).powi(2) / (va * va / 2.0 + vb * vb / 3.0);
        let expected = student_t_quantile(0.975, df) * (va + vb).sqrt();
        assert!((welch_half_width_95(&a, &b) - expected).abs() < 1e-12);
        let mut c = Moments::default();
        c.push(1.0);
        c.push(1.0);
        assert_eq!(welch_half_width_95(&c, &c), 0.0);
        assert!(welch_half_width_95(&Moments::default(), &c).is_nan());
    }

    #[test]
    fn batch_means_average_batches() {
        let mut batches = BatchMeans::new(10, 2);
        for v in 0..10 {
            batches.push(f64::from(v));
        }
        assert_eq!(batches.batch_means().count(), 2);
        assert_eq!(batches.batch_means().mean(), 4.5);
        assert_eq!(batches.batch_means().min(), 2.0);
    }
}
