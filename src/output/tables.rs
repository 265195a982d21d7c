//! The CSV tables: `summary.csv`, `timeseries.csv` and `projects.csv` from finished
//! statistics, `replications.csv` streamed one row per replication, and `compare.csv`.
//! Column lists are in the constants below; the cell conventions in [`super`].

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use crate::replication::{DelayCause, OutputLayout};
use crate::stats::Summary;

use super::{neutralise, number, OutputError};

/// One row per metric: headline metrics first, then the others, each in layout order.
pub const SUMMARY_FILE: &str = "summary.csv";
/// One row per replication, in index order.
pub const REPLICATIONS_FILE: &str = "replications.csv";
/// One row per period × series metric.
pub const TIMESERIES_FILE: &str = "timeseries.csv";
/// One row per project group.
pub const PROJECTS_FILE: &str = "projects.csv";

const SUMMARY_HEADER: [&str; 13] = [
    "scenario",
    "metric",
    "unit",
    "n",
    "mean",
    "std",
    "ci95_low",
    "ci95_high",
    "p5",
    "p50",
    "p95",
    "min",
    "max",
];
const TIMESERIES_HEADER: [&str; 9] = [
    "scenario",
    "period_start",
    "period_end",
    "metric",
    "unit",
    "mean",
    "p5",
    "p50",
    "p95",
];
const PROJECTS_HEADER_START: [&str; 8] = [
    "scenario",
    "project",
    "region",
    "planned_go_live",
    "projects_per_replication",
    "delay_mean_days",
    "delay_p50_days",
    "delay_p95_days",
];
const COMPARE_HEADER: [&str; 9] = [
    "metric",
    "n",
    "base_mean",
    "other_mean",
    "diff_mean",
    "paired_ci95_low",
    "paired_ci95_high",
    "unpaired_ci95_low",
    "unpaired_ci95_high",
];

/// The statistics of one project group over all replications.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectStatistics {
    /// Mean number of projects in the group per replication.
    pub per_replication: f64,
    /// Delay days over every project outcome of the group.
    pub delay: Summary,
    /// Share of outcomes per cause, in [`DelayCause::ALL`] order (NaN with no outcome).
    pub cause_shares: [f64; DelayCause::ALL.len()],
}

/// Finished statistics of a run, aligned with its [`OutputLayout`].
#[derive(Debug, Clone, PartialEq)]
pub struct RunStatistics {
    /// One per `layout.metrics`.
    pub metrics: Vec<Summary>,
    /// Period-major, one per period × `layout.series`.
    pub series: Vec<Summary>,
    /// One per `layout.projects`.
    pub projects: Vec<ProjectStatistics>,
}

fn create_csv(path: &Path) -> Result<csv::Writer<File>, OutputError> {
    csv::Writer::from_path(path).map_err(|error| OutputError::csv(path, error))
}

/// Writes one record of cells, mapping errors to the file.
fn write_row<I, T>(writer: &mut csv::Writer<File>, path: &Path, cells: I) -> Result<(), OutputError>
where
    I: IntoIterator<Item = T>,
    T: AsRef<[u8]>,
{
    writer
        .write_record(cells)
        .map_err(|error| OutputError::csv(path, error))
}

fn finish_csv<W: std::io::Write>(writer: csv::Writer<W>, path: &Path) -> Result<(), OutputError> {
    writer
        .into_inner()
        .map_err(|error| OutputError::io("cannot write", path, error.into_error()))?
        .flush()
        .map_err(|error| OutputError::io("cannot write", path, error))
}

/// Writes `summary.csv`, `timeseries.csv` and `projects.csv` into `dir`.
pub fn write_tables(
    dir: &Path,
    layout: &OutputLayout,
    statistics: &RunStatistics,
) -> Result<(), OutputError> {
    let scenario = neutralise(&layout.scenario);

    let path = dir.join(SUMMARY_FILE);
    let mut writer = create_csv(&path)?;
    write_row(&mut writer, &path, SUMMARY_HEADER)?;
    let headline_first = (layout
        .metrics
        .iter()
        .enumerate()
        .filter(|(_, m)| m.headline))
    .chain(
        layout
            .metrics
            .iter()
            .enumerate()
            .filter(|(_, m)| !m.headline),
    );
    for (index, metric) in headline_first {
        let Some(s) = statistics.metrics.get(index) else {
            continue;
        };
        let mut row = vec![
            scenario.to_string(),
            neutralise(&metric.name).into_owned(),
            neutralise(&metric.unit).into_owned(),
            s.n.to_string(),
        ];
        row.extend(
            [
                s.mean,
                s.std,
                s.ci95_low,
                s.ci95_high,
                s.p5,
                s.p50,
                s.p95,
                s.min,
                s.max,
            ]
            .map(number),
        );
        write_row(&mut writer, &path, row)?;
    }
    finish_csv(writer, &path)?;

    let path = dir.join(TIMESERIES_FILE);
    let mut writer = create_csv(&path)?;
    write_row(&mut writer, &path, TIMESERIES_HEADER)?;
    let per_period = layout.series.len();
    for (period_index, period) in layout.periods.iter().enumerate() {
        for (metric_index, metric) in layout.series.iter().enumerate() {
            let Some(s) = statistics
                .series
                .get(period_index * per_period + metric_index)
            else {
                continue;
            };
            let mut row = vec![
                scenario.to_string(),
                neutralise(&period.start.to_string()).into_owned(),
                neutralise(&period.end.to_string()).into_owned(),
                neutralise(&metric.name).into_owned(),
                neutralise(&metric.unit).into_owned(),
            ];
            row.extend([s.mean, s.p5, s.p50, s.p95].map(number));
            write_row(&mut writer, &path, row)?;
        }
    }
    finish_csv(writer, &path)?;

    let path = dir.join(PROJECTS_FILE);
    let mut writer = create_csv(&path)?;
    let shares = DelayCause::ALL.map(|cause| format!("share_{}", cause.label()));
    write_row(
        &mut writer,
        &path,
        PROJECTS_HEADER_START
            .iter()
            .map(|cell| cell.to_string())
            .chain(shares),
    )?;
    for (group, p) in layout.projects.iter().zip(&statistics.projects) {
        let mut row = vec![
            scenario.to_string(),
            neutralise(&group.name).into_owned(),
            neutralise(&group.region).into_owned(),
            neutralise(&group.planned_go_live.to_string()).into_owned(),
        ];
        row.extend([p.per_replication, p.delay.mean, p.delay.p50, p.delay.p95].map(number));
        row.extend(p.cause_shares.map(number));
        write_row(&mut writer, &path, row)?;
    }
    finish_csv(writer, &path)
}

/// Streams `replications.csv`: `replication,seed,<metric name>...`, one row per
/// replication as it is consumed, so no row is held in memory.
#[derive(Debug)]
pub struct ReplicationsWriter {
    writer: csv::Writer<File>,
    path: PathBuf,
    row: Vec<String>,
}

impl ReplicationsWriter {
    /// Creates `replications.csv` in `dir` and writes its header.
    pub fn create(dir: &Path, layout: &OutputLayout) -> Result<Self, OutputError> {
        let path = dir.join(REPLICATIONS_FILE);
        let mut writer = create_csv(&path)?;
        let header = ["replication".to_string(), "seed".to_string()]
            .into_iter()
            .chain(
                layout
                    .metrics
                    .iter()
                    .map(|m| neutralise(&m.name).into_owned()),
            );
        write_row(&mut writer, &path, header)?;
        Ok(ReplicationsWriter {
            writer,
            path,
            row: Vec::with_capacity(layout.metrics.len() + 2),
        })
    }

    /// Writes one replication's row.
    pub fn write(
        &mut self,
        replication: u64,
        seed: u64,
        metrics: &[f64],
    ) -> Result<(), OutputError> {
        self.row.clear();
        self.row.push(replication.to_string());
        self.row.push(seed.to_string());
        self.row.extend(metrics.iter().map(|&value| number(value)));
        write_row(&mut self.writer, &self.path, &self.row)
    }

    /// Flushes the file.
    pub fn finish(self) -> Result<(), OutputError> {
        finish_csv(self.writer, &self.path)
    }
}

/// `replications.csv` read back (by `compare`).
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicationsTable {
    /// Metric column names, as in the file.
    pub metrics: Vec<String>,
    /// `(replication, seed, values)`, in file order; an empty cell is NaN.
    pub rows: Vec<(u64, u64, Vec<f64>)>,
}

/// Reads a `replications.csv` written by chipsim.
pub fn read_replications(path: &Path) -> Result<ReplicationsTable, OutputError> {
    let mut reader = csv::Reader::from_path(path).map_err(|error| OutputError::csv(path, error))?;
    let header = reader
        .headers()
        .map_err(|error| OutputError::csv(path, error))?
        .clone();
    if header.get(0) != Some("replication") || header.get(1) != Some("seed") {
        return Err(OutputError::format(
            path,
            "the header does not start with replication,seed: not a chipsim replications.csv",
        ));
    }
    let metrics: Vec<String> = header.iter().skip(2).map(str::to_string).collect();
    let mut rows = Vec::new();
    for (line, record) in (2..).zip(reader.records()) {
        let record = record.map_err(|error| OutputError::csv(path, error))?;
        let integer = |column: usize| -> Result<u64, OutputError> {
            let cell = record.get(column).unwrap_or_default();
            cell.parse().map_err(|_| {
                OutputError::format(
                    path,
                    format!(
                        "line {line}: `{cell}` in column {} is not a whole number",
                        column + 1
                    ),
                )
            })
        };
        let (replication, seed) = (integer(0)?, integer(1)?);
        let values = record
            .iter()
            .skip(2)
            .enumerate()
            .map(|(column, cell)| {
                if cell.is_empty() {
                    Ok(f64::NAN)
                } else {
                    cell.parse().map_err(|_| {
                        OutputError::format(
                            path,
                            format!(
                                "line {line}: `{cell}` in column {} is not a number",
                                column + 3
                            ),
                        )
                    })
                }
            })
            .collect::<Result<Vec<f64>, _>>()?;
        rows.push((replication, seed, values));
    }
    Ok(ReplicationsTable { metrics, rows })
}

/// One row of `compare.csv`: other minus base, paired by replication.
#[derive(Debug, Clone, PartialEq)]
pub struct ComparisonRow {
    /// Metric name.
    pub metric: String,
    /// Replications where both runs define the metric.
    pub n: u64,
    /// Mean of the base run over those replications.
    pub base_mean: f64,
    /// Mean of the other run over those replications.
    pub other_mean: f64,
    /// Mean of the paired differences (other − base).
    pub diff_mean: f64,
    /// 95 % CI of the mean paired difference (Student t on the differences).
    pub paired_ci95: (f64, f64),
    /// 95 % CI of the difference of means treating the runs as independent (Welch).
    pub unpaired_ci95: (f64, f64),
}

/// Writes `compare.csv` to `path`, through a temporary file renamed into place.
pub fn write_comparison(path: &Path, rows: &[ComparisonRow]) -> Result<(), OutputError> {
    let file_name = path
        .file_name()
        .ok_or_else(|| OutputError::format(path, "not a file name"))?
        .to_string_lossy()
        .into_owned();
    let temp = path.with_file_name(format!(".{file_name}.tmp-{}", std::process::id()));
    let result = (|| {
        let file =
            File::create(&temp).map_err(|error| OutputError::io("cannot create", &temp, error))?;
        let mut writer = csv::Writer::from_writer(BufWriter::new(file));
        let mut record = |cells: Vec<String>| {
            writer
                .write_record(cells)
                .map_err(|error| OutputError::csv(path, error))
        };
        record(COMPARE_HEADER.map(str::to_string).to_vec())?;
        for row in rows {
            let mut cells = vec![neutralise(&row.metric).into_owned(), row.n.to_string()];
            cells.extend(
                [
                    row.base_mean,
                    row.other_mean,
                    row.diff_mean,
                    row.paired_ci95.0,
                    row.paired_ci95.1,
                    row.unpaired_ci95.0,
                    row.unpaired_ci95.1,
                ]
                .map(number),
            );
            record(cells)?;
        }
        finish_csv(writer, &temp)?;
        std::fs::rename(&temp, path).map_err(|error| OutputError::io("cannot write", path, error))
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
