//! chipsim never deletes or overwrites a file it did not write, end to end through the
//! binary: a folder without a chipsim manifest is refused (naming it and its first
//! file), an output folder may not hold an input of the same call, `compare` and
//! `trace` never overwrite a run's own files, and reruns keep the charts, comparisons
//! and user files beside the outputs. Every refusal exits 1 and leaves every byte of
//! the folder as it was.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::Output;

use crate::plots::{chipsim, folder_names, golden_sweep, run, sweep, GOLDEN};
use crate::support::files_of;

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_success(output: &Output) {
    assert!(output.status.success(), "{}", stderr(output));
}

/// Asserts exit code 1 and that standard error holds every one of `parts`.
fn assert_refused(output: &Output, parts: &[&str]) {
    let message = stderr(output);
    assert_eq!(output.status.code(), Some(1), "{message}");
    for part in parts {
        assert!(message.contains(part), "`{part}` not in: {message}");
    }
}

/// `chipsim <command> CONFIG --reps 2 --out OUT`.
fn two_reps_into(command: &str, config: &Path, out: &Path) -> Output {
    chipsim([
        command.as_ref(),
        config.as_os_str(),
        "--reps".as_ref(),
        "2".as_ref(),
        "--out".as_ref(),
        out.as_os_str(),
    ])
}

fn path_text(path: &Path) -> &str {
    path.to_str().expect("UTF-8 temporary path")
}

#[test]
fn a_folder_with_someone_elses_manifest_is_refused_and_kept() {
    let root = tempfile::tempdir().expect("tempdir");
    let project = root.path().join("project");
    fs::create_dir_all(project.join("src")).expect("mkdir");
    fs::write(project.join("manifest.json"), "{\"name\": \"their app\"}\n").expect("write");
    fs::write(project.join("README.md"), "# theirs\n").expect("write");
    fs::write(project.join("src/main.c"), "int main(void) { return 0; }\n").expect("write");
    let before = files_of(&project);
    let config = root.path().join("golden.toml");
    fs::write(&config, GOLDEN).expect("write scenario");
    let output = two_reps_into("run", &config, &project);
    assert_refused(
        &output,
        &["refusing to replace", path_text(&project), "README.md"],
    );
    assert_eq!(files_of(&project), before);
}

#[test]
fn an_output_folder_may_not_hold_the_scenario_being_run() {
    let root = tempfile::tempdir().expect("tempdir");
    let prev = run(root.path(), GOLDEN, "prev", &[]);
    let scenario = prev.join("s.toml");
    fs::write(&scenario, GOLDEN).expect("write scenario");
    let before = files_of(&prev);
    let output = two_reps_into("run", &scenario, &prev);
    assert_refused(&output, &[path_text(&prev), "s.toml", "an input"]);
    assert_eq!(files_of(&prev), before);
}

#[test]
fn merge_never_writes_over_a_shard() {
    let root = tempfile::tempdir().expect("tempdir");
    let shards: Vec<PathBuf> = (0..2)
        .map(|index| {
            let shard = format!("{index}/2");
            run(
                root.path(),
                GOLDEN,
                &format!("shard{index}"),
                &["--shard", &shard],
            )
        })
        .collect();
    let before = files_of(&shards[0]);
    let output = chipsim([
        "merge".as_ref(),
        shards[0].as_os_str(),
        shards[1].as_os_str(),
        "--out".as_ref(),
        shards[0].as_os_str(),
    ]);
    assert_refused(&output, &["refusing to write into", path_text(&shards[0])]);
    assert_eq!(files_of(&shards[0]), before);
    // Into the folder that holds both shards neither.
    let output = chipsim([
        "merge".as_ref(),
        shards[0].as_os_str(),
        shards[1].as_os_str(),
        "--out".as_ref(),
        root.path().as_os_str(),
    ]);
    assert_refused(&output, &["an input"]);
    assert_eq!(files_of(&shards[0]), before);
}

#[test]
fn compare_and_trace_never_overwrite_a_runs_own_files() {
    let root = tempfile::tempdir().expect("tempdir");
    let base = run(root.path(), GOLDEN, "base", &[]);
    let other = run(root.path(), GOLDEN, "other", &[]);
    let config = root.path().join("base.toml");
    let before = files_of(&base);
    for own in ["summary.csv", "replications.csv", "manifest.json"] {
        let target = base.join(own);
        let output = chipsim([
            "compare".as_ref(),
            base.as_os_str(),
            other.as_os_str(),
            "--out".as_ref(),
            target.as_os_str(),
        ]);
        assert_refused(&output, &["refusing to overwrite", own, "run"]);
        let output = chipsim([
            "trace".as_ref(),
            config.as_os_str(),
            "--out".as_ref(),
            target.as_os_str(),
        ]);
        assert_refused(&output, &["refusing to overwrite", own]);
    }
    assert_eq!(files_of(&base), before);

    // A file that is not a comparison is not replaced either; a comparison is.
    let notes = root.path().join("notes.csv");
    fs::write(&notes, "mine,not,chipsim's\n").expect("write");
    let compare_into = |out: &Path| {
        chipsim([
            "compare".as_ref(),
            base.as_os_str(),
            other.as_os_str(),
            "--out".as_ref(),
            out.as_os_str(),
        ])
    };
    assert_refused(
        &compare_into(&notes),
        &["refusing to overwrite", "notes.csv"],
    );
    assert_eq!(
        fs::read_to_string(&notes).ok().as_deref(),
        Some("mine,not,chipsim's\n")
    );
    let comparison = root.path().join("comparison.csv");
    assert_success(&compare_into(&comparison));
    assert_success(&compare_into(&comparison));
}

#[test]
fn reruns_keep_charts_comparisons_and_the_users_files() {
    let root = tempfile::tempdir().expect("tempdir");
    let base = run(root.path(), GOLDEN, "base", &[]);
    let other = run(root.path(), GOLDEN, "other", &[]);
    assert_success(&chipsim([
        "compare".as_ref(),
        base.as_os_str(),
        other.as_os_str(),
    ]));
    assert_success(&chipsim(["plot".as_ref(), other.as_os_str()]));
    fs::write(other.join("notes.txt"), "my notes\n").expect("write");
    fs::write(other.join("plots/annotated.svg"), "<svg/>\n").expect("write");
    let kept: Vec<(PathBuf, Vec<u8>)> = files_of(&other)
        .into_iter()
        .filter(|(path, _)| {
            let name = path.strip_prefix(&other).expect("inside");
            name.starts_with("plots")
                || name == Path::new("compare.csv")
                || name == Path::new("notes.txt")
        })
        .collect();
    assert!(kept
        .iter()
        .any(|(path, _)| path.ends_with("plots/fan_backlog.svg")));

    // The user's bug: `run --xlsx` after `chipsim plot` deleted plots/.
    run(root.path(), GOLDEN, "other", &["--xlsx"]);
    let after = files_of(&other);
    for file in &kept {
        assert!(after.contains(file), "{} changed or gone", file.0.display());
    }
    assert!(other.join("results.xlsx").is_file());

    // A shard's data belongs to the run it came from: a rerun without --shard replaces
    // it with the whole run's.
    run(root.path(), GOLDEN, "other", &["--shard", "0/2"]);
    let shard = fs::read(other.join("shard_data.bin")).expect("shard data");
    run(root.path(), GOLDEN, "other", &[]);
    let whole = fs::read(other.join("shard_data.bin")).expect("the whole run's data");
    assert!(whole.len() > shard.len(), "holds every replication");
    assert_eq!(
        fs::read_to_string(other.join("notes.txt")).ok().as_deref(),
        Some("my notes\n")
    );

    // Plotting again replaces the charts and keeps the user's file in plots/.
    assert_success(&chipsim(["plot".as_ref(), other.as_os_str()]));
    assert_eq!(
        fs::read_to_string(other.join("plots/annotated.svg"))
            .ok()
            .as_deref(),
        Some("<svg/>\n")
    );
    let names = folder_names(&other);
    let hidden: Vec<&String> = names.iter().filter(|name| name.starts_with('.')).collect();
    assert!(hidden.is_empty(), "{hidden:?}");
}

#[test]
fn a_run_does_not_replace_a_sweep() {
    let root = tempfile::tempdir().expect("tempdir");
    let sweep_text = golden_sweep("design = \"one_at_a_time\"");
    let sweep = sweep(root.path(), &sweep_text, "sweep-out");
    let before = files_of(&sweep);
    let config = root.path().join("golden.toml");
    fs::write(&config, GOLDEN).expect("write scenario");
    let output = two_reps_into("run", &config, &sweep);
    assert_refused(&output, &["outputs of a run", "outputs of a sweep"]);
    assert_eq!(files_of(&sweep), before);

    // A sweep whose scenario lies inside its output folder is refused too.
    let inside = sweep.join("again.toml");
    fs::write(&inside, &sweep_text).expect("write");
    let before = files_of(&sweep);
    let output = two_reps_into("sweep", &inside, &sweep);
    assert_refused(&output, &["again.toml", "an input"]);
    assert_eq!(files_of(&sweep), before);
}
