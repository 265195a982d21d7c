//! The headline metrics of a finished run, read back from its `summary.csv` and named
//! by the glossary: what `chipsim run` prints last and the report's first table.

use std::path::Path;

use crate::glossary;
use crate::output::{CsvTable, OutputError, SUMMARY_FILE};
use crate::plot::data::summary_rows;

/// One metric of `summary.csv` as a person reads it.
#[derive(Debug, Clone, PartialEq)]
pub struct MetricRow {
    /// Its name in the output files.
    pub metric: String,
    /// Its plain-English label (the name in words for a metric the glossary lacks).
    pub label: String,
    /// Its unit.
    pub unit: String,
    /// Whether it is a headline metric.
    pub headline: bool,
    /// Replications.
    pub n: f64,
    /// Mean over replications.
    pub mean: f64,
    /// Low end of the mean's 95 % confidence interval.
    pub ci95_low: f64,
    /// High end of the mean's 95 % confidence interval.
    pub ci95_high: f64,
}

/// Every row of `dir/summary.csv`, in file order (headline metrics first).
pub fn summary_metrics(dir: &Path) -> Result<Vec<MetricRow>, OutputError> {
    let table = CsvTable::read(&dir.join(SUMMARY_FILE))?;
    Ok(summary_rows(&table)?
        .into_iter()
        .map(|row| {
            let term = glossary::scalar(&row.metric);
            MetricRow {
                label: glossary::scalar_label(&row.metric),
                headline: term.is_some_and(|term| term.headline),
                metric: row.metric,
                unit: row.unit,
                n: row.n,
                mean: row.mean,
                ci95_low: row.ci95_low,
                ci95_high: row.ci95_high,
            }
        })
        .collect())
}

/// The headline rows of `dir/summary.csv`.
pub fn headline_metrics(dir: &Path) -> Result<Vec<MetricRow>, OutputError> {
    let mut rows = summary_metrics(dir)?;
    rows.retain(|row| row.headline);
    Ok(rows)
}
