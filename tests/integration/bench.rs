//! `chipsim bench`: the kernel against a plain binary heap, the model at growing demand,
//! and the benchmark worlds in `configs/bench/`, which must stay the baseline with its
//! demand scaled. Timings are printed, never checked.

use std::path::Path;
use std::process::{Command, Output};

fn chipsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chipsim"))
        .args(args)
        .output()
        .expect("run the chipsim binary")
}

/// The CSV rows printed on stdout, header first, split into cells.
fn rows(output: &Output) -> Vec<Vec<String>> {
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|line| line.split(',').map(str::to_string).collect())
        .collect()
}

/// The cell of `row` under `column` of `header`.
fn cell<'a>(header: &[String], row: &'a [String], column: &str) -> &'a str {
    let index = header
        .iter()
        .position(|name| name == column)
        .unwrap_or_else(|| panic!("no column {column} in {header:?}"));
    &row[index]
}

#[test]
fn compare_heap_runs_both_kernels_to_the_same_numbers() {
    let output = chipsim(&[
        "bench",
        "mmc",
        "--lambda",
        "9",
        "--mu",
        "1",
        "--servers",
        "10",
        "--customers",
        "20000",
        "--compare-heap",
        "--rounds",
        "2",
    ]);
    let rows = rows(&output);
    assert_eq!(rows.len(), 3, "{rows:?}");
    let (header, kernel, heap) = (&rows[0], &rows[1], &rows[2]);
    assert_eq!(header.last().unwrap(), "speed_vs_binary_heap");
    assert_eq!(cell(header, kernel, "model"), "chipsim_mmc");
    assert_eq!(cell(header, heap, "model"), "binary_heap");
    for column in ["events", "wq_mean", "wq_ci95_half", "wq_exact"] {
        assert_eq!(cell(header, kernel, column), cell(header, heap, column));
    }
    assert_eq!(cell(header, kernel, "events"), "40000");
    assert_eq!(cell(header, heap, "speed_vs_binary_heap"), "1.000");
    let speed: f64 = cell(header, kernel, "speed_vs_binary_heap")
        .parse()
        .unwrap();
    assert!(speed > 0.0);
}

#[test]
fn model_scale_prints_a_row_per_world() {
    let output = chipsim(&["bench", "model", "--reps", "4", "--scale", "1,2"]);
    let rows = rows(&output);
    assert_eq!(rows.len(), 3, "{rows:?}");
    let header = &rows[0];
    let column = |row: usize, name: &str| cell(header, &rows[row], name).to_string();
    assert_eq!(
        (column(1, "demand_scale"), column(2, "demand_scale")),
        ("1".into(), "2".into())
    );
    // reps / k replications for the larger world.
    assert_eq!(
        (column(1, "replications"), column(2, "replications")),
        ("4".into(), "2".into())
    );
    let per_replication = |row| {
        column(row, "events_per_replication")
            .parse::<f64>()
            .unwrap()
    };
    assert!(per_replication(2) > per_replication(1), "{rows:?}");
    if Path::new("/proc/self/status").exists() {
        let peak: f64 = column(2, "peak_rss_mb").parse().unwrap();
        assert!(peak > 1.0, "{rows:?}");
    }
}

#[test]
fn model_scale_refuses_a_multiplier_that_is_not_positive() {
    for bad in ["0", "-3", "nan"] {
        let scale = format!("--scale={bad}");
        let output = chipsim(&["bench", "model", "--reps", "1", &scale]);
        assert_eq!(output.status.code(), Some(2), "--scale {bad}");
        assert!(String::from_utf8_lossy(&output.stderr).contains("--scale"));
    }
}

/// The scenario at `path` as a TOML value.
fn parsed(path: &Path) -> toml::Value {
    let text = std::fs::read_to_string(path).expect("read a scenario");
    toml::from_str(&text).expect("TOML")
}

#[test]
fn bench_worlds_are_the_baseline_with_demand_scaled() {
    let mut worlds = 0;
    for entry in std::fs::read_dir("configs/bench").expect("configs/bench") {
        let path = entry.expect("entry").path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let k: i64 = name
            .strip_prefix("baseline-demand-x")
            .and_then(|k| k.parse().ok())
            .unwrap_or_else(|| panic!("{name}: expected baseline-demand-xK.toml"));
        let resolved = chipsim::scenario::overlay::resolve(&path).unwrap_or_else(|e| panic!("{e}"));
        let world = toml::Value::Table(resolved.table().clone());
        let mut expected = parsed(Path::new("configs/baseline.toml"));
        for key in ["name", "description"] {
            expected[key] = world[key].clone();
        }
        for curve in expected["demand"].as_array_mut().expect("demand curves") {
            let mw = curve["mw_first_year"].as_integer().expect("whole MW");
            curve["mw_first_year"] = toml::Value::Integer(mw * k);
        }
        assert!(
            world == expected,
            "{} no longer resolves to configs/baseline.toml with demand x {k}",
            path.display()
        );
        worlds += 1;
    }
    assert!(worlds >= 2, "configs/bench holds {worlds} worlds");
}
