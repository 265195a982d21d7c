//! Sensitivity sweeps on tiny scenarios: a parameter that matters by construction ranks
//! first and the others have zero effect; Morris recovers the coefficients of a linear
//! metric; Latin hypercubes stratify every range; same seed, same bytes; shards merge
//! into one run; unknown paths and bad flags are clear errors.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};

use chipsim::runner::{RunControl, Shard};
use chipsim::sweep::{merge_sweep, run_sweep, Study, SweepOptions};

/// A world where only packaging capacity can change chip shortages: packaging (100 a
/// week) binds well below the fab's 10,000 dies a week; lane and grid capacity are far
/// from binding; world electricity and the installed base feed only energy metrics.
const ONE_KNOB: &str = r#"
name = "one_knob"
start = 2025-01-01
end = 2025-12-31
world_electricity_twh = 30000

[power]
pue = 1.0
utilisation = 1.0

[[fabs]]
id = "fab"
region = "taiwan"
product = "logic"
wafer_starts_per_week = 1000
cycle_time_days = { triangular = { min = 20, mode = 30, max = 40 } }
dies_per_wafer = 10
yield = 1.0

[[packaging]]
id = "pack"
region = "taiwan"
accelerators_per_week = 100
bill_of_materials = { logic = 1 }
cycle_time_days = { uniform = { min = 7, max = 21 } }

[[lanes]]
id = "air"
from = "taiwan"
to = "us_west"
mode = "air"
departure_every_days = 1
capacity_per_departure = 1000000
transit_days = { uniform = { min = 2, max = 5 } }

[[grid_regions]]
id = "us_west"
spare_mw = 100000
capacity_added_mw_per_year = 0
study_days = 1
transformer_lead_days = 1

[[projects]]
id = "dc"
region = "us_west"
it_load_mw = 10
kw_per_accelerator = 1
construction_start = 2025-01-01
construction_days = 10
planned_go_live = 2025-06-01
order_lead_days = 120

[[installed_base]]
region = "us_west"
accelerators = 1000
kw_per_accelerator = 1
"#;

/// The parameters of the one-knob world; packaging capacity is the only one that binds.
const ONE_KNOB_PARAMETERS: &str = r#"
[[sweep.parameters]]
path = "world_electricity_twh"
low = 20000
high = 40000

[[sweep.parameters]]
name = "packaging"
path = "packaging.pack.accelerators_per_week"
low = 50
high = 150

[[sweep.parameters]]
path = "lanes.air.capacity_per_departure"
scale = [0.5, 2]

[[sweep.parameters]]
path = "installed_base.0.accelerators"
low = 0
high = 5000
"#;

/// Energy only: 2025 energy (TWh) is linear in the two installed bases, with
/// coefficients kW × PUE × 8760 h ÷ 10⁹ per accelerator.
const LINEAR: &str = r#"
name = "linear"
start = 2025-01-01
end = 2025-12-31
world_electricity_twh = 30000

[power]
pue = 1.0
utilisation = 1.0

[[installed_base]]
region = "a"
accelerators = 1000
kw_per_accelerator = 1

[[installed_base]]
region = "b"
accelerators = 1000
kw_per_accelerator = 2.5
pue = 1.2
"#;

/// TWh per accelerator of the two installed bases of [`LINEAR`].
const LINEAR_COEFFICIENTS: [f64; 2] = [1.0 * 8760.0 / 1e9, 2.5 * 1.2 * 8760.0 / 1e9];

fn write_study(dir: &Path, scenario: &str, sweep: &str) -> PathBuf {
    let path = dir.join("study.toml");
    fs::write(&path, format!("{scenario}\n{sweep}")).expect("write the scenario");
    path
}

fn load(path: &Path) -> Study {
    Study::load(path).unwrap_or_else(|error| panic!("{error}"))
}

fn sweep(study: &Study, out_dir: &Path, replications: u64, threads: usize, shard: Option<Shard>) {
    let options = SweepOptions {
        replications,
        base_seed: 11,
        threads,
        shard,
        out_dir: out_dir.to_path_buf(),
    };
    run_sweep(study, &options, &RunControl::default()).unwrap_or_else(|error| panic!("{error}"));
}

/// A CSV file as rows of column → cell.
pub fn rows(path: &Path) -> Vec<BTreeMap<String, String>> {
    let mut reader = csv::Reader::from_path(path).expect("open the CSV");
    let header = reader.headers().expect("header").clone();
    reader
        .records()
        .map(|record| {
            let record = record.expect("record");
            header
                .iter()
                .map(String::from)
                .zip(record.iter().map(String::from))
                .collect()
        })
        .collect()
}

pub fn number(row: &BTreeMap<String, String>, column: &str) -> f64 {
    row[column]
        .parse()
        .unwrap_or_else(|_| panic!("{column} = {:?} is not a number", row[column]))
}

/// The sensitivity rows of `metric`, by parameter name.
fn sensitivity(dir: &Path, metric: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    rows(&dir.join("sensitivity.csv"))
        .into_iter()
        .filter(|row| row["metric"] == metric)
        .map(|row| (row["parameter"].clone(), row))
        .collect()
}

#[test]
fn only_the_binding_parameter_moves_chip_shortages() {
    let root = tempfile::tempdir().expect("tempdir");
    for design in [
        "design = \"one_at_a_time\"",
        "design = \"morris\"\ntrajectories = 4",
    ] {
        let file = write_study(
            root.path(),
            ONE_KNOB,
            &format!("[sweep]\n{design}\nmetrics = [\"chips_short\"]\n{ONE_KNOB_PARAMETERS}"),
        );
        let out = root.path().join("out");
        sweep(&load(&file), &out, 20, 2, None);
        let table = sensitivity(&out, "chips_short");
        assert_eq!(table.len(), 4);
        assert_eq!(table["packaging"]["rank"], "1", "{design}");
        if design.contains("one_at_a_time") {
            // Less packaging, more shortage; both effects clear of zero.
            assert!(number(&table["packaging"], "low_effect_ci95_low") > 0.0);
            assert!(number(&table["packaging"], "high_effect_ci95_high") < 0.0);
            for (name, row) in table.iter().filter(|(name, _)| *name != "packaging") {
                for side in ["low", "high"] {
                    let (low, high) = (
                        number(row, &format!("{side}_effect_ci95_low")),
                        number(row, &format!("{side}_effect_ci95_high")),
                    );
                    assert!(low <= 0.0 && 0.0 <= high, "{name} {side}: [{low}, {high}]");
                }
            }
        } else {
            assert!(number(&table["packaging"], "mu_star") > 0.0);
            for (name, row) in table.iter().filter(|(name, _)| *name != "packaging") {
                // Common random numbers: a parameter that feeds nothing changes nothing.
                assert_eq!(number(row, "mu_star"), 0.0, "{name}");
            }
        }
    }
}

#[test]
fn morris_mean_effects_recover_the_coefficients_of_a_linear_metric() {
    let root = tempfile::tempdir().expect("tempdir");
    let ranges = [(0.0, 3000.0), (1000.0, 2000.0)];
    let file = write_study(
        root.path(),
        LINEAR,
        &format!(
            r#"[sweep]
design = "morris"
trajectories = 6
levels = 4
metrics = ["energy_twh_2025"]

[[sweep.parameters]]
name = "a"
path = "installed_base.0.accelerators"
low = {}
high = {}

[[sweep.parameters]]
name = "b"
path = "installed_base.1.accelerators"
low = {}
high = {}

[[sweep.parameters]]
name = "world"
path = "world_electricity_twh"
low = 20000
high = 40000
"#,
            ranges[0].0, ranges[0].1, ranges[1].0, ranges[1].1
        ),
    );
    let out = root.path().join("out");
    sweep(&load(&file), &out, 2, 1, None);
    let table = sensitivity(&out, "energy_twh_2025");
    for ((name, coefficient), (low, high)) in ["a", "b"].iter().zip(LINEAR_COEFFICIENTS).zip(ranges)
    {
        // μ is per unit of the parameter scaled to [0, 1]: coefficient × range.
        let recovered = number(&table[*name], "mu") / (high - low);
        assert!(
            (recovered / coefficient - 1.0).abs() < 1e-9,
            "{name}: {recovered} vs {coefficient}"
        );
        assert!(number(&table[*name], "sigma") < 1e-9 * number(&table[*name], "mu"));
        assert_eq!(number(&table[*name], "effects"), 6.0);
    }
    assert_eq!(number(&table["world"], "mu_star"), 0.0);
    assert_eq!(table["world"]["rank"], "3");
}

#[test]
fn a_latin_hypercube_puts_one_point_in_every_stratum_of_every_range() {
    let root = tempfile::tempdir().expect("tempdir");
    let points = 9;
    let ranges = [
        ("a", 0.0, 3000.0),
        ("b", 1000.0, 2000.0),
        ("world", 10000.0, 40000.0),
    ];
    let file = write_study(
        root.path(),
        LINEAR,
        &format!(
            r#"[sweep]
design = "latin_hypercube"
points = {points}
metrics = ["energy_twh_2025"]

[[sweep.parameters]]
name = "a"
path = "installed_base.0.accelerators"
low = 0
high = 3000

[[sweep.parameters]]
name = "b"
path = "installed_base.1.accelerators"
low = 1000
high = 2000

[[sweep.parameters]]
name = "world"
path = "world_electricity_twh"
low = 10000
high = 40000
"#
        ),
    );
    let out = root.path().join("out");
    sweep(&load(&file), &out, 2, 2, None);
    let design = rows(&out.join("sweep_points.csv"));
    assert_eq!(design.len(), points);
    for (name, low, high) in ranges {
        let mut strata: Vec<usize> = design
            .iter()
            .map(|row| ((number(row, name) - low) / (high - low) * points as f64).floor() as usize)
            .collect();
        strata.sort_unstable();
        assert_eq!(strata, (0..points).collect::<Vec<_>>(), "{name}");
    }
    // The metric is linear: the regression explains it fully and finds no effect of
    // world electricity.
    let table = sensitivity(&out, "energy_twh_2025");
    assert!(number(&table["a"], "r_squared") > 1.0 - 1e-9);
    assert!(number(&table["world"], "src").abs() < 1e-9);
}

/// Every file of a folder, with the manifest's `execution` (threads, timings) removed.
pub fn contents(dir: &Path) -> BTreeMap<String, String> {
    fs::read_dir(dir)
        .expect("list")
        .map(|entry| {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned();
            let mut text = fs::read_to_string(&path).expect("read");
            if name == "manifest.json" {
                let mut manifest: serde_json::Value = serde_json::from_str(&text).expect("json");
                manifest
                    .as_object_mut()
                    .expect("object")
                    .remove("execution");
                text = manifest.to_string();
            }
            (name, text)
        })
        .collect()
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_merged_shards_equal_one_run() {
    let root = tempfile::tempdir().expect("tempdir");
    let file = write_study(
        root.path(),
        ONE_KNOB,
        &format!("[sweep]\ndesign = \"morris\"\ntrajectories = 3\n{ONE_KNOB_PARAMETERS}"),
    );
    let study = load(&file);
    let one = root.path().join("one");
    let again = root.path().join("again");
    sweep(&study, &one, 6, 1, None);
    sweep(&study, &again, 6, 2, None);
    let expected = contents(&one);
    assert_eq!(
        expected.keys().collect::<Vec<_>>(),
        [
            "manifest.json",
            "sensitivity.csv",
            "sweep_points.csv",
            "sweep_replications.csv"
        ]
    );
    assert_eq!(
        contents(&again),
        expected,
        "thread count changed the outputs"
    );

    let shards: Vec<PathBuf> = (0..3)
        .map(|index| {
            let dir = root.path().join(format!("shard{index}"));
            sweep(&study, &dir, 6, 2, Some(Shard { index, count: 3 }));
            dir
        })
        .collect();
    assert!(
        !shards[0].join("sensitivity.csv").exists(),
        "a shard cannot rank alone"
    );
    let merged = root.path().join("merged");
    // Merge in another order than the shard indices.
    let order = [shards[2].clone(), shards[0].clone(), shards[1].clone()];
    merge_sweep(&study, &order, &merged).unwrap_or_else(|error| panic!("{error}"));
    assert_eq!(
        contents(&merged),
        expected,
        "merged shards differ from one run"
    );

    let error = merge_sweep(&study, &shards[..2], &root.path().join("partial"))
        .expect_err("a shard is missing");
    assert!(
        error.to_string().contains("shard 2/3 is missing"),
        "{error}"
    );
    assert!(!root.path().join("partial").exists());
}

fn chipsim(args: &[&std::ffi::OsStr]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_chipsim"))
        .args(args)
        .output()
        .expect("run chipsim")
}

#[test]
fn unknown_paths_and_bad_points_are_errors_that_say_what_to_write() {
    let root = tempfile::tempdir().expect("tempdir");
    let file = write_study(
        root.path(),
        ONE_KNOB,
        "[sweep]\n[[sweep.parameters]]\npath = \"packaging.*.accelerator_per_week\"\nscale = [0.5, 2]\n",
    );
    let output = chipsim(&["sweep".as_ref(), file.as_os_str(), "--quiet".as_ref()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("sweep.parameters[0].path"), "{stderr}");
    assert!(
        stderr.contains("nearest valid paths: `packaging.*.accelerators_per_week`"),
        "{stderr}"
    );

    // A value outside its field's range fails before anything runs.
    let file = write_study(
        root.path(),
        ONE_KNOB,
        "[sweep]\n[[sweep.parameters]]\npath = \"power.pue\"\nlow = 1.2\nhigh = 9\n",
    );
    let error = Study::load(&file)
        .map(|study| {
            run_sweep(
                &study,
                &SweepOptions {
                    replications: 2,
                    base_seed: 1,
                    threads: 1,
                    shard: None,
                    out_dir: root.path().join("never"),
                },
                &RunControl::default(),
            )
        })
        .expect("the sweep itself is well formed")
        .expect_err("pue 9 is out of range");
    assert!(
        error
            .to_string()
            .starts_with("design point 2 (power.pue = 9): power.pue"),
        "{error}"
    );
    assert!(!root.path().join("never").exists());

    // A distribution takes a multiplier, not a value.
    let file = write_study(
        root.path(),
        ONE_KNOB,
        "[sweep]\n[[sweep.parameters]]\npath = \"fabs.fab.cycle_time_days\"\nvalues = [20, 30]\n",
    );
    let error = Study::load(&file).expect_err("values of a distribution");
    assert!(error.to_string().contains("scale = [low, high]"), "{error}");
}

#[test]
fn the_sweep_command_checks_its_flags_writes_its_folder_and_merges_shards() {
    let root = tempfile::tempdir().expect("tempdir");
    let file = write_study(
        root.path(),
        ONE_KNOB,
        &format!("[sweep]\nreplications = 3\n{ONE_KNOB_PARAMETERS}"),
    );
    for (flag, value, expected) in [
        ("--reps", "0", "--reps must be at least 1"),
        ("--threads", "0", "--threads must be at least 1"),
        ("--shard", "2/2", "--shard must be I/N"),
    ] {
        let output = chipsim(&[
            "sweep".as_ref(),
            file.as_os_str(),
            flag.as_ref(),
            value.as_ref(),
        ]);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flag} {value}: {stderr}");
        assert!(stderr.contains(expected), "{stderr}");
    }
    let run = |extra: &[&std::ffi::OsStr]| {
        let mut args: Vec<&std::ffi::OsStr> =
            vec!["sweep".as_ref(), file.as_os_str(), "--quiet".as_ref()];
        args.extend_from_slice(extra);
        let output = chipsim(&args);
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    };
    let whole = root.path().join("whole");
    run(&["--out".as_ref(), whole.as_os_str()]);
    let mut shards = Vec::new();
    for shard in ["0/2", "1/2"] {
        let dir = root.path().join(shard.replace('/', "of"));
        run(&[
            "--shard".as_ref(),
            shard.as_ref(),
            "--out".as_ref(),
            dir.as_os_str(),
        ]);
        shards.push(dir);
    }
    // `chipsim merge` is for run shards, and says where sweep shards go.
    let output = chipsim(&[
        "merge".as_ref(),
        shards[0].as_os_str(),
        "--out".as_ref(),
        root.path().join("x").as_os_str(),
    ]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("chipsim sweep CONFIG --merge"));
    let merged = root.path().join("merged");
    run(&[
        "--merge".as_ref(),
        shards[0].as_os_str(),
        shards[1].as_os_str(),
        "--out".as_ref(),
        merged.as_os_str(),
    ]);
    assert_eq!(contents(&merged), contents(&whole));
    let points = rows(&whole.join("sweep_points.csv"));
    // Base point and two per parameter, each with the eight headline metrics.
    assert_eq!(points.len(), 9 * 8);
    assert_eq!(
        points[0]["packaging"], "100",
        "the base point shows base values"
    );
}
