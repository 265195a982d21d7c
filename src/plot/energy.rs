//! Electricity per calendar year from the `energy_twh_YYYY` rows of `summary.csv`: the
//! mean as a bar, the 5th–95th percentile range across replications, and the 95 %
//! confidence interval of the mean as a whisker, beside published reference values so
//! that a reader can place the model's numbers. The references are of two different
//! things, and the chart says so: AI servers (de Vries) and all data centres (IEA).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{self, Drawn, Frame, Swatch, Ticks};
use super::data::SummaryRow;

/// A published annual electricity figure.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct Reference {
    pub year: i32,
    /// TWh, low and high (equal for a point estimate).
    pub low: f64,
    pub high: f64,
    /// The value, written above a point or under a range (the legend says whose it is).
    pub label: &'static str,
    /// `true` for all data centres, `false` for AI servers only.
    pub all_data_centres: bool,
}

/// de Vries, "The growing energy footprint of artificial intelligence", Joule 7(10),
/// October 2023: 85–134 TWh a year by 2027 from AI servers (1.5 million NVIDIA servers a
/// year). IEA, "Energy and AI", April 2025: data centres of every kind used 415 TWh in
/// 2024 (about 1.5 % of world electricity), about 945 TWh in 2030 in the base case.
pub(super) const REFERENCES: [Reference; 3] = [
    Reference {
        year: 2027,
        low: 85.0,
        high: 134.0,
        label: "85–134 TWh (2027)",
        all_data_centres: false,
    },
    Reference {
        year: 2024,
        low: 415.0,
        high: 415.0,
        label: "415 TWh (2024)",
        all_data_centres: true,
    },
    Reference {
        year: 2030,
        low: 945.0,
        high: 945.0,
        label: "~945 TWh (2030)",
        all_data_centres: true,
    },
];

/// One modelled year.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Year {
    year: i32,
    mean: f64,
    ci95: (f64, f64),
    p5_p95: (f64, f64),
}

#[derive(Debug, Clone)]
pub(super) struct EnergyChart {
    years: Vec<Year>,
    /// References within a year of the modelled years.
    references: Vec<Reference>,
    caption: String,
}

/// The chart, if `summary.csv` has `energy_twh_YYYY` rows.
pub(super) fn energy_chart(rows: &[SummaryRow], caption: &str) -> Option<EnergyChart> {
    let years: Vec<Year> = rows
        .iter()
        .filter_map(|row| {
            let year = row.metric.strip_prefix("energy_twh_")?.parse().ok()?;
            Some(Year {
                year,
                mean: row.mean,
                ci95: (row.ci95_low, row.ci95_high),
                p5_p95: (row.p5, row.p95),
            })
        })
        .collect();
    let first = years.iter().map(|y| y.year).min()?;
    let last = years.iter().map(|y| y.year).max()?;
    let references = (REFERENCES.iter())
        .filter(|r| r.year >= first - 1 && r.year <= last + 1)
        .copied()
        .collect();
    Some(EnergyChart {
        years,
        references,
        caption: caption.to_string(),
    })
}

const BAR_HALF_WIDTH: f64 = 0.32;
/// The modelled bars: a lighter blue, so whiskers on them stay visible.
const BAR: RGBColor = RGBColor(120, 170, 215);

impl EnergyChart {
    pub(super) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        let mut legend = vec![
            canvas::item(Swatch::Bar(BAR), "this run: mean"),
            canvas::item(Swatch::Line(canvas::GREY), "P5–P95 across replications"),
            canvas::item(Swatch::Whisker(canvas::INK), "95 % CI of the mean"),
        ];
        if self.references.iter().any(|r| !r.all_data_centres) {
            legend.push(canvas::item(
                Swatch::Outline(canvas::ORANGE),
                "de Vries 2023, AI servers",
            ));
        }
        if self.references.iter().any(|r| r.all_data_centres) {
            legend.push(canvas::item(
                Swatch::Diamond(canvas::PURPLE),
                "IEA 2025, all data centres (not only AI)",
            ));
        }
        let mut footnote = vec![
            "This run counts AI accelerators only (kW × utilisation × PUE); the IEA figures cover \
             every data centre and are shown for scale."
                .to_string(),
        ];
        if !self.references.is_empty() {
            footnote.push(
                "Sources: de Vries, Joule 7(10), 2023 (2027 estimate); IEA, Energy and AI, 2025 \
                 (2024 estimate, 2030 base case)."
                    .to_string(),
            );
        }
        let area = canvas::frame(
            root,
            &Frame {
                title: "Electricity drawn by AI accelerators per calendar year",
                caption: &self.caption,
                legend: &legend,
                footnote: &footnote,
            },
        )?;

        let all_years =
            (self.years.iter().map(|y| y.year)).chain(self.references.iter().map(|r| r.year));
        let first = all_years.clone().min().unwrap_or(2025);
        let last = all_years.max().unwrap_or(first);
        let (_, high) = canvas::padded_range(
            (self.years.iter())
                .flat_map(|y| [y.mean, y.ci95.1, y.p5_p95.1])
                .chain(self.references.iter().map(|r| r.high * 1.06)),
        );
        let mut chart = canvas::chart_on(&area, canvas::Y_LABEL_AREA).build_cartesian_2d(
            Ticks::new(
                f64::from(first) - 0.6..f64::from(last) + 0.6,
                (first..=last)
                    .map(|y| (f64::from(y), y.to_string()))
                    .collect(),
            ),
            0.0..high,
        )?;
        let mut mesh = chart.configure_mesh();
        canvas::style_mesh(&mut mesh);
        mesh.disable_x_mesh()
            .x_desc("calendar year")
            .y_desc("TWh per year")
            .y_label_formatter(&|y| canvas::tick(*y))
            .draw()?;

        for year in &self.years {
            let x = f64::from(year.year);
            if year.mean.is_finite() {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(x - BAR_HALF_WIDTH, 0.0), (x + BAR_HALF_WIDTH, year.mean)],
                    BAR.filled(),
                )))?;
                // The mean written inside the top of its bar, or above a short bar.
                let bar_pixels =
                    chart.backend_coord(&(x, 0.0)).1 - chart.backend_coord(&(x, year.mean)).1;
                let offset = if bar_pixels > 40 { 22 } else { -18 };
                chart.draw_series(std::iter::once(
                    EmptyElement::at((x, year.mean))
                        + Text::new(
                            format!("{:.0}", year.mean),
                            (0, offset),
                            canvas::text(14.0, canvas::INK)
                                .pos(Pos::new(HPos::Center, VPos::Center)),
                        ),
                ))?;
            }
            let spread_x = x + BAR_HALF_WIDTH * 0.55;
            if year.p5_p95.0.is_finite() && year.p5_p95.1.is_finite() {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(spread_x, year.p5_p95.0), (spread_x, year.p5_p95.1)],
                    canvas::GREY.stroke_width(4),
                )))?;
            }
            if year.ci95.0.is_finite() && year.ci95.1.is_finite() {
                let style = canvas::INK.stroke_width(2);
                let cap = BAR_HALF_WIDTH * 0.3;
                for path in [
                    vec![(x, year.ci95.0), (x, year.ci95.1)],
                    vec![(x - cap, year.ci95.0), (x + cap, year.ci95.0)],
                    vec![(x - cap, year.ci95.1), (x + cap, year.ci95.1)],
                ] {
                    chart.draw_series(std::iter::once(PathElement::new(path, style)))?;
                }
            }
        }

        let label_style = canvas::text(14.0, canvas::INK);
        for reference in &self.references {
            let x = f64::from(reference.year);
            if reference.all_data_centres {
                chart.draw_series(std::iter::once(
                    EmptyElement::at((x, reference.high))
                        + Polygon::new(
                            vec![(0, -9), (9, 0), (0, 9), (-9, 0)],
                            canvas::PURPLE.filled(),
                        ),
                ))?;
            } else {
                chart.draw_series(std::iter::once(Rectangle::new(
                    [
                        (x - BAR_HALF_WIDTH - 0.06, reference.low),
                        (x + BAR_HALF_WIDTH + 0.06, reference.high),
                    ],
                    canvas::ORANGE.stroke_width(3),
                )))?;
            }
            // A point's value above it; a range's under its box, clear of the bar's
            // own label, which sits inside the top of the bar.
            let (at, offset, vertical) = if reference.all_data_centres {
                (reference.high, -12, VPos::Bottom)
            } else {
                (reference.low, 8, VPos::Top)
            };
            chart.draw_series(std::iter::once(
                EmptyElement::at((x, at))
                    + Text::new(
                        reference.label,
                        (0, offset),
                        label_style.pos(Pos::new(HPos::Center, vertical)),
                    ),
            ))?;
        }
        Ok(())
    }
}
