//! Sensitivity charts from a sweep's `sensitivity.csv` (one row per metric × parameter,
//! parameters in rank order): a tornado per metric for a one-at-a-time design (the
//! metric's mean with each parameter at its low and at its high value, around the base
//! point, with the 95 % CI of the paired effect as whiskers) and a Morris μ*–σ scatter
//! per metric for a Morris design.
//!
//! The design is recognised by its contract columns ([`TornadoColumn`],
//! [`MorrisColumn`]); a file with neither (a grid or Latin hypercube design, or a changed
//! format) is skipped with a note naming what is missing, never an error, so the sweep's
//! format cannot stop the other charts.

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use crate::output::contract::{Column, MorrisColumn, SensitivityColumn, TornadoColumn};
use crate::output::{CsvTable, OutputError};

use super::canvas::{self, DisplayUnit, Drawn, Frame, Swatch, Ticks};

/// Pixels per parameter row of a tornado.
const ROW_HEIGHT: u32 = 34;
/// Pixels of a tornado besides its rows.
const CHROME_HEIGHT: u32 = 230;
const NAME_AREA: u32 = 300;

/// One parameter's swing: `(mean, effect CI low, effect CI high)` at the low and the
/// high value, the CI moved onto the metric's scale (base mean + effect CI).
#[derive(Debug, Clone, PartialEq)]
struct Swing {
    /// The parameter and its two values, e.g. `pue (1.1 | 1.5)`.
    label: String,
    low: (f64, f64, f64),
    high: (f64, f64, f64),
}

#[derive(Debug, Clone)]
pub(super) struct Tornado {
    pub metric: String,
    unit: DisplayUnit,
    base: f64,
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
#[derive(Debug, Default)]
pub(super) struct SweepCharts {
    pub tornadoes: Vec<Tornado>,
    pub morris: Vec<Morris>,
    /// What could not be charted, and why.
    pub notes: Vec<String>,
}

/// The sweep charts `sensitivity.csv` supports, and notes on what it could not chart.
pub(super) fn sweep_charts(table: &CsvTable, caption: &str) -> Result<SweepCharts, OutputError> {
    let mut charts = SweepCharts::default();
    let (tornado_missing, morris_missing) = (
        table.missing(TornadoColumn::ALL),
        table.missing(MorrisColumn::ALL),
    );
    if tornado_missing.is_empty() {
        charts.tornadoes = tornadoes(table, caption)?;
    } else if morris_missing.is_empty() {
        charts.morris = morris(table, caption)?;
    } else {
        charts.notes.push(format!(
            "{}: no sensitivity chart: a tornado (one-at-a-time design) needs the columns {}, \
             a Morris chart {}; grid and Latin hypercube designs are not charted",
            table.path().display(),
            tornado_missing.join(", "),
            morris_missing.join(", ")
        ));
    }
    Ok(charts)
}

/// The positions of `names`.
fn columns<C: Column, const N: usize>(
    table: &CsvTable,
    names: [C; N],
) -> Result<[usize; N], OutputError> {
    let mut positions = [0; N];
    for (position, name) in positions.iter_mut().zip(names) {
        *position = table.column(name)?;
    }
    Ok(positions)
}

/// Metrics in the order they first appear, each with its rows in file (rank) order.
fn rows_by_metric(table: &CsvTable) -> Result<Vec<(String, Vec<usize>)>, OutputError> {
    let metric = table.column(SensitivityColumn::Metric)?;
    let mut groups: Vec<(String, Vec<usize>)> = Vec::new();
    for row in 0..table.len() {
        let name = table.text(row, metric);
        match groups.iter_mut().find(|(m, _)| m == name) {
            Some((_, rows)) => rows.push(row),
            None => groups.push((name.to_string(), vec![row])),
        }
    }
    Ok(groups)
}

/// The unit of a metric's rows (the `unit` column, when there is one).
fn unit_of<'a>(table: &'a CsvTable, rows: &[usize]) -> &'a str {
    match (table.column(SensitivityColumn::Unit), rows.first()) {
        (Ok(column), Some(&row)) => table.text(row, column),
        _ => "",
    }
}

/// `×0.5` for a scale setting, else the value.
fn setting_value(setting: &str, value: f64) -> String {
    if setting == "scale" {
        format!("×{}", canvas::short_number(value, false))
    } else {
        canvas::short_number(value, false)
    }
}

fn tornadoes(table: &CsvTable, caption: &str) -> Result<Vec<Tornado>, OutputError> {
    let [parameter, setting] = columns(
        table,
        [SensitivityColumn::Parameter, SensitivityColumn::Setting],
    )?;
    let [base_mean, low_mean, high_mean, low_value, high_value] = columns(
        table,
        [
            TornadoColumn::BaseMean,
            TornadoColumn::LowMean,
            TornadoColumn::HighMean,
            TornadoColumn::LowValue,
            TornadoColumn::HighValue,
        ],
    )?;
    let [low_ci_low, low_ci_high, high_ci_low, high_ci_high] = columns(
        table,
        [
            TornadoColumn::LowEffectCi95Low,
            TornadoColumn::LowEffectCi95High,
            TornadoColumn::HighEffectCi95Low,
            TornadoColumn::HighEffectCi95High,
        ],
    )?;
    rows_by_metric(table)?
        .into_iter()
        .map(|(metric, rows)| {
            let mut base = f64::NAN;
            let mut swings = Vec::with_capacity(rows.len());
            let mut largest: f64 = 0.0;
            for &row in &rows {
                let number = |column| table.number(row, column);
                base = number(base_mean)?;
                let setting = table.text(row, setting);
                let low = (
                    number(low_mean)?,
                    base + number(low_ci_low)?,
                    base + number(low_ci_high)?,
                );
                let high = (
                    number(high_mean)?,
                    base + number(high_ci_low)?,
                    base + number(high_ci_high)?,
                );
                for value in [base, low.0, low.1, low.2, high.0, high.1, high.2] {
                    if value.is_finite() {
                        largest = largest.max(value.abs());
                    }
                }
                swings.push(Swing {
                    label: format!(
                        "{} ({} | {})",
                        table.text(row, parameter),
                        setting_value(setting, number(low_value)?),
                        setting_value(setting, number(high_value)?)
                    ),
                    low,
                    high,
                });
            }
            Ok(Tornado {
                unit: DisplayUnit::for_values(unit_of(table, &rows), largest),
                metric,
                base,
                swings,
                caption: caption.to_string(),
            })
        })
        .collect()
}

fn morris(table: &CsvTable, caption: &str) -> Result<Vec<Morris>, OutputError> {
    let parameter = table.column(SensitivityColumn::Parameter)?;
    let [mu_star, sigma] = columns(table, [MorrisColumn::MuStar, MorrisColumn::Sigma])?;
    rows_by_metric(table)?
        .into_iter()
        .map(|(metric, rows)| {
            let mut points = (rows.iter())
                .map(|&row| {
                    Ok((
                        table.text(row, parameter).to_string(),
                        table.number(row, mu_star)?,
                        table.number(row, sigma)?,
                    ))
                })
                .collect::<Result<Vec<_>, OutputError>>()?;
            let largest = (points.iter())
                .flat_map(|p| [p.1, p.2])
                .filter(|v| v.is_finite())
                .fold(0.0, f64::max);
            let unit = DisplayUnit::for_values(unit_of(table, &rows), largest);
            for point in &mut points {
                point.1 = unit.scale(point.1);
                point.2 = unit.scale(point.2);
            }
            Ok(Morris {
                metric,
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
            canvas::item(Swatch::Whisker(canvas::INK), "95 % CI of the paired effect"),
            canvas::item(Swatch::Line(canvas::INK), "base point"),
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
            .chain([self.base])
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
        let mut chart = canvas::chart_on(&area, NAME_AREA).build_cartesian_2d(
            low - pad..high + pad,
            Ticks::rows(self.swings.iter().map(|s| s.label.as_str())),
        )?;
        let x_desc = format!("{} ({})", canvas::words(&self.metric), self.unit.label);
        let mut mesh = chart.configure_mesh();
        canvas::style_mesh(&mut mesh);
        mesh.x_desc(x_desc)
            .x_label_formatter(&|x| canvas::tick(*x))
            .draw()?;
        let base = scale(self.base);
        for (index, swing) in self.swings.iter().enumerate() {
            let y = Ticks::row_y(count, index);
            if swing.low.0 == self.base && swing.high.0 == self.base {
                chart.draw_series(std::iter::once(
                    EmptyElement::at((base, y))
                        + Text::new(
                            "no effect",
                            (8, 0),
                            canvas::text(14.0, canvas::MUTED)
                                .pos(Pos::new(HPos::Left, VPos::Center)),
                        ),
                ))?;
            }
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
        let mut chart = canvas::chart_on(&area, canvas::Y_LABEL_AREA)
            .margin_top(8)
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
        // σ = μ* up to the edge of the plot it leaves first.
        let diagonal = x_high.min(y_high) * 1.1;
        chart.draw_series(std::iter::once(PathElement::new(
            vec![(0.0, 0.0), (diagonal, diagonal)],
            canvas::GREY.stroke_width(2),
        )))?;
        let label_style = canvas::text(14.0, canvas::INK).pos(Pos::new(HPos::Left, VPos::Bottom));
        // Labels right of their dot, moved down past labels already placed.
        let mut placed: Vec<(i32, i32, i32, i32)> = Vec::new();
        for (parameter, mu_star, sigma) in &self.points {
            if !(mu_star.is_finite() && sigma.is_finite()) {
                continue;
            }
            chart.draw_series(std::iter::once(Circle::new(
                (*mu_star, *sigma),
                6,
                canvas::BLUE.filled(),
            )))?;
            let (width, height) = root.estimate_text_size(parameter, &label_style)?;
            let (width, height) = (width as i32, height as i32);
            let (x, mut y) = chart.backend_coord(&(*mu_star, *sigma));
            let (left, right) = (x + 8, x + 8 + width);
            y -= 4;
            let overlaps = |y: i32, placed: &[(i32, i32, i32, i32)]| {
                (placed.iter()).any(|&(l, r, top, bottom)| {
                    left < r && l < right && y - height < bottom && top < y
                })
            };
            while overlaps(y, &placed) {
                y += height + 2;
            }
            placed.push((left, right, y - height, y));
            root.draw_text(parameter, &label_style, (left, y))?;
        }
        Ok(())
    }
}
