//! Sharding as a cluster job uses it: `chipsim run --shard I/N` on the command line with
//! the built-in baseline, one process per shard, then `chipsim merge`, must give the
//! files of one unsharded run; and a shard that would hold no replication, or sharding
//! combined with `--precision`, is refused with a usage error.

use std::ffi::OsStr;
use std::path::Path;
use std::process::Output;

use crate::runner::{contents, manifest};

const REPS: u64 = 5;
const SEED: u64 = 11;

fn chipsim<S: AsRef<OsStr>>(args: &[S]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_chipsim"))
        .args(args)
        .output()
        .expect("run the chipsim binary")
}

fn assert_success(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// `chipsim run` of the baseline batch, with extra flags, into `out`.
fn run_baseline(out: &Path, extra: &[&str]) {
    let (reps, seed) = (REPS.to_string(), SEED.to_string());
    let mut args = vec!["run", "--reps", &reps, "--seed", &seed, "--quiet", "--out"];
    args.push(out.to_str().expect("UTF-8 temporary path"));
    args.extend_from_slice(extra);
    assert_success(&chipsim(&args), &format!("chipsim {args:?}"));
}

#[test]
fn shards_run_as_separate_processes_merge_into_the_unsharded_run() {
    let root = tempfile::tempdir().expect("tempdir");
    let shard_dirs: Vec<_> = (0..2)
        .map(|index| {
            let dir = root.path().join(format!("shard-{index}"));
            run_baseline(&dir, &["--shard", &format!("{index}/2"), "--threads", "1"]);
            dir
        })
        .collect();
    let shard = manifest(&shard_dirs[1]);
    assert_eq!(
        shard["shard"],
        serde_json::json!({ "index": 1, "count": 2 })
    );
    assert_eq!(
        shard["replications"]["completed"], 2,
        "replications 1 and 3"
    );
    assert!(shard_dirs[1].join("shard_data.bin").is_file());

    let merged = root.path().join("merged");
    let mut args = vec![OsStr::new("merge")];
    args.extend(shard_dirs.iter().map(|dir| dir.as_os_str()));
    args.extend([OsStr::new("--out"), merged.as_os_str()]);
    assert_success(&chipsim(&args), "chipsim merge");

    let whole = root.path().join("whole");
    run_baseline(&whole, &["--threads", "2"]);
    let (merged_files, whole_files) = (contents(&merged), contents(&whole));
    assert_eq!(
        merged_files.keys().collect::<Vec<_>>(),
        whole_files.keys().collect::<Vec<_>>()
    );
    let differing: Vec<_> = merged_files
        .iter()
        .filter(|(name, bytes)| whole_files[*name] != **bytes)
        .map(|(name, _)| name)
        .collect();
    assert!(
        differing.is_empty(),
        "differ from the unsharded run: {differing:?}"
    );
    assert_eq!(
        manifest(&merged)["execution"]["merged_from"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
}

#[test]
fn a_shard_without_replications_or_with_precision_is_a_usage_error() {
    let cases: [(&[&str], &str); 2] = [
        (
            &["--shard", "3/4", "--reps", "2"],
            "--shard: shard 3/4 holds no replication of 2",
        ),
        (&["--shard", "0/2", "--precision", "0.01"], "--precision"),
    ];
    for (flags, expected) in cases {
        let mut args = vec!["run"];
        args.extend_from_slice(flags);
        let output = chipsim(&args);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{flags:?}: {stderr}");
        assert!(stderr.contains(expected), "{flags:?}: {stderr}");
    }
}

#[test]
fn a_shard_is_checked_against_the_scenarios_own_replication_count() {
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string("tests/scenarios/golden.toml")
        .unwrap()
        .replacen(
            "lot_interval_days = 7",
            "lot_interval_days = 7\nreplications = 150",
            1,
        );
    std::fs::write(dir.path().join("golden.toml"), text).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_chipsim"))
        .args([
            "run",
            "golden.toml",
            "--shard",
            "120/149",
            "--quiet",
            "--out",
            "shard",
        ])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let rows = std::fs::read_to_string(dir.path().join("shard/replications.csv")).unwrap();
    assert_eq!(
        rows.lines().count(),
        2,
        "replication 120 only (the next, 269, is past 150)"
    );
}
