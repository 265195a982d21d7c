//! What the charts over calendar time share: a band (low to high) and a line through
//! each period's value, drawn run by run so that a period without a value is a gap,
//! on a date axis, with the horizon's edge shaded and, for differences, the zero line.
//! Fan charts ([`super::fan`]) and the differences over time
//! ([`super::compare_series`]) are this with their own words and colour.

use chrono::NaiveDate;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::canvas::{self, Drawn, Frame, LegendItem, Swatch, Ticks};

/// A band and a line over time.
#[derive(Debug, Clone)]
pub(super) struct Timeline {
    pub title: String,
    pub caption: String,
    pub y_label: String,
    /// The legend's entries for the band and the line, in that order.
    pub band_label: &'static str,
    pub line_label: &'static str,
    pub color: RGBColor,
    /// `(x as fractional year, low, line, high)`; NaN where undefined.
    pub points: Vec<(f64, f64, f64, f64)>,
    pub start: NaiveDate,
    pub end: NaiveDate,
    /// The first day of the horizon's edge, shaded.
    pub edge: Option<NaiveDate>,
    /// Draw the zero line and dots? A difference has the line "no change"; a level
    /// marks each period's value with a dot.
    pub difference: bool,
}

impl Timeline {
    pub(super) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        let mut legend: Vec<LegendItem> = vec![
            canvas::item(Swatch::Band(self.color), self.band_label),
            canvas::item(Swatch::Line(self.color), self.line_label),
        ];
        if self.difference {
            legend.push(canvas::item(Swatch::Line(canvas::INK), "no change"));
        }
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
            (self.points.iter()).flat_map(|&(_, low, line, high)| [low, line, high]),
        );
        let mut chart = canvas::chart_on(&area, canvas::Y_LABEL_AREA)
            .margin_top(8)
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
        if self.difference {
            chart.draw_series(std::iter::once(PathElement::new(
                vec![(x_range.start, 0.0), (x_range.end, 0.0)],
                canvas::INK.stroke_width(1),
            )))?;
        }
        let band = canvas::defined_runs(&self.points, |&(_, low, _, high)| {
            low.is_finite() && high.is_finite()
        });
        for run in band {
            let upper = run.iter().map(|&(x, _, _, high)| (x, high));
            let lower = run.iter().rev().map(|&(x, low, _, _)| (x, low));
            chart.draw_series(std::iter::once(Polygon::new(
                upper.chain(lower).collect::<Vec<_>>(),
                canvas::band(self.color),
            )))?;
        }
        for run in canvas::defined_runs(&self.points, |&(_, _, line, _)| line.is_finite()) {
            chart.draw_series(LineSeries::new(
                run.iter().map(|&(x, _, line, _)| (x, line)),
                self.color.stroke_width(3),
            ))?;
            if !self.difference {
                chart.draw_series(
                    (run.iter())
                        .map(|&(x, _, line, _)| Circle::new((x, line), 3, self.color.filled())),
                )?;
            }
        }
        Ok(())
    }
}
