//! Outputs survive a spreadsheet. LibreOffice Calc, headless, imports every CSV of a
//! run, a comparison and a sweep as a user opening them would (comma, UTF-8, English
//! numbers, and "detect special numbers" on, the most eager setting), and every number,
//! date and seed reads back exactly: seeds stay text with every digit, numbers keep the
//! 15 digits chipsim writes, ISO dates become the same dates. Calc's view of
//! `results.xlsx` shows shares as percentages, counts with thousands separators and
//! days with one decimal.
//!
//! Needs `soffice` (Debian package `libreoffice-calc`, which `.ci/run` installs). Where
//! it is missing the test says so and passes, unless `CHIPSIM_REQUIRE_SOFFICE` is set
//! (as `.ci/run` sets it once installed), so CI cannot skip it silently.

use std::ffi::OsStr;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use calamine::{open_workbook, Data, Reader, Xlsx};
use chrono::NaiveDate;

use crate::plots::{chipsim, golden_sweep, run, sweep, GOLDEN};

/// Calc's CSV import: comma, double quote, UTF-8, from line 1, standard columns,
/// English (US) numbers, quoted fields not forced to text, special numbers detected.
const IMPORT: &str = "CSV:44,34,76,1,,1033,false,true";
/// Calc's CSV export of every sheet (`<file>-<sheet>.csv`) as the cells are shown.
const EXPORT_SHOWN: &str =
    "csv:Text - txt - csv (StarCalc):44,34,76,1,,1033,false,true,true,false,false,-1";

/// Runs `soffice` headless with a profile in `profile`; `None` when it is not installed.
fn soffice<I, S>(profile: &Path, args: I) -> Option<Output>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let installation = format!("-env:UserInstallation=file://{}", profile.display());
    Command::new("soffice")
        .arg(installation)
        .arg("--headless")
        .args(args)
        .output()
        .ok()
}

/// True when Calc can run; otherwise says why the test is skipped (or fails it, when
/// CI asked for Calc).
fn calc_available(profile: &Path) -> bool {
    let works = soffice(profile, ["--version"]).is_some_and(|output| output.status.success());
    if !works {
        assert!(
            std::env::var_os("CHIPSIM_REQUIRE_SOFFICE").is_none(),
            "CHIPSIM_REQUIRE_SOFFICE is set but `soffice` does not run"
        );
        eprintln!(
            "SKIPPED spreadsheet round trip: LibreOffice Calc (`soffice`) is not installed; \
             install the Debian package libreoffice-calc (`.ci/run` does) to run it"
        );
    }
    works
}

/// Converts `files` with `soffice --convert-to <to>` into `out`, panicking on failure.
fn convert(profile: &Path, filter: Option<&str>, to: &str, files: &[PathBuf], out: &Path) {
    let mut args: Vec<&OsStr> = Vec::new();
    let infilter = filter.map(|filter| format!("--infilter={filter}"));
    if let Some(infilter) = &infilter {
        args.push(infilter.as_ref());
    }
    args.extend(["--convert-to", to, "--outdir"].map(OsStr::new));
    args.push(out.as_os_str());
    args.extend(files.iter().map(|file| file.as_os_str()));
    let output = soffice(profile, &args).expect("soffice runs");
    assert!(
        output.status.success(),
        "soffice {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Days since 1899-12-30: the number a spreadsheet stores for a date.
fn serial(date: NaiveDate) -> f64 {
    let epoch = NaiveDate::from_ymd_opt(1899, 12, 30).expect("valid date");
    date.signed_duration_since(epoch).num_days() as f64
}

/// Checks that every cell Calc imported from `csv` (its first sheet in `xlsx`) holds
/// what the CSV file says; returns how many numbers, dates and seeds it compared.
fn assert_read_back_exactly(csv: &Path, xlsx: &Path) -> [usize; 3] {
    let mut workbook: Xlsx<_> = open_workbook(xlsx).expect("open Calc's workbook");
    let range = workbook
        .worksheet_range_at(0)
        .expect("a sheet")
        .expect("readable");
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(csv)
        .expect("read csv");
    let records: Vec<csv::StringRecord> = reader.records().map(|r| r.expect("row")).collect();
    let header = records[0].clone();
    let mut counts = [0; 3];
    for (row, record) in records.iter().enumerate() {
        for (column, cell) in record.iter().enumerate() {
            let at = format!("{} line {} `{}`", csv.display(), row + 1, &header[column]);
            let calc = range.get((row, column)).cloned().unwrap_or(Data::Empty);
            if cell.is_empty() {
                assert_eq!(calc, Data::Empty, "{at}");
            } else if row > 0 && &header[column] == "seed" {
                assert_eq!(calc, Data::String(cell.to_string()), "{at}: a seed");
                let seed = chipsim::output::parse_seed(cell).expect("a seed");
                assert_eq!(chipsim::output::seed_text(seed), cell, "{at}");
                counts[2] += 1;
            } else if let Ok(date) = cell.parse::<NaiveDate>() {
                match calc {
                    Data::DateTime(value) => assert_eq!(value.as_f64(), serial(date), "{at}"),
                    other => panic!("{at}: the date {cell} read back as {other:?}"),
                }
                counts[1] += 1;
            } else if let Ok(number) = cell.parse::<f64>() {
                let read = match calc {
                    Data::Float(value) => value,
                    Data::Int(value) => value as f64,
                    other => panic!("{at}: the number {cell} read back as {other:?}"),
                };
                assert_eq!(read, number, "{at}: {cell}");
                counts[0] += 1;
            } else {
                assert_eq!(calc, Data::String(cell.to_string()), "{at}");
            }
        }
    }
    assert_eq!(
        range.height(),
        records.len(),
        "{}: every row",
        csv.display()
    );
    counts
}

#[test]
fn every_number_date_and_seed_survives_libreoffice_calc() {
    let root = tempfile::tempdir().expect("tempdir");
    let profile = root.path().join("profile");
    if !calc_available(&profile) {
        return;
    }
    let base = run(root.path(), GOLDEN, "base", &["--xlsx"]);
    let slower = GOLDEN.replace("transformer_lead_days = 60", "transformer_lead_days = 400");
    let other = run(root.path(), &slower, "other", &[]);
    let output = chipsim(["compare".as_ref(), base.as_os_str(), other.as_os_str()]);
    assert!(output.status.success());
    let sweep = sweep(
        root.path(),
        &golden_sweep("design = \"one_at_a_time\""),
        "sweep",
    );

    // Every CSV, under a name of its own, imported by Calc and saved as a workbook.
    let import = root.path().join("import");
    fs::create_dir(&import).expect("mkdir");
    let mut files = Vec::new();
    for (dir, file) in [
        (&base, "summary.csv"),
        (&base, "replications.csv"),
        (&base, "timeseries.csv"),
        (&base, "projects.csv"),
        (&other, "compare.csv"),
        (&sweep, "sweep_points.csv"),
        (&sweep, "sensitivity.csv"),
        (&sweep, "sweep_replications.csv"),
    ] {
        let name = format!(
            "{}-{file}",
            dir.file_name().expect("name").to_string_lossy()
        );
        fs::copy(dir.join(file), import.join(&name)).expect("copy");
        files.push(import.join(name));
    }
    let calc = root.path().join("calc");
    convert(&profile, Some(IMPORT), "xlsx", &files, &calc);
    let mut totals = [0; 3];
    for csv in &files {
        let stem = csv.file_stem().expect("stem").to_string_lossy();
        let counts = assert_read_back_exactly(csv, &calc.join(format!("{stem}.xlsx")));
        for (total, count) in totals.iter_mut().zip(counts) {
            *total += count;
        }
    }
    let [numbers, dates, seeds] = totals;
    // Seeds: 6 replications, and 5 design points × 4 of the sweep.
    assert!(numbers > 1000 && dates > 100, "{totals:?}");
    assert_eq!(seeds, 6 + 5 * 4);

    // The workbook as Calc shows it.
    let shown = root.path().join("shown");
    convert(
        &profile,
        None,
        EXPORT_SHOWN,
        &[base.join("results.xlsx")],
        &shown,
    );
    let sheet = |name: &str| -> Vec<Vec<String>> {
        let path = shown.join(format!("results-{name}.csv"));
        let mut reader = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_path(&path)
            .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
        (reader.records())
            .map(|r| r.expect("row").iter().map(str::to_string).collect())
            .collect()
    };
    let projects = sheet("projects");
    let column = |name: &str| projects[0].iter().position(|h| h == name).expect(name);
    let (share, delay) = (column("share_grid"), column("delay_mean_days"));
    for row in &projects[1..] {
        assert!(row[share].ends_with('%'), "a share: {}", row[share]);
        let decimals = row[delay].rsplit_once('.').map(|(_, d)| d.len());
        assert_eq!(decimals, Some(1), "days with one decimal: {}", row[delay]);
    }
    let summary = sheet("summary");
    let chips = (summary.iter())
        .find(|row| row[1] == "chips_demanded")
        .expect("chips_demanded row");
    assert!(
        chips[4].contains(',') && !chips[4].contains('.'),
        "a count with thousands separators: {}",
        chips[4]
    );
    let replications = sheet("replications");
    assert!(
        replications[1][1].starts_with("0x"),
        "{:?}",
        replications[1]
    );
}
