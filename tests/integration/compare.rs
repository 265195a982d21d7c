//! `chipsim compare` over time: the Taiwan quake's `compare_timeseries.csv` shows the
//! quarter it hits with a paired CI that excludes zero and no change before it; runs
//! of different replication counts are paired over the common ones, and the terminal
//! and the file say so; the terminal ends with the biggest changes in plain English;
//! the difference over time is charted with its band.

use std::path::Path;

use chipsim::output::CsvTable;

use crate::support::{chipsim, golden};

fn run(dir: &Path, args: &[&str]) {
    let output = chipsim(&[&["run"], args, &["--quiet"]].concat(), dir);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// The world row of `metric` in the period starting `start`: (n, base_n, other_n,
/// diff, low, high).
fn world_row(table: &CsvTable, metric: &str, start: &str) -> (u64, u64, u64, f64, f64, f64) {
    let column = |name: &str| {
        table
            .header()
            .iter()
            .position(|h| h == name)
            .unwrap_or_else(|| panic!("no {name} column"))
    };
    let [period, scope, name, n, base_n, other_n, diff, low, high] = [
        "period_start",
        "scope",
        "metric",
        "n",
        "base_replications",
        "other_replications",
        "diff_mean",
        "paired_ci95_low",
        "paired_ci95_high",
    ]
    .map(column);
    let row = (0..table.len())
        .find(|&row| {
            table.text(row, period) == start
                && table.text(row, scope) == "world"
                && table.text(row, name) == metric
        })
        .unwrap_or_else(|| panic!("no world row of {metric} from {start}"));
    let count = |column| table.text(row, column).parse::<u64>().expect("a count");
    let number = |column| table.number(row, column).expect("a number");
    (
        count(n),
        count(base_n),
        count(other_n),
        number(diff),
        number(low),
        number(high),
    )
}

#[test]
fn the_quake_shows_in_the_quarter_it_hits_with_paired_cis() {
    let root = tempfile::tempdir().expect("tempdir");
    let quake =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("configs/scenarios/taiwan-earthquake.toml");
    run(root.path(), &["--reps", "30", "--out", "base"]);
    run(
        root.path(),
        &[
            quake.to_str().expect("utf-8"),
            "--reps",
            "30",
            "--out",
            "quake",
        ],
    );
    let output = chipsim(&["compare", "base", "quake"], root.path());
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let table = CsvTable::read(&root.path().join("quake/compare_timeseries.csv")).expect("written");
    // The Chi-Chi-class quake of 2025-09-21 stops every Taiwan fab and CoWoS site:
    // packaging output falls in 2025 Q3, and the paired CI says it is no noise.
    let (n, base_n, other_n, diff, low, high) =
        world_row(&table, "accelerators_built", "2025-07-01");
    assert_eq!((n, base_n, other_n), (30, 30, 30));
    assert!(
        diff < 0.0 && high < 0.0 && low <= diff,
        "{diff} [{low}, {high}]"
    );
    // Before any shock the runs draw the same numbers: no difference at all.
    let (_, _, _, diff, low, high) = world_row(&table, "accelerators_built", "2025-01-01");
    assert_eq!((diff, low, high), (0.0, 0.0, 0.0));
    // The terminal tells the story in the glossary's words.
    assert!(stdout.contains("Biggest paired changes"), "{stdout}");
    assert!(
        stdout.contains("When each world series changed most"),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .any(|line| line.starts_with("Accelerators packaged") && line.contains("2025 Q3")),
        "{stdout}"
    );
    // And the difference over time is charted with its band.
    let svg = std::fs::read_to_string(
        root.path()
            .join("quake/plots/compare_accelerators_built.svg"),
    )
    .expect("the chart of the difference over time");
    assert!(svg.contains("Accelerators packaged: change from the base run per quarter"));
    assert!(svg.contains("95 % CI of the mean paired difference"));
    crate::plots::assert_no_overlapping_labels(&root.path().join("quake/plots"));
}

#[test]
fn different_replication_counts_pair_the_common_ones_and_say_so() {
    let root = tempfile::tempdir().expect("tempdir");
    std::fs::write(root.path().join("golden.toml"), golden()).expect("write");
    run(
        root.path(),
        &["golden.toml", "--reps", "12", "--out", "base"],
    );
    run(
        root.path(),
        &["golden.toml", "--reps", "8", "--out", "other"],
    );
    let output = chipsim(&["compare", "base", "other", "--no-plots"], root.path());
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        stdout.contains("different replication counts (base 12, other 8): the 8 replications"),
        "{stdout}"
    );
    // The same scenario and seeds: nothing changed, and the terminal says that too.
    assert!(stdout.contains("No metric changed"), "{stdout}");
    let table = CsvTable::read(&root.path().join("other/compare_timeseries.csv")).expect("written");
    let (n, base_n, other_n, diff, _, _) = world_row(&table, "chips_delivered", "2025-01-01");
    assert_eq!((n, base_n, other_n, diff), (8, 12, 8, 0.0));
    assert!(!root.path().join("other/plots").exists(), "--no-plots");
}

#[test]
fn a_run_without_raw_data_is_compared_by_its_metrics_only() {
    let root = tempfile::tempdir().expect("tempdir");
    std::fs::write(root.path().join("golden.toml"), golden()).expect("write");
    run(
        root.path(),
        &["golden.toml", "--reps", "4", "--out", "base"],
    );
    run(
        root.path(),
        &["golden.toml", "--reps", "4", "--out", "other"],
    );
    std::fs::remove_file(root.path().join("base/shard_data.bin")).expect("remove");
    let output = chipsim(&["compare", "base", "other", "--no-plots"], root.path());
    assert!(output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no time-series comparison") && stderr.contains("shard_data.bin"),
        "{stderr}"
    );
    assert!(root.path().join("other/compare.csv").is_file());
    assert!(!root.path().join("other/compare_timeseries.csv").exists());
}
