//! `report.html`: one self-contained page of everything an output folder holds, for
//! reading in a browser, sending by mail or printing. Charts are inlined as SVG, the
//! style sheet is in the page, and nothing is fetched: no script, no font, no image
//! file, no link outside the page.
//!
//! In order: the scenario's question and description ([`super::source`]), the
//! headline metrics with their 95 % CIs, the time-series charts, electricity per year
//! and per region, the projects and the causes of their delays, a comparison
//! (`compare.csv`, `compare_timeseries.csv`) or a sweep (`sensitivity.csv`) when the
//! folder holds one, every metric, and the manifest (version, seed, config hash).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::glossary;
use crate::output::contract::{CHARTS_FIELD, REPORT_FILE};
use crate::output::{
    seed_text, write_file_atomically, CsvTable, OutputError, COMPARE_FILE, MANIFEST_FILE,
    PROJECTS_FILE, SENSITIVITY_FILE, SUMMARY_FILE,
};
use crate::plot::data::{compare_rows, project_rows, summary_rows, CompareRow, SummaryRow};
use crate::plot::{svg_charts, PlotError};
use crate::replication::DelayCause;

use super::source::{find_scenario, ScenarioText, SourceError};
use super::{biggest_changes, interval, readable, signed, Change};

/// The first line of every report: what marks a `report.html` as chipsim's, so that a
/// new report replaces it and nothing else.
const MARK: &str = "<!DOCTYPE html>\n<!-- chipsim report -->\n";

/// Rows of a generic table (a sweep's sensitivity) shown at most.
const MAX_ROWS: usize = 200;

/// The report could not be written.
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    /// The folder holds no chipsim outputs.
    #[error(
        "{} holds no chipsim outputs to report (no manifest.json); give the folder a run, \
         a merge or a sweep wrote, e.g. outputs/baseline",
        dir.display()
    )]
    NoOutputs {
        /// The folder.
        dir: PathBuf,
    },
    /// An output file could not be read, or the report written.
    #[error(transparent)]
    Output(#[from] OutputError),
    /// A chart could not be drawn.
    #[error(transparent)]
    Plot(#[from] PlotError),
    /// The scenario file given is not the run's.
    #[error(transparent)]
    Source(#[from] SourceError),
}

/// What [`write_report`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportOutcome {
    /// The page.
    pub path: PathBuf,
    /// Charts inlined.
    pub charts: usize,
    /// Where the scenario's text was found, if it was.
    pub scenario_source: Option<String>,
    /// What could not be shown, and why.
    pub notes: Vec<String>,
}

/// Text for HTML: `&`, `<`, `>` and `"` escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A table: `header` cells, then rows; columns marked in `numeric` align right.
fn table(out: &mut String, header: &[&str], numeric: &[bool], rows: &[Vec<String>]) {
    let row = |out: &mut String, tag: &str, cells: &mut dyn Iterator<Item = &str>| {
        out.push_str("<tr>");
        for (index, cell) in cells.enumerate() {
            let class = if numeric.get(index) == Some(&true) {
                " class=\"num\""
            } else {
                ""
            };
            let _ = write!(out, "<{tag}{class}>{}</{tag}>", escape(cell));
        }
        out.push_str("</tr>\n");
    };
    out.push_str("<div class=\"scroll\"><table>\n<thead>");
    row(out, "th", &mut header.iter().copied());
    out.push_str("</thead>\n<tbody>\n");
    for cells in rows {
        row(out, "td", &mut cells.iter().map(String::as_str));
    }
    out.push_str("</tbody></table></div>\n");
}

/// The charts, by file stem, each used once.
struct Charts {
    svgs: Vec<(String, String)>,
    used: usize,
}

impl Charts {
    /// Appends every chart whose stem `matches`, each in a figure with `caption(stem)`.
    fn place(
        &mut self,
        out: &mut String,
        matches: impl Fn(&str) -> bool,
        caption: impl Fn(&str) -> Option<String>,
    ) {
        for (stem, svg) in &self.svgs {
            if !matches(stem) {
                continue;
            }
            self.used += 1;
            let _ = write!(
                out,
                "<figure id=\"chart-{}\"><div class=\"chart\">{}</div>",
                escape(stem),
                svg.trim_start_matches(|c| c != '<')
            );
            if let Some(text) = caption(stem) {
                let _ = write!(out, "<figcaption>{}</figcaption>", escape(&text));
            }
            out.push_str("</figure>\n");
        }
    }
}

const STYLE: &str = "
body { font-family: system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif;
       color: #212121; background: #fff; margin: 0 auto; max-width: 1240px; padding: 1.5rem; line-height: 1.45; }
h1 { font-size: 1.9rem; margin-bottom: .2rem; }
h2 { font-size: 1.35rem; margin-top: 2.2rem; border-bottom: 1px solid #ddd; padding-bottom: .2rem; }
.meta, figcaption, .note { color: #666; font-size: .9rem; }
.question { font-size: 1.1rem; background: #f4f8fb; border-left: 4px solid #1f77b4; padding: .6rem 1rem; }
table { border-collapse: collapse; margin: .6rem 0 1rem; font-size: .92rem; }
th, td { padding: .25rem .7rem; border-bottom: 1px solid #e6e6e6; text-align: left; vertical-align: top; }
th { background: #f6f6f6; }
.num { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
.scroll { overflow-x: auto; }
figure { margin: 1rem 0 1.6rem; }
.chart svg { width: 100%; height: auto; max-width: 1200px; display: block; }
dl { display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; }
dt { color: #666; } dd { margin: 0; font-family: ui-monospace, monospace; word-break: break-all; }
@media print { .chart svg { max-width: 100%; } h2 { break-after: avoid; } figure { break-inside: avoid; } }
";

/// Writes `dir/report.html` from the outputs in `dir`; `config` is the scenario file
/// (found by its hash when `None`).
pub fn write_report(dir: &Path, config: Option<&Path>) -> Result<ReportOutcome, ReportError> {
    let manifest_path = dir.join(MANIFEST_FILE);
    let Ok(manifest_text) = std::fs::read_to_string(&manifest_path) else {
        return Err(ReportError::NoOutputs {
            dir: dir.to_path_buf(),
        });
    };
    let manifest: serde_json::Value = serde_json::from_str(&manifest_text)
        .map_err(|error| OutputError::format(&manifest_path, error.to_string()))?;
    if manifest.get(CHARTS_FIELD).is_some() {
        return Err(ReportError::NoOutputs {
            dir: dir.to_path_buf(),
        });
    }
    let hash = manifest["config_hash"].as_str().unwrap_or_default();
    let scenario = find_scenario(hash, config)?;
    let (svgs, mut notes) = match svg_charts(dir) {
        Ok(svg) => (svg.charts, svg.notes),
        Err(PlotError::NoOutputs { .. } | PlotError::NothingCharted { .. }) => {
            (Vec::new(), Vec::new())
        }
        Err(error) => return Err(error.into()),
    };
    if scenario.is_none() {
        notes.push(format!(
            "The scenario file was not found by its hash ({hash}): run `chipsim report` from \
             the folder holding configs/, or give the file with --config, to show its \
             question and description."
        ));
    }
    let mut charts = Charts { svgs, used: 0 };
    let page = page(dir, &manifest, scenario.as_ref(), &mut charts, &notes)?;
    let path = dir.join(REPORT_FILE);
    if let Ok(existing) = std::fs::read(&path) {
        if !existing.starts_with(MARK.as_bytes()) {
            return Err(OutputError::NotOurs {
                path,
                what: REPORT_FILE,
            }
            .into());
        }
    }
    write_file_atomically(&path, page.as_bytes())?;
    Ok(ReportOutcome {
        path,
        charts: charts.used,
        scenario_source: scenario.map(|s| s.source),
        notes,
    })
}

/// What a series chart shows, from the glossary.
fn series_caption(metric: &str) -> Option<String> {
    let term = (glossary::series_terms(crate::model::ScopeKind::World).into_iter())
        .find(|term| term.name == metric)?;
    Some(format!(
        "{}: {} Band: 5th to 95th percentile across replications; line: median.",
        term.label_with_unit(),
        term.definition
    ))
}

fn page(
    dir: &Path,
    manifest: &serde_json::Value,
    scenario: Option<&ScenarioText>,
    charts: &mut Charts,
    notes: &[String],
) -> Result<String, ReportError> {
    let name = manifest["scenario"].as_str().unwrap_or("chipsim run");
    let mut out = String::from(MARK);
    let _ = write!(
        out,
        "<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} · chipsim report</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header><h1>{}</h1>\n<p class=\"meta\">chipsim report · {}</p></header>\n",
        escape(name),
        escape(name),
        escape(&run_line(manifest))
    );
    if let Some(scenario) = scenario {
        if let Some(question) = &scenario.question {
            let _ = writeln!(
                out,
                "<p class=\"question\"><strong>The question:</strong> {}</p>",
                escape(question)
            );
        }
        if let Some(description) = &scenario.description {
            let _ = writeln!(out, "<p>{}</p>", escape(description));
        }
    }

    let summary = CsvTable::read_if_present(dir, SUMMARY_FILE)?;
    let summary = summary.as_ref().map(summary_rows).transpose()?;
    if let Some(rows) = &summary {
        headline_section(&mut out, rows);
    }
    if charts.svgs.iter().any(|(stem, _)| stem.starts_with("fan_")) {
        out.push_str("<h2 id=\"over-time\">Over time</h2>\n");
        charts.place(
            &mut out,
            |stem| stem.starts_with("fan_"),
            |stem| series_caption(stem.trim_start_matches("fan_")),
        );
    }
    if let Some(rows) = &summary {
        energy_section(&mut out, rows, charts);
    }
    if let Some(table) = CsvTable::read_if_present(dir, PROJECTS_FILE)? {
        projects_section(&mut out, &table, charts)?;
    }
    if let Some(table) = CsvTable::read_if_present(dir, COMPARE_FILE)? {
        compare_section(&mut out, &compare_rows(&table)?, charts);
    }
    if let Some(table) = CsvTable::read_if_present(dir, SENSITIVITY_FILE)? {
        sweep_section(&mut out, &table, charts);
    }
    if let Some(rows) = &summary {
        out.push_str("<h2 id=\"all-metrics\">Every metric</h2>\n<details><summary>Mean, 95 % CI and the range of 90 % of replications of every metric (summary.csv)</summary>\n");
        metric_table(&mut out, rows.iter().collect());
        out.push_str("</details>\n");
    }
    manifest_section(&mut out, manifest, scenario);
    if !notes.is_empty() {
        out.push_str("<h2 id=\"notes\">Notes</h2>\n<ul class=\"note\">\n");
        for note in notes {
            let _ = writeln!(out, "<li>{}</li>", escape(note));
        }
        out.push_str("</ul>\n");
    }
    out.push_str(
        "<footer class=\"note\"><p>Written by <code>chipsim report</code> from the files of \
         this folder. Definitions of every metric: <code>chipsim metrics</code>.</p></footer>\n\
         </body>\n</html>\n",
    );
    Ok(out)
}

/// `100 replications · seed 0x… · complete`.
fn run_line(manifest: &serde_json::Value) -> String {
    let mut parts = Vec::new();
    if let Some(completed) = manifest["replications"]["completed"].as_u64() {
        parts.push(format!("{completed} replications"));
    }
    if let (Some(points), Some(per_point)) = (
        manifest["points"].as_u64(),
        manifest["replications_per_point"].as_u64(),
    ) {
        parts.push(format!(
            "sweep of {points} points × {per_point} replications"
        ));
    }
    if let Some(seed) = manifest["seed"].as_u64() {
        parts.push(format!("seed {}", seed_text(seed)));
    }
    if let Some(status) = manifest["status"].as_str() {
        parts.push(status.to_string());
    }
    parts.join(" · ")
}

fn metric_table(out: &mut String, rows: Vec<&SummaryRow>) {
    let cells: Vec<Vec<String>> = (rows.into_iter())
        .map(|row| {
            vec![
                glossary::scalar_label(&row.metric),
                row.unit.clone(),
                readable(row.mean),
                interval(row.ci95_low, row.ci95_high),
                interval(row.p5, row.p95),
                row.metric.clone(),
            ]
        })
        .collect();
    table(
        out,
        &[
            "metric",
            "unit",
            "mean",
            "95 % CI of the mean",
            "90 % of replications (P5–P95)",
            "name in the files",
        ],
        &[false, false, true, true, true, false],
        &cells,
    );
}

fn headline_section(out: &mut String, rows: &[SummaryRow]) {
    let headline: Vec<&SummaryRow> = (rows.iter())
        .filter(|row| glossary::scalar(&row.metric).is_some_and(|term| term.headline))
        .collect();
    if headline.is_empty() {
        return;
    }
    out.push_str(
        "<h2 id=\"headline\">Headline metrics</h2>\n<p class=\"note\">Means over \
         replications with their 95 % confidence intervals (Student t), and the range that \
         holds 90 % of the replications.</p>\n",
    );
    metric_table(out, headline);
}

/// Electricity per year, and every per-region family as a table: one row per region,
/// one column per metric (`energy_twh_2027.us_east` → row `us_east`, column
/// `Electricity 2027`).
fn energy_section(out: &mut String, rows: &[SummaryRow], charts: &mut Charts) {
    let regional: Vec<(&str, &str, &SummaryRow)> = (rows.iter())
        .filter_map(|row| {
            let (base, region) = row.metric.split_once('.')?;
            Some((base, region, row))
        })
        .collect();
    let has_chart = charts
        .svgs
        .iter()
        .any(|(stem, _)| stem == "energy_per_year");
    if regional.is_empty() && !has_chart {
        return;
    }
    out.push_str("<h2 id=\"electricity\">Electricity, per year and per region</h2>\n");
    charts.place(
        out,
        |stem| stem == "energy_per_year",
        |_| Some("Electricity drawn by live AI accelerators per calendar year (TWh), mean with its 95 % CI, beside published estimates.".into()),
    );
    if regional.is_empty() {
        return;
    }
    let mut columns: Vec<&str> = Vec::new();
    let mut by_region: BTreeMap<&str, BTreeMap<&str, f64>> = BTreeMap::new();
    for (base, region, row) in &regional {
        if !columns.contains(base) {
            columns.push(base);
        }
        by_region.entry(region).or_default().insert(base, row.mean);
    }
    let unit = regional[0].2.unit.clone();
    let labels: Vec<String> = columns.iter().map(|c| glossary::scalar_label(c)).collect();
    let mut header = vec!["region"];
    header.extend(labels.iter().map(String::as_str));
    let numeric: Vec<bool> = (0..header.len()).map(|index| index > 0).collect();
    let cells: Vec<Vec<String>> = (by_region.iter())
        .map(|(region, values)| {
            let mut row = vec![region.to_string()];
            row.extend(
                (columns.iter()).map(|c| values.get(c).map_or_else(String::new, |v| readable(*v))),
            );
            row
        })
        .collect();
    let _ = writeln!(
        out,
        "<p class=\"note\">Per region: means over replications, in {} (CIs in summary.csv).</p>",
        escape(&unit)
    );
    table(out, &header, &numeric, &cells);
}

fn projects_section(
    out: &mut String,
    table_file: &CsvTable,
    charts: &mut Charts,
) -> Result<(), ReportError> {
    let rows = project_rows(table_file)?;
    if rows.is_empty() {
        return Ok(());
    }
    out.push_str(
        "<h2 id=\"projects\">Projects: go-live delays</h2>\n<p class=\"note\">One row per \
         listed project or demand group (<code>demand/year</code>). A project's delay is the \
         days from its planned go-live to the day it went live (0 when on time); the cause \
         is the constraint satisfied last.</p>\n",
    );
    charts.place(out, |stem| stem == "project_delays", |_| None);
    let cells: Vec<Vec<String>> = (rows.iter())
        .map(|row| {
            let main = (row.shares.iter())
                .filter(|(_, share)| share.is_finite())
                .max_by(|a, b| a.1.total_cmp(&b.1))
                .map_or_else(String::new, |(label, share)| {
                    let words = glossary::cause_of_label(label).map_or_else(
                        || label.clone(),
                        |cause| glossary::cause_label(cause).into(),
                    );
                    format!("{words} ({:.0} %)", 100.0 * share)
                });
            vec![
                row.project.clone(),
                row.region.clone(),
                row.planned_go_live.clone(),
                readable(row.per_replication),
                readable(row.delay_mean),
                readable(row.delay_p50),
                readable(row.delay_p95),
                main,
            ]
        })
        .collect();
    table(
        out,
        &[
            "project",
            "region",
            "planned go-live",
            "projects per replication",
            "mean delay (days)",
            "median delay (days)",
            "95th percentile (days)",
            "most frequent outcome",
        ],
        &[false, false, false, true, true, true, true, false],
        &cells,
    );
    out.push_str("<h2 id=\"delay-causes\">Why projects are late</h2>\n");
    charts.place(out, |stem| stem == "delay_causes", |_| None);
    let causes: Vec<Vec<String>> = (DelayCause::ALL.iter())
        .map(|&cause| {
            vec![
                glossary::cause_label(cause).to_string(),
                glossary::cause_definition(cause).to_string(),
            ]
        })
        .collect();
    table(out, &["outcome", "meaning"], &[false, false], &causes);
    Ok(())
}

fn compare_section(out: &mut String, rows: &[CompareRow], charts: &mut Charts) {
    let paired = rows.iter().map(|row| row.n).fold(0.0, f64::max);
    let _ = writeln!(
        out,
        "<h2 id=\"comparison\">Compared with the base run</h2>\n<p class=\"note\">Other − \
         base, paired by replication ({paired} pairs, common random numbers). Listed: the \
         changes whose 95 % CI excludes 0, biggest relative to the base first.</p>"
    );
    let change = |row: &CompareRow| Change {
        base_mean: row.base_mean,
        diff_mean: row.diff_mean,
        ci95: (row.ci95_low, row.ci95_high),
    };
    let biggest = biggest_changes(rows, change, usize::MAX);
    if biggest.is_empty() {
        out.push_str(
            "<p>No metric changed beyond what the replications can tell from noise.</p>\n",
        );
    } else {
        let cells: Vec<Vec<String>> = (biggest.into_iter())
            .map(|row| {
                vec![
                    glossary::scalar_label(&row.metric),
                    glossary::scalar(&row.metric).map_or_else(String::new, |t| t.unit.into()),
                    readable(row.base_mean),
                    readable(row.base_mean + row.diff_mean),
                    signed(row.diff_mean),
                    interval(row.ci95_low, row.ci95_high),
                    change(row).relative_text(),
                ]
            })
            .collect();
        table(
            out,
            &[
                "metric", "unit", "base", "other", "change", "95 % CI", "relative",
            ],
            &[false, false, true, true, true, true, true],
            &cells,
        );
    }
    charts.place(out, |stem| stem == "compare", |_| None);
    charts.place(
        out,
        |stem| stem.starts_with("compare_"),
        |_| Some("Mean paired difference per period (line) with its 95 % confidence band; the black line is no change.".into()),
    );
}

fn sweep_section(out: &mut String, sensitivity: &CsvTable, charts: &mut Charts) {
    out.push_str(
        "<h2 id=\"sweep\">Sensitivity</h2>\n<p class=\"note\">How much each swept \
         parameter moves each analysed metric (sensitivity.csv).</p>\n",
    );
    charts.place(
        out,
        |stem| stem.starts_with("tornado_") || stem.starts_with("morris_"),
        |_| None,
    );
    let header: Vec<&str> = sensitivity.header().iter().map(String::as_str).collect();
    let shown = sensitivity.len().min(MAX_ROWS);
    let cells: Vec<Vec<String>> = (0..shown)
        .map(|row| {
            (0..header.len())
                .map(|column| {
                    let text = sensitivity.text(row, column);
                    match text.parse::<f64>() {
                        Ok(value) if header[column] != "rank" => readable(value),
                        _ => text.to_string(),
                    }
                })
                .collect()
        })
        .collect();
    let numeric: Vec<bool> = (0..header.len())
        .map(|column| (0..shown).any(|row| sensitivity.text(row, column).parse::<f64>().is_ok()))
        .collect();
    table(out, &header, &numeric, &cells);
    if sensitivity.len() > shown {
        let _ = writeln!(
            out,
            "<p class=\"note\">The first {shown} of {} rows; all are in sensitivity.csv.</p>",
            sensitivity.len()
        );
    }
}

fn manifest_section(
    out: &mut String,
    manifest: &serde_json::Value,
    scenario: Option<&ScenarioText>,
) {
    out.push_str("<h2 id=\"manifest\">The run</h2>\n<dl>\n");
    let mut item = |key: &str, value: String| {
        let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", escape(key), escape(&value));
    };
    let text = |value: &serde_json::Value| match value {
        serde_json::Value::String(text) => Some(text.clone()),
        serde_json::Value::Number(number) => Some(number.to_string()),
        _ => None,
    };
    for (key, label) in [
        ("chipsim_version", "chipsim version"),
        ("kind", "kind"),
        ("scenario", "scenario"),
        ("config_hash", "config hash (SHA-256 of the scenario file)"),
    ] {
        if let Some(value) = text(&manifest[key]) {
            item(label, value);
        }
    }
    if let Some(seed) = manifest["seed"].as_u64() {
        item("base seed", format!("{} ({seed})", seed_text(seed)));
    }
    for (value, label) in [
        (&manifest["replications"]["completed"], "replications"),
        (&manifest["points"], "design points"),
        (
            &manifest["replications_per_point"],
            "replications per point",
        ),
        (&manifest["status"], "status"),
        (&manifest["stop_rule"], "stopped by"),
        (&manifest["execution"]["finished_utc"], "finished (UTC)"),
    ] {
        if let Some(value) = text(value) {
            item(label, value);
        }
    }
    if let Some(scenario) = scenario {
        item("scenario file", scenario.source.clone());
    }
    out.push_str("</dl>\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_tables_align_numbers_right() {
        assert_eq!(escape("a<b & \"c\">"), "a&lt;b &amp; &quot;c&quot;&gt;");
        let mut out = String::new();
        table(
            &mut out,
            &["name", "value"],
            &[false, true],
            &[vec!["<x>".into(), "1".into()]],
        );
        assert!(out.contains("<th class=\"num\">value</th>"));
        assert!(out.contains("<td>&lt;x&gt;</td><td class=\"num\">1</td>"));
    }
}
