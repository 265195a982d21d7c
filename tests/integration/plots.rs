//! Charts and the workbook, end to end through the binary: `run --plots --xlsx` on the
//! golden scenario writes SVGs that parse and name their series, PNGs of the size the
//! SVGs declare, and a workbook holding the CSV numbers; compare and sweep files are
//! charted when present; a folder without outputs is refused with nothing written.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};

use calamine::{open_workbook, Data, Reader, Xlsx};
use chrono::NaiveDate;

const GOLDEN: &str = include_str!("../scenarios/golden.toml");

fn chipsim<I, S>(args: I) -> std::process::Output
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
fn run(root: &Path, scenario_text: &str, folder: &str, extra: &[&str]) -> PathBuf {
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

fn folder_names(dir: &Path) -> Vec<String> {
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
        ["summary", "timeseries", "projects", "run"]
    );
    for (sheet, file) in [
        ("summary", "summary.csv"),
        ("timeseries", "timeseries.csv"),
        ("projects", "projects.csv"),
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
    let (texts, size) = svg_texts(&other.join("plots/compare.svg"));
    assert_eq!(png_size(&other.join("plots/compare.png")), size);
    assert!(
        texts.iter().any(|t| t == "project_delay_mean_days"),
        "a later grid connection delays the project: {texts:?}"
    );
    assert!(texts
        .iter()
        .any(|t| t == "golden vs base · 6 paired replications"));
}

const SENSITIVITY: &str = "\
parameter,metric,design,level,unit,mean,ci95_low,ci95_high,mu_star,sigma
,chips_short,oat,base,accelerators,1000,950,1050,,
fab_yield,chips_short,oat,low,accelerators,1400,1300,1500,,
fab_yield,chips_short,oat,high,accelerators,800,760,840,,
grid_spare_mw,chips_short,oat,low,accelerators,1050,1000,1100,,
grid_spare_mw,chips_short,oat,high,accelerators,990,940,1040,,
fab_yield,chips_short,morris,,accelerators,,,,420,60
grid_spare_mw,chips_short,morris,,accelerators,,,,55,80
";

#[test]
fn sweep_sensitivity_is_charted_as_tornado_and_morris() {
    let root = tempfile::tempdir().expect("tempdir");
    fs::write(root.path().join("sensitivity.csv"), SENSITIVITY).expect("write");
    let output = chipsim(["plot".as_ref(), root.path().as_os_str()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plots = root.path().join("plots");
    assert_eq!(
        chart_names(&plots),
        ["tornado_chips_short", "morris_chips_short"]
    );
    for chart in ["tornado_chips_short", "morris_chips_short"] {
        let (texts, size) = svg_texts(&plots.join(format!("{chart}.svg")));
        assert_eq!(png_size(&plots.join(format!("{chart}.png"))), size);
        for parameter in ["fab_yield", "grid_spare_mw"] {
            assert!(texts.iter().any(|t| t == parameter), "{chart}: {texts:?}");
        }
    }
}

#[test]
fn sensitivity_file_of_another_shape_is_skipped_with_a_note() {
    let root = tempfile::tempdir().expect("tempdir");
    let out = run(root.path(), GOLDEN, "golden", &[]);
    fs::write(
        out.join("sensitivity.csv"),
        "parameter,metric,design,value\nfab_yield,chips_short,oat,0.5\n",
    )
    .expect("write");
    let output = chipsim(["plot".as_ref(), out.as_os_str()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("note:") && stderr.contains("no tornado chart") && stderr.contains("level"),
        "{stderr}"
    );
    let charts = chart_names(&out.join("plots"));
    assert!(charts.iter().any(|c| c == "fan_chips_delivered"));
    assert!(!charts.iter().any(|c| c.starts_with("tornado")));
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
