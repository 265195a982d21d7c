//! Columns that outgrow their exact buffer (`chipsim::stats::EXACT_VALUES` values) switch
//! to a quantile sketch: the outputs still do not depend on threads or shards, the means
//! stay exact, and the quantiles stay within the sketch's documented error.

use std::path::Path;

use chrono::NaiveDate;
use rand::Rng;
use rand_distr::{Distribution, LogNormal};

use chipsim::random::{replication_seed, stream};
use chipsim::replication::{
    DelayCause, MetricDef, OutputLayout, Period, ProjectGroup, ProjectOutcome, ReplicationError,
    ReplicationResult, Replicator,
};
use chipsim::runner::{merge_shards, Shard};
use chipsim::stats::{quantile_sorted, sketch::RELATIVE_ERROR, Summary, EXACT_VALUES};

use crate::runner::{contents, options, run};

/// Delays per replication: 40 replications hold 12,000, past the exact buffer.
const DELAYS: usize = 300;
const REPLICATIONS: u64 = 40;

/// One metric, one series cell and one project group of [`DELAYS`] log-normal delays
/// (half of them 0, on time) per replication.
struct Crowd {
    layout: OutputLayout,
}

impl Crowd {
    fn new() -> Self {
        let date = |month| NaiveDate::from_ymd_opt(2027, month, 1).expect("valid date");
        let metric = |name: &str| MetricDef {
            name: name.into(),
            unit: "days".into(),
            headline: true,
        };
        Crowd {
            layout: OutputLayout {
                scenario: "crowd".into(),
                metrics: vec![metric("mean_delay")],
                series: vec![crate::runner::world_series("backlog", "days")],
                periods: vec![Period {
                    start: date(1),
                    end: date(3),
                }],
                projects: vec![ProjectGroup {
                    name: "crowd/2027".into(),
                    region: "us_east".into(),
                    planned_go_live: date(6),
                }],
            },
        }
    }
}

impl Replicator for Crowd {
    fn layout(&self) -> &OutputLayout {
        &self.layout
    }

    fn run(&self, _replication: u64, seed: u64) -> Result<ReplicationResult, ReplicationError> {
        let mut draws = stream(seed, "crowd");
        let delay = LogNormal::new(4.0, 1.5).expect("valid parameters");
        let outcomes: Vec<ProjectOutcome> = (0..DELAYS)
            .map(|_| {
                if draws.random::<bool>() {
                    ProjectOutcome {
                        delay_days: 0.0,
                        cause: DelayCause::OnTime,
                    }
                } else {
                    ProjectOutcome {
                        delay_days: delay.sample(&mut draws),
                        cause: DelayCause::ALL[1],
                    }
                }
            })
            .collect();
        let mean = outcomes.iter().map(|o| o.delay_days).sum::<f64>() / DELAYS as f64;
        Ok(ReplicationResult {
            metrics: vec![mean],
            series: vec![draws.random_range(-50.0..50.0)],
            projects: vec![outcomes],
            events: 1,
        })
    }
}

/// Every delay of the batch, in replication order.
fn all_delays(crowd: &Crowd, seed: u64) -> Vec<f64> {
    (0..REPLICATIONS)
        .flat_map(|r| {
            let result = crowd.run(r, replication_seed(seed, r)).expect("runs");
            result.projects[0]
                .iter()
                .map(|o| o.delay_days)
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The one data row of `projects.csv`, by column name.
fn project_row(dir: &Path) -> std::collections::HashMap<String, f64> {
    let mut reader = csv::Reader::from_path(dir.join("projects.csv")).expect("projects.csv");
    let header = reader.headers().expect("header").clone();
    let row = reader.records().next().expect("one row").expect("record");
    header
        .iter()
        .zip(row.iter())
        .filter_map(|(name, cell)| Some((name.to_string(), cell.parse().ok()?)))
        .collect()
}

#[test]
fn sketched_columns_are_the_same_for_any_threads_and_shards() {
    let root = tempfile::tempdir().expect("tempdir");
    let crowd = Crowd::new();
    let one = root.path().join("one");
    let two = root.path().join("two");
    run(&crowd, &options(&one, REPLICATIONS, 5, 1));
    run(&crowd, &options(&two, REPLICATIONS, 5, 2));
    assert_eq!(contents(&one), contents(&two));

    let shards: Vec<_> = (0..3)
        .map(|index| {
            let dir = root.path().join(format!("shard{index}"));
            let mut opts = options(&dir, REPLICATIONS, 5, 2);
            opts.shard = Some(Shard { index, count: 3 });
            run(&crowd, &opts);
            dir
        })
        .collect();
    let merged = root.path().join("merged");
    merge_shards(&shards, &merged).expect("merge");
    let (whole, merged) = (contents(&one), contents(&merged));
    for name in ["summary.csv", "timeseries.csv", "projects.csv"] {
        assert!(whole[name] == merged[name], "{name} differs after merging");
    }
}

#[test]
fn sketched_quantiles_stay_within_the_documented_error() {
    let root = tempfile::tempdir().expect("tempdir");
    let crowd = Crowd::new();
    let dir = root.path().join("out");
    run(&crowd, &options(&dir, REPLICATIONS, 9, 2));
    let delays = all_delays(&crowd, 9);
    assert!(
        delays.len() > EXACT_VALUES,
        "the column must outgrow its buffer"
    );
    let exact = Summary::of(&delays);
    let mut sorted = delays.clone();
    sorted.sort_by(f64::total_cmp);
    let row = project_row(&dir);

    // The mean is exact: the same sum in the same order.
    assert_eq!(row["delay_mean_days"], exact.mean);
    for (column, p) in [
        ("delay_p50_days", 0.5),
        ("delay_p90_days", 0.9),
        ("delay_p95_days", 0.95),
    ] {
        let truth = quantile_sorted(&sorted, p);
        let printed = row[column];
        assert!(
            (printed - truth).abs() <= RELATIVE_ERROR * truth.abs(),
            "{column}: {printed} against the exact {truth}"
        );
    }
}
