//! Every citation resolves inside the repository. Configs and documents cite the
//! published figures behind their values as `src:<key>`, where `<key>` is a `### <key>`
//! entry of docs/sources.md; the older `cal §N` citations named a calibration table
//! that is not in the repository, so none may remain; and every entry of the register
//! says what was published, by whom and when, and where it can be read.

use std::path::{Path, PathBuf};

use crate::support::files_of;

const REGISTER: &str = "docs/sources.md";
/// The lines every entry of the register must have.
const ENTRY_LINES: [&str; 3] = ["- Figure:", "- Publisher / date:", "- URL:"];

/// The text of every file under `folder` (at any depth) whose name ends in `extension`.
fn texts(folder: &str, extension: &str, depth_one: bool) -> Vec<(PathBuf, String)> {
    (files_of(Path::new(folder)).into_iter())
        .filter(|(path, _)| path.extension().is_some_and(|e| e == extension))
        .filter(|(path, _)| !depth_one || path.parent() == Some(Path::new(folder)))
        .map(|(path, bytes)| (path, String::from_utf8_lossy(&bytes).into_owned()))
        .collect()
}

/// The files whose citations must resolve: configs/**/*.toml, tests/scenarios/*.toml
/// and docs/*.md.
fn citing_files() -> Vec<(PathBuf, String)> {
    let mut files = texts("configs", "toml", false);
    files.extend(texts("tests/scenarios", "toml", true));
    files.extend(texts("docs", "md", true));
    assert!(files.len() > 10, "found only {} files", files.len());
    files
}

/// The keys cited on a line: each `src:` not inside a word, followed by a key of
/// lower-case letters, digits and hyphens (`src:<key>` in prose cites nothing).
fn cited_keys(line: &str) -> Vec<&str> {
    let mut keys = Vec::new();
    for (at, _) in line.match_indices("src:") {
        let inside_word = line[..at]
            .chars()
            .next_back()
            .is_some_and(|c| c.is_ascii_alphanumeric() || c == '_');
        let rest = &line[at + "src:".len()..];
        let end = rest
            .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
            .unwrap_or(rest.len());
        let key = rest[..end].trim_end_matches('-');
        if !inside_word && !key.is_empty() {
            keys.push(key);
        }
    }
    keys
}

/// One entry of the register.
struct Entry {
    key: String,
    /// Line number of its `### <key>` heading.
    line: usize,
    /// Its lines up to the next heading or rule.
    lines: Vec<String>,
}

/// The register's entries, in order.
fn entries() -> Vec<Entry> {
    let text = std::fs::read_to_string(REGISTER).expect("docs/sources.md");
    let mut entries: Vec<Entry> = Vec::new();
    let mut open = false;
    for (number, line) in text.lines().enumerate() {
        if let Some(key) = line.strip_prefix("### ") {
            let (key, lines) = (key.trim().to_string(), Vec::new());
            entries.push(Entry {
                key,
                line: number + 1,
                lines,
            });
            open = true;
        } else if line.starts_with('#') || line.starts_with("---") {
            open = false;
        } else if let (true, Some(entry)) = (open, entries.last_mut()) {
            entry.lines.push(line.to_string());
        }
    }
    entries
}

#[test]
fn every_cited_key_is_an_entry_of_docs_sources() {
    let keys: Vec<String> = entries().into_iter().map(|entry| entry.key).collect();
    let mut unresolved = Vec::new();
    let mut cited = 0;
    for (path, text) in citing_files() {
        for (number, line) in text.lines().enumerate() {
            for key in cited_keys(line) {
                cited += 1;
                if !keys.iter().any(|k| k == key) {
                    unresolved.push(format!("{}:{}: src:{key}", path.display(), number + 1));
                }
            }
        }
    }
    assert!(cited > 100, "only {cited} citations found");
    assert!(
        unresolved.is_empty(),
        "citations with no `### <key>` entry in {REGISTER}:\n{}",
        unresolved.join("\n")
    );
}

#[test]
fn no_file_cites_the_calibration_table_that_is_not_in_the_repository() {
    let mut stale = Vec::new();
    for folder in ["configs", "docs"] {
        for (path, bytes) in files_of(Path::new(folder)) {
            let text = String::from_utf8_lossy(&bytes);
            for (number, line) in text.lines().enumerate() {
                if line.contains("cal §") {
                    stale.push(format!(
                        "{}:{}: {}",
                        path.display(),
                        number + 1,
                        line.trim()
                    ));
                }
            }
        }
    }
    assert!(
        stale.is_empty(),
        "`cal §` citations left (cite `src:<key>` of {REGISTER} instead):\n{}",
        stale.join("\n")
    );
}

#[test]
fn every_entry_of_docs_sources_has_a_figure_a_publisher_and_a_url() {
    let entries = entries();
    assert!(entries.len() > 100, "only {} entries", entries.len());
    let mut incomplete = Vec::new();
    let mut seen: Vec<&str> = Vec::new();
    for Entry { key, line, lines } in &entries {
        if seen.contains(&key.as_str()) {
            incomplete.push(format!("{REGISTER}:{line}: {key} is listed twice"));
        }
        seen.push(key);
        for wanted in ENTRY_LINES {
            let present = (lines.iter())
                .any(|l| l.strip_prefix(wanted).is_some_and(|v| !v.trim().is_empty()));
            if !present {
                incomplete.push(format!("{REGISTER}:{line}: {key} has no `{wanted}` line"));
            }
        }
    }
    assert!(
        incomplete.is_empty(),
        "incomplete entries:\n{}",
        incomplete.join("\n")
    );
}

#[test]
fn a_citation_is_read_up_to_the_end_of_its_key() {
    assert_eq!(
        cited_keys("x = 1  # src:pue, src:server-overhead (derived: 10.2 / 8)"),
        ["pue", "server-overhead"]
    );
    assert_eq!(cited_keys("see `src:hualien-2024`."), ["hualien-2024"]);
    assert!(cited_keys("cite as \"src:<key>\"; nosrc:pue").is_empty());
}
