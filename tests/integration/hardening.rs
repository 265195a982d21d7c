//! Hardening: bad scenarios, bad flags, runaway models, interruption, `kill -9` and a
//! full disk never crash chipsim or lose results. Each bad input gives exit code 1
//! (scenario) or 2 (usage), one error naming the file, line and field, and nothing new
//! in the output folder.

use std::path::Path;
use std::process::{Command, Stdio};

use proptest::prelude::*;

use super::support::{chipsim, files_of, golden, golden_with};

/// Writes `content` as `bad.toml` in a fresh folder, runs `chipsim run bad.toml --reps 2`
/// there, and checks: exit code 1, no panic, the expected words in the error, and no
/// `outputs/` folder created.
fn assert_rejected(content: &[u8], expected: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("bad.toml"), content).unwrap();
    let output = chipsim(&["run", "bad.toml", "--reps", "2", "--quiet"], dir.path());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "stderr: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.starts_with("Error: bad.toml"),
        "names the file: {stderr}"
    );
    for word in expected {
        assert!(stderr.contains(word), "expected {word:?} in: {stderr}");
    }
    assert_eq!(stderr.lines().count(), 1, "one error: {stderr}");
    assert!(!dir.path().join("outputs").exists(), "nothing written");
}

#[test]
fn empty_garbage_and_huge_files() {
    assert_rejected(b"", &["missing field `name`"]);
    assert_rejected(&[0xff, 0xfe, 0x00, 0x12, 0x9c], &["not a text file"]);
    assert_rejected(
        "name = \"caf\u{e9}\"\n"
            .as_bytes()
            .iter()
            .map(|&b| if b == 0xa9 { 0xff } else { b })
            .collect::<Vec<u8>>()
            .as_slice(),
        &["not a text file"],
    );
    let mut huge = golden().into_bytes();
    huge.extend(std::iter::repeat_n(b'#', 10 * 1024 * 1024));
    assert_rejected(&huge, &["at most"]);
}

#[test]
fn deeply_nested_tables_do_not_overflow_the_stack() {
    let depth = 100_000;
    let text = format!("name = \"x\"\nstart = 2025-01-01\nend = 2026-01-01\nworld_electricity_twh = 1\nx = {}1{}\n", "[".repeat(depth), "]".repeat(depth));
    assert_rejected(text.as_bytes(), &["bad.toml:5"]);
}

#[test]
fn wrong_values_name_the_line_the_field_and_the_allowed_range() {
    let cases: Vec<(&str, &str, Vec<&str>)> = vec![
        (
            "wafer_starts_per_week = 10",
            "wafer_starts_per_weak = 10",
            vec![
                "bad.toml:18",
                "unknown field",
                "did you mean `wafer_starts_per_week`?",
            ],
        ),
        (
            "wafer_starts_per_week = 10",
            "wafer_starts_per_week = \"ten\"",
            vec![
                "bad.toml:18",
                "fabs.fab.wafer_starts_per_week",
                "invalid type",
            ],
        ),
        (
            "wafer_starts_per_week = 10",
            "wafer_starts_per_week = nan",
            vec!["bad.toml:18", "fabs.fab.wafer_starts_per_week", "finite"],
        ),
        (
            "wafer_starts_per_week = 10",
            "wafer_starts_per_week = inf",
            vec!["fabs.fab.wafer_starts_per_week", "finite"],
        ),
        (
            "wafer_starts_per_week = 10",
            "wafer_starts_per_week = -10",
            vec!["fabs.fab.wafer_starts_per_week", "between 0 and 1000000"],
        ),
        (
            "wafer_starts_per_week = 10",
            "wafer_starts_per_week = 1e300",
            vec!["fabs.fab.wafer_starts_per_week", "between 0 and 1000000"],
        ),
        (
            "yield = 1.0",
            "yield = 1.5",
            vec!["bad.toml:21", "fabs.fab.yield", "between 0 and 1"],
        ),
        (
            "end = 2026-12-31",
            "end = 2024-12-31",
            vec!["bad.toml:5", "end", "must be after start"],
        ),
        (
            "end = 2026-12-31",
            "end = 2225-12-31",
            vec!["end", "at most 50 years"],
        ),
        (
            "planned_go_live = 2025-03-01",
            "planned_go_live = 2024-03-01",
            vec!["projects.dc.planned_go_live", "within the horizon"],
        ),
        (
            "to = \"us_west\"",
            "to = \"us_east\"",
            vec![
                "bad.toml:33",
                "lanes.air.to",
                "nothing stands in region \"us_east\"",
                "(did you mean `us_west`?)",
            ],
        ),
        (
            "region = \"us_west\"\nit_load_mw",
            "region = \"mars\"\nit_load_mw",
            vec!["projects.dc.region", "needs a grid region with id \"mars\""],
        ),
        (
            "bill_of_materials = { logic = 1 }",
            "bill_of_materials = { hbm = 1 }",
            vec![
                "packaging.pack.bill_of_materials.hbm",
                "no fab makes \"hbm\"",
            ],
        ),
        (
            "mode = \"air\"",
            "mode = \"ari\"",
            vec!["lanes.air.mode", "\"sea\" or \"air\""],
        ),
        (
            "cycle_time_days = 70",
            "cycle_time_days = { normal = { mean = 70, sd = 10 } }",
            vec!["fabs.fab.cycle_time_days", "add `min = 0`"],
        ),
        (
            "cycle_time_days = 70",
            "cycle_time_days = { uniform = { min = 9, max = 3 } }",
            vec!["fabs.fab.cycle_time_days", "min <= max"],
        ),
        (
            "name = \"golden\"",
            "name = \"=HYPERLINK(1)\"",
            vec!["name", "letters, digits"],
        ),
    ];
    for (from, to, expected) in cases {
        assert_rejected(golden_with(from, to).as_bytes(), &expected);
    }
    // A lane to a region where only the installed base stands: no accelerators reach
    // the project.
    let unreachable = golden_with("to = \"us_west\"", "to = \"japan\"")
        + "\n[[installed_base]]\nregion = \"japan\"\naccelerators = 1\nkw_per_accelerator = 1\n";
    assert_rejected(
        unreachable.as_bytes(),
        &["projects.dc.region", "no lane brings accelerators"],
    );
    // Duplicate ids.
    let duplicate = golden() + "\n[[fabs]]\nid = \"fab\"\nregion = \"taiwan\"\nproduct = \"logic\"\nwafer_starts_per_week = 1\ncycle_time_days = 1\ndies_per_wafer = 1\nyield = 1\n";
    assert_rejected(
        duplicate.as_bytes(),
        &["fabs.fab.id", "duplicate id \"fab\""],
    );
}

#[test]
fn bad_flags_are_usage_errors_that_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("golden.toml"), golden()).unwrap();
    for (args, expected) in [
        (vec!["run", "golden.toml", "--reps", "0"], "--reps"),
        (vec!["run", "golden.toml", "--shard", "3/2"], "--shard"),
        (vec!["run", "golden.toml", "--threads", "0"], "--threads"),
        (
            vec!["run", "golden.toml", "--precision", "-1"],
            "--precision",
        ),
        (vec!["run", "golden.toml", "--reps", "many"], "--reps"),
        (
            vec![
                "bench",
                "mmc",
                "--lambda",
                "10",
                "--mu",
                "1",
                "--servers",
                "10",
                "--customers",
                "5",
            ],
            "rho",
        ),
        (
            vec![
                "bench",
                "mmc",
                "--lambda",
                "1",
                "--mu",
                "0",
                "--servers",
                "1",
                "--customers",
                "5",
            ],
            "--mu",
        ),
        (
            vec![
                "bench",
                "mmc",
                "--lambda",
                "1",
                "--mu",
                "1",
                "--servers",
                "0",
                "--customers",
                "5",
            ],
            "--servers",
        ),
        (
            vec![
                "bench",
                "mmc",
                "--lambda",
                "1",
                "--mu",
                "2",
                "--servers",
                "1",
                "--customers",
                "0",
            ],
            "--customers",
        ),
    ] {
        let output = chipsim(&args, dir.path());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    assert!(!dir.path().join("outputs").exists());
}

#[test]
fn an_output_folder_that_cannot_be_written_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("golden.toml"), golden()).unwrap();
    // A regular file where a parent folder should be: no permission bits involved, so
    // this holds when tests run as root.
    std::fs::write(dir.path().join("blocker"), "not a folder").unwrap();
    let output = chipsim(
        &[
            "run",
            "golden.toml",
            "--reps",
            "2",
            "--quiet",
            "--out",
            "blocker/results",
        ],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("blocker"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.path().join("blocker")).unwrap(),
        "not a folder"
    );
}

#[test]
fn a_chain_with_zero_capacity_ends_with_every_order_unmet() {
    let text = golden_with("accelerators_per_week = 100", "accelerators_per_week = 0");
    let scenario = chipsim::scenario::parse(&text, "zero.toml").unwrap();
    let run = chipsim::model::simulate(&scenario.world, 1, false).unwrap();
    let layout = scenario.world.layout();
    let value = |name: &str| {
        run.result.metrics[layout.metrics.iter().position(|m| m.name == name).unwrap()]
    };
    // The site can start nothing (nor was anything in assembly at the start).
    assert_eq!(value("chips_delivered"), 0.0);
    assert_eq!(value("chips_short"), 1000.0);
    assert_eq!(
        run.result.projects[0][0].cause,
        chipsim::replication::DelayCause::NotLiveByEnd
    );
    assert!(run.conservation.violations().is_empty());
}

#[test]
fn a_runaway_model_stops_at_the_event_budget_naming_the_agent() {
    let dir = tempfile::tempdir().unwrap();
    let text = golden().replacen(
        "lot_interval_days = 7",
        "lot_interval_days = 7\nevent_budget = 50",
        1,
    );
    std::fs::write(dir.path().join("runaway.toml"), text).unwrap();
    let output = chipsim(
        &["run", "runaway.toml", "--reps", "2", "--quiet"],
        dir.path(),
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("event budget of 50"), "{stderr}");
    let agents = [
        "fab fab",
        "packaging site pack",
        "shipment",
        "project dc",
        "the production planner",
        "the market review",
    ];
    assert!(
        agents
            .iter()
            .any(|agent| stderr.contains(&format!("while handling {agent}"))),
        "names the agent: {stderr}"
    );
    assert!(!dir.path().join("outputs").exists());
}

/// A long run of the golden scenario, as a child process.
fn spawn_long_run(dir: &Path, out: &str) -> std::process::Child {
    Command::new(env!("CARGO_BIN_EXE_chipsim"))
        .args([
            "run",
            "golden.toml",
            "--reps",
            "5000000",
            "--threads",
            "1",
            "--quiet",
            "--out",
            out,
        ])
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Waits until the child has finished some replications (its first rows cannot be seen
/// from outside, so give it a moment) — a delay, not a timing assertion.
fn let_it_work() {
    std::thread::sleep(std::time::Duration::from_millis(1500));
}

#[test]
fn sigint_and_sigterm_keep_every_completed_replication() {
    for (signal, code) in [("-INT", 130), ("-TERM", 143)] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("golden.toml"), golden()).unwrap();
        let child = spawn_long_run(dir.path(), "out");
        let_it_work();
        let status = Command::new("kill")
            .args([signal, &child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let output = child.wait_with_output().unwrap();
        assert_eq!(
            output.status.code(),
            Some(code),
            "{signal}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let manifest = std::fs::read_to_string(dir.path().join("out/manifest.json")).unwrap();
        assert!(
            manifest.contains("\"status\": \"interrupted\""),
            "{manifest}"
        );
        let rows = std::fs::read_to_string(dir.path().join("out/replications.csv"))
            .unwrap()
            .lines()
            .count()
            - 1;
        assert!(rows > 0, "kept the completed replications");
        assert!(
            manifest.contains(&format!("\"completed\": {rows}")),
            "{manifest}"
        );
    }
}

#[test]
fn kill_9_leaves_the_previous_outputs_exactly_as_they_were() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("golden.toml"), golden()).unwrap();
    let first = chipsim(
        &[
            "run",
            "golden.toml",
            "--reps",
            "3",
            "--quiet",
            "--out",
            "out",
        ],
        dir.path(),
    );
    assert!(first.status.success());
    let before = files_of(&dir.path().join("out"));
    let mut child = spawn_long_run(dir.path(), "out");
    let_it_work();
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(files_of(&dir.path().join("out")), before);
    // The killed run's hidden temporary folder is cleaned up by the next run.
    let again = chipsim(
        &[
            "run",
            "golden.toml",
            "--reps",
            "3",
            "--quiet",
            "--out",
            "out",
        ],
        dir.path(),
    );
    assert!(again.status.success());
    let leftovers: Vec<String> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".out."))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

#[test]
fn a_full_disk_is_a_clear_error_and_keeps_the_previous_outputs() {
    // A 200 KiB tmpfs: mounting needs root, which CI has; elsewhere say so and stop.
    let dir = tempfile::tempdir().unwrap();
    let mount_point = dir.path().join("small");
    std::fs::create_dir(&mount_point).unwrap();
    let mounted = Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=200k", "tmpfs"])
        .arg(&mount_point)
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        eprintln!("not run: mounting a small tmpfs needs root");
        return;
    }
    let result = std::panic::catch_unwind(|| {
        std::fs::write(mount_point.join("golden.toml"), golden()).unwrap();
        let first = chipsim(
            &[
                "run",
                "golden.toml",
                "--reps",
                "2",
                "--quiet",
                "--out",
                "out",
            ],
            &mount_point,
        );
        assert!(
            first.status.success(),
            "{}",
            String::from_utf8_lossy(&first.stderr)
        );
        let before = files_of(&mount_point.join("out"));
        // Enough replications that replications.csv cannot fit beside the old outputs.
        let full = chipsim(
            &[
                "run",
                "golden.toml",
                "--reps",
                "3000",
                "--quiet",
                "--out",
                "out",
            ],
            &mount_point,
        );
        let stderr = String::from_utf8_lossy(&full.stderr);
        assert_eq!(full.status.code(), Some(1), "{stderr}");
        assert!(stderr.contains("No space left on device"), "{stderr}");
        assert_eq!(files_of(&mount_point.join("out")), before);
    });
    let _ = Command::new("umount").arg(&mount_point).status();
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}

/// Characters that mutate a scenario into something the parser must survive.
fn mutation() -> impl Strategy<Value = (usize, String)> {
    (any::<usize>(), prop_oneof![
        Just(String::new()),
        Just("[".into()),
        Just("]".into()),
        Just("=".into()),
        Just("\"".into()),
        Just("\n".into()),
        Just("{".into()),
        Just("-".into()),
        Just("nan".into()),
        Just("1e999".into()),
        Just("[[shocks]]\nid=\"s\"\nkind=\"outage\"\nregion=\"taiwan\"\nrate_per_year=3\nduration_days=1\n".into()),
        "[a-z_]{1,12}".prop_map(|s| s),
        "-?[0-9]{1,20}(\\.[0-9]{1,5})?".prop_map(|s| s),
    ])
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(
        std::env::var("CHIPSIM_FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256)
    ))]
    /// Fuzzing the parser and validator: mutated scenarios (characters deleted, inserted
    /// or replaced at random places) give a scenario or an error, never a panic or a
    /// hang; a scenario that validates also runs one replication.
    #[test]
    fn mutated_scenarios_never_panic(mutations in proptest::collection::vec((mutation(), 0usize..8), 1..6)) {
        let mut text = golden();
        for ((position, insert), delete) in mutations {
            let at = position % (text.len() + 1);
            let at = (0..=at).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
            let end = (at + delete).min(text.len());
            let end = (end..=text.len()).find(|&i| text.is_char_boundary(i)).unwrap_or(text.len());
            text.replace_range(at..end, &insert);
        }
        if let Ok(scenario) = chipsim::scenario::parse(&text, "fuzz.toml") {
            let mut world = scenario.world;
            world.event_budget = world.event_budget.min(2_000_000);
            let _ = chipsim::model::simulate(&world, 1, false);
        }
    }
}
