//! The files of `chipsim compare`: `compare.csv` (one row per scalar metric) and
//! `compare_timeseries.csv` (one row per period, scope and series), both other minus
//! base, paired by replication. They belong to no output folder: they are written
//! where asked, all or nothing, never over a run's own file nor over a file that is
//! not the same kind of comparison.

use std::io::{self, Write};
use std::path::Path;

use crate::replication::{Period, WORLD_SCOPE};

use super::cells::{number, text};
use super::contract::{
    names, CompareColumn, CompareTimeseriesColumn, COMPARE_FILE, COMPARE_TIMESERIES_FILE,
};
use super::export::{render, CsvWriter, Export};
use super::ownership::check_not_owned;
use super::{write_file_atomically, OutputError};

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

/// `compare.csv`: one row per metric both runs report.
#[derive(Debug, Clone, Copy)]
pub struct ComparisonTable<'a> {
    /// The rows, in order.
    pub rows: &'a [ComparisonRow],
}

impl Export for ComparisonTable<'_> {
    fn file_name(&self) -> &'static str {
        COMPARE_FILE
    }

    fn write_to(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut csv = CsvWriter::new(out);
        csv.row(names(CompareColumn::ALL))?;
        for row in self.rows {
            csv.row(CompareColumn::ALL.iter().map(|column| match column {
                CompareColumn::Metric => text(&row.metric),
                CompareColumn::N => row.n.to_string(),
                CompareColumn::BaseMean => number(row.base_mean),
                CompareColumn::OtherMean => number(row.other_mean),
                CompareColumn::DiffMean => number(row.diff_mean),
                CompareColumn::PairedCi95Low => number(row.paired_ci95.0),
                CompareColumn::PairedCi95High => number(row.paired_ci95.1),
                CompareColumn::UnpairedCi95Low => number(row.unpaired_ci95.0),
                CompareColumn::UnpairedCi95High => number(row.unpaired_ci95.1),
            }))?;
        }
        csv.finish()
    }
}

/// One row of `compare_timeseries.csv`: a series of one scope in one period, other
/// minus base, paired by replication.
#[derive(Debug, Clone, PartialEq)]
pub struct SeriesComparisonRow {
    /// The reporting period.
    pub period: Period,
    /// `world`, a region, a fab or a packaging site.
    pub scope: String,
    /// Series name.
    pub metric: String,
    /// Its unit.
    pub unit: String,
    /// Replications where both runs define the value.
    pub n: u64,
    /// Mean of the base run over those replications.
    pub base_mean: f64,
    /// Mean of the other run over those replications.
    pub other_mean: f64,
    /// Mean of the paired differences (other − base).
    pub diff_mean: f64,
    /// 95 % CI of the mean paired difference (Student t on the differences).
    pub paired_ci95: (f64, f64),
}

/// The world-scope rows of `rows`, one group per series in the order series first
/// appear (for the terminal summary and the charts of `chipsim compare`).
pub fn world_series(rows: &[SeriesComparisonRow]) -> Vec<(&str, Vec<&SeriesComparisonRow>)> {
    let mut groups: Vec<(&str, Vec<&SeriesComparisonRow>)> = Vec::new();
    for row in rows.iter().filter(|row| row.scope == WORLD_SCOPE) {
        match groups.iter_mut().find(|(metric, _)| *metric == row.metric) {
            Some((_, group)) => group.push(row),
            None => groups.push((&row.metric, vec![row])),
        }
    }
    groups
}

impl SeriesComparisonRow {
    /// The mean difference over the base mean; NaN when the base mean is 0.
    pub fn relative_diff(&self) -> f64 {
        if self.base_mean == 0.0 {
            f64::NAN
        } else {
            self.diff_mean / self.base_mean.abs()
        }
    }
}

/// `compare_timeseries.csv`: the rows period-major, as in `timeseries.csv`, and the
/// replication counts of both runs on every row.
#[derive(Debug, Clone, Copy)]
pub struct SeriesComparisonTable<'a> {
    /// The rows, in order.
    pub rows: &'a [SeriesComparisonRow],
    /// Replications of the base run.
    pub base_replications: u64,
    /// Replications of the other run.
    pub other_replications: u64,
}

impl Export for SeriesComparisonTable<'_> {
    fn file_name(&self) -> &'static str {
        COMPARE_TIMESERIES_FILE
    }

    fn write_to(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut csv = CsvWriter::new(out);
        csv.row(names(CompareTimeseriesColumn::ALL))?;
        for row in self.rows {
            csv.row(CompareTimeseriesColumn::ALL.iter().map(|column| {
                use CompareTimeseriesColumn as C;
                match column {
                    C::PeriodStart => row.period.start.to_string(),
                    C::PeriodEnd => row.period.end.to_string(),
                    C::Scope => text(&row.scope),
                    C::Metric => text(&row.metric),
                    C::Unit => text(&row.unit),
                    C::N => row.n.to_string(),
                    C::BaseReplications => self.base_replications.to_string(),
                    C::OtherReplications => self.other_replications.to_string(),
                    C::BaseMean => number(row.base_mean),
                    C::OtherMean => number(row.other_mean),
                    C::DiffMean => number(row.diff_mean),
                    C::PairedCi95Low => number(row.paired_ci95.0),
                    C::PairedCi95High => number(row.paired_ci95.1),
                    C::RelativeDiff => number(row.relative_diff()),
                }
            }))?;
        }
        csv.finish()
    }
}

/// Writes `compare.csv` to `path` (any name); see [`write_comparison_file`].
pub fn write_comparison(path: &Path, rows: &[ComparisonRow]) -> Result<(), OutputError> {
    write_comparison_file(path, &ComparisonTable { rows })
}

/// Writes a comparison file to `path`, all or nothing. An existing file there is
/// replaced only if it is the same kind of comparison (the same header), and never when
/// it is a run's own file.
pub fn write_comparison_file(path: &Path, export: &dyn Export) -> Result<(), OutputError> {
    check_not_owned(path)?;
    let bytes = render(export).map_err(|error| OutputError::io("cannot write", path, error))?;
    if let Ok(existing) = std::fs::read(path) {
        let header_length = bytes
            .iter()
            .position(|&b| b == b'\n')
            .map_or(0, |at| at + 1);
        if !existing.starts_with(&bytes[..header_length]) {
            return Err(OutputError::NotOurs {
                path: path.to_path_buf(),
                what: export.file_name(),
            });
        }
    }
    write_file_atomically(path, &bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rendered(export: &dyn Export) -> String {
        String::from_utf8(render(export).expect("render")).expect("utf-8")
    }

    #[test]
    fn a_comparison_renders_in_memory() {
        let rows = [ComparisonRow {
            metric: "m".into(),
            n: 3,
            base_mean: 1.0,
            other_mean: 2.0,
            diff_mean: 1.0,
            paired_ci95: (0.5, 1.5),
            unpaired_ci95: (f64::NAN, f64::NAN),
        }];
        assert_eq!(
            rendered(&ComparisonTable { rows: &rows }),
            "metric,n,base_mean,other_mean,diff_mean,paired_ci95_low,paired_ci95_high,\
             unpaired_ci95_low,unpaired_ci95_high\nm,3,1,2,1,0.5,1.5,,\n"
        );
    }

    #[test]
    fn a_series_comparison_says_how_many_replications_each_run_had() {
        let rows = [SeriesComparisonRow {
            period: Period {
                start: "2026-07-01".parse().expect("date"),
                end: "2026-09-30".parse().expect("date"),
            },
            scope: "world".into(),
            metric: "chips_delivered".into(),
            unit: "accelerators".into(),
            n: 2,
            base_mean: 200.0,
            other_mean: 150.0,
            diff_mean: -50.0,
            paired_ci95: (-60.0, -40.0),
        }];
        let table = SeriesComparisonTable {
            rows: &rows,
            base_replications: 3,
            other_replications: 2,
        };
        assert_eq!(
            rendered(&table),
            "period_start,period_end,scope,metric,unit,n,base_replications,\
             other_replications,base_mean,other_mean,diff_mean,paired_ci95_low,\
             paired_ci95_high,relative_diff\n2026-07-01,2026-09-30,world,chips_delivered,\
             accelerators,2,3,2,200,150,-50,-60,-40,-0.25\n"
        );
    }
}
