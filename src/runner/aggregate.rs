//! The single aggregator: consumes replication results strictly in replication order and
//! keeps exactly what the outputs need, one [`Sample`] per metric, per period and series
//! metric, and per project group (its delays), plus cause counts, then turns them into
//! [`RunStatistics`]. Rows of `replications.csv` are not kept: the runner streams them to
//! the file.
//!
//! Memory: a sample keeps its values for exact quantiles up to [`EXACT_VALUES`], then a
//! bounded sketch (see [`crate::stats`]), so a long run holds at most about 64 KB per
//! column however many replications it has. A run and a merge of its shards push the
//! same values in the same order, so they switch at the same value and print the same
//! bytes.

use std::collections::HashSet;

use crate::output::{ProjectStatistics, RunStatistics};
use crate::replication::{DelayCause, OutputLayout, ReplicationResult};
use crate::stats::Sample;
#[cfg(doc)]
use crate::stats::EXACT_VALUES;

use super::RunError;

/// Accumulates results in replication order; see the module documentation.
#[derive(Debug, Clone)]
pub struct Aggregator {
    metrics: Vec<Sample>,
    series: Vec<Sample>,
    delays: Vec<Sample>,
    causes: Vec<[u64; 6]>,
    precision_metrics: Vec<usize>,
    replications: u64,
}

impl Aggregator {
    /// An empty aggregator for `layout`, after checking that the layout can be written:
    /// a non-empty scenario name and unique, non-empty metric names.
    pub fn new(layout: &OutputLayout) -> Result<Self, RunError> {
        check_layout(layout)?;
        let headline: Vec<usize> = (layout.metrics.iter().enumerate())
            .filter(|(_, metric)| metric.headline)
            .map(|(index, _)| index)
            .collect();
        Ok(Aggregator {
            metrics: vec![Sample::default(); layout.metrics.len()],
            series: vec![Sample::default(); layout.periods.len() * layout.series.len()],
            delays: vec![Sample::default(); layout.projects.len()],
            causes: vec![[0; 6]; layout.projects.len()],
            // Without headline metrics, the precision target applies to every metric.
            precision_metrics: if headline.is_empty() {
                (0..layout.metrics.len()).collect()
            } else {
                headline
            },
            replications: 0,
        })
    }

    /// Checks `result` against the layout and adds it. Call in replication order.
    ///
    /// A metric or series value may be NaN ("undefined in this replication", an empty
    /// cell, left out of the statistics) but not infinite; project delays must be finite.
    pub fn push(&mut self, replication: u64, result: &ReplicationResult) -> Result<(), RunError> {
        self.check(result)
            .map_err(|message| RunError::InvalidResult {
                replication,
                message,
            })?;
        for (values, &value) in self.metrics.iter_mut().zip(&result.metrics) {
            values.push(value);
        }
        for (values, &value) in self.series.iter_mut().zip(&result.series) {
            values.push(value);
        }
        for ((delays, causes), outcomes) in
            (self.delays.iter_mut().zip(&mut self.causes)).zip(&result.projects)
        {
            for outcome in outcomes {
                delays.push(outcome.delay_days);
                let cause = DelayCause::ALL
                    .iter()
                    .position(|&cause| cause == outcome.cause)
                    .unwrap_or_default();
                causes[cause] += 1;
            }
        }
        self.replications += 1;
        Ok(())
    }

    fn check(&self, result: &ReplicationResult) -> Result<(), String> {
        let lengths = [
            ("metrics", result.metrics.len(), self.metrics.len()),
            ("series values", result.series.len(), self.series.len()),
            ("project groups", result.projects.len(), self.delays.len()),
        ];
        for (what, got, expected) in lengths {
            if got != expected {
                return Err(format!("{got} {what}, the layout has {expected}"));
            }
        }
        if let Some(index) = result.metrics.iter().position(|v| v.is_infinite()) {
            return Err(format!("metric {} is infinite", index + 1));
        }
        if let Some(index) = result.series.iter().position(|v| v.is_infinite()) {
            return Err(format!("series value {} is infinite", index + 1));
        }
        for (group, outcomes) in result.projects.iter().enumerate() {
            if outcomes
                .iter()
                .any(|outcome| !outcome.delay_days.is_finite())
            {
                return Err(format!(
                    "project group {} has a delay that is not a finite number",
                    group + 1
                ));
            }
        }
        Ok(())
    }

    /// Replications added so far.
    pub fn replications(&self) -> u64 {
        self.replications
    }

    /// Whether the 95 % CI half-width of every headline metric (every metric when none
    /// is a headline) is at most `relative` × |mean|. A metric with mean 0 and standard
    /// deviation 0 has met it; one with fewer than two defined values has not.
    pub fn precision_met(&self, relative: f64) -> bool {
        self.precision_metrics.iter().all(|&index| {
            let moments = self.metrics[index].moments();
            if moments.count() < 2 {
                return false;
            }
            let mean = moments.mean();
            (mean == 0.0 && moments.std_dev() == 0.0)
                || moments.ci_half_width(0.95) <= relative * mean.abs()
        })
    }

    /// The statistics the CSV tables print.
    pub fn statistics(&self) -> RunStatistics {
        let projects = (self.delays.iter().zip(&self.causes))
            .map(|(delays, causes)| {
                let outcomes = delays.count() as f64;
                ProjectStatistics {
                    per_replication: if self.replications == 0 {
                        f64::NAN
                    } else {
                        outcomes / self.replications as f64
                    },
                    delay: delays.summary(),
                    cause_shares: causes.map(|count| {
                        if outcomes == 0.0 {
                            f64::NAN
                        } else {
                            count as f64 / outcomes
                        }
                    }),
                }
            })
            .collect();
        RunStatistics {
            metrics: self.metrics.iter().map(Sample::summary).collect(),
            series: self.series.iter().map(Sample::summary).collect(),
            projects,
        }
    }
}

/// A layout the outputs can represent: a scenario name, and metric names that are
/// non-empty and unique (they head `replications.csv` columns, which `compare` pairs).
fn check_layout(layout: &OutputLayout) -> Result<(), RunError> {
    if layout.scenario.trim().is_empty() {
        return Err(RunError::InvalidLayout("the scenario has no name".into()));
    }
    for (kind, metrics) in [
        ("metric", &layout.metrics),
        ("series metric", &layout.series),
    ] {
        let mut seen = HashSet::new();
        for metric in metrics {
            if metric.name.is_empty() {
                return Err(RunError::InvalidLayout(format!("a {kind} has no name")));
            }
            if !seen.insert(metric.name.as_str()) {
                return Err(RunError::InvalidLayout(format!(
                    "{kind} `{}` appears twice",
                    metric.name
                )));
            }
        }
    }
    let reserved = ["replication", "seed"];
    if let Some(metric) = layout
        .metrics
        .iter()
        .find(|m| reserved.contains(&m.name.as_str()))
    {
        return Err(RunError::InvalidLayout(format!(
            "metric `{}` would clash with a column of replications.csv",
            metric.name
        )));
    }
    Ok(())
}
