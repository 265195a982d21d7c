//! Sensitivity of each metric to each parameter, from the per-replication values of
//! every design point:
//!
//! - **one at a time** (tornado): the effect of a parameter's low and high value is the
//!   mean paired difference from the base point over replications (common random
//!   numbers: replication r of every point has the same seed), with its Student-t 95 %
//!   CI; ranked by the larger of |low effect| and |high effect|.
//! - **Morris**: elementary effects (change of the metric's mean ÷ change of the
//!   parameter scaled to [0, 1]) along each trajectory; μ is their mean, μ* the mean of
//!   their absolute values, σ their standard deviation; ranked by μ*.
//! - **grid and Latin hypercube**: least-squares fit of the metric's point means on the
//!   parameters scaled to [0, 1]; the linear effect is the fitted change from low to
//!   high, the standardised regression coefficient (SRC) that effect × sd(parameter) ÷
//!   sd(metric), with the fit's R²; ranked by |SRC|.
//!
//! Undefined values (NaN) are left out; an effect that cannot be computed is NaN and
//! ranks last.

use crate::output::contract::{names, MorrisColumn, RegressionColumn, TornadoColumn};
use crate::stats::{Moments, Summary};

use super::design::Design;
use super::spec::DesignSpec;

/// Per point, per metric, the values of replications 0, 1, ….
pub(crate) type PointValues = Vec<Vec<f64>>;

/// One parameter × metric row of `sensitivity.csv`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SensitivityRow {
    /// Index into the design's parameters.
    pub parameter: usize,
    /// Index into the analysed metrics.
    pub metric: usize,
    /// The design's number columns, in [`Sensitivity::columns`] order.
    pub numbers: Vec<f64>,
    /// 1 for the parameter that moves the metric most.
    pub rank: usize,
}

/// The sensitivity table of a design: rows by metric, then by rank.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sensitivity {
    /// Names of the number columns: the design's columns of the contract.
    pub columns: Vec<&'static str>,
    /// Rows.
    pub rows: Vec<SensitivityRow>,
}

/// Mean of the defined values (NaN when none).
fn mean(values: &[f64]) -> f64 {
    Summary::of(values).mean
}

/// A row before ranking: numbers and the importance that ranks it.
struct Scored {
    numbers: Vec<f64>,
    importance: f64,
}

/// The sensitivity of every analysed metric to every parameter.
pub(crate) fn analyse(design: &Design, values: &[PointValues], metrics: usize) -> Sensitivity {
    let means: Vec<Vec<f64>> = values
        .iter()
        .map(|point| point.iter().map(|v| mean(v)).collect())
        .collect();
    let (columns, scored): (_, Vec<Vec<Scored>>) = match design.spec {
        DesignSpec::OneAtATime => (
            names(TornadoColumn::ALL).collect(),
            tornado(design, values, metrics),
        ),
        DesignSpec::Morris { .. } => (
            names(MorrisColumn::ALL).collect(),
            morris(design, &means, metrics),
        ),
        DesignSpec::Grid { .. } | DesignSpec::LatinHypercube { .. } => (
            names(RegressionColumn::ALL).collect(),
            regression(design, &means, metrics),
        ),
    };
    // `scored[parameter][metric]`.
    let mut rows = Vec::new();
    for metric in 0..metrics {
        let mut order: Vec<usize> = (0..scored.len()).collect();
        let key = |p: usize| {
            let importance = scored[p][metric].importance;
            if importance.is_nan() {
                f64::NEG_INFINITY
            } else {
                importance
            }
        };
        order.sort_by(|&a, &b| key(b).total_cmp(&key(a)).then(a.cmp(&b)));
        for (rank, parameter) in order.into_iter().enumerate() {
            rows.push(SensitivityRow {
                parameter,
                metric,
                numbers: scored[parameter][metric].numbers.clone(),
                rank: rank + 1,
            });
        }
    }
    Sensitivity { columns, rows }
}

/// Paired differences `point − base` per replication: mean and 95 % CI.
fn paired(point: &[f64], base: &[f64]) -> [f64; 3] {
    let differences: Vec<f64> = point.iter().zip(base).map(|(x, b)| x - b).collect();
    let summary = Summary::of(&differences);
    [summary.mean, summary.ci95_low, summary.ci95_high]
}

fn tornado(design: &Design, values: &[PointValues], metrics: usize) -> Vec<Vec<Scored>> {
    let base = 0;
    (design.parameters.iter().enumerate())
        .map(|(i, parameter)| {
            let moved: Vec<(usize, f64)> = (design.points.iter().enumerate())
                .filter_map(|(point, coordinates)| coordinates[i].map(|x| (point, x)))
                .collect();
            let lowest = moved.iter().copied().min_by(|a, b| a.1.total_cmp(&b.1));
            let highest = moved.iter().copied().max_by(|a, b| a.1.total_cmp(&b.1));
            let (Some((low, low_value)), Some((high, high_value))) = (lowest, highest) else {
                return Vec::new();
            };
            (0..metrics)
                .map(|m| {
                    let low_effect = paired(&values[low][m], &values[base][m]);
                    let high_effect = paired(&values[high][m], &values[base][m]);
                    let importance = low_effect[0].abs().max(high_effect[0].abs());
                    let numbers = (TornadoColumn::ALL.iter())
                        .map(|column| match column {
                            TornadoColumn::BaseValue => parameter.base.unwrap_or(f64::NAN),
                            TornadoColumn::LowValue => low_value,
                            TornadoColumn::HighValue => high_value,
                            TornadoColumn::BaseMean => mean(&values[base][m]),
                            TornadoColumn::LowMean => mean(&values[low][m]),
                            TornadoColumn::HighMean => mean(&values[high][m]),
                            TornadoColumn::LowEffect => low_effect[0],
                            TornadoColumn::LowEffectCi95Low => low_effect[1],
                            TornadoColumn::LowEffectCi95High => low_effect[2],
                            TornadoColumn::HighEffect => high_effect[0],
                            TornadoColumn::HighEffectCi95Low => high_effect[1],
                            TornadoColumn::HighEffectCi95High => high_effect[2],
                        })
                        .collect();
                    Scored {
                        numbers,
                        importance,
                    }
                })
                .collect()
        })
        .collect()
}

fn morris(design: &Design, means: &[Vec<f64>], metrics: usize) -> Vec<Vec<Scored>> {
    let k = design.parameters.len();
    // effects[parameter][metric]
    let mut effects = vec![vec![Vec::new(); metrics]; k];
    for trajectory in (0..design.points.len()).collect::<Vec<_>>().chunks(k + 1) {
        for pair in trajectory.windows(2) {
            let (a, b) = (pair[0], pair[1]);
            let Some(i) = (0..k).find(|&i| design.points[a][i] != design.points[b][i]) else {
                continue;
            };
            let parameter = &design.parameters[i];
            let unit = |point: usize| parameter.unit(design.points[point][i].unwrap_or(f64::NAN));
            let step = unit(b) - unit(a);
            for m in 0..metrics {
                let effect = (means[b][m] - means[a][m]) / step;
                if !effect.is_nan() {
                    effects[i][m].push(effect);
                }
            }
        }
    }
    effects
        .into_iter()
        .map(|per_metric| {
            per_metric
                .into_iter()
                .map(|elementary| {
                    let (mut signed, mut absolute) = (Moments::default(), Moments::default());
                    for &effect in &elementary {
                        signed.push(effect);
                        absolute.push(effect.abs());
                    }
                    let defined =
                        |m: &Moments, value: f64| if m.count() == 0 { f64::NAN } else { value };
                    let mu_star = defined(&absolute, absolute.mean());
                    let sigma = if signed.count() < 2 {
                        f64::NAN
                    } else {
                        signed.std_dev()
                    };
                    let numbers = (MorrisColumn::ALL.iter())
                        .map(|column| match column {
                            MorrisColumn::MuStar => mu_star,
                            MorrisColumn::Mu => defined(&signed, signed.mean()),
                            MorrisColumn::Sigma => sigma,
                            MorrisColumn::Effects => signed.count() as f64,
                        })
                        .collect();
                    Scored {
                        numbers,
                        importance: mu_star,
                    }
                })
                .collect()
        })
        .collect()
}

fn regression(design: &Design, means: &[Vec<f64>], metrics: usize) -> Vec<Vec<Scored>> {
    let k = design.parameters.len();
    let units: Vec<Vec<f64>> = (design.points.iter())
        .map(|point| {
            (design.parameters.iter().zip(point))
                .map(|(p, x)| p.unit(x.unwrap_or(f64::NAN)))
                .collect()
        })
        .collect();
    let mut scored: Vec<Vec<Scored>> = (0..k).map(|_| Vec::with_capacity(metrics)).collect();
    for m in 0..metrics {
        let rows: Vec<usize> = (0..means.len())
            .filter(|&p| means[p][m].is_finite())
            .collect();
        let fit = least_squares(&rows, &units, |p| means[p][m], k);
        for (i, column) in scored.iter_mut().enumerate() {
            let number = |column: &RegressionColumn| match (column, &fit) {
                (_, None) => f64::NAN,
                (RegressionColumn::LinearEffect, Some(fit)) => fit.coefficients[i],
                (RegressionColumn::Src, Some(fit)) => fit.standardised[i],
                (RegressionColumn::RSquared, Some(fit)) => fit.r_squared,
            };
            let numbers = RegressionColumn::ALL.iter().map(number).collect();
            let importance = number(&RegressionColumn::Src).abs();
            column.push(Scored {
                numbers,
                importance,
            });
        }
    }
    scored
}

/// A linear fit y = b0 + Σ bᵢ uᵢ.
struct Fit {
    /// bᵢ (NaN for a parameter that does not vary).
    coefficients: Vec<f64>,
    /// bᵢ sd(uᵢ) / sd(y).
    standardised: Vec<f64>,
    r_squared: f64,
}

/// Least squares of `y(row)` on `units[row]` over `rows`, by the normal equations;
/// `None` when the points do not determine the fit.
fn least_squares(
    rows: &[usize],
    units: &[Vec<f64>],
    y: impl Fn(usize) -> f64,
    k: usize,
) -> Option<Fit> {
    let sd = |values: &mut dyn Iterator<Item = f64>| {
        let mut moments = Moments::default();
        values.for_each(|v| moments.push(v));
        moments.std_dev()
    };
    let sd_y = sd(&mut rows.iter().map(|&r| y(r)));
    let sd_u: Vec<f64> = (0..k)
        .map(|i| sd(&mut rows.iter().map(|&r| units[r][i])))
        .collect();
    let varying: Vec<usize> = (0..k).filter(|&i| sd_u[i] > 0.0).collect();
    let n = varying.len() + 1;
    if rows.len() < n {
        return None;
    }
    let features = |r: usize| std::iter::once(1.0).chain(varying.iter().map(move |&i| units[r][i]));
    let mut normal = vec![vec![0.0; n + 1]; n];
    for &r in rows {
        let x: Vec<f64> = features(r).collect();
        for (a, row) in normal.iter_mut().enumerate() {
            for b in 0..n {
                row[b] += x[a] * x[b];
            }
            row[n] += x[a] * y(r);
        }
    }
    let solution = solve(normal)?;
    let mean_y = rows.iter().map(|&r| y(r)).sum::<f64>() / rows.len() as f64;
    let (mut residual, mut total) = (0.0, 0.0);
    for &r in rows {
        let fitted: f64 = features(r).zip(&solution).map(|(x, b)| x * b).sum();
        residual += (y(r) - fitted).powi(2);
        total += (y(r) - mean_y).powi(2);
    }
    let mut coefficients = vec![f64::NAN; k];
    for (slot, &i) in varying.iter().enumerate() {
        coefficients[i] = solution[slot + 1];
    }
    let standardised = (0..k)
        .map(|i| {
            if sd_y > 0.0 {
                coefficients[i] * sd_u[i] / sd_y
            } else {
                f64::NAN
            }
        })
        .collect();
    Some(Fit {
        coefficients,
        standardised,
        r_squared: if total > 0.0 {
            1.0 - residual / total
        } else {
            f64::NAN
        },
    })
}

/// Solves the augmented system `[A | b]` by Gaussian elimination with partial pivoting;
/// `None` when A is singular.
fn solve(mut system: Vec<Vec<f64>>) -> Option<Vec<f64>> {
    let n = system.len();
    let scale = (0..n).map(|i| system[i][i].abs()).fold(0.0, f64::max);
    for column in 0..n {
        let pivot = (column..n)
            .max_by(|&a, &b| system[a][column].abs().total_cmp(&system[b][column].abs()))?;
        if system[pivot][column].abs() <= 1e-12 * scale {
            return None;
        }
        system.swap(column, pivot);
        let (upper, lower) = system.split_at_mut(column + 1);
        let pivot_row = &upper[column];
        for row in lower {
            let factor = row[column] / pivot_row[column];
            for (cell, &above) in row[column..].iter_mut().zip(&pivot_row[column..]) {
                *cell -= factor * above;
            }
        }
    }
    let mut solution = vec![0.0; n];
    for row in (0..n).rev() {
        let known: f64 = (row + 1..n).map(|j| system[row][j] * solution[j]).sum();
        solution[row] = (system[row][n] - known) / system[row][row];
    }
    Some(solution)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn least_squares_recovers_a_plane() {
        // y = 2 + 3 u0 − 5 u1 on four points.
        let units = vec![
            vec![0.0, 0.0],
            vec![1.0, 0.0],
            vec![0.0, 1.0],
            vec![1.0, 1.0],
        ];
        let fit = least_squares(
            &[0, 1, 2, 3],
            &units,
            |r| 2.0 + 3.0 * units[r][0] - 5.0 * units[r][1],
            2,
        )
        .expect("fit");
        assert!((fit.coefficients[0] - 3.0).abs() < 1e-12);
        assert!((fit.coefficients[1] + 5.0).abs() < 1e-12);
        assert!((fit.r_squared - 1.0).abs() < 1e-12);
        // Two points cannot determine an intercept and two slopes.
        assert!(least_squares(&[1, 2], &units, |_| 1.0, 2).is_none());
    }
}
