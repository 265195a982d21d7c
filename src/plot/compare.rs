//! The chart of `compare.csv`: for every metric, the mean paired difference (other −
//! base) with its 95 % confidence interval, as a percentage of the base mean so that
//! metrics of different units share one axis; rows are named by the glossary, with
//! their units, and the absolute difference is written beside each row. Metrics that
//! did not change, and those whose base mean is zero or undefined (no percentage), are
//! listed under the chart instead.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{self, Drawn, Frame, Swatch, Ticks};
use super::data::CompareRow;
use crate::glossary;

/// A difference below this fraction of the base mean, at both ends of its CI, is
/// rounding noise (energy summed in a different order), not a change.
const UNCHANGED: f64 = 1e-9;
/// Pixels per metric row.
const ROW_HEIGHT: u32 = 24;
/// Pixels of the chart besides its rows.
const CHROME_HEIGHT: u32 = 250;
/// Pixels left of the plot for the metric names.
const NAME_AREA: u32 = 380;
/// Pixels right of the plot for the absolute differences.
const VALUE_AREA: i32 = 250;

/// One metric's difference, in percent of the base mean.
#[derive(Debug, Clone, PartialEq)]
struct Row {
    metric: String,
    percent: f64,
    ci95: (f64, f64),
    /// The absolute difference, for the label.
    diff: f64,
}

#[derive(Debug, Clone)]
pub(super) struct CompareChart {
    rows: Vec<Row>,
    /// Metrics whose base mean is zero or undefined, with their absolute difference.
    left_out: Vec<String>,
    /// Metrics whose difference is within [`UNCHANGED`] of the base mean.
    unchanged: Vec<String>,
    caption: String,
}

/// Height of the chart for `metrics` rows.
pub(super) fn height(metrics: usize) -> u32 {
    CHROME_HEIGHT + ROW_HEIGHT * metrics.max(4) as u32
}

/// The chart, with `caption` naming the compared run and the paired replications.
pub(super) fn compare_chart(rows: &[CompareRow], scenario: Option<&str>) -> CompareChart {
    let paired = rows.iter().map(|r| r.n).fold(0.0, f64::max);
    let mut shown = Vec::new();
    let mut left_out = Vec::new();
    let mut unchanged = Vec::new();
    for row in rows {
        // The glossary's label and unit, or the name in words for a metric it lacks.
        let name = glossary::scalar(&row.metric)
            .map_or_else(|| canvas::words(&row.metric), |term| term.label_with_unit());
        let base = row.base_mean.abs();
        let largest = [row.diff_mean, row.ci95_low, row.ci95_high]
            .map(f64::abs)
            .into_iter()
            .fold(0.0, f64::max);
        if largest <= UNCHANGED * base {
            unchanged.push(name);
        } else if base > 0.0 && base.is_finite() && row.diff_mean.is_finite() {
            let percent = |value: f64| 100.0 * value / base;
            shown.push(Row {
                metric: name,
                percent: percent(row.diff_mean),
                ci95: (percent(row.ci95_low), percent(row.ci95_high)),
                diff: row.diff_mean,
            });
        } else if row.diff_mean.is_finite() {
            left_out.push(format!(
                "{} {}",
                name,
                canvas::short_number(row.diff_mean, true)
            ));
        } else {
            left_out.push(format!("{name} (undefined)"));
        }
    }
    let caption = match scenario {
        Some(scenario) => format!("{scenario} vs base · {paired} paired replications"),
        None => format!("{paired} paired replications"),
    };
    CompareChart {
        rows: shown,
        left_out,
        unchanged,
        caption,
    }
}

impl CompareChart {
    pub(super) fn height(&self) -> u32 {
        height(self.rows.len())
    }

    pub(super) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        let legend = [
            canvas::item(Swatch::Dot(canvas::BLUE), "mean paired difference"),
            canvas::item(Swatch::Whisker(canvas::BLUE), "95 % CI (paired by seed)"),
        ];
        let mut footnote = Vec::new();
        if !self.unchanged.is_empty() {
            footnote.push(format!(
                "Unchanged (within a billionth of the base mean): {}",
                self.unchanged.join(", ")
            ));
        }
        if !self.left_out.is_empty() {
            footnote.push(format!(
                "No percentage (base mean zero or undefined), difference: {}",
                self.left_out.join(", ")
            ));
        }
        let area = canvas::frame(
            root,
            &Frame {
                title: "Difference from the base run, per metric (other − base)",
                caption: &self.caption,
                legend: &legend,
                footnote: &footnote,
            },
        )?;
        let (width, _) = area.dim_in_pixel();
        let (plot_area, value_area) = area.split_horizontally(width as i32 - VALUE_AREA);
        let (low, high) =
            canvas::padded_range((self.rows.iter()).flat_map(|r| [r.percent, r.ci95.0, r.ci95.1]));
        let count = self.rows.len();
        let mut chart = ChartBuilder::on(&plot_area)
            .margin_left(12)
            .margin_right(12)
            .x_label_area_size(canvas::X_LABEL_AREA)
            .y_label_area_size(NAME_AREA)
            .build_cartesian_2d(
                low..high,
                Ticks::rows(self.rows.iter().map(|row| row.metric.as_str())),
            )?;
        let mut mesh = chart.configure_mesh();
        canvas::style_mesh(&mut mesh);
        mesh.x_desc("difference, % of the base run's mean")
            .x_label_formatter(&|x| canvas::tick(*x))
            .draw()?;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, -0.6), (0.0, count as f64 - 0.4)],
            canvas::INK.stroke_width(1),
        )))?;
        let value_style = canvas::text(14.0, canvas::INK).pos(Pos::new(HPos::Left, VPos::Center));
        for (index, row) in self.rows.iter().enumerate() {
            let y = Ticks::row_y(count, index);
            let style = canvas::BLUE.stroke_width(2);
            if row.ci95.0.is_finite() && row.ci95.1.is_finite() {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(row.ci95.0, y), (row.ci95.1, y)],
                    style,
                )))?;
                for end in [row.ci95.0, row.ci95.1] {
                    chart.draw_series(std::iter::once(PathElement::new(
                        vec![(end, y - 0.25), (end, y + 0.25)],
                        style,
                    )))?;
                }
            }
            chart.draw_series(std::iter::once(Circle::new(
                (row.percent, y),
                5,
                canvas::BLUE.filled(),
            )))?;
            let (_, pixel_y) = chart.backend_coord(&(0.0, y));
            let (_, top) = value_area.get_base_pixel();
            value_area.draw_text(
                &format!(
                    "{}  ({} %)",
                    canvas::short_number(row.diff, true),
                    canvas::short_number(row.percent, true)
                ),
                &value_style,
                (8, pixel_y - top),
            )?;
        }
        Ok(())
    }
}
