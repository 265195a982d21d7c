//! Sensitivity charts from a sweep's `sensitivity.csv` (long format, one row per
//! parameter × metric × design point): a tornado per metric for one-at-a-time designs
//! (the metric's mean at each parameter's low and high value around the base run, with
//! 95 % CI whiskers, parameters sorted by swing) and a Morris μ*–σ scatter per metric.
//!
//! The columns these charts need are in [`TORNADO_COLUMNS`] and [`MORRIS_COLUMNS`]; a
//! file without them is skipped with a note naming what is missing, never an error,
//! so a change of the sweep's format cannot stop the other charts.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{self, DisplayUnit, Drawn, Frame, Swatch, Ticks};
use super::data::Table;
use super::PlotError;

/// Columns of a one-at-a-time row: `level` is `low`, `base` or `high`; the statistics
/// are of the metric over that design point's replications.
pub const TORNADO_COLUMNS: [&str; 7] = [
    "parameter",
    "metric",
    "design",
    "level",
    "mean",
    "ci95_low",
    "ci95_high",
];
/// Columns of a Morris row: the mean absolute elementary effect and its spread.
pub const MORRIS_COLUMNS: [&str; 5] = ["parameter", "metric", "design", "mu_star", "sigma"];

/// `design` values of one-at-a-time rows.
const ONE_AT_A_TIME: [&str; 3] = ["oat", "one_at_a_time", "tornado"];
/// `design` value of Morris rows.
const MORRIS: &str = "morris";

/// Pixels per parameter row of a tornado.
const ROW_HEIGHT: u32 = 34;
/// Pixels of a tornado besides its rows.
const CHROME_HEIGHT: u32 = 230;
const NAME_AREA: u32 = 250;

/// One parameter's swing.
#[derive(Debug, Clone, PartialEq)]
struct Swing {
    parameter: String,
    /// `(mean, ci95_low, ci95_high)` at the low and high value.
    low: (f64, f64, f64),
    high: (f64, f64, f64),
}

#[derive(Debug, Clone)]
pub(super) struct Tornado {
    pub metric: String,
    unit: DisplayUnit,
    base: (f64, f64, f64),
    swings: Vec<Swing>,
    caption: String,
}

#[derive(Debug, Clone)]
pub(super) struct Morris {
    pub metric: String,
    unit: DisplayUnit,
    /// `(parameter, μ*, σ)`, in display units.
    points: Vec<(String, f64, f64)>,
    caption: String,
}

/// The charts of a `sensitivity.csv`.
#[derive(Debug)]
pub(super) struct SweepCharts {
    pub tornadoes: Vec<Tornado>,
    pub morris: Vec<Morris>,
    /// What could not be charted, and why.
    pub notes: Vec<String>,
}

/// The sweep charts `sensitivity.csv` supports, and notes on what it could not chart.
pub(super) fn sweep_charts(table: &Table, caption: &str) -> Result<SweepCharts, PlotError> {
    let design = table.column("design").ok();
    let designs: Vec<&str> = match design {
        Some(column) => (0..table.len())
            .map(|row| table.text(row, column))
            .collect(),
        None => Vec::new(),
    };
    let has_oat = designs.iter().any(|d| ONE_AT_A_TIME.contains(d));
    let has_morris = designs.contains(&MORRIS);
    let mut notes = Vec::new();
    let missing = |columns: &[&str]| -> Vec<String> {
        (columns.iter())
            .filter(|c| !table.has_columns(&[c]))
            .map(|c| c.to_string())
            .collect()
    };
    let tornadoes = if !has_oat {
        Vec::new()
    } else if table.has_columns(&TORNADO_COLUMNS) {
        tornadoes(table, caption, &mut notes)?
    } else {
        notes.push(format!(
            "{}: no tornado chart: one-at-a-time rows need the columns {}",
            table.path().display(),
            missing(&TORNADO_COLUMNS).join(", ")
        ));
        Vec::new()
    };
    let morris = if !has_morris {
        Vec::new()
    } else if table.has_columns(&MORRIS_COLUMNS) {
        morris(table, caption)?
    } else {
        notes.push(format!(
            "{}: no Morris chart: Morris rows need the columns {}",
            table.path().display(),
            missing(&MORRIS_COLUMNS).join(", ")
        ));
        Vec::new()
    };
    if !has_oat && !has_morris {
        notes.push(format!(
            "{}: no sensitivity chart: no row has design {} or {MORRIS}",
            table.path().display(),
            ONE_AT_A_TIME.join(", ")
        ));
    }
    Ok(SweepCharts {
        tornadoes,
        morris,
        notes,
    })
}

/// Metrics in the order they first appear in rows whose design is one of `designs`.
fn metrics_of(table: &Table, designs: &[&str]) -> Result<Vec<String>, PlotError> {
    let (metric, design) = (table.column("metric")?, table.column("design")?);
    let mut metrics: Vec<String> = Vec::new();
    for row in 0..table.len() {
        let name = table.text(row, metric);
        if designs.contains(&table.text(row, design)) && !metrics.iter().any(|m| m == name) {
            metrics.push(name.to_string());
        }
    }
    Ok(metrics)
}

fn tornadoes(
    table: &Table,
    caption: &str,
    notes: &mut Vec<String>,
) -> Result<Vec<Tornado>, PlotError> {
    let [parameter, metric, design, level, mean, low, high] =
        TORNADO_COLUMNS.map(|name| table.column(name));
    let (parameter, metric, design, level) = (parameter?, metric?, design?, level?);
    let (mean, low, high) = (mean?, low?, high?);
    let unit = table.column("unit").ok();
    let mut charts = Vec::new();
    for name in metrics_of(table, &ONE_AT_A_TIME)? {
        let mut base = None;
        let mut swings: Vec<Swing> = Vec::new();
        let mut unit_text = String::new();
        for row in 0..table.len() {
            if table.text(row, metric) != name || !ONE_AT_A_TIME.contains(&table.text(row, design))
            {
                continue;
            }
            if let Some(unit) = unit {
                unit_text = table.text(row, unit).to_string();
            }
            let stats = (
                table.number(row, mean)?,
                table.number(row, low)?,
                table.number(row, high)?,
            );
            let which = table.text(row, level);
            if which == "base" {
                base = Some(stats);
                continue;
            }
            let parameter = table.text(row, parameter);
            let index = match swings.iter().position(|s| s.parameter == parameter) {
                Some(index) => index,
                None => {
                    let nan = (f64::NAN, f64::NAN, f64::NAN);
                    swings.push(Swing {
                        parameter: parameter.to_string(),
                        low: nan,
                        high: nan,
                    });
                    swings.len() - 1
                }
            };
            match which {
                "low" => swings[index].low = stats,
                "high" => swings[index].high = stats,
                other => {
                    return Err(table.format_error(format!(
                        "line {}: level `{other}` is not low, base or high",
                        row + 2
                    )))
                }
            }
        }
        let Some(base) = base else {
            notes.push(format!(
                "{}: no tornado chart for {name}: no row with level `base`",
                table.path().display()
            ));
            continue;
        };
        let reach = |s: &Swing| (s.high.0 - s.low.0).abs();
        swings.sort_by(|a, b| reach(b).total_cmp(&reach(a)));
        let largest = (swings.iter())
            .flat_map(|s| [s.low.2, s.high.2, s.low.1.abs(), s.high.1.abs()])
            .chain([base.0.abs()])
            .filter(|v| v.is_finite())
            .fold(0.0, f64::max);
        charts.push(Tornado {
            metric: name,
            unit: DisplayUnit::for_values(&unit_text, largest),
            base,
            swings,
            caption: caption.to_string(),
        });
    }
    Ok(charts)
}

fn morris(table: &Table, caption: &str) -> Result<Vec<Morris>, PlotError> {
    let [parameter, metric, design, mu_star, sigma] = MORRIS_COLUMNS.map(|name| table.column(name));
    let (parameter, metric, design, mu_star, sigma) =
        (parameter?, metric?, design?, mu_star?, sigma?);
    let unit = table.column("unit").ok();
    metrics_of(table, &[MORRIS])?
        .into_iter()
        .map(|name| {
            let rows: Vec<usize> = (0..table.len())
                .filter(|&row| table.text(row, metric) == name && table.text(row, design) == MORRIS)
                .collect();
            let mut points = rows
                .iter()
                .map(|&row| {
                    Ok((
                        table.text(row, parameter).to_string(),
                        table.number(row, mu_star)?,
                        table.number(row, sigma)?,
                    ))
                })
                .collect::<Result<Vec<_>, PlotError>>()?;
            let unit_text = match (unit, rows.first()) {
                (Some(column), Some(&row)) => table.text(row, column),
                _ => "",
            };
            let largest = (points.iter())
                .flat_map(|p| [p.1, p.2])
                .filter(|v| v.is_finite())
                .fold(0.0, f64::max);
            let unit = DisplayUnit::for_values(unit_text, largest);
            for point in &mut points {
                point.1 = unit.scale(point.1);
                point.2 = unit.scale(point.2);
            }
            Ok(Morris {
                metric: name,
                unit,
                points,
                caption: caption.to_string(),
            })
        })
        .collect()
}

impl Tornado {
    pub(super) fn file_stem(&self) -> String {
        format!("tornado_{}", super::file_safe(&self.metric))
    }

    pub(super) fn height(&self) -> u32 {
        CHROME_HEIGHT + ROW_HEIGHT * self.swings.len().max(3) as u32
    }

    pub(super) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        let legend = [
            canvas::item(Swatch::Bar(canvas::BLUE), "parameter at its low value"),
            canvas::item(Swatch::Bar(canvas::ORANGE), "parameter at its high value"),
            canvas::item(Swatch::Whisker(canvas::INK), "95 % CI of the mean"),
            canvas::item(Swatch::Line(canvas::INK), "base run"),
        ];
        let title = format!(
            "What moves {} most: one parameter at a time",
            canvas::words(&self.metric)
        );
        let area = canvas::frame(
            root,
            &Frame {
                title: &title,
                caption: &self.caption,
                legend: &legend,
                footnote: &[],
            },
        )?;
        let scale = |v: f64| self.unit.scale(v);
        let values = (self.swings.iter())
            .flat_map(|s| [s.low.0, s.low.1, s.low.2, s.high.0, s.high.1, s.high.2])
            .chain([self.base.0])
            .filter(|v| v.is_finite())
            .map(scale);
        let (mut low, mut high) = (f64::INFINITY, f64::NEG_INFINITY);
        for value in values {
            low = low.min(value);
            high = high.max(value);
        }
        if low > high {
            (low, high) = (0.0, 1.0);
        }
        let pad = ((high - low) * 0.08).max(high.abs() * 0.01).max(1e-9);
        let count = self.swings.len();
        let mut chart = ChartBuilder::on(&area)
            .margin_left(12)
            .margin_right(36)
            .x_label_area_size(canvas::X_LABEL_AREA)
            .y_label_area_size(NAME_AREA)
            .build_cartesian_2d(
                low - pad..high + pad,
                Ticks::rows(self.swings.iter().map(|s| s.parameter.as_str())),
            )?;
        let x_desc = format!("{} ({})", canvas::words(&self.metric), self.unit.label);
        let mut mesh = chart.configure_mesh();
        canvas::style_mesh(&mut mesh);
        mesh.x_desc(x_desc)
            .x_label_formatter(&|x| canvas::tick(*x))
            .draw()?;
        let base = scale(self.base.0);
        for (index, swing) in self.swings.iter().enumerate() {
            let y = Ticks::row_y(count, index);
            for ((mean, ci_low, ci_high), color) in
                [(swing.low, canvas::BLUE), (swing.high, canvas::ORANGE)]
            {
                if !mean.is_finite() {
                    continue;
                }
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(base, y - 0.32), (scale(mean), y + 0.32)],
                    color.mix(0.85).filled(),
                )))?;
                if ci_low.is_finite() && ci_high.is_finite() {
                    let style = canvas::INK.stroke_width(2);
                    let (a, b) = (scale(ci_low), scale(ci_high));
                    for path in [
                        vec![(a, y), (b, y)],
                        vec![(a, y - 0.15), (a, y + 0.15)],
                        vec![(b, y - 0.15), (b, y + 0.15)],
                    ] {
                        chart.draw_series(std::iter::once(PathElement::new(path, style)))?;
                    }
                }
            }
        }
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(base, -0.6), (base, count as f64 - 0.4)],
            canvas::INK.stroke_width(2),
        )))?;
        Ok(())
    }
}

impl Morris {
    pub(super) fn file_stem(&self) -> String {
        format!("morris_{}", super::file_safe(&self.metric))
    }

    pub(super) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        let legend = [
            canvas::item(Swatch::Dot(canvas::BLUE), "parameter"),
            canvas::item(
                Swatch::Line(canvas::GREY),
                "σ = μ*: above it, effects are non-linear or interact",
            ),
        ];
        let title = format!(
            "Morris screening of {}: importance (μ*) and non-linearity (σ)",
            canvas::words(&self.metric)
        );
        let area = canvas::frame(
            root,
            &Frame {
                title: &title,
                caption: &self.caption,
                legend: &legend,
                footnote: &[],
            },
        )?;
        let (_, x_high) = canvas::padded_range(self.points.iter().map(|p| p.1));
        let (_, y_high) = canvas::padded_range(self.points.iter().map(|p| p.2));
        let mut chart = ChartBuilder::on(&area)
            .margin_left(12)
            .margin_right(36)
            .margin_top(8)
            .x_label_area_size(canvas::X_LABEL_AREA)
            .y_label_area_size(canvas::Y_LABEL_AREA)
            .build_cartesian_2d(0.0..x_high * 1.1, 0.0..y_high * 1.1)?;
        let mut mesh = chart.configure_mesh();
        canvas::style_mesh(&mut mesh);
        let x_desc = format!("μ*: mean absolute elementary effect ({})", self.unit.label);
        let y_desc = format!("σ: spread of the elementary effects ({})", self.unit.label);
        mesh.x_desc(x_desc)
            .y_desc(y_desc)
            .x_label_formatter(&|x| canvas::tick(*x))
            .y_label_formatter(&|y| canvas::tick(*y))
            .draw()?;
        let diagonal = x_high.max(y_high) * 1.1;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (diagonal, diagonal)],
            canvas::GREY.stroke_width(2),
        )))?;
        let label_style = canvas::text(14.0, canvas::INK).pos(Pos::new(HPos::Left, VPos::Bottom));
        for (parameter, mu_star, sigma) in &self.points {
            if !(mu_star.is_finite() && sigma.is_finite()) {
                continue;
            }
            chart.draw_series(std::iter::once(
                EmptyElement::at((*mu_star, *sigma))
                    + Circle::new((0, 0), 6, canvas::BLUE.filled())
                    + Text::new(parameter.clone(), (8, -4), label_style.clone()),
            ))?;
        }
        Ok(())
    }
}
