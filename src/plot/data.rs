//! The finished outputs of a run, read back from its folder for charting (and for the
//! report): the rows of `summary.csv`, `timeseries.csv`, `projects.csv`, `compare.csv`
//! and `compare_timeseries.csv` that the charts need, and the scenario name and replication count from `manifest.json`. Columns are
//! found by their contract names ([`CsvTable`]), so added columns do not break charts.

use crate::replication::WORLD_SCOPE;
use std::path::Path;

use chrono::NaiveDate;

use crate::output::contract::{
    CompareColumn, CompareTimeseriesColumn, ProjectsColumn, Statistic, TimeseriesColumn,
    SHARE_PREFIX,
};
use crate::output::{CsvTable, OutputError, SeriesComparisonRow, MANIFEST_FILE};
use crate::replication::Period;

/// Who produced the outputs, for the corner of every chart.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct RunInfo {
    pub scenario: String,
    /// `baseline · 200 replications`, `baseline sweep · 9 points × 200 replications`,
    /// flagged when the run was interrupted.
    pub caption: String,
    /// The SHA-256 of the scenario file.
    pub config_hash: Option<String>,
}

impl RunInfo {
    /// Reads the `manifest.json` of a run or a sweep, or `None` when there is none.
    pub(crate) fn read(dir: &Path) -> Result<Option<RunInfo>, OutputError> {
        let path = dir.join(MANIFEST_FILE);
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(None);
        };
        let format_error = |message: String| OutputError::format(&path, message);
        let value: serde_json::Value =
            serde_json::from_str(&text).map_err(|error| format_error(error.to_string()))?;
        let Some(scenario) = value["scenario"].as_str() else {
            return Err(format_error("no `scenario`: not a chipsim manifest".into()));
        };
        let run = value["replications"]["completed"].as_u64();
        let sweep = (value["points"].as_u64()).zip(value["replications_per_point"].as_u64());
        let mut caption = match (run, sweep) {
            (Some(replications), _) => format!("{scenario} · {replications} replications"),
            (None, Some((points, replications))) => {
                format!("{scenario} sweep · {points} points × {replications} replications")
            }
            (None, None) => {
                return Err(format_error(
                    "no `replications.completed` (a run) or `points` and \
                     `replications_per_point` (a sweep): not a chipsim manifest"
                        .into(),
                ))
            }
        };
        if let Some(status) = value["status"].as_str().filter(|s| *s != "complete") {
            caption.push_str(&format!(" ({status})"));
        }
        Ok(Some(RunInfo {
            scenario: scenario.to_string(),
            caption,
            config_hash: value["config_hash"].as_str().map(str::to_string),
        }))
    }
}

/// A row of `summary.csv`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SummaryRow {
    pub metric: String,
    pub unit: String,
    pub n: f64,
    pub mean: f64,
    pub ci95_low: f64,
    pub ci95_high: f64,
    pub p5: f64,
    pub p95: f64,
}

pub(crate) fn summary_rows(table: &CsvTable) -> Result<Vec<SummaryRow>, OutputError> {
    let [metric, unit, n, mean, ci95_low, ci95_high, p5, p95] = [
        Statistic::Metric,
        Statistic::Unit,
        Statistic::N,
        Statistic::Mean,
        Statistic::Ci95Low,
        Statistic::Ci95High,
        Statistic::P5,
        Statistic::P95,
    ]
    .map(|column| table.column(column));
    let (metric, unit, n, mean) = (metric?, unit?, n?, mean?);
    let (ci95_low, ci95_high, p5, p95) = (ci95_low?, ci95_high?, p5?, p95?);
    (0..table.len())
        .map(|row| {
            Ok(SummaryRow {
                metric: table.text(row, metric).to_string(),
                unit: table.text(row, unit).to_string(),
                n: table.number(row, n)?,
                mean: table.number(row, mean)?,
                ci95_low: table.number(row, ci95_low)?,
                ci95_high: table.number(row, ci95_high)?,
                p5: table.number(row, p5)?,
                p95: table.number(row, p95)?,
            })
        })
        .collect()
}

/// A world row of `timeseries.csv`: one metric in one period.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SeriesPoint {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub metric: String,
    pub unit: String,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

/// The world rows of `timeseries.csv` (scoped rows are for other charts).
pub(crate) fn series_points(table: &CsvTable) -> Result<Vec<SeriesPoint>, OutputError> {
    let scope = table.column(TimeseriesColumn::Scope)?;
    let start = table.column(TimeseriesColumn::PeriodStart)?;
    let end = table.column(TimeseriesColumn::PeriodEnd)?;
    let [metric, unit, p5, p50, p95] = [
        Statistic::Metric,
        Statistic::Unit,
        Statistic::P5,
        Statistic::P50,
        Statistic::P95,
    ]
    .map(|column| table.column(column));
    let (metric, unit, p5, p50, p95) = (metric?, unit?, p5?, p50?, p95?);
    (0..table.len())
        .filter(|&row| table.text(row, scope) == WORLD_SCOPE)
        .map(|row| {
            Ok(SeriesPoint {
                start: table.date(row, start)?,
                end: table.date(row, end)?,
                metric: table.text(row, metric).to_string(),
                unit: table.text(row, unit).to_string(),
                p5: table.number(row, p5)?,
                p50: table.number(row, p50)?,
                p95: table.number(row, p95)?,
            })
        })
        .collect()
}

/// A row of `projects.csv`: one project group.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ProjectRow {
    pub project: String,
    pub region: String,
    pub planned_go_live: String,
    pub per_replication: f64,
    pub delay_mean: f64,
    pub delay_p50: f64,
    pub delay_p95: f64,
    /// `(cause label, share)` in the file's column order, from the `share_*` columns.
    pub shares: Vec<(String, f64)>,
}

pub(crate) fn project_rows(table: &CsvTable) -> Result<Vec<ProjectRow>, OutputError> {
    let project = table.column(ProjectsColumn::Project)?;
    let region = table.column(ProjectsColumn::Region)?;
    let planned = table.column(ProjectsColumn::PlannedGoLive)?;
    let per_replication = table.column(ProjectsColumn::ProjectsPerReplication)?;
    let mean = table.column(ProjectsColumn::DelayMeanDays)?;
    let p50 = table.column(ProjectsColumn::DelayP50Days)?;
    let p95 = table.column(ProjectsColumn::DelayP95Days)?;
    let share_columns = table.columns_starting_with(SHARE_PREFIX);
    (0..table.len())
        .map(|row| {
            Ok(ProjectRow {
                project: table.text(row, project).to_string(),
                region: table.text(row, region).to_string(),
                planned_go_live: table.text(row, planned).to_string(),
                per_replication: table.number(row, per_replication)?,
                delay_mean: table.number(row, mean)?,
                delay_p50: table.number(row, p50)?,
                delay_p95: table.number(row, p95)?,
                shares: (share_columns.iter())
                    .map(|(column, cause)| Ok((cause.clone(), table.number(row, *column)?)))
                    .collect::<Result<_, OutputError>>()?,
            })
        })
        .collect()
}

/// A row of `compare.csv`: a metric's paired difference (other − base).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CompareRow {
    pub metric: String,
    pub n: f64,
    pub base_mean: f64,
    pub diff_mean: f64,
    pub ci95_low: f64,
    pub ci95_high: f64,
}

pub(crate) fn compare_rows(table: &CsvTable) -> Result<Vec<CompareRow>, OutputError> {
    let [metric, n, base_mean, diff_mean, low, high] = [
        CompareColumn::Metric,
        CompareColumn::N,
        CompareColumn::BaseMean,
        CompareColumn::DiffMean,
        CompareColumn::PairedCi95Low,
        CompareColumn::PairedCi95High,
    ]
    .map(|column| table.column(column));
    let (metric, n, base_mean, diff_mean, low, high) =
        (metric?, n?, base_mean?, diff_mean?, low?, high?);
    (0..table.len())
        .map(|row| {
            Ok(CompareRow {
                metric: table.text(row, metric).to_string(),
                n: table.number(row, n)?,
                base_mean: table.number(row, base_mean)?,
                diff_mean: table.number(row, diff_mean)?,
                ci95_low: table.number(row, low)?,
                ci95_high: table.number(row, high)?,
            })
        })
        .collect()
}

/// The rows of `compare_timeseries.csv` and the replication counts of both runs.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SeriesComparisonFile {
    pub rows: Vec<SeriesComparisonRow>,
    pub base_replications: u64,
    pub other_replications: u64,
}

pub(crate) fn series_comparison(table: &CsvTable) -> Result<SeriesComparisonFile, OutputError> {
    use CompareTimeseriesColumn as C;
    let [start, end, scope, metric, unit, n, base_n, other_n] = [
        C::PeriodStart,
        C::PeriodEnd,
        C::Scope,
        C::Metric,
        C::Unit,
        C::N,
        C::BaseReplications,
        C::OtherReplications,
    ]
    .map(|column| table.column(column));
    let (start, end, scope, metric, unit) = (start?, end?, scope?, metric?, unit?);
    let (n, base_n, other_n) = (n?, base_n?, other_n?);
    let [base_mean, other_mean, diff_mean, low, high] = [
        C::BaseMean,
        C::OtherMean,
        C::DiffMean,
        C::PairedCi95Low,
        C::PairedCi95High,
    ]
    .map(|column| table.column(column));
    let (base_mean, other_mean, diff_mean) = (base_mean?, other_mean?, diff_mean?);
    let (low, high) = (low?, high?);
    let count = |row: usize, column: usize| -> Result<u64, OutputError> {
        (table.text(row, column).parse()).map_err(|_| table.cell_error(row, column, "a count"))
    };
    let rows = (0..table.len())
        .map(|row| {
            Ok(SeriesComparisonRow {
                period: Period {
                    start: table.date(row, start)?,
                    end: table.date(row, end)?,
                },
                scope: table.text(row, scope).to_string(),
                metric: table.text(row, metric).to_string(),
                unit: table.text(row, unit).to_string(),
                n: count(row, n)?,
                base_mean: table.number(row, base_mean)?,
                other_mean: table.number(row, other_mean)?,
                diff_mean: table.number(row, diff_mean)?,
                paired_ci95: (table.number(row, low)?, table.number(row, high)?),
            })
        })
        .collect::<Result<Vec<_>, OutputError>>()?;
    let (base_replications, other_replications) = match table.len() {
        0 => (0, 0),
        _ => (count(0, base_n)?, count(0, other_n)?),
    };
    Ok(SeriesComparisonFile {
        rows,
        base_replications,
        other_replications,
    })
}
