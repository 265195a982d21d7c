//! The output files: exact numbers for a tiny known input, column headers, formats, the
//! manifest, and spreadsheet safety of every text cell.

use std::fs;
use std::path::Path;

use chipsim::output::config_hash;
use chipsim::replication::{
    DelayCause, OutputLayout, Period, ProjectGroup, ProjectOutcome, ReplicationError,
    ReplicationResult, Replicator,
};
use chipsim::runner::Shard;
use chipsim::stats::student_t_quantile;

use crate::runner::{date, manifest, metric, options, run, world_series, Fake};

/// Five replications with values chosen by hand: metric `x` is 1, 2, 3, 4, 10; metric
/// `y` is never defined; the series is the replication index; group `p` has one project
/// delayed 0, 10, 20, 30, 40 days by cause on time, grid, grid, chips, not live by end;
/// group `empty` has none.
struct Tiny {
    layout: OutputLayout,
}

impl Tiny {
    fn new(scenario: &str, names: [&str; 5]) -> Self {
        let [x, unit, project, region, series] = names;
        Tiny {
            layout: OutputLayout {
                scenario: scenario.into(),
                metrics: vec![metric(x, unit, false), metric("y", unit, true)],
                series: vec![world_series(series, unit)],
                periods: vec![Period {
                    start: date(2027, 1, 1),
                    end: date(2027, 3, 31),
                }],
                projects: vec![
                    ProjectGroup {
                        name: project.into(),
                        region: region.into(),
                        planned_go_live: date(2027, 6, 1),
                    },
                    ProjectGroup {
                        name: "empty".into(),
                        region: region.into(),
                        planned_go_live: date(2028, 1, 1),
                    },
                ],
            },
        }
    }
}

impl Replicator for Tiny {
    fn layout(&self) -> &OutputLayout {
        &self.layout
    }

    fn run(&self, replication: u64, _seed: u64) -> Result<ReplicationResult, ReplicationError> {
        let r = replication as usize;
        let cause = [
            DelayCause::OnTime,
            DelayCause::Grid,
            DelayCause::Grid,
            DelayCause::Chips,
            DelayCause::NotLiveByEnd,
        ][r % 5];
        Ok(ReplicationResult {
            metrics: vec![[1.0, 2.0, 3.0, 4.0, 10.0][r % 5], f64::NAN],
            series: vec![replication as f64],
            projects: vec![
                vec![ProjectOutcome {
                    delay_days: 10.0 * replication as f64,
                    cause,
                }],
                vec![],
            ],
            events: 1,
        })
    }
}

fn rows(path: &Path) -> Vec<Vec<String>> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_path(path)
        .expect("open csv");
    reader
        .records()
        .map(|record| {
            record
                .expect("csv row")
                .iter()
                .map(str::to_string)
                .collect()
        })
        .collect()
}

fn close(cell: &str, expected: f64) -> bool {
    cell.parse::<f64>()
        .is_ok_and(|value| (value - expected).abs() <= 1e-12 * expected.abs().max(1.0))
}

#[test]
fn summary_numbers_of_a_tiny_known_input() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("tiny");
    let tiny = Tiny::new("tiny", ["x", "u", "p", "eu", "s"]);
    run(&tiny, &options(&dir, 5, 1, 2));

    let summary = rows(&dir.join("summary.csv"));
    assert_eq!(
        summary[0].join(","),
        "scenario,metric,unit,n,mean,std,ci95_low,ci95_high,p5,p50,p95,min,max"
    );
    // The headline metric first: y, never defined, has n = 0 and empty cells.
    assert_eq!(summary[1].join(","), "tiny,y,u,0,,,,,,,,,");
    // x = 1, 2, 3, 4, 10: mean 4; squared deviations 9 + 4 + 1 + 0 + 36 = 50, so
    // variance 50/4 = 12.5 and std 3.5355339…; CI 4 ± t(0.975, 4) × √(12.5/5) =
    // 4 ± 2.776445 × 1.581139 = 4 ± 4.389945. Type 7 quantiles: p5 at position
    // 0.05 × 4 = 0.2 → 1 + 0.2 × (2 − 1) = 1.2; p50 at 2 → 3; p95 at 3.8 → 4 + 0.8 × 6 = 8.8.
    let x = &summary[2];
    assert_eq!(x[..5].join(","), "tiny,x,u,5,4");
    let half = student_t_quantile(0.975, 4.0) * (12.5_f64 / 5.0).sqrt();
    assert!((half - 4.389_945).abs() < 1e-5, "{half}");
    for (cell, expected) in [
        (5, 12.5_f64.sqrt()),
        (6, 4.0 - half),
        (7, 4.0 + half),
        (8, 1.2),
        (9, 3.0),
        (10, 8.8),
        (11, 1.0),
        (12, 10.0),
    ] {
        assert!(
            close(&x[cell], expected),
            "column {cell}: {} vs {expected}",
            x[cell]
        );
    }
    assert_eq!(summary.len(), 3);

    // The series is 0, 1, 2, 3, 4: mean 2, p5 0.2, p50 2, p95 3.8.
    let timeseries = rows(&dir.join("timeseries.csv"));
    assert_eq!(
        timeseries[0].join(","),
        "scenario,period_start,period_end,scope,metric,unit,mean,p5,p50,p95"
    );
    assert_eq!(
        timeseries[1][..7].join(","),
        "tiny,2027-01-01,2027-03-31,world,s,u,2"
    );
    assert!(close(&timeseries[1][7], 0.2) && close(&timeseries[1][8], 2.0));
    assert!(close(&timeseries[1][9], 3.8));

    // Delays 0, 10, 20, 30, 40: mean 20, p50 20, p90 36, p95 38; causes 1 on time, 2 grid,
    // 1 chips, 1 not live by end of 5 outcomes. The empty group has no delay and no share.
    let projects = rows(&dir.join("projects.csv"));
    assert_eq!(
        projects[0].join(","),
        "scenario,project,region,planned_go_live,projects_per_replication,delay_mean_days,\
         delay_p50_days,delay_p90_days,delay_p95_days,share_on_time,share_construction,share_grid,\
         share_power_equipment,share_chips,share_shipping,share_not_live_by_end,share_withdrawn"
    );
    assert_eq!(projects[1][..7].join(","), "tiny,p,eu,2027-06-01,1,20,20");
    assert!(close(&projects[1][7], 36.0) && close(&projects[1][8], 38.0));
    assert_eq!(projects[1][9..].join(","), "0.2,0,0.4,0,0.2,0,0.2,0");
    assert_eq!(
        projects[2].join(","),
        "tiny,empty,eu,2028-01-01,0,,,,,,,,,,,,"
    );

    let replications = rows(&dir.join("replications.csv"));
    assert_eq!(replications[0].join(","), "replication,seed,x,y");
    let seeds: Vec<String> = (0..5)
        .map(|r| chipsim::output::seed_text(chipsim::random::replication_seed(1, r)))
        .collect();
    assert_eq!(replications[1], ["0", seeds[0].as_str(), "1", ""]);
    assert_eq!(replications[5], ["4", seeds[4].as_str(), "10", ""]);
    assert_eq!(replications.len(), 6);
}

#[test]
fn the_manifest_records_the_run() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("m");
    let mut opts = options(&dir, 10, 77, 2);
    opts.shard = Some(Shard { index: 1, count: 4 });
    run(&Fake::new("fake"), &opts);
    let m = manifest(&dir);
    assert_eq!(m["chipsim_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(m["scenario"], "fake");
    assert_eq!(m["config_hash"], config_hash("name = \"fake\"\n"));
    assert_eq!(m["seed"], 77);
    assert_eq!(m["replications_requested"], 10);
    // Replications 1, 5 and 9.
    assert_eq!(
        m["replications"],
        serde_json::json!({"completed": 3, "first_index": 1, "stride": 4})
    );
    assert_eq!(
        (m["status"].as_str(), m["stop_rule"].as_str()),
        (Some("complete"), Some("fixed_count"))
    );
    assert_eq!(m["note"], serde_json::Value::Null);
    assert_eq!(m["events_total"], 1001 + 1005 + 1009);
    let execution = &m["execution"];
    assert_eq!(execution["threads"], 2);
    for field in ["started_utc", "finished_utc"] {
        let text = execution[field].as_str().expect("a timestamp");
        assert!(chrono::DateTime::parse_from_rfc3339(text).is_ok(), "{text}");
    }
    assert!(execution["wall_seconds"].as_f64().is_some_and(|s| s >= 0.0));
    assert!(execution["replications_per_second"].as_f64().is_some());
    let replications = rows(&dir.join("replications.csv"));
    let indices: Vec<&str> = replications[1..]
        .iter()
        .map(|row| row[0].as_str())
        .collect();
    assert_eq!(indices, ["1", "5", "9"]);
}

#[test]
fn no_text_cell_can_run_as_a_formula() {
    let root = tempfile::tempdir().expect("tempdir");
    let dangerous = ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx"];
    for (index, scenario) in dangerous.iter().enumerate() {
        let dir = root.path().join(format!("run{index}"));
        // Every text field of the layout is dangerous too.
        let tiny = Tiny::new(scenario, ["=1+1", "+u", "-p", "@r", "\ts"]);
        run(&tiny, &options(&dir, 3, 1, 1));
        for file in [
            "summary.csv",
            "replications.csv",
            "timeseries.csv",
            "projects.csv",
        ] {
            let table = rows(&dir.join(file));
            for (line, row) in table.iter().enumerate() {
                for cell in row {
                    let formula = cell.starts_with(['=', '+', '-', '@', '\t', '\r']);
                    // A negative number is a number, not text.
                    assert!(
                        !formula || cell.parse::<f64>().is_ok(),
                        "{file} line {}: `{cell}` would run as a formula",
                        line + 1
                    );
                }
            }
            if file != "replications.csv" {
                assert_eq!(table[1][0], format!("'{scenario}"), "{file}");
            }
        }
        let summary = rows(&dir.join("summary.csv"));
        assert_eq!(summary[2][1..3], ["'=1+1".to_string(), "'+u".to_string()]);
        let replications = rows(&dir.join("replications.csv"));
        assert_eq!(replications[0], ["replication", "seed", "'=1+1", "y"]);
        let projects = rows(&dir.join("projects.csv"));
        assert_eq!(projects[1][1..3], ["'-p".to_string(), "'@r".to_string()]);
        let timeseries = rows(&dir.join("timeseries.csv"));
        assert_eq!(timeseries[1][4], "'\ts");
    }
    let names: Vec<String> = fs::read_dir(root.path())
        .expect("list")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    assert_eq!(names.len(), dangerous.len());
}

#[test]
fn seeds_are_accepted_back_as_written() {
    use crate::plots::{chipsim, GOLDEN};
    let root = tempfile::tempdir().expect("tempdir");
    let config = root.path().join("golden.toml");
    fs::write(&config, GOLDEN).expect("write scenario");
    let first = root.path().join("first");
    let run_with_seed = |seed: &str, out: &Path| {
        chipsim([
            "run".as_ref(),
            config.as_os_str(),
            "--reps".as_ref(),
            "2".as_ref(),
            "--quiet".as_ref(),
            "--seed".as_ref(),
            seed.as_ref(),
            "--out".as_ref(),
            out.as_os_str(),
        ])
    };
    assert!(run_with_seed("7", &first).status.success());
    // A replication's seed, copied from replications.csv, is a valid base seed.
    let written = rows(&first.join("replications.csv"))[2][1].clone();
    assert!(
        written.starts_with("0x") && written.len() == 18,
        "{written}"
    );
    let second = root.path().join("second");
    let output = run_with_seed(&written, &second);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let seed = chipsim::output::parse_seed(&written).expect("a seed");
    assert_eq!(manifest(&second)["seed"], seed);
    let output = chipsim([
        "trace".as_ref(),
        config.as_os_str(),
        "--seed".as_ref(),
        written.as_ref(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    // What a spreadsheet made of a decimal seed is a usage error naming the flag.
    let output = run_with_seed("1.5663718929142E+19", &root.path().join("bad"));
    let message = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{message}");
    assert!(message.contains("--seed must be"), "{message}");
}
