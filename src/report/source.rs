//! The scenario behind an output folder, for the report's opening: its question (the
//! `# The question it answers:` paragraph of the file's opening comment) and its
//! `description`. An output folder keeps only the scenario's SHA-256 (`config_hash`
//! in `manifest.json`), so the text is found by that hash: a file given with
//! `--config`, the built-in baseline, or a `.toml` file under `configs/` of the
//! current folder. A file whose hash differs is never taken for the run's scenario.

use std::path::{Path, PathBuf};

use crate::output::config_hash;

/// What the report says about the scenario.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ScenarioText {
    /// Where the text was found: a path, or `built-in baseline`.
    pub source: String,
    /// The question it answers, from its opening comment.
    pub question: Option<String>,
    /// Its `description`.
    pub description: Option<String>,
}

/// The scenario could not be told.
#[derive(Debug, thiserror::Error)]
pub enum SourceError {
    /// The file given is not the one the run used.
    #[error(
        "{}: not the scenario of this run (its SHA-256 is {found}, the run's manifest says \
         {expected}); give the file the run was made from",
        path.display()
    )]
    Mismatch {
        /// The file.
        path: PathBuf,
        /// The run's config hash.
        expected: String,
        /// The file's.
        found: String,
    },
    /// The file could not be read.
    #[error("cannot read {}: {cause}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        cause: std::io::Error,
    },
}

/// The paragraph after `# The question it answers:` in the opening comment, joined.
fn question(text: &str) -> Option<String> {
    const MARK: &str = "The question it answers:";
    let mut words = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        let Some(comment) = line.trim_start().strip_prefix('#') else {
            break;
        };
        let comment = comment.trim();
        if let Some(first) = comment.strip_prefix(MARK) {
            inside = true;
            words.push(first.trim().to_string());
        } else if inside && (comment.is_empty() || comment.starts_with('=')) {
            break;
        } else if inside {
            words.push(comment.to_string());
        }
    }
    let joined = words.join(" ").trim().to_string();
    (!joined.is_empty()).then_some(joined)
}

/// The scenario's `description`, if the text is TOML with one.
fn description(text: &str) -> Option<String> {
    let value: toml::Table = text.parse().ok()?;
    value.get("description")?.as_str().map(str::to_string)
}

/// A scenario file as the report reads it: the text its runs hash (a change file's
/// resolved scenario, else the file's own text), the question from the file's opening
/// comment, and the description.
#[derive(Debug)]
struct Candidate {
    hashed: String,
    told: ScenarioText,
}

impl Candidate {
    /// `path`, loaded as a scenario when it is one (else taken as written: a sweep file).
    fn read(path: &Path) -> Result<Candidate, std::io::Error> {
        let own = std::fs::read_to_string(path)?;
        let source = path.display().to_string();
        Ok(match crate::scenario::load(path) {
            Ok(scenario) => Candidate {
                told: ScenarioText {
                    source,
                    question: question(&own),
                    description: scenario.description,
                },
                hashed: scenario.text,
            },
            Err(_) => Candidate {
                told: ScenarioText {
                    source,
                    question: question(&own),
                    description: description(&own),
                },
                hashed: own,
            },
        })
    }

    fn matches(&self, hash: &str) -> bool {
        config_hash(&self.hashed) == hash
    }
}

/// `.toml` files under `dir`, at any depth, sorted.
fn toml_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return files;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            files.extend(toml_files(&path));
        } else if path.extension().is_some_and(|e| e == "toml") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The scenario whose hash is `hash`: the built-in baseline, else a file under
/// `configs/`.
fn found_by_hash(hash: &str) -> Option<Candidate> {
    if let Ok(baseline) = crate::scenario::baseline() {
        if config_hash(&baseline.text) == hash {
            return Some(Candidate {
                told: ScenarioText {
                    source: "the built-in baseline".into(),
                    question: question(&baseline.text),
                    description: baseline.description,
                },
                hashed: baseline.text,
            });
        }
    }
    (toml_files(Path::new("configs")).into_iter())
        .filter_map(|path| Candidate::read(&path).ok())
        .find(|candidate| candidate.matches(hash))
}

/// The text the runs of the scenario whose hash is `hash` hashed (a change file's
/// resolved scenario), found as [`find_scenario`] finds it without a file given.
pub fn find_scenario_text(hash: &str) -> Option<String> {
    found_by_hash(hash).map(|candidate| candidate.hashed)
}

/// The scenario whose hash is `hash`: `explicit` (which must match), else the built-in
/// baseline, else a file under `configs/`; `None` when none matches.
pub fn find_scenario(
    hash: &str,
    explicit: Option<&Path>,
) -> Result<Option<ScenarioText>, SourceError> {
    let Some(path) = explicit else {
        return Ok(found_by_hash(hash).map(|candidate| candidate.told));
    };
    let candidate = Candidate::read(path).map_err(|cause| SourceError::Read {
        path: path.to_path_buf(),
        cause,
    })?;
    if !candidate.matches(hash) {
        return Err(SourceError::Mismatch {
            path: path.to_path_buf(),
            expected: hash.to_string(),
            found: config_hash(&candidate.hashed),
        });
    }
    Ok(Some(candidate.told))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_question_is_the_paragraph_of_the_opening_comment() {
        let text = "# ===\n# chipsim scenario\n#\n# The question it answers: how late\n\
                    # do projects go live?\n#\n# What changes: nothing\nname = \"x\"\n\
                    description = \"A test.\"\n";
        assert_eq!(
            question(text).as_deref(),
            Some("how late do projects go live?")
        );
        assert_eq!(description(text).as_deref(), Some("A test."));
        assert_eq!(
            question("name = \"x\"\n# The question it answers: late"),
            None
        );
    }

    #[test]
    fn a_file_that_is_not_the_runs_scenario_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let path = dir.path().join("s.toml");
        std::fs::write(&path, "name = \"s\"\n").expect("write");
        let hash = config_hash("name = \"s\"\n");
        assert!(find_scenario(&hash, Some(&path)).is_ok_and(|s| s.is_some()));
        let error = find_scenario("0000", Some(&path)).expect_err("another hash");
        assert!(error.to_string().contains("not the scenario of this run"));
    }
}
