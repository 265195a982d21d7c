//! The Monte Carlo runner against a fake replicator: outputs independent of thread count
//! and sharding, merge and its refusals, confidence-interval coverage, precision mode,
//! interruption, failures that leave the previous outputs intact, and compare.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use chrono::NaiveDate;
use rand::Rng;
use rand_distr::{Distribution, Exp, Normal};

use chipsim::output::{write_comparison, Status, StopRule};
use chipsim::random::{replication_seed, stream};
use chipsim::replication::{
    DelayCause, MetricDef, OutputLayout, Period, ProjectGroup, ProjectOutcome, ReplicationError,
    ReplicationResult, Replicator, SeriesDef, WORLD_SCOPE,
};
use chipsim::runner::{
    compare_runs, merge_shards, run_batch, Aggregator, BatchOutcome, CompareError, MergeError,
    Precision, RunControl, RunError, RunOptions, Shard,
};

/// What the fake does besides reporting draws.
#[derive(Debug, Clone, Default)]
pub(crate) enum Behaviour {
    #[default]
    Normal,
    FailAt(u64),
    PanicAt(u64),
    WrongShapeAt(u64),
    /// Sets the flag while running this replication.
    CancelAt(u64, Arc<AtomicBool>),
}

/// A replicator with known distributions: `chips_short` ~ Normal(1000, 100) (+ `shift`),
/// `mean_delay` ~ Exp(mean 20), `energy` ~ Normal(5, 1) but undefined (NaN) one time in
/// ten; two series over the four quarters of 2027; two project groups, the second with
/// 0–3 projects per replication.
#[derive(Debug)]
pub(crate) struct Fake {
    layout: OutputLayout,
    pub(crate) shift: f64,
    pub(crate) behaviour: Behaviour,
}

pub(crate) fn date(year: i32, month: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, month, day).expect("valid date")
}

pub(crate) fn metric(name: &str, unit: &str, headline: bool) -> MetricDef {
    MetricDef {
        name: name.into(),
        unit: unit.into(),
        headline,
    }
}

/// A world-wide series.
pub(crate) fn world_series(name: &str, unit: &str) -> SeriesDef {
    SeriesDef {
        scope: WORLD_SCOPE.into(),
        metric: metric(name, unit, false),
    }
}

impl Fake {
    pub(crate) fn new(scenario: &str) -> Self {
        let quarters = [(1, 3, 31), (4, 6, 30), (7, 9, 30), (10, 12, 31)];
        Fake {
            layout: OutputLayout {
                scenario: scenario.into(),
                metrics: vec![
                    metric("energy", "TWh", false),
                    metric("chips_short", "accelerators", true),
                    metric("mean_delay", "days", true),
                ],
                series: vec![
                    world_series("deliveries", "accelerators"),
                    world_series("backlog", "accelerators"),
                ],
                periods: quarters
                    .iter()
                    .map(|&(first, last, day)| Period {
                        start: date(2027, first, 1),
                        end: date(2027, last, day),
                    })
                    .collect(),
                projects: vec![
                    ProjectGroup {
                        name: "dc_alpha".into(),
                        region: "us_east".into(),
                        planned_go_live: date(2027, 6, 1),
                    },
                    ProjectGroup {
                        name: "us_west/2027".into(),
                        region: "us_west".into(),
                        planned_go_live: date(2027, 1, 15),
                    },
                ],
            },
            shift: 0.0,
            behaviour: Behaviour::Normal,
        }
    }

    fn with(behaviour: Behaviour) -> Self {
        Fake {
            behaviour,
            ..Fake::new("fake")
        }
    }
}

fn outcome(rng: &mut impl Rng) -> ProjectOutcome {
    if rng.random::<f64>() < 0.5 {
        return ProjectOutcome {
            delay_days: 0.0,
            cause: DelayCause::OnTime,
        };
    }
    let exp = Exp::new(1.0_f64 / 60.0).expect("rate");
    ProjectOutcome {
        delay_days: exp.sample(rng).round(),
        cause: DelayCause::ALL[rng.random_range(1..DelayCause::ALL.len())],
    }
}

impl Replicator for Fake {
    fn layout(&self) -> &OutputLayout {
        &self.layout
    }

    fn run(&self, replication: u64, seed: u64) -> Result<ReplicationResult, ReplicationError> {
        match &self.behaviour {
            Behaviour::FailAt(r) if *r == replication => {
                return Err(ReplicationError {
                    replication,
                    seed,
                    message: "fab/test: capacity went negative".into(),
                })
            }
            Behaviour::PanicAt(r) if *r == replication => panic!("model bug"),
            Behaviour::WrongShapeAt(r) if *r == replication => {
                return Ok(ReplicationResult::default())
            }
            Behaviour::CancelAt(r, flag) if *r == replication => flag.store(true, Ordering::SeqCst),
            _ => {}
        }
        let mut draws = stream(seed, "x");
        let chips = Normal::new(1000.0, 100.0)
            .expect("normal")
            .sample(&mut draws)
            + self.shift;
        let delay = Exp::new(1.0 / 20.0).expect("rate").sample(&mut draws);
        let energy = Normal::new(5.0, 1.0).expect("normal").sample(&mut draws);
        let energy = if draws.random::<f64>() < 0.1 {
            f64::NAN
        } else {
            energy
        };
        let mut series = Vec::new();
        for quarter in 0..4 {
            series.push(100.0 * f64::from(quarter + 1) + draws.random_range(-10.0..10.0));
            series.push(draws.random_range(0.0..50.0));
        }
        let mut projects = stream(seed, "projects");
        let alpha = vec![outcome(&mut projects)];
        let west = (0..projects.random_range(0..4))
            .map(|_| outcome(&mut projects))
            .collect();
        Ok(ReplicationResult {
            metrics: vec![energy, chips, delay],
            series,
            projects: vec![alpha, west],
            events: 1000 + replication,
        })
    }
}

pub(crate) fn options(out_dir: &Path, replications: u64, seed: u64, threads: usize) -> RunOptions {
    RunOptions {
        replications,
        base_seed: seed,
        threads,
        shard: None,
        precision: None,
        out_dir: out_dir.to_path_buf(),
        config_text: "name = \"fake\"\n".into(),
    }
}

pub(crate) fn run(replicator: &dyn Replicator, options: &RunOptions) -> BatchOutcome {
    run_batch(replicator, options, &RunControl::default()).expect("run succeeds")
}

/// Every file of a folder, by name; the manifest without its `execution` object.
pub(crate) fn contents(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fs::read_dir(dir)
        .expect("list output folder")
        .map(|entry| {
            let entry = entry.expect("entry");
            let name = entry.file_name().to_string_lossy().into_owned();
            let mut bytes = fs::read(entry.path()).expect("read output file");
            if name == "manifest.json" {
                let mut manifest: serde_json::Value =
                    serde_json::from_slice(&bytes).expect("manifest is JSON");
                let execution = manifest
                    .as_object_mut()
                    .and_then(|object| object.remove("execution"));
                assert!(execution.is_some(), "manifest has an execution object");
                bytes = manifest.to_string().into_bytes();
            }
            (name, bytes)
        })
        .collect()
}

fn assert_same_outputs(a: &Path, b: &Path) {
    let (left, right) = (contents(a), contents(b));
    assert_eq!(
        left.keys().collect::<Vec<_>>(),
        right.keys().collect::<Vec<_>>()
    );
    for (name, bytes) in &left {
        assert!(
            bytes == &right[name],
            "{name} differs between {} and {}",
            a.display(),
            b.display()
        );
    }
}

pub(crate) fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_slice(&fs::read(dir.join("manifest.json")).expect("read manifest"))
        .expect("manifest is JSON")
}

fn leftovers(parent: &Path) -> Vec<String> {
    fs::read_dir(parent)
        .expect("list")
        .map(|entry| {
            entry
                .expect("entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.starts_with('.'))
        .collect()
}

#[test]
fn outputs_do_not_depend_on_thread_count() {
    let root = tempfile::tempdir().expect("tempdir");
    let fake = Fake::new("fake");
    let dirs: Vec<PathBuf> = [1, 2, 4]
        .iter()
        .map(|&threads| {
            let dir = root.path().join(format!("threads{threads}"));
            let outcome = run(&fake, &options(&dir, 57, 42, threads));
            assert_eq!(
                (outcome.status, outcome.stop_rule, outcome.completed),
                (Status::Complete, StopRule::FixedCount, 57)
            );
            assert_eq!(outcome.events, (0..57).map(|r| 1000 + r).sum::<u64>());
            dir
        })
        .collect();
    let names: Vec<String> = contents(&dirs[0]).into_keys().collect();
    assert_eq!(
        names,
        [
            "manifest.json",
            "projects.csv",
            "replications.csv",
            "shard_data.bin",
            "summary.csv",
            "timeseries.csv"
        ]
    );
    assert_same_outputs(&dirs[0], &dirs[1]);
    assert_same_outputs(&dirs[0], &dirs[2]);
    assert_eq!(manifest(&dirs[2])["execution"]["threads"], 4);
    assert!(leftovers(root.path()).is_empty());
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_does_not() {
    let root = tempfile::tempdir().expect("tempdir");
    let fake = Fake::new("fake");
    let (a, b, c) = (
        root.path().join("a"),
        root.path().join("b"),
        root.path().join("c"),
    );
    run(&fake, &options(&a, 30, 7, 2));
    run(&fake, &options(&b, 30, 7, 2));
    run(&fake, &options(&c, 30, 8, 2));
    assert_same_outputs(&a, &b);
    assert_ne!(contents(&a)["summary.csv"], contents(&c)["summary.csv"]);
    // Running again into the same folder replaces it with the same bytes.
    run(&fake, &options(&a, 30, 7, 1));
    assert_same_outputs(&a, &b);
}

fn run_shards(fake: &Fake, root: &Path, reps: u64, count: u64, seed: u64) -> Vec<PathBuf> {
    (0..count)
        .map(|index| {
            let dir = root.join(format!("shard{index}of{count}"));
            let mut opts = options(&dir, reps, seed, 2);
            opts.shard = Some(Shard { index, count });
            let outcome = run(fake, &opts);
            assert_eq!(outcome.completed, Shard { index, count }.len(reps));
            dir
        })
        .collect()
}

#[test]
fn merged_shards_equal_one_unsharded_run() {
    let root = tempfile::tempdir().expect("tempdir");
    let fake = Fake::new("fake");
    let whole = root.path().join("whole");
    run(&fake, &options(&whole, 50, 3, 3));
    let shards = run_shards(&fake, root.path(), 50, 3, 3);
    assert!(shards[1].join("shard_data.bin").is_file());
    assert!(
        whole.join("shard_data.bin").is_file(),
        "every run keeps its raw data"
    );
    let shard_manifest = manifest(&shards[1]);
    assert_eq!(
        shard_manifest["shard"],
        serde_json::json!({"index": 1, "count": 3})
    );
    assert_eq!(
        shard_manifest["replications"],
        serde_json::json!({"completed": 17, "first_index": 1, "stride": 3})
    );

    let merged = root.path().join("merged");
    // Shards in any order.
    let inputs = vec![shards[2].clone(), shards[0].clone(), shards[1].clone()];
    let outcome = merge_shards(&inputs, &merged).expect("merge succeeds");
    assert_eq!((outcome.replications, outcome.shards), (50, 3));
    assert_same_outputs(&whole, &merged);
    assert_eq!(
        manifest(&merged)["execution"]["merged_from"]
            .as_array()
            .map(Vec::len),
        Some(3)
    );
}

#[test]
fn a_merge_with_a_missing_shard_fails_and_writes_nothing() {
    let root = tempfile::tempdir().expect("tempdir");
    let fake = Fake::new("fake");
    let shards = run_shards(&fake, root.path(), 20, 3, 3);
    let merged = root.path().join("merged");
    let error = merge_shards(&[shards[0].clone(), shards[2].clone()], &merged)
        .expect_err("a shard is missing");
    let message = error.to_string();
    assert!(
        matches!(error, MergeError::Missing { missing: 7, .. }),
        "{message}"
    );
    assert!(message.contains("1, 4, 7, 10, 13, 16, 19"), "{message}");
    assert!(message.contains("add shard 1/3"), "{message}");
    assert!(!merged.exists());
    assert!(leftovers(root.path()).is_empty());
}

#[test]
fn merge_refuses_shards_of_different_runs_or_overlapping_shards() {
    let root = tempfile::tempdir().expect("tempdir");
    let fake = Fake::new("fake");
    let seed3 = run_shards(&fake, &root.path().join("seed3"), 20, 2, 3);
    let seed4 = run_shards(&fake, &root.path().join("seed4"), 20, 2, 4);
    let merged = root.path().join("merged");
    let error =
        merge_shards(&[seed3[0].clone(), seed4[1].clone()], &merged).expect_err("different seeds");
    assert!(
        matches!(error, MergeError::Mismatch { field: "seed", .. }),
        "{error}"
    );

    let other_config = root.path().join("other_config");
    let mut opts = options(&other_config, 20, 3, 1);
    opts.shard = Some(Shard { index: 1, count: 2 });
    opts.config_text.push_str("# edited\n");
    run(&fake, &opts);
    let error = merge_shards(&[seed3[0].clone(), other_config], &merged)
        .expect_err("different scenario text");
    assert!(
        matches!(
            error,
            MergeError::Mismatch {
                field: "config hash",
                ..
            }
        ),
        "{error}"
    );

    let error = merge_shards(&[seed3[0].clone(), seed3[0].clone()], &merged)
        .expect_err("the same shard twice");
    assert!(
        matches!(error, MergeError::Duplicate { replication: 0, .. }),
        "{error}"
    );

    let whole = root.path().join("whole");
    run(&fake, &options(&whole, 20, 3, 1));
    fs::remove_file(whole.join("shard_data.bin")).expect("remove the raw data");
    let error = merge_shards(&[whole], &merged).expect_err("no raw data");
    assert!(error.to_string().contains("not found"), "{error}");
    assert!(!merged.exists());
}

#[test]
fn confidence_intervals_cover_the_mean_at_the_nominal_rate() {
    // 1,000 batches of 20 replications of chips_short ~ Normal(1000, 100). The number of
    // 95 % intervals covering 1000 is Binomial(1000, 0.95): mean 950, sd 6.89, so its
    // 99 % band is 950 ± 2.576 × 6.89, i.e. 933 to 967.
    let fake = Fake::new("fake");
    let mut covered = 0;
    for batch in 0..1000 {
        let mut aggregator = Aggregator::new(fake.layout()).expect("valid layout");
        for replication in 0..20 {
            let seed = replication_seed(batch, replication);
            let result = fake.run(replication, seed).expect("fake runs");
            aggregator
                .push(replication, &result)
                .expect("result fits layout");
        }
        let chips = aggregator.statistics(1).metrics[1];
        assert_eq!(chips.n, 20);
        if chips.ci95_low <= 1000.0 && 1000.0 <= chips.ci95_high {
            covered += 1;
        }
    }
    assert!(
        (933..=967).contains(&covered),
        "{covered} of 1000 intervals cover the mean"
    );
}

#[test]
fn precision_mode_stops_when_every_headline_metric_meets_the_target() {
    let root = tempfile::tempdir().expect("tempdir");
    let fake = Fake::new("fake");
    let run_precision = |dir: &Path, p: f64, max: u64, threads: usize| {
        let mut opts = options(dir, 0, 5, threads);
        opts.precision = Some(Precision {
            relative_half_width: p,
            max_replications: max,
        });
        run(&fake, &opts)
    };
    // chips_short needs ~16 replications for ±5 %, mean_delay (exponential, cv 1)
    // about 1,540: the batch after that is where it stops.
    let (a, b) = (root.path().join("a"), root.path().join("b"));
    let outcome = run_precision(&a, 0.05, 10_000, 1);
    assert_eq!(outcome.stop_rule, StopRule::PrecisionReached);
    assert_eq!(outcome.completed % 100, 0);
    assert!(
        (1300..=1900).contains(&outcome.completed),
        "{}",
        outcome.completed
    );
    let summary = fs::read_to_string(a.join("summary.csv")).expect("summary");
    for line in summary.lines().skip(1).take(2) {
        let cells: Vec<&str> = line.split(',').collect();
        let number = |i: usize| cells[i].parse::<f64>().expect("number");
        let (mean, low, high) = (number(4), number(6), number(7));
        assert!((high - low) / 2.0 <= 0.05 * mean.abs(), "{line}");
    }
    let m = manifest(&a);
    assert_eq!(m["stop_rule"], "precision_reached");
    assert_eq!(m["status"], "complete");
    assert_eq!(m["precision"]["batch"], 100);
    assert_eq!(m["replications"]["completed"], outcome.completed);
    // The stopping point is deterministic.
    assert_eq!(
        run_precision(&b, 0.05, 10_000, 3).completed,
        outcome.completed
    );
    assert_same_outputs(&a, &b);
    // A target out of reach stops at --max-reps, even between two batches.
    let outcome = run_precision(&a, 0.001, 250, 2);
    assert_eq!(
        (outcome.stop_rule, outcome.completed),
        (StopRule::MaxReps, 250)
    );
    assert_eq!(manifest(&a)["stop_rule"], "max_reps");
}

#[test]
fn cancelling_writes_a_consistent_prefix() {
    let root = tempfile::tempdir().expect("tempdir");
    for threads in [1, 4] {
        let flag = Arc::new(AtomicBool::new(false));
        let fake = Fake::with(Behaviour::CancelAt(10, Arc::clone(&flag)));
        let dir = root.path().join(format!("cancelled{threads}"));
        let control = RunControl {
            cancel: Some(&flag),
            progress: None,
        };
        let outcome = run_batch(&fake, &options(&dir, 500, 9, threads), &control)
            .expect("an interrupted run still writes");
        assert_eq!(
            (outcome.status, outcome.stop_rule),
            (Status::Interrupted, StopRule::Interrupted)
        );
        // Replications 0..=10 were handed out before the flag was set, so they finish.
        if threads == 1 {
            assert_eq!(outcome.completed, 11);
        }
        assert!(
            (11..500).contains(&outcome.completed),
            "{}",
            outcome.completed
        );
        let m = manifest(&dir);
        assert_eq!(m["status"], "interrupted");
        assert_eq!(m["replications"]["completed"], outcome.completed);
        assert!(m["note"]
            .as_str()
            .is_some_and(|note| note.contains("contiguous prefix")));
        // The prefix is exactly what a run of that many replications writes.
        let reference = root.path().join(format!("reference{threads}"));
        run(
            &Fake::new("fake"),
            &options(&reference, outcome.completed, 9, 2),
        );
        let (got, want) = (contents(&dir), contents(&reference));
        for name in [
            "summary.csv",
            "replications.csv",
            "timeseries.csv",
            "projects.csv",
        ] {
            assert!(
                got[name] == want[name],
                "{name} differs from a run of the prefix"
            );
        }
    }
}

#[test]
fn cancelling_before_anything_finished_writes_nothing() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("out");
    let flag = AtomicBool::new(true);
    let control = RunControl {
        cancel: Some(&flag),
        progress: None,
    };
    let error = run_batch(&Fake::new("fake"), &options(&dir, 10, 1, 2), &control)
        .expect_err("nothing completed");
    assert!(matches!(error, RunError::NothingCompleted), "{error}");
    assert!(!dir.exists());
    assert!(leftovers(root.path()).is_empty());
}

#[test]
fn progress_is_reported_in_order() {
    let root = tempfile::tempdir().expect("tempdir");
    let seen = std::sync::Mutex::new(Vec::new());
    let record = |progress: chipsim::runner::Progress| {
        seen.lock()
            .expect("lock")
            .push((progress.completed, progress.planned));
    };
    let control = RunControl {
        cancel: None,
        progress: Some(&record),
    };
    run_batch(
        &Fake::new("fake"),
        &options(&root.path().join("p"), 5, 1, 3),
        &control,
    )
    .expect("run");
    let seen = seen.into_inner().expect("lock");
    assert_eq!(seen, (1..=5).map(|done| (done, 5)).collect::<Vec<_>>());
}

#[test]
fn a_failing_run_leaves_the_previous_outputs_intact() {
    let root = tempfile::tempdir().expect("tempdir");
    let dir = root.path().join("out");
    run(&Fake::new("fake"), &options(&dir, 40, 1, 2));
    let before = contents(&dir);
    let before_manifest = fs::read(dir.join("manifest.json")).expect("manifest");
    let cases = [
        (Behaviour::FailAt(30), "capacity went negative"),
        (Behaviour::PanicAt(12), "panicked: model bug"),
        (
            Behaviour::WrongShapeAt(3),
            "replication 3: 0 metrics, the layout has 3",
        ),
    ];
    for (behaviour, expected) in cases {
        for threads in [1, 3] {
            let error = run_batch(
                &Fake::with(behaviour.clone()),
                &options(&dir, 40, 1, threads),
                &RunControl::default(),
            )
            .expect_err("the run fails");
            assert!(error.to_string().contains(expected), "{error}");
            assert_eq!(contents(&dir), before);
            assert_eq!(
                fs::read(dir.join("manifest.json")).ok().as_ref(),
                Some(&before_manifest)
            );
            assert!(leftovers(root.path()).is_empty());
        }
    }
}

#[test]
fn an_unwritable_output_folder_is_an_error_and_keeps_the_previous_outputs() {
    let root = tempfile::tempdir().expect("tempdir");
    // A folder name so long that the temporary folder beside it cannot be created
    // (names are limited to 255 bytes), which fails even when running as root.
    let dir = root.path().join("x".repeat(250));
    fs::create_dir(&dir).expect("create");
    fs::write(dir.join("manifest.json"), "{\"previous\": true}\n").expect("write");
    fs::write(dir.join("summary.csv"), "previous\n").expect("write");
    let error = run_batch(
        &Fake::new("fake"),
        &options(&dir, 5, 1, 1),
        &RunControl::default(),
    )
    .expect_err("cannot stage");
    assert!(matches!(error, RunError::Output(_)), "{error}");
    assert_eq!(
        fs::read_to_string(dir.join("summary.csv")).ok().as_deref(),
        Some("previous\n")
    );
    assert_eq!(fs::read_dir(&dir).expect("list").count(), 2);

    // A folder that is not chipsim's is never replaced.
    let foreign = root.path().join("documents");
    fs::create_dir(&foreign).expect("create");
    fs::write(foreign.join("thesis.txt"), "precious").expect("write");
    let error = run_batch(
        &Fake::new("fake"),
        &options(&foreign, 5, 1, 1),
        &RunControl::default(),
    )
    .expect_err("foreign folder");
    assert!(error.to_string().contains("refusing to replace"), "{error}");
    assert_eq!(
        fs::read_to_string(foreign.join("thesis.txt"))
            .ok()
            .as_deref(),
        Some("precious")
    );
}

#[test]
fn invalid_options_name_the_option() {
    let root = tempfile::tempdir().expect("tempdir");
    let base = options(&root.path().join("o"), 10, 1, 1);
    let precision = Some(Precision {
        relative_half_width: 0.1,
        max_replications: 100,
    });
    let cases = [
        (
            "reps",
            RunOptions {
                replications: 0,
                ..base.clone()
            },
        ),
        (
            "threads",
            RunOptions {
                threads: 0,
                ..base.clone()
            },
        ),
        (
            "shard",
            RunOptions {
                shard: Some(Shard { index: 3, count: 2 }),
                ..base.clone()
            },
        ),
        (
            "shard",
            RunOptions {
                shard: Some(Shard {
                    index: 10,
                    count: 20,
                }),
                ..base.clone()
            },
        ),
        (
            "shard",
            RunOptions {
                shard: Some(Shard { index: 0, count: 2 }),
                precision,
                ..base.clone()
            },
        ),
        (
            "precision",
            RunOptions {
                precision: Some(Precision {
                    relative_half_width: 0.0,
                    max_replications: 100,
                }),
                ..base.clone()
            },
        ),
        (
            "max-reps",
            RunOptions {
                precision: Some(Precision {
                    relative_half_width: 0.1,
                    max_replications: 1,
                }),
                ..base.clone()
            },
        ),
    ];
    for (option, opts) in cases {
        let error = run_batch(&Fake::new("fake"), &opts, &RunControl::default())
            .expect_err("invalid option");
        assert!(
            matches!(&error, RunError::InvalidOption { option: got, .. } if *got == option),
            "{option}: {error}"
        );
    }
    assert!(!root.path().join("o").exists());
}

#[test]
fn compare_pairs_replications_by_index() {
    let root = tempfile::tempdir().expect("tempdir");
    let (base, other) = (root.path().join("base"), root.path().join("other"));
    run(&Fake::new("fake"), &options(&base, 40, 11, 2));
    let shifted = Fake {
        shift: 5.0,
        ..Fake::new("fake")
    };
    run(&shifted, &options(&other, 40, 11, 3));
    let comparison = compare_runs(&base, &other).expect("comparable");
    assert_eq!(comparison.paired, 40);
    assert!(comparison.only_in_base.is_empty() && comparison.only_in_other.is_empty());
    let names: Vec<&str> = comparison
        .rows
        .iter()
        .map(|row| row.metric.as_str())
        .collect();
    assert_eq!(names, ["energy", "chips_short", "mean_delay"]);
    let chips = &comparison.rows[1];
    assert_eq!(chips.n, 40);
    assert!((chips.diff_mean - 5.0).abs() < 1e-9);
    // The same draws shifted by 5: the paired interval is (almost) a point, the
    // unpaired one is as wide as the spread of chips_short (sd 100).
    assert!(chips.paired_ci95.1 - chips.paired_ci95.0 < 1e-9);
    assert!(chips.unpaired_ci95.0 < 5.0 && chips.unpaired_ci95.1 > 5.0);
    assert!(chips.unpaired_ci95.1 - chips.unpaired_ci95.0 > 50.0);
    let unchanged = &comparison.rows[2];
    assert_eq!(
        (unchanged.diff_mean, unchanged.paired_ci95),
        (0.0, (0.0, 0.0))
    );
    // energy is undefined in some replications: they are left out of its pairs.
    assert!(comparison.rows[0].n < 40 && comparison.rows[0].n > 20);

    let out = other.join("compare.csv");
    write_comparison(&out, &comparison.rows).expect("write");
    let text = fs::read_to_string(&out).expect("read");
    assert!(text.starts_with(
        "metric,n,base_mean,other_mean,diff_mean,paired_ci95_low,paired_ci95_high,\
         unpaired_ci95_low,unpaired_ci95_high\nenergy,"
    ));
    assert_eq!(text.lines().count(), 4);
}

#[test]
fn compare_refuses_runs_without_common_random_numbers() {
    let root = tempfile::tempdir().expect("tempdir");
    let (base, other) = (root.path().join("base"), root.path().join("other"));
    run(&Fake::new("fake"), &options(&base, 10, 1, 1));
    run(&Fake::new("fake"), &options(&other, 10, 2, 1));
    let error = compare_runs(&base, &other).expect_err("different seeds");
    assert!(
        matches!(
            error,
            CompareError::NotCommonRandomNumbers { replication: 0, .. }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("common random numbers"));
}

fn chipsim(args: &[&std::ffi::OsStr]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_chipsim"))
        .args(args)
        .output()
        .expect("run the chipsim binary")
}

#[test]
fn bad_run_flags_exit_2_naming_the_flag_and_its_range() {
    let cases: [(&[&str], &str); 6] = [
        (&["--reps", "0"], "--reps must be at least 1"),
        (
            &["--shard", "3/2"],
            "--shard must be I/N with whole numbers 0 ≤ I < N",
        ),
        (&["--shard", "x"], "--shard must be I/N"),
        (&["--threads", "0"], "--threads must be at least 1"),
        (
            &["--precision", "0"],
            "--precision must be a number greater than 0",
        ),
        (
            &["--precision", "-0.5"],
            "--precision must be a number greater than 0",
        ),
    ];
    for (flags, expected) in cases {
        let mut args = vec![std::ffi::OsStr::new("run")];
        args.extend(flags.iter().map(std::ffi::OsStr::new));
        let output = chipsim(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flags:?}: {stderr}");
        assert!(stderr.contains(expected), "{flags:?}: {stderr}");
    }
}

#[test]
fn merge_and_compare_on_the_command_line() {
    let root = tempfile::tempdir().expect("tempdir");
    let fake = Fake::new("fake");
    let shards = run_shards(&fake, root.path(), 12, 2, 5);
    let merged = root.path().join("merged");
    let output = chipsim(&[
        "merge".as_ref(),
        shards[0].as_os_str(),
        "--out".as_ref(),
        merged.as_os_str(),
    ]);
    assert_eq!(output.status.code(), Some(1), "one shard is missing");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("Error: the shards do not cover every replication"),
        "{stderr}"
    );
    assert!(!merged.exists());

    let output = chipsim(&[
        "merge".as_ref(),
        shards[0].as_os_str(),
        shards[1].as_os_str(),
        "--out".as_ref(),
        merged.as_os_str(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let whole = root.path().join("whole");
    run(&fake, &options(&whole, 12, 5, 2));
    assert_same_outputs(&whole, &merged);

    let output = chipsim(&["compare".as_ref(), whole.as_os_str(), merged.as_os_str()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("No metric changed"), "{stdout}");
    let compare = fs::read_to_string(merged.join("compare.csv")).expect("compare.csv");
    assert!(compare.contains("\nchips_short,12,"), "{compare}");
}
