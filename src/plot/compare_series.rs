//! The charts of `compare_timeseries.csv`: for every world series, the mean paired
//! difference (other − base) per period over calendar time, with its 95 % confidence
//! band and the zero line, so the periods a shock hits stand out. A period where the
//! difference is undefined is a gap.

use chrono::NaiveDate;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::canvas::{self, DisplayUnit, Drawn};
use super::data::SeriesComparisonFile;
use super::fan;
use super::timeline::Timeline;
use crate::glossary;
use crate::output::world_series;
use crate::replication::WORLD_SCOPE;

/// One world series' difference over time.
#[derive(Debug, Clone)]
pub(super) struct CompareSeriesChart {
    metric: String,
    /// Points are `(x, CI low, mean difference, CI high)` in display units.
    timeline: Timeline,
}

/// One chart per world series of `file`, in the order series first appear.
pub(super) fn compare_series_charts(
    file: &SeriesComparisonFile,
    scenario: Option<&str>,
    edge: Option<NaiveDate>,
) -> Vec<CompareSeriesChart> {
    let series = world_series(&file.rows);
    let paired = (series.iter())
        .flat_map(|(_, rows)| rows.iter().map(|row| row.n))
        .max()
        .unwrap_or(0);
    let mut caption = match scenario {
        Some(scenario) => format!("{scenario} vs base · {paired} paired replications"),
        None => format!("{paired} paired replications"),
    };
    if file.base_replications != file.other_replications {
        caption.push_str(&format!(
            " (base {}, other {})",
            file.base_replications, file.other_replications
        ));
    }
    (series.into_iter())
        .filter_map(|(metric, rows)| {
            let first = rows.first()?;
            let start = rows.iter().map(|r| r.period.start).min()?;
            let end = rows.iter().map(|r| r.period.end).max()?;
            let period = fan::period_word(Some((first.period.start, first.period.end)));
            let at_end = fan::at_end(metric);
            let largest = (rows.iter())
                .flat_map(|r| [r.paired_ci95.0, r.paired_ci95.1, r.diff_mean])
                .filter(|v| v.is_finite())
                .fold(0.0, |a: f64, b| a.max(b.abs()));
            let unit = DisplayUnit::for_values(&first.unit, largest);
            let label = glossary::series(metric, WORLD_SCOPE, &first.unit)
                .map_or_else(|| canvas::words(metric), |term| term.label);
            let per = if fan::per_period(metric, at_end) {
                format!(" per {period}")
            } else {
                String::new()
            };
            Some(CompareSeriesChart {
                metric: metric.to_string(),
                timeline: Timeline {
                    title: format!("{label}: change from the base run{per} (other − base)"),
                    y_label: format!("change ({}{per})", unit.label),
                    caption: caption.clone(),
                    band_label: "95 % CI of the mean paired difference",
                    line_label: "mean paired difference",
                    color: canvas::ORANGE,
                    difference: true,
                    points: (rows.iter())
                        .map(|r| {
                            (
                                fan::period_x(r.period.start, r.period.end, at_end),
                                unit.scale(r.paired_ci95.0),
                                unit.scale(r.diff_mean),
                                unit.scale(r.paired_ci95.1),
                            )
                        })
                        .collect(),
                    start,
                    end,
                    edge,
                },
            })
        })
        .collect()
}

impl CompareSeriesChart {
    pub(super) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        self.timeline.draw(root)
    }

    pub(super) fn file_stem(&self) -> String {
        format!("compare_{}", super::file_safe(&self.metric))
    }
}
