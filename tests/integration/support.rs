//! What the command-line tests share: running the binary, the golden scenario, and the
//! files of an output folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Runs `chipsim args` in `dir` and waits for it.
pub fn chipsim(args: &[&str], dir: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_chipsim"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("chipsim runs")
}

/// The golden scenario (`tests/scenarios/golden.toml`).
pub fn golden() -> String {
    std::fs::read_to_string("tests/scenarios/golden.toml").expect("golden.toml")
}

/// The golden scenario with the first `from` replaced by `to` (`from` must occur).
pub fn golden_with(from: &str, to: &str) -> String {
    let text = golden();
    assert!(text.contains(from), "golden.toml has no {from:?}");
    text.replacen(from, to, 1)
}

/// Every file under `folder`, at any depth, with its bytes, sorted.
pub fn files_of(folder: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder).expect("a folder") {
        let path = entry.expect("an entry").path();
        if path.is_dir() {
            files.extend(files_of(&path));
        } else {
            let bytes = std::fs::read(&path).expect("a file");
            files.push((path, bytes));
        }
    }
    files.sort();
    files
}
