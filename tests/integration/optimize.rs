//! The optimiser on two stages in series with a known optimum
//! (tests/scenarios/two-stages*.toml): it returns the analytic optimum for the mean and
//! the 90th percentile; the objective never gets worse along the accepted moves; budgets
//! are never exceeded; same seed, same bytes whatever the thread count; an interrupted
//! run writes what it has; `from` steps only later capacity points; bad sections are
//! errors that name the file, line and field.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};

use chipsim::optimize::{
    read_charts, run_optimize, OptimizeControl, OptimizeError, OptimizeOptions, OptimizeOutcome,
    OptimizeProgress, Problem, MARGINAL_FILE, OPTIMUM_FILE, SELECTION_FILE, TRACE_FILE,
};
use chipsim::output::Status;

use super::support::chipsim;
use super::sweep::{contents, number, rows};

/// The optimisation file of the two-stage scenario.
const TWO_STAGES: &str = "tests/scenarios/two-stages-optimize.toml";
/// Its analytic optimum: 4 fab steps and 2 packaging steps balance the stages at 500 a
/// week (see the file).
const OPTIMUM: [u32; 2] = [4, 2];
/// Its budget.
const BUDGET: f64 = 8.0;

fn load(path: &Path) -> Problem {
    Problem::load(path).unwrap_or_else(|error| panic!("{error}"))
}

fn optimize(
    problem: &Problem,
    out_dir: &Path,
    threads: usize,
    control: &OptimizeControl<'_>,
) -> OptimizeOutcome {
    let options = OptimizeOptions {
        replications: 20,
        base_seed: 5,
        threads,
        out_dir: out_dir.to_path_buf(),
    };
    run_optimize(problem, &options, control).unwrap_or_else(|error| panic!("{error}"))
}

/// An optimisation file in `dir` over the two-stage scenario with `section` as its
/// `[optimize]` section.
fn write_optimisation(dir: &Path, section: &str) -> PathBuf {
    let base = fs::canonicalize("tests/scenarios/two-stages.toml").expect("the base scenario");
    let path = dir.join("optimize.toml");
    let text = format!("base = {:?}\n\n{section}", base.display().to_string());
    fs::write(&path, text).expect("write the optimisation");
    path
}

#[test]
fn two_stages_in_series_get_the_balanced_allocation() {
    let root = tempfile::tempdir().expect("tempdir");
    let out = root.path().join("out");
    let outcome = optimize(
        &load(Path::new(TWO_STAGES)),
        &out,
        2,
        &OptimizeControl::default(),
    );
    assert_eq!(outcome.status, Status::Complete);
    assert_eq!(outcome.optimum_steps, OPTIMUM);
    assert_eq!(
        outcome.certain,
        Some(true),
        "the runners-up are a stage short"
    );

    let optimum = rows(&out.join(OPTIMUM_FILE));
    let steps: Vec<f64> = optimum.iter().map(|row| number(row, "steps")).collect();
    assert_eq!(steps, [4.0, 2.0]);
    assert_eq!(
        number(&optimum[0], "amount_added"),
        40.0,
        "4 steps of 10 wafers"
    );
    let spent: f64 = optimum.iter().map(|row| number(row, "cost")).sum();
    assert!(spent <= BUDGET);

    let trace = rows(&out.join(TRACE_FILE));
    let mut accepted = Vec::new();
    for row in &trace {
        let cost = number(row, "total_cost");
        let bought = number(row, "fab") * 1.0 + number(row, "packaging") * 2.0;
        assert_eq!(cost, bought, "evaluation {}", row["evaluation"]);
        if row["stage"] != "marginal" {
            assert!(
                cost <= BUDGET,
                "evaluation {} costs {cost}",
                row["evaluation"]
            );
        }
        if row["stage"] == "search" && row["accepted"] == "true" {
            accepted.push(number(row, "objective"));
        }
    }
    assert!(accepted.len() >= 3, "{accepted:?}");
    assert!(
        accepted.windows(2).all(|pair| pair[1] > pair[0]),
        "accepted moves never make accelerators built fewer: {accepted:?}"
    );
    let marginal: Vec<_> = trace
        .iter()
        .filter(|row| row["stage"] == "marginal")
        .collect();
    assert_eq!(marginal.len(), 2, "one more step of each investment");

    // The selection's runners-up are each clearly worse than the best: the best subset
    // holds the optimum alone.
    let selection = rows(&out.join(SELECTION_FILE));
    assert_eq!(selection.len(), 5);
    assert_eq!(
        (
            selection[0]["fab"].as_str(),
            selection[0]["packaging"].as_str(),
            selection[0]["in_best_subset"].as_str(),
            selection[0]["chosen"].as_str()
        ),
        ("4", "2", "true", "true")
    );
    for runner_up in &selection[1..] {
        assert_eq!(runner_up["in_best_subset"], "false");
        assert!(number(runner_up, "shortfall_to_best_ci_low") > 0.0);
    }

    // Past the balance, either stage alone adds little: a few percent of what a
    // balanced step adds (about 100 a week for a year).
    let charts = read_charts(&out).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(charts.trace.len(), trace.len());
    assert_eq!(charts.marginal.len(), 2);
    for bar in &charts.marginal {
        assert!(bar.change_per_cost.value.abs() < 0.2 * 5200.0, "{bar:?}");
        assert!(bar.rank.is_some());
    }
    let best = fs::read_to_string(out.join("best.toml")).expect("best.toml");
    let scenario = chipsim::scenario::parse(&best, "best.toml").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(scenario.world.name, "two_stages-optimum");
}

#[test]
fn an_investment_that_changes_nothing_is_never_bought() {
    let root = tempfile::tempdir().expect("tempdir");
    let text = fs::read_to_string(TWO_STAGES).expect("read");
    let section = format!(
        "{}\n[[optimize.investments]]\nname = \"electricity\"\npath = \"world_electricity_twh\"\nstep = 1000\ncost_per_step = 0.5\n",
        &text[text.find("[optimize]").expect("section")..]
    );
    let file = write_optimisation(root.path(), &section);
    let out = root.path().join("out");
    let outcome = optimize(&load(&file), &out, 2, &OptimizeControl::default());
    assert_eq!(outcome.optimum_steps, [4, 2, 0]);
    // Buying it changes no replication: the search never takes it, and an allocation
    // that adds it to a cheaper one is the same outcome, so never a finalist.
    let trace = rows(&out.join(TRACE_FILE));
    assert!(trace
        .iter()
        .filter(|row| row["stage"] == "search" && row["accepted"] == "true")
        .all(|row| row["electricity"] == "0"));
    assert!(rows(&out.join(SELECTION_FILE))
        .iter()
        .all(|row| row["electricity"] == "0"));
    let marginal = rows(&out.join(MARGINAL_FILE));
    let electricity = marginal
        .iter()
        .find(|row| row["investment"] == "electricity")
        .expect("a row");
    for column in ["change", "change_ci95_low", "change_ci95_high"] {
        assert_eq!(number(electricity, column), 0.0, "{column}");
    }
    assert_eq!(electricity["rank"], "3");
}

#[test]
fn the_ninetieth_percentile_finds_the_same_balance() {
    let root = tempfile::tempdir().expect("tempdir");
    let text = fs::read_to_string(TWO_STAGES).expect("read");
    let section = &text[text.find("[optimize]").expect("section")..];
    let section = section.replace("goal = \"max\" }", "goal = \"max\", statistic = \"p90\" }");
    let file = write_optimisation(root.path(), &section);
    let out = root.path().join("out");
    let outcome = optimize(&load(&file), &out, 1, &OptimizeControl::default());
    assert_eq!(outcome.optimum_steps, OPTIMUM);
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).expect("manifest"))
            .expect("json");
    assert_eq!(manifest["objective"]["statistic"], "p90");
    assert_eq!(manifest["bootstrap_resamples"], 1000);
}

#[test]
fn same_seed_same_bytes_whatever_the_thread_count() {
    let root = tempfile::tempdir().expect("tempdir");
    let problem = load(Path::new(TWO_STAGES));
    let folders: Vec<BTreeMap<String, String>> = [1, 3]
        .iter()
        .map(|&threads| {
            let out = root.path().join(format!("threads-{threads}"));
            optimize(&problem, &out, threads, &OptimizeControl::default());
            contents(&out)
        })
        .collect();
    assert_eq!(folders[0].len(), 6, "{:?}", folders[0].keys());
    assert_eq!(folders[0], folders[1]);
}

#[test]
fn an_interrupted_run_writes_the_evaluations_that_finished() {
    let root = tempfile::tempdir().expect("tempdir");
    let problem = load(Path::new(TWO_STAGES));
    let cancel = AtomicBool::new(true);
    let out = root.path().join("never");
    let options = OptimizeOptions {
        replications: 20,
        base_seed: 5,
        threads: 2,
        out_dir: out.clone(),
    };
    let control = OptimizeControl {
        cancel: Some(&cancel),
        progress: None,
    };
    assert!(matches!(
        run_optimize(&problem, &options, &control),
        Err(OptimizeError::Interrupted)
    ));
    assert!(!out.exists(), "nothing evaluated, nothing written");

    // Cancel after the fourth evaluation, as Ctrl-C would.
    let cancel = AtomicBool::new(false);
    let stop_after_four = |progress: OptimizeProgress| {
        if progress.evaluations == 4 {
            cancel.store(true, Ordering::SeqCst);
        }
    };
    let control = OptimizeControl {
        cancel: Some(&cancel),
        progress: Some(&stop_after_four),
    };
    let out = root.path().join("partial");
    let outcome = optimize(&problem, &out, 2, &control);
    assert_eq!(outcome.status, Status::Interrupted);
    assert_eq!(outcome.evaluations, 4);
    assert_eq!(rows(&out.join(TRACE_FILE)).len(), 4);
    assert!(!out.join(SELECTION_FILE).exists() && !out.join(MARGINAL_FILE).exists());
    let manifest: serde_json::Value =
        serde_json::from_str(&fs::read_to_string(out.join("manifest.json")).expect("manifest"))
            .expect("json");
    assert_eq!(manifest["status"], "interrupted");
    assert_eq!(manifest["search"]["stop_rule"], "interrupted");
}

#[test]
fn from_steps_only_the_capacity_points_dated_on_or_after_it() {
    let root = tempfile::tempdir().expect("tempdir");
    let scenario = fs::read_to_string("tests/scenarios/two-stages.toml")
        .expect("read")
        .replace(
            "accelerators_per_week = 300\n",
            "accelerators_per_week = 300\ncapacity_schedule = [\n  { date = 2025-03-01, per_week = 400 },\n  { date = 2025-09-01, per_week = 500 },\n]\n",
        );
    fs::write(root.path().join("base.toml"), scenario).expect("write the base");
    let file = root.path().join("later.toml");
    let section = r#"base = "base.toml"

[optimize]
objective = { metric = "accelerators_built", goal = "max" }
budget = 10

[[optimize.investments]]
name = "later packaging"
path = ["packaging.pack.accelerators_per_week", "packaging.pack.capacity_schedule.*.per_week"]
step = 50
cost_per_step = 1
from = 2025-06-01
"#;
    fs::write(&file, section).expect("write the optimisation");
    let problem = load(&file);
    assert_eq!(
        problem.targets(0),
        ["packaging.pack.capacity_schedule.1.per_week"],
        "only the 2025-09-01 point is dated on or after 2025-06-01"
    );
    let best: toml::Value = toml::from_str(&problem.best_toml(&[2]).expect("best")).expect("toml");
    let pack = &best["packaging"][0];
    assert_eq!(pack["accelerators_per_week"].as_integer(), Some(300));
    assert_eq!(
        pack["capacity_schedule"][0]["per_week"].as_integer(),
        Some(400)
    );
    assert_eq!(
        pack["capacity_schedule"][1]["per_week"].as_integer(),
        Some(600)
    );
}

#[test]
fn an_optimize_section_inside_the_scenario_runs_too() {
    let root = tempfile::tempdir().expect("tempdir");
    let scenario = fs::read_to_string("tests/scenarios/two-stages.toml").expect("read");
    let text = fs::read_to_string(TWO_STAGES).expect("read");
    let path = root.path().join("inside.toml");
    let section = &text[text.find("[optimize]").expect("section")..];
    fs::write(&path, format!("{scenario}\n{section}")).expect("write");
    let outcome = optimize(
        &load(&path),
        &root.path().join("out"),
        2,
        &OptimizeControl::default(),
    );
    assert_eq!(outcome.optimum_steps, OPTIMUM);
}

/// The error loading an optimisation over the two-stage scenario whose section is
/// `section`.
fn load_error(section: &str) -> String {
    let root = tempfile::tempdir().expect("tempdir");
    let file = write_optimisation(root.path(), section);
    match Problem::load(&file) {
        Ok(_) => panic!("accepted:\n{section}"),
        Err(error) => error.to_string(),
    }
}

#[test]
fn bad_sections_are_errors_naming_file_line_and_field() {
    let valid = |objective: &str, investment: &str| {
        format!(
            "[optimize]\nobjective = {objective}\nbudget = 8\n\n[[optimize.investments]]\n{investment}\n"
        )
    };
    let objective = "{ metric = \"accelerators_built\", goal = \"max\" }";
    let fab =
        "name = \"fab\"\npath = \"fabs.fab.wafer_starts_per_week\"\nstep = 10\ncost_per_step = 1";
    let cases = [
        (
            valid("{ metric = \"acelerators_built\", goal = \"max\" }", fab),
            "optimize.objective.metric: the scenario has no metric `acelerators_built`; nearest: `accelerators_built`",
            4,
        ),
        (
            valid("{ metric = \"chips_short\", goal = \"least\" }", fab),
            "unknown variant `least`",
            4,
        ),
        (
            valid(objective, &fab.replace("wafer_starts_per_week\"", "wafer_start_per_week\"")),
            "optimize.investments[0].path: `fabs.fab.wafer_start_per_week` matches nothing",
            9,
        ),
        (valid(objective, &fab.replace("step = 10", "step = 0")), "optimize.investments[0].step: must be a nonzero number", 10),
        (
            valid(objective, &fab.replace("cost_per_step = 1", "cost_per_step = 9")),
            "optimize.investments[0].cost_per_step: 9 is more than the whole budget",
            11,
        ),
        (
            valid(objective, &format!("{fab}\nfrom = 2026-01-01")),
            "optimize.investments[0].from: no value the path matches is dated on or after 2026-01-01",
            12,
        ),
        (
            valid(objective, &fab.replace("step = 10", "step = -5")),
            "optimize.investments[0].step: 9 steps, the most an evaluation may buy, make the scenario invalid",
            10,
        ),
        (
            valid(objective, &format!("{fab}\nmax_step = 3")),
            "unknown field `max_step`",
            12,
        ),
        (
            format!("{}\n[[optimize.investments]]\n{fab}\n", valid(objective, fab)),
            "optimize.investments[1].name: two investments are named `fab`",
            14,
        ),
        (
            format!(
                "{}\n[[optimize.investments]]\n{}\n",
                valid(objective, fab),
                fab.replace("\"fab\"", "\"more fab\"")
            ),
            "`fabs.fab.wafer_starts_per_week` is also stepped by investment `fab`",
            15,
        ),
        (
            valid(objective, &fab.replace("\"fab\"", "\"objective\"")),
            "optimize.investments[0].name: `objective` is a column of the output tables",
            8,
        ),
        (
            valid(objective, fab).replace("budget = 8", "budget = -1"),
            "optimize.budget: must be a number greater than 0",
            5,
        ),
    ];
    for (section, message, line) in cases {
        let error = load_error(&section);
        assert!(error.contains(message), "expected {message:?} in:\n{error}");
        assert!(
            error.contains(&format!("optimize.toml:{line}:")),
            "expected line {line} in:\n{error}"
        );
    }
    let root = tempfile::tempdir().expect("tempdir");
    let no_section = root.path().join("none.toml");
    fs::write(&no_section, "base = \"elsewhere.toml\"\nname = \"x\"\n").expect("write");
    let error = Problem::load(&no_section)
        .expect_err("scenario keys")
        .to_string();
    assert!(
        error.contains("none.toml:2: name: an optimisation file holds only"),
        "{error}"
    );
    fs::write(
        &no_section,
        fs::read_to_string("tests/scenarios/two-stages.toml").expect("read"),
    )
    .expect("write");
    let error = Problem::load(&no_section)
        .expect_err("no section")
        .to_string();
    assert!(error.contains("no [optimize] section"), "{error}");
}

#[test]
fn the_command_line_runs_and_refuses_bad_flags() {
    let root = tempfile::tempdir().expect("tempdir");
    let out = root.path().join("cli");
    let run = |args: &[&str]| chipsim(&[&["optimize"], args].concat(), Path::new("."));
    let output = run(&[
        TWO_STAGES,
        "--reps",
        "10",
        "--threads",
        "2",
        "--out",
        out.to_str().expect("utf-8"),
    ]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(
        stderr.contains("optimum: fab × 4, packaging × 2"),
        "{stderr}"
    );
    for file in [
        OPTIMUM_FILE,
        TRACE_FILE,
        SELECTION_FILE,
        MARGINAL_FILE,
        "best.toml",
        "manifest.json",
    ] {
        assert!(out.join(file).exists(), "{file}");
    }
    let refused = run(&[TWO_STAGES, "--reps", "1"]);
    assert_eq!(refused.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("--reps must be at least 2"));
}

#[test]
fn the_shipped_study_loads_with_sourced_costs_and_the_chip_days_objective() {
    let path = Path::new("configs/optimize/next-100-billion.toml");
    let problem = Problem::load(path).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(problem.spec.objective.metric, "chip_days_short");
    let text = fs::read_to_string(path).expect("read");
    for line in text
        .lines()
        .filter(|l| l.trim_start().starts_with("cost_per_step"))
    {
        assert!(
            line.contains("src:") || line.contains("NSF"),
            "every cost says where it comes from: {line}"
        );
    }
    assert!(!text.contains("TODO"), "no placeholder is left");
}
