//! Project charts from `projects.csv`, one row per project group in the file's order:
//! the go-live delay (median dot, line to the 95th percentile) and what the delays were
//! due to (stacked shares of outcomes: on time, construction, grid, chips, shipping,
//! not live by the end).

use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::canvas::{self, Drawn, Frame, Swatch, Ticks};
use super::data::ProjectRow;

/// Pixels per project group.
const ROW_HEIGHT: u32 = 22;
/// Pixels of a project chart besides its rows.
const CHROME_HEIGHT: u32 = 230;
/// Pixels left of the plot for the group names.
const NAME_AREA: u32 = 250;

/// Height of a chart with one row per project group.
pub(super) fn height(groups: usize) -> u32 {
    CHROME_HEIGHT + ROW_HEIGHT * groups.max(4) as u32
}

/// Which chart of the two.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum ProjectView {
    /// Median and 95th-percentile delay per group.
    Delays,
    /// Share of outcomes by cause per group.
    Causes,
}

#[derive(Debug, Clone)]
pub(super) struct ProjectChart {
    pub view: ProjectView,
    rows: Vec<ProjectRow>,
    caption: String,
}

pub(super) fn project_charts(rows: &[ProjectRow], caption: &str) -> Vec<ProjectChart> {
    let mut views = vec![ProjectView::Delays];
    if rows.iter().any(|row| !row.shares.is_empty()) {
        views.push(ProjectView::Causes);
    }
    views
        .into_iter()
        .map(|view| ProjectChart {
            view,
            rows: rows.to_vec(),
            caption: caption.to_string(),
        })
        .collect()
}

/// Words and colour of a cause label of the `share_*` columns.
fn cause_style(label: &str) -> (String, RGBColor) {
    match label {
        "on_time" => ("on time".into(), canvas::GREEN),
        "construction" => ("construction".into(), canvas::ORANGE),
        "grid" => ("grid connection".into(), canvas::BLUE),
        "chips" => ("chips".into(), canvas::RED),
        "shipping" => ("shipping".into(), canvas::PURPLE),
        "not_live_by_end" => ("not live by the end of the run".into(), canvas::GREY),
        other => (canvas::words(other), canvas::TEAL),
    }
}

impl ProjectChart {
    pub(super) fn file_stem(&self) -> &'static str {
        match self.view {
            ProjectView::Delays => "project_delays",
            ProjectView::Causes => "delay_causes",
        }
    }

    pub(super) fn height(&self) -> u32 {
        height(self.rows.len())
    }

    pub(super) fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        match self.view {
            ProjectView::Delays => self.draw_delays(root),
            ProjectView::Causes => self.draw_causes(root),
        }
    }

    /// The y axis: one row per group, the file's first group at the top.
    fn row_axis(&self) -> Ticks {
        Ticks::rows(self.rows.iter().map(|row| row.project.as_str()))
    }

    fn y_of(&self, index: usize) -> f64 {
        Ticks::row_y(self.rows.len(), index)
    }

    fn draw_delays<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        let legend = [
            canvas::item(
                Swatch::Dot(canvas::BLUE),
                "P50: half the replications later",
            ),
            canvas::item(Swatch::Line(canvas::BLUE), "P50 to P95"),
            canvas::item(
                Swatch::Diamond(canvas::RED),
                "P95: 1 replication in 20 later",
            ),
        ];
        let area = canvas::frame(
            root,
            &Frame {
                title: "Go-live delay per project group (days after the planned date)",
                caption: &self.caption,
                legend: &legend,
                footnote: &[
                    "A project not live by the end of the run counts its delay up to the end, \
                     so groups planned late in the run show lower bounds."
                        .to_string(),
                ],
            },
        )?;
        let (_, high) =
            canvas::padded_range((self.rows.iter()).flat_map(|row| [row.delay_p50, row.delay_p95]));
        let mut chart =
            canvas::chart_on(&area, NAME_AREA).build_cartesian_2d(0.0..high, self.row_axis())?;
        let mut mesh = chart.configure_mesh();
        canvas::style_mesh(&mut mesh);
        mesh.x_desc("delay (days)")
            .x_label_formatter(&|x| canvas::tick(*x))
            .draw()?;
        for (index, row) in self.rows.iter().enumerate() {
            let y = self.y_of(index);
            if row.delay_p50.is_finite() && row.delay_p95.is_finite() {
                chart.draw_series(std::iter::once(PathElement::new(
                    vec![(row.delay_p50, y), (row.delay_p95, y)],
                    canvas::BLUE.stroke_width(2),
                )))?;
                chart.draw_series(std::iter::once(
                    EmptyElement::at((row.delay_p95, y))
                        + Polygon::new(
                            vec![(0, -7), (7, 0), (0, 7), (-7, 0)],
                            canvas::RED.filled(),
                        ),
                ))?;
            }
            if row.delay_p50.is_finite() {
                chart.draw_series(std::iter::once(Circle::new(
                    (row.delay_p50, y),
                    6,
                    canvas::BLUE.filled(),
                )))?;
            }
        }
        Ok(())
    }

    fn draw_causes<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Drawn<DB> {
        let causes: Vec<String> = (self.rows.iter())
            .find(|row| !row.shares.is_empty())
            .map(|row| row.shares.iter().map(|(cause, _)| cause.clone()).collect())
            .unwrap_or_default();
        let legend: Vec<_> = (causes.iter())
            .map(|cause| {
                let (label, color) = cause_style(cause);
                canvas::item(Swatch::Bar(color), label)
            })
            .collect();
        let footnote = [
            "A delayed project's cause is the constraint satisfied last; a group with no \
              project outcome has no bar."
                .to_string(),
        ];
        let area = canvas::frame(
            root,
            &Frame {
                title: "What held each project group up (share of project outcomes)",
                caption: &self.caption,
                legend: &legend,
                footnote: &footnote,
            },
        )?;
        let percent = Ticks::new(
            0.0..100.0,
            [0, 25, 50, 75, 100]
                .map(|p| (f64::from(p), format!("{p} %")))
                .to_vec(),
        );
        let mut chart =
            canvas::chart_on(&area, NAME_AREA).build_cartesian_2d(percent, self.row_axis())?;
        let mut mesh = chart.configure_mesh();
        canvas::style_mesh(&mut mesh);
        mesh.x_desc("share of project outcomes").draw()?;
        for (index, row) in self.rows.iter().enumerate() {
            let y = self.y_of(index);
            let mut left = 0.0;
            for (cause, share) in &row.shares {
                if !share.is_finite() || *share <= 0.0 {
                    continue;
                }
                let right = (left + share * 100.0).min(100.0);
                let (_, color) = cause_style(cause);
                chart.draw_series(std::iter::once(Rectangle::new(
                    [(left, y - 0.36), (right, y + 0.36)],
                    color.filled(),
                )))?;
                left = right;
            }
            if row.shares.iter().all(|(_, share)| !share.is_finite()) {
                chart.draw_series(std::iter::once(Text::new(
                    "no outcome",
                    (1.0, y),
                    canvas::text(13.0, canvas::MUTED).pos(Pos::new(HPos::Left, VPos::Center)),
                )))?;
            }
        }
        Ok(())
    }
}
