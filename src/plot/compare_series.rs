//! The charts of `compare_timeseries.csv`: for every world series, the mean paired
//! difference (other − base) per period over calendar time, with its 95 % confidence
//! band and the zero line, so the periods a shock hits stand out. A period where the
//! difference is undefined is a gap.

use chrono::NaiveDate;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::canvas::{self, DisplayUnit, Drawn, Frame, Swatch, Ticks};
use super::data::SeriesComparisonFile;
use super::fan;
use crate::glossary;
use crate::output::SeriesComparisonRow;
use crate::replication::WORLD_SCOPE;

/// One world series' difference over time.
#[derive(Debug, Clone)]
pub(super) struct CompareSeriesChart {
    metric: String,
    title: String,
    y_label: String,
    caption: String,
    /// `(x as fractional year, low, mean, high)` in display units; NaN when undefined.
    points: Vec<(f64, f64, f64, f64)>,
    start: NaiveDate,
    end: NaiveDate,
    /// The first day of the horizon's edge, shaded.
    edge: Option<NaiveDate>,
}

/// One chart per world series of `file`, in the order series first appear.
pub(super) fn compare_series_charts(
    file: &SeriesComparisonFile,
    scenario: Option<&str>,
    edge: Option<NaiveDate>,
) -> Vec<CompareSeriesChart> {
    let world: Vec<&SeriesComparisonRow> = (file.rows.iter())
        .filter(|row| row.scope == WORLD_SCOPE)
        .collect();
    let mut metrics: Vec<&str> = Vec::new();
    for row in &world {
        if !metrics.contains(&row.metric.as_str()) {
            metrics.push(&row.metric);
        }
    }
    let paired = world.iter().map(|row| row.n).max().unwrap_or(0);
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
    (metrics.into_iter())
        .filter_map(|metric| {
            let rows: Vec<&SeriesComparisonRow> = world
                .iter()
                .copied()
                .filter(|r| r.metric == metric)
                .collect();
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
            let flow = !at_end && !first.unit.starts_with("day");
            let per = if flow {
                format!(" per {period}")
            } else {
                String::new()
            };
            Some(CompareSeriesChart {
                metric: metric.to_string(),
                title: format!("{label}: change from the base run{per} (other − base)"),
                y_label: format!("change ({}{per})", unit.label),
                caption: caption.clone(),
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
            })
        })
        .collect()
}

impl CompareSeriesChart {
    pub(super) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        let mut legend = vec![
            canvas::item(
                Swatch::Band(canvas::ORANGE),
                "95 % CI of the mean paired difference",
            ),
            canvas::item(Swatch::Line(canvas::ORANGE), "mean paired difference"),
            canvas::item(Swatch::Line(canvas::INK), "no change"),
        ];
        let after = self.end.succ_opt().unwrap_or(self.end);
        if let Some(edge) = self.edge {
            legend.push(canvas::edge_item(
                after.signed_duration_since(edge).num_days(),
            ));
        }
        let area = canvas::frame(
            root,
            &Frame {
                title: &self.title,
                caption: &self.caption,
                legend: &legend,
                footnote: &[],
            },
        )?;
        let x_range = canvas::year_fraction(self.start)..canvas::year_fraction(after);
        let x_axis = Ticks::new(x_range.clone(), canvas::date_ticks(self.start, self.end));
        let (low, high) = canvas::padded_range(
            (self.points.iter()).flat_map(|&(_, low, mean, high)| [low, mean, high]),
        );
        let mut chart = ChartBuilder::on(&area)
            .margin_left(12)
            .margin_right(36)
            .margin_top(8)
            .x_label_area_size(canvas::X_LABEL_AREA)
            .y_label_area_size(canvas::Y_LABEL_AREA)
            .build_cartesian_2d(x_axis, low..high)?;
        let mut mesh = chart.configure_mesh();
        canvas::style_mesh(&mut mesh);
        mesh.x_desc("date")
            .y_desc(self.y_label.as_str())
            .y_label_formatter(&|y| canvas::tick(*y))
            .draw()?;
        if let Some(edge) = self.edge {
            canvas::shade_edge(&mut chart, canvas::year_fraction(edge)..x_range.end)?;
        }
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(x_range.start, 0.0), (x_range.end, 0.0)],
            canvas::INK.stroke_width(1),
        )))?;
        let band = canvas::defined_runs(&self.points, |&(_, low, _, high)| {
            low.is_finite() && high.is_finite()
        });
        for run in band {
            let upper = run.iter().map(|&(x, _, _, high)| (x, high));
            let lower = run.iter().rev().map(|&(x, low, _, _)| (x, low));
            chart.draw_series(std::iter::once(Polygon::new(
                upper.chain(lower).collect::<Vec<_>>(),
                canvas::band(canvas::ORANGE),
            )))?;
        }
        for run in canvas::defined_runs(&self.points, |&(_, _, mean, _)| mean.is_finite()) {
            chart.draw_series(LineSeries::new(
                run.iter().map(|&(x, _, mean, _)| (x, mean)),
                canvas::ORANGE.stroke_width(3),
            ))?;
        }
        Ok(())
    }

    pub(super) fn file_stem(&self) -> String {
        format!("compare_{}", super::file_safe(&self.metric))
    }
}
