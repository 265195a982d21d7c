//! The run's CSV tables: `summary.csv`, `timeseries.csv` and `projects.csv` from
//! finished statistics, `replications.csv` streamed one row per replication and read
//! back by `compare`. Names and columns are in [`super::contract`];
//! the cell conventions in [`super::cells`].

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::replication::{DelayCause, MetricDef, OutputLayout};
use crate::stats::Summary;

use super::cells::{number, parse_seed, seed_text, text};
use super::contract::{
    names, share_column, ProjectsColumn, ReplicationsColumn, Statistic, SummaryColumn,
    TimeseriesColumn, PROJECTS_FILE, REPLICATIONS_FILE, SUMMARY_FILE, TIMESERIES_FILE,
    TIMESERIES_STATISTICS,
};
use super::csv_table::CsvTable;
use super::export::{csv_row, write_export, CsvWriter, Export};
use super::OutputError;

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

/// The cell of a statistic column for `metric`, summarised by `summary`.
pub(crate) fn statistic_cell(column: Statistic, metric: &MetricDef, summary: &Summary) -> String {
    match column {
        Statistic::Metric => text(&metric.name),
        Statistic::Unit => text(&metric.unit),
        Statistic::N => summary.n.to_string(),
        Statistic::Mean => number(summary.mean),
        Statistic::Std => number(summary.std),
        Statistic::Ci95Low => number(summary.ci95_low),
        Statistic::Ci95High => number(summary.ci95_high),
        Statistic::P5 => number(summary.p5),
        Statistic::P50 => number(summary.p50),
        Statistic::P95 => number(summary.p95),
        Statistic::Min => number(summary.min),
        Statistic::Max => number(summary.max),
    }
}

/// `summary.csv`: one row per metric, headline metrics first, each part in layout order.
#[derive(Debug, Clone, Copy)]
pub struct SummaryTable<'a> {
    /// What the run reports.
    pub layout: &'a OutputLayout,
    /// Its statistics.
    pub statistics: &'a RunStatistics,
}

impl Export for SummaryTable<'_> {
    fn file_name(&self) -> &'static str {
        SUMMARY_FILE
    }

    fn write_to(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut csv = CsvWriter::new(out);
        csv.row(names(SummaryColumn::ALL).chain(names(Statistic::ALL)))?;
        let metrics = self.layout.metrics.iter().enumerate();
        let headline_first = (metrics.clone().filter(|(_, m)| m.headline))
            .chain(metrics.filter(|(_, m)| !m.headline));
        for (index, metric) in headline_first {
            let Some(summary) = self.statistics.metrics.get(index) else {
                continue;
            };
            let keys = SummaryColumn::ALL.iter().map(|column| match column {
                SummaryColumn::Scenario => text(&self.layout.scenario),
            });
            let statistics = (Statistic::ALL.iter()).map(|&c| statistic_cell(c, metric, summary));
            csv.row(keys.chain(statistics))?;
        }
        csv.finish()
    }
}

/// `timeseries.csv`: one row per period × series metric.
#[derive(Debug, Clone, Copy)]
pub struct TimeseriesTable<'a> {
    /// What the run reports.
    pub layout: &'a OutputLayout,
    /// Its statistics.
    pub statistics: &'a RunStatistics,
}

impl Export for TimeseriesTable<'_> {
    fn file_name(&self) -> &'static str {
        TIMESERIES_FILE
    }

    fn write_to(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut csv = CsvWriter::new(out);
        csv.row(names(TimeseriesColumn::ALL).chain(names(&TIMESERIES_STATISTICS)))?;
        let layout = self.layout;
        let per_period = layout.series.len();
        for (period_index, period) in layout.periods.iter().enumerate() {
            for (metric_index, series) in layout.series.iter().enumerate() {
                let metric = &series.metric;
                let Some(summary) =
                    (self.statistics.series).get(period_index * per_period + metric_index)
                else {
                    continue;
                };
                let keys = TimeseriesColumn::ALL.iter().map(|column| match column {
                    TimeseriesColumn::Scenario => text(&layout.scenario),
                    TimeseriesColumn::PeriodStart => text(&period.start.to_string()),
                    TimeseriesColumn::PeriodEnd => text(&period.end.to_string()),
                    TimeseriesColumn::Scope => text(&series.scope),
                });
                let statistics =
                    (TIMESERIES_STATISTICS.iter()).map(|&c| statistic_cell(c, metric, summary));
                csv.row(keys.chain(statistics))?;
            }
        }
        csv.finish()
    }
}

/// `projects.csv`: one row per project group, then the share of each delay cause.
#[derive(Debug, Clone, Copy)]
pub struct ProjectsTable<'a> {
    /// What the run reports.
    pub layout: &'a OutputLayout,
    /// Its statistics.
    pub statistics: &'a RunStatistics,
}

impl Export for ProjectsTable<'_> {
    fn file_name(&self) -> &'static str {
        PROJECTS_FILE
    }

    fn write_to(&self, out: &mut dyn Write) -> io::Result<()> {
        let mut csv = CsvWriter::new(out);
        let shares = DelayCause::ALL.map(share_column);
        csv.row((names(ProjectsColumn::ALL).map(str::to_string)).chain(shares))?;
        let groups = self.layout.projects.iter().zip(&self.statistics.projects);
        for (group, p) in groups {
            let keys = ProjectsColumn::ALL.iter().map(|column| match column {
                ProjectsColumn::Scenario => text(&self.layout.scenario),
                ProjectsColumn::Project => text(&group.name),
                ProjectsColumn::Region => text(&group.region),
                ProjectsColumn::PlannedGoLive => text(&group.planned_go_live.to_string()),
                ProjectsColumn::ProjectsPerReplication => number(p.per_replication),
                ProjectsColumn::DelayMeanDays => number(p.delay.mean),
                ProjectsColumn::DelayP50Days => number(p.delay.p50),
                ProjectsColumn::DelayP90Days => number(p.delay.p90),
                ProjectsColumn::DelayP95Days => number(p.delay.p95),
            });
            csv.row(keys.chain(p.cause_shares.map(number)))?;
        }
        csv.finish()
    }
}

/// Writes `summary.csv`, `timeseries.csv` and `projects.csv` into `dir`.
pub fn write_tables(
    dir: &Path,
    layout: &OutputLayout,
    statistics: &RunStatistics,
) -> Result<(), OutputError> {
    write_export(dir, &SummaryTable { layout, statistics })?;
    write_export(dir, &TimeseriesTable { layout, statistics })?;
    write_export(dir, &ProjectsTable { layout, statistics })?;
    Ok(())
}

/// Streams `replications.csv`: `replication,seed,<metric name>...`, one row per
/// replication as it is consumed, so no row is held in memory. A row is encoded apart
/// ([`ReplicationsWriter::encode_row`], which the runner's worker threads call) and only
/// appended in replication order ([`ReplicationsWriter::write_row`]).
#[derive(Debug)]
pub struct ReplicationsWriter {
    file: BufWriter<File>,
    path: PathBuf,
}

impl ReplicationsWriter {
    /// Creates `replications.csv` in `dir` and writes its header.
    pub fn create(dir: &Path, layout: &OutputLayout) -> Result<Self, OutputError> {
        let path = dir.join(REPLICATIONS_FILE);
        let file =
            File::create(&path).map_err(|error| OutputError::io("cannot create", &path, error))?;
        let mut writer = ReplicationsWriter {
            file: BufWriter::new(file),
            path,
        };
        let metrics = layout.metrics.iter().map(|m| text(&m.name));
        writer.write_row(&csv_row(
            (names(ReplicationsColumn::ALL).map(str::to_string)).chain(metrics),
        ))?;
        Ok(writer)
    }

    /// One replication's row, line end included. Cost: a few float formattings per
    /// metric (see [`number`]), which is why the runner does it on its worker threads.
    pub fn encode_row(replication: u64, seed: u64, metrics: &[f64]) -> Vec<u8> {
        let keys = ReplicationsColumn::ALL.iter().map(|column| match column {
            ReplicationsColumn::Replication => replication.to_string(),
            ReplicationsColumn::Seed => seed_text(seed),
        });
        csv_row(keys.chain(metrics.iter().map(|&value| number(value))))
    }

    /// Appends a row from [`ReplicationsWriter::encode_row`]: a copy of its bytes.
    pub fn write_row(&mut self, row: &[u8]) -> Result<(), OutputError> {
        self.file
            .write_all(row)
            .map_err(|error| OutputError::io("cannot write", &self.path, error))
    }

    /// Flushes the file.
    pub fn finish(mut self) -> Result<(), OutputError> {
        self.file
            .flush()
            .map_err(|error| OutputError::io("cannot write", &self.path, error))
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
    let table = CsvTable::read(path)?;
    let keys = ReplicationsColumn::ALL.len();
    let starts_right = (table.header().get(..keys)).is_some_and(|start| {
        start
            .iter()
            .map(String::as_str)
            .eq(names(ReplicationsColumn::ALL))
    });
    if !starts_right {
        return Err(table.error(format!(
            "the header does not start with {}: not a chipsim {REPLICATIONS_FILE}",
            names(ReplicationsColumn::ALL).collect::<Vec<_>>().join(",")
        )));
    }
    let metrics = table.header()[keys..].to_vec();
    let rows = (0..table.len())
        .map(|row| {
            let replication = (table.text(row, 0).parse())
                .map_err(|_| table.cell_error(row, 0, "a whole number"))?;
            let seed =
                parse_seed(table.text(row, 1)).map_err(|_| table.cell_error(row, 1, "a seed"))?;
            let values = (keys..table.header().len())
                .map(|column| table.number(row, column))
                .collect::<Result<Vec<f64>, _>>()?;
            Ok((replication, seed, values))
        })
        .collect::<Result<_, OutputError>>()?;
    Ok(ReplicationsTable { metrics, rows })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::render;
    use crate::replication::{Period, ProjectGroup};

    fn summary(values: &[f64]) -> Summary {
        Summary::of(values)
    }

    /// One headline metric after an ordinary one, one series, one project group.
    fn run() -> (OutputLayout, RunStatistics) {
        let date = |m, d| chrono::NaiveDate::from_ymd_opt(2027, m, d).expect("date");
        let metric = |name: &str, headline| MetricDef {
            name: name.into(),
            unit: "days".into(),
            headline,
        };
        let layout = OutputLayout {
            scenario: "=s".into(),
            metrics: vec![metric("a", false), metric("b", true)],
            series: vec![crate::replication::SeriesDef {
                scope: crate::replication::WORLD_SCOPE.into(),
                metric: metric("q", false),
            }],
            periods: vec![Period {
                start: date(1, 1),
                end: date(3, 31),
            }],
            projects: vec![ProjectGroup {
                name: "p".into(),
                region: "eu".into(),
                planned_go_live: date(6, 1),
            }],
        };
        let statistics = RunStatistics {
            metrics: vec![summary(&[1.0, 3.0]), summary(&[])],
            series: vec![summary(&[2.0])],
            projects: vec![ProjectStatistics {
                per_replication: 1.0,
                delay: summary(&[4.0]),
                cause_shares: std::array::from_fn(|i| if i == 0 { 1.0 } else { 0.0 }),
            }],
        };
        (layout, statistics)
    }

    fn rendered(export: &dyn Export) -> String {
        String::from_utf8(render(export).expect("render")).expect("utf-8")
    }

    #[test]
    fn tables_render_in_memory_with_the_contract_headers() {
        let (layout, statistics) = run();
        let (layout, statistics) = (&layout, &statistics);
        let summary = rendered(&SummaryTable { layout, statistics });
        let lines: Vec<&str> = summary.lines().collect();
        assert_eq!(
            lines[0],
            "scenario,metric,unit,n,mean,std,ci95_low,ci95_high,p5,p50,p95,min,max"
        );
        assert_eq!(lines[1], "'=s,b,days,0,,,,,,,,,", "headline first");
        assert!(lines[2].starts_with("'=s,a,days,2,2,1.4142135623731,"));
        assert_eq!(
            rendered(&TimeseriesTable { layout, statistics }),
            "scenario,period_start,period_end,scope,metric,unit,mean,p5,p50,p95\n\
             '=s,2027-01-01,2027-03-31,world,q,days,2,2,2,2\n"
        );
        let projects = rendered(&ProjectsTable { layout, statistics });
        assert!(projects.starts_with(
            "scenario,project,region,planned_go_live,projects_per_replication,\
             delay_mean_days,delay_p50_days,delay_p90_days,delay_p95_days,share_on_time,"
        ));
        assert!(projects.ends_with("\n'=s,p,eu,2027-06-01,1,4,4,4,4,1,0,0,0,0,0,0,0\n"));
    }
}
