//! `chipsim compare`: how a scenario differs from a base, replication by replication.
//!
//! Both runs' `replications.csv` are read and rows are paired by replication index; the
//! paired seeds must be equal (the runs used common random numbers), otherwise pairing
//! would be meaningless and the comparison fails. For every metric both runs report,
//! over the replications where both define it: the means, the mean paired difference
//! (other − base) with its Student-t 95 % CI, and the Welch 95 % CI that treats the runs
//! as independent, to show how much pairing narrows the interval.
//!
//! [`compare_series`] does the same period by period for every time series both runs
//! report (same scope, name and unit) in the periods both have, from the runs' raw
//! data (`shard_data.bin`). Runs of different replication counts are paired over the
//! replications both have, and the result says how many each run had.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::output::{
    read_replications, ComparisonRow, OutputError, SeriesComparisonRow, ShardDataReader,
    REPLICATIONS_FILE,
};
use crate::stats::{welch_half_width_95, Moments};

/// A comparison that could not be made.
#[derive(Debug, thiserror::Error)]
pub enum CompareError {
    /// A `replications.csv` could not be read.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// The runs used different seeds for the same replication.
    #[error(
        "the runs did not use common random numbers: replication {replication} has seed \
         {base_seed} in the base and {other_seed} in the other run; rerun both with the same --seed"
    )]
    NotCommonRandomNumbers {
        /// Replication index.
        replication: u64,
        /// Its seed in the base run.
        base_seed: u64,
        /// Its seed in the other run.
        other_seed: u64,
    },
    /// No replication index is in both runs.
    #[error("the runs have no replication in common")]
    NoCommonReplications,
    /// A replication appears twice in one file.
    #[error("{}: replication {replication} appears twice", path.display())]
    Duplicate {
        /// The file.
        path: PathBuf,
        /// Replication index.
        replication: u64,
    },
}

/// The result of [`compare_runs`].
#[derive(Debug, Clone, PartialEq)]
pub struct Comparison {
    /// One row per metric in both runs, in the base run's column order.
    pub rows: Vec<ComparisonRow>,
    /// Replications present in both runs.
    pub paired: u64,
    /// Metrics only the base run reports.
    pub only_in_base: Vec<String>,
    /// Metrics only the other run reports.
    pub only_in_other: Vec<String>,
    /// Replications of the base run.
    pub base_replications: u64,
    /// Replications of the other run.
    pub other_replications: u64,
}

/// The result of [`compare_series`].
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesComparison {
    /// Period-major, then in the base run's series order.
    pub rows: Vec<SeriesComparisonRow>,
    /// Replications present in both runs.
    pub paired: u64,
    /// Replications of the base run.
    pub base_replications: u64,
    /// Replications of the other run.
    pub other_replications: u64,
}

fn interval(centre: f64, half_width: f64) -> (f64, f64) {
    (centre - half_width, centre + half_width)
}

/// Compares the run in `other_dir` with the base run in `base_dir`.
pub fn compare_runs(base_dir: &Path, other_dir: &Path) -> Result<Comparison, CompareError> {
    let base_path = base_dir.join(REPLICATIONS_FILE);
    let other_path = other_dir.join(REPLICATIONS_FILE);
    let base = read_replications(&base_path)?;
    let other = read_replications(&other_path)?;

    let mut other_rows = HashMap::with_capacity(other.rows.len());
    for (row, (replication, _, _)) in other.rows.iter().enumerate() {
        if other_rows.insert(*replication, row).is_some() {
            return Err(CompareError::Duplicate {
                path: other_path,
                replication: *replication,
            });
        }
    }
    let mut seen = std::collections::HashSet::with_capacity(base.rows.len());
    let mut pairs = Vec::new();
    for (replication, base_seed, base_values) in &base.rows {
        if !seen.insert(*replication) {
            return Err(CompareError::Duplicate {
                path: base_path,
                replication: *replication,
            });
        }
        let Some(&row) = other_rows.get(replication) else {
            continue;
        };
        let (_, other_seed, other_values) = &other.rows[row];
        if base_seed != other_seed {
            return Err(CompareError::NotCommonRandomNumbers {
                replication: *replication,
                base_seed: *base_seed,
                other_seed: *other_seed,
            });
        }
        pairs.push((base_values, other_values));
    }
    if pairs.is_empty() {
        return Err(CompareError::NoCommonReplications);
    }

    let mut rows = Vec::new();
    let mut only_in_base = Vec::new();
    for (base_column, metric) in base.metrics.iter().enumerate() {
        let Some(other_column) = other.metrics.iter().position(|name| name == metric) else {
            only_in_base.push(metric.clone());
            continue;
        };
        let (mut b, mut o, mut d) = (Moments::default(), Moments::default(), Moments::default());
        for (base_values, other_values) in &pairs {
            let x = base_values.get(base_column).copied().unwrap_or(f64::NAN);
            let y = other_values.get(other_column).copied().unwrap_or(f64::NAN);
            if !(x.is_nan() || y.is_nan()) {
                b.push(x);
                o.push(y);
                d.push(y - x);
            }
        }
        let (base_mean, other_mean, diff_mean) = (mean(&b), mean(&o), mean(&d));
        rows.push(ComparisonRow {
            metric: metric.clone(),
            n: d.count(),
            base_mean,
            other_mean,
            diff_mean,
            paired_ci95: interval(diff_mean, d.ci_half_width(0.95)),
            unpaired_ci95: interval(other_mean - base_mean, welch_half_width_95(&b, &o)),
        });
    }
    let only_in_other = (other.metrics.iter())
        .filter(|name| !base.metrics.contains(name))
        .cloned()
        .collect();
    Ok(Comparison {
        rows,
        paired: pairs.len() as u64,
        only_in_base,
        only_in_other,
        base_replications: base.rows.len() as u64,
        other_replications: other.rows.len() as u64,
    })
}

/// The mean of `moments`, NaN when empty.
fn mean(moments: &Moments) -> f64 {
    if moments.count() == 0 {
        f64::NAN
    } else {
        moments.mean()
    }
}

/// Compares the time series of the run in `other_dir` with the base run in `base_dir`,
/// period by period, from their raw data.
pub fn compare_series(base_dir: &Path, other_dir: &Path) -> Result<SeriesComparison, CompareError> {
    let mut base = ShardDataReader::open(base_dir)?;
    let mut other = ShardDataReader::open(other_dir)?;
    let (base_layout, other_layout) = (base.header().layout.clone(), other.header().layout.clone());
    // Cells both runs have: (index in a base record, index in an other record).
    let base_width = base_layout.series.len();
    let other_width = other_layout.series.len();
    let mut cells = Vec::new();
    let mut described = Vec::new();
    for (base_period, period) in base_layout.periods.iter().enumerate() {
        let Some(other_period) = other_layout.periods.iter().position(|p| p == period) else {
            continue;
        };
        for (base_series, series) in base_layout.series.iter().enumerate() {
            let Some(other_series) = other_layout.series.iter().position(|s| {
                s.scope == series.scope
                    && s.metric.name == series.metric.name
                    && s.metric.unit == series.metric.unit
            }) else {
                continue;
            };
            cells.push((
                base_period * base_width + base_series,
                other_period * other_width + other_series,
            ));
            described.push((*period, series));
        }
    }
    let mut base_records = HashMap::new();
    while let Some((replication, seed, result)) = base.next_record()? {
        let values: Vec<f64> = cells.iter().map(|&(at, _)| result.series[at]).collect();
        if base_records.insert(replication, (seed, values)).is_some() {
            return Err(CompareError::Duplicate {
                path: base_dir.join(crate::output::SHARD_DATA_FILE),
                replication,
            });
        }
    }
    let mut moments =
        vec![[Moments::default(), Moments::default(), Moments::default()]; cells.len()];
    let (mut paired, mut other_replications) = (0, 0);
    while let Some((replication, other_seed, result)) = other.next_record()? {
        other_replications += 1;
        let Some((base_seed, base_values)) = base_records.get(&replication) else {
            continue;
        };
        if *base_seed != other_seed {
            return Err(CompareError::NotCommonRandomNumbers {
                replication,
                base_seed: *base_seed,
                other_seed,
            });
        }
        paired += 1;
        for ((&(_, at), &x), [b, o, d]) in cells.iter().zip(base_values).zip(&mut moments) {
            let y = result.series[at];
            if !(x.is_nan() || y.is_nan()) {
                b.push(x);
                o.push(y);
                d.push(y - x);
            }
        }
    }
    if paired == 0 {
        return Err(CompareError::NoCommonReplications);
    }
    let rows = (described.into_iter().zip(&moments))
        .map(|((period, series), [b, o, d])| {
            let diff_mean = mean(d);
            SeriesComparisonRow {
                period,
                scope: series.scope.clone(),
                metric: series.metric.name.clone(),
                unit: series.metric.unit.clone(),
                n: d.count(),
                base_mean: mean(b),
                other_mean: mean(o),
                diff_mean,
                paired_ci95: interval(diff_mean, d.ci_half_width(0.95)),
            }
        })
        .collect();
    Ok(SeriesComparison {
        rows,
        paired,
        base_replications: base_records.len() as u64,
        other_replications,
    })
}
