//! What every chart shares: the embedded font, the palette, the frame (title, the
//! scenario and replication count in the top-right corner, a legend row that never
//! overlaps the data, an optional footnote), display units (MW shown as GW, counts in
//! millions) and readable tick labels for numbers and calendar dates.

use std::ops::Range;

use chrono::{Datelike, NaiveDate};
use plotters::chart::MeshStyle;
use plotters::coord::ranged1d::{KeyPointHint, NoDefaultFormatting, Ranged, ValueFormatter};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// DejaVu Sans (Bitstream Vera licence, `assets/fonts/LICENSE-DejaVu.txt`): text in PNGs
/// never depends on the fonts a machine has.
static FONT: &[u8] = include_bytes!("../../assets/fonts/DejaVuSans.ttf");

/// The family name charts ask for; the SVG files name it too, so viewers substitute
/// their own sans-serif font.
pub(super) const FAMILY: &str = "sans-serif";

/// Registers the embedded font once per process.
pub(super) fn register_font() -> Result<(), String> {
    static REGISTERED: std::sync::OnceLock<bool> = std::sync::OnceLock::new();
    let ok = *REGISTERED
        .get_or_init(|| plotters::style::register_font(FAMILY, FontStyle::Normal, FONT).is_ok());
    ok.then_some(())
        .ok_or_else(|| "the embedded font cannot be read".to_string())
}

/// Width of every chart, in pixels (the SVG uses the same user units).
pub(super) const WIDTH: u32 = 1200;
/// Height of the charts with a fixed height.
pub(super) const HEIGHT: u32 = 720;

pub(super) const INK: RGBColor = RGBColor(33, 33, 33);
pub(super) const MUTED: RGBColor = RGBColor(110, 110, 110);
pub(super) const GRID: RGBColor = RGBColor(225, 225, 225);
pub(super) const BLUE: RGBColor = RGBColor(31, 119, 180);
pub(super) const ORANGE: RGBColor = RGBColor(230, 126, 34);
pub(super) const GREEN: RGBColor = RGBColor(44, 160, 44);
pub(super) const RED: RGBColor = RGBColor(200, 50, 50);
pub(super) const PURPLE: RGBColor = RGBColor(128, 90, 180);
pub(super) const GREY: RGBColor = RGBColor(160, 160, 160);
pub(super) const TEAL: RGBColor = RGBColor(23, 150, 150);

/// Result of drawing on a backend.
pub(super) type Drawn<DB> = Result<(), DrawingAreaErrorKind<<DB as DrawingBackend>::ErrorType>>;

pub(super) fn text(size: f64, color: RGBColor) -> TextStyle<'static> {
    (FAMILY, size).into_font().color(&color)
}

/// How a legend entry is drawn.
#[derive(Debug, Clone, Copy)]
pub(super) enum Swatch {
    /// A translucent band (a range across replications).
    Band(RGBColor),
    /// A line.
    Line(RGBColor),
    /// A solid bar or bar segment.
    Bar(RGBColor),
    /// A dot.
    Dot(RGBColor),
    /// An error bar with caps (a confidence interval).
    Whisker(RGBColor),
    /// An outlined box (a published range).
    Outline(RGBColor),
    /// A diamond (a published point).
    Diamond(RGBColor),
}

/// One legend entry.
#[derive(Debug, Clone)]
pub(super) struct LegendItem {
    pub swatch: Swatch,
    pub label: String,
}

pub(super) fn item(swatch: Swatch, label: impl Into<String>) -> LegendItem {
    LegendItem {
        swatch,
        label: label.into(),
    }
}

/// The parts of a chart around its plot area.
#[derive(Debug)]
pub(super) struct Frame<'a> {
    pub title: &'a str,
    /// Scenario and replication count, top right.
    pub caption: &'a str,
    pub legend: &'a [LegendItem],
    /// Lines of small print under the plot (sources, what was left out).
    pub footnote: &'a [String],
}

const SIDE: i32 = 24;
const TITLE_SIZE: f64 = 26.0;
const LABEL_SIZE: f64 = 17.0;
const SMALL_SIZE: f64 = 15.0;
const LEGEND_ROW: i32 = 26;
const SWATCH: i32 = 28;

/// Draws the frame and returns the area left for the plot.
pub(super) fn frame<DB: DrawingBackend>(
    root: &DrawingArea<DB, Shift>,
    frame: &Frame,
) -> Result<DrawingArea<DB, Shift>, DrawingAreaErrorKind<DB::ErrorType>> {
    root.fill(&WHITE)?;
    let (width, height) = root.dim_in_pixel();
    let width = width as i32;
    let title_style = text(TITLE_SIZE, INK);
    let caption_style = text(SMALL_SIZE, MUTED);
    root.draw_text(frame.title, &title_style, (SIDE, 14))?;
    // The caption sits right of the title, or under it when they would touch.
    let title_width = root.estimate_text_size(frame.title, &title_style)?.0 as i32;
    let caption_width = root.estimate_text_size(frame.caption, &caption_style)?.0 as i32;
    let beside = SIDE + title_width + 32 + caption_width <= width - SIDE;
    let (caption_y, legend_y) = if beside { (20, 56) } else { (50, 78) };
    root.draw_text(
        frame.caption,
        &caption_style.pos(Pos::new(HPos::Right, VPos::Top)),
        (width - SIDE, caption_y),
    )?;

    // Legend entries flow left to right and wrap.
    let legend_style = text(SMALL_SIZE, INK);
    let (mut x, mut y) = (SIDE, legend_y);
    for entry in frame.legend {
        let (label_width, _) = root.estimate_text_size(&entry.label, &legend_style)?;
        let entry_width = SWATCH + 8 + label_width as i32 + 28;
        if x > SIDE && x + entry_width > width - SIDE {
            x = SIDE;
            y += LEGEND_ROW;
        }
        draw_swatch(root, entry.swatch, (x, y + 9))?;
        root.draw_text(&entry.label, &legend_style, (x + SWATCH + 8, y))?;
        x += entry_width;
    }
    let top = if frame.legend.is_empty() {
        legend_y
    } else {
        y + LEGEND_ROW + 6
    };

    let note_style = text(SMALL_SIZE - 1.0, MUTED);
    let mut lines = Vec::new();
    for note in frame.footnote {
        lines.extend(wrap(root, note, &note_style, (width - 2 * SIDE) as u32)?);
    }
    let foot_height = lines.len() as i32 * 20;
    let bottom = height as i32 - foot_height - if foot_height > 0 { 16 } else { 0 };
    for (index, line) in (0..).zip(&lines) {
        root.draw_text(line, &note_style, (SIDE, bottom + 8 + index * 20))?;
    }
    Ok(root
        .clone()
        .shrink((0, top), (width as u32, (bottom - top).max(1) as u32)))
}

/// Splits `text` at spaces into lines at most `width` pixels wide.
fn wrap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    text: &str,
    style: &TextStyle,
    width: u32,
) -> Result<Vec<String>, DrawingAreaErrorKind<DB::ErrorType>> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    for word in text.split(' ') {
        let candidate = if line.is_empty() {
            word.to_string()
        } else {
            format!("{line} {word}")
        };
        if !line.is_empty() && area.estimate_text_size(&candidate, style)?.0 > width {
            lines.push(std::mem::replace(&mut line, word.to_string()));
        } else {
            line = candidate;
        }
    }
    lines.push(line);
    Ok(lines)
}

fn draw_swatch<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    swatch: Swatch,
    (x, y): (i32, i32),
) -> Drawn<DB> {
    let (left, right) = (x, x + SWATCH);
    let middle = x + SWATCH / 2;
    match swatch {
        Swatch::Band(color) => area.draw(&Rectangle::new(
            [(left, y - 7), (right, y + 7)],
            band(color),
        )),
        Swatch::Line(color) => area.draw(&PathElement::new(
            vec![(left, y), (right, y)],
            color.stroke_width(3),
        )),
        Swatch::Bar(color) => area.draw(&Rectangle::new(
            [(left, y - 7), (right, y + 7)],
            color.filled(),
        )),
        Swatch::Dot(color) => area.draw(&Circle::new((middle, y), 6, color.filled())),
        Swatch::Whisker(color) => {
            let style = color.stroke_width(2);
            area.draw(&PathElement::new(
                vec![(middle, y - 8), (middle, y + 8)],
                style,
            ))?;
            area.draw(&PathElement::new(
                vec![(middle - 5, y - 8), (middle + 5, y - 8)],
                style,
            ))?;
            area.draw(&PathElement::new(
                vec![(middle - 5, y + 8), (middle + 5, y + 8)],
                style,
            ))
        }
        Swatch::Outline(color) => area.draw(&Rectangle::new(
            [(left, y - 7), (right, y + 7)],
            color.stroke_width(2),
        )),
        Swatch::Diamond(color) => area.draw(&Polygon::new(
            vec![
                (middle, y - 8),
                (middle + 8, y),
                (middle, y + 8),
                (middle - 8, y),
            ],
            color.filled(),
        )),
    }
}

/// The fill of a range across replications.
pub(super) fn band(color: RGBColor) -> ShapeStyle {
    color.mix(0.25).filled()
}

/// Grid and label styles shared by every chart's axes.
pub(super) fn style_mesh<DB, X, Y>(mesh: &mut MeshStyle<'_, '_, X, Y, DB>)
where
    DB: DrawingBackend,
    X: Ranged,
    Y: Ranged,
{
    mesh.bold_line_style(GRID)
        .light_line_style(WHITE.mix(0.0))
        .axis_style(MUTED)
        .label_style(text(LABEL_SIZE - 2.0, INK))
        .axis_desc_style(text(LABEL_SIZE, INK));
}

/// Pixels left of the plot for y tick labels and the y axis title.
pub(super) const Y_LABEL_AREA: u32 = 96;
/// Pixels below the plot for x tick labels and the x axis title.
pub(super) const X_LABEL_AREA: u32 = 64;

/// A chart builder on `area` with the charts' usual margins (room at the right for the
/// last x tick label), the x label area below and `y_label_area` pixels at the left
/// (for y tick labels, or row names).
pub(super) fn chart_on<'a, 'b, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    y_label_area: u32,
) -> ChartBuilder<'a, 'b, DB> {
    let mut builder = ChartBuilder::on(area);
    builder
        .margin_left(12)
        .margin_right(36)
        .x_label_area_size(X_LABEL_AREA)
        .y_label_area_size(y_label_area);
    builder
}

/// A unit chosen so that axis numbers stay short: MW above 1 000 as GW, large counts in
/// thousands or millions.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct DisplayUnit {
    /// Values are divided by this.
    pub divisor: f64,
    /// The unit's text on the axis.
    pub label: String,
}

impl DisplayUnit {
    pub(super) fn for_values(unit: &str, largest: f64) -> DisplayUnit {
        let largest = largest.abs();
        let (divisor, label) = match unit {
            "MW" if largest >= 1_000.0 => (1_000.0, "GW".to_string()),
            "MW" | "TWh" | "GW" | "days" | "percent" | "%" => (1.0, unit.to_string()),
            _ if largest >= 1e6 => (1e6, format!("million {unit}")),
            _ if largest >= 1e4 => (1e3, format!("thousand {unit}")),
            _ => (1.0, unit.to_string()),
        };
        DisplayUnit { divisor, label }
    }

    pub(super) fn scale(&self, value: f64) -> f64 {
        value / self.divisor
    }
}

/// Plot range `[low, high]` padded for breathing room; includes 0 when the data are
/// all of one sign, so bars and bands start from zero.
pub(super) fn padded_range(values: impl IntoIterator<Item = f64>) -> (f64, f64) {
    let (mut low, mut high) = (f64::INFINITY, f64::NEG_INFINITY);
    for value in values.into_iter().filter(|v| v.is_finite()) {
        low = low.min(value);
        high = high.max(value);
    }
    if low > high {
        return (0.0, 1.0);
    }
    low = low.min(0.0);
    high = high.max(0.0);
    if low == high {
        // All zero: a unit range rather than a magnified sliver.
        return (0.0, 1.0);
    }
    let pad = (high - low) * 0.06;
    (
        if low < 0.0 { low - pad } else { low },
        if high > 0.0 { high + pad } else { high },
    )
}

/// A tick label for an axis number: no more decimals than the ticks need.
pub(super) fn tick(value: f64) -> String {
    let magnitude = value.abs();
    let mut text = if magnitude >= 100.0 || value == value.round() {
        format!("{value:.0}")
    } else if magnitude >= 1.0 {
        format!("{value:.1}")
    } else {
        format!("{value:.2}")
    };
    if text.contains('.') {
        text = text.trim_end_matches('0').trim_end_matches('.').to_string();
    }
    match text.as_str() {
        "-0" => "0".to_string(),
        _ => text,
    }
}

/// A number for a label in running text: three significant figures, with k/million,
/// a `+` or `−` sign when `signed`.
pub(super) fn short_number(value: f64, signed: bool) -> String {
    let magnitude = value.abs();
    if magnitude == 0.0 {
        return "0".to_string();
    }
    let sign = match (value < 0.0, signed) {
        (true, _) => "−",
        (false, true) => "+",
        (false, false) => "",
    };
    let (scaled, suffix) = if magnitude >= 1e6 {
        (magnitude / 1e6, " million")
    } else if magnitude >= 1e4 {
        (magnitude / 1e3, " k")
    } else {
        (magnitude, "")
    };
    // Three significant figures, however small, without trailing zeros.
    let digits = (2 - scaled.log10().floor() as i32).max(0) as usize;
    let mut number = format!("{scaled:.digits$}");
    if number.contains('.') {
        number = number
            .trim_end_matches('0')
            .trim_end_matches('.')
            .to_string();
    }
    format!("{sign}{number}{suffix}")
}

/// A date as a fractional year (2025-07-02 ≈ 2025.5), the x coordinate of time charts.
pub(super) fn year_fraction(date: NaiveDate) -> f64 {
    let days_in_year = if date.leap_year() { 366.0 } else { 365.0 };
    f64::from(date.year()) + f64::from(date.ordinal0()) / days_in_year
}

/// Tick positions and labels for a time axis from `start` to `end`: every 1 January
/// (`2027`) over three years or more, else the first day of every quarter (`Apr 2026`).
pub(super) fn date_ticks(start: NaiveDate, end: NaiveDate) -> Vec<(f64, String)> {
    let yearly = end.signed_duration_since(start).num_days() >= 3 * 365;
    let months: &[u32] = if yearly { &[1] } else { &[1, 4, 7, 10] };
    let mut ticks = Vec::new();
    for year in start.year()..=end.year() {
        for &month in months {
            let Some(date) = NaiveDate::from_ymd_opt(year, month, 1) else {
                continue;
            };
            if date < start || date > end {
                continue;
            }
            let label = if yearly {
                year.to_string()
            } else {
                date.format("%b %Y").to_string()
            };
            ticks.push((year_fraction(date), label));
        }
    }
    ticks
}

/// A numeric axis with chosen, labelled ticks: dates, years, or one category per
/// row (`y = 0, 1, …` labelled with project names).
#[derive(Debug, Clone)]
pub(super) struct Ticks {
    range: Range<f64>,
    ticks: Vec<(f64, String)>,
}

impl Ticks {
    pub(super) fn new(range: Range<f64>, ticks: Vec<(f64, String)>) -> Ticks {
        Ticks { range, ticks }
    }

    /// Rows `0 .. names.len()` with the first name at the top.
    pub(super) fn rows<'a>(names: impl ExactSizeIterator<Item = &'a str>) -> Ticks {
        let count = names.len();
        let ticks = (names.enumerate())
            .map(|(index, name)| ((count - 1 - index) as f64, name.to_string()))
            .collect();
        Ticks::new(-0.6..count as f64 - 0.4, ticks)
    }

    /// The y of row `index` made by [`Ticks::rows`].
    pub(super) fn row_y(count: usize, index: usize) -> f64 {
        (count - 1 - index) as f64
    }
}

impl Ranged for Ticks {
    type FormatOption = NoDefaultFormatting;
    type ValueType = f64;

    fn map(&self, value: &f64, limit: (i32, i32)) -> i32 {
        RangedCoordf64::from(self.range.clone()).map(value, limit)
    }

    fn key_points<Hint: KeyPointHint>(&self, _hint: Hint) -> Vec<f64> {
        self.ticks.iter().map(|(x, _)| *x).collect()
    }

    fn range(&self) -> Range<f64> {
        self.range.clone()
    }
}

impl ValueFormatter<f64> for Ticks {
    fn format_ext(&self, value: &f64) -> String {
        (self.ticks.iter())
            .min_by(|a, b| (a.0 - value).abs().total_cmp(&(b.0 - value).abs()))
            .map(|(_, label)| label.clone())
            .unwrap_or_default()
    }
}

/// Shades the horizon's edge, from `x.start` to the end of the time axis, across the
/// whole plot: drawn before the data, so the data stay on top.
pub(super) fn shade_edge<DB: DrawingBackend>(
    chart: &mut ChartContext<'_, DB, Cartesian2d<Ticks, RangedCoordf64>>,
    x: Range<f64>,
) -> Drawn<DB> {
    let y = chart.y_range();
    chart.draw_series(std::iter::once(Rectangle::new(
        [(x.start, y.end), (x.end, y.start)],
        GREY.mix(0.22).filled(),
    )))?;
    Ok(())
}

/// The legend entry of [`shade_edge`].
pub(super) fn edge_item(days: i64) -> LegendItem {
    item(
        Swatch::Band(GREY),
        format!("last {days} days: {}", super::horizon::EDGE_LABEL),
    )
}

/// The runs of consecutive points that are `defined`: lines and bands are drawn run by
/// run, so a period without a value is a gap, never a zero.
pub(super) fn defined_runs<T: Copy>(points: &[T], defined: impl Fn(&T) -> bool) -> Vec<Vec<T>> {
    let mut runs: Vec<Vec<T>> = Vec::new();
    let mut open = false;
    for point in points {
        if defined(point) {
            if !open {
                runs.push(Vec::new());
            }
            runs.last_mut().expect("a run was opened").push(*point);
        }
        open = defined(point);
    }
    runs
}

/// Words for a snake_case name: `chips_delivered` → `chips delivered`.
pub(super) fn words(name: &str) -> String {
    name.replace('_', " ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn undefined_points_split_a_line_into_runs() {
        let points = [1.0, f64::NAN, 2.0, 3.0, f64::NAN, f64::NAN, 4.0];
        let runs = defined_runs(&points, |v| v.is_finite());
        assert_eq!(runs, [vec![1.0], vec![2.0, 3.0], vec![4.0]]);
        assert!(defined_runs(&[f64::NAN], |v| v.is_finite()).is_empty());
    }

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
    }

    #[test]
    fn display_units_keep_axis_numbers_short() {
        assert_eq!(DisplayUnit::for_values("MW", 45_000.0).label, "GW");
        assert_eq!(DisplayUnit::for_values("MW", 800.0).label, "MW");
        let chips = DisplayUnit::for_values("accelerators", 3.4e6);
        assert_eq!(
            (chips.label.as_str(), chips.scale(3.4e6)),
            ("million accelerators", 3.4)
        );
        assert_eq!(DisplayUnit::for_values("TWh", 350.0).divisor, 1.0);
        assert_eq!(DisplayUnit::for_values("days", 1e5).label, "days");
    }

    #[test]
    fn ranges_start_at_zero_and_leave_room() {
        assert_eq!(padded_range([10.0, 100.0]), (0.0, 106.0));
        let (low, high) = padded_range([-50.0, 50.0]);
        assert!(low < -50.0 && high > 50.0);
        assert_eq!(padded_range([f64::NAN]), (0.0, 1.0));
        assert_eq!(padded_range([0.0, 0.0]), (0.0, 1.0));
    }

    #[test]
    fn ticks_read_like_numbers_and_dates() {
        assert_eq!(tick(2500.0), "2500");
        assert_eq!(tick(2.5), "2.5");
        assert_eq!(tick(0.25), "0.25");
        assert_eq!(tick(0.5), "0.5");
        assert_eq!(tick(-0.0), "0");
        assert_eq!(short_number(1_234_567.0, false), "1.23 million");
        assert_eq!(short_number(-45_600.0, true), "−45.6 k");
        assert_eq!(short_number(12.345, true), "+12.3");
        assert_eq!(short_number(-0.002_791, false), "−0.00279");
        assert_eq!(short_number(0.0, true), "0");
        assert_eq!(short_number(50.0, false), "50");
        assert_eq!(short_number(2.0, true), "+2");
        let yearly = date_ticks(date(2025, 1, 1), date(2030, 12, 31));
        let labels: Vec<_> = yearly.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(labels, ["2025", "2026", "2027", "2028", "2029", "2030"]);
        let quarterly = date_ticks(date(2025, 2, 1), date(2025, 12, 31));
        let labels: Vec<_> = quarterly.iter().map(|(_, l)| l.as_str()).collect();
        assert_eq!(labels, ["Apr 2025", "Jul 2025", "Oct 2025"]);
        let axis = Ticks::new(2025.0..2026.0, quarterly);
        assert_eq!(
            axis.format_ext(&year_fraction(date(2025, 7, 2))),
            "Jul 2025"
        );
        let rows = Ticks::rows(["first", "second"].into_iter());
        assert_eq!(rows.format_ext(&Ticks::row_y(2, 0)), "first");
        assert!((year_fraction(date(2026, 1, 1)) - 2026.0).abs() < 1e-12);
    }
}
