//! The finished outputs of a run, read back from its folder for charting: the rows of
//! `summary.csv`, `timeseries.csv`, `projects.csv`, `compare.csv` and `sensitivity.csv`
//! that the charts need, and the scenario name and replication count from
//! `manifest.json`. Columns are found by name, so added columns do not break charts;
//! a missing column or an unreadable cell is an error naming the file, line and column.

use std::path::{Path, PathBuf};

use chrono::NaiveDate;

use super::PlotError;

/// A CSV file with a header row, held as text.
#[derive(Debug)]
pub(super) struct Table {
    path: PathBuf,
    header: Vec<String>,
    rows: Vec<csv::StringRecord>,
}

impl Table {
    /// Reads `dir/name`, or `None` when there is no such file.
    pub(super) fn read(dir: &Path, name: &str) -> Result<Option<Table>, PlotError> {
        let path = dir.join(name);
        if !path.is_file() {
            return Ok(None);
        }
        let csv_error = |cause| PlotError::Csv {
            path: path.clone(),
            cause,
        };
        let mut reader = csv::Reader::from_path(&path).map_err(csv_error)?;
        let header = reader
            .headers()
            .map_err(csv_error)?
            .iter()
            .map(str::to_string)
            .collect();
        let rows = reader
            .records()
            .collect::<Result<_, _>>()
            .map_err(csv_error)?;
        Ok(Some(Table { path, header, rows }))
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }

    pub(super) fn len(&self) -> usize {
        self.rows.len()
    }

    /// True when every named column is in the header.
    pub(super) fn has_columns(&self, names: &[&str]) -> bool {
        names
            .iter()
            .all(|name| self.header.iter().any(|h| h == name))
    }

    /// Header names that start with `prefix`, with their positions.
    pub(super) fn columns_starting_with(&self, prefix: &str) -> Vec<(usize, String)> {
        (self.header.iter().enumerate())
            .filter_map(|(index, name)| Some((index, name.strip_prefix(prefix)?.to_string())))
            .collect()
    }

    /// The position of a column, or an error naming it.
    pub(super) fn column(&self, name: &str) -> Result<usize, PlotError> {
        self.header.iter().position(|h| h == name).ok_or_else(|| {
            self.format_error(format!(
                "no `{name}` column (the header is {}): not a chipsim output file",
                self.header.join(",")
            ))
        })
    }

    pub(super) fn text(&self, row: usize, column: usize) -> &str {
        self.rows[row].get(column).unwrap_or_default()
    }

    /// A number cell; an empty cell (undefined) is NaN.
    pub(super) fn number(&self, row: usize, column: usize) -> Result<f64, PlotError> {
        let cell = self.text(row, column);
        if cell.is_empty() {
            return Ok(f64::NAN);
        }
        cell.parse()
            .map_err(|_| self.cell_error(row, column, cell, "a number"))
    }

    /// An ISO date cell.
    pub(super) fn date(&self, row: usize, column: usize) -> Result<NaiveDate, PlotError> {
        let cell = self.text(row, column);
        cell.parse()
            .map_err(|_| self.cell_error(row, column, cell, "a date (YYYY-MM-DD)"))
    }

    fn cell_error(&self, row: usize, column: usize, cell: &str, expected: &str) -> PlotError {
        self.format_error(format!(
            "line {}: `{cell}` in column `{}` is not {expected}",
            row + 2,
            self.header[column]
        ))
    }

    pub(super) fn format_error(&self, message: String) -> PlotError {
        PlotError::Format {
            path: self.path.clone(),
            message,
        }
    }
}

/// Who produced the outputs, for the corner of every chart.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct RunInfo {
    pub scenario: String,
    /// `baseline · 200 replications`, `baseline sweep · 9 points × 200 replications`,
    /// flagged when the run was interrupted.
    pub caption: String,
}

impl RunInfo {
    /// Reads the `manifest.json` of a run or a sweep, or `None` when there is none.
    pub(super) fn read(dir: &Path) -> Result<Option<RunInfo>, PlotError> {
        let path = dir.join(crate::output::MANIFEST_FILE);
        let Ok(text) = std::fs::read_to_string(&path) else {
            return Ok(None);
        };
        let format_error = |message: String| PlotError::Format {
            path: path.clone(),
            message,
        };
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
        }))
    }
}

/// A row of `summary.csv`.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SummaryRow {
    pub metric: String,
    pub unit: String,
    pub n: f64,
    pub mean: f64,
    pub ci95_low: f64,
    pub ci95_high: f64,
    pub p5: f64,
    pub p95: f64,
}

pub(super) fn summary_rows(table: &Table) -> Result<Vec<SummaryRow>, PlotError> {
    let [metric, unit, n, mean, ci95_low, ci95_high, p5, p95] = [
        "metric",
        "unit",
        "n",
        "mean",
        "ci95_low",
        "ci95_high",
        "p5",
        "p95",
    ]
    .map(|name| table.column(name));
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

/// A row of `timeseries.csv`: one metric in one period.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct SeriesPoint {
    pub start: NaiveDate,
    pub end: NaiveDate,
    pub metric: String,
    pub unit: String,
    pub p5: f64,
    pub p50: f64,
    pub p95: f64,
}

pub(super) fn series_points(table: &Table) -> Result<Vec<SeriesPoint>, PlotError> {
    let [start, end, metric, unit, p5, p50, p95] = [
        "period_start",
        "period_end",
        "metric",
        "unit",
        "p5",
        "p50",
        "p95",
    ]
    .map(|name| table.column(name));
    let (start, end, metric, unit) = (start?, end?, metric?, unit?);
    let (p5, p50, p95) = (p5?, p50?, p95?);
    (0..table.len())
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
pub(super) struct ProjectRow {
    pub project: String,
    pub delay_p50: f64,
    pub delay_p95: f64,
    /// `(cause label, share)` in the file's column order, from the `share_*` columns.
    pub shares: Vec<(String, f64)>,
}

pub(super) fn project_rows(table: &Table) -> Result<Vec<ProjectRow>, PlotError> {
    let project = table.column("project")?;
    let p50 = table.column("delay_p50_days")?;
    let p95 = table.column("delay_p95_days")?;
    let share_columns = table.columns_starting_with("share_");
    (0..table.len())
        .map(|row| {
            Ok(ProjectRow {
                project: table.text(row, project).to_string(),
                delay_p50: table.number(row, p50)?,
                delay_p95: table.number(row, p95)?,
                shares: (share_columns.iter())
                    .map(|(column, cause)| Ok((cause.clone(), table.number(row, *column)?)))
                    .collect::<Result<_, PlotError>>()?,
            })
        })
        .collect()
}

/// A row of `compare.csv`: a metric's paired difference (other − base).
#[derive(Debug, Clone, PartialEq)]
pub(super) struct CompareRow {
    pub metric: String,
    pub n: f64,
    pub base_mean: f64,
    pub diff_mean: f64,
    pub ci95_low: f64,
    pub ci95_high: f64,
}

pub(super) fn compare_rows(table: &Table) -> Result<Vec<CompareRow>, PlotError> {
    let [metric, n, base_mean, diff_mean, low, high] = [
        "metric",
        "n",
        "base_mean",
        "diff_mean",
        "paired_ci95_low",
        "paired_ci95_high",
    ]
    .map(|name| table.column(name));
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
