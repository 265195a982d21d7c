//! Ctrl-C and SIGTERM during `sweep`, `merge`, `plot` and `compare`: like `run`, the
//! command stops and exits 130 (SIGINT) or 143 (SIGTERM); as their outputs are all or
//! nothing, the previous outputs survive byte for byte and no temporary folder or file
//! is left behind.
//!
//! To interrupt at a known moment rather than after a guessed delay, one input of the
//! command is a named pipe (FIFO): the command blocks reading it, the test sends the
//! signal, waits for the command to say it was interrupted, and only then writes the
//! input's real content into the pipe. A sweep is interrupted once its temporary
//! folder exists (it runs its replications into it).

use std::fs::{self, OpenOptions};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use super::support::{chipsim, files_of, golden};

fn spawn(args: &[&str], dir: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_chipsim"))
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("chipsim starts")
}

fn succeed(args: &[&str], dir: &Path) {
    let output = chipsim(args, dir);
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// Hidden temporary or old folders and files chipsim left in `dir`.
fn leftovers(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .expect("a folder")
        .map(|entry| {
            entry
                .expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.contains(".tmp-") || name.contains(".old-"))
        .collect()
}

fn kill(signal: &str, child: &Child) {
    let status = Command::new("kill")
        .args([signal, &child.id().to_string()])
        .status()
        .expect("kill runs");
    assert!(status.success());
}

/// Replaces `file` by a named pipe holding the same bytes (returned).
fn make_fifo(file: &Path) -> Vec<u8> {
    let content = fs::read(file).expect("the input exists");
    fs::remove_file(file).expect("remove the input");
    let made = Command::new("mkfifo")
        .arg(file)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    content
}

/// Reads `stderr` up to and including the line saying the command was interrupted.
fn until_interrupted(stderr: &mut impl BufRead) -> String {
    let mut seen = String::new();
    loop {
        let mut line = String::new();
        if stderr.read_line(&mut line).expect("stderr reads") == 0 {
            return seen;
        }
        seen.push_str(&line);
        if line.starts_with("interrupted:") {
            return seen;
        }
    }
}

/// Runs `child`, which reads the named pipe `fifo`: once it has opened the pipe, sends
/// `signal`, waits until it says it was interrupted, then gives it `content`. With
/// `again_in`, the child reads the pipe a second time once it has made its temporary
/// folder in that folder, and is given `content` again. Returns its exit status and
/// standard error.
fn interrupt_while_reading(
    mut child: Child,
    fifo: &Path,
    content: Vec<u8>,
    again_in: Option<&Path>,
    signal: &str,
) -> (ExitStatus, String) {
    let path = fifo.to_path_buf();
    // Opening a pipe for writing returns once the reader has opened it.
    let opener = thread::spawn(move || OpenOptions::new().write(true).open(path));
    while !opener.is_finished() {
        if let Some(status) = child.try_wait().expect("the child can be waited for") {
            let _ = fs::File::open(fifo); // releases the opener
            let mut stderr = String::new();
            let _ = child
                .stderr
                .take()
                .map(|mut s| s.read_to_string(&mut stderr));
            panic!("exited ({status}) before reading its input: {stderr}");
        }
        thread::sleep(Duration::from_millis(10));
    }
    let mut writer = opener.join().expect("the opener").expect("the pipe opens");
    kill(signal, &child);
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr is piped"));
    let mut said = until_interrupted(&mut stderr);
    writer.write_all(&content).expect("the input is written");
    drop(writer);
    let done = Arc::new(AtomicBool::new(false));
    let feeder = again_in.map(|folder| {
        let (folder, path, done) = (folder.to_path_buf(), fifo.to_path_buf(), Arc::clone(&done));
        // The first read is over once the temporary folder exists; only then may a
        // writer open the pipe again, or both writes would reach the first read.
        thread::spawn(move || {
            while leftovers(&folder).is_empty() {
                if done.load(Ordering::SeqCst) {
                    return Ok(());
                }
                thread::sleep(Duration::from_millis(5));
            }
            OpenOptions::new()
                .write(true)
                .open(&path)?
                .write_all(&content)
        })
    });
    stderr.read_to_string(&mut said).expect("stderr reads");
    let status = child.wait().expect("the child ends");
    done.store(true, Ordering::SeqCst);
    if let Some(feeder) = feeder {
        feeder
            .join()
            .expect("the feeder")
            .expect("the second read was fed");
    }
    (status, said)
}

/// Marks the previous outputs in `folder`, so that outputs written over them, even
/// the same bytes again, would not compare equal.
fn mark(folder: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    fs::write(folder.join("previous.txt"), "the previous outputs").expect("mark the outputs");
    files_of(folder)
}

/// A folder with the golden scenario and a small run of it in `run/`.
fn golden_run(reps: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary folder");
    fs::write(dir.path().join("golden.toml"), golden()).expect("write the scenario");
    succeed(
        &[
            "run",
            "golden.toml",
            "--reps",
            reps,
            "--quiet",
            "--out",
            "run",
        ],
        dir.path(),
    );
    dir
}

#[test]
fn an_interrupted_sweep_keeps_the_previous_outputs() {
    let dir = tempfile::tempdir().expect("a temporary folder");
    let text = golden()
        + "\n[sweep]\n[[sweep.parameters]]\npath = \"fabs.fab.wafer_starts_per_week\"\nscale = [0.5, 2]\n";
    fs::write(dir.path().join("study.toml"), text).expect("write the study");
    succeed(
        &[
            "sweep",
            "study.toml",
            "--reps",
            "2",
            "--quiet",
            "--out",
            "out",
        ],
        dir.path(),
    );
    let before = files_of(&dir.path().join("out"));
    let mut child = spawn(
        &[
            "sweep",
            "study.toml",
            "--reps",
            "10000000",
            "--threads",
            "1",
            "--quiet",
            "--out",
            "out",
        ],
        dir.path(),
    );
    // The temporary folder exists once the points are checked and the first runs.
    while leftovers(dir.path()).is_empty() {
        assert!(
            child.try_wait().expect("wait").is_none(),
            "the sweep ended early"
        );
        thread::sleep(Duration::from_millis(10));
    }
    kill("-INT", &child);
    let output = child.wait_with_output().expect("the sweep ends");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(130), "{stderr}");
    assert!(stderr.contains("interrupted"), "{stderr}");
    assert_eq!(files_of(&dir.path().join("out")), before);
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
}

#[test]
fn an_interrupted_merge_keeps_the_previous_outputs() {
    let dir = golden_run("4");
    for shard in ["0/2", "1/2"] {
        let out = format!("shard{}", &shard[..1]);
        succeed(
            &[
                "run",
                "golden.toml",
                "--reps",
                "4",
                "--shard",
                shard,
                "--quiet",
                "--out",
                &out,
            ],
            dir.path(),
        );
    }
    succeed(
        &["merge", "shard0", "shard1", "--out", "merged"],
        dir.path(),
    );
    let before = files_of(&dir.path().join("merged"));
    let fifo = dir.path().join("shard1/shard_data.bin");
    let content = make_fifo(&fifo);
    let child = spawn(
        &["merge", "shard0", "shard1", "--out", "merged"],
        dir.path(),
    );
    // The merge reads each shard twice: once to check, and once to combine into its
    // temporary folder.
    let (status, stderr) =
        interrupt_while_reading(child, &fifo, content, Some(dir.path()), "-TERM");
    assert_eq!(status.code(), Some(143), "{stderr}");
    assert_eq!(files_of(&dir.path().join("merged")), before);
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
}

#[test]
fn an_interrupted_plot_keeps_the_previous_charts() {
    let dir = golden_run("3");
    succeed(&["plot", "run"], dir.path());
    let before = mark(&dir.path().join("run/plots"));
    let fifo = dir.path().join("run/manifest.json");
    let content = make_fifo(&fifo);
    let child = spawn(&["plot", "run"], dir.path());
    let (status, stderr) = interrupt_while_reading(child, &fifo, content, None, "-INT");
    assert_eq!(status.code(), Some(130), "{stderr}");
    assert_eq!(files_of(&dir.path().join("run/plots")), before);
    assert_eq!(leftovers(&dir.path().join("run")), Vec::<String>::new());
}

#[test]
fn an_interrupted_compare_keeps_the_previous_comparison() {
    let dir = golden_run("3");
    succeed(
        &[
            "run",
            "golden.toml",
            "--reps",
            "3",
            "--quiet",
            "--out",
            "other",
        ],
        dir.path(),
    );
    succeed(&["compare", "run", "other"], dir.path());
    let compare = dir.path().join("other/compare.csv");
    let mut previous = fs::read(&compare).expect("compare.csv");
    previous.extend_from_slice(b"the previous comparison\n");
    fs::write(&compare, previous).expect("mark compare.csv");
    let before = files_of(&dir.path().join("other"));
    let fifo = dir.path().join("other/replications.csv");
    let content = make_fifo(&fifo);
    let child = spawn(&["compare", "run", "other"], dir.path());
    let (status, stderr) = interrupt_while_reading(child, &fifo, content.clone(), None, "-TERM");
    assert_eq!(status.code(), Some(143), "{stderr}");
    fs::remove_file(&fifo).expect("remove the pipe");
    fs::write(&fifo, content).expect("put the input back");
    assert_eq!(files_of(&dir.path().join("other")), before);
    assert_eq!(leftovers(&dir.path().join("other")), Vec::<String>::new());
}
