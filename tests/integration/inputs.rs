//! The input side, hardened: numbers that would silently go wrong (NaN draws, counts
//! that overflow) are refused before a run; every reference resolves or gets a "did you
//! mean"; a lane no flow can use is a warning; text from a file or the command line
//! never reaches the terminal raw; negative numbers to numeric flags name the flag and
//! its range; and `--help` states the defaults as they are.

use std::process::Output;

use super::support::{chipsim, golden, golden_with};

/// Runs `args` on `text` (as `bad.toml`), in a fresh folder.
fn on(text: &str, args: &[&str]) -> Output {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("bad.toml"), text).expect("write the scenario");
    let output = chipsim(args, dir.path());
    assert!(!dir.path().join("outputs").exists() || output.status.success());
    output
}

/// `chipsim check bad.toml` fails (exit 1) with one line naming every `expected` part.
fn assert_refused(text: &str, expected: &[&str]) {
    let output = on(text, &["check", "bad.toml"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "one line: {stderr}");
    for part in expected {
        assert!(stderr.contains(part), "expected {part:?} in: {stderr}");
    }
}

#[test]
fn numbers_that_would_go_wrong_in_a_run_are_refused_first() {
    assert_refused(
        &golden_with(
            "yield = 1.0",
            "yield = { beta = { mean = 0.9, sd = 1e-200 } }",
        ),
        &[
            "bad.toml:21",
            "fabs.fab.yield",
            "write the fixed value 0.9 instead",
        ],
    );
    assert_refused(
        &golden_with("kw_per_accelerator = 1", "kw_per_accelerator = 1e-300"),
        &[
            "projects.dc.kw_per_accelerator",
            "needs 1.000e303 accelerators",
            "at most 1e9",
        ],
    );
    let curve = "\n[[demand]]\nid = \"growth\"\nregion = \"us_west\"\nfirst_year = 2025\n\
                 mw_first_year = 1000\ngrowth_per_year = 0\nproject_mw = 0.001\n\
                 kw_per_accelerator = 1\nconstruction_days = 100\n\
                 planned_construction_days = 100\ngrid_request_lead_days = 100\n";
    assert_refused(
        &(golden() + curve),
        &["demand.growth.project_mw", "projects", "at most 1e6"],
    );
    let surge = "\n[[shocks]]\nid = \"rush\"\nkind = \"demand_surge\"\nrate_per_year = 1\n\
                 demand = \"growth\"\nextra_mw = { lognormal = { mean = 100, sd = 50 } }\n";
    let open_tails = (golden() + curve + surge).replace(
        "project_mw = 0.001",
        "project_mw = { lognormal = { mean = 50, sd = 10 } }",
    );
    assert_refused(
        &open_tails,
        &["shocks.rush.extra_mw", "could be of any size"],
    );
}

#[test]
fn every_reference_resolves_or_names_the_nearest() {
    let shock = |lines: &str| {
        format!(
            "{}\n[[shocks]]\nid = \"s\"\nrate_per_year = 1\n{lines}\n",
            golden()
        )
    };
    let cases = [
        (
            golden_with("from = \"taiwan\"", "from = \"taiwn\""),
            "lanes.air.from: nothing stands in region \"taiwn\"",
            "`taiwan`",
        ),
        (
            golden_with(
                "region = \"us_west\"\nit_load_mw",
                "region = \"us_wst\"\nit_load_mw",
            ),
            "projects.dc.region",
            "`us_west`",
        ),
        (
            golden_with(
                "bill_of_materials = { logic = 1 }",
                "bill_of_materials = { logc = 1 }",
            ),
            "packaging.pack.bill_of_materials.logc",
            "`logic`",
        ),
        (
            shock("kind = \"outage\"\nsite = \"fabb\"\nduration_days = 5"),
            "shocks.s.site",
            "`fab`",
        ),
        (
            shock("kind = \"lane_disruption\"\nlane = \"ari\"\nduration_days = 5"),
            "shocks.s.lane",
            "`air`",
        ),
        (
            shock(
                "kind = \"export_control\"\nfrom_regions = [\"taiwn\"]\nto_regions = [\"us_west\"]",
            ),
            "shocks.s.from_regions[0]",
            "`taiwan`",
        ),
        (
            shock("kind = \"grid_moratorium\"\nregion = \"us_wset\"\nduration_days = 5"),
            "shocks.s.region",
            "`us_west`",
        ),
    ];
    for (text, place, nearest) in cases {
        assert_refused(&text, &[place, &format!("(did you mean {nearest}?)")]);
    }
}

#[test]
fn a_lane_no_flow_can_use_is_a_warning_on_check_and_run() {
    let back = "\n[[lanes]]\nid = \"back\"\nfrom = \"us_west\"\nto = \"taiwan\"\nmode = \"sea\"\n\
                departure_every_days = 7\ncapacity_per_departure = 10\ntransit_days = 20\n";
    let text = golden() + back;
    for args in [
        &["check", "bad.toml"][..],
        &["run", "bad.toml", "--reps", "1", "--quiet"],
    ] {
        let output = on(&text, args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success(), "{args:?}: {stderr}");
        assert!(
            stderr.contains("warning: bad.toml:56: lanes.back: no flow can use this lane"),
            "{args:?}: {stderr}"
        );
    }
    let quiet = on(&golden(), &["check", "bad.toml"]);
    assert_eq!(
        String::from_utf8_lossy(&quiet.stderr),
        "",
        "no warning without it"
    );
}

/// Newline, escape sequence and bell: what a hostile file could use to forge lines or
/// drive the terminal.
const HOSTILE: &str = "x\\nError: forged\\u001b[2J\\u0007";

/// Standard error of `output` shows none of the hostile characters raw.
fn assert_printable(output: &Output) -> String {
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(
        !stderr.contains('\u{1b}') && !stderr.contains('\u{7}'),
        "{stderr:?}"
    );
    assert!(
        !stderr.lines().any(|line| line.starts_with("Error: forged")),
        "{stderr:?}"
    );
    stderr
}

#[test]
fn hostile_text_reaches_the_terminal_escaped() {
    // An id: refused, and shown escaped; the path shows the entry by its index.
    let output = on(
        &golden_with("id = \"fab\"", &format!("id = \"{HOSTILE}\"")),
        &["check", "bad.toml"],
    );
    let stderr = assert_printable(&output);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("fabs[0].id: must be"), "{stderr}");
    assert!(
        stderr.contains(r"\nError: forged\u{1b}[2J\u{7}"),
        "{stderr}"
    );
    // A misspelt field in a table with a hostile id (a parse error).
    let text = golden_with("id = \"pack\"", &format!("id = \"{HOSTILE}\"")).replacen(
        "cycle_time_days = 14",
        "cycle_time_dayz = 14",
        1,
    );
    let stderr = assert_printable(&on(&text, &["check", "bad.toml"]));
    assert!(stderr.contains("packaging[0]"), "{stderr}");
    // A quoted key holding control characters.
    let stderr = assert_printable(&on(
        &format!("\"{HOSTILE}\" = 1\n{}", golden()),
        &["check", "bad.toml"],
    ));
    assert!(stderr.contains("unknown field"), "{stderr}");
    // A description is shown by `check`, escaped but for its line breaks.
    let text = golden_with(
        "world_electricity_twh = 30000",
        &format!("world_electricity_twh = 30000\ndescription = \"{HOSTILE}\""),
    );
    let output = on(&text, &["check", "bad.toml"]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success());
    assert!(
        !stdout.contains('\u{1b}') && !stdout.contains('\u{7}'),
        "{stdout:?}"
    );
    assert!(
        stdout.contains("\n  Error: forged\\u{1b}[2J\\u{7}"),
        "{stdout}"
    );
    // A file name from the command line.
    let output = on("", &["check", "bad\nError: forged\u{1b}[2J.toml"]);
    assert_printable(&output);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn negative_numbers_to_numeric_flags_name_the_flag_and_its_range() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    std::fs::write(dir.path().join("golden.toml"), golden()).expect("write");
    let cases: [(&[&str], &str); 8] = [
        (
            &["run", "golden.toml", "--seed", "-1"],
            "--seed must be a whole number from 0 to 18446744073709551615",
        ),
        (
            &["run", "golden.toml", "--reps", "-5"],
            "--reps must be at least 1, got -5",
        ),
        (
            &["run", "golden.toml", "--threads", "-2"],
            "--threads must be at least 1, got -2",
        ),
        (
            &[
                "run",
                "golden.toml",
                "--precision",
                "0.1",
                "--max-reps",
                "-3",
            ],
            "--max-reps must be at least 2, got -3",
        ),
        (
            &["run", "golden.toml", "--shard", "-1/4"],
            "--shard must be I/N with whole numbers 0 ≤ I < N",
        ),
        (
            &["sweep", "golden.toml", "--seed", "-7"],
            "--seed must be a whole number from 0",
        ),
        (
            &["trace", "golden.toml", "--rep", "-1"],
            "--rep must be at least 0, got -1",
        ),
        (
            &["trace", "golden.toml", "--seed", "-1"],
            "--seed must be a whole number from 0",
        ),
    ];
    for (args, expected) in cases {
        let output = chipsim(args, dir.path());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(
            !stderr.contains("unexpected argument"),
            "{args:?}: {stderr}"
        );
    }
    assert!(!dir.path().join("outputs").exists());
}

#[test]
fn help_states_the_defaults_as_they_are() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    for command in ["run", "sweep"] {
        let output = chipsim(&[command, "--help"], dir.path());
        let help = String::from_utf8_lossy(&output.stdout)
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        assert!(output.status.success());
        for expected in [
            "Default: the scenario's `replications` (in a sweep, `[sweep] replications` first), else 100",
            "Default: the scenario's `seed`, else 1",
        ] {
            assert!(help.contains(expected), "{command} --help lacks {expected:?}: {help}");
        }
    }
}
