//! Writing scenarios: the JSON Schema accepts every shipped scenario and rejects
//! mistakes, the committed schema and reference are what the generator prints, a
//! `chipsim new` starter checks and runs, misspellings get a "did you mean", and the
//! shell completions and man page are generated.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use chipsim::scenario::{self, reference, schema};

fn chipsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chipsim"))
        .args(args)
        .output()
        .expect("run the chipsim binary")
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// The TOML files under `dir`, at any depth.
fn toml_files(dir: &Path, into: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read a folder of scenarios") {
        let path = entry.expect("a folder entry").path();
        if path.is_dir() {
            toml_files(&path, into);
        } else if path.extension().is_some_and(|e| e == "toml") {
            into.push(path);
        }
    }
}

/// A TOML document as the JSON a schema validator (or an editor) sees: dates become
/// their ISO text.
fn to_json(value: &toml::Value) -> serde_json::Value {
    use serde_json::Value as Json;
    match value {
        toml::Value::String(text) => Json::from(text.as_str()),
        toml::Value::Integer(number) => Json::from(*number),
        toml::Value::Float(number) => Json::from(*number),
        toml::Value::Boolean(flag) => Json::from(*flag),
        toml::Value::Datetime(date) => Json::from(date.to_string()),
        toml::Value::Array(items) => Json::Array(items.iter().map(to_json).collect()),
        toml::Value::Table(table) => Json::Object(
            table
                .iter()
                .map(|(key, value)| (key.clone(), to_json(value)))
                .collect(),
        ),
    }
}

/// The schema's complaints about `text`, one line each.
fn schema_errors(text: &str) -> Vec<String> {
    let validator = jsonschema::validator_for(&schema::json_schema()).expect("a valid schema");
    let document: toml::Value = toml::from_str(text).expect("TOML");
    validator
        .iter_errors(&to_json(&document))
        .map(|error| format!("{}: {error}", error.instance_path()))
        .collect()
}

/// Whether `text` is a sweep or optimisation file (`base = "…"` and a `[sweep]` or
/// `[optimize]` section), which names a scenario rather than being one.
fn is_sweep_file(text: &str) -> bool {
    let document: toml::Table = toml::from_str(text).expect("TOML");
    document.contains_key("base")
        && (document.contains_key("sweep") || document.contains_key("optimize"))
}

#[test]
fn every_shipped_scenario_satisfies_the_schema() {
    let mut files = Vec::new();
    toml_files(Path::new("configs"), &mut files);
    toml_files(Path::new("tests/scenarios"), &mut files);
    let mut checked = 0;
    for file in files {
        let text = std::fs::read_to_string(&file).expect("read a scenario");
        if is_sweep_file(&text) {
            continue;
        }
        let errors = schema_errors(&text);
        assert!(errors.is_empty(), "{}: {errors:#?}", file.display());
        checked += 1;
    }
    assert!(checked >= 10, "found only {checked} scenarios");
}

#[test]
fn the_schema_rejects_misspelt_fields_families_and_words_and_bad_ranges() {
    let golden = std::fs::read_to_string("tests/scenarios/golden.toml").expect("golden");
    let cases = [
        ("wafer_starts_per_week = 10", "wafer_start_per_week = 10"),
        (
            "cycle_time_days = 70",
            "cycle_time_days = { lognormall = { median = 70, p90 = 90 } }",
        ),
        (
            "cycle_time_days = 70",
            "cycle_time_days = { triangular = { min = 1, max = 2 } }",
        ),
        ("mode = \"air\"", "mode = \"ari\""),
        ("dies_per_wafer = 10", "dies_per_wafer = 0"),
        ("transit_days = 3", "transit_days = 400"),
        ("start = 2025-01-01", "start = \"soon\""),
        ("id = \"pack\"", "id = \"pack site\""),
    ];
    for (from, to) in cases {
        assert!(golden.contains(from), "golden.toml has no {from:?}");
        let errors = schema_errors(&golden.replacen(from, to, 1));
        assert!(!errors.is_empty(), "the schema accepts {to:?}");
    }
}

#[test]
fn committed_schema_and_reference_are_what_the_generator_prints() {
    let committed = |path: &str| std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed("docs/chipsim.schema.json") == schema::text(),
        "docs/chipsim.schema.json is stale: run `cargo run -- schema > docs/chipsim.schema.json`"
    );
    assert!(
        committed("docs/scenario-reference.md") == reference::markdown(),
        "docs/scenario-reference.md is stale: run \
         `cargo run -- schema --markdown > docs/scenario-reference.md`"
    );
    let printed = chipsim(&["schema"]);
    assert!(printed.status.success(), "{}", stderr(&printed));
    assert_eq!(stdout(&printed), schema::text());
}

#[test]
fn the_reference_lists_every_table_field_and_family() {
    let text = reference::markdown();
    for needle in [
        "## `[[fabs]]`",
        "## `[[shocks]]`",
        "## `[power]`",
        "| `wafer_starts_per_week` | number | wafers/week | between 0 and 1000000 | required |",
        "| `lot_interval_days` | number | days | between 1 and 91 | 7 |",
        "| `lognormal` |",
        "`{ empirical = { values = [90, 100, 100, 120] } }`",
    ] {
        assert!(text.contains(needle), "the reference lacks {needle:?}");
    }
}

#[test]
fn a_new_scenario_checks_and_runs_and_is_never_overwritten() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let file = dir.path().join("starter.toml");
    let file = file.to_str().expect("a UTF-8 path");
    let made = chipsim(&["new", "my_study", "--out", file]);
    assert!(made.status.success(), "{}", stderr(&made));
    let text = std::fs::read_to_string(file).expect("the starter was written");
    assert!(text.contains("name = \"my_study\""));
    assert!(
        text.contains("# [[shocks]]"),
        "the shock comes commented out"
    );

    let checked = chipsim(&["check", file]);
    assert!(checked.status.success(), "{}", stderr(&checked));
    assert!(stdout(&checked).contains("scenario \"my_study\" is valid"));

    let out = dir.path().join("out");
    let out = out.to_str().expect("a UTF-8 path");
    let ran = chipsim(&["run", file, "--reps", "3", "--out", out, "--quiet"]);
    assert!(ran.status.success(), "{}", stderr(&ran));
    let summary = std::fs::read_to_string(Path::new(out).join("summary.csv")).expect("summary");
    assert!(summary.contains("my_study,"), "{summary}");

    let again = chipsim(&["new", "other", "--out", file]);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        stderr(&again).contains("already exists"),
        "{}",
        stderr(&again)
    );
    assert!(std::fs::read_to_string(file)
        .expect("still there")
        .contains("my_study"));

    let bad = chipsim(&["new", "my study", "--out", file]);
    assert_eq!(bad.status.code(), Some(2), "{}", stderr(&bad));
    assert!(stderr(&bad).contains("NAME must be"), "{}", stderr(&bad));
}

#[test]
fn misspellings_name_the_intended_field_family_or_word() {
    let golden = std::fs::read_to_string("tests/scenarios/golden.toml").expect("golden");
    let shock =
        "[[shocks]]\nid = \"quake\"\nregion = \"taiwan\"\nrate_per_year = 1\nduration_days = 10";
    let with_shock = |lines: &str| format!("{golden}\n{shock}\n{lines}\n");
    let cases = [
        (
            golden.replace("wafer_starts_per_week", "wafer_start_per_week"),
            "`wafer_starts_per_week`",
        ),
        (
            golden.replace(
                "cycle_time_days = 70",
                "cycle_time_days = { lognormall = { median = 70, p90 = 90 } }",
            ),
            "`lognormal`",
        ),
        (
            golden.replace(
                "cycle_time_days = 70",
                "cycle_time_days = { triangular = { min = 1, mod = 2, max = 3 } }",
            ),
            "`mode`",
        ),
        (golden.replace("mode = \"air\"", "mode = \"ari\""), "`air`"),
        (
            golden.replace(
                "[power]",
                "[allocator]\npolicy = \"first_comer\"\n\n[power]",
            ),
            "`first_come`",
        ),
        (with_shock("kind = \"outtage\""), "`outage`"),
        (
            with_shock("kind = \"outage\"\nrecovery = \"stepp\""),
            "`step`",
        ),
    ];
    for (text, intended) in cases {
        assert_ne!(text, golden, "the misspelling for {intended} was not made");
        let error = scenario::parse(&text, "misspelt.toml")
            .expect_err("a misspelling is an error")
            .to_string();
        assert!(
            error.contains(&format!("(did you mean {intended}?)")),
            "{error}"
        );
    }
}

#[test]
fn completions_and_man_pages_are_generated() {
    for shell in ["bash", "zsh", "fish"] {
        let script = chipsim(&["completions", shell]);
        assert!(script.status.success(), "{shell}: {}", stderr(&script));
        let text = stdout(&script);
        assert!(
            text.contains("chipsim") && text.contains("schema"),
            "{shell}: {text}"
        );
    }
    let page = chipsim(&["man"]);
    assert!(page.status.success(), "{}", stderr(&page));
    assert!(stdout(&page).starts_with(".ie") || stdout(&page).contains(".TH chipsim"));

    let dir = tempfile::tempdir().expect("a temporary folder");
    let pages = chipsim(&["man", "--dir", dir.path().to_str().expect("UTF-8")]);
    assert!(pages.status.success(), "{}", stderr(&pages));
    for name in ["chipsim.1", "chipsim-run.1", "chipsim-new.1"] {
        let page = std::fs::read_to_string(dir.path().join(name)).unwrap_or_default();
        assert!(page.contains(".TH"), "{name} missing or empty");
    }
}
