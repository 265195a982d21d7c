//! Fan charts from `timeseries.csv`: for each time-series metric, the band between the
//! 5th and 95th percentiles across replications and the median line, over calendar
//! time. Flows (delivered per quarter) sit at the middle of their period, stocks
//! (backlog, MW live at the end of a period) at its end. A period without a value (no
//! delivery, so no lead time) is a gap in the band and the line, never a zero; the
//! horizon's edge, where orders for later go-lives are missing, is shaded
//! ([`super::horizon`]).

use chrono::NaiveDate;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::canvas::{self, DisplayUnit, Drawn};
use super::data::SeriesPoint;
use super::timeline::Timeline;
use crate::glossary;
use crate::model::ScopeKind;

/// One metric's fan over the periods.
#[derive(Debug, Clone)]
pub(super) struct FanChart {
    pub metric: String,
    /// Points are `(x, p5, p50, p95)`, in display units.
    timeline: Timeline,
}

/// How a series is shown.
struct Description {
    title: String,
    /// What the y axis measures, before its unit.
    quantity: &'static str,
    /// A level at the end of each period (else a flow during it).
    at_end: bool,
}

fn describe(metric: &str, period: &str) -> Description {
    let (title, quantity, at_end) = match metric {
        "chips_delivered" => (
            format!("Accelerators delivered to data centres per {period}"),
            "delivered",
            false,
        ),
        "accelerators_built" => (
            format!("Accelerators packaged per {period}"),
            "packaged",
            false,
        ),
        "backlog" => (
            format!("Order backlog: accelerators ordered, not yet allocated (end of {period})"),
            "backlog",
            true,
        ),
        "order_lead_time_days" => (
            format!("Order-to-delivery lead time of the orders delivered each {period}"),
            "lead time",
            false,
        ),
        "mw_live" => (
            format!("Data-centre IT load live (end of {period})"),
            "IT load live",
            true,
        ),
        "energy_twh" => (
            format!("Electricity drawn by live AI accelerators per {period}"),
            "electricity",
            false,
        ),
        "wafer_starts" => (format!("Wafer starts per {period}"), "wafer starts", false),
        other => {
            // Any other series in the glossary's words: a snapshot at the period's end,
            // a mean over the period, or a total per period.
            let term = (glossary::series_terms(ScopeKind::World).into_iter())
                .find(|term| term.name == other);
            let label = term
                .as_ref()
                .map_or_else(|| canvas::words(other), |term| term.label.clone());
            let aggregation = term.as_ref().map_or("", |term| term.aggregation);
            if aggregation.starts_with("snapshot") {
                (format!("{label} (end of {period})"), "", true)
            } else if aggregation.starts_with("mean") {
                (format!("{label}, each {period}"), "", false)
            } else {
                (format!("{label} per {period}"), "", false)
            }
        }
    };
    Description {
        title,
        quantity,
        at_end,
    }
}

/// Whether `metric` is a level at the end of each period (else a flow during it).
pub(super) fn at_end(metric: &str) -> bool {
    describe(metric, "period").at_end
}

/// Whether a world series is read "per period" (a total over each period, from the
/// glossary; a series the glossary lacks counts as a flow unless it is a level).
pub(super) fn per_period(metric: &str, at_end: bool) -> bool {
    (glossary::series_terms(ScopeKind::World).iter())
        .find(|term| term.name == metric)
        .map_or(!at_end, |term| term.aggregation.starts_with("total"))
}

/// Where a period's value sits on a time axis: a level at the period's end, a flow at
/// its middle.
pub(super) fn period_x(start: NaiveDate, end: NaiveDate, at_end: bool) -> f64 {
    let after = canvas::year_fraction(end.succ_opt().unwrap_or(end));
    if at_end {
        after
    } else {
        (canvas::year_fraction(start) + after) / 2.0
    }
}

/// `quarter`, `month`, `year` or `period`, from the length of the first period.
pub(super) fn period_word(first: Option<(NaiveDate, NaiveDate)>) -> &'static str {
    let Some((start, end)) = first else {
        return "period";
    };
    match end.signed_duration_since(start).num_days() + 1 {
        28..=31 => "month",
        89..=92 => "quarter",
        365 | 366 => "year",
        _ => "period",
    }
}

/// One fan chart per metric of `timeseries.csv`, in the order metrics first appear.
pub(super) fn fan_charts(
    points: &[SeriesPoint],
    caption: &str,
    edge: Option<NaiveDate>,
) -> Vec<FanChart> {
    let mut metrics: Vec<&str> = Vec::new();
    for point in points {
        if !metrics.contains(&point.metric.as_str()) {
            metrics.push(&point.metric);
        }
    }
    metrics
        .into_iter()
        .filter_map(|metric| {
            let series: Vec<&SeriesPoint> = points.iter().filter(|p| p.metric == metric).collect();
            let start = series.iter().map(|p| p.start).min()?;
            let end = series.iter().map(|p| p.end).max()?;
            let period = period_word(series.first().map(|p| (p.start, p.end)));
            let Description {
                title,
                quantity,
                at_end,
            } = describe(metric, period);
            let largest = series.iter().map(|p| p.p95).fold(0.0, f64::max);
            let unit = DisplayUnit::for_values(&series[0].unit, largest);
            let points = series
                .iter()
                .map(|p| {
                    let x = period_x(p.start, p.end, at_end);
                    (x, unit.scale(p.p5), unit.scale(p.p50), unit.scale(p.p95))
                })
                .collect();
            let unit_text = if !per_period(metric, at_end) {
                unit.label
            } else {
                format!("{} per {period}", unit.label)
            };
            let y_label = if quantity.is_empty() {
                unit_text
            } else {
                format!("{quantity} ({unit_text})")
            };
            Some(FanChart {
                metric: metric.to_string(),
                timeline: Timeline {
                    title,
                    caption: caption.to_string(),
                    y_label,
                    band_label: "P5–P95: 90 % of replications inside",
                    line_label: "P50 (median)",
                    color: canvas::BLUE,
                    points,
                    start,
                    end,
                    edge,
                    difference: false,
                },
            })
        })
        .collect()
}

impl FanChart {
    pub(super) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        self.timeline.draw(root)
    }

    pub(super) fn file_stem(&self) -> String {
        format!("fan_{}", super::file_safe(&self.metric))
    }
}
