//! Pins the output bytes of the embedded baseline (and of the baseline with demand × 10,
//! `configs/bench/baseline-demand-x10.toml`) at a fixed seed, so that performance work
//! cannot change what a run writes: every optimisation must leave these hashes as they
//! are. An *intended* model change (or a change to how the outputs are written) changes
//! them; then update the hashes below in the same commit and say in its message why the
//! numbers moved.
//!
//! The hash is 64-bit FNV-1a over the file's bytes: stable, simple and written here, so
//! it depends on no crate's version.

use std::path::Path;

use super::support::chipsim;

/// FNV-1a, 64 bits.
fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |hash, &byte| {
        (hash ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3)
    })
}

/// Runs `chipsim run` with `args` into a fresh folder and returns the FNV-1a hash of
/// each of `FILES` written there, in that order.
fn hashes(args: &[&str]) -> Vec<(&'static str, u64)> {
    const FILES: [&str; 4] = [
        "summary.csv",
        "timeseries.csv",
        "replications.csv",
        "projects.csv",
    ];
    let dir = tempfile::tempdir().expect("a temporary folder");
    let out = dir.path().join("out");
    let out_arg = out.to_str().expect("a UTF-8 path");
    let mut all = vec!["run", "--quiet", "--seed", "7", "--out", out_arg];
    all.extend_from_slice(args);
    let output = chipsim(&all, Path::new(env!("CARGO_MANIFEST_DIR")));
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    FILES
        .iter()
        .map(|&file| {
            let bytes = std::fs::read(out.join(file)).expect("the run wrote the file");
            (file, fnv1a(&bytes))
        })
        .collect()
}

#[test]
fn the_baseline_writes_the_pinned_bytes_on_two_threads() {
    let got = hashes(&["--reps", "4", "--threads", "2"]);
    let expected = [
        ("summary.csv", 0xdde0_a909_c060_01c0),
        ("timeseries.csv", 0xaa1f_2dd2_6c80_2cd5),
        ("replications.csv", 0x34e2_1fe5_d66c_b9c6),
        ("projects.csv", 0x6785_79ea_c02d_a136),
    ];
    assert_eq!(got, expected, "see this file's module docs");
}

#[test]
fn the_baseline_with_ten_times_the_demand_writes_the_pinned_bytes() {
    let config = "configs/bench/baseline-demand-x10.toml";
    let got = hashes(&[config, "--reps", "1", "--threads", "1"]);
    let expected = [
        ("summary.csv", 0x663d_863a_43b5_2402),
        ("timeseries.csv", 0x5b07_6087_c96a_7f1f),
        ("replications.csv", 0x2468_bc36_c6c4_5b83),
        ("projects.csv", 0x7d5c_149c_cb2b_065d),
    ];
    assert_eq!(got, expected, "see this file's module docs");
}
