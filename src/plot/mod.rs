//! Charts of finished outputs: [`write_plots`] reads the CSV files and `manifest.json`
//! of an output folder (a run, a merge, a sweep, or a run with a `compare.csv` beside
//! it) and writes every chart they support, as SVG and PNG, into `<folder>/plots/`.
//!
//! | chart | from | file stem |
//! | --- | --- | --- |
//! | fan chart (P5–P95 band, P50 line) per time-series metric | `timeseries.csv` | `fan_<metric>` |
//! | go-live delay P50/P95 per project group | `projects.csv` | `project_delays` |
//! | share of delay causes per project group | `projects.csv` | `delay_causes` |
//! | electricity per year with published references | `summary.csv` | `energy_per_year` |
//! | paired differences with 95 % CIs | `compare.csv` | `compare` |
//! | paired difference over time with its 95 % band, per world series | `compare_timeseries.csv` | `compare_<metric>` |
//! | tornado per metric (one-at-a-time sweep) | `sensitivity.csv` | `tornado_<metric>` |
//! | Morris μ*–σ per metric | `sensitivity.csv` | `morris_<metric>` |
//!
//! Like every exporter, this reads finished statistics, never model internals. The
//! `plots/` folder is written all or nothing through [`Staging`]: the charts go into a
//! temporary folder with a `manifest.json` listing them (and any chart that was
//! skipped, with why), which then replaces the previous `plots/`, keeping any file in
//! it that is not a chart the previous manifest lists. PNG text uses an
//! embedded font, so charts look the same on a machine without fonts.

mod canvas;
mod compare;
mod compare_series;
pub(crate) mod data;
mod energy;
mod fan;
mod horizon;
mod projects;
mod sweep;
mod timeline;

use std::path::{Path, PathBuf};

use plotters::coord::Shift;
use plotters::prelude::*;

use crate::output::contract::CHART_EXTENSIONS;
use crate::output::{
    check_output_folder, write_manifest, CsvTable, FolderKind, OutputError, Staging, COMPARE_FILE,
    COMPARE_TIMESERIES_FILE, PLOTS_DIR, PROJECTS_FILE, SENSITIVITY_FILE, SUMMARY_FILE,
    TIMESERIES_FILE,
};

/// The files charts are made from, each charted when it sits in the folder.
const CHARTED_FILES: [&str; 6] = [
    SUMMARY_FILE,
    TIMESERIES_FILE,
    PROJECTS_FILE,
    COMPARE_FILE,
    COMPARE_TIMESERIES_FILE,
    SENSITIVITY_FILE,
];

/// Charts could not be made.
#[derive(Debug, thiserror::Error)]
pub enum PlotError {
    /// The folder holds none of the files charts are made from; nothing was written.
    #[error(
        "{} holds no chipsim outputs to plot (none of {}); give the folder a run wrote, \
         e.g. outputs/baseline",
        dir.display(),
        CHARTED_FILES.join(", ")
    )]
    NoOutputs {
        /// The folder.
        dir: PathBuf,
    },
    /// The folder has outputs, but none could be charted; nothing was written.
    #[error("{}: nothing to chart: {}", dir.display(), notes.join("; "))]
    NothingCharted {
        /// The folder.
        dir: PathBuf,
        /// Why each file could not be charted.
        notes: Vec<String>,
    },
    /// A chart could not be drawn or encoded.
    #[error("cannot draw {chart}: {message}")]
    Draw {
        /// The chart's file stem.
        chart: String,
        /// The drawing library's error.
        message: String,
    },
    /// An output file could not be read, or the plots folder could not be written.
    #[error(transparent)]
    Output(#[from] OutputError),
}

/// What [`write_plots`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct PlotReport {
    /// The `plots/` folder.
    pub dir: PathBuf,
    /// File stems of the charts, each written as `<stem>.svg` and `<stem>.png`.
    pub charts: Vec<String>,
    /// Charts that could not be made from files present, and why.
    pub notes: Vec<String>,
}

/// One chart, drawn the same way on the SVG and the PNG backend.
#[derive(Debug)]
enum Chart {
    Fan(fan::FanChart),
    Project(projects::ProjectChart),
    Energy(energy::EnergyChart),
    Compare(compare::CompareChart),
    CompareSeries(compare_series::CompareSeriesChart),
    Tornado(sweep::Tornado),
    Morris(sweep::Morris),
}

impl Chart {
    fn file_stem(&self) -> String {
        match self {
            Chart::Fan(chart) => chart.file_stem(),
            Chart::Project(chart) => chart.file_stem().to_string(),
            Chart::Energy(_) => "energy_per_year".to_string(),
            Chart::Compare(_) => "compare".to_string(),
            Chart::CompareSeries(chart) => chart.file_stem(),
            Chart::Tornado(chart) => chart.file_stem(),
            Chart::Morris(chart) => chart.file_stem(),
        }
    }

    /// Pixels; charts with one row per item grow with the items.
    fn size(&self) -> (u32, u32) {
        let height = match self {
            Chart::Project(chart) => chart.height(),
            Chart::Compare(chart) => chart.height(),
            Chart::Tornado(chart) => chart.height(),
            Chart::Fan(_) | Chart::Energy(_) | Chart::Morris(_) | Chart::CompareSeries(_) => {
                canvas::HEIGHT
            }
        };
        (canvas::WIDTH, height)
    }

    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> canvas::Drawn<DB> {
        match self {
            Chart::Fan(chart) => chart.draw(root),
            Chart::Project(chart) => chart.draw(root),
            Chart::Energy(chart) => chart.draw(root),
            Chart::Compare(chart) => chart.draw(root),
            Chart::CompareSeries(chart) => chart.draw(root),
            Chart::Tornado(chart) => chart.draw(root),
            Chart::Morris(chart) => chart.draw(root),
        }
    }

    fn draw_error(&self, message: String) -> PlotError {
        PlotError::Draw {
            chart: self.file_stem(),
            message,
        }
    }

    /// The chart as SVG text.
    fn svg(&self) -> Result<String, PlotError> {
        let mut svg = String::new();
        {
            let root = SVGBackend::with_string(&mut svg, self.size()).into_drawing_area();
            self.draw(&root)
                .and_then(|()| root.present())
                .map_err(|error| self.draw_error(error.to_string()))?;
        }
        Ok(svg)
    }

    /// The chart as SVG text and PNG bytes.
    fn render(&self) -> Result<(String, Vec<u8>), PlotError> {
        let draw_error = |message: String| self.draw_error(message);
        let svg = self.svg()?;
        let (width, height) = self.size();
        let mut pixels = vec![0_u8; width as usize * height as usize * 3];
        {
            let root = BitMapBackend::with_buffer(&mut pixels, (width, height)).into_drawing_area();
            self.draw(&root)
                .and_then(|()| root.present())
                .map_err(|error| draw_error(error.to_string()))?;
        }
        let mut png_bytes = Vec::new();
        let mut encoder = png::Encoder::new(&mut png_bytes, width, height);
        encoder.set_color(png::ColorType::Rgb);
        encoder.set_depth(png::BitDepth::Eight);
        encoder
            .write_header()
            .and_then(|mut writer| writer.write_image_data(&pixels))
            .map_err(|error| draw_error(error.to_string()))?;
        Ok((svg, png_bytes))
    }
}

/// A metric name as a file-name part: ASCII letters, digits and `_` only.
fn file_safe(name: &str) -> String {
    name.chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect()
}

/// Everything the files in `dir` can be charted as, and notes on what could not.
fn charts_of(dir: &Path) -> Result<(Vec<Chart>, Vec<String>), PlotError> {
    let info = data::RunInfo::read(dir)?;
    let [summary, timeseries, project_table, compare_table, compare_series_table, sensitivity] =
        CHARTED_FILES.map(|file| CsvTable::read_if_present(dir, file));
    let (summary, timeseries, project_table) = (summary?, timeseries?, project_table?);
    let (compare_table, compare_series_table) = (compare_table?, compare_series_table?);
    let sensitivity = sensitivity?;

    let summary_rows = summary.as_ref().map(data::summary_rows).transpose()?;
    // Without a manifest, the caption falls back to the folder's name and the
    // summary's replication count.
    let caption = match &info {
        Some(info) => info.caption.clone(),
        None => {
            let folder = dir
                .canonicalize()
                .ok()
                .and_then(|path| Some(path.file_name()?.to_string_lossy().into_owned()))
                .unwrap_or_default();
            match &summary_rows {
                Some(rows) => {
                    let replications = rows.iter().map(|row| row.n).fold(0.0, f64::max);
                    format!("{folder} · {replications} replications")
                }
                None => folder,
            }
        }
    };

    let mut charts = Vec::new();
    let mut notes = Vec::new();
    // The horizon's last day, and where its edge (orders missing) starts.
    let points = timeseries.as_ref().map(data::series_points).transpose()?;
    let horizon = (points.iter().flatten()).map(|point| point.end).max();
    let edge = (info.as_ref().and_then(|info| info.config_hash.as_deref()))
        .zip(horizon)
        .and_then(|(hash, end)| horizon::edge_start(hash, end));
    if let Some(points) = &points {
        charts.extend(
            fan::fan_charts(points, &caption, edge)
                .into_iter()
                .map(Chart::Fan),
        );
    }
    if let Some(table) = &project_table {
        let rows = data::project_rows(table)?;
        if rows.is_empty() {
            notes.push(format!(
                "{}: no project group to chart",
                table.path().display()
            ));
        } else {
            charts.extend(
                (projects::project_charts(&rows, &caption).into_iter()).map(Chart::Project),
            );
        }
    }
    if let Some(rows) = &summary_rows {
        match energy::energy_chart(rows, &caption) {
            Some(chart) => charts.push(Chart::Energy(chart)),
            None => notes.push(format!(
                "{}: no energy_twh_YYYY rows, so no energy chart",
                dir.join(SUMMARY_FILE).display()
            )),
        }
    }
    if let Some(table) = &compare_table {
        let rows = data::compare_rows(table)?;
        let scenario = info.as_ref().map(|info| info.scenario.as_str());
        charts.push(Chart::Compare(compare::compare_chart(&rows, scenario)));
    }
    if let Some(table) = &compare_series_table {
        let file = data::series_comparison(table)?;
        let scenario = info.as_ref().map(|info| info.scenario.as_str());
        charts.extend(
            (compare_series::compare_series_charts(&file, scenario, edge).into_iter())
                .map(Chart::CompareSeries),
        );
    }
    if let Some(table) = &sensitivity {
        let sweep = sweep::sweep_charts(table, &caption)?;
        charts.extend(sweep.tornadoes.into_iter().map(Chart::Tornado));
        charts.extend(sweep.morris.into_iter().map(Chart::Morris));
        notes.extend(sweep.notes);
    }
    Ok((charts, notes))
}

/// Charts as SVG text, for a page that inlines them (`chipsim report`).
#[derive(Debug, Clone, PartialEq)]
pub struct SvgCharts {
    /// `(file stem, SVG text)`, in the order [`write_plots`] writes them.
    pub charts: Vec<(String, String)>,
    /// What could not be charted, and why.
    pub notes: Vec<String>,
}

/// Every chart the outputs in `dir` support, as SVG text.
pub fn svg_charts(dir: &Path) -> Result<SvgCharts, PlotError> {
    canvas::register_font().map_err(|message| PlotError::Draw {
        chart: "any chart".into(),
        message,
    })?;
    let (charts, notes) = charts_of(dir)?;
    let charts = (charts.iter())
        .map(|chart| Ok((chart.file_stem(), chart.svg()?)))
        .collect::<Result<_, PlotError>>()?;
    Ok(SvgCharts { charts, notes })
}

/// The index of the plots folder, which also marks it as chipsim's for [`Staging`]: a
/// new `plots/` replaces the charts listed here and keeps any other file.
#[derive(Debug, serde::Serialize)]
struct PlotsManifest<'a> {
    chipsim_version: &'a str,
    kind: &'a str,
    charts: Vec<String>,
    notes: &'a [String],
}

/// Draws every chart the outputs in `out_dir` support into `out_dir/plots/`, replacing
/// a previous `plots/` folder only when all of them were written. Fails, writing
/// nothing, when the folder holds no chipsim outputs.
pub fn write_plots(out_dir: &Path) -> Result<PlotReport, PlotError> {
    canvas::register_font().map_err(|message| PlotError::Draw {
        chart: "any chart".into(),
        message,
    })?;
    let (charts, notes) = charts_of(out_dir)?;
    if charts.is_empty() {
        let dir = out_dir.to_path_buf();
        return Err(if notes.is_empty() {
            PlotError::NoOutputs { dir }
        } else {
            PlotError::NothingCharted { dir, notes }
        });
    }
    let target = out_dir.join(PLOTS_DIR);
    check_output_folder(&target, FolderKind::Plots, std::iter::empty::<&Path>())?;
    let staging = Staging::create(&target)?;
    let mut stems = Vec::with_capacity(charts.len());
    for chart in &charts {
        let stem = chart.file_stem();
        let (svg, png) = chart.render()?;
        for (extension, bytes) in CHART_EXTENSIONS.iter().zip([svg.as_bytes(), &png]) {
            let path = staging.path().join(format!("{stem}.{extension}"));
            std::fs::write(&path, bytes)
                .map_err(|error| OutputError::io("cannot write", &path, error))?;
        }
        stems.push(stem);
    }
    let manifest = PlotsManifest {
        chipsim_version: env!("CARGO_PKG_VERSION"),
        kind: FolderKind::Plots.label(),
        charts: stems.clone(),
        notes: &notes,
    };
    write_manifest(staging.path(), &manifest)?;
    staging.commit()?;
    Ok(PlotReport {
        dir: target,
        charts: stems,
        notes,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_names_are_plain() {
        assert_eq!(file_safe("energy_twh"), "energy_twh");
        assert_eq!(file_safe("a/b c"), "a_b_c");
        assert_eq!(file_safe("über"), "_ber");
    }
}
