//! Probability distributions named in scenario files, validated before use.
//!
//! A scenario writes a distribution as a plain number (a fixed value) or as a one-key
//! table naming the family, e.g. `{ lognormal = { median = 100, p90 = 130 } }`.
//! [`DistributionSpec`] is that text; [`DistributionSpec::build`] checks the parameters
//! and returns a [`Distribution`] that samples, or a [`DistributionError`] that says
//! which range is allowed. Nothing here panics on bad input.
//!
//! | family | parameters | notes |
//! | --- | --- | --- |
//! | `fixed` | a number | also written as the bare number |
//! | `uniform` | `min`, `max` | |
//! | `triangular` | `min`, `mode`, `max` | |
//! | `normal` | `mean`, `sd`, optional `min`, `max` | truncated to `[min, max]` by rejection |
//! | `lognormal` | `mean`, `sd` or `median`, `p90` | |
//! | `beta` | `mean`, `sd` | on (0, 1); for yields and fractions |
//! | `exponential` | `mean` | |
//! | `gamma` | `shape`, `scale` | |
//! | `weibull` | `shape`, `scale` | |
//! | `poisson` | `mean` | integer counts |
//! | `empirical` | `values` | each value equally likely |

use rand::Rng;
use rand_distr::{Distribution as _, Exp, Gamma, LogNormal, Normal, Poisson, Triangular, Weibull};
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use crate::random::SimRng;
use crate::stats::{ln_gamma, normal_cdf};

/// The z-score of the 90th percentile of the standard normal distribution.
const Z_P90: f64 = 1.281_551_565_544_600_5;

/// Smallest acceptance probability allowed for a truncated normal, so rejection
/// sampling stays fast (at most 100 tries on average).
const MIN_TRUNCATED_MASS: f64 = 0.01;

/// A distribution as written in a scenario, before validation.
#[derive(Debug, Clone, PartialEq)]
pub struct DistributionSpec(Form);

#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
enum Form {
    Fixed(f64),
    Uniform {
        min: f64,
        max: f64,
    },
    Triangular {
        min: f64,
        mode: f64,
        max: f64,
    },
    Normal {
        mean: f64,
        sd: f64,
        min: Option<f64>,
        max: Option<f64>,
    },
    Lognormal {
        mean: Option<f64>,
        sd: Option<f64>,
        median: Option<f64>,
        p90: Option<f64>,
    },
    Beta {
        mean: f64,
        sd: f64,
    },
    Exponential {
        mean: f64,
    },
    Gamma {
        shape: f64,
        scale: f64,
    },
    Weibull {
        shape: f64,
        scale: f64,
    },
    Poisson {
        mean: f64,
    },
    Empirical {
        values: Vec<f64>,
    },
}

impl<'de> Deserialize<'de> for DistributionSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct SpecVisitor;
        impl<'de> Visitor<'de> for SpecVisitor {
            type Value = DistributionSpec;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str(
                    "a number, or a table naming one distribution such as \
                     { triangular = { min = 1, mode = 2, max = 4 } }",
                )
            }
            fn visit_f64<E: de::Error>(self, value: f64) -> Result<Self::Value, E> {
                Ok(DistributionSpec(Form::Fixed(value)))
            }
            fn visit_i64<E: de::Error>(self, value: i64) -> Result<Self::Value, E> {
                Ok(DistributionSpec(Form::Fixed(value as f64)))
            }
            fn visit_u64<E: de::Error>(self, value: u64) -> Result<Self::Value, E> {
                Ok(DistributionSpec(Form::Fixed(value as f64)))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                Form::deserialize(de::value::MapAccessDeserializer::new(map)).map(DistributionSpec)
            }
        }
        deserializer.deserialize_any(SpecVisitor)
    }
}

/// A distribution's parameters are outside what it allows.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{0}")]
pub struct DistributionError(String);

fn check(condition: bool, message: impl FnOnce() -> String) -> Result<(), DistributionError> {
    if condition {
        Ok(())
    } else {
        Err(DistributionError(message()))
    }
}

fn finite(name: &str, value: f64) -> Result<f64, DistributionError> {
    check(value.is_finite(), || {
        format!("{name} must be a finite number, got {value}")
    })?;
    Ok(value)
}

fn positive(name: &str, value: f64) -> Result<f64, DistributionError> {
    finite(name, value)?;
    check(value > 0.0, || {
        format!("{name} must be greater than 0, got {value}")
    })?;
    Ok(value)
}

/// A validated distribution, ready to sample.
#[derive(Debug, Clone)]
pub enum Distribution {
    /// Always the same value.
    Fixed(f64),
    /// Uniform on `[min, max)`.
    Uniform {
        /// Lower bound.
        min: f64,
        /// Upper bound.
        max: f64,
    },
    /// Triangular.
    Triangular(Triangular<f64>, [f64; 3]),
    /// Normal truncated to `[min, max]` (either may be infinite).
    TruncatedNormal {
        /// The untruncated normal.
        normal: Normal<f64>,
        /// Lower truncation point.
        min: f64,
        /// Upper truncation point.
        max: f64,
    },
    /// Log-normal with log-mean `mu` and log-sd `sigma`.
    Lognormal(LogNormal<f64>, f64, f64),
    /// Beta with shape parameters alpha and beta.
    Beta(rand_distr::Beta<f64>, f64, f64),
    /// Exponential with the given mean.
    Exponential(Exp<f64>, f64),
    /// Gamma with shape and scale.
    Gamma(Gamma<f64>, f64, f64),
    /// Weibull with shape and scale.
    Weibull(Weibull<f64>, f64, f64),
    /// Poisson with the given mean.
    Poisson(Poisson<f64>, f64),
    /// Each listed value equally likely.
    Empirical(Vec<f64>),
}

impl DistributionSpec {
    /// A fixed value.
    pub fn fixed(value: f64) -> Self {
        DistributionSpec(Form::Fixed(value))
    }

    /// Checks the parameters and builds the sampler. Every parameter the sampler works
    /// from (shape parameters, log-scale parameters, rates, widths) and the mean and
    /// variance must be finite, so no draw is NaN or infinite.
    pub fn build(&self) -> Result<Distribution, DistributionError> {
        let built = match self.0 {
            Form::Fixed(value) => Distribution::Fixed(finite("fixed value", value)?),
            Form::Uniform { min, max } => uniform(min, max)?,
            Form::Triangular { min, mode, max } => triangular(min, mode, max)?,
            Form::Normal { mean, sd, min, max } => normal(mean, sd, min, max)?,
            Form::Lognormal {
                mean,
                sd,
                median,
                p90,
            } => lognormal(mean, sd, median, p90)?,
            Form::Beta { mean, sd } => beta(mean, sd)?,
            Form::Exponential { mean } => {
                positive("exponential mean", mean)?;
                derived("exponential", &[("rate 1/mean", 1.0 / mean)])?;
                let sampler = Exp::new(1.0 / mean)
                    .map_err(|e| DistributionError(format!("exponential: {e}")))?;
                Distribution::Exponential(sampler, mean)
            }
            Form::Gamma { shape, scale } => {
                positive("gamma shape", shape)?;
                positive("gamma scale", scale)?;
                let sampler = Gamma::new(shape, scale)
                    .map_err(|e| DistributionError(format!("gamma: {e}")))?;
                Distribution::Gamma(sampler, shape, scale)
            }
            Form::Weibull { shape, scale } => {
                positive("weibull shape", shape)?;
                positive("weibull scale", scale)?;
                let sampler = Weibull::new(scale, shape)
                    .map_err(|e| DistributionError(format!("weibull: {e}")))?;
                Distribution::Weibull(sampler, shape, scale)
            }
            Form::Poisson { mean } => {
                positive("poisson mean", mean)?;
                check(mean <= 1e12, || {
                    format!("poisson mean must be at most 1e12, got {mean}")
                })?;
                let sampler =
                    Poisson::new(mean).map_err(|e| DistributionError(format!("poisson: {e}")))?;
                Distribution::Poisson(sampler, mean)
            }
            Form::Empirical { ref values } => {
                check(!values.is_empty(), || {
                    "empirical needs at least one value".into()
                })?;
                for &value in values {
                    finite("empirical value", value)?;
                }
                Distribution::Empirical(values.clone())
            }
        };
        let (mean, variance) = built.moments();
        derived(self.family(), &[("mean", mean), ("variance", variance)])?;
        Ok(built)
    }

    /// The family's name, as written.
    fn family(&self) -> &'static str {
        match self.0 {
            Form::Fixed(_) => "fixed",
            Form::Uniform { .. } => "uniform",
            Form::Triangular { .. } => "triangular",
            Form::Normal { .. } => "normal",
            Form::Lognormal { .. } => "lognormal",
            Form::Beta { .. } => "beta",
            Form::Exponential { .. } => "exponential",
            Form::Gamma { .. } => "gamma",
            Form::Weibull { .. } => "weibull",
            Form::Poisson { .. } => "poisson",
            Form::Empirical { .. } => "empirical",
        }
    }
}

/// Checks that the parameters `family` works out from what was written are finite: an
/// overflow there would make draws NaN or infinite.
fn derived(family: &str, parameters: &[(&str, f64)]) -> Result<(), DistributionError> {
    for &(name, value) in parameters {
        check(value.is_finite(), || {
            format!(
                "{family}: its {name} works out to {value}: the parameters are too extreme \
                 to draw from; use less extreme values (or a fixed value)"
            )
        })?;
    }
    Ok(())
}

fn uniform(min: f64, max: f64) -> Result<Distribution, DistributionError> {
    finite("uniform min", min)?;
    finite("uniform max", max)?;
    check(min <= max, || {
        format!("uniform needs min <= max, got min = {min}, max = {max}")
    })?;
    derived("uniform", &[("width max - min", max - min)])?;
    Ok(Distribution::Uniform { min, max })
}

fn triangular(min: f64, mode: f64, max: f64) -> Result<Distribution, DistributionError> {
    for (name, value) in [("min", min), ("mode", mode), ("max", max)] {
        finite(&format!("triangular {name}"), value)?;
    }
    check(min <= mode && mode <= max && min < max, || {
        format!("triangular needs min <= mode <= max and min < max, got {min}, {mode}, {max}")
    })?;
    derived("triangular", &[("width max - min", max - min)])?;
    let sampler = Triangular::new(min, max, mode)
        .map_err(|e| DistributionError(format!("triangular: {e}")))?;
    Ok(Distribution::Triangular(sampler, [min, mode, max]))
}

fn normal(
    mean: f64,
    sd: f64,
    min: Option<f64>,
    max: Option<f64>,
) -> Result<Distribution, DistributionError> {
    finite("normal mean", mean)?;
    positive("normal sd", sd)?;
    let min = min.unwrap_or(f64::NEG_INFINITY);
    let max = max.unwrap_or(f64::INFINITY);
    check(!min.is_nan() && !max.is_nan() && min < max, || {
        format!("normal needs min < max, got min = {min}, max = {max}")
    })?;
    let mass = normal_cdf((max - mean) / sd) - normal_cdf((min - mean) / sd);
    check(mass >= MIN_TRUNCATED_MASS, || {
        format!(
            "normal truncated to [{min}, {max}] keeps only {:.2e} of its probability; \
             at least {MIN_TRUNCATED_MASS} is needed: move the mean inside the bounds",
            mass
        )
    })?;
    let normal = Normal::new(mean, sd).map_err(|e| DistributionError(format!("normal: {e}")))?;
    Ok(Distribution::TruncatedNormal { normal, min, max })
}

fn lognormal(
    mean: Option<f64>,
    sd: Option<f64>,
    median: Option<f64>,
    p90: Option<f64>,
) -> Result<Distribution, DistributionError> {
    let (mu, sigma) = match (mean, sd, median, p90) {
        (Some(mean), Some(sd), None, None) => {
            positive("lognormal mean", mean)?;
            positive("lognormal sd", sd)?;
            let sigma_squared = (1.0 + (sd / mean).powi(2)).ln();
            (mean.ln() - sigma_squared / 2.0, sigma_squared.sqrt())
        }
        (None, None, Some(median), Some(p90)) => {
            positive("lognormal median", median)?;
            finite("lognormal p90", p90)?;
            check(p90 > median, || {
                format!("lognormal needs p90 > median, got median = {median}, p90 = {p90}")
            })?;
            (median.ln(), (p90 / median).ln() / Z_P90)
        }
        _ => {
            return Err(DistributionError(
                "lognormal takes either `mean` and `sd`, or `median` and `p90`".into(),
            ))
        }
    };
    derived("lognormal", &[("log-mean μ", mu), ("log-sd σ", sigma)])?;
    let sampler =
        LogNormal::new(mu, sigma).map_err(|e| DistributionError(format!("lognormal: {e}")))?;
    Ok(Distribution::Lognormal(sampler, mu, sigma))
}

/// Largest shape parameter of a beta: beyond it the draws are the mean to many digits
/// (and the sampler's arithmetic overflows long before the shapes do).
const MAX_BETA_SHAPE: f64 = 1e12;

fn beta(mean: f64, sd: f64) -> Result<Distribution, DistributionError> {
    finite("beta mean", mean)?;
    check(mean > 0.0 && mean < 1.0, || {
        format!("beta mean must be between 0 and 1 (exclusive), got {mean}")
    })?;
    positive("beta sd", sd)?;
    let limit = (mean * (1.0 - mean)).sqrt();
    check(sd < limit, || {
        format!(
            "beta sd must be below sqrt(mean * (1 - mean)) = {limit:.4} for mean {mean}, got {sd}"
        )
    })?;
    let common = mean * (1.0 - mean) / (sd * sd) - 1.0;
    let (alpha, beta) = (mean * common, (1.0 - mean) * common);
    check(alpha <= MAX_BETA_SHAPE && beta <= MAX_BETA_SHAPE, || {
        format!(
            "beta sd {sd} is too small for mean {mean}: its shape parameters would be \
             {alpha:e} and {beta:e}, above {MAX_BETA_SHAPE:e}; write the fixed value {mean} instead"
        )
    })?;
    let sampler =
        rand_distr::Beta::new(alpha, beta).map_err(|e| DistributionError(format!("beta: {e}")))?;
    Ok(Distribution::Beta(sampler, alpha, beta))
}

impl Distribution {
    /// Draws one value.
    #[inline]
    pub fn sample(&self, rng: &mut SimRng) -> f64 {
        match self {
            Distribution::Fixed(value) => *value,
            Distribution::Uniform { min, max } => min + (max - min) * rng.random::<f64>(),
            Distribution::Triangular(sampler, _) => sampler.sample(rng),
            Distribution::TruncatedNormal { normal, min, max } => loop {
                let value = normal.sample(rng);
                if value >= *min && value <= *max {
                    break value;
                }
            },
            Distribution::Lognormal(sampler, ..) => sampler.sample(rng),
            Distribution::Beta(sampler, ..) => sampler.sample(rng),
            Distribution::Exponential(sampler, _) => sampler.sample(rng),
            Distribution::Gamma(sampler, ..) => sampler.sample(rng),
            Distribution::Weibull(sampler, ..) => sampler.sample(rng),
            Distribution::Poisson(sampler, _) => sampler.sample(rng),
            Distribution::Empirical(values) => values[rng.random_range(0..values.len())],
        }
    }

    /// The theoretical mean.
    pub fn mean(&self) -> f64 {
        self.moments().0
    }

    /// The theoretical variance.
    pub fn variance(&self) -> f64 {
        self.moments().1
    }

    fn moments(&self) -> (f64, f64) {
        match self {
            Distribution::Fixed(value) => (*value, 0.0),
            Distribution::Uniform { min, max } => ((min + max) / 2.0, (max - min).powi(2) / 12.0),
            Distribution::Triangular(_, [a, c, b]) => (
                (a + b + c) / 3.0,
                (a * a + b * b + c * c - a * b - a * c - b * c) / 18.0,
            ),
            Distribution::TruncatedNormal { normal, min, max } => {
                let (mu, sigma) = (normal.mean(), normal.std_dev());
                let density = |z: f64| {
                    if z.is_finite() {
                        (-0.5 * z * z).exp() / (2.0 * std::f64::consts::PI).sqrt()
                    } else {
                        0.0
                    }
                };
                let z_density = |z: f64| if z.is_finite() { z * density(z) } else { 0.0 };
                let (alpha, beta) = ((min - mu) / sigma, (max - mu) / sigma);
                let mass = normal_cdf(beta) - normal_cdf(alpha);
                let shift = (density(alpha) - density(beta)) / mass;
                let variance = sigma
                    * sigma
                    * (1.0 + (z_density(alpha) - z_density(beta)) / mass - shift * shift);
                (mu + sigma * shift, variance)
            }
            Distribution::Lognormal(_, mu, sigma) => {
                let s2 = sigma * sigma;
                (
                    (mu + s2 / 2.0).exp(),
                    (s2.exp() - 1.0) * (2.0 * mu + s2).exp(),
                )
            }
            Distribution::Beta(_, a, b) => (a / (a + b), a * b / ((a + b).powi(2) * (a + b + 1.0))),
            Distribution::Exponential(_, mean) => (*mean, mean * mean),
            Distribution::Gamma(_, shape, scale) => (shape * scale, shape * scale * scale),
            Distribution::Weibull(_, shape, scale) => {
                let g1 = ln_gamma(1.0 + 1.0 / shape).exp();
                let g2 = ln_gamma(1.0 + 2.0 / shape).exp();
                (scale * g1, scale * scale * (g2 - g1 * g1))
            }
            Distribution::Poisson(_, mean) => (*mean, *mean),
            Distribution::Empirical(values) => {
                let n = values.len() as f64;
                let mean = values.iter().sum::<f64>() / n;
                (
                    mean,
                    values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n,
                )
            }
        }
    }

    /// The smallest value the distribution can take (may be -inf).
    pub fn support_min(&self) -> f64 {
        match self {
            Distribution::Fixed(value) => *value,
            Distribution::Uniform { min, .. } => *min,
            Distribution::Triangular(_, [min, ..]) => *min,
            Distribution::TruncatedNormal { min, .. } => *min,
            Distribution::Empirical(values) => values.iter().copied().fold(f64::INFINITY, f64::min),
            _ => 0.0,
        }
    }

    /// The largest value the distribution can take (may be +inf).
    pub fn support_max(&self) -> f64 {
        match self {
            Distribution::Fixed(value) => *value,
            Distribution::Uniform { max, .. } => *max,
            Distribution::Triangular(_, [.., max]) => *max,
            Distribution::TruncatedNormal { max, .. } => *max,
            Distribution::Beta(..) => 1.0,
            Distribution::Empirical(values) => {
                values.iter().copied().fold(f64::NEG_INFINITY, f64::max)
            }
            _ => f64::INFINITY,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::random::stream;
    use crate::stats::Moments;

    #[derive(Deserialize)]
    struct Holder {
        d: DistributionSpec,
    }

    fn parse(text: &str) -> Result<Distribution, String> {
        let holder: Holder = toml::from_str(&format!("d = {text}")).map_err(|e| e.to_string())?;
        holder.d.build().map_err(|e| e.to_string())
    }

    /// Sample mean and variance lie within 4 standard errors of the theoretical values
    /// (a 99.99 % interval; the seed is fixed, so the test is deterministic). The
    /// standard error of the sample variance uses the sample fourth central moment.
    fn assert_moments(text: &str) {
        let distribution = parse(text).unwrap();
        let mut rng = stream(2024, text);
        let n = 200_000;
        let values: Vec<f64> = (0..n).map(|_| distribution.sample(&mut rng)).collect();
        let mut moments = Moments::default();
        values.iter().for_each(|&v| moments.push(v));
        let (mean, variance) = (distribution.mean(), distribution.variance());
        let mean_se = (variance / n as f64).sqrt();
        assert!(
            (moments.mean() - mean).abs() <= 4.0 * mean_se + 1e-12,
            "{text}: sample mean {} vs {mean} (se {mean_se})",
            moments.mean()
        );
        let m4 = values
            .iter()
            .map(|v| (v - moments.mean()).powi(4))
            .sum::<f64>()
            / n as f64;
        let variance_se = ((m4 - moments.variance().powi(2)) / n as f64).sqrt();
        assert!(
            (moments.variance() - variance).abs() <= 4.0 * variance_se + 1e-12,
            "{text}: sample variance {} vs {variance} (se {variance_se})",
            moments.variance()
        );
        assert!(
            moments.min() >= distribution.support_min()
                && moments.max() <= distribution.support_max()
        );
    }

    #[test]
    fn every_family_matches_its_theoretical_mean_and_variance() {
        for text in [
            "7",
            "{ fixed = 2.5 }",
            "{ uniform = { min = 2, max = 5 } }",
            "{ triangular = { min = 3, mode = 5, max = 9 } }",
            "{ normal = { mean = 10, sd = 3 } }",
            "{ normal = { mean = 1, sd = 2, min = 0, max = 4 } }",
            "{ lognormal = { mean = 100, sd = 30 } }",
            "{ lognormal = { median = 10, p90 = 60 } }",
            "{ beta = { mean = 0.6, sd = 0.08 } }",
            "{ exponential = { mean = 4 } }",
            "{ gamma = { shape = 2.5, scale = 3 } }",
            "{ weibull = { shape = 1.5, scale = 10 } }",
            "{ poisson = { mean = 3.5 } }",
            "{ empirical = { values = [1, 2, 2, 10] } }",
        ] {
            assert_moments(text);
        }
    }

    #[test]
    fn lognormal_by_median_and_p90_hits_both() {
        let distribution = parse("{ lognormal = { median = 100, p90 = 130 } }").unwrap();
        let mut rng = stream(1, "lognormal");
        let mut values: Vec<f64> = (0..100_000)
            .map(|_| distribution.sample(&mut rng))
            .collect();
        values.sort_by(f64::total_cmp);
        let median = crate::stats::quantile_sorted(&values, 0.5);
        let p90 = crate::stats::quantile_sorted(&values, 0.9);
        assert!((median - 100.0).abs() < 0.5, "median {median}");
        assert!((p90 - 130.0).abs() < 1.0, "p90 {p90}");
    }

    #[test]
    fn bad_parameters_say_what_is_allowed() {
        let cases = [
            ("{ uniform = { min = 5, max = 2 } }", "min <= max"),
            (
                "{ triangular = { min = 1, mode = 0, max = 2 } }",
                "min <= mode <= max",
            ),
            ("{ normal = { mean = 1, sd = -1 } }", "greater than 0"),
            (
                "{ normal = { mean = -50, sd = 1, min = 0 } }",
                "move the mean inside",
            ),
            ("{ lognormal = { median = 10, p90 = 5 } }", "p90 > median"),
            (
                "{ lognormal = { mean = 10, p90 = 5 } }",
                "either `mean` and `sd`",
            ),
            ("{ beta = { mean = 1.5, sd = 0.1 } }", "between 0 and 1"),
            ("{ beta = { mean = 0.5, sd = 0.6 } }", "sd must be below"),
            ("{ exponential = { mean = 0 } }", "greater than 0"),
            ("{ empirical = { values = [] } }", "at least one value"),
            ("nan", "finite"),
            ("{ poisson = { mean = inf } }", "finite"),
        ];
        for (text, expected) in cases {
            let error = parse(text).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    #[test]
    fn parameters_that_overflow_are_refused_before_they_reach_a_sampler() {
        let cases = [
            ("{ beta = { mean = 0.5, sd = 1e-200 } }", "fixed value 0.5"),
            ("{ lognormal = { mean = 1e-300, sd = 1 } }", "log-mean"),
            ("{ lognormal = { median = 1e-300, p90 = 1e300 } }", "log-sd"),
            ("{ uniform = { min = -1e308, max = 1e308 } }", "width"),
            (
                "{ triangular = { min = -1e308, mode = 0, max = 1e308 } }",
                "width",
            ),
            ("{ exponential = { mean = 1e-320 } }", "rate"),
            ("{ weibull = { shape = 0.001, scale = 1 } }", "mean"),
            ("{ gamma = { shape = 1e200, scale = 1e200 } }", "mean"),
            ("{ empirical = { values = [1e308, 1e308] } }", "mean"),
            ("{ normal = { mean = 0, sd = 1e200 } }", "variance"),
        ];
        for (text, expected) in cases {
            let error = parse(text).unwrap_err();
            assert!(error.contains(expected), "{text}: {error}");
        }
    }

    /// A number anywhere from 1e-300 to 1e300, either sign, or a plain small one.
    fn extreme() -> impl proptest::strategy::Strategy<Value = f64> {
        use proptest::prelude::*;
        prop_oneof![
            (-300i32..300, any::<bool>()).prop_map(|(power, negative)| {
                let value = 10f64.powi(power);
                if negative {
                    -value
                } else {
                    value
                }
            }),
            -10.0..10.0f64,
        ]
    }

    proptest::proptest! {
        /// Whatever the parameters, a distribution that builds draws only finite numbers.
        #[test]
        fn accepted_distributions_draw_finite_numbers(
            family in 0usize..10,
            a in extreme(),
            b in extreme(),
            c in extreme(),
        ) {
            let (low, high) = (a.min(c), a.max(c));
            let text = match family {
                0 => format!("{{ uniform = {{ min = {low:e}, max = {high:e} }} }}"),
                1 => format!("{{ triangular = {{ min = {low:e}, mode = {b:e}, max = {high:e} }} }}"),
                2 => format!("{{ normal = {{ mean = {a:e}, sd = {b:e}, min = {c:e} }} }}"),
                3 => format!("{{ lognormal = {{ mean = {a:e}, sd = {b:e} }} }}"),
                4 => format!("{{ lognormal = {{ median = {a:e}, p90 = {b:e} }} }}"),
                5 => format!("{{ beta = {{ mean = {:e}, sd = {b:e} }} }}", a.abs().fract()),
                6 => format!("{{ exponential = {{ mean = {a:e} }} }}"),
                7 => format!("{{ gamma = {{ shape = {a:e}, scale = {b:e} }} }}"),
                8 => format!("{{ weibull = {{ shape = {a:e}, scale = {b:e} }} }}"),
                _ => format!("{{ empirical = {{ values = [{a:e}, {b:e}, {c:e}] }} }}"),
            };
            if let Ok(distribution) = parse(&text) {
                let mut rng = stream(7, &text);
                for _ in 0..200 {
                    let draw = distribution.sample(&mut rng);
                    proptest::prop_assert!(draw.is_finite(), "{} drew {}", text, draw);
                }
            }
        }
    }

    #[test]
    fn unknown_family_or_field_is_a_parse_error() {
        assert!(parse("{ cauchy = { scale = 1 } }")
            .unwrap_err()
            .contains("unknown variant"));
        assert!(parse("{ uniform = { min = 1, maxx = 2 } }")
            .unwrap_err()
            .contains("unknown field"));
        assert!(parse("\"five\"")
            .unwrap_err()
            .contains("a number, or a table"));
    }
}
