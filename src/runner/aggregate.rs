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
//!
//! Cost on the runner's calling thread: a result's metrics and series (thousands of
//! columns in the baseline) are first copied, as one row, into a buffer of
//! [`BLOCK_ROWS`] rows, which is then pushed column by column. Pushing each value
//! straight into its column touched one cache line per column per replication, which
//! made those pushes most of the aggregator's time; a block writes each column's values
//! together. Every column still gets its values in replication order, so the
//! statistics are the same bits whatever the block size.
//!
//! A run hands the aggregator each result as a [`Flat`] built on the worker thread that
//! ran it, which drops the result itself: the calling thread then frees three blocks of
//! the worker's memory instead of one per project group (about a hundred in the
//! baseline), which kept both threads waiting for the worker's allocator lock.

use std::collections::HashSet;

use crate::output::{ProjectStatistics, RunStatistics};
use crate::replication::{DelayCause, OutputLayout, ProjectOutcome, ReplicationResult};
#[cfg(doc)]
use crate::stats::EXACT_VALUES;
use crate::stats::{Sample, Summary};

use super::RunError;

/// Replications whose metrics and series wait, as rows, before they are pushed into
/// their columns (32 rows of the baseline's 2,178 values are 557 KB).
const BLOCK_ROWS: usize = 32;

/// A result as the aggregator reads it: its metrics and then its series in one array,
/// every project outcome in another, and where each group's outcomes end.
#[derive(Debug, Clone)]
pub(crate) struct Flat {
    values: Vec<f64>,
    metrics: usize,
    outcomes: Vec<ProjectOutcome>,
    group_ends: Vec<usize>,
}

impl Flat {
    /// Copies `result`'s values (cost: one pass over them, three allocations).
    pub(crate) fn of(result: &ReplicationResult) -> Flat {
        let mut end = 0;
        Flat {
            values: [result.metrics.as_slice(), &result.series].concat(),
            metrics: result.metrics.len(),
            outcomes: result.projects.concat(),
            group_ends: (result.projects.iter())
                .map(|group| {
                    end += group.len();
                    end
                })
                .collect(),
        }
    }

    /// Each project group's outcomes, in order.
    fn groups(&self) -> impl Iterator<Item = &[ProjectOutcome]> {
        let starts = std::iter::once(0).chain(self.group_ends.iter().copied());
        (starts.zip(&self.group_ends)).map(|(start, &end)| &self.outcomes[start..end])
    }
}

/// Accumulates results in replication order; see the module documentation.
#[derive(Debug, Clone)]
pub struct Aggregator {
    /// One per metric, then one per period × series metric: a result's values in the
    /// order it lists them.
    columns: Vec<Sample>,
    /// How many of `columns` are metrics.
    metrics: usize,
    /// Values of replications not yet in `columns`: whole rows, at most [`BLOCK_ROWS`].
    pending: Vec<f64>,
    delays: Vec<Sample>,
    causes: Vec<[u64; DelayCause::ALL.len()]>,
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
        let columns = layout.metrics.len() + layout.periods.len() * layout.series.len();
        Ok(Aggregator {
            columns: vec![Sample::default(); columns],
            metrics: layout.metrics.len(),
            pending: Vec::with_capacity(BLOCK_ROWS * columns),
            delays: vec![Sample::default(); layout.projects.len()],
            causes: vec![[0; DelayCause::ALL.len()]; layout.projects.len()],
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
        self.push_flat(replication, &Flat::of(result))
    }

    /// [`Aggregator::push`] of a result already made [`Flat`].
    pub(crate) fn push_flat(&mut self, replication: u64, result: &Flat) -> Result<(), RunError> {
        self.check(result)
            .map_err(|message| RunError::InvalidResult {
                replication,
                message,
            })?;
        self.pending.extend_from_slice(&result.values);
        if self.pending.len() >= BLOCK_ROWS * self.columns.len() {
            self.flush();
        }
        for ((delays, causes), outcomes) in
            (self.delays.iter_mut().zip(&mut self.causes)).zip(result.groups())
        {
            for outcome in outcomes {
                delays.push(outcome.delay_days);
                causes[outcome.cause.index()] += 1;
            }
        }
        self.replications += 1;
        Ok(())
    }

    /// Pushes the pending rows into their columns, column by column. Cost: a strided
    /// read of the block and, per column, one run of consecutive stores.
    fn flush(&mut self) {
        let width = self.columns.len();
        for (index, column) in self.columns.iter_mut().enumerate() {
            for &value in self.pending.iter().skip(index).step_by(width) {
                column.push(value);
            }
        }
        self.pending.clear();
    }

    fn check(&self, result: &Flat) -> Result<(), String> {
        let (metrics, series) = result.values.split_at(result.metrics);
        let lengths = [
            ("metrics", metrics.len(), self.metrics),
            (
                "series values",
                series.len(),
                self.columns.len() - self.metrics,
            ),
            ("project groups", result.group_ends.len(), self.delays.len()),
        ];
        for (what, got, expected) in lengths {
            if got != expected {
                return Err(format!("{got} {what}, the layout has {expected}"));
            }
        }
        if let Some(index) = metrics.iter().position(|v| v.is_infinite()) {
            return Err(format!("metric {} is infinite", index + 1));
        }
        if let Some(index) = series.iter().position(|v| v.is_infinite()) {
            return Err(format!("series value {} is infinite", index + 1));
        }
        for (group, outcomes) in result.groups().enumerate() {
            if u32::try_from(outcomes.len()).is_err() {
                return Err(format!(
                    "project group {} has more than {} projects",
                    group + 1,
                    u32::MAX
                ));
            }
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
    pub fn precision_met(&mut self, relative: f64) -> bool {
        self.flush();
        self.precision_metrics.iter().all(|&index| {
            let moments = self.columns[index].moments();
            if moments.count() < 2 {
                return false;
            }
            let mean = moments.mean();
            (mean == 0.0 && moments.std_dev() == 0.0)
                || moments.ci_half_width(0.95) <= relative * mean.abs()
        })
    }

    /// The statistics the CSV tables print, summarised on up to `threads` threads: the
    /// columns are independent, and each one's summary is the same whichever thread
    /// computes it. Cost: a copy and a few selections per column (see
    /// [`Summary::of`]), serial after the last replication unless shared.
    pub fn statistics(&mut self, threads: usize) -> RunStatistics {
        self.flush();
        let mut columns = summaries(&self.columns, threads);
        let series = columns.split_off(self.metrics);
        let delays = summaries(&self.delays, threads);
        let projects = (delays.into_iter().zip(&self.delays).zip(&self.causes))
            .map(|((delay, delays), causes)| {
                let outcomes = delays.count() as f64;
                ProjectStatistics {
                    per_replication: if self.replications == 0 {
                        f64::NAN
                    } else {
                        outcomes / self.replications as f64
                    },
                    delay,
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
            metrics: columns,
            series,
            projects,
        }
    }
}

/// The summaries of `columns`, in order, computed in up to `threads` parts: the first on
/// this thread, each other on a thread of its own (or here, if it cannot start).
fn summaries(columns: &[Sample], threads: usize) -> Vec<Summary> {
    let summarise = |part: &[Sample]| part.iter().map(Sample::summary).collect::<Vec<_>>();
    let part_size = columns.len().div_ceil(threads.max(1)).max(1);
    std::thread::scope(|scope| {
        let mut parts = columns.chunks(part_size);
        let first = parts.next().unwrap_or_default();
        let others: Vec<_> = parts
            .map(|part| {
                (std::thread::Builder::new().name("chipsim-summaries".into()))
                    .spawn_scoped(scope, move || summarise(part))
                    .map_err(|_| part)
            })
            .collect();
        let mut all = summarise(first);
        for other in others {
            all.extend(match other {
                Ok(thread) => thread
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic)),
                Err(part) => summarise(part),
            });
        }
        all
    })
}

/// A layout the outputs can represent: a scenario name, and metric names that are
/// non-empty and unique (they head `replications.csv` columns, which `compare` pairs).
fn check_layout(layout: &OutputLayout) -> Result<(), RunError> {
    if layout.scenario.trim().is_empty() {
        return Err(RunError::InvalidLayout("the scenario has no name".into()));
    }
    // Metric names are unique; series names are unique within their scope.
    let metrics = (layout.metrics.iter()).map(|m| ("metric", "", m.name.as_str()));
    let series =
        (layout.series.iter()).map(|s| ("series metric", s.scope.as_str(), s.metric.name.as_str()));
    let mut seen = HashSet::new();
    for (kind, scope, name) in metrics.chain(series) {
        if name.is_empty() {
            return Err(RunError::InvalidLayout(format!("a {kind} has no name")));
        }
        if !seen.insert((kind, scope, name)) {
            let within = if scope.is_empty() {
                String::new()
            } else {
                format!(" of scope `{scope}`")
            };
            return Err(RunError::InvalidLayout(format!(
                "{kind} `{name}`{within} appears twice"
            )));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::replication::{MetricDef, Period, ProjectGroup, SeriesDef};
    use crate::stats::EXACT_VALUES;

    #[test]
    fn columns_in_blocks_and_delays_summarise_like_their_values_in_order() {
        let date = |d| chrono::NaiveDate::from_ymd_opt(2027, 1, d).expect("date");
        let metric = |name: &str| MetricDef {
            name: name.into(),
            unit: "u".into(),
            headline: false,
        };
        let layout = OutputLayout {
            scenario: "s".into(),
            metrics: vec![metric("a"), metric("b")],
            series: vec![SeriesDef {
                scope: "world".into(),
                metric: metric("q"),
            }],
            periods: vec![
                Period {
                    start: date(1),
                    end: date(2),
                },
                Period {
                    start: date(3),
                    end: date(4),
                },
            ],
            projects: ["few", "many"]
                .map(|name| ProjectGroup {
                    name: name.into(),
                    region: "r".into(),
                    planned_go_live: date(5),
                })
                .to_vec(),
        };
        // Not a whole number of blocks; some values undefined; precision checks between.
        // Group `few` has 0-2 projects per replication; group `many` has 300, so its
        // delays outgrow the exact buffer and are sketched, where order matters most.
        let replications = 2 * BLOCK_ROWS + 5;
        let value = |row: usize, column: usize| match (row * 7 + column * 3) % 11 {
            0 => f64::NAN,
            k => (k as f64).sqrt() * (column + 1) as f64,
        };
        let outcomes = |row: usize, group: usize| {
            let count = if group == 0 { row % 3 } else { 300 };
            (0..count)
                .map(|k| ProjectOutcome {
                    delay_days: ((row * 31 + k * 17) % 400) as f64 * 0.75,
                    cause: DelayCause::ALL[(row + k) % DelayCause::ALL.len()],
                })
                .collect::<Vec<_>>()
        };
        assert!(replications * 300 > EXACT_VALUES);
        let mut aggregator = Aggregator::new(&layout).expect("valid layout");
        let mut delays = [Sample::default(), Sample::default()];
        let mut causes = [[0_u32; DelayCause::ALL.len()]; 2];
        for row in 0..replications {
            let result = ReplicationResult {
                metrics: vec![value(row, 0), value(row, 1)],
                series: vec![value(row, 2), value(row, 3)],
                projects: vec![outcomes(row, 0), outcomes(row, 1)],
                ..ReplicationResult::default()
            };
            for ((sample, causes), outcomes) in
                (delays.iter_mut().zip(&mut causes)).zip(&result.projects)
            {
                for outcome in outcomes {
                    sample.push(outcome.delay_days);
                    causes[outcome.cause.index()] += 1;
                }
            }
            aggregator
                .push(row as u64, &result)
                .expect("fits the layout");
            // Flushes when asked: mid-block, or right after a full block flushed itself.
            if row == BLOCK_ROWS + 3 || (row + 1) % BLOCK_ROWS == 0 {
                aggregator.precision_met(0.1);
            }
        }
        let column = |c| Summary::of(&(0..replications).map(|r| value(r, c)).collect::<Vec<_>>());
        for threads in [1, 2, 3, 8] {
            let statistics = aggregator.statistics(threads);
            assert_eq!(statistics.metrics, vec![column(0), column(1)]);
            assert_eq!(statistics.series, vec![column(2), column(3)]);
            for (group, sample) in delays.iter().enumerate() {
                let projects = &statistics.projects[group];
                assert_eq!(projects.delay, sample.summary());
                let outcomes = sample.count() as f64;
                assert_eq!(projects.per_replication, outcomes / replications as f64);
                let shares = causes[group].map(|count| f64::from(count) / outcomes);
                assert_eq!(projects.cause_shares, shares);
            }
            assert!(!delays[1].is_exact(), "the `many` group is sketched");
        }
    }
}
