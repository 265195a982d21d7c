//! Scenario files: parse the TOML, validate it, and resolve it into the model's
//! parameters, with errors that name the file, the line and the field.
//!
//! Two stages, so that types and values are checked separately: serde with
//! `deny_unknown_fields` into the raw structs of [`raw`] and [`kinds`] (syntax, unknown
//! fields, wrong types, misspelt words), then [`validate`] into a [`World`] (ranges,
//! dates, ids, references, routes), one resolver per agent kind. Either stage's error
//! is located in the file by [`locate`], and every part of it is made [`printable`].
//!
//! A file with `base = "…"` is a change file: [`overlay`] resolves it through its
//! chain of bases into one table, which [`canonical`] prints as the text that is
//! checked the same way and hashed into the manifest; errors then name the file and line
//! that wrote the value at fault.
//!
//! To add an agent kind, see [`kinds`]; to add a field, write it with its
//! [`fields::Field`] in its kind's `table!`.

pub mod canonical;
pub mod check;
pub mod choice;
pub mod context;
pub mod diff;
pub mod fields;
pub mod kinds;
pub mod limits;
pub mod locate;
pub mod overlay;
pub(crate) mod path;
pub mod printable;
pub mod raw;
pub mod reference;
pub mod routes;
pub mod schema;
pub mod validate;

use std::path::Path;

use crate::model::World;

use check::Invalid;
use locate::{FieldPath, SourceMap};
use overlay::Resolved;
use printable::printable;

/// The baseline scenario shipped with chipsim, used when `run` is given no CONFIG.
pub const BASELINE: &str = include_str!("../../configs/baseline.toml");
/// Where the baseline lives in the repository (for messages and manifests).
pub const BASELINE_PATH: &str = "configs/baseline.toml";

/// Largest scenario file accepted (bytes).
pub const MAX_FILE_BYTES: u64 = 4 * 1024 * 1024;

/// Replications of a run when neither `--reps` nor the scenario's `replications` says.
pub const DEFAULT_REPLICATIONS: u64 = 100;
/// Base seed when neither `--seed` nor the scenario's `seed` says.
pub const DEFAULT_SEED: u64 = 1;

/// A scenario that cannot be used. The message says where and how to fix it; every
/// part of it taken from the file is [`printable`].
#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    /// The file cannot be read.
    #[error("{file}: cannot read the scenario: {source}")]
    Read {
        /// The file.
        file: String,
        /// Why.
        source: std::io::Error,
    },
    /// The file is too large to be a scenario.
    #[error("{file}: the file is {bytes} bytes; a scenario may be at most {MAX_FILE_BYTES} bytes")]
    TooLarge {
        /// The file.
        file: String,
        /// Its size.
        bytes: u64,
    },
    /// The file is not UTF-8 text.
    #[error(
        "{file}: not a text file: a scenario must be UTF-8 TOML (invalid byte at offset {offset})"
    )]
    NotText {
        /// The file.
        file: String,
        /// First invalid byte.
        offset: usize,
    },
    /// Syntax, unknown field or wrong type.
    #[error("{file}:{line}: {field}{message}")]
    Parse {
        /// The file.
        file: String,
        /// 1-based line.
        line: usize,
        /// `field: ` or empty.
        field: String,
        /// What the parser said.
        message: String,
    },
    /// A value outside its allowed range, an unknown reference, and the like.
    #[error("{file}:{line}: {field}: {message}")]
    Invalid {
        /// The file.
        file: String,
        /// 1-based line (0 when unknown).
        line: usize,
        /// The field path.
        field: String,
        /// What is wrong and what is allowed.
        message: String,
    },
}

impl ScenarioError {
    /// The TOML parser's `error` in `text` (the file `file`), located and with a "did
    /// you mean" for a misspelt field or family.
    pub fn parse(text: &str, file: &str, error: &toml::de::Error) -> ScenarioError {
        let offset = error.span().map_or(0, |span| span.start);
        let path = SourceMap::new(text).path_at(offset);
        let line = locate::line_of_offset(text, offset);
        ScenarioError::parse_at(file, line, path.as_ref(), error)
    }

    /// The TOML parser's `error` about the field at `path`, which is at `line` of `file`.
    fn parse_at(
        file: &str,
        line: usize,
        path: Option<&FieldPath>,
        error: &toml::de::Error,
    ) -> ScenarioError {
        ScenarioError::Parse {
            file: printable(file).into_owned(),
            line,
            field: path.map(|path| format!("{path}: ")).unwrap_or_default(),
            message: printable(&with_suggestion(error.message().trim_end())).into_owned(),
        }
    }

    /// `message` about the field at `path` in `text` (the file `file`), at its line.
    pub fn invalid(text: &str, file: &str, path: &FieldPath, message: &str) -> ScenarioError {
        ScenarioError::Invalid {
            file: printable(file).into_owned(),
            line: SourceMap::new(text).line_of(path).unwrap_or(0),
            field: path.to_string(),
            message: printable(message).into_owned(),
        }
    }
}

/// Where the fields of a scenario's text were written, to locate its errors.
trait Source {
    /// The parser's `error` in the text, located.
    fn parse_error(&self, error: &toml::de::Error) -> ScenarioError;

    /// `invalid`, located.
    fn invalid(&self, invalid: &Invalid) -> ScenarioError;
}

/// A scenario written in one file: the text is the file's.
struct OneFile<'a> {
    text: &'a str,
    file: &'a str,
}

impl Source for OneFile<'_> {
    fn parse_error(&self, error: &toml::de::Error) -> ScenarioError {
        ScenarioError::parse(self.text, self.file, error)
    }

    fn invalid(&self, invalid: &Invalid) -> ScenarioError {
        ScenarioError::invalid(self.text, self.file, &invalid.path, &invalid.message)
    }
}

/// A change file's resolved scenario: the text is [`canonical`]; each field is located
/// in the file of the chain that wrote it.
struct Chain<'a> {
    text: &'a str,
    resolved: &'a Resolved,
}

impl Source for Chain<'_> {
    fn parse_error(&self, error: &toml::de::Error) -> ScenarioError {
        let offset = error.span().map_or(0, |span| span.start);
        let map = SourceMap::new(self.text);
        let (file, line) = (self.resolved).place(&map.field_at(offset).unwrap_or_default());
        ScenarioError::parse_at(&file, line, map.path_at(offset).as_ref(), error)
    }

    fn invalid(&self, invalid: &Invalid) -> ScenarioError {
        self.resolved.invalid(&invalid.path, &invalid.message)
    }
}

/// A parsed and validated scenario, with the text it came from.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Where it came from.
    pub source: String,
    /// The text checked and hashed into the manifest: the file's own, or for a change
    /// file its resolved scenario in [`canonical`] form.
    pub text: String,
    /// For a change file: the file of the scenario it changes.
    pub base: Option<String>,
    /// Defaults for `run` from the file.
    pub replications: Option<u64>,
    /// Default seed from the file.
    pub seed: Option<u64>,
    /// Free-text description.
    pub description: Option<String>,
    /// The model's parameters.
    pub world: World,
    /// What is allowed but probably not meant, each located like an error
    /// (`file:line: field: message`) and printable.
    pub warnings: Vec<String>,
}

/// Reads the text of a scenario (or sweep) file: at most [`MAX_FILE_BYTES`], UTF-8.
pub fn read_text(path: &Path) -> Result<String, ScenarioError> {
    let file = printable(&path.display().to_string()).into_owned();
    let read = |source| ScenarioError::Read {
        file: file.clone(),
        source,
    };
    let bytes = path.metadata().map_err(read)?.len();
    if bytes > MAX_FILE_BYTES {
        return Err(ScenarioError::TooLarge { file, bytes });
    }
    let data = std::fs::read(path).map_err(read)?;
    String::from_utf8(data).map_err(|e| ScenarioError::NotText {
        file: file.clone(),
        offset: e.utf8_error().valid_up_to(),
    })
}

/// Reads and validates the scenario at `path`, resolving its chain of bases.
pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
    from_resolved(&overlay::resolve(path)?)
}

/// Validates a scenario read by [`overlay::resolve`].
pub fn from_resolved(resolved: &Resolved) -> Result<Scenario, ScenarioError> {
    if let Some(text) = resolved.standalone_text() {
        return parse(text, resolved.file());
    }
    let text = canonical::to_toml(resolved.table());
    let mut scenario = build(
        &text,
        resolved.file(),
        &Chain {
            text: &text,
            resolved,
        },
    )?;
    scenario.warnings.extend(resolved.warnings());
    scenario.base = resolved.base().map(|base| base.file().to_string());
    Ok(scenario)
}

/// The embedded baseline scenario.
pub fn baseline() -> Result<Scenario, ScenarioError> {
    parse(BASELINE, BASELINE_PATH)
}

/// Parses and validates scenario `text`, written as it is in one file; `file` names it
/// in errors.
pub fn parse(text: &str, file: &str) -> Result<Scenario, ScenarioError> {
    build(text, file, &OneFile { text, file })
}

/// Parses and validates scenario `text` from `file`, its errors located by `source`.
fn build(text: &str, file: &str, source: &dyn Source) -> Result<Scenario, ScenarioError> {
    let raw: raw::RawScenario = toml::from_str(text).map_err(|error| source.parse_error(&error))?;
    let validated = validate::validate(&raw).map_err(|invalid| source.invalid(&invalid))?;
    let warnings = (validated.warnings.iter())
        .map(|warning| source.invalid(warning).to_string())
        .collect();
    Ok(Scenario {
        source: file.to_string(),
        text: text.to_string(),
        base: None,
        replications: raw.replications,
        seed: raw.seed,
        description: raw.description,
        world: validated.world,
        warnings,
    })
}

/// Appends "did you mean `x`?" to serde's unknown-field and unknown-variant messages,
/// naming the expected name closest to the misspelt one (by edit distance).
fn with_suggestion(message: &str) -> String {
    let Some(rest) = message
        .strip_prefix("unknown field `")
        .or_else(|| message.strip_prefix("unknown variant `"))
    else {
        return message.to_string();
    };
    let Some((wrong, expected)) = rest.split_once('`') else {
        return message.to_string();
    };
    format!(
        "{message}{}",
        did_you_mean(wrong, expected.split('`').skip(1).step_by(2))
    )
}

/// " (did you mean `x`?)" naming the candidate closest to `wrong`, or nothing when none
/// is close enough to be what was meant.
pub(crate) fn did_you_mean<'a>(
    wrong: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> String {
    nearest(wrong, candidates)
        .map(|candidate| format!(" (did you mean `{candidate}`?)"))
        .unwrap_or_default()
}

/// The candidate closest to `wrong` by edit distance, if close enough to be what was
/// meant.
fn nearest<'a>(wrong: &str, candidates: impl IntoIterator<Item = &'a str>) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|candidate| (edit_distance(wrong, candidate), candidate))
        .min()
        .filter(|&(distance, _)| distance <= wrong.len().max(3) / 2)
        .map(|(_, candidate)| candidate)
}

/// Edit distance between two short names: insertions, deletions, substitutions and
/// swaps of two adjacent letters (`ari` → `air`) each count one.
pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Rows of the distance table for the prefixes of `a` one and two letters shorter.
    let mut before: Vec<usize> = Vec::new();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for i in 0..a.len() {
        let mut current = vec![i + 1; b.len() + 1];
        for j in 0..b.len() {
            let mut distance = (previous[j] + usize::from(a[i] != b[j]))
                .min(previous[j + 1] + 1)
                .min(current[j] + 1);
            if i > 0 && j > 0 && a[i] == b[j - 1] && a[i - 1] == b[j] {
                distance = distance.min(before[j - 1] + 1);
            }
            current[j + 1] = distance;
        }
        before = std::mem::replace(&mut previous, current);
    }
    previous[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn suggests_the_nearest_field() {
        let message = "unknown field `wafer_starts_per_weak`, expected one of `id`, `wafer_starts_per_week`, `yield`";
        assert!(with_suggestion(message).ends_with("(did you mean `wafer_starts_per_week`?)"));
        let far = "unknown field `zzzzzz`, expected one of `id`, `yield`";
        assert_eq!(with_suggestion(far), far);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("ari", "air"), 1);
        assert_eq!(edit_distance("", "air"), 3);
    }
}
