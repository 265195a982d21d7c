//! Charts and the workbook, end to end through the binary: `run --plots --xlsx` on the
//! golden scenario writes SVGs that parse and name their series, PNGs of the size the
//! SVGs declare, and a workbook holding the CSV numbers; compare and sweep files are
//! charted when present; a folder without outputs is refused with nothing written.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use calamine::{open_workbook, Data, Reader, Xlsx};
use chrono::NaiveDate;

pub(crate) const GOLDEN: &str = include_str!("../scenarios/golden.toml");

pub(crate) fn chipsim<I, S>(args: I) -> std::process::Output
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    std::process::Command::new(env!("CARGO_BIN_EXE_chipsim"))
        .args(args)
        .output()
        .expect("run the chipsim binary")
}

/// Runs `scenario_text` with `extra` flags into `root/<folder>`; panics on failure.
pub(crate) fn run(root: &Path, scenario_text: &str, folder: &str, extra: &[&str]) -> PathBuf {
    let config = root.join(format!("{folder}.toml"));
    fs::write(&config, scenario_text).expect("write scenario");
    let out = root.join(folder);
    let mut args: Vec<&OsStr> = vec![
        "run".as_ref(),
        config.as_os_str(),
        "--reps".as_ref(),
        "6".as_ref(),
        "--quiet".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ];
    args.extend(extra.iter().map(OsStr::new));
    let output = chipsim(&args);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

/// The text of every `<text>` element of an SVG, which must parse as XML, and the
/// width and height it declares.
fn svg_texts(path: &Path) -> (Vec<String>, (u32, u32)) {
    let source = fs::read_to_string(path).expect("read svg");
    let document = roxmltree::Document::parse(&source)
        .unwrap_or_else(|error| panic!("{} is not XML: {error}", path.display()));
    let root = document.root_element();
    assert_eq!(root.tag_name().name(), "svg");
    let size = |name| -> u32 {
        root.attribute(name)
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("{} has no {name}", path.display()))
    };
    let texts = (document.descendants())
        .filter(|node| node.has_tag_name("text"))
        .map(|node| node.text().unwrap_or_default().trim().to_string())
        .collect();
    (texts, (size("width"), size("height")))
}

/// A text's box in the SVG's pixels: left, top, right, bottom.
type LabelBox = (f64, f64, f64, f64);

/// The box of every `<text>` of an SVG, estimated from its position, anchor, baseline
/// shift, font size and rotation, with the text: DejaVu Sans averages about 0.55 em a
/// character, so a box is 0.5 em a character wide (a touch narrow, so that only real
/// collisions count) and 0.9 em high.
fn label_boxes(path: &Path) -> Vec<(String, LabelBox)> {
    let source = fs::read_to_string(path).expect("read svg");
    let document = roxmltree::Document::parse(&source).expect("an SVG is XML");
    let number = |node: &roxmltree::Node, name: &str| -> f64 {
        (node.attribute(name))
            .and_then(|value| value.parse().ok())
            .unwrap_or(0.0)
    };
    (document.descendants())
        .filter(|node| node.has_tag_name("text"))
        .filter_map(|node| {
            let text = node.text().unwrap_or_default().trim().to_string();
            if text.is_empty() {
                return None;
            }
            let (x, y, size) = (
                number(&node, "x"),
                number(&node, "y"),
                number(&node, "font-size"),
            );
            let (width, height) = (0.5 * size * text.chars().count() as f64, 0.9 * size);
            // Along the text: where the anchor puts it.
            let along = match node.attribute("text-anchor") {
                Some("middle") => -width / 2.0,
                Some("end") => -width,
                _ => 0.0,
            };
            // Across: `dy` 0.76em hangs it below y, 0.5ex centres it, -0.5ex sits on y.
            let across = match node.attribute("dy") {
                Some(dy) if dy.starts_with("0.76") => 0.0,
                Some(dy) if dy.starts_with("0.5ex") => -height / 2.0,
                Some(dy) if dy.starts_with("-0.5ex") => -height,
                _ => -0.8 * height,
            };
            let rotated = node
                .attribute("transform")
                .is_some_and(|t| t.starts_with("rotate(270"));
            let bounds = if rotated {
                // Turned a quarter left around (x, y): the text runs upwards.
                (
                    x + across,
                    y - along - width,
                    x + across + height,
                    y - along,
                )
            } else {
                (
                    x + along,
                    y + across,
                    x + along + width,
                    y + across + height,
                )
            };
            Some((text, bounds))
        })
        .collect()
}

/// Whether two boxes share more than a pixel's edge.
fn overlap(a: LabelBox, b: LabelBox) -> bool {
    let (left, top, right, bottom) = a;
    let (l, t, r, b) = b;
    !(right - 1.0 <= l || r - 1.0 <= left || bottom - 1.0 <= t || b - 1.0 <= top)
}

/// No two labels of any chart in `plots` overlap, and every label is inside its chart.
pub(crate) fn assert_no_overlapping_labels(plots: &Path) {
    for chart in chart_names(plots) {
        let path = plots.join(format!("{chart}.svg"));
        let (_, (width, height)) = svg_texts(&path);
        let boxes = label_boxes(&path);
        for (index, (text, (left, top, right, bottom))) in boxes.iter().enumerate() {
            assert!(
                *left >= -1.0
                    && *top >= -1.0
                    && *right <= f64::from(width) + 1.0
                    && *bottom <= f64::from(height) + 1.0,
                "{chart}: {text:?} leaves the chart: {:?}",
                (left, top, right, bottom)
            );
            for (other, other_box) in &boxes[..index] {
                assert!(
                    !overlap(boxes[index].1, *other_box),
                    "{chart}: {text:?} overlaps {other:?}"
                );
            }
        }
    }
}

#[test]
fn label_boxes_follow_anchor_baseline_and_rotation() {
    let root = tempfile::tempdir().expect("tempdir");
    let path = root.path().join("t.svg");
    fs::write(
        &path,
        r#"<svg width="100" height="100" xmlns="http://www.w3.org/2000/svg">
<text x="50" y="10" dy="0.76em" text-anchor="middle" font-size="10">abcd</text>
<text x="12" y="50" dy="0.76em" text-anchor="middle" font-size="10" transform="rotate(270, 12, 50)">abcd</text>
</svg>"#,
    )
    .expect("write");
    let boxes = label_boxes(&path);
    assert_eq!(boxes[0].1, (40.0, 10.0, 60.0, 19.0));
    assert_eq!(boxes[1].1, (12.0, 40.0, 21.0, 60.0));
    assert!(!overlap(boxes[0].1, boxes[1].1));
    assert!(overlap(boxes[0].1, (55.0, 15.0, 90.0, 30.0)));
    assert!(
        !overlap(boxes[0].1, (60.0, 10.0, 90.0, 19.0)),
        "touching is not overlapping"
    );
}

/// The pixel size of a PNG, which must decode.
fn png_size(path: &Path) -> (u32, u32) {
    let file = fs::File::open(path).expect("open png");
    let mut reader = png::Decoder::new(std::io::BufReader::new(file))
        .read_info()
        .unwrap_or_else(|error| panic!("{} does not decode: {error}", path.display()));
    let mut pixels = vec![0; reader.output_buffer_size().expect("buffer size")];
    let frame = reader.next_frame(&mut pixels).expect("decode png");
    (frame.width, frame.height)
}

fn chart_names(plots: &Path) -> Vec<String> {
    let manifest: serde_json::Value = serde_json::from_str(
        &fs::read_to_string(plots.join("manifest.json")).expect("read plots manifest"),
    )
    .expect("plots manifest is JSON");
    (manifest["charts"].as_array().expect("charts list").iter())
        .map(|name| name.as_str().expect("chart name").to_string())
        .collect()
}

pub(crate) fn folder_names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = (fs::read_dir(dir).expect("list folder"))
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

#[test]
fn run_with_plots_draws_every_chart_as_parseable_svg_and_png() {
    let root = tempfile::tempdir().expect("tempdir");
    let out = run(root.path(), GOLDEN, "golden", &["--plots"]);
    let plots = out.join("plots");
    assert_no_overlapping_labels(&plots);
    let charts = chart_names(&plots);
    for expected in [
        "fan_chips_delivered",
        "fan_backlog",
        "fan_mw_live",
        "fan_energy_twh",
        "project_delays",
        "delay_causes",
        "energy_per_year",
    ] {
        assert!(
            charts.iter().any(|c| c == expected),
            "{expected}: {charts:?}"
        );
    }
    for chart in &charts {
        let (texts, svg_size) = svg_texts(&plots.join(format!("{chart}.svg")));
        assert_eq!(
            png_size(&plots.join(format!("{chart}.png"))),
            svg_size,
            "{chart}: PNG and SVG sizes"
        );
        assert_eq!(svg_size.0, 1200, "{chart}");
        assert!(
            texts.iter().any(|t| t == "golden · 6 replications"),
            "{chart} names the scenario and replications: {texts:?}"
        );
    }
    // A two-year run is labelled by quarter.
    let (fan, size) = svg_texts(&plots.join("fan_chips_delivered.svg"));
    assert_eq!(size, (1200, 720));
    for label in [
        "P50 (median)",
        "P5–P95: 90 % of replications inside",
        "Jan 2025",
        "Jul 2026",
    ] {
        assert!(fan.iter().any(|t| t == label), "{label}: {fan:?}");
    }
    let (delays, _) = svg_texts(&plots.join("project_delays.svg"));
    assert!(
        delays.iter().any(|t| t == "dc"),
        "the project's row: {delays:?}"
    );
    let (causes, _) = svg_texts(&plots.join("delay_causes.svg"));
    for cause in ["on time", "grid connection", "chips", "shipping"] {
        assert!(causes.iter().any(|t| t == cause), "{cause}: {causes:?}");
    }
    // The golden run covers 2025–2026: the IEA 2024 and de Vries 2027 marks are within
    // a year of it, the IEA 2030 projection is not.
    let (energy, _) = svg_texts(&plots.join("energy_per_year.svg"));
    for label in [
        "IEA 2025, all data centres (not only AI)",
        "de Vries 2023, AI servers",
        "415 TWh (2024)",
        "85–134 TWh (2027)",
        "95 % CI of the mean",
    ] {
        assert!(energy.iter().any(|t| t == label), "{label}: {energy:?}");
    }
    assert!(!energy.iter().any(|t| t.contains("945")));

    // Plotting again replaces the charts and leaves no temporary folder behind.
    let output = chipsim(["plot".as_ref(), out.as_os_str()]);
    assert!(output.status.success());
    assert_eq!(chart_names(&plots), charts);
    assert!(
        !folder_names(&out).iter().any(|name| name.starts_with('.')),
        "{:?}",
        folder_names(&out)
    );
}

/// Days since 1899-12-30: the number a spreadsheet stores for a date.
fn excel_serial(date: NaiveDate) -> f64 {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid date");
    date.signed_duration_since(epoch).num_days() as f64
}

#[test]
fn workbook_holds_the_numbers_dates_and_text_of_the_csv_files() {
    let root = tempfile::tempdir().expect("tempdir");
    let out = run(root.path(), GOLDEN, "golden", &["--xlsx"]);
    let mut workbook: Xlsx<_> = open_workbook(out.join("results.xlsx")).expect("open workbook");
    assert_eq!(
        workbook.sheet_names(),
        ["summary", "timeseries", "projects", "replications", "run"]
    );
    for (sheet, file) in [
        ("summary", "summary.csv"),
        ("timeseries", "timeseries.csv"),
        ("projects", "projects.csv"),
        ("replications", "replications.csv"),
    ] {
        let range = workbook.worksheet_range(sheet).expect("sheet");
        let mut reader = csv::Reader::from_path(out.join(file)).expect("read csv");
        let header: Vec<String> = reader
            .headers()
            .expect("header")
            .iter()
            .map(str::to_string)
            .collect();
        let mut rows = range.rows();
        let sheet_header: Vec<String> = (rows.next().expect("header row").iter())
            .map(|cell| cell.to_string())
            .collect();
        assert_eq!(sheet_header, header, "{sheet}");
        let mut count = 0;
        for (record, row) in reader.records().zip(rows) {
            let record = record.expect("csv record");
            count += 1;
            for (column, cell) in record.iter().enumerate() {
                let value = row.get(column).unwrap_or(&Data::Empty);
                let name = &header[column];
                match value {
                    Data::Empty => assert_eq!(cell, "", "{sheet} {name}"),
                    Data::Float(number) => {
                        assert_eq!(cell.parse::<f64>().ok(), Some(*number), "{sheet} {name}")
                    }
                    Data::DateTime(date) => {
                        let parsed: NaiveDate = cell.parse().expect("an ISO date in the CSV");
                        assert_eq!(date.as_f64(), excel_serial(parsed), "{sheet} {name}");
                    }
                    Data::String(text) => {
                        assert_eq!(text, cell, "{sheet} {name}");
                        assert!(
                            cell.parse::<f64>().is_err() || name == "scenario",
                            "{sheet} {name}: the number {cell} was written as text"
                        );
                    }
                    other => panic!("{sheet} {name}: unexpected cell {other:?}"),
                }
            }
        }
        assert_eq!(count + 1, range.height(), "{sheet}: every CSV row");
    }
    let summary = workbook.worksheet_range("summary").expect("summary sheet");
    assert!(
        matches!(summary.get((1, 4)), Some(Data::Float(_))),
        "means are numbers"
    );
    let timeseries = workbook.worksheet_range("timeseries").expect("timeseries");
    assert!(
        matches!(timeseries.get((1, 1)), Some(Data::DateTime(_))),
        "period starts are dates"
    );
}

#[test]
fn compare_output_is_charted_as_paired_differences() {
    let root = tempfile::tempdir().expect("tempdir");
    let base = run(root.path(), GOLDEN, "base", &[]);
    let slower = GOLDEN.replace("transformer_lead_days = 60", "transformer_lead_days = 400");
    assert_ne!(
        slower, GOLDEN,
        "the golden scenario sets transformer_lead_days"
    );
    let other = run(root.path(), &slower, "slower", &[]);
    let output = chipsim(["compare".as_ref(), base.as_os_str(), other.as_os_str()]);
    assert!(output.status.success());
    let output = chipsim(["plot".as_ref(), other.as_os_str()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_no_overlapping_labels(&other.join("plots"));
    let (texts, size) = svg_texts(&other.join("plots/compare.svg"));
    assert_eq!(png_size(&other.join("plots/compare.png")), size);
    assert!(
        texts.iter().any(|t| t == "Project go-live delay (days)"),
        "a later grid connection delays the project, named as the glossary names it: {texts:?}"
    );
    let (texts, _) = svg_texts(&other.join("plots/compare_chips_delivered.svg"));
    assert!(
        texts
            .iter()
            .any(|t| t.starts_with("Chips delivered: change from the base run")),
        "the difference over time: {texts:?}"
    );
    assert!(texts
        .iter()
        .any(|t| t == "golden vs base · 6 paired replications"));
}

/// Two knobs of the golden scenario, swept in the given design.
pub(crate) fn golden_sweep(design: &str) -> String {
    format!(
        r#"{GOLDEN}
[sweep]
{design}
metrics = ["chips_short", "project_delay_mean_days"]

[[sweep.parameters]]
name = "packaging"
path = "packaging.pack.accelerators_per_week"
low = 50
high = 150

[[sweep.parameters]]
path = "lanes.air.capacity_per_departure"
scale = [0.5, 2]
"#
    )
}

/// Runs `chipsim sweep` on `text` (written to `root/<folder>.toml`) with 4
/// replications per point into `root/<folder>`; panics on failure.
pub(crate) fn sweep(root: &Path, text: &str, folder: &str) -> PathBuf {
    let config = root.join(format!("{folder}.toml"));
    fs::write(&config, text).expect("write sweep");
    let out = root.join(folder);
    let output = chipsim([
        "sweep".as_ref(),
        config.as_os_str(),
        "--reps".as_ref(),
        "4".as_ref(),
        "--quiet".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    out
}

/// Runs `chipsim sweep` on `text` into `root/<folder>` and plots it; returns the
/// plots folder and standard error.
fn sweep_and_plot(root: &Path, text: &str, folder: &str) -> (PathBuf, String) {
    let out = sweep(root, text, folder);
    let output = chipsim(["plot".as_ref(), out.as_os_str()]);
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(output.status.success(), "{stderr}");
    (out.join("plots"), stderr)
}

#[test]
fn sweeps_are_charted_as_tornado_and_morris() {
    let root = tempfile::tempdir().expect("tempdir");
    for (design, kind) in [
        ("design = \"one_at_a_time\"", "tornado"),
        ("design = \"morris\"\ntrajectories = 3", "morris"),
    ] {
        let (plots, _) = sweep_and_plot(root.path(), &golden_sweep(design), kind);
        let expected = [
            format!("{kind}_chips_short"),
            format!("{kind}_project_delay_mean_days"),
        ];
        assert_eq!(chart_names(&plots), expected);
        assert_no_overlapping_labels(&plots);
        for chart in expected {
            let (texts, size) = svg_texts(&plots.join(format!("{chart}.svg")));
            assert_eq!(png_size(&plots.join(format!("{chart}.png"))), size);
            let named = |parameter: &str| texts.iter().any(|t| t.starts_with(parameter));
            assert!(
                named("packaging") && named("lanes.air.capacity_per_departure"),
                "{chart}: {texts:?}"
            );
            assert!(
                texts
                    .iter()
                    .any(|t| t.contains("golden sweep") && t.contains("4 replications")),
                "{chart}: {texts:?}"
            );
        }
        if kind == "tornado" {
            let (texts, _) = svg_texts(&plots.join("tornado_chips_short.svg"));
            assert!(
                texts.iter().any(|t| t == "packaging (50 | 150)"),
                "{texts:?}"
            );
            assert!(
                texts
                    .iter()
                    .any(|t| t == "lanes.air.capacity_per_departure (×0.5 | ×2)"),
                "{texts:?}"
            );
        }
    }
}

#[test]
fn sweep_designs_without_a_chart_are_skipped_with_a_note() {
    let root = tempfile::tempdir().expect("tempdir");
    let config = root.path().join("grid.toml");
    fs::write(&config, golden_sweep("design = \"grid\"\nlevels = 2")).expect("write");
    let out = root.path().join("grid");
    let output = chipsim([
        "sweep".as_ref(),
        config.as_os_str(),
        "--reps".as_ref(),
        "2".as_ref(),
        "--quiet".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    assert!(output.status.success());
    let output = chipsim(["plot".as_ref(), out.as_os_str()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("nothing to chart") && stderr.contains("mu_star"),
        "{stderr}"
    );
    assert!(!out.join("plots").exists());

    // Beside a run's outputs, the other charts are still drawn, with the note.
    let run_out = run(root.path(), GOLDEN, "golden", &[]);
    fs::copy(out.join("sensitivity.csv"), run_out.join("sensitivity.csv")).expect("copy");
    let output = chipsim(["plot".as_ref(), run_out.as_os_str()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("note:") && stderr.contains("no sensitivity chart"),
        "{stderr}"
    );
    assert!(chart_names(&run_out.join("plots")).contains(&"fan_chips_delivered".to_string()));
}

#[test]
fn plot_of_a_folder_without_outputs_fails_and_writes_nothing() {
    let root = tempfile::tempdir().expect("tempdir");
    fs::write(root.path().join("notes.txt"), "mine").expect("write");
    let output = chipsim(["plot".as_ref(), root.path().as_os_str()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("holds no chipsim outputs to plot"),
        "{stderr}"
    );
    assert_eq!(folder_names(root.path()), ["notes.txt"]);

    let missing = root.path().join("no-such-run");
    let output = chipsim(["plot".as_ref(), missing.as_os_str()]);
    assert_eq!(output.status.code(), Some(1));
    assert!(!missing.exists());
}

#[test]
fn sweep_plots_charts_the_finished_sweep() {
    let root = tempfile::tempdir().expect("tempdir");
    let config = root.path().join("study.toml");
    fs::write(&config, golden_sweep("design = \"one_at_a_time\"")).expect("write");
    let out = root.path().join("study");
    let sweep = |extra: &[&str]| {
        let mut args: Vec<&OsStr> = vec![
            "sweep".as_ref(),
            config.as_os_str(),
            "--reps".as_ref(),
            "3".as_ref(),
            "--quiet".as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ];
        args.extend(extra.iter().map(OsStr::new));
        chipsim(&args)
    };
    let refused = sweep(&["--plots", "--shard", "0/2"]);
    assert_eq!(
        refused.status.code(),
        Some(2),
        "a shard holds part of the design"
    );
    let output = sweep(&["--plots"]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        chart_names(&out.join("plots")),
        ["tornado_chips_short", "tornado_project_delay_mean_days"]
    );
    assert_no_overlapping_labels(&out.join("plots"));
}
